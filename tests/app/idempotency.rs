//! A form sent twice does its work once (issue 16, item 4): the one-time `submission` key every state-changing form
//! carries makes repeats — at the same instant or later — answer with the first result.

use crate::helpers::*;
use aftersales::domain::Role;
use reqwest::StatusCode;

/// The one-time key of the first form on `path` that has one.
async fn key_on(browser: &Browser, path: &str) -> String {
    let page = browser.page(path).await;
    page.attr("input[name=submission]", "value").unwrap_or_else(|| panic!("a submission key on {path}"))
}

#[actix_web::test]
async fn twenty_identical_filings_at_once_file_one_ticket_and_all_see_it() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let key = key_on(&customer, "/portal/tickets/new").await;
    let token = customer.csrf().await;
    let mut form = ticket_form("洗碗机不进水", &[("submission", &key)]);
    form.push(("csrf_token", &token));
    let sends = (0..20).map(|_| customer.http.post(customer.url("/portal/tickets")).form(&form).send());
    let answers = futures_util::future::join_all(sends).await;
    let locations: Vec<(StatusCode, String)> =
        answers.iter().map(|r| r.as_ref().expect("POST")).map(|r| (r.status(), location(r))).collect();
    assert_eq!(app.count("SELECT count(*) FROM tickets").await, 1, "{locations:?}");
    let first = &locations[0];
    assert_eq!(first.0, StatusCode::SEE_OTHER);
    assert!(first.1.starts_with("/tickets/AS"), "{first:?}");
    assert!(locations.iter().all(|l| l == first), "every repeat gets the same ticket page: {locations:?}");

    // 150 ms later, a retry after a lost answer: the same ticket page again, still one ticket.
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let again = customer.http.post(customer.url("/portal/tickets")).form(&form).send().await.expect("POST");
    assert_eq!((again.status(), location(&again)), first.clone());
    assert_eq!(app.count("SELECT count(*) FROM tickets").await, 1);
    assert_eq!(customer.page(&first.1).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn different_keys_file_two_tickets_and_no_key_is_not_deduplicated() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let one = key_on(&customer, "/portal/tickets/new").await;
    let two = key_on(&customer, "/portal/tickets/new").await;
    assert_ne!(one, two, "each rendering of the form has its own key");
    let a = customer.file_ticket(&ticket_form("冰箱不制冷", &[("submission", &one)])).await;
    let b = customer.file_ticket(&ticket_form("冰箱不制冷", &[("submission", &two)])).await;
    assert_ne!(a, b);
    // Without a key (an old page, a script) the request still works, but nothing holds a repeat back.
    customer.file_ticket(&ticket_form("冰箱不制冷", &[])).await;
    customer.file_ticket(&ticket_form("冰箱不制冷", &[])).await;
    assert_eq!(app.count("SELECT count(*) FROM tickets").await, 4);
}

#[actix_web::test]
async fn a_refused_first_attempt_frees_its_key_and_a_key_is_only_its_senders() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let key = key_on(&customer, "/portal/tickets/new").await;
    let bad = customer.post("/portal/tickets", &ticket_form("", &[("submission", &key)])).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let number = customer.file_ticket(&ticket_form("热水器漏水", &[("submission", &key)])).await;
    // Another person sending the same key (copied from a page) is refused, not shown the first result.
    let other = app.signed_in(Role::Customer, "other@example.com").await;
    let res = other.post("/portal/tickets", &ticket_form("热水器漏水", &[("submission", &key)])).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(!location(&res).contains(&number));
    assert_eq!(app.count("SELECT count(*) FROM tickets").await, 1);
    let res = customer.post("/portal/tickets", &ticket_form("x", &[("submission", "bad key!")])).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

/// Sends `fields` to `path` twice at once and once more later with one key; all three answers must match.
async fn thrice(browser: &Browser, path: &str, key: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let token = browser.csrf().await;
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("submission", key));
    form.push(("csrf_token", &token));
    let send = || browser.http.post(browser.url(path)).form(&form).send();
    let (a, b) = futures_util::join!(send(), send());
    let later = send().await.expect("POST");
    let answers: Vec<_> =
        [a.expect("POST"), b.expect("POST"), later].iter().map(|r| (r.status(), location(r))).collect();
    assert!(answers.iter().all(|x| x == &answers[0]), "{path}: {answers:?}");
    answers[0].clone()
}

#[actix_web::test]
async fn intake_replies_and_withdrawals_are_done_once_per_key() {
    let app = TestApp::spawn().await;
    let cust = app.create_user(Role::Customer, "cust@example.com", "客户").await;
    let agent = app.signed_in(Role::Agent, "agent@example.com").await;
    let customer = app.browser();
    assert_eq!(customer.login("cust@example.com", PASSWORD).await.status(), StatusCode::SEE_OTHER);

    let cust_id = cust.to_string();
    let fields = ticket_form(
        "电话报修 热水器",
        &[("customer", &cust_id), ("channel", "phone"), ("contact_name", ""), ("contact_phone", ""), ("region", "")],
    );
    let key = key_on(&agent, "/intake").await;
    let (status, to) = thrice(&agent, "/intake", &key, &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM tickets").await, 1);
    let number = to.trim_start_matches("/tickets/").to_owned();

    let ticket = format!("/tickets/{number}");
    let key = key_on(&customer, &ticket).await;
    let (status, _) = thrice(&customer, &format!("{ticket}/comments"), &key, &[("body", "补充：型号 DW-600")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM ticket_events WHERE body = '补充：型号 DW-600'").await, 1);

    let key = key_on(&customer, &format!("{ticket}/withdraw")).await;
    let fields = [("reason", "by_mistake"), ("text", ""), ("channel", "")];
    let (status, _) = thrice(&customer, &format!("{ticket}/withdraw"), &key, &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let withdrawals = "SELECT count(*) FROM ticket_events WHERE kind IN ('withdrawn', 'withdrawal_requested')";
    assert_eq!(app.count(withdrawals).await, 1);
}

#[actix_web::test]
async fn old_keys_are_pruned() {
    use aftersales::store::retention::{Stale, delete_before};
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let key = key_on(&customer, "/portal/tickets/new").await;
    customer.file_ticket(&ticket_form("旧的", &[("submission", &key)])).await;
    app.exec("UPDATE submissions SET created_at = now() - interval '2 days'").await;
    let mut conn = app.pool.get().await.expect("conn");
    let cutoff = chrono::Utc::now() - aftersales::jobs::prune::kept(Stale::Submissions);
    assert_eq!(delete_before(&mut conn, Stale::Submissions, cutoff, 100).await.expect("prune"), 1);
}
