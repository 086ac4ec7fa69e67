//! The SLA sweep (warnings with a reminder to the assignee, breaches escalated
//! to the supervisors, each recorded once) and the sweep that hands on tickets
//! still held by unavailable staff, run at a `now` in the future.

use crate::helpers::*;
use aftersales::domain::Role;
use aftersales::jobs::sla_sweep::{SlaSweep, Sweep};
use aftersales::jobs::unavailable_handover::UnavailableHandover;
use aftersales::jobs::{Registry, SLA_SWEEP_EVERY, Worker, WorkerConfig};
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use std::sync::Arc;

/// Around the clock, so the arithmetic is plain: normal = 24 h (warn at 19.2 h) / 72 h (warn at 57.6 h).
async fn around_the_clock(app: &TestApp) {
    app.exec("UPDATE sla_policies SET business_hours = FALSE").await;
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.count(&format!("SELECT id FROM users WHERE email = '{email}'")).await
}

/// A ticket filed by `customer` and taken by `agent`; also the time just after
/// filing, from which the sweeps count.
async fn taken(customer: &Browser, agent: &Browser, title: &str) -> (String, DateTime<Utc>) {
    let number = customer.file_ticket(&ticket_form(title, &[("urgency", "normal")])).await;
    assert_eq!(agent.post(&format!("/tickets/{number}/take"), &[]).await.status(), StatusCode::SEE_OTHER);
    (number, Utc::now())
}

async fn act(browser: &Browser, number: &str, action: &str, fields: &[(&str, &str)]) {
    let res = browser.post(&format!("/tickets/{number}/act/{action}"), fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{action} on {number}");
}

async fn sweep(app: &TestApp, now: DateTime<Utc>) -> Sweep {
    SlaSweep::default().sweep(&app.pool, now).await.expect("SLA sweep")
}

async fn marks(app: &TestApp, number: &str) -> Vec<String> {
    let total = app
        .count(&format!(
            "SELECT count(*) FROM sla_marks m JOIN tickets t ON t.id = m.ticket_id WHERE t.number = '{number}'"
        ))
        .await;
    let mut found = Vec::new();
    for target in ["first_response", "resolution"] {
        for level in ["warning", "breach"] {
            let n = app
                .count(&format!(
                    "SELECT count(*) FROM sla_marks m JOIN tickets t ON t.id = m.ticket_id \
                     WHERE t.number = '{number}' AND m.target = '{target}' AND m.level = '{level}'"
                ))
                .await;
            found.extend((0..n).map(|_| format!("{target}/{level}")));
        }
    }
    assert_eq!(found.len() as i64, total);
    found
}

/// Notifications of `kind` about `number`, to `user` (or to anyone with 0).
async fn notices(app: &TestApp, number: &str, kind: &str, user: i64) -> i64 {
    let to = if user == 0 { String::new() } else { format!("AND n.user_id = {user}") };
    app.count(&format!(
        "SELECT count(*) FROM notifications n JOIN tickets t ON t.id = n.ticket_id \
         WHERE t.number = '{number}' AND n.kind = '{kind}' {to}"
    ))
    .await
}

/// The sweep's events on the ticket: by the system, staff-only, with the target and due time.
async fn sla_events(app: &TestApp, number: &str, kind: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id \
         WHERE t.number = '{number}' AND e.kind = '{kind}' AND e.actor_id IS NULL AND e.internal \
           AND e.data ? 'target' AND e.data ? 'due'"
    ))
    .await
}

async fn is_null(app: &TestApp, number: &str, column: &str) -> bool {
    app.count(&format!("SELECT count(*) FROM tickets WHERE number = '{number}' AND {column} IS NULL")).await == 1
}

fn sla_worker(app: &TestApp) -> Worker {
    let mut registry = Registry::new();
    registry.register_every(SlaSweep::default(), SLA_SWEEP_EVERY);
    Worker::new(app.pool.clone(), Arc::new(registry), WorkerConfig::default())
}

