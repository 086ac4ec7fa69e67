//! Registration, sign-in, rate limiting, sign-out, and the language.

use crate::helpers::*;
use aftersales::domain::Role;
use reqwest::StatusCode;

fn registration<'a>(email: &'a str, password: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("name", "李雷"), ("email", email), ("phone", ""), ("company", ""), ("password", password)]
}

#[actix_web::test]
async fn a_customer_registers_and_lands_on_the_portal() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let res = browser.post("/register", &registration("LiLei@Example.com", PASSWORD)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/portal");
    let portal = browser.page("/portal").await;
    assert_eq!(portal.status, StatusCode::OK);
    assert!(portal.contains("李雷"), "the signed-in name is shown");
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE email = 'lilei@example.com' AND role = 'customer'").await,
        1
    );
}

#[actix_web::test]
async fn a_duplicate_account_is_refused_with_the_input_kept() {
    let app = TestApp::spawn().await;
    app.create_user(Role::Customer, "taken@example.com", "First").await;
    let browser = app.browser();
    let page = to_page(browser.post("/register", &registration("Taken@example.com", PASSWORD)).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-email").unwrap_or_default().contains("已被注册"), "message beside the email field");
    assert_eq!(page.attr("#f-name", "value").as_deref(), Some("李雷"), "the name is kept");
    assert_eq!(app.count("SELECT count(*) FROM users").await, 1);
}

#[actix_web::test]
async fn bad_registration_fields_get_messages_and_store_nothing() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let page = to_page(
        browser
            .post("/register", &[("name", ""), ("email", "not-an-email"), ("phone", "12ab"), ("password", "short")])
            .await,
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["name", "email", "phone", "password"] {
        assert!(page.first(&format!("#e-{field}")).is_some(), "message for {field}");
    }
    assert_eq!(page.attr("#f-email", "value").as_deref(), Some("not-an-email"));
    assert_eq!(app.count("SELECT count(*) FROM users").await, 0);
}

#[actix_web::test]
async fn sign_in_renews_the_session_and_wrong_passwords_are_refused() {
    let app = TestApp::spawn().await;
    app.create_user(Role::Agent, "agent@example.com", "Agent A").await;
    let browser = app.browser();

    let page = to_page(browser.login("agent@example.com", "wrong-password").await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-login").unwrap_or_default().contains("不正确"));
    assert_eq!(page.attr("#f-login", "value").as_deref(), Some("agent@example.com"));

    let before = session_cookie(&browser.get("/login").await);
    let res = browser.login("AGENT@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/queue", "staff land on the queue");
    let after = session_cookie(&res);
    assert!(after.is_some() && after != before, "a new session cookie at sign-in");
    assert_eq!(browser.page("/queue").await.status, StatusCode::OK);

    let res = browser.post("/logout", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = browser.get("/queue").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/login?next=%2Fqueue", "signed out: back to sign-in");
}

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.cookies().find(|c| c.name() == aftersales::startup::SESSION_COOKIE).map(|c| c.value().to_owned())
}

#[actix_web::test]
async fn a_stranger_guessing_slows_unknown_browsers_for_a_minute_at_most_and_never_the_owners_own() {
    use aftersales::domain::sign_in::{FREE_PER_ACCOUNT, MAX_ACCOUNT_WAIT};
    let app = TestApp::spawn().await;
    app.create_user(Role::Customer, "c@example.com", "C").await;
    // The owner signed in at their own computer once: it is a known device from now on.
    let owner = app.browser();
    assert_eq!(owner.login("c@example.com", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    owner.post("/logout", &[]).await;

    let stranger = app.browser();
    for _ in 0..FREE_PER_ACCOUNT + 3 {
        let status = stranger.login("c@example.com", "nope-nope").await.status();
        assert!(status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::TOO_MANY_REQUESTS, "{status}");
    }
    // A new browser waits, even with the right password, and is told for how long (never over a minute).
    let elsewhere = app.browser();
    let res = elsewhere.login("c@example.com", PASSWORD).await;
    let wait: i64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=MAX_ACCOUNT_WAIT.num_seconds()).contains(&wait), "{wait}");
    let page = to_page(res).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.contains("秒后再试"), "{}", page.text);
    assert_eq!(app.count("SELECT count(*) FROM sessions").await, 1, "the waiting attempt signed nobody in");

    // The owner's own computer is not held up by the stranger at all.
    let res = owner.login("c@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/portal");

    // And once the wait is over the new browser signs in too (the failures are dated back past it).
    app.exec("UPDATE login_failures SET failed_at = failed_at - interval '61 seconds'").await;
    assert_eq!(elsewhere.login("c@example.com", PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn failures_from_a_known_device_do_not_slow_the_account_and_a_made_up_device_cookie_is_nobodys() {
    let app = TestApp::spawn().await;
    app.create_user(Role::Agent, "a@example.com", "A").await;
    let owner = app.browser();
    assert_eq!(owner.login("a@example.com", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    owner.post("/logout", &[]).await;
    for _ in 0..3 {
        assert_eq!(owner.login("a@example.com", "typo-typo").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(app.count("SELECT count(*) FROM login_failures WHERE device IS NOT NULL").await, 3);
    assert_eq!(app.count("SELECT count(*) FROM known_devices").await, 1);
    assert_eq!(owner.login("a@example.com", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM login_failures").await, 0, "a sign-in forgives the failures");

    // A browser that writes itself a device cookie is an unknown browser.
    let jar = reqwest::cookie::Jar::default();
    let url: reqwest::Url = app.base.parse().unwrap();
    jar.add_cookie_str(&format!("aftersales_device={}; Path=/login", "ab".repeat(32)), &url);
    let http = reqwest::Client::builder()
        .cookie_provider(std::sync::Arc::new(jar))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let forger = crate::helpers::Browser { http, base: app.base.clone() };
    assert_eq!(forger.login("a@example.com", "guess-guess").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT count(*) FROM login_failures WHERE device IS NULL").await, 1);
}

#[actix_web::test]
async fn sign_in_follows_only_local_next_links() {
    let app = TestApp::spawn().await;
    app.create_user(Role::Agent, "a@example.com", "A").await;
    let browser = app.browser();
    let res = browser
        .post("/login", &[("login", "a@example.com"), ("password", PASSWORD), ("next", "//evil.example/x")])
        .await;
    assert_eq!(location(&res), "/queue");
    let browser = app.browser();
    let res = browser
        .post("/login", &[("login", "a@example.com"), ("password", PASSWORD), ("next", "/queue?state=all")])
        .await;
    assert_eq!(location(&res), "/queue?state=all");
}

#[actix_web::test]
async fn language_follows_the_browser_and_the_switch_is_remembered() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let en = browser.http.get(browser.url("/login")).header("Accept-Language", "en-US,en;q=0.9").send().await.unwrap();
    let en = to_page(en).await;
    assert_eq!(en.attr("html", "lang").as_deref(), Some("en"));
    assert_eq!(en.first("h1").as_deref(), Some("Sign in"));

    let zh = browser.page("/login").await;
    assert_eq!(zh.first("h1").as_deref(), Some("登录"), "Chinese by default");

    let res = browser.get("/lang/en?next=%2Fregister").await;
    assert_eq!(location(&res), "/register");
    let page = browser.page("/register").await;
    assert_eq!(page.first("h1").as_deref(), Some("Create a customer account"));
    let page = browser.page("/lang/zh-CN?next=https://evil.example").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(browser.page("/login").await.first("h1").as_deref(), Some("登录"));
    assert_eq!(browser.page("/lang/fr").await.status, StatusCode::NOT_FOUND);
}

/// Failures recorded against one client address (as the limiter counts them), enough for half a minute's wait.
async fn failures_from(app: &TestApp, address: &str) {
    app.exec(&format!(
        "INSERT INTO login_failures (account, address) SELECT 'someone' || n || '@example.com', '{address}' \
         FROM generate_series(1, {}) AS n",
        aftersales::domain::sign_in::FREE_PER_ADDRESS + 5
    ))
    .await;
}

async fn login_from(app: &TestApp, forwarded_for: &str) -> reqwest::StatusCode {
    let browser = app.browser();
    let token = browser.csrf().await;
    let form = [("login", "proxied@example.com"), ("password", crate::helpers::PASSWORD), ("csrf_token", &token)];
    let res = browser.http.post(browser.url("/login")).header("X-Forwarded-For", forwarded_for).form(&form);
    res.send().await.expect("login").status()
}

#[actix_web::test]
async fn behind_a_trusted_proxy_the_limiter_counts_each_client_and_nobody_else_can_name_an_address() {
    let mut settings = crate::helpers::settings(aftersales::services::attachments::UploadLimits::default());
    settings.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    let db = tokio::task::spawn_blocking(crate::helpers::fresh_database).await.unwrap();
    let app = TestApp::spawn_on(settings, db).await;
    app.create_user(Role::Customer, "proxied@example.com", "客户").await;
    failures_from(&app, "203.0.113.7").await;
    // The client nginx saw at 203.0.113.7 is held back; another client behind the same proxy is not.
    assert_eq!(login_from(&app, "203.0.113.7").await, reqwest::StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(login_from(&app, "198.51.100.1, 203.0.113.8").await, reqwest::StatusCode::SEE_OTHER);
    // A client writing its own header in front cannot escape: the proxy's right-most entry counts.
    assert_eq!(login_from(&app, "198.51.100.1, 203.0.113.7").await, reqwest::StatusCode::TOO_MANY_REQUESTS);

    // Without the setting the header is ignored: the peer is the address.
    let plain = TestApp::spawn().await;
    plain.create_user(Role::Customer, "proxied@example.com", "客户").await;
    failures_from(&plain, "127.0.0.1").await;
    assert_eq!(login_from(&plain, "198.51.100.1").await, reqwest::StatusCode::TOO_MANY_REQUESTS);
}
