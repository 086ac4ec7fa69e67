//! The SLA clock on tickets: due times at filing, pauses while awaiting the
//! customer, the running target moving on after the first response.

use crate::helpers::*;
use aftersales::domain::Role;

async fn seconds(app: &TestApp, number: &str, expr: &str) -> i64 {
    app.count(&format!(
        "SELECT coalesce(extract(epoch FROM {expr})::bigint, -1) FROM tickets WHERE number = '{number}'"
    ))
    .await
}

#[actix_web::test]
async fn due_times_follow_the_policy_pauses_and_the_first_response() {
    let app = TestApp::spawn().await;
    // Around the clock, so the arithmetic is plain: normal = 24 h / 72 h.
    app.exec("UPDATE sla_policies SET business_hours = FALSE").await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let number = customer.file_ticket(&ticket_form("空调不制冷", &[("urgency", "normal")])).await;

    assert_eq!(seconds(&app, &number, "first_response_due_at - created_at").await, 24 * 3600);
    assert_eq!(seconds(&app, &number, "resolution_due_at - created_at").await, 72 * 3600);
    assert_eq!(seconds(&app, &number, "sla_due_at - first_response_due_at").await, 0, "first response runs");
    assert_eq!(seconds(&app, &number, "sla_check_at - sla_warn_at").await, 0, "the warning is checked first");
    assert_eq!(seconds(&app, &number, "sla_warn_at - created_at").await, 24 * 3600 * 4 / 5);

    let path = format!("/tickets/{number}");
    agent.post(&format!("{path}/take"), &[]).await;
    agent.post(&format!("{path}/act/start"), &[]).await;
    agent.post(&format!("{path}/act/request_info"), &[("text", "请提供室外机照片")]).await;
    assert_eq!(seconds(&app, &number, "sla_due_at").await, -1, "paused while awaiting the customer");
    assert!(seconds(&app, &number, "sla_paused_at").await > 0);
    assert_eq!(seconds(&app, &number, "resolution_due_at - created_at").await, 72 * 3600, "not moved yet");

    // The pause lasted about as long as the test took; give it a visible length.
    app.exec(&format!(
        "UPDATE tickets SET sla_paused_at = sla_paused_at - interval '2 hours' WHERE number = '{number}'"
    ))
    .await;
    customer.post(&format!("{path}/comments"), &[("body", "照片已上传")]).await;
    let given_back = seconds(&app, &number, "make_interval(secs => sla_paused_seconds)").await;
    assert!((2 * 3600..2 * 3600 + 60).contains(&given_back), "two hours given back: {given_back}");
    assert_eq!(seconds(&app, &number, "resolution_due_at - created_at").await, 72 * 3600 + given_back);
    assert_eq!(
        seconds(&app, &number, "sla_due_at - resolution_due_at").await,
        0,
        "the question was the first response"
    );
    assert_eq!(seconds(&app, &number, "sla_paused_at").await, -1);

    agent.post(&format!("{path}/act/resolve"), &[("text", "已补充冷媒"), ("cause", "parts")]).await;
    assert_eq!(seconds(&app, &number, "sla_due_at").await, -1, "nothing runs once resolved");
    assert_eq!(seconds(&app, &number, "sla_check_at").await, -1);
}

#[actix_web::test]
async fn a_new_urgency_recomputes_the_due_times() {
    let app = TestApp::spawn().await;
    app.exec("UPDATE sla_policies SET business_hours = FALSE").await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let number = customer.file_ticket(&ticket_form("漏水", &[("urgency", "normal")])).await;
    let version =
        agent.page(&format!("/tickets/{number}")).await.attr("input[name=version]", "value").expect("version");
    let res = agent
        .post(
            &format!("/tickets/{number}/classify"),
            &[("version", &version), ("ticket_type", "fault_repair"), ("urgency", "critical")],
        )
        .await;
    assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER);
    assert_eq!(seconds(&app, &number, "first_response_due_at - created_at").await, 30 * 60);
    assert_eq!(seconds(&app, &number, "resolution_due_at - created_at").await, 8 * 3600);
}
