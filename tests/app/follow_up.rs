//! 问题复现: a follow-up of a withdrawn or closed ticket — the pre-filled form,
//! the urgency floor, links both ways, the earlier history, and the refusals.

use crate::helpers::*;
use aftersales::domain::Role;
use aftersales::services::withdrawal::{self, WithdrawInput};
use reqwest::StatusCode;

/// An urgent ticket an agent worked (with a public reply and an internal
/// note), resolved and confirmed: closed.
async fn closed_ticket(app: &TestApp, customer: &Browser, agent: &Browser) -> String {
    let fields = [
        ("urgency", "urgent"),
        ("order_number", "JD-7788"),
        ("desired_outcome", "replacement"),
        ("purchase_date", "2025-03-15"),
    ];
    let number = customer.file_ticket(&ticket_form("洗碗机不出水", &fields)).await;
    let path = format!("/tickets/{number}");
    agent.post(&format!("{path}/take"), &[]).await;
    agent.post(&format!("{path}/act/start"), &[]).await;
    agent.post(&format!("{path}/comments"), &[("body", "请检查进水管是否弯折")]).await;
    agent.post(&format!("{path}/comments"), &[("body", "疑似进水阀批次问题 INTERNAL"), ("internal", "on")]).await;
    agent.post(&format!("{path}/act/resolve"), &[("text", "更换进水阀"), ("cause", "parts")]).await;
    customer.post(&format!("{path}/act/confirm"), &[]).await;
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM tickets WHERE number = '{number}' AND state = 'closed'")).await,
        1
    );
    number
}

fn form_url(number: &str) -> String {
    format!("/portal/tickets/new?follow_up={number}")
}

/// Files a follow-up of `earlier` with the (edited) form.
async fn file_follow_up(customer: &Browser, earlier: &str, overrides: &[(&str, &str)]) -> reqwest::Response {
    let mut form = ticket_form("问题复现：洗碗机不出水", overrides);
    form.push(("follow_up", earlier));
    customer.post("/portal/tickets", &form).await
}

async fn tickets(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM tickets").await
}

#[actix_web::test]
async fn the_follow_up_form_is_filled_in_from_the_earlier_ticket() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let number = closed_ticket(&app, &customer, &agent).await;

    let ticket = customer.page(&format!("/tickets/{number}")).await;
    let href = format!("a[href=\"{}\"]", form_url(&number));
    assert!(ticket.first(&href).unwrap_or_default().contains("问题又出现了"), "the closed ticket offers a follow-up");
    assert!(agent.page(&format!("/tickets/{number}")).await.first(&href).is_none(), "the customer files it");

    let page = customer.page(&form_url(&number)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.attr("input[name=follow_up]", "value").as_deref(), Some(number.as_str()));
    assert!(page.first(".follow-up-notice").unwrap_or_default().contains(&number));
    let value = |name: &str| page.attr(&format!("#f-{name}"), "value").unwrap_or_default();
    assert_eq!(value("title"), "问题复现：洗碗机不出水");
    assert_eq!(value("product_model"), "DW-600 洗碗机");
    assert_eq!(value("serial_number"), "SN123");
    assert_eq!(value("purchase_date"), "2025-03-15");
    assert_eq!(value("order_number"), "JD-7788");
    assert_eq!(value("contact_name"), "王芳");
    assert_eq!(value("contact_phone"), "13800138000");
    assert_eq!(value("region"), "上海");
    assert_eq!(value("address"), "人民路 1 号");
    assert_eq!(page.first("#f-description").as_deref(), Some(""), "they describe what happens now");
    let selected = |name: &str| page.attr(&format!("#f-{name} option[selected]"), "value").unwrap_or_default();
    assert_eq!(selected("ticket_type"), "fault_repair");
    assert_eq!(selected("urgency"), "urgent");
    assert_eq!(selected("desired_outcome"), "replacement");

    customer.get("/lang/en?next=/").await;
    let page = customer.page(&form_url(&number)).await;
    assert_eq!(page.attr("#f-title", "value").as_deref(), Some("Problem came back: 洗碗机不出水"));
}

