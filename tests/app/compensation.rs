//! Compensation (补偿) on a ticket: who records it, what the customer sees, and
//! its return after a withdrawal.

use crate::helpers::*;
use aftersales::domain::Role;
use aftersales::domain::withdrawal::Step;
use aftersales::services::SessionUser;
use aftersales::services::withdrawal::{self, StepInput, WithdrawInput};
use reqwest::StatusCode;

/// A customer's ticket taken and started by an agent.
struct Setup {
    app: TestApp,
    customer: Browser,
    agent: Browser,
    number: String,
}

async fn setup() -> Setup {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let number = customer.file_ticket(&ticket_form("洗碗机漏水", &[])).await;
    agent.post(&format!("/tickets/{number}/take"), &[]).await;
    agent.post(&format!("/tickets/{number}/act/start"), &[]).await;
    Setup { app, customer, agent, number }
}

async fn record(browser: &Browser, number: &str, kind: &str, amount: &str, description: &str) -> reqwest::Response {
    let fields = [("kind", kind), ("amount", amount), ("description", description)];
    browser.post(&format!("/tickets/{number}/compensations"), &fields).await
}

async fn returned(browser: &Browser, number: &str, id: i64) -> reqwest::Response {
    browser.post(&format!("/tickets/{number}/compensations/{id}/returned"), &[]).await
}

async fn given(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM compensations").await
}

async fn events(app: &TestApp, kind: &str) -> i64 {
    app.count(&format!("SELECT count(*) FROM ticket_events WHERE kind = '{kind}'")).await
}

/// The session user behind an email, for driving services directly.
pub(crate) async fn user(app: &TestApp, email: &str, role: Role) -> SessionUser {
    let id = app.count(&format!("SELECT id FROM users WHERE email = '{email}'")).await;
    SessionUser { id: aftersales::domain::UserId(id), role, name: email.into() }
}

#[actix_web::test]
async fn the_assignee_and_a_supervisor_record_compensation_and_the_customer_sees_it() {
    let Setup { app, customer, agent, number } = setup().await;
    let boss = app.signed_in(Role::Supervisor, "s@example.com").await;
    let other_customer = app.signed_in(Role::Customer, "d@example.com").await;
    let path = format!("/tickets/{number}");

    let form = agent.page(&path).await;
    assert!(form.first("#f-compensation-kind").is_some(), "the assignee has the record form");
    assert_eq!(record(&agent, &number, "refund", "12.5", "退还上门费").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(record(&boss, &number, "replacement", "", "寄出新的进水阀").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(given(&app).await, 2);
    assert_eq!(events(&app, "compensation_given").await, 2);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM ticket_events WHERE kind = 'compensation_given' AND data->>'kind' = 'refund' \
             AND (data->>'amount_cents')::int = 1250 AND data->>'description' = '退还上门费'"
        )
        .await,
        1
    );

    let page = customer.page(&path).await;
    let items = page.select(".compensation");
    assert_eq!(items.len(), 2);
    assert!(items[0].contains("退款") && items[0].contains("¥12.50") && items[0].contains("退还上门费"));
    assert!(items[1].contains("寄出新的进水阀") && !items[1].contains('¥'));
    assert!(!page.contains("登记人"), "the customer doesn't see who recorded it");
    assert!(page.first("#f-compensation-kind").is_none(), "customers don't record compensation");
    assert!(page.select(".return-due").is_empty(), "nothing to return while the ticket goes on");

    let staff_page = agent.page(&path).await;
    assert!(staff_page.first(".compensation").unwrap_or_default().contains("登记人 agent a"));

    assert_eq!(other_customer.get(&path).await.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn only_the_assignee_or_a_supervisor_records_compensation() {
    let Setup { app, customer, agent: _, number } = setup().await;
    let colleague = app.signed_in(Role::Agent, "b@example.com").await;

    let page = to_page(record(&colleague, &number, "voucher", "50", "代金券").await).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "another agent's ticket");
    assert!(colleague.page(&format!("/tickets/{number}")).await.first("#f-compensation-kind").is_none());
    assert_eq!(record(&customer, &number, "voucher", "50", "代金券").await.status(), StatusCode::FORBIDDEN);
    let res = record(&app.browser(), &number, "voucher", "50", "代金券").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/login"), "anonymous people sign in first");
    assert_eq!(given(&app).await, 0);
    assert_eq!(events(&app, "compensation_given").await, 0);
}

#[actix_web::test]
async fn a_closed_ticket_takes_no_more_compensation() {
    let Setup { app, customer, agent, number } = setup().await;
    agent.post(&format!("/tickets/{number}/act/resolve"), &[("text", "更换进水阀"), ("cause", "parts")]).await;
    customer.post(&format!("/tickets/{number}/act/confirm"), &[]).await;
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM tickets WHERE number = '{number}' AND state = 'closed'")).await,
        1
    );

    let page = to_page(record(&agent, &number, "voucher", "20", "致歉代金券").await).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.first(".alert-error").is_some(), "the reason is on top");
    assert!(page.first("#f-compensation-kind").is_none(), "no form on a closed ticket");
    assert_eq!(given(&app).await, 0);
}

