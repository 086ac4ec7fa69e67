//! Working a ticket: taking it, replies, notes, and the event log.

use crate::helpers::*;
use aftersales::domain::Role;
use reqwest::StatusCode;

#[actix_web::test]
async fn taking_a_ticket_assigns_it_and_writes_the_event() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let number = customer.file_ticket(&ticket_form("扫地机器人无法回充", &[])).await;

    let page = agent.page(&format!("/tickets/{number}")).await;
    assert!(page.select("button").iter().any(|b| b.contains("受理此工单")));

    let res = agent.post(&format!("/tickets/{number}/take"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = agent.page(&format!("/tickets/{number}")).await;
    assert_eq!(page.first(".badge.state-assigned").as_deref(), Some("已分配"));
    assert!(!page.select("button").iter().any(|b| b.contains("受理此工单")), "no take button any more");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id \
             WHERE t.number = '{number}' AND e.kind = 'assigned' AND e.from_state = 'submitted' AND e.to_state = 'assigned'"
        ))
        .await,
        1
    );
    // The customer sees who has it.
    let page = customer.page(&format!("/tickets/{number}")).await;
    assert!(page.contains("agent a"));
    assert!(page.contains("受理了工单"));
}

#[actix_web::test]
async fn two_agents_taking_at_once_one_wins_and_the_other_is_told() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let first = app.signed_in(Role::Agent, "a1@example.com").await;
    let second = app.signed_in(Role::Agent, "a2@example.com").await;
    for round in 0..5 {
        let number = customer.file_ticket(&ticket_form(&format!("抢单 {round}"), &[])).await;
        let path = format!("/tickets/{number}/take");
        let (a, b) = futures_util::join!(first.htmx_post(&path, &[]), second.htmx_post(&path, &[]));
        let mut statuses = vec![a.status(), b.status()];
        statuses.sort();
        assert_eq!(statuses, vec![StatusCode::OK, StatusCode::CONFLICT], "round {round}");
        let loser = if a.status() == StatusCode::CONFLICT { a } else { b };
        let body = loser.text().await.unwrap();
        assert!(body.contains("已被其他人受理"), "the loser is told");
        assert!(body.contains("state-assigned"), "and sees the ticket as it is now");
        assert_eq!(
            app.count(&format!(
                "SELECT count(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.number = '{number}' AND e.kind = 'assigned'"
            ))
            .await,
            1
        );
    }
}

#[actix_web::test]
async fn htmx_actions_swap_the_ticket_in_place() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let number = customer.file_ticket(&ticket_form("htmx", &[])).await;
    let res = agent.htmx_post(&format!("/tickets/{number}/take"), &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["vary"], "HX-Request");
    let body = res.text().await.unwrap();
    assert!(body.trim_start().starts_with("<div id=\"ticket-main\""), "a fragment, not a page");
    assert!(!body.contains("<html"));
    assert!(body.contains("已分配"));
}

#[actix_web::test]
async fn replies_are_public_and_internal_notes_stay_internal() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let number = customer.file_ticket(&ticket_form("冰箱异响", &[])).await;
    let path = format!("/tickets/{number}/comments");

    assert_eq!(agent.post(&path, &[("body", "请问异响是持续的还是间歇的？")]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        agent.post(&path, &[("body", "疑似压缩机问题 SECRET-NOTE"), ("internal", "on")]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(customer.post(&path, &[("body", "间歇的，晚上更明显。")]).await.status(), StatusCode::SEE_OTHER);

    let seen_by_customer = customer.page(&format!("/tickets/{number}")).await;
    assert!(seen_by_customer.contains("请问异响是持续的还是间歇的？"));
    assert!(seen_by_customer.contains("间歇的，晚上更明显。"));
    assert!(!seen_by_customer.contains("SECRET-NOTE"), "internal notes never reach customers");
    let raw = customer.get(&format!("/tickets/{number}")).await.text().await.unwrap();
    assert!(!raw.contains("SECRET-NOTE"));

    let seen_by_agent = agent.page(&format!("/tickets/{number}")).await;
    assert!(seen_by_agent.contains("SECRET-NOTE"));
    assert_eq!(seen_by_agent.first(".event.internal .internal-badge").as_deref(), Some("内部备注"));

    // Customers cannot post internal notes; empty comments are refused with a message.
    let res = customer.post(&path, &[("body", "sneaky"), ("internal", "on")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let page = to_page(agent.post(&path, &[("body", "  ")]).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-body").unwrap_or_default().contains("此项必填"));
    assert_eq!(app.count("SELECT count(*) FROM ticket_events WHERE kind IN ('reply','note','customer_info')").await, 3);
    assert_eq!(app.count("SELECT count(*) FROM tickets WHERE first_response_at IS NOT NULL").await, 1);
}

#[actix_web::test]
async fn the_event_log_is_append_only() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    customer.file_ticket(&ticket_form("append only", &[])).await;
    use diesel_async::RunQueryDsl;
    let mut conn = app.pool.get().await.unwrap();
    let update = diesel::sql_query("UPDATE ticket_events SET body = 'rewritten'").execute(&mut conn).await;
    assert!(update.is_err());
    let delete = diesel::sql_query("DELETE FROM ticket_events").execute(&mut conn).await;
    assert!(delete.is_err());
    assert_eq!(app.count("SELECT count(*) FROM ticket_events").await, 1);
}

#[actix_web::test]
async fn unknown_tickets_are_a_readable_404_in_the_readers_language() {
    let app = TestApp::spawn().await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let res =
        agent.http.get(agent.url("/tickets/AS20990101-000001")).header("Accept-Language", "en").send().await.unwrap();
    let page = to_page(res).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.contains("We can't find that page or ticket."));
}