#[actix_web::test]
async fn a_follow_up_starts_at_least_at_the_earlier_urgency_and_tells_the_earlier_assignee() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let number = closed_ticket(&app, &customer, &agent).await;

    let res = file_follow_up(&customer, &number, &[("urgency", "normal")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let lower = location(&res).trim_start_matches("/tickets/").to_owned();
    let res = file_follow_up(&customer, &number, &[("urgency", "critical")]).await;
    let higher = location(&res).trim_start_matches("/tickets/").to_owned();

    let urgency = |n: String| format!("SELECT count(*) FROM tickets WHERE number = '{n}' AND urgency = ");
    assert_eq!(app.count(&format!("{}'urgent'", urgency(lower.clone()))).await, 1, "not below the earlier one");
    assert_eq!(app.count(&format!("{}'critical'", urgency(higher.clone()))).await, 1, "raised as asked");
    let linked = format!(
        "SELECT count(*) FROM tickets t JOIN tickets e ON e.id = t.follow_up_of \
         WHERE e.number = '{number}' AND t.number IN ('{lower}', '{higher}') AND t.channel = 'web'"
    );
    assert_eq!(app.count(&linked).await, 2);
    let filed = format!(
        "SELECT count(*) FROM ticket_events v JOIN tickets e ON e.id = v.ticket_id \
         WHERE e.number = '{number}' AND v.kind = 'follow_up_filed' AND v.data->>'follow_up' IN ('{lower}', '{higher}')"
    );
    assert_eq!(app.count(&filed).await, 2, "the earlier ticket's log tells of each follow-up");
    let told = format!(
        "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id JOIN tickets e ON e.id = n.ticket_id \
         WHERE u.email = 'a@example.com' AND e.number = '{number}' AND n.kind = 'follow_up_filed'"
    );
    assert_eq!(app.count(&told).await, 2, "the earlier assignee hears of it");
    assert_eq!(app.count("SELECT count(*) FROM notifications WHERE kind = 'follow_up_filed'").await, 2);
}

#[actix_web::test]
async fn both_tickets_link_to_each_other_and_staff_see_the_earlier_history() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let number = closed_ticket(&app, &customer, &agent).await;
    let res = file_follow_up(&customer, &number, &[("description", "一周后又不出水了")]).await;
    let follow_up = location(&res).trim_start_matches("/tickets/").to_owned();

    let earlier_link = format!(".follow-up-of a[href=\"/tickets/{number}\"]");
    let later_link = format!(".follow-ups a[href=\"/tickets/{follow_up}\"]");
    for browser in [&customer, &agent] {
        let page = browser.page(&format!("/tickets/{follow_up}")).await;
        assert_eq!(page.first(&earlier_link).as_deref(), Some(number.as_str()));
        let page = browser.page(&format!("/tickets/{number}")).await;
        assert_eq!(page.first(&later_link).as_deref(), Some(follow_up.as_str()));
        assert!(page.first(".follow-ups").unwrap_or_default().contains("复现工单"));
    }

    let staff = agent.page(&format!("/tickets/{follow_up}")).await;
    let history = staff.first(".follow-up-of details.earlier-history").unwrap_or_default();
    assert!(history.contains("原工单的处理记录"), "collapsed under its summary");
    assert!(history.contains("请检查进水管是否弯折") && history.contains("INTERNAL"), "with internal notes for staff");
    let page = customer.page(&format!("/tickets/{follow_up}")).await;
    assert!(page.first("details.earlier-history").is_none(), "the customer gets the link");
    assert!(!page.contains("INTERNAL"));
    assert!(page.first("a[href^=\"/portal/tickets/new?follow_up\"]").is_none(), "the follow-up is open");
}

#[actix_web::test]
async fn a_withdrawn_ticket_may_be_followed_up_too() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let number = customer.file_ticket(&ticket_form("门锁失灵", &[])).await;
    let me = crate::compensation::user(&app, "c@example.com", Role::Customer).await;
    let input = WithdrawInput { reason: "by_mistake".into(), ..WithdrawInput::default() };
    let mut conn = app.pool.get().await.expect("conn");
    withdrawal::withdraw(&mut conn, &number, &me, &input, chrono::Duration::hours(4), chrono::Utc::now())
        .await
        .expect("withdrawn at once");
    drop(conn);
    assert_eq!(customer.page(&form_url(&number)).await.status, StatusCode::OK);
    assert_eq!(file_follow_up(&customer, &number, &[]).await.status(), StatusCode::SEE_OTHER);
    // Unassigned earlier ticket: nobody to tell (the customer has only the receipts of both tickets).
    assert_eq!(app.count("SELECT count(*) FROM notifications WHERE kind <> 'received'").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM tickets WHERE follow_up_of IS NOT NULL").await, 1);
}

#[actix_web::test]
async fn an_open_ticket_is_not_followed_up_and_another_customers_ticket_does_not_exist() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let other = app.signed_in(Role::Customer, "d@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let open = customer.file_ticket(&ticket_form("还在处理", &[])).await;
    let closed = closed_ticket(&app, &customer, &agent).await;
    let before = tickets(&app).await;

    assert!(
        customer.page(&format!("/tickets/{open}")).await.first("a[href^=\"/portal/tickets/new?follow_up\"]").is_none()
    );
    let page = customer.page(&form_url(&open)).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.first(".follow-up-refused").unwrap_or_default().contains("仍在处理中"));
    assert!(page.first("input[name=follow_up]").is_none());

    let page = to_page(file_follow_up(&customer, &open, &[("description", "又坏了 KEEP")]).await).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.first(".follow-up-refused").unwrap_or_default().contains("仍在处理中"));
    assert_eq!(page.first("#f-description").as_deref(), Some("又坏了 KEEP"), "the form keeps what was typed");

    assert_eq!(other.get(&form_url(&closed)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(file_follow_up(&other, &closed, &[]).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(file_follow_up(&customer, "AS19990101-000001", &[]).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(agent.get(&form_url(&closed)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(tickets(&app).await, before, "nothing filed");
    assert_eq!(app.count("SELECT count(*) FROM ticket_events WHERE kind = 'follow_up_filed'").await, 0);

    // Bad input keeps the follow-up.
    let page = to_page(file_follow_up(&customer, &closed, &[("title", "")]).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.attr("input[name=follow_up]", "value").as_deref(), Some(closed.as_str()));
    assert_eq!(tickets(&app).await, before);
}
