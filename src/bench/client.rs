//! Browsers of the load: each signs in like a person does (GET /login for the session and its CSRF token, then
//! POST /login) and keeps its session cookie; posts carry the session's CSRF token as the forms do.

use anyhow::Context;
use reqwest::{Client, StatusCode};

#[derive(Clone)]
pub struct Session {
    pub http: Client,
    pub csrf: String,
}

fn client() -> anyhow::Result<Client> {
    Ok(Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(256)
        .build()?)
}

/// The value of the first `csrf_token` input of a page.
fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf_token\"")?;
    let rest = &html[at..];
    let value = rest.find("value=\"")? + 7;
    let end = rest[value..].find('"')?;
    Some(rest[value..value + end].to_owned())
}

/// The "next page" link of a queue page (keyset), unescaped.
pub fn next_link(html: &str) -> Option<String> {
    let at = html.find("class=\"pager\"")?;
    let rest = &html[at..];
    let href = rest.find("href=\"")? + 6;
    let end = rest[href..].find('"')?;
    // askama escapes `&` as `&#38;`; `&amp;` is the other spelling a template could use.
    Some(rest[href..href + end].replace("&#38;", "&").replace("&amp;", "&"))
}

pub async fn sign_in(base: &str, login: &str, password: &str) -> anyhow::Result<Session> {
    let http = client()?;
    let page = http.get(format!("{base}/login")).send().await?.text().await?;
    let csrf = csrf_of(&page).context("no CSRF token on /login")?;
    let res = http
        .post(format!("{base}/login"))
        .form(&[("login", login), ("password", password), ("csrf_token", &csrf)])
        .send()
        .await?;
    anyhow::ensure!(res.status() == StatusCode::SEE_OTHER, "signing in as {login}: {}", res.status());
    // The session's token (kept across the sign-in), as every page's forms carry it.
    let page = http.get(format!("{base}/login")).send().await?.text().await?;
    let csrf = csrf_of(&page).context("no CSRF token after signing in")?;
    Ok(Session { http, csrf })
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_the_token_and_the_next_link() {
        let html = r#"<input type="hidden" name="csrf_token" value="abc"><p class="pager"><a class="button" href="/queue?after=1&amp;x=2&#38;y=3">"#;
        assert_eq!(super::csrf_of(html).as_deref(), Some("abc"));
        assert_eq!(super::next_link(html).as_deref(), Some("/queue?after=1&x=2&y=3"));
    }
}
