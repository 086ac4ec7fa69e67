//! Roles, ownership, CSRF, and malformed input that must never become a 500.

use crate::helpers::*;
use aftersales::domain::Role;
use reqwest::StatusCode;

#[actix_web::test]
async fn pages_need_the_right_role() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let anonymous = app.browser();

    let page = customer.page("/queue").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.contains("没有权限"), "a readable page, not a bare status");
    assert_eq!(customer.get("/staff").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(agent.get("/staff").await.status(), StatusCode::FORBIDDEN, "agents don't manage staff");
    assert_eq!(agent.get("/portal").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(agent.get("/portal/tickets/new").await.status(), StatusCode::FORBIDDEN);
    for path in ["/queue", "/portal", "/staff", "/tickets/AS20260101-000001"] {
        let res = anonymous.get(path).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(location(&res).starts_with("/login?next="), "{path}");
    }
    // Actions too, not only pages.
    let number = customer.file_ticket(&ticket_form("门锁坏了", &[])).await;
    let res = customer.post(&format!("/tickets/{number}/take"), &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = agent.post("/portal/tickets", &ticket_form("staff cannot use the portal form", &[])).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = agent
        .post("/staff", &[("role", "agent"), ("name", "X"), ("email", "x@example.com"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM users WHERE email = 'x@example.com'").await, 0);
}

#[actix_web::test]
async fn the_settings_index_is_for_supervisors() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "s@example.com").await;
    let page = boss.page("/settings").await;
    assert_eq!(page.status, StatusCode::OK);
    let links = page.select(".settings-index a");
    assert_eq!(links.len(), 8, "{links:?}");
    for href in
        page.html.select(&scraper::Selector::parse(".settings-index a").unwrap()).filter_map(|a| a.value().attr("href"))
    {
        assert_eq!(boss.get(href).await.status(), StatusCode::OK, "{href}");
    }
    assert!(boss.page("/queue").await.select("nav a").iter().any(|a| a == "设置"));
    for role in [Role::Agent, Role::Customer] {
        let other = app.signed_in(role, &format!("{}@example.com", role.code())).await;
        assert_eq!(other.get("/settings").await.status(), StatusCode::FORBIDDEN, "{role:?}");
    }
}

#[actix_web::test]
async fn another_customers_ticket_does_not_exist_for_you() {
    let app = TestApp::spawn().await;
    let alice = app.signed_in(Role::Customer, "alice@example.com").await;
    let bob = app.signed_in(Role::Customer, "bob@example.com").await;
    let number = alice.file_ticket(&ticket_form("Alice's fridge", &[])).await;
    assert_eq!(alice.page(&format!("/tickets/{number}")).await.status, StatusCode::OK);
    let page = bob.page(&format!("/tickets/{number}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.contains("Alice's fridge"));
    let res = bob.post(&format!("/tickets/{number}/comments"), &[("body", "hijack")]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("SELECT count(*) FROM ticket_events WHERE body = 'hijack'").await, 0);
    assert!(!bob.page("/portal").await.contains(&number));
}

#[actix_web::test]
async fn state_changing_requests_need_the_csrf_token() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let form = ticket_form("no token", &[]);
    let res = customer.http.post(customer.url("/portal/tickets")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(to_page(res).await.contains("表单已过期"));
    let mut wrong = form.clone();
    wrong.push(("csrf_token", "0000"));
    let res = customer.http.post(customer.url("/portal/tickets")).form(&wrong).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = customer
        .http
        .post(customer.url("/portal/tickets"))
        .header("X-CSRF-Token", "bad")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // A token from another session is no good either.
    let other = app.browser().csrf().await;
    let mut foreign = form.clone();
    foreign.push(("csrf_token", &other));
    let res = customer.http.post(customer.url("/portal/tickets")).form(&foreign).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Sign-in and registration are protected too (login CSRF).
    let anonymous = app.browser();
    let res = anonymous
        .http
        .post(anonymous.url("/login"))
        .form(&[("login", "c@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM tickets").await, 0);
}

#[actix_web::test]
async fn a_browser_request_from_another_site_is_refused_even_with_the_token() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let token = customer.csrf().await;
    let mut form = ticket_form("from elsewhere", &[]);
    form.push(("csrf_token", &token));
    let post = |site: &'static str| customer.http.post(customer.url("/portal/tickets")).header("Sec-Fetch-Site", site);
    let res = post("cross-site").form(&form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM tickets").await, 0, "nothing filed");
    // Another site's page named in Origin (or a sandboxed frame's "null") is refused as well.
    for origin in ["https://evil.example", "null"] {
        let res = customer.http.post(customer.url("/portal/tickets")).header("Origin", origin).form(&form);
        assert_eq!(res.send().await.unwrap().status(), StatusCode::FORBIDDEN, "{origin}");
    }
    assert_eq!(app.count("SELECT count(*) FROM tickets").await, 0, "nothing filed");
    // The site's own pages say same-origin and name this site: filed as usual.
    let res = post("same-origin").header("Origin", app.base.as_str()).form(&form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM tickets").await, 1);
}

#[actix_web::test]
async fn malformed_input_gets_a_clear_4xx_never_a_500() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let token = customer.csrf().await;

    // Bad UTF-8 in a form body.
    let mut body = format!("csrf_token={token}&title=").into_bytes();
    body.extend_from_slice(&[0xff, 0xfe, 0x80]);
    let res = customer
        .http
        .post(customer.url("/portal/tickets"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "bad UTF-8: {}", res.status());

    // A huge body.
    let huge = "x".repeat(2 * 1024 * 1024);
    let res = customer.post("/portal/tickets", &ticket_form(&huge, &[])).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Unknown enum values.
    let page = to_page(
        customer.post("/portal/tickets", &ticket_form("x", &[("urgency", "yesterday"), ("ticket_type", "🙂")])).await,
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-urgency").is_some() && page.first("#e-ticket_type").is_some());

    // Bad ids and paths.
    for path in ["/tickets/%FF%FE", "/tickets/AS-nope", "/tickets/'%20OR%201=1", "/nowhere"] {
        assert_eq!(customer.get(path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    for path in [
        "/queue?state=bogus",
        "/queue?after=1.2",
        "/queue?after=x.y.z",
        "/queue?urgency=%FF",
        "/queue?assignee=someone",
    ] {
        let page = agent.page(path).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(page.contains("无效"), "{path} says why");
    }
    assert_eq!(customer.get("/portal?after=garbage").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count("SELECT count(*) FROM tickets").await, 0);
}

#[actix_web::test]
async fn health_check_reports_the_database() {
    let app = TestApp::spawn().await;
    let res = app.browser().get("/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["database"], "ok");
}

#[actix_web::test]
async fn responses_carry_protective_headers() {
    let app = TestApp::spawn().await;
    let res = app.browser().get("/login").await;
    let headers = res.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(headers["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
    let cookie =
        headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect::<Vec<_>>().join(";");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let js = app.browser().get("/static/htmx.min.js").await;
    assert_eq!(js.status(), StatusCode::OK);
    assert_eq!(app.browser().get("/static/../Cargo.toml").await.status(), StatusCode::NOT_FOUND);
    let icon = app.browser().get("/favicon.ico").await;
    assert_eq!(icon.status(), StatusCode::OK, "no 404 in the browser's console on every page");
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
}

/// The NUL bytes that reached PostgreSQL and answered 500 on ten handlers: refused with 400 and a message, in the
/// path, the query and a form, before anything runs; nothing is stored.
#[actix_web::test]
async fn nul_and_control_characters_are_refused_before_any_query_runs() {
    let app = TestApp::spawn().await;
    let supervisor = app.signed_in(Role::Supervisor, "s@example.com").await;
    for path in ["/queue?q=%00", "/tickets/%00", "/analytics?region=%00", "/queue?q=a%1Bb"] {
        let res = supervisor.get(path).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{path}");
        assert!(to_page(res).await.contains("控制字符"), "{path} says why");
    }
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let res = customer.post("/portal/tickets", &ticket_form("漏水\u{0}了", &[])).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count("SELECT count(*) FROM tickets").await, 0, "nothing filed");
    // Line breaks, tabs, emoji, CJK punctuation and direction marks are text like any other.
    let number = customer.file_ticket(&ticket_form("漏水了！\t第二行\n😀 \u{202e}", &[])).await;
    assert!(customer.page(&format!("/tickets/{number}")).await.contains("漏水了！"));
    assert_eq!(supervisor.get("/queue?q=%E6%BC%8F%E6%B0%B4").await.status(), StatusCode::OK);
}
