//! Withdrawal (撤单) through the pages: the policy table for every state, person
//! and step; the dialog's words; the races; the escalation sweep; auto-close;
//! who is told what; the 回访 answer and the frequent-withdrawal flag.

use crate::helpers::*;
use aftersales::config::Policy;
use aftersales::domain::{Role, UserId};
use aftersales::jobs::auto_close::AutoClose;
use aftersales::jobs::withdrawal_escalation::Escalation;
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use std::collections::HashMap;

/// A signed-in person with their session's CSRF token at hand (one request per action).
struct Person {
    browser: Browser,
    csrf: String,
    id: UserId,
}

impl Person {
    async fn new(app: &TestApp, role: Role, email: &str, name: &str) -> Person {
        let id = app.create_user(role, email, name).await;
        let browser = app.browser();
        assert_eq!(browser.login(email, PASSWORD).await.status(), StatusCode::SEE_OTHER, "login of {email}");
        let csrf = browser.csrf().await;
        Person { browser, csrf, id }
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form = fields.to_vec();
        form.push(("csrf_token", &self.csrf));
        self.browser.http.post(self.browser.url(path)).form(&form).send().await.expect("POST")
    }

    async fn htmx_post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let http = &self.browser.http;
        let req = http.post(self.browser.url(path)).header("HX-Request", "true").header("X-CSRF-Token", &self.csrf);
        req.form(fields).send().await.expect("POST")
    }

    async fn page(&self, path: &str) -> Page {
        self.browser.page(path).await
    }

    async fn htmx_page(&self, path: &str) -> Page {
        let res = self.browser.http.get(self.browser.url(path)).header("HX-Request", "true").send().await;
        to_page(res.expect("GET")).await
    }
}

/// One app and the five kinds of people the policy table names.
struct World {
    app: TestApp,
    owner: Person,
    other_customer: Person,
    assignee: Person,
    other_agent: Person,
    supervisor: Person,
}

impl World {
    async fn new() -> World {
        let app = TestApp::spawn().await;
        let owner = Person::new(&app, Role::Customer, "owner@example.com", "王芳").await;
        let other_customer = Person::new(&app, Role::Customer, "other@example.com", "李雷").await;
        let assignee = Person::new(&app, Role::Agent, "agent@example.com", "张工").await;
        let other_agent = Person::new(&app, Role::Agent, "agent2@example.com", "赵工").await;
        let supervisor = Person::new(&app, Role::Supervisor, "boss@example.com", "陈主管").await;
        World { app, owner, other_customer, assignee, other_agent, supervisor }
    }

    /// A new ticket of the owner's, moved to `state` through the pages; with a
    /// pending request from the owner if `with_request` (in progress, awaiting, resolved).
    async fn ticket(&self, state: &str, with_request: bool) -> String {
        self.ticket_for(&self.owner, state, with_request, "repair").await
    }

    async fn ticket_for(&self, customer: &Person, state: &str, with_request: bool, outcome: &str) -> String {
        let form = ticket_form("洗碗机不进水", &[("desired_outcome", outcome)]);
        let res = customer.post("/portal/tickets", &form).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "filing");
        let number = location(&res).trim_start_matches("/tickets/").to_owned();
        let steps: &[(&str, &str)] = match state {
            "submitted" => &[],
            "assigned" | "withdrawn" => &[("take", "")],
            "in_progress" => &[("take", ""), ("act/start", "")],
            "awaiting_customer" => &[("take", ""), ("act/start", ""), ("act/request_info", "请拍照")],
            "resolved" | "closed" => &[("take", ""), ("act/start", ""), ("act/resolve", "更换进水阀")],
            other => panic!("no state {other}"),
        };
        for (action, text) in steps {
            let fields = [("text", *text), ("cause", "parts")];
            let res = self.assignee.post(&format!("/tickets/{number}/{action}"), &fields).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{number}: {action}");
        }
        match state {
            "closed" => assert_eq!(customer.post(&format!("/tickets/{number}/act/confirm"), &[]).await.status(), 303),
            "withdrawn" => assert_eq!(withdraw(customer, &number).await.status(), StatusCode::SEE_OTHER),
            _ => {}
        }
        if with_request {
            assert_eq!(withdraw(customer, &number).await.status(), StatusCode::SEE_OTHER, "request on {number}");
        }
        assert_eq!(self.observe(&number).await.split('/').next(), Some(state), "{number} set up");
        number
    }

    fn person(&self, who: Who) -> &Person {
        match who {
            Who::Owner => &self.owner,
            Who::OtherCustomer => &self.other_customer,
            Who::Assignee => &self.assignee,
            Who::OtherAgent => &self.other_agent,
            Who::Supervisor => &self.supervisor,
        }
    }

    /// "state/status of the latest withdrawal" ("-" if none).
    async fn observe(&self, number: &str) -> String {
        let sql = format!(
            "SELECT t.state || '/' || coalesce((SELECT w.status FROM withdrawals w WHERE w.ticket_id = t.id \
             ORDER BY w.id DESC LIMIT 1), '-') AS s FROM tickets t WHERE t.number = '{number}'"
        );
        texts(&self.app, &sql).await.pop().expect("ticket")
    }

    /// The id of the ticket's latest withdrawal ("0" if none), as a step form names it.
    async fn request_id(&self, number: &str) -> String {
        let sql = format!(
            "SELECT coalesce(max(w.id), 0)::text AS s FROM withdrawals w JOIN tickets t ON t.id = w.ticket_id \
             WHERE t.number = '{number}'"
        );
        texts(&self.app, &sql).await.pop().expect("id")
    }

    async fn step(&self, who: &Person, number: &str, step: &str, text: &str) -> reqwest::Response {
        let request = self.request_id(number).await;
        let fields = [("request", request.as_str()), ("text", text), ("dispute_reason", "work_done")];
        who.post(&format!("/tickets/{number}/withdrawal/{step}"), &fields).await
    }

    /// Notifications written since `after` (an id), as "name kind", sorted.
    async fn notices_since(&self, after: i64) -> Vec<String> {
        let sql = format!(
            "SELECT u.name || ' ' || n.kind AS s FROM notifications n JOIN users u ON u.id = n.user_id \
             WHERE n.id > {after} ORDER BY (u.name || ' ' || n.kind) COLLATE \"C\""
        );
        texts(&self.app, &sql).await
    }

    async fn last_notice(&self) -> i64 {
        self.app.count("SELECT coalesce(max(id), 0) FROM notifications").await
    }

    async fn events(&self, number: &str, kind: &str) -> i64 {
        let sql = format!(
            "SELECT count(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id \
             WHERE t.number = '{number}' AND e.kind = '{kind}'"
        );
        self.app.count(&sql).await
    }
}

