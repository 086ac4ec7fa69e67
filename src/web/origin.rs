//! Whose page sent a state-changing request: a second line behind the CSRF token. A browser names the page's site in
//! `Origin` (and says `Sec-Fetch-Site: cross-site` for another site's page); a request from anywhere but this site is
//! refused. A request without the headers (an older browser, a script) still has to bring the token.
//!
//! This site is the `Host` the request was sent to — a reverse proxy must pass it on as the browser sent it, port
//! included (`proxy_set_header Host $http_host`) — or the configured public address (`AFTERSALES_PUBLIC_URL`).

use actix_web::HttpRequest;
use actix_web::http::header;

/// Whether the request may come from where the browser says it comes from.
pub fn is_same_site(req: &HttpRequest, public_url: &str) -> bool {
    let headers = req.headers();
    if headers.get("Sec-Fetch-Site").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site")) {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let Some(origin) = authority(origin) else {
        // "null" (a sandboxed frame, a page from a file) or garbage: not this site's page.
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).map(|h| without_default_port(h, None));
    host.is_some_and(|h| h.eq_ignore_ascii_case(&origin))
        || authority(public_url).is_some_and(|site| site.eq_ignore_ascii_case(&origin))
}

/// `host[:port]` of an `http(s)://host[:port][/…]` address, without the scheme's default port.
fn authority(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty() || !matches!(scheme, "http" | "https") {
        return None;
    }
    Some(without_default_port(authority, Some(scheme)))
}

/// A Host header carries a port only when it is not the default; `Origin` likewise, but a client may write either.
fn without_default_port(authority: &str, scheme: Option<&str>) -> String {
    let stripped = match scheme {
        Some("http") => authority.strip_suffix(":80"),
        Some("https") => authority.strip_suffix(":443"),
        _ => authority.strip_suffix(":80").or_else(|| authority.strip_suffix(":443")),
    };
    stripped.unwrap_or(authority).to_owned()
}

#[cfg(test)]
mod tests {
    use super::is_same_site;
    use actix_web::test::TestRequest;

    const SITE: &str = "https://service.example.com";

    fn post(headers: &[(&str, &str)]) -> actix_web::HttpRequest {
        let mut req = TestRequest::post().uri("/portal/tickets");
        for &(name, value) in headers {
            req = req.insert_header((name, value));
        }
        req.to_http_request()
    }

    #[test]
    fn a_page_of_this_site_may_post() {
        assert!(is_same_site(&post(&[("Host", "127.0.0.1:8080"), ("Origin", "http://127.0.0.1:8080")]), SITE));
        assert!(is_same_site(&post(&[("Host", "service.example.com"), ("Origin", SITE)]), SITE));
        assert!(is_same_site(&post(&[("Host", "service.example.com:443"), ("Origin", SITE)]), SITE));
        // A proxy that rewrote Host: the public address still names the site.
        assert!(is_same_site(&post(&[("Host", "127.0.0.1:8080"), ("Origin", SITE)]), SITE));
        assert!(is_same_site(&post(&[("Host", "h"), ("Sec-Fetch-Site", "same-origin")]), SITE));
    }

    #[test]
    fn without_the_headers_the_token_decides() {
        assert!(is_same_site(&post(&[("Host", "127.0.0.1:8080")]), SITE));
    }

    #[test]
    fn another_site_may_not() {
        for origin in ["https://evil.example", "http://127.0.0.1:9999", "null", "https://service.example.com.evil"] {
            assert!(!is_same_site(&post(&[("Host", "127.0.0.1:8080"), ("Origin", origin)]), SITE), "{origin}");
        }
        assert!(!is_same_site(&post(&[("Host", "127.0.0.1:8080"), ("Sec-Fetch-Site", "cross-site")]), SITE));
    }
}
