//! The bad-input corpus: every form the pages offer (found by walking the site as a customer, an agent and a
//! supervisor) is sent with each of its fields, one at a time, replaced by each hostile or odd input below, and every
//! query parameter of a visited link likewise. Nothing may answer 5xx; a refusal (4xx) stores nothing; what was
//! stored is shown escaped on every page.

use crate::helpers::*;
use aftersales::domain::Role;
use scraper::{ElementRef, Html, Selector};
use std::collections::{BTreeSet, VecDeque};

/// A query string longer than this is not a URL a browser sends (the huge input goes in form bodies only).
const MAX_QUERY: usize = 16_000;
/// Pages visited per person, at most.
const MAX_PAGES: usize = 120;

/// Hostile and odd inputs, already percent-encoded for a form body or a query string (so bad UTF-8 can be sent).
fn corpus() -> Vec<(&'static str, String)> {
    let text = percent;
    vec![
        ("empty", String::new()),
        ("huge", text(&"长".repeat(30_000))),
        ("long", text(&"a".repeat(5_001))),
        ("NUL", "a%00b".into()),
        ("escape", text("\u{1b}[31m红\u{7f}")),
        ("bad UTF-8", "%FF%FE%80".into()),
        ("RTL override", text("\u{202e}gpj.exe")),
        ("emoji", text("😀🔧👨‍👩‍👧")),
        ("CJK punctuation", text("，。！？【】「」、；：")),
        ("SQL", text("' OR 1=1; DROP TABLE tickets; --")),
        ("HTML", text("<img src=x onerror=alert(1)><script>alert(1)</script>")),
        ("template", text("{{ 7*7 }}{% if true %}x{% endif %}${7*7}")),
        ("traversal", text("../../../../etc/passwd")),
        ("negative", "-1".into()),
        ("huge number", "99999999999999999999999".into()),
        ("float", "1e309".into()),
        ("NaN", "NaN".into()),
        ("bad date", "2026-02-30".into()),
        ("far date", "9999-12-31".into()),
        ("zero date", "0000-00-00".into()),
    ]
}

/// What the pages must never carry raw: the HTML payload, unescaped.
const RAW_HTML: [&str; 2] = ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>"];

/// Forms never sent: they end the session or remove what the walk needs.
fn spared(action: &str) -> bool {
    ["/logout", "/sign-out-everywhere", "/delete", "/access", "/lang/", "/login", "/register"]
        .iter()
        .any(|part| action.contains(part))
}

/// Pages not walked: files, downloads and what changes the session.
fn not_walked(path: &str) -> bool {
    ["/static/", "/attachments/", "/download", "/analytics/export", "/lang/", "/metrics", "/logout"]
        .iter()
        .any(|part| path.contains(part))
}

#[derive(Debug, Clone)]
struct Form {
    method: String,
    action: String,
    fields: Vec<(String, String)>,
}

fn select<'a>(element: &ElementRef<'a>, css: &str) -> Vec<ElementRef<'a>> {
    element.select(&Selector::parse(css).expect("selector")).collect()
}

/// The forms of a page, with the values a person who changes nothing would send.
fn forms_of(html: &Html, page: &str) -> Vec<Form> {
    let mut forms = Vec::new();
    for form in html.select(&Selector::parse("form").expect("selector")) {
        let attr = |name: &str| form.value().attr(name).map(str::to_owned);
        if attr("enctype").is_some_and(|e| e.contains("multipart")) {
            continue; // uploads have tests of their own
        }
        let method = attr("method").unwrap_or_else(|| "get".into()).to_lowercase();
        let action = attr("action").or_else(|| attr("hx-post")).or_else(|| attr("hx-get")).unwrap_or(page.to_owned());
        let mut fields = Vec::new();
        for input in select(&form, "input[name]") {
            let name = input.value().attr("name").unwrap_or_default().to_owned();
            let value = input.value().attr("value").unwrap_or_default().to_owned();
            match input.value().attr("type").unwrap_or("text") {
                "checkbox" | "radio" if input.value().attr("checked").is_none() => {}
                "checkbox" | "radio" => fields.push((name, if value.is_empty() { "on".into() } else { value })),
                "file" | "submit" | "button" | "image" | "reset" => {}
                _ => fields.push((name, value)),
            }
        }
        for textarea in select(&form, "textarea[name]") {
            let name = textarea.value().attr("name").unwrap_or_default().to_owned();
            fields.push((name, textarea.text().collect()));
        }
        for choice in select(&form, "select[name]") {
            let name = choice.value().attr("name").unwrap_or_default().to_owned();
            let options = select(&choice, "option");
            let chosen = options.iter().find(|o| o.value().attr("selected").is_some()).or(options.first());
            let value =
                chosen.map(|o| o.value().attr("value").map(str::to_owned).unwrap_or_else(|| o.text().collect()));
            fields.push((name, value.unwrap_or_default()));
        }
        forms.push(Form { method, action, fields });
    }
    forms
}