/// Withdraws (or asks to) with a plain reason; staff say the customer phoned.
async fn withdraw(who: &Person, number: &str) -> reqwest::Response {
    let fields = [("reason", "solved_myself"), ("text", ""), ("channel", "phone")];
    who.post(&format!("/tickets/{number}/withdraw"), &fields).await
}

/// One text column of a query.
async fn texts(app: &TestApp, sql: &str) -> Vec<String> {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        s: String,
    }
    let mut conn = app.pool.get().await.expect("conn");
    let rows: Vec<Row> = diesel::sql_query(sql).load(&mut conn).await.expect(sql);
    rows.into_iter().map(|r| r.s).collect()
}

async fn exec(app: &TestApp, sql: &str) {
    use diesel_async::RunQueryDsl;
    let mut conn = app.pool.get().await.expect("conn");
    diesel::sql_query(sql).execute(&mut conn).await.expect(sql);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Owner,
    OtherCustomer,
    Assignee,
    OtherAgent,
    Supervisor,
}

const WHO: [Who; 5] = [Who::Owner, Who::OtherCustomer, Who::Assignee, Who::OtherAgent, Who::Supervisor];

// The cells: done, with the ticket's state and the request's status after ("=": the state stays) …
const NOW: &str = "303 withdrawn/immediate";
const ACCEPTED: &str = "303 withdrawn/accepted";
const APPROVED: &str = "303 withdrawn/approved";
const ASKED: &str = "303 =/with_assignee";
const TO_SUPERVISORS: &str = "303 =/with_supervisors";
const CANCELLED: &str = "303 =/cancelled";
const REJECTED: &str = "303 =/rejected";
// … or refused with nothing changed: not allowed, not found (another's ticket), not now (state or request).
const F403: &str = "403";
const N404: &str = "404";
const C409: &str = "409";

/// The policy table over HTTP. Per state and action, the answer for the owner,
/// another customer, the assignee, another agent and a supervisor. Steps
/// (cancel … reject) act on the owner's pending request where a state can have
/// one (in progress, awaiting the customer, resolved); elsewhere there is none
/// to act on. A submitted ticket has no assignee yet: both agents are just
/// agents there. Withdrawn means withdrawn at once from assigned.
#[rustfmt::skip]
const MATRIX: &[(&str, &str, [&str; 5])] = &[
    //                              owner           other customer  assignee        other agent     supervisor
    ("submitted",         "request", [NOW,            N404,           NOW,            NOW,            NOW]),
    ("submitted",         "cancel",  [C409,           N404,           F403,           F403,           F403]),
    ("submitted",         "accept",  [F403,           N404,           C409,           C409,           C409]),
    ("submitted",         "dispute", [F403,           N404,           C409,           C409,           C409]),
    ("submitted",         "approve", [F403,           N404,           F403,           F403,           C409]),
    ("submitted",         "reject",  [F403,           N404,           F403,           F403,           C409]),
    ("assigned",          "request", [NOW,            N404,           NOW,            NOW,            NOW]),
    ("assigned",          "cancel",  [C409,           N404,           F403,           F403,           F403]),
    ("assigned",          "accept",  [F403,           N404,           C409,           F403,           C409]),
    ("assigned",          "dispute", [F403,           N404,           C409,           F403,           C409]),
    ("assigned",          "approve", [F403,           N404,           F403,           F403,           C409]),
    ("assigned",          "reject",  [F403,           N404,           F403,           F403,           C409]),
    ("in_progress",       "request", [ASKED,          N404,           F403,           F403,           F403]),
    ("in_progress",       "cancel",  [CANCELLED,      N404,           F403,           F403,           F403]),
    ("in_progress",       "accept",  [F403,           N404,           ACCEPTED,       F403,           ACCEPTED]),
    ("in_progress",       "dispute", [F403,           N404,           TO_SUPERVISORS, F403,           TO_SUPERVISORS]),
    ("in_progress",       "approve", [F403,           N404,           F403,           F403,           APPROVED]),
    ("in_progress",       "reject",  [F403,           N404,           F403,           F403,           REJECTED]),
    ("awaiting_customer", "request", [ASKED,          N404,           F403,           F403,           F403]),
    ("awaiting_customer", "cancel",  [CANCELLED,      N404,           F403,           F403,           F403]),
    ("awaiting_customer", "accept",  [F403,           N404,           ACCEPTED,       F403,           ACCEPTED]),
    ("awaiting_customer", "dispute", [F403,           N404,           TO_SUPERVISORS, F403,           TO_SUPERVISORS]),
    ("awaiting_customer", "approve", [F403,           N404,           F403,           F403,           APPROVED]),
    ("awaiting_customer", "reject",  [F403,           N404,           F403,           F403,           REJECTED]),
    ("resolved",          "request", [TO_SUPERVISORS, N404,           F403,           F403,           F403]),
    ("resolved",          "cancel",  [CANCELLED,      N404,           F403,           F403,           F403]),
    ("resolved",          "accept",  [F403,           N404,           C409,           F403,           C409]),
    ("resolved",          "dispute", [F403,           N404,           C409,           F403,           C409]),
    ("resolved",          "approve", [F403,           N404,           F403,           F403,           APPROVED]),
    ("resolved",          "reject",  [F403,           N404,           F403,           F403,           REJECTED]),
    ("closed",            "request", [C409,           N404,           C409,           C409,           C409]),
    ("closed",            "cancel",  [C409,           N404,           C409,           C409,           C409]),
    ("closed",            "accept",  [C409,           N404,           C409,           F403,           C409]),
    ("closed",            "dispute", [C409,           N404,           C409,           F403,           C409]),
    ("closed",            "approve", [C409,           N404,           C409,           C409,           C409]),
    ("closed",            "reject",  [C409,           N404,           C409,           C409,           C409]),
    ("withdrawn",         "request", [C409,           N404,           C409,           C409,           C409]),
    ("withdrawn",         "cancel",  [C409,           N404,           C409,           C409,           C409]),
    ("withdrawn",         "accept",  [C409,           N404,           C409,           F403,           C409]),
    ("withdrawn",         "dispute", [C409,           N404,           C409,           F403,           C409]),
    ("withdrawn",         "approve", [C409,           N404,           C409,           C409,           C409]),
    ("withdrawn",         "reject",  [C409,           N404,           C409,           C409,           C409]),
];

