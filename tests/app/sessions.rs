//! Sessions that can be ended (issue 16, item 5): sign-out ends copies of the cookie, "sign out everywhere", disabled
//! accounts, role changes, idle and absolute expiry.

use crate::helpers::*;
use aftersales::domain::Role;
use aftersales::services::attachments::UploadLimits;
use reqwest::StatusCode;

/// An app that checks sessions on every request (no trusted interval), for the expiry tests.
async fn app_checking_always() -> TestApp {
    let mut settings = settings(UploadLimits::default());
    settings.session_check_seconds = 0;
    TestApp::spawn_on(settings, tokio::task::spawn_blocking(fresh_database).await.expect("database")).await
}

/// Signs in and returns the browser and a copy of its session cookie.
async fn sign_in_copying(app: &TestApp, email: &str) -> (Browser, String) {
    let browser = app.browser();
    let res = browser.login(email, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("aftersales_session="))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned();
    (browser, cookie)
}

async fn with_cookie(app: &TestApp, cookie: &str, path: &str) -> reqwest::Response {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    http.get(format!("{}{path}", app.base)).header("cookie", cookie).send().await.expect("GET")
}

fn to_login(res: &reqwest::Response) -> bool {
    res.status() == StatusCode::SEE_OTHER && location(res).starts_with("/login")
}

#[actix_web::test]
async fn signing_out_ends_every_copy_of_the_cookie() {
    let app = TestApp::spawn().await;
    app.create_user(Role::Agent, "a@example.com", "Agent").await;
    let (browser, cookie) = sign_in_copying(&app, "a@example.com").await;
    assert_eq!(with_cookie(&app, &cookie, "/queue").await.status(), StatusCode::OK, "the copy works while signed in");
    assert_eq!(browser.post("/logout", &[]).await.status(), StatusCode::SEE_OTHER);
    assert!(to_login(&with_cookie(&app, &cookie, "/queue").await), "a copied cookie no longer works after sign-out");
}

#[actix_web::test]
async fn sign_out_everywhere_ends_the_other_devices_too() {
    let app = TestApp::spawn().await;
    app.create_user(Role::Customer, "c@example.com", "客户").await;
    let (phone, _) = sign_in_copying(&app, "c@example.com").await;
    let (laptop, _) = sign_in_copying(&app, "c@example.com").await;
    let page = laptop.page("/account").await;
    assert!(
        page.html
            .select(&scraper::Selector::parse("form[action='/account/sign-out-everywhere']").unwrap())
            .next()
            .is_some()
    );
    let res = laptop.post("/account/sign-out-everywhere", &[]).await;
    assert!(to_login(&res));
    assert!(to_login(&phone.get("/portal").await));
    assert!(to_login(&laptop.get("/portal").await));
    assert_eq!(app.count("SELECT count(*) FROM account_events WHERE kind = 'signed_out_everywhere'").await, 1);
    assert_eq!(phone.login("c@example.com", PASSWORD).await.status(), StatusCode::SEE_OTHER, "signing in again works");
}

#[actix_web::test]
async fn a_disabled_account_is_signed_out_at_once_and_cannot_sign_in() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    let agent_id = app.create_user(Role::Agent, "a@example.com", "Agent").await;
    let (agent, _) = sign_in_copying(&app, "a@example.com").await;
    assert_eq!(agent.get("/queue").await.status(), StatusCode::OK);

    let res = boss.post(&format!("/accounts/{agent_id}/access"), &[("enabled", "false")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(to_login(&agent.get("/queue").await), "the session ended at once");
    let page = to_page(agent.login("a@example.com", PASSWORD).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("此账号已停用"), "a clear message");
    let wrong = to_page(agent.login("a@example.com", "wrong password").await).await;
    assert!(!wrong.contains("此账号已停用"), "only the right password learns the account is disabled");
    assert!(boss.page("/staff").await.contains("已停用"));

    boss.post(&format!("/accounts/{agent_id}/access"), &[("enabled", "true")]).await;
    assert_eq!(agent.login("a@example.com", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(agent.get("/queue").await.status(), StatusCode::OK);
    let kinds = "SELECT string_agg(kind, ',' ORDER BY id) FROM account_events";
    assert_eq!(app.text(kinds).await, "account_disabled,account_enabled");

    // Customers too, found on the staff page by email; a supervisor cannot disable themselves.
    let cust = app.create_user(Role::Customer, "c@example.com", "客户").await;
    let (customer, _) = sign_in_copying(&app, "c@example.com").await;
    let found = boss.page("/staff?customer=c@example.com").await;
    assert!(found.first("#customer-found").is_some_and(|t| t.contains("客户")));
    boss.post(&format!("/accounts/{cust}/access"), &[("enabled", "false"), ("customer", "c@example.com")]).await;
    assert!(to_login(&customer.get("/portal").await));
    let boss_id = app.count("SELECT id FROM users WHERE email = 'boss@example.com'").await;
    let res = boss.post(&format!("/accounts/{boss_id}/access"), &[("enabled", "false")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // Agents do not disable accounts.
    let other = app.signed_in(Role::Agent, "other@example.com").await;
    let res = other.post(&format!("/accounts/{agent_id}/access"), &[("enabled", "false")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn a_demoted_supervisor_loses_the_supervisor_pages_within_seconds() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    assert_eq!(boss.get("/staff").await.status(), StatusCode::OK);
    app.exec("UPDATE users SET role = 'agent' WHERE email = 'boss@example.com'").await;
    // The default check interval is 3 s: past it, the role comes from the account, not the cookie.
    tokio::time::sleep(std::time::Duration::from_millis(3_200)).await;
    assert_eq!(boss.get("/staff").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(boss.get("/queue").await.status(), StatusCode::OK, "still an agent");
}

#[actix_web::test]
async fn sessions_end_after_idle_time_and_after_the_most_days() {
    let app = app_checking_always().await;
    app.create_user(Role::Agent, "a@example.com", "Agent").await;
    let (idle, _) = sign_in_copying(&app, "a@example.com").await;
    let (old, _) = sign_in_copying(&app, "a@example.com").await;
    assert_eq!(idle.get("/queue").await.status(), StatusCode::OK);
    assert_eq!(old.get("/queue").await.status(), StatusCode::OK);
    // The default idle time is 8 hours, the longest life 30 days.
    app.exec(
        "UPDATE sessions SET last_seen_at = now() - interval '481 minutes' WHERE id = (SELECT min(id) FROM sessions)",
    )
    .await;
    app.exec(
        "UPDATE sessions SET created_at = now() - interval '31 days' WHERE last_seen_at > now() - interval '1 hour'",
    )
    .await;
    assert!(to_login(&idle.get("/queue").await) || to_login(&old.get("/queue").await));
    assert!(to_login(&idle.get("/queue").await));
    assert!(to_login(&old.get("/queue").await));
}