/// A form's identity across pages: its method and action with the numbers taken out.
fn shape(form: &Form) -> String {
    let action: String =
        form.action.split('?').next().unwrap_or_default().chars().filter(|c| !c.is_ascii_digit()).collect();
    format!("{} {action}", form.method)
}

/// Walks the site from `start` as `browser`: the pages seen (their HTML) and the forms on them, once per shape.
async fn walk(browser: &Browser, start: &[&str]) -> (Vec<(String, String)>, Vec<Form>) {
    let mut queue: VecDeque<String> = start.iter().map(|s| (*s).to_owned()).collect();
    let mut seen = BTreeSet::new();
    let mut pages = Vec::new();
    let mut forms = Vec::new();
    let mut shapes = BTreeSet::new();
    while let Some(path) = queue.pop_front() {
        if pages.len() >= MAX_PAGES || !seen.insert(path.clone()) {
            continue;
        }
        let res = browser.get(&path).await;
        assert!(!res.status().is_server_error(), "GET {path}: {}", res.status());
        let is_html =
            res.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("html"));
        if !res.status().is_success() || !is_html {
            continue;
        }
        let body = res.text().await.expect("body");
        let html = Html::parse_document(&body);
        for link in html.select(&Selector::parse("a[href]").expect("selector")) {
            let href = link.value().attr("href").unwrap_or_default();
            if href.starts_with('/') && !href.starts_with("//") && !not_walked(href) {
                // The same page with other numbers (another ticket) adds nothing but time.
                queue.push_back(href.split('#').next().unwrap_or_default().to_owned());
            }
        }
        for form in forms_of(&html, &path) {
            if shapes.insert(shape(&form)) {
                forms.push(form);
            }
        }
        pages.push((path, body));
    }
    (pages, forms)
}

/// Everything a refusal must leave as it was: rows of what people file and set up, and the tickets' versions.
async fn fingerprint(app: &TestApp) -> String {
    app.text(
        "SELECT concat_ws(' ', (SELECT count(*) FROM tickets), (SELECT coalesce(sum(version), 0) FROM tickets), \
         (SELECT count(*) FROM ticket_events), (SELECT count(*) FROM users), (SELECT count(*) FROM withdrawals), \
         (SELECT count(*) FROM compensations), (SELECT count(*) FROM exports), \
         (SELECT md5(coalesce(string_agg(t::text, ','), '')) FROM (SELECT * FROM products ORDER BY id) t), \
         (SELECT md5(coalesce(string_agg(t::text, ','), '')) FROM (SELECT * FROM keyword_rules ORDER BY id) t), \
         (SELECT md5(coalesce(string_agg(t::text, ','), '')) FROM (SELECT * FROM ticket_templates ORDER BY id) t), \
         (SELECT md5(coalesce(string_agg(t::text, ','), '')) FROM (SELECT * FROM reply_macros ORDER BY id) t), \
         (SELECT md5(coalesce(string_agg(t::text, ','), '')) FROM (SELECT * FROM cause_categories ORDER BY code) t), \
         (SELECT md5(coalesce(string_agg(t::text, ','), '')) FROM (SELECT * FROM sla_policies ORDER BY id) t), \
         (SELECT md5(coalesce(string_agg(t::text, ','), '')) FROM (SELECT * FROM users ORDER BY id) t))",
    )
    .await
}

fn encoded(fields: &[(String, String)]) -> String {
    serde_urlencoded::to_string(fields).expect("a form")
}

/// `text` as a form value.
fn percent(text: &str) -> String {
    serde_urlencoded::to_string([("", text)]).expect("a value").trim_start_matches('=').to_owned()
}

/// Sends every form with each field in turn replaced by each input of the corpus; returns what went wrong.
async fn send_corpus(app: &TestApp, who: &str, browser: &Browser, forms: &[Form]) -> Vec<String> {
    let corpus = corpus();
    let mut wrong = Vec::new();
    for form in forms.iter().filter(|f| !spared(&f.action)) {
        let targets: Vec<&str> = form.fields.iter().map(|(n, _)| n.as_str()).filter(|n| *n != "csrf_token").collect();
        for target in targets {
            for (label, payload) in &corpus {
                let fields: Vec<(String, String)> = form
                    .fields
                    .iter()
                    .filter(|(n, _)| n != target)
                    .map(|(n, v)| {
                        // A fresh one-time key each time, or the repeat would be answered from the first.
                        let v = if n == "submission" { hex::encode(rand::random::<[u8; 16]>()) } else { v.clone() };
                        (n.clone(), v)
                    })
                    .collect();
                if form.method != "post" && payload.len() > MAX_QUERY {
                    continue;
                }
                let query = format!("{}&{}={payload}", encoded(&fields), percent(target));
                let before = if form.method == "post" { fingerprint(app).await } else { String::new() };
                let res = if form.method == "post" {
                    browser
                        .http
                        .post(browser.url(&form.action))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .body(query)
                        .send()
                        .await
                        .expect("POST")
                } else {
                    let sep = if form.action.contains('?') { '&' } else { '?' };
                    browser.get(&format!("{}{sep}{query}", form.action)).await
                };
                let status = res.status();
                let what = format!("{who}: {} {} with {target} = {label}", form.method, form.action);
                if status.is_server_error() {
                    wrong.push(format!("{what}: {status}"));
                } else if status.is_client_error() && form.method == "post" && fingerprint(app).await != before {
                    wrong.push(format!("{what}: refused with {status} but something was stored"));
                }
            }
        }
    }
    wrong
}