#[actix_web::test]
async fn every_state_person_and_step_answers_as_the_policy_table_says() {
    let w = World::new().await;
    assert_eq!(MATRIX.len(), 7 * 6);
    let states = ["submitted", "assigned", "in_progress", "awaiting_customer", "resolved", "closed", "withdrawn"];
    // The states are independent: checked side by side.
    let wrong: Vec<String> = futures_util::future::join_all(states.map(|state| check_state(&w, state)))
        .await
        .into_iter()
        .flatten()
        .collect();
    assert!(wrong.is_empty(), "{} cells differ from the table:\n{}", wrong.len(), wrong.join("\n"));
}

/// The table's rows for one state; the cells that differ.
async fn check_state(w: &World, state: &str) -> Vec<String> {
    // Refusals change nothing, so they share a ticket; each success gets its own.
    let mut shared: HashMap<bool, String> = HashMap::new();
    let mut wrong = Vec::new();
    for (_, action, cells) in MATRIX.iter().filter(|row| row.0 == state) {
        let can_have_request = matches!(state, "in_progress" | "awaiting_customer" | "resolved");
        let with_request = *action != "request" && can_have_request;
        for (who, cell) in WHO.iter().zip(cells) {
            let (status, after) = cell.split_once(' ').map_or((*cell, None), |(s, a)| (s, Some(a)));
            let number = match (after, shared.get(&with_request)) {
                (None, Some(number)) => number.clone(),
                (None, None) => {
                    let number = w.ticket(state, with_request).await;
                    shared.insert(with_request, number.clone());
                    number
                }
                (Some(_), _) => w.ticket(state, with_request).await,
            };
            let before = w.observe(&number).await;
            let person = w.person(*who);
            let res = match *action {
                "request" => withdraw(person, &number).await,
                step => w.step(person, &number, step, "因为").await,
            };
            let got = res.status().as_u16().to_string();
            let now = w.observe(&number).await;
            let expected = after.map_or(before, |a| a.replacen('=', state, 1));
            if got != status || now != expected {
                wrong.push(format!("{state} {who:?} {action}: got {got} {now}, want {status} {expected}"));
            }
        }
    }
    wrong
}