#[actix_web::test]
async fn bad_input_comes_back_with_what_was_typed() {
    let Setup { app, agent, number, .. } = setup().await;

    let page = to_page(record(&agent, &number, "refund", "12,50", "退差价\n第二行").await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-compensation-amount").unwrap_or_default().contains("12.50"));
    assert_eq!(page.attr("#f-compensation-amount", "value").as_deref(), Some("12,50"));
    assert_eq!(page.first("#f-compensation-description").as_deref(), Some("退差价\n第二行"));
    assert_eq!(page.attr("#f-compensation-kind option[selected]", "value").as_deref(), Some("refund"));
    assert!(page.attr("details.action-panel[open] #f-compensation-kind", "id").is_some(), "the form stays open");

    let res =
        agent.htmx_post(&format!("/tickets/{number}/compensations"), &[("kind", "voucher"), ("description", "")]).await;
    let page = to_page(res).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-compensation-amount").unwrap_or_default().contains("此项必填"), "a voucher has a value");
    assert!(page.first("#e-compensation-description").is_some());
    assert!(page.first("#ticket-main").is_some(), "htmx gets the ticket's main part");

    let long = "长".repeat(501);
    let page = to_page(record(&agent, &number, "other", "", &long).await).await;
    assert!(page.first("#e-compensation-description").is_some(), "at most 500 characters");
    assert_eq!(given(&app).await, 0);
}

#[actix_web::test]
async fn an_accepted_withdrawal_asks_for_compensation_back_and_staff_record_its_return() {
    let Setup { app, customer, agent, number } = setup().await;
    let path = format!("/tickets/{number}");
    record(&agent, &number, "refund", "99", "退款 99 元").await;
    let id = app.count("SELECT max(id) FROM compensations").await;

    // Work has started: the customer's request waits for the assignee, who accepts it.
    let mut conn = app.pool.get().await.expect("conn");
    let me = user(&app, "c@example.com", Role::Customer).await;
    let input = WithdrawInput { reason: "solved_myself".into(), ..WithdrawInput::default() };
    let hours = chrono::Duration::hours(4);
    let request =
        withdrawal::withdraw(&mut conn, &number, &me, &input, hours, chrono::Utc::now()).await.expect("request");
    let assignee = user(&app, "a@example.com", Role::Agent).await;
    let answer = StepInput { request: Some(request.id.0), ..StepInput::default() };
    withdrawal::step(&mut conn, &number, &assignee, Step::Accept, &answer, hours, chrono::Utc::now())
        .await
        .expect("accept");
    drop(conn);

    let page = customer.page(&path).await;
    assert!(page.first(".compensation .return-due").unwrap_or_default().contains("须退回"));
    assert!(page.first(".compensation form").is_none(), "customers don't mark returns");
    assert_eq!(returned(&customer, &number, id).await.status(), StatusCode::FORBIDDEN);

    // Any agent may record the return, on the withdrawn ticket.
    let colleague = app.signed_in(Role::Agent, "b@example.com").await;
    assert!(colleague.page(&path).await.first(".compensation form button").is_some());
    assert_eq!(returned(&colleague, &number, id).await.status(), StatusCode::SEE_OTHER);
    let page = customer.page(&path).await;
    assert!(page.first(".compensation .returned").unwrap_or_default().contains("已退回于"));
    assert!(page.select(".return-due").is_empty());
    assert!(agent.page(&path).await.first(".compensation").unwrap_or_default().contains("退回登记人 agent b"));

    let page = to_page(returned(&agent, &number, id).await).await;
    assert_eq!(page.status, StatusCode::CONFLICT, "returned once only");
    assert!(page.first(".alert-error").unwrap_or_default().contains("无需退回"));
    assert_eq!(events(&app, "compensation_returned").await, 1);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM compensations WHERE id = {id} AND returned_at IS NOT NULL AND withdrawal_id = {}",
            request.id.0
        ))
        .await,
        1
    );
}

#[actix_web::test]
async fn an_approved_withdrawal_asks_for_compensation_back_only_on_its_ticket() {
    let Setup { app, customer, agent, number } = setup().await;
    let boss = app.signed_in(Role::Supervisor, "s@example.com").await;
    let other = customer.file_ticket(&ticket_form("另一张工单", &[])).await;
    record(&boss, &other, "voucher", "30", "另一张工单的代金券").await;
    let others_id = app.count("SELECT max(id) FROM compensations").await;
    record(&agent, &number, "voucher", "30", "致歉代金券").await;
    let id = app.count("SELECT max(id) FROM compensations").await;
    // Nothing is due before a withdrawal.
    assert_eq!(returned(&agent, &number, id).await.status(), StatusCode::CONFLICT);
    agent.post(&format!("/tickets/{number}/act/resolve"), &[("text", "已修复"), ("cause", "parts")]).await;

    // A resolved ticket's request goes to the supervisors, who approve it.
    let mut conn = app.pool.get().await.expect("conn");
    let me = user(&app, "c@example.com", Role::Customer).await;
    let input = WithdrawInput { reason: "unhappy_with_service".into(), ..WithdrawInput::default() };
    let hours = chrono::Duration::hours(4);
    let request =
        withdrawal::withdraw(&mut conn, &number, &me, &input, hours, chrono::Utc::now()).await.expect("request");
    let supervisor = user(&app, "s@example.com", Role::Supervisor).await;
    let answer = StepInput { request: Some(request.id.0), ..StepInput::default() };
    withdrawal::step(&mut conn, &number, &supervisor, Step::Approve, &answer, hours, chrono::Utc::now())
        .await
        .expect("approve");
    drop(conn);

    assert!(boss.page(&format!("/tickets/{number}")).await.first(".return-due").is_some());
    assert!(boss.page(&format!("/tickets/{other}")).await.first(".return-due").is_none(), "only this ticket's");
    let page = to_page(returned(&boss, &number, others_id).await).await;
    assert_eq!(page.status, StatusCode::CONFLICT, "another ticket's compensation");
    assert_eq!(returned(&boss, &number, id).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(returned(&boss, "AS19990101-000001", id).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(events(&app, "compensation_returned").await, 1);
}