/// Query parameters of the links seen, each replaced by each input of the corpus.
async fn send_corpus_in_links(who: &str, browser: &Browser, pages: &[(String, String)]) -> Vec<String> {
    let corpus = corpus();
    let mut links = BTreeSet::new();
    for (path, _) in pages {
        if let Some((base, query)) = path.split_once('?') {
            let params: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
            links.insert((base.to_owned(), params));
        }
    }
    let mut wrong = Vec::new();
    for (base, params) in links {
        for (target, _) in &params {
            for (label, payload) in corpus.iter().filter(|(_, p)| p.len() <= MAX_QUERY) {
                let rest: Vec<(String, String)> = params.iter().filter(|(n, _)| n != target).cloned().collect();
                let url = format!("{base}?{}&{target}={payload}", encoded(&rest));
                let status = browser.get(&url).await.status();
                if status.is_server_error() {
                    wrong.push(format!("{who}: GET {base} with {target} = {label}: {status}"));
                }
            }
        }
    }
    wrong
}

#[actix_web::test]
async fn hostile_input_in_every_field_and_parameter_is_refused_cleanly_or_stored_and_shown_escaped() {
    let app = TestApp::spawn().await;
    let owner = app.signed_in(Role::Customer, "owner@example.com").await;
    let agent = app.signed_in(Role::Agent, "agent@example.com").await;
    let supervisor = app.signed_in(Role::Supervisor, "supervisor@example.com").await;
    // Something to act on: a ticket the agent works, one waiting, and a withdrawal request for the supervisors.
    let worked = crate::approvals::in_progress(&owner, &agent, "洗碗机漏水").await;
    owner.file_ticket(&ticket_form("电视无法开机", &[])).await;
    let disputed = crate::approvals::in_progress(&owner, &agent, "空调不制冷").await;
    let request = crate::approvals::request_withdrawal(&app, &disputed, "owner@example.com", chrono::Utc::now()).await;
    crate::approvals::dispute(&app, &disputed, "agent@example.com", request, chrono::Utc::now()).await;

    let people: [(&str, &Browser, Vec<&str>); 3] = [
        ("customer", &owner, vec!["/portal", "/portal/tickets/new", "/account", "/notifications"]),
        ("agent", &agent, vec!["/queue", "/intake", "/account"]),
        ("supervisor", &supervisor, vec!["/queue", "/settings", "/approvals", "/analytics", "/staff"]),
    ];
    let mut wrong = Vec::new();
    let mut sent = 0;
    for (who, browser, start) in &people {
        let mut start = start.clone();
        let ticket_page = format!("/tickets/{worked}");
        start.push(&ticket_page);
        let (pages, forms) = walk(browser, &start).await;
        sent += forms.len();
        wrong.extend(send_corpus(&app, who, browser, &forms).await);
        wrong.extend(send_corpus_in_links(who, browser, &pages).await);
    }
    eprintln!("the corpus went through {sent} forms ({} inputs each field)", corpus().len());
    assert!(sent >= 30, "the walk found only {sent} forms");
    assert!(wrong.is_empty(), "{} bad answers:\n{}", wrong.len(), wrong.join("\n"));

    // Some of it was taken (a reply, a title), and is shown escaped wherever it appears.
    let stored = app
        .count(
            "SELECT (SELECT count(*) FROM ticket_events WHERE body LIKE '%<script>alert(1)</script>%') \
             + (SELECT count(*) FROM tickets WHERE title LIKE '%<script>alert(1)</script>%')",
        )
        .await;
    assert!(stored > 0, "no form took the HTML input, so its escaping went untested");
    for (who, browser, start) in &people {
        let (pages, _) = walk(browser, start).await;
        for (path, body) in pages {
            for raw in RAW_HTML {
                assert!(!body.contains(raw), "{who}: {path} shows {raw} unescaped");
            }
        }
    }
}