#[actix_web::test]
async fn the_dialog_says_what_withdrawing_means_for_this_ticket() {
    let w = World::new().await;
    let dialog = |number: &str| format!("/tickets/{number}/withdraw");

    // Not yet assigned: withdrawn now; nothing was given, nothing to return.
    let submitted = w.ticket("submitted", false).await;
    let page = w.owner.page(&dialog(&submitted)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.first(".withdraw-claim").unwrap_or_default().contains("所申请的维修将不再进行"));
    assert!(page.first(".withdraw-compensation").unwrap_or_default().contains("无需退回"));
    assert_eq!(page.select(".withdraw-next"), vec!["工单将立即撤销。"]);
    assert!(page.first("select[name=channel]").is_none(), "customers asked themselves");
    assert!(page.first("title").is_some(), "a whole page without htmx");

    // Assigned, with compensation given: the assignee is told; each item to return is listed.
    let assigned = w.ticket_for(&w.owner, "assigned", false, "refund").await;
    let ticket_id = w.app.count(&format!("SELECT id FROM tickets WHERE number = '{assigned}'")).await;
    exec(
        &w.app,
        &format!(
            "INSERT INTO compensations (ticket_id, kind, amount_cents, description, given_by, given_at) VALUES \
             ({ticket_id}, 'refund', 12000, '先行退款', {a}, now()), ({ticket_id}, 'voucher', 5000, '', {a}, now())",
            a = w.assignee.id
        ),
    )
    .await;
    let page = w.owner.htmx_page(&dialog(&assigned)).await;
    assert!(page.first("title").is_none() && page.first("dialog[open]").is_some(), "the fragment for htmx");
    assert!(page.first(".withdraw-claim").unwrap_or_default().contains("所申请的退款将不再支付"));
    assert_eq!(page.select(".withdraw-returns li"), vec!["退款 ¥120.00 — 先行退款", "代金券 ¥50.00"]);
    let next = page.select(".withdraw-next");
    assert_eq!(next, vec!["工单将立即撤销。", "会立即通知 张工，不再开始处理。"]);
    assert_eq!(page.attr("form[hx-post]", "hx-target").as_deref(), Some("#ticket-main"));
    // Staff withdrawing for a customer say how the customer asked.
    let page = w.other_agent.page(&dialog(&assigned)).await;
    assert_eq!(page.select("#f-withdraw-channel option").len(), 6, "choose + phone, email, store, social, app");

    // In progress: a request that waits for the assignee until a time (4 hours on).
    let in_progress = w.ticket("in_progress", false).await;
    let due = |at: chrono::DateTime<Utc>| {
        (at + Duration::hours(4)).with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d %H:%M").to_string()
    };
    let before = Utc::now();
    let page = w.owner.page(&dialog(&in_progress)).await;
    let next = page.first(".withdraw-next").unwrap_or_default();
    assert!(next.contains("等待 张工 在"), "{next}");
    assert!(next.contains(&due(before)) || next.contains(&due(Utc::now())), "{next}");
    assert!(page.first(".withdraw-claim").unwrap_or_default().contains("维修"));
    assert!(page.select("button").iter().any(|b| b.contains("提交撤单申请")));
    // Staff can't withdraw once work has started.
    let page = w.assignee.page(&dialog(&in_progress)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.contains("只有客户本人可以申请撤单") && page.first("form select").is_none());

    // Resolved: a supervisor decides by a time.
    let resolved = w.ticket_for(&w.owner, "resolved", false, "replacement").await;
    let page = w.owner.page(&dialog(&resolved)).await;
    let next = page.first(".withdraw-next").unwrap_or_default();
    assert!(next.contains("由服务主管在") && next.contains("前决定"), "{next}");
    assert!(page.first(".withdraw-claim").unwrap_or_default().contains("换货将不再寄出"));

    // Closed, withdrawn or a request pending: refused with a clear message, no form.
    let closed = w.ticket("closed", false).await;
    let page = w.owner.page(&dialog(&closed)).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.contains("已完成或已撤销") && page.first("form select").is_none(), "{}", page.text);
    let pending = w.ticket("in_progress", true).await;
    let page = w.owner.page(&dialog(&pending)).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.contains("已有一个撤单申请在等待答复"));
    let res = withdraw(&w.owner, &pending).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "a second request while one waits");
    // Someone else's ticket does not exist; without a session, sign in first.
    assert_eq!(w.other_customer.page(&dialog(&submitted)).await.status, StatusCode::NOT_FOUND);
    let res = w.app.browser().get(&dialog(&submitted)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/login"));
}

#[actix_web::test]
async fn the_ticket_page_offers_withdrawing_only_when_the_policy_allows() {
    let w = World::new().await;
    let button = |page: &Page| page.first("a[href$='/withdraw']").is_some();
    let assigned = w.ticket("assigned", false).await;
    let path = format!("/tickets/{assigned}");
    assert!(button(&w.owner.page(&path).await));
    assert!(button(&w.other_agent.page(&path).await), "staff withdraw for a customer before work starts");
    let in_progress = w.ticket("in_progress", false).await;
    let path = format!("/tickets/{in_progress}");
    assert!(button(&w.owner.page(&path).await));
    assert!(!button(&w.assignee.page(&path).await), "once work started only the customer asks");
    withdraw(&w.owner, &in_progress).await;
    let page = w.owner.page(&path).await;
    assert!(!button(&page), "a request is pending");
    assert_eq!(page.first(".withdrawal-tag").as_deref(), Some("撤单申请中"), "the amber tag beside the state");
    let closed = w.ticket("closed", false).await;
    assert!(!button(&w.owner.page(&format!("/tickets/{closed}")).await));
}

