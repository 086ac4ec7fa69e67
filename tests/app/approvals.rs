//! The supervisors' approvals page (审批): what waits, in which order, with what
//! context; approving and rejecting from it; races; who may see it; the
//! navigation's counts. Requests are set up through the withdrawal service
//! (the customer's and agent's own pages are another area); every decision
//! under test goes through HTTP.

use crate::helpers::*;
use aftersales::domain::withdrawal::{CompensationKind, Step};
use aftersales::domain::{Role, TicketId, UserId};
use aftersales::services::SessionUser;
use aftersales::services::withdrawal::{self, StepInput, WithdrawInput};
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;

/// Someone's session as the services take it.
pub(crate) async fn session_user(app: &TestApp, email: &str, role: Role) -> SessionUser {
    let id = app.count(&format!("SELECT id FROM users WHERE email = '{email}'")).await;
    SessionUser { id: UserId(id), role, name: email.to_owned() }
}

pub(crate) async fn ticket_id(app: &TestApp, number: &str) -> TicketId {
    TicketId(app.count(&format!("SELECT id FROM tickets WHERE number = '{number}'")).await)
}

/// A ticket of `customer` that the agent took and started.
pub(crate) async fn in_progress(customer: &Browser, agent: &Browser, title: &str) -> String {
    let number = customer.file_ticket(&ticket_form(title, &[])).await;
    assert_eq!(agent.post(&format!("/tickets/{number}/take"), &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(agent.post(&format!("/tickets/{number}/act/start"), &[]).await.status(), StatusCode::SEE_OTHER);
    number
}

/// The customer asks to withdraw at `at`; returns the request's id.
pub(crate) async fn request_withdrawal(app: &TestApp, number: &str, customer: &str, at: DateTime<Utc>) -> i64 {
    let who = session_user(app, customer, Role::Customer).await;
    let input =
        WithdrawInput { reason: "solved_myself".into(), text: "自己修好了".into(), ..WithdrawInput::default() };
    let mut conn = app.pool.get().await.expect("conn");
    withdrawal::withdraw(&mut conn, number, &who, &input, Duration::hours(4), at).await.expect("withdraw").id.0
}

/// The assignee disputes the request at `at`: it goes to the supervisors.
pub(crate) async fn dispute(app: &TestApp, number: &str, agent: &str, request: i64, at: DateTime<Utc>) {
    let who = session_user(app, agent, Role::Agent).await;
    let input = StepInput {
        request: Some(request),
        text: "配件已寄出，运费已产生".into(),
        dispute_reason: "parts_shipped".into(),
    };
    let mut conn = app.pool.get().await.expect("conn");
    withdrawal::step(&mut conn, number, &who, Step::Dispute, &input, Duration::hours(4), at).await.expect("dispute");
}

async fn state_of(app: &TestApp, number: &str) -> String {
    for s in ["submitted", "assigned", "in_progress", "awaiting_customer", "resolved", "closed", "withdrawn"] {
        if app.count(&format!("SELECT count(*) FROM tickets WHERE number = '{number}' AND state = '{s}'")).await == 1 {
            return s.to_owned();
        }
    }
    panic!("no ticket {number}")
}

async fn status_of(app: &TestApp, request: i64) -> String {
    for s in ["with_assignee", "with_supervisors", "approved", "rejected", "cancelled", "lapsed", "accepted"] {
        if app.count(&format!("SELECT count(*) FROM withdrawals WHERE id = {request} AND status = '{s}'")).await == 1 {
            return s.to_owned();
        }
    }
    panic!("no request {request}")
}

/// Posts as htmx does from the approvals page: the list is the target.
async fn htmx_decide(browser: &Browser, request: i64, step: &str, note: &str) -> reqwest::Response {
    let token = browser.csrf().await;
    let id = request.to_string();
    browser
        .http
        .post(browser.url(&format!("/approvals/{request}/{step}")))
        .header("HX-Request", "true")
        .header("HX-Target", "approvals-list")
        .header("X-CSRF-Token", token)
        .form(&[("request", id.as_str()), ("text", note)])
        .send()
        .await
        .expect("POST")
}

async fn decide(browser: &Browser, request: i64, step: &str, note: &str) -> reqwest::Response {
    let id = request.to_string();
    browser.post(&format!("/approvals/{request}/{step}"), &[("request", &id), ("text", note)]).await
}

struct Desk {
    app: TestApp,
    customer: Browser,
    agent: Browser,
    boss: Browser,
}

async fn desk() -> Desk {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let boss = app.signed_in(Role::Supervisor, "s@example.com").await;
    Desk { app, customer, agent, boss }
}

/// A disputed request on a ticket in progress; returns (number, request).
async fn disputed(d: &Desk, title: &str, asked: DateTime<Utc>) -> (String, i64) {
    let number = in_progress(&d.customer, &d.agent, title).await;
    let request = request_withdrawal(&d.app, &number, "c@example.com", asked).await;
    dispute(&d.app, &number, "a@example.com", request, asked + Duration::minutes(30)).await;
    (number, request)
}

#[actix_web::test]
async fn the_page_lists_exactly_the_requests_with_the_supervisors_longest_waiting_first_with_their_context() {
    let d = desk().await;
    let now = Utc::now();
    // History: an earlier ticket the customer withdrew at once.
    let earlier = d.customer.file_ticket(&ticket_form("上个月的工单", &[])).await;
    request_withdrawal(&d.app, &earlier, "c@example.com", now - Duration::days(10)).await;

    // Asked 5 hours ago and disputed, with compensation given and an internal note.
    let (first, first_request) = disputed(&d, "洗碗机漏水", now - Duration::hours(5)).await;
    let agent_id = session_user(&d.app, "a@example.com", Role::Agent).await.id;
    {
        use aftersales::store::compensations::{NewCompensation, insert};
        let mut conn = d.app.pool.get().await.expect("conn");
        let new = NewCompensation {
            ticket_id: ticket_id(&d.app, &first).await,
            kind: CompensationKind::Refund,
            amount_cents: Some(12000),
            description: "先行退款",
            given_by: agent_id,
            given_at: now - Duration::hours(6),
        };
        insert(&mut conn, &new).await.expect("compensation");
    }
    let res =
        d.agent.post(&format!("/tickets/{first}/comments"), &[("body", "客户情绪激动"), ("internal", "on")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Asked 2 hours ago while in progress; the agent resolved it since: a supervisor's call now.
    let second = in_progress(&d.customer, &d.agent, "冰箱不制冷").await;
    let second_request = request_withdrawal(&d.app, &second, "c@example.com", now - Duration::hours(2)).await;
    let res = d.agent.post(&format!("/tickets/{second}/act/resolve"), &[("text", "已修复"), ("cause", "parts")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(status_of(&d.app, second_request).await, "with_supervisors");

    // Still with the assignee: not the supervisors' yet.
    let third = in_progress(&d.customer, &d.agent, "热水器").await;
    request_withdrawal(&d.app, &third, "c@example.com", now - Duration::hours(1)).await;

    let page = d.boss.page("/approvals").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.select("article.approval h2 a"), vec![first.clone(), second.clone()], "longest waiting first");
    let row = |css: &str| format!("#approval-{first_request} {css}");
    assert!(page.first(&row(".waited time")).unwrap().contains("5 小时"), "how long it waited");
    assert_eq!(page.first(&row(".referral")).as_deref(), Some("处理人有异议"));
    assert_eq!(page.first(&row(".customer-text")).as_deref(), Some("自己修好了"));
    assert_eq!(page.first(&row(".dispute-text")).as_deref(), Some("配件已寄出，运费已产生"));
    assert!(page.first(&row(".approval-request")).unwrap().contains("配件已发出"), "the dispute reason");
    let compensation = page.first(&row(".compensation")).unwrap();
    assert!(compensation.contains("退款 ¥120.00") && compensation.contains("先行退款"), "{compensation}");
    assert!(compensation.contains("批准后须退回"), "{compensation}");
    assert_eq!(page.first(&row(".recent-withdrawals")).as_deref(), Some("近 90 天撤单 1 次"));
    assert!(page.first(&row(".history")).unwrap().contains(&earlier));
    let log = page.select(&row(".approval-log li"));
    assert!(log.len() <= 8 && log.iter().any(|e| e.contains("客户情绪激动")), "internal notes too: {log:?}");
    assert!(log.iter().any(|e| e.contains("agent a")), "with who did it: {log:?}");
    assert!(page.first(&row(".state-changed")).is_none(), "still in progress");
    assert!(page.first(&row(".approval-facts")).unwrap().contains("agent a"), "the assignee");

    let other = |css: &str| format!("#approval-{second_request} {css}");
    assert_eq!(page.first(&other(".referral")).as_deref(), Some("工单已处理后提出"));
    let note = page.first(&other(".state-changed")).expect("the state moved on");
    assert!(note.contains("处理中") && note.contains("已处理待确认") && note.contains("按当前状态"), "{note}");
    assert!(page.first(&other(".dispute-text")).is_none());
    assert_eq!(page.select(&other("form.decision-form")).len(), 2, "approve and reject");
    assert_eq!(page.attr(&other("form.decision-form input[name=request]"), "value"), Some(second_request.to_string()));
}

#[actix_web::test]
async fn approving_withdraws_the_ticket_and_the_customer_reads_the_note() {
    let d = desk().await;
    let (number, request) = disputed(&d, "洗碗机漏水", Utc::now() - Duration::hours(1)).await;

    let res = decide(&d.boss, request, "approve", "同意撤单，请退回配件").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let back = location(&res);
    assert_eq!(back, format!("/approvals?done=approve&ticket={number}"));
    let page = d.boss.page(&back).await;
    assert!(page.first(".alert-success").unwrap().contains(&number));
    assert_eq!(page.first(".empty > p").as_deref(), Some("没有待审批的撤单申请。"));

    assert_eq!(state_of(&d.app, &number).await, "withdrawn");
    assert_eq!(status_of(&d.app, request).await, "approved");
    let ticket_page = d.customer.page(&format!("/tickets/{number}")).await;
    assert!(ticket_page.contains("同意撤单，请退回配件"), "the customer reads the supervisor's note");
    let notices = d.customer.page("/notifications").await;
    assert!(notices.first(".notice-note").unwrap().contains("同意撤单，请退回配件"));
}

#[actix_web::test]
async fn a_rejection_needs_a_note_and_leaves_the_ticket_where_it_was() {
    let d = desk().await;
    let (number, request) = disputed(&d, "洗碗机漏水", Utc::now() - Duration::hours(1)).await;

    let page = to_page(decide(&d.boss, request, "reject", "   ").await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first(&format!("#e-{request}-reject-text")).unwrap().contains("此项必填"));
    assert!(page.first(&format!("#e-{request}-approve-text")).is_none(), "only the form that was sent");
    let long = "很".repeat(2001);
    let page = to_page(htmx_decide(&d.boss, request, "reject", &long).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.first(&format!("#f-{request}-reject-text")), Some(long.clone()), "the note is kept");
    assert!(page.first(&format!("#e-{request}-reject-text")).unwrap().contains("2000"));
    assert!(page.first("h1").is_none(), "htmx gets the list alone");
    assert_eq!(status_of(&d.app, request).await, "with_supervisors");

    let res = htmx_decide(&d.boss, request, "reject", "工程师已上门更换配件，不能撤单").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers().get("hx-trigger").and_then(|v| v.to_str().ok()), Some("badges-changed"));
    let page = to_page(res).await;
    assert!(page.first("#approvals-list .alert-success").unwrap().contains(&number));
    assert!(page.first(&format!("#approval-{request}")).is_none(), "decided: off the list");
    assert_eq!(state_of(&d.app, &number).await, "in_progress", "the ticket goes on where it was");
    assert_eq!(status_of(&d.app, request).await, "rejected");
    assert_eq!(
        d.app.count(&format!("SELECT count(*) FROM tickets WHERE number = '{number}' AND withdrawal_id IS NULL")).await,
        1
    );
    assert!(d.customer.page(&format!("/tickets/{number}")).await.contains("工程师已上门更换配件，不能撤单"));
}

#[actix_web::test]
async fn a_request_decided_or_cancelled_meanwhile_is_not_decided_again() {
    let d = desk().await;
    let other_boss = d.app.signed_in(Role::Supervisor, "s2@example.com").await;
    let (number, request) = disputed(&d, "洗碗机漏水", Utc::now() - Duration::hours(1)).await;
    // Both supervisors have the page open; one approves first.
    assert_eq!(decide(&d.boss, request, "approve", "").await.status(), StatusCode::SEE_OTHER);
    let page = to_page(decide(&other_boss, request, "reject", "不同意").await).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.first(".alert-error").unwrap().contains("已被取消或已有决定"));
    assert_eq!(status_of(&d.app, request).await, "approved", "the first decision stands");
    assert_eq!(state_of(&d.app, &number).await, "withdrawn");

    // The customer took it back before the supervisor decided.
    let (number, request) = disputed(&d, "冰箱", Utc::now() - Duration::hours(1)).await;
    let who = session_user(&d.app, "c@example.com", Role::Customer).await;
    let mut conn = d.app.pool.get().await.expect("conn");
    let input = StepInput { request: Some(request), ..StepInput::default() };
    withdrawal::step(&mut conn, &number, &who, Step::Cancel, &input, Duration::hours(4), Utc::now()).await.unwrap();
    drop(conn);
    let page = to_page(htmx_decide(&d.boss, request, "approve", "").await).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.first("#approvals-list .alert-error").unwrap().contains("已被取消或已有决定"));
    assert_eq!(state_of(&d.app, &number).await, "in_progress");
    assert_eq!(status_of(&d.app, request).await, "cancelled");
}

#[actix_web::test]
async fn only_supervisors_see_and_decide_approvals() {
    let d = desk().await;
    let (number, request) = disputed(&d, "洗碗机漏水", Utc::now() - Duration::hours(1)).await;
    let anonymous = d.app.browser();

    for who in [&d.agent, &d.customer] {
        assert_eq!(who.get("/approvals").await.status(), StatusCode::FORBIDDEN);
        for step in ["approve", "reject"] {
            assert_eq!(decide(who, request, step, "我来决定").await.status(), StatusCode::FORBIDDEN, "{step}");
        }
    }
    for (who, home) in [(&d.agent, "/queue"), (&d.customer, "/portal")] {
        let links = who.page(home).await.select("nav a");
        assert!(links.iter().any(|a| a.starts_with("通知")), "{links:?}");
        assert!(!links.iter().any(|a| a.starts_with("审批")), "{links:?}");
    }
    let res = anonymous.get("/approvals").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/login?next="));
    assert_eq!(status_of(&d.app, request).await, "with_supervisors");
    assert_eq!(state_of(&d.app, &number).await, "in_progress");

    assert_eq!(decide(&d.boss, 999_999, "approve", "").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(decide(&d.boss, request, "accept", "").await.status(), StatusCode::NOT_FOUND, "not a supervisor's step");
    let other = (request + 1).to_string();
    let res = d.boss.post(&format!("/approvals/{request}/approve"), &[("request", &other)]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "the form names another request");
    assert_eq!(d.boss.get("/approvals?after=garbage").await.status(), StatusCode::BAD_REQUEST);
    assert!(d.boss.page("/queue").await.select("nav a").iter().any(|a| a.starts_with("审批")));
}

#[actix_web::test]
async fn the_navigation_counts_what_waits_for_each_person() {
    let d = desk().await;
    disputed(&d, "洗碗机漏水", Utc::now() - Duration::hours(2)).await;
    disputed(&d, "冰箱", Utc::now() - Duration::hours(1)).await;

    let nav = d.boss.page("/queue").await;
    assert_eq!(
        nav.attr("[hx-get='/nav/badges']", "hx-trigger").as_deref(),
        Some("load, every 30s, badges-changed from:body")
    );
    assert_eq!(nav.attr("#badge-approvals", "aria-live").as_deref(), Some("polite"));
    assert!(nav.first("#badge-approvals .count-badge").is_none(), "pages do not count: htmx fetches the counts");

    let badges = to_page(d.boss.get("/nav/badges").await).await;
    assert_eq!(badges.first("#badge-approvals .count-badge").as_deref(), Some("2"));
    assert_eq!(badges.first("#badge-approvals .visually-hidden").as_deref(), Some("2 个撤单申请待审批"));
    let unread = d
        .app
        .count(
            "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id \
             WHERE u.email = 's@example.com' AND read_at IS NULL",
        )
        .await;
    assert_eq!(unread, 2, "told of both requests");
    assert_eq!(badges.first("#badge-notifications .count-badge").as_deref(), Some("2"));

    // The customer heard of each ticket three times: received, taken, and that a supervisor decides.
    let badges = to_page(d.customer.get("/nav/badges").await).await;
    assert_eq!(badges.first("#badge-notifications .count-badge").as_deref(), Some("6"));
    assert_eq!(badges.first("#badge-notifications .visually-hidden").as_deref(), Some("6 条未读"));
    assert!(badges.first("#badge-approvals").is_none(), "customers do not approve");
    assert!(badges.first("#badge-menu .menu-dot").is_some(), "the collapsed phone menu shows that something waits");
    let badges = to_page(d.agent.get("/nav/badges").await).await;
    assert!(badges.first("#badge-approvals").is_none(), "agents do not approve");
    assert!(badges.first("#badge-notifications").is_some());
    let res = d.app.browser().get("/nav/badges").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "signed in only");

    // After the customer reads everything there is no number at all.
    assert_eq!(d.customer.post("/notifications/read-all", &[]).await.status(), StatusCode::SEE_OTHER);
    let badges = to_page(d.customer.get("/nav/badges").await).await;
    assert!(badges.first("#badge-notifications .count-badge").is_none());
    assert!(badges.first("#badge-menu .menu-dot").is_none());
}

#[actix_web::test]
async fn a_long_list_comes_in_pages_of_fifty_in_waiting_order() {
    let d = desk().await;
    let mut numbers = Vec::new();
    for i in 0..51 {
        numbers.push(d.customer.file_ticket(&ticket_form(&format!("工单 {i} 号"), &[])).await);
    }
    // The older the ticket, the longer its request has waited.
    let mut conn = d.app.pool.get().await.expect("conn");
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query(
            "INSERT INTO withdrawals (ticket_id, customer_id, requested_by, requested_via, reason, state_at_request, \
         status, referral, referred_at, answer_due_at, requested_at) \
         SELECT id, customer_id, customer_id, 'web', 'other', state, 'with_supervisors', 'resolved', now(), now(), \
         now() - (100 - id) * interval '1 minute' FROM tickets",
        ),
        &mut conn,
    )
    .await
    .expect("requests");
    drop(conn);

    let page = d.boss.page("/approvals").await;
    let shown = page.select("article.approval h2 a");
    assert_eq!(shown, numbers[..50].to_vec(), "longest waiting first");
    let next = page.attr(".pager a", "href").expect("a next page");
    let rest = d.boss.page(&next).await;
    assert_eq!(rest.select("article.approval h2 a"), vec![numbers[50].clone()]);
    assert!(rest.first(".pager a").is_none());
}