#[actix_web::test]
async fn a_ticket_nearly_due_reminds_its_assignee_once() {
    let app = TestApp::spawn().await;
    around_the_clock(&app).await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    app.signed_in(Role::Supervisor, "boss@example.com").await;
    let (number, t) = taken(&customer, &agent, "空调不制冷").await;
    // Nobody has taken this one: its reminder goes to the supervisors.
    let waiting = customer.file_ticket(&ticket_form("无人受理", &[("urgency", "normal")])).await;

    assert_eq!(sweep(&app, t + Duration::hours(19)).await, Sweep::default(), "not yet 80 %");

    // Two workers at once, each running the sweep until idle.
    let (w1, w2) = (sla_worker(&app), sla_worker(&app));
    let at = t + Duration::hours(20);
    w1.schedule_recurring(at).await.unwrap();
    w2.schedule_recurring(at).await.unwrap();
    let (r1, r2) = tokio::join!(w1.run_until_idle(at), w2.run_until_idle(at));
    assert_eq!(r1.unwrap().failed + r2.unwrap().failed, 0);

    assert_eq!(marks(&app, &number).await, ["first_response/warning"]);
    let agent_id = user_id(&app, "a@example.com").await;
    let boss_id = user_id(&app, "boss@example.com").await;
    assert_eq!(notices(&app, &number, "sla_warning", agent_id).await, 1, "one reminder to the assignee");
    assert_eq!(notices(&app, &number, "sla_warning", 0).await, 1, "to nobody else");
    assert_eq!(sla_events(&app, &number, "sla_warning").await, 1);
    assert_eq!(notices(&app, &waiting, "sla_warning", boss_id).await, 1, "unassigned: the supervisors hear");
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM tickets WHERE number = '{number}' AND sla_check_at = sla_due_at"))
            .await,
        1,
        "the breach is looked for next"
    );

    // Again, later but before the due time: nothing new.
    assert_eq!(sweep(&app, t + Duration::hours(23)).await, Sweep::default());
    assert_eq!(notices(&app, &number, "sla_warning", 0).await, 1);

    let page = agent.page("/notifications").await;
    let texts = page.select(".notice-text").join(" ");
    assert!(texts.contains(&format!("催办：工单 {number} 即将超时")), "{texts}");
}

#[actix_web::test]
async fn an_overdue_ticket_is_escalated_once_even_with_two_sweeps_at_once() {
    let app = TestApp::spawn().await;
    around_the_clock(&app).await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    app.signed_in(Role::Supervisor, "boss2@example.com").await;
    let (number, t) = taken(&customer, &agent, "漏水").await;

    // Overdue before any sweep looked: the breach alone, from either sweep.
    let at = t + Duration::hours(25);
    let (a, b) = tokio::join!(sweep(&app, at), sweep(&app, at));
    assert_eq!(a.breached + b.breached, 1, "{a:?} {b:?}");
    assert_eq!(a.warned + b.warned, 0);
    assert_eq!(marks(&app, &number).await, ["first_response/breach"]);
    for person in ["a@example.com", "boss@example.com", "boss2@example.com"] {
        let id = user_id(&app, person).await;
        assert_eq!(notices(&app, &number, "sla_breached", id).await, 1, "{person}");
    }
    assert_eq!(notices(&app, &number, "sla_breached", 0).await, 3, "never the customer");
    assert_eq!(sla_events(&app, &number, "sla_breached").await, 1);
    assert!(is_null(&app, &number, "sla_check_at").await, "nothing more to look for on this target");

    // Later sweeps and workers add nothing.
    assert_eq!(sweep(&app, t + Duration::hours(30)).await, Sweep::default());
    let w = sla_worker(&app);
    w.schedule_recurring(t + Duration::hours(31)).await.unwrap();
    w.run_until_idle(t + Duration::hours(31)).await.unwrap();
    assert_eq!(notices(&app, &number, "sla_breached", 0).await, 3);
    assert_eq!(sla_events(&app, &number, "sla_breached").await, 1);

    // Staff see it in the ticket's history; the customer never does.
    let staff_page = boss.page(&format!("/tickets/{number}")).await;
    let staff_log = staff_page.select(".event-sla_breached").join(" ");
    assert!(staff_log.contains("记录工单超时"), "{staff_log}");
    let customer_page = customer.page(&format!("/tickets/{number}")).await;
    assert!(customer_page.select(".event-sla_breached").is_empty());
    assert!(!customer_page.contains("超时"), "no trace of the breach for the customer");
    let told = app
        .count(
            "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id \
             WHERE u.email = 'c@example.com' AND n.kind LIKE 'sla_%'",
        )
        .await;
    assert_eq!(told, 0, "the customer hears nothing of it");
    let page = customer.page("/notifications").await;
    assert!(!page.contains("超时"), "nor reads of it in their notifications");
}