#[actix_web::test]
async fn bad_input_and_stale_pages_bring_the_dialog_back() {
    let w = World::new().await;
    let number = w.ticket("assigned", false).await;
    let path = format!("/tickets/{number}/withdraw");

    let page = to_page(w.owner.post(&path, &[("reason", ""), ("text", "")]).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-withdraw-reason").unwrap_or_default().contains("此项必填"));
    let page = to_page(w.owner.post(&path, &[("reason", "other"), ("text", " ")]).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-withdraw-text").is_some(), "other needs words");
    assert_eq!(page.attr("#f-withdraw-reason option[selected]", "value").as_deref(), Some("other"), "kept");
    let page = to_page(w.owner.post(&path, &[("reason", "sabotage"), ("text", "我的说明")]).await).await;
    assert!(page.first("#e-withdraw-reason").is_some());
    assert_eq!(page.first("#f-withdraw-text").as_deref(), Some("我的说明"), "the text is kept");
    // Staff name the channel the customer used; the web portal is the customer's own.
    for channel in ["", "web", "pigeon"] {
        let fields = [("reason", "by_mistake"), ("text", ""), ("channel", channel)];
        let page = to_page(w.assignee.post(&path, &fields).await).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{channel}");
        assert!(page.first("#e-withdraw-channel").is_some(), "{channel}");
    }
    // With htmx the problem goes back into the dialog's place on the ticket page.
    let res = w.owner.htmx_post(&path, &[("reason", "")]).await;
    assert_eq!(res.headers().get("hx-retarget").and_then(|v| v.to_str().ok()), Some("#withdraw-dialog"));
    let page = to_page(res).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("dialog #e-withdraw-reason").is_some() && page.first("title").is_none());
    assert_eq!(w.observe(&number).await, "assigned/-", "nothing stored");

    // The dialog showed "withdrawn now"; meanwhile work started: the fresh dialog says what it means now.
    let seen = w.owner.page(&path).await.attr("input[name=version]", "value").expect("version");
    w.assignee.post(&format!("/tickets/{number}/act/start"), &[]).await;
    let fields = [("reason", "by_mistake"), ("text", "点错了"), ("version", &seen)];
    let page = to_page(w.owner.post(&path, &fields).await).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.first(".alert-error").unwrap_or_default().contains("撤单的含义可能随之改变"));
    assert!(page.first(".withdraw-next").unwrap_or_default().contains("等待 张工"), "the fresh consequences");
    assert_eq!(page.first("#f-withdraw-text").as_deref(), Some("点错了"), "input kept");
    assert_ne!(page.attr("input[name=version]", "value"), Some(seen), "the form now carries the fresh version");
    assert_eq!(w.observe(&number).await, "in_progress/-");

    // With the fresh version it goes through; with htmx the ticket comes back in place.
    let fresh = page.attr("input[name=version]", "value").expect("version");
    let res = w.owner.htmx_post(&path, &[("reason", "by_mistake"), ("text", "点错了"), ("version", &fresh)]).await;
    let page = to_page(res).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.first("#ticket-main .withdrawal-pending").is_some());
    assert_eq!(w.observe(&number).await, "in_progress/with_assignee");
}