#[actix_web::test]
async fn a_paused_ticket_waits_and_the_resolution_target_follows_the_first_response() {
    let app = TestApp::spawn().await;
    around_the_clock(&app).await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let (number, t) = taken(&customer, &agent, "不开机").await;
    act(&agent, &number, "start", &[]).await;
    act(&agent, &number, "request_info", &[("text", "请提供购买凭证")]).await;

    // Awaiting the customer, well past the first-response due time: the clock stands still.
    assert_eq!(sweep(&app, t + Duration::hours(30)).await, Sweep::default());
    // Even when something asks for a look, a paused ticket is only rescheduled.
    app.exec(&format!("UPDATE tickets SET sla_check_at = now() - interval '1 hour' WHERE number = '{number}'")).await;
    assert_eq!(sweep(&app, t + Duration::hours(30)).await, Sweep { found: 1, ..Sweep::default() });
    assert!(marks(&app, &number).await.is_empty());
    assert!(is_null(&app, &number, "sla_check_at").await);

    // The customer answers: the question was the first response, now the resolution runs.
    let res = customer.post(&format!("/tickets/{number}/comments"), &[("body", "凭证已上传")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(sweep(&app, t + Duration::hours(30)).await, Sweep::default(), "first response met");
    let later = sweep(&app, t + Duration::hours(58)).await;
    assert_eq!(later, Sweep { found: 1, warned: 1, breached: 0 });
    assert_eq!(marks(&app, &number).await, ["resolution/warning"]);
    let agent_id = user_id(&app, "a@example.com").await;
    assert_eq!(notices(&app, &number, "sla_warning", agent_id).await, 1);
}

#[actix_web::test]
async fn a_resolved_ticket_gets_nothing() {
    let app = TestApp::spawn().await;
    around_the_clock(&app).await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let (number, t) = taken(&customer, &agent, "已修好").await;
    act(&agent, &number, "start", &[]).await;
    act(&agent, &number, "resolve", &[("text", "已更换主板"), ("cause", "parts")]).await;

    assert_eq!(sweep(&app, t + Duration::hours(100)).await, Sweep::default());
    // Resolved since it was found (a stale check time): rescheduled, nothing recorded.
    app.exec(&format!("UPDATE tickets SET sla_check_at = now() - interval '1 hour' WHERE number = '{number}'")).await;
    assert_eq!(sweep(&app, t + Duration::hours(100)).await, Sweep { found: 1, ..Sweep::default() });
    assert!(marks(&app, &number).await.is_empty());
    assert!(is_null(&app, &number, "sla_check_at").await);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM notifications n JOIN tickets t ON t.id = n.ticket_id \
             WHERE t.number = '{number}' AND n.kind LIKE 'sla_%'"
        ))
        .await,
        0
    );
}

#[actix_web::test]
async fn tickets_still_held_by_an_unavailable_agent_are_handed_on() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let leaving = app.signed_in(Role::Agent, "leaving@example.com").await;
    let stays = app.signed_in(Role::Agent, "stays@example.com").await;
    let (first, _) = taken(&customer, &leaving, "请假前 1").await;
    let (second, _) = taken(&customer, &leaving, "请假前 2").await;
    let (theirs, _) = taken(&customer, &stays, "别人的").await;
    // Marked unavailable without the handover (as if a ticket reached them in a race).
    app.exec("UPDATE users SET available = FALSE WHERE email = 'leaving@example.com'").await;
    let leaving_id = user_id(&app, "leaving@example.com").await;
    let stays_id = user_id(&app, "stays@example.com").await;
    let now = Utc::now();

    // Under the manual rule nobody can be picked: the tickets stay (the staff page warns).
    let handover = UnavailableHandover.sweep(&app.pool, now).await.unwrap();
    assert_eq!((handover.moved, handover.left), (0, 2));

    let res = boss.post("/settings/assignment", &[("rule", "workload")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (a, b) = tokio::join!(UnavailableHandover.sweep(&app.pool, now), UnavailableHandover.sweep(&app.pool, now));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.moved + b.moved, 2, "each ticket moved once: {a:?} {b:?}");
    for number in [&first, &second, &theirs] {
        let assignee = app.count(&format!("SELECT assignee_id FROM tickets WHERE number = '{number}'")).await;
        assert_eq!(assignee, stays_id, "{number}");
    }
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM ticket_events WHERE kind = 'reassigned' AND actor_id IS NULL \
             AND data->>'reason' = 'agent_unavailable' AND (data->>'from_assignee_id')::bigint = {leaving_id} \
             AND (data->>'assignee_id')::bigint = {stays_id}"
        ))
        .await,
        2,
        "logged on each ticket, by the system"
    );
    let again = UnavailableHandover.sweep(&app.pool, now).await.unwrap();
    assert_eq!((again.moved, again.left), (0, 0));
    let page = customer.page(&format!("/tickets/{first}")).await;
    assert!(page.select(".event-reassigned").join(" ").contains("转派了工单"));
}