#[actix_web::test]
async fn a_request_goes_through_dispute_and_approval_and_everyone_sees_what_they_should() {
    let w = World::new().await;
    // A second supervisor, to see that every supervisor is told.
    let _second = Person::new(&w.app, Role::Supervisor, "boss2@example.com", "刘主管").await;
    let number = w.ticket("in_progress", false).await;
    let path = format!("/tickets/{number}");

    // The customer asks: the assignee hears of it.
    let mark = w.last_notice().await;
    let fields = [("reason", "other"), ("text", "已找别家修好"), ("channel", "")];
    assert_eq!(w.owner.post(&format!("{path}/withdraw"), &fields).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(w.notices_since(mark).await, vec!["张工 withdrawal_requested"]);
    assert_eq!(w.events(&number, "withdrawal_requested").await, 1);

    // Everyone concerned sees the pending request; the right people see the right buttons.
    let page = w.owner.page(&path).await;
    assert!(page.first(".withdrawal-holder").unwrap_or_default().contains("等待 张工 答复"));
    assert!(page.first(".withdrawal-reason").unwrap_or_default().contains("其他 — 已找别家修好"));
    assert!(page.first(".withdrawal-due").is_some());
    assert!(page.select(".withdrawal-pending button").iter().any(|b| b.contains("取消我的申请")));
    assert!(!page.contains("同意：撤销工单") && !page.contains("批准：撤销工单"));
    let page = w.assignee.page(&path).await;
    assert!(page.contains("同意：撤销工单") && page.contains("提出异议") && !page.contains("批准：撤销工单"));
    assert!(!page.contains("取消我的申请"));
    let page = w.other_agent.page(&path).await;
    assert!(page.first(".withdrawal-pending").is_some(), "staff see it");
    assert!(!page.contains("同意：撤销工单") && !page.contains("提出异议"), "not the assignee");
    let page = w.supervisor.page(&path).await;
    assert!(page.contains("批准：撤销工单") && page.contains("驳回：工单继续处理"));
    let request = page.attr(".withdrawal-pending input[name=request]", "value").expect("request id");

    // A dispute needs a reason and words; the typed words come back.
    let dispute = format!("{path}/withdrawal/dispute");
    let fields = [("request", request.as_str()), ("dispute_reason", ""), ("text", "已上门两次 SECRET")];
    let page = to_page(w.assignee.post(&dispute, &fields).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-withdrawal_dispute-dispute_reason").is_some());
    assert_eq!(page.first("#f-withdrawal_dispute-text").as_deref(), Some("已上门两次 SECRET"));
    assert!(page.attr("details.withdrawal-step[open]", "class").is_some());

    let mark = w.last_notice().await;
    let fields = [("request", request.as_str()), ("dispute_reason", "parts_shipped"), ("text", "配件已发出 SECRET")];
    assert_eq!(w.assignee.post(&dispute, &fields).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(w.observe(&number).await, "in_progress/with_supervisors");
    assert_eq!(
        w.notices_since(mark).await,
        vec!["刘主管 withdrawal_to_decide", "王芳 withdrawal_referred", "陈主管 withdrawal_to_decide"]
    );
    assert_eq!(
        w.app.count("SELECT count(*) FROM ticket_events WHERE kind = 'withdrawal_disputed' AND internal").await,
        1
    );

    // The dispute is for staff only.
    let customer_page = w.owner.page(&path).await;
    assert!(!customer_page.contains("SECRET") && !customer_page.contains("配件已发出"), "no dispute for the customer");
    assert!(customer_page.first(".withdrawal-referral").unwrap_or_default().contains("处理人有异议"));
    let staff_page = w.supervisor.page(&path).await;
    assert!(staff_page.first(".withdrawal-dispute").unwrap_or_default().contains("配件已发出 SECRET"));
    assert!(!w.assignee.page(&path).await.contains("同意：撤销工单"), "now the supervisors decide");

    // An agent cannot approve; a supervisor approves with a note the customer reads.
    let approve = format!("{path}/withdrawal/approve");
    let fields = [("request", request.as_str()), ("text", "同意撤单，配件请退回")];
    assert_eq!(w.assignee.post(&approve, &fields).await.status(), StatusCode::FORBIDDEN);
    let mark = w.last_notice().await;
    assert_eq!(w.supervisor.post(&approve, &fields).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(w.observe(&number).await, "withdrawn/approved");
    assert_eq!(w.notices_since(mark).await, vec!["张工 withdrawn", "王芳 withdrawn"], "not the supervisor who decided");
    assert_eq!(w.events(&number, "withdrawal_approved").await, 1);
    assert_eq!(
        w.app
            .count(&format!(
                "SELECT count(*) FROM withdrawals w JOIN tickets t ON t.id = w.ticket_id WHERE t.number = '{number}' \
                 AND w.decided_by = {} AND w.state_at_request = 'in_progress' AND w.state_at_decision = 'in_progress' \
                 AND w.decided_at IS NOT NULL AND t.withdrawal_id IS NULL AND t.withdrawn_at IS NOT NULL",
                w.supervisor.id
            ))
            .await,
        1,
        "the record keeps who decided, the states and the times"
    );

    let page = w.owner.page(&path).await;
    assert!(page.first(".withdrawal-note").unwrap_or_default().contains("同意撤单，配件请退回"));
    assert!(page.first(".withdrawal-entry").unwrap_or_default().contains("服务主管已批准"));
    assert!(!page.contains("SECRET"), "nor in the history");
    assert!(w.other_agent.page(&path).await.contains("配件已发出 SECRET"), "staff keep seeing it");
    assert_eq!(w.other_customer.page(&path).await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn each_step_is_logged_and_told_to_the_people_concerned() {
    let w = World::new().await;

    // Staff withdraw an assigned ticket for a customer who phoned: customer and assignee hear of it.
    let number = w.ticket("assigned", false).await;
    let mark = w.last_notice().await;
    assert_eq!(withdraw(&w.other_agent, &number).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(w.notices_since(mark).await, vec!["张工 withdrawn", "王芳 withdrawn"]);
    assert_eq!(w.events(&number, "withdrawn").await, 1);
    let via = format!(
        "SELECT count(*) FROM withdrawals w JOIN tickets t ON t.id = w.ticket_id WHERE t.number = '{number}' \
         AND w.requested_via = 'phone' AND w.requested_by = {} AND w.status = 'immediate'",
        w.other_agent.id
    );
    assert_eq!(w.app.count(&via).await, 1, "the channel the customer used");
    // The assignee withdrawing themselves is not told.
    let number = w.ticket("assigned", false).await;
    let mark = w.last_notice().await;
    withdraw(&w.assignee, &number).await;
    assert_eq!(w.notices_since(mark).await, vec!["王芳 withdrawn"]);

    // Accepting: the customer hears.
    let number = w.ticket("in_progress", true).await;
    let mark = w.last_notice().await;
    assert_eq!(w.step(&w.assignee, &number, "accept", "").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(w.notices_since(mark).await, vec!["王芳 withdrawn"]);
    assert_eq!(w.events(&number, "withdrawal_accepted").await, 1);

    // Cancelling: the assignee hears (and the supervisors, once they had it).
    let number = w.ticket("in_progress", true).await;
    let mark = w.last_notice().await;
    assert_eq!(w.step(&w.owner, &number, "cancel", "").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(w.notices_since(mark).await, vec!["张工 withdrawal_cancelled"]);
    assert_eq!(w.events(&number, "withdrawal_cancelled").await, 1);
    let number = w.ticket("resolved", false).await;
    let mark = w.last_notice().await;
    withdraw(&w.owner, &number).await;
    assert_eq!(w.notices_since(mark).await, vec!["张工 withdrawal_to_decide", "陈主管 withdrawal_to_decide"]);
    let mark = w.last_notice().await;
    w.step(&w.owner, &number, "cancel", "").await;
    assert_eq!(w.notices_since(mark).await, vec!["张工 withdrawal_cancelled", "陈主管 withdrawal_cancelled"]);

    // Rejecting needs a note; the customer and the assignee hear; the ticket goes on.
    let number = w.ticket("awaiting_customer", true).await;
    let page = to_page(w.step(&w.supervisor, &number, "reject", " ").await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-withdrawal_reject-text").is_some());
    let mark = w.last_notice().await;
    assert_eq!(w.step(&w.supervisor, &number, "reject", "维修已完成大半").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(w.observe(&number).await, "awaiting_customer/rejected");
    assert_eq!(w.notices_since(mark).await, vec!["张工 withdrawal_rejected", "王芳 withdrawal_rejected"]);
    assert_eq!(w.events(&number, "withdrawal_rejected").await, 1);
    let page = w.owner.page(&format!("/tickets/{number}")).await;
    assert!(page.first(".withdrawal-note").unwrap_or_default().contains("维修已完成大半"));
    assert!(page.first("a[href$='/withdraw']").is_some(), "the customer may ask again");
}

#[actix_web::test]
async fn two_supervisors_deciding_at_once_leave_exactly_one_decision() {
    let w = World::new().await;
    let other = Person::new(&w.app, Role::Supervisor, "boss2@example.com", "刘主管").await;
    for (first, second) in [("approve", "approve"), ("approve", "reject"), ("reject", "approve")] {
        let number = w.ticket("resolved", true).await;
        let (a, b) = tokio::join!(
            w.step(&w.supervisor, &number, first, "第一位主管"),
            w.step(&other, &number, second, "第二位主管")
        );
        let (a, b) = (to_page(a).await, to_page(b).await);
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::CONFLICT], "{first}/{second}");
        let loser = if a.status == StatusCode::CONFLICT { &a } else { &b };
        assert!(loser.first(".alert-error").unwrap_or_default().contains("已被取消或已有决定"), "{}", loser.text);
        let decided = format!(
            "SELECT count(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.number = '{number}' \
             AND e.kind IN ('withdrawal_approved', 'withdrawal_rejected')"
        );
        assert_eq!(w.app.count(&decided).await, 1, "{first}/{second}: one decision in the log");
        let status = w.observe(&number).await;
        assert!(["withdrawn/approved", "resolved/rejected"].contains(&status.as_str()), "{status}");
    }
}

#[actix_web::test]
async fn answering_a_request_that_was_cancelled_meanwhile_changes_nothing() {
    let w = World::new().await;
    let number = w.ticket("in_progress", true).await;
    let request = w.request_id(&number).await;
    assert_eq!(w.step(&w.owner, &number, "cancel", "").await.status(), StatusCode::SEE_OTHER);
    let events = w.app.count("SELECT count(*) FROM ticket_events").await;
    let notices = w.last_notice().await;
    for (who, step) in [(&w.assignee, "accept"), (&w.assignee, "dispute"), (&w.supervisor, "approve")] {
        let fields = [("request", request.as_str()), ("text", "晚了一步"), ("dispute_reason", "work_done")];
        let page = to_page(who.post(&format!("/tickets/{number}/withdrawal/{step}"), &fields).await).await;
        assert_eq!(page.status, StatusCode::CONFLICT, "{step}");
        assert!(page.first(".alert-error").unwrap_or_default().contains("已被取消或已有决定"), "{step}");
        assert!(page.first("#ticket-main").is_some(), "{step}: the current ticket is shown");
    }
    // A new request since does not make the old form act on it.
    withdraw(&w.owner, &number).await;
    let fields = [("request", request.as_str()), ("text", "")];
    let res = w.assignee.post(&format!("/tickets/{number}/withdrawal/accept"), &fields).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(w.observe(&number).await, "in_progress/with_assignee");
    assert_eq!(w.app.count("SELECT count(*) FROM ticket_events").await, events + 1, "only the new request");
    assert_eq!(w.notices_since(notices).await, vec!["张工 withdrawal_requested"]);
}

#[actix_web::test]
async fn a_ticket_resolved_while_a_request_waits_goes_to_the_supervisors() {
    let w = World::new().await;
    let number = w.ticket("in_progress", true).await;
    let mark = w.last_notice().await;
    let fields = [("text", "已修好"), ("cause", "parts")];
    let res = w.assignee.post(&format!("/tickets/{number}/act/resolve"), &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(w.observe(&number).await, "resolved/with_supervisors");
    assert_eq!(
        w.notices_since(mark).await,
        vec!["王芳 resolved", "王芳 withdrawal_referred", "陈主管 withdrawal_to_decide"],
        "the customer hears of the solution too"
    );
    assert_eq!(w.events(&number, "withdrawal_referred").await, 1);

    let page = to_page(w.step(&w.assignee, &number, "accept", "").await).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.first(".alert-error").unwrap_or_default().contains("由服务主管决定"));
    assert_eq!(w.observe(&number).await, "resolved/with_supervisors");
    let page = w.owner.page(&format!("/tickets/{number}")).await;
    assert!(page.first(".withdrawal-holder").unwrap_or_default().contains("等待服务主管审批"));
    assert!(page.first(".withdrawal-referral").unwrap_or_default().contains("工单已处理后提出"));

    // Auto-close leaves it to the supervisor; a resolved ticket without a request closes.
    let plain = w.ticket("resolved", false).await;
    let sweep = AutoClose::new(7).sweep(&w.app.pool, Utc::now() + Duration::days(8)).await.expect("sweep");
    assert_eq!(sweep.closed, 1);
    assert_eq!(w.observe(&number).await, "resolved/with_supervisors");
    assert_eq!(w.observe(&plain).await, "closed/-");
}

#[actix_web::test]
async fn an_unanswered_request_escalates_once_even_with_two_sweeps() {
    let w = World::new().await;
    let number = w.ticket("in_progress", true).await;
    let sweep = Escalation::new(Policy::default());
    let (found, escalated) = sweep.sweep(&w.app.pool, Utc::now() + Duration::hours(3)).await.expect("sweep");
    assert_eq!((found, escalated), (0, 0), "not due yet");

    let mark = w.last_notice().await;
    let later = Utc::now() + Duration::hours(5);
    let (a, b) = tokio::join!(sweep.sweep(&w.app.pool, later), sweep.sweep(&w.app.pool, later));
    assert_eq!(a.expect("first").1 + b.expect("second").1, 1, "escalated exactly once");
    assert_eq!(w.observe(&number).await, "in_progress/with_supervisors");
    assert_eq!(w.events(&number, "withdrawal_escalated").await, 1);
    let referral = format!(
        "SELECT count(*) FROM withdrawals w JOIN tickets t ON t.id = w.ticket_id WHERE t.number = '{number}' \
         AND w.referral = 'escalated' AND w.answer_due_at > now() + interval '8 hours'"
    );
    assert_eq!(w.app.count(&referral).await, 1, "the supervisors get their own time to answer");
    assert_eq!(
        w.notices_since(mark).await,
        vec!["张工 withdrawal_escalated", "王芳 withdrawal_referred", "陈主管 withdrawal_to_decide"]
    );
    assert_eq!(sweep.sweep(&w.app.pool, later).await.expect("again"), (0, 0));
    let page = w.assignee.page(&format!("/tickets/{number}")).await;
    assert!(page.first(".withdrawal-referral").unwrap_or_default().contains("超时未答复"));
    assert!(!page.contains("同意：撤销工单"), "too late for the assignee");
}

#[actix_web::test]
async fn the_customer_answers_the_withdrawal_question_once() {
    let w = World::new().await;
    let number = w.ticket("withdrawn", false).await;
    let path = format!("/tickets/{number}");
    let feedback = format!("{path}/withdrawal/feedback");
    let page = w.owner.page(&path).await;
    assert!(page.first("#h-withdrawal-feedback").is_some(), "asked after the withdrawal");
    assert!(page.first("#h-survey").is_none(), "apart from the service survey");
    assert!(w.assignee.page(&path).await.first("#h-withdrawal-feedback").is_none(), "only the customer");

    let page = to_page(w.owner.post(&feedback, &[("answer", ""), ("comment", "说明")]).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-withdrawal_feedback-answer").is_some());
    assert_eq!(page.first("#f-withdrawal_feedback-comment").as_deref(), Some("说明"));
    assert_eq!(w.assignee.post(&feedback, &[("answer", "satisfied")]).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(w.other_customer.post(&feedback, &[("answer", "satisfied")]).await.status(), StatusCode::NOT_FOUND);

    let res = w.owner.post(&feedback, &[("answer", "neutral"), ("comment", "流程有点慢")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for viewer in [&w.owner, &w.assignee] {
        let page = viewer.page(&path).await;
        let given = page.first(".withdrawal-feedback-given").unwrap_or_default();
        assert!(given.contains("一般") && given.contains("流程有点慢"), "{given}");
        assert!(page.first("#h-withdrawal-feedback").is_none());
    }
    let page = to_page(w.owner.post(&feedback, &[("answer", "unsatisfied")]).await).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.first(".alert-error").unwrap_or_default().contains("您已经回答过了"));
    assert_eq!(w.app.count("SELECT count(*) FROM withdrawals WHERE feedback = 'neutral'").await, 1);
    assert_eq!(w.events(&number, "withdrawal_feedback").await, 1);

    let open = w.ticket("in_progress", false).await;
    let res = w.owner.post(&format!("/tickets/{open}/withdrawal/feedback"), &[("answer", "satisfied")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "not before a withdrawal");
}

#[actix_web::test]
async fn staff_see_a_customer_who_withdraws_often() {
    let w = World::new().await;
    let flag = |page: &Page| page.first(".withdrawal-frequent");
    let frequent = Person::new(&w.app, Role::Customer, "often@example.com", "周先生").await;
    for _ in 0..2 {
        w.ticket_for(&frequent, "withdrawn", false, "repair").await;
    }
    let open = w.ticket_for(&frequent, "assigned", false, "repair").await;
    let path = format!("/tickets/{open}");
    assert_eq!(flag(&w.assignee.page(&path).await), None, "two are not many");

    w.ticket_for(&frequent, "withdrawn", false, "repair").await;
    let page = w.assignee.page(&path).await;
    assert!(flag(&page).unwrap_or_default().contains("最近 90 天内撤销了 3 个工单"), "{:?}", flag(&page));
    assert!(page.first("a[href$='/withdraw']").is_some(), "not blocked");
    assert_eq!(flag(&frequent.page(&path).await), None, "for staff only");
    assert_eq!(flag(&w.assignee.page(&format!("/tickets/{}", w.ticket("assigned", false).await)).await), None);

    // Older than 90 days no longer counts.
    exec(
        &w.app,
        &format!(
            "UPDATE withdrawals SET decided_at = now() - interval '91 days' WHERE id = \
             (SELECT min(id) FROM withdrawals WHERE customer_id = {})",
            frequent.id
        ),
    )
    .await;
    assert_eq!(flag(&w.assignee.page(&path).await), None);
}

#[actix_web::test]
async fn steps_answer_htmx_with_the_ticket_in_place() {
    let w = World::new().await;
    let number = w.ticket("in_progress", true).await;
    let request = w.request_id(&number).await;
    let fields = [("request", request.as_str()), ("text", "")];
    let res = w.assignee.htmx_post(&format!("/tickets/{number}/withdrawal/accept"), &fields).await;
    let page = to_page(res).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.first("#ticket-main").is_some() && page.first("title").is_none());
    assert!(page.first(".withdrawal-entry").unwrap_or_default().contains("处理人已同意"));
    assert_eq!(w.observe(&number).await, "withdrawn/accepted");
    let res = w.assignee.post(&format!("/tickets/{number}/withdrawal/teleport"), &fields).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = w.app.browser().post(&format!("/tickets/{number}/withdrawal/accept"), &fields).await;
    assert!(location(&res).starts_with("/login"), "anonymous: sign in first");
}

#[actix_web::test]
async fn a_request_ends_when_the_customer_closes_the_ticket_another_way() {
    let w = World::new().await;
    let number = w.ticket("resolved", true).await;
    let res = w.owner.post(&format!("/tickets/{number}/act/confirm"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(w.observe(&number).await, "closed/lapsed");
    assert_eq!(w.events(&number, "withdrawal_lapsed").await, 1);
    let page = w.supervisor.page(&format!("/tickets/{number}")).await;
    assert!(page.first(".withdrawal-pending").is_none());
    assert!(page.first(".withdrawal-entry").unwrap_or_default().contains("已终止：工单已关闭"));
    assert_eq!(w.step(&w.supervisor, &number, "approve", "").await.status(), StatusCode::CONFLICT);
}
