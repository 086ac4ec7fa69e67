//! Assignment rules, staff availability and intake for others, through HTTP
//! on a real PostgreSQL.

use crate::helpers::*;
use aftersales::domain::account_form::AccountDraft;
use aftersales::domain::workflow::Action;
use aftersales::domain::{Role, UserId};
use aftersales::services::SessionUser;
use aftersales::services::tickets::{self as ticket_service, By, Change};
use diesel_async::AsyncConnection;
use reqwest::StatusCode;

/// An agent with these skills and region (no sign-in needed: rules pick them).
async fn agent(app: &TestApp, email: &str, skills: &[&str], region: Option<&str>) -> UserId {
    account(app, Role::Agent, email, None, skills, region).await
}

async fn account(
    app: &TestApp,
    role: Role,
    email: &str,
    phone: Option<&str>,
    skills: &[&str],
    region: Option<&str>,
) -> UserId {
    let draft = AccountDraft {
        role,
        name: format!("{} {}", role.code(), email.split('@').next().unwrap_or("x")),
        phone: phone.map(str::to_owned),
        email: Some(email.into()),
        company: None,
        region: region.map(str::to_owned),
        skills: skills.iter().map(|s| (*s).to_owned()).collect(),
        password: PASSWORD.into(),
    };
    aftersales::services::accounts::create(&app.pool, draft).await.expect("create account").id
}

async fn set_rule(supervisor: &Browser, rule: &str) {
    let res = supervisor.post("/settings/assignment", &[("rule", rule)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "set rule {rule}");
}

/// The assignee's id, or 0 when the ticket has none.
async fn assignee(app: &TestApp, number: &str) -> i64 {
    app.count(&format!("SELECT coalesce(assignee_id, 0) FROM tickets WHERE number = '{number}'")).await
}

async fn events(app: &TestApp, number: &str, kind: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id \
         WHERE t.number = '{number}' AND e.kind = '{kind}'"
    ))
    .await
}

async fn rule_in_db(app: &TestApp) -> i64 {
    // As a number, so `count` can read it: the position in the list below.
    app.count(
        "SELECT array_position(ARRAY['manual','skill','region','workload','round_robin'], rule) FROM assignment_settings",
    )
    .await
}

#[actix_web::test]
async fn each_rule_picks_the_agent_it_should() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let repair = agent(&app, "repair@example.com", &["fault_repair"], Some("北京")).await;
    let complaints = agent(&app, "complaints@example.com", &["complaint"], Some("上海")).await;
    let canton = agent(&app, "canton@example.com", &[], Some("广州")).await;

    // Manual (the default): nobody is assigned; the ticket waits in the queue.
    let waiting = customer.file_ticket(&ticket_form("手动", &[])).await;
    assert_eq!(assignee(&app, &waiting).await, 0);
    assert_eq!(events(&app, &waiting, "auto_assigned").await, 0);
    let page = customer.page(&format!("/tickets/{waiting}")).await;
    assert_eq!(page.first(".badge.state-submitted").as_deref(), Some("待受理"));

    set_rule(&boss, "skill").await;
    let fault = customer.file_ticket(&ticket_form("按技能 维修", &[("region", "上海")])).await;
    assert_eq!(assignee(&app, &fault).await, repair.0, "skill beats region");
    let complaint = customer.file_ticket(&ticket_form("按技能 投诉", &[("ticket_type", "complaint")])).await;
    assert_eq!(assignee(&app, &complaint).await, complaints.0);
    // Nobody handles consultations: the least loaded available agent gets it.
    let question = customer.file_ticket(&ticket_form("按技能 咨询", &[("ticket_type", "consultation")])).await;
    assert_eq!(assignee(&app, &question).await, canton.0, "fallback to workload");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.number = '{question}' \
             AND e.kind = 'auto_assigned' AND e.actor_id IS NULL AND e.from_state = 'submitted' \
             AND e.to_state = 'assigned' AND e.data->>'rule' = 'skill' AND (e.data->>'fallback')::boolean \
             AND e.data->>'assignee_name' = 'agent canton'"
        ))
        .await,
        1
    );

    // What the customer sees: assigned, to whom, and by which rule.
    let page = customer.page(&format!("/tickets/{fault}")).await;
    assert_eq!(page.first(".badge.state-assigned").as_deref(), Some("已分配"));
    assert!(page.contains("agent repair"));
    let event = page.select(".event-auto_assigned").join(" ");
    assert!(event.contains("系统") && event.contains("自动分派了工单"), "{event}");
    assert_eq!(page.first(".assignment-note").as_deref(), Some("按「按技能」分派给 agent repair"));
    let page = customer.page(&format!("/tickets/{question}")).await;
    assert!(page.first(".assignment-note").unwrap_or_default().contains("按工作量分派给 agent canton"));

    // Open tickets now: repair 1, complaints 1, canton 1.
    set_rule(&boss, "region").await;
    let north = customer.file_ticket(&ticket_form("按区域 北京", &[("region", "北京")])).await;
    assert_eq!(assignee(&app, &north).await, repair.0);
    let south =
        customer.file_ticket(&ticket_form("按区域 广州", &[("region", "广州"), ("ticket_type", "complaint")])).await;
    assert_eq!(assignee(&app, &south).await, canton.0, "region beats skill");
    let nowhere = customer.file_ticket(&ticket_form("按区域 深圳", &[("region", "深圳")])).await;
    assert_eq!(assignee(&app, &nowhere).await, complaints.0, "fallback: complaints has the fewest (1)");

    // Open tickets now: 2 each. Ties go to the lowest id.
    set_rule(&boss, "workload").await;
    let next = customer.file_ticket(&ticket_form("按工作量", &[])).await;
    assert_eq!(assignee(&app, &next).await, repair.0);
    let after = customer.file_ticket(&ticket_form("按工作量 2", &[])).await;
    assert_eq!(assignee(&app, &after).await, complaints.0);

    // Back to manual: nothing is assigned any more.
    set_rule(&boss, "manual").await;
    let last = customer.file_ticket(&ticket_form("又是手动", &[])).await;
    assert_eq!(assignee(&app, &last).await, 0);
    assert_eq!(app.count("SELECT count(*) FROM ticket_events WHERE kind = 'auto_assigned'").await, 8);
}

#[actix_web::test]
async fn workload_counts_only_open_tickets() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let busy = agent(&app, "busy@example.com", &[], None).await;
    let other = agent(&app, "other@example.com", &[], None).await;
    set_rule(&boss, "workload").await;
    let first = customer.file_ticket(&ticket_form("一", &[])).await;
    assert_eq!(assignee(&app, &first).await, busy.0);
    // Withdrawn, it no longer counts: "busy" is the least loaded again (tie → lower id).
    let path = format!("/tickets/{first}");
    let me = SessionUser {
        id: UserId(app.count("SELECT id FROM users WHERE email = 'c@example.com'").await),
        role: Role::Customer,
        name: "c".into(),
    };
    let mut conn = app.pool.get().await.unwrap();
    conn.transaction::<_, aftersales::error::AppError, _>(async |conn| {
        ticket_service::apply(conn, &first, By::Person(&me), Change::new(Action::Withdraw), chrono::Utc::now()).await
    })
    .await
    .expect("withdraw");
    drop(conn);
    assert_eq!(customer.page(&path).await.first(".badge.state-withdrawn").as_deref(), Some("已撤销"));
    let second = customer.file_ticket(&ticket_form("二", &[])).await;
    assert_eq!(assignee(&app, &second).await, busy.0);
    let third = customer.file_ticket(&ticket_form("三", &[])).await;
    assert_eq!(assignee(&app, &third).await, other.0);
}

#[actix_web::test]
async fn round_robin_takes_turns_across_filings_and_keeps_its_cursor_in_the_database() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let a = agent(&app, "a@example.com", &["fault_repair"], None).await;
    let b = agent(&app, "b@example.com", &[], None).await;
    let c = agent(&app, "c2@example.com", &[], None).await;
    set_rule(&boss, "round_robin").await;
    let mut got = Vec::new();
    for i in 0..5 {
        let number = customer.file_ticket(&ticket_form(&format!("轮流 {i}"), &[])).await;
        got.push(assignee(&app, &number).await);
    }
    assert_eq!(got, [a.0, b.0, c.0, a.0, b.0], "skills and workload don't matter");
    assert_eq!(app.count("SELECT last_agent_id FROM assignment_settings").await, b.0);

    // Filed at once (as from several app instances): still one turn each.
    let titles: Vec<String> = (0..9).map(|i| format!("并发轮流 {i}")).collect();
    let filings = titles.iter().map(|title| {
        let customer = customer.clone();
        async move { customer.file_ticket(&ticket_form(title, &[])).await }
    });
    futures_util::future::join_all(filings).await;
    for agent in [a, b, c] {
        assert_eq!(
            app.count(&format!("SELECT count(*) FROM tickets WHERE assignee_id = {agent} AND title LIKE '并发%'"))
                .await,
            3,
            "agent {agent}"
        );
    }
}

#[actix_web::test]
async fn unavailable_agents_are_never_picked() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let idle = agent(&app, "idle@example.com", &["fault_repair"], Some("上海")).await;
    let other = agent(&app, "other@example.com", &[], Some("北京")).await;
    let away = format!("/staff/{idle}/availability");
    assert_eq!(boss.post(&away, &[("available", "false")]).await.status(), StatusCode::SEE_OTHER);
    for rule in ["skill", "region", "workload", "round_robin"] {
        set_rule(&boss, rule).await;
        for i in 0..2 {
            let number = customer.file_ticket(&ticket_form(&format!("{rule} {i}"), &[("region", "上海")])).await;
            assert_eq!(assignee(&app, &number).await, other.0, "{rule}: the idle expert is away");
        }
    }
    // Nobody available: the ticket stays submitted, under every rule.
    let gone = format!("/staff/{other}/availability");
    assert_eq!(boss.post(&gone, &[("available", "false")]).await.status(), StatusCode::SEE_OTHER);
    for rule in ["skill", "region", "workload", "round_robin"] {
        set_rule(&boss, rule).await;
        let number = customer.file_ticket(&ticket_form(&format!("{rule} nobody"), &[])).await;
        assert_eq!(assignee(&app, &number).await, 0, "{rule}");
        assert_eq!(
            customer.page(&format!("/tickets/{number}")).await.first(".badge.state-submitted").as_deref(),
            Some("待受理")
        );
    }
    // Back from leave: picked again.
    assert_eq!(boss.post(&away, &[("available", "true")]).await.status(), StatusCode::SEE_OTHER);
    set_rule(&boss, "skill").await;
    let number = customer.file_ticket(&ticket_form("回来了", &[])).await;
    assert_eq!(assignee(&app, &number).await, idle.0);
}

/// Files `n` tickets that `agent` takes (rule manual), returning their numbers.
async fn taken_by(customer: &Browser, agent: &Browser, prefix: &str, n: usize) -> Vec<String> {
    let mut numbers = Vec::new();
    for i in 0..n {
        let number = customer.file_ticket(&ticket_form(&format!("{prefix} {i}"), &[])).await;
        assert_eq!(agent.post(&format!("/tickets/{number}/take"), &[]).await.status(), StatusCode::SEE_OTHER);
        numbers.push(number);
    }
    numbers
}

#[actix_web::test]
async fn marking_an_agent_unavailable_reassigns_their_open_tickets_with_events() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let leaving = app.signed_in(Role::Agent, "leaving@example.com").await;
    let leaving_id = UserId(app.count("SELECT id FROM users WHERE email = 'leaving@example.com'").await);
    let held = taken_by(&customer, &leaving, "请假前", 4).await;
    // One of them is finished: it stays with the agent who did it.
    let me = SessionUser { id: leaving_id, role: Role::Agent, name: "agent leaving".into() };
    let cust = SessionUser {
        id: UserId(app.count("SELECT id FROM users WHERE email = 'c@example.com'").await),
        role: Role::Customer,
        name: "customer c".into(),
    };
    let done = held[3].clone();
    let mut conn = app.pool.get().await.unwrap();
    conn.transaction::<_, aftersales::error::AppError, _>(async |conn| {
        let now = chrono::Utc::now();
        ticket_service::apply(conn, &done, By::Person(&me), Change::new(Action::Start), now).await?;
        ticket_service::apply(conn, &done, By::Person(&me), Change::new(Action::Resolve).text("换了"), now).await?;
        ticket_service::apply(conn, &done, By::Person(&cust), Change::new(Action::Confirm), now).await
    })
    .await
    .expect("close one");
    // Another is in progress: reassigning keeps its state.
    let working = held[0].clone();
    conn.transaction::<_, aftersales::error::AppError, _>(async |conn| {
        ticket_service::apply(conn, &working, By::Person(&me), Change::new(Action::Start), chrono::Utc::now()).await
    })
    .await
    .expect("start one");
    drop(conn);

    let x = agent(&app, "x@example.com", &[], None).await;
    let y = agent(&app, "y@example.com", &[], None).await;
    // A new ticket goes to x (a tie at 0 goes to the lower id): x holds 1, y none.
    set_rule(&boss, "workload").await;
    let xs = customer.file_ticket(&ticket_form("x 的", &[])).await;
    assert_eq!(assignee(&app, &xs).await, x.0);

    let page = boss.page("/staff").await;
    let names = page.select("#staff-table tbody tr td:first-child");
    let open = page.select("#staff-table tbody tr td.num");
    let counts: Vec<(&str, &str)> = names.iter().map(String::as_str).zip(open.iter().map(String::as_str)).collect();
    assert!(counts.contains(&("agent leaving", "3")) && counts.contains(&("agent x", "1")), "{counts:?}");
    let row = page.select("#staff-table tbody tr").into_iter().find(|r| r.contains("agent leaving")).unwrap();
    assert!(row.contains("可用") && row.contains("标记为不可用"), "{row}");
    let res = boss.post(&format!("/staff/{leaving_id}/availability"), &[("available", "false")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/staff");

    let moved: Vec<i64> = futures_util::future::join_all(held[..3].iter().map(|n| assignee(&app, n))).await;
    // Most urgent, then oldest first: y (0) takes the first, then x and y tie at 1 → x, then y.
    assert_eq!(moved, [y.0, x.0, y.0]);
    assert_eq!(assignee(&app, &done).await, leaving_id.0, "the closed ticket stays");
    assert_eq!(app.count("SELECT count(*) FROM users WHERE email = 'leaving@example.com' AND NOT available").await, 1);
    let boss_id = app.count("SELECT id FROM users WHERE email = 'boss@example.com'").await;
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM ticket_events WHERE kind = 'reassigned' AND actor_id = {boss_id} \
             AND data->>'reason' = 'agent_unavailable' AND (data->>'from_assignee_id')::bigint = {leaving_id} \
             AND data->>'rule' = 'workload' AND data ? 'assignee_name'"
        ))
        .await,
        3
    );
    assert_eq!(events(&app, &done, "reassigned").await, 0);
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM tickets WHERE number = '{working}' AND state = 'in_progress'")).await,
        1,
        "state kept"
    );
    // The customer sees who has it now and why it moved.
    let page = customer.page(&format!("/tickets/{}", held[1])).await;
    assert!(page.select(".event-reassigned").join(" ").contains("转派了工单"));
    assert_eq!(
        page.first(".event-reassigned .assignment-note").as_deref(),
        Some("agent leaving 暂不可用，转给 agent x（按工作量）")
    );

    let page = boss.page("/staff").await;
    let row = page.select("#staff-table tbody tr").into_iter().find(|r| r.contains("agent leaving")).unwrap();
    assert!(row.contains("不可用") && row.contains("恢复可用"), "{row}");
    assert!(page.select(".stranded").is_empty(), "nothing left behind");

    // Marking them available again only flips the flag.
    let res = boss.post(&format!("/staff/{leaving_id}/availability"), &[("available", "true")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM users WHERE email = 'leaving@example.com' AND available").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM ticket_events WHERE kind = 'reassigned'").await, 3);
    assert_eq!(assignee(&app, &held[0]).await, y.0);
}

#[actix_web::test]
async fn under_manual_or_with_nobody_free_tickets_stay_and_the_staff_page_warns() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let leaving = app.signed_in(Role::Agent, "leaving@example.com").await;
    let leaving_id = app.count("SELECT id FROM users WHERE email = 'leaving@example.com'").await;
    let held = taken_by(&customer, &leaving, "手动", 2).await;
    agent(&app, "x@example.com", &[], None).await;

    // Manual: a supervisor decides; the tickets stay and the staff page says so.
    let res = boss.post(&format!("/staff/{leaving_id}/availability"), &[("available", "false")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for number in &held {
        assert_eq!(assignee(&app, number).await, leaving_id);
    }
    assert_eq!(app.count("SELECT count(*) FROM ticket_events WHERE kind = 'reassigned'").await, 0);
    let page = boss.page("/staff").await;
    let warnings = page.select(".stranded");
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("agent leaving") && warnings[0].contains("2 张未完结工单"), "{warnings:?}");

    // A rule, but nobody else available: same.
    let x = app.count("SELECT id FROM users WHERE email = 'x@example.com'").await;
    assert_eq!(
        boss.post(&format!("/staff/{x}/availability"), &[("available", "false")]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        boss.post(&format!("/staff/{leaving_id}/availability"), &[("available", "true")]).await.status(),
        StatusCode::SEE_OTHER
    );
    set_rule(&boss, "workload").await;
    assert_eq!(
        boss.post(&format!("/staff/{leaving_id}/availability"), &[("available", "false")]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(assignee(&app, &held[0]).await, leaving_id);
    let page = boss.page("/staff").await;
    assert_eq!(page.select(".stranded").len(), 1);
}

#[actix_web::test]
async fn availability_is_for_supervisors_only_and_checks_its_input() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    let agent_browser = app.signed_in(Role::Agent, "a@example.com").await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let target = app.count("SELECT id FROM users WHERE email = 'a@example.com'").await;
    let customer_id = app.count("SELECT id FROM users WHERE email = 'c@example.com'").await;
    let path = format!("/staff/{target}/availability");
    for (who, browser) in [("agent", &agent_browser), ("customer", &customer)] {
        let page = to_page(browser.post(&path, &[("available", "false")]).await).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{who}");
        assert!(page.contains("没有权限"));
    }
    let anonymous = app.browser();
    assert_eq!(anonymous.post(&path, &[("available", "false")]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM users WHERE NOT available").await, 0);

    let page = to_page(boss.post(&path, &[("available", "maybe")]).await).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.contains("可用状态的值无效"));
    assert_eq!(boss.post(&path, &[]).await.status(), StatusCode::BAD_REQUEST);
    // Customers and unknown people aren't staff.
    let res = boss.post(&format!("/staff/{customer_id}/availability"), &[("available", "false")]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        boss.post("/staff/999999/availability", &[("available", "false")]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(boss.post("/staff/abc/availability", &[("available", "false")]).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("SELECT count(*) FROM users WHERE NOT available").await, 0);
}

#[actix_web::test]
async fn supervisors_change_the_rule_on_the_settings_page_and_it_is_logged() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    let agent_browser = app.signed_in(Role::Agent, "a@example.com").await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;

    let page = boss.page("/settings/assignment").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.attr("input[name=rule][checked]", "value").as_deref(), Some("manual"));
    assert_eq!(page.select("input[name=rule]").len(), 5);
    assert!(page.contains("还没有修改过分派规则"));
    assert!(
        boss.page("/settings").await.select(".settings-index a").contains(&"分派规则".to_owned()),
        "listed in settings"
    );

    let res = boss.post("/settings/assignment", &[("rule", "skill")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = boss.page(&location(&res)).await;
    assert!(page.first(".alert-success").is_some());
    assert_eq!(page.attr("input[name=rule][checked]", "value").as_deref(), Some("skill"));
    let log = page.select("#rule-changes tbody tr");
    assert_eq!(log.len(), 1);
    assert!(log[0].contains("supervisor boss") && log[0].contains("手动分派") && log[0].contains("按技能"), "{log:?}");
    // The staff page names the active rule.
    assert_eq!(boss.page("/staff").await.first("#active-rule").as_deref(), Some("按技能"));
    // Saving the same rule again logs nothing.
    assert_eq!(boss.post("/settings/assignment", &[("rule", "skill")]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM assignment_rule_changes").await, 1);

    // Wrong people: refused, nothing changed.
    for (who, browser) in [("agent", &agent_browser), ("customer", &customer)] {
        assert_eq!(browser.get("/settings/assignment").await.status(), StatusCode::FORBIDDEN, "{who}");
        let res = browser.post("/settings/assignment", &[("rule", "workload")]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{who}");
    }
    assert!(!agent_browser.page("/queue").await.select("nav a").contains(&"分派规则".to_owned()));

    // Bad values: the form comes back with a message beside the choice; nothing changed.
    for (value, message) in [("random", "请从列表中选择"), ("", "此项必填"), ("SKILL", "请从列表中选择")]
    {
        let page = to_page(boss.post("/settings/assignment", &[("rule", value)]).await).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{value:?}");
        assert!(page.first("#e-rule").unwrap_or_default().contains(message), "{value:?}");
        assert_eq!(page.attr("#f-rule", "aria-invalid").as_deref(), Some("true"));
    }
    assert_eq!(rule_in_db(&app).await, 2, "still skill");
    assert_eq!(app.count("SELECT count(*) FROM assignment_rule_changes").await, 1);

    // In English too.
    let res = boss.http.get(boss.url("/settings/assignment")).header("Accept-Language", "en").send().await.unwrap();
    let page = to_page(res).await;
    assert!(page.contains("Assignment rules") && page.contains("Round robin"));
}

#[actix_web::test]
async fn the_open_ticket_count_uses_the_partial_index() {
    let app = TestApp::spawn().await;
    let c = account(&app, Role::Customer, "c@example.com", None, &[], None).await;
    let a = agent(&app, "a@example.com", &[], None).await;
    use diesel_async::RunQueryDsl;
    let mut conn = app.pool.get().await.unwrap();
    // Many finished tickets and a few open ones, as after years of work.
    diesel::sql_query(format!(
        "INSERT INTO tickets (number, customer_id, ticket_type, urgency, channel, state, title, description, \
         desired_outcome, product_model, contact_name, assignee_id, search_grams) \
         SELECT 'AS20200101-' || lpad(g::text, 6, '0'), {c}, 'fault_repair', 'normal', 'web', \
         CASE WHEN g % 1000 = 0 THEN 'in_progress' ELSE 'closed' END, 't', 'd', 'repair', 'm', 'n', {a}, '{{}}' \
         FROM generate_series(1, 60000) g"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    diesel::sql_query("ANALYZE tickets").execute(&mut conn).await.unwrap();
    #[derive(diesel::QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
        line: String,
    }
    let sql = aftersales::store::assignment::CANDIDATES_SQL;
    let plan: Vec<Line> = diesel::sql_query(format!("EXPLAIN {sql}")).load(&mut conn).await.unwrap();
    let plan: Vec<String> = plan.into_iter().map(|l| l.line).collect();
    assert!(plan.iter().any(|l| l.contains("tickets_open_assignee_idx")), "{plan:#?}");
    drop(conn);
    let counts = aftersales::store::assignment::candidates(&mut app.pool.get().await.unwrap()).await.unwrap();
    assert_eq!(counts.iter().map(|w| (w.id, w.open_count)).collect::<Vec<_>>(), [(a, 60)]);
}

#[actix_web::test]
async fn an_agent_files_for_an_existing_customer_found_by_phone() {
    let app = TestApp::spawn().await;
    let agent_browser = app.signed_in(Role::Agent, "a@example.com").await;
    let cust = account(&app, Role::Customer, "wang@example.com", Some("13912345678"), &[], Some("杭州")).await;
    let customer = app.browser();
    assert_eq!(customer.login("13912345678", PASSWORD).await.status(), StatusCode::SEE_OTHER);

    assert!(agent_browser.page("/queue").await.select("nav a").contains(&"代客建单".to_owned()));
    // The htmx lookup swaps in the match, already chosen.
    let res = agent_browser
        .http
        .get(agent_browser.url("/intake?q=13912345678"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert!(!body.contains("<html"), "a fragment");
    let fragment = scraper::Html::parse_fragment(&body);
    let radio = scraper::Selector::parse("input[name=customer][checked]").unwrap();
    assert_eq!(fragment.select(&radio).next().and_then(|e| e.value().attr("value")), Some(cust.to_string().as_str()));
    assert!(body.contains("customer wang"));
    // Without htmx: the whole page, contact details filled from the record.
    let page = agent_browser.page("/intake?q=13912345678").await;
    assert_eq!(page.attr("#f-contact_name", "value").as_deref(), Some("customer wang"));
    let miss = to_page(
        agent_browser
            .http
            .get(agent_browser.url("/intake?q=13000000000"))
            .header("HX-Request", "true")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(miss.first("#no-match").unwrap_or_default().contains("13000000000"));
    // Staff accounts are never offered as customers.
    let staff = agent_browser.page("/intake?q=a@example.com").await;
    assert!(staff.first("#no-match").is_some());

    let cust_id = cust.to_string();
    let form = ticket_form(
        "电话报修 热水器",
        &[("customer", &cust_id), ("channel", "phone"), ("contact_name", ""), ("contact_phone", ""), ("region", "")],
    );
    let res = agent_browser.post("/intake", &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text().await.unwrap_or_default());
    let number = location(&res).trim_start_matches("/tickets/").to_owned();

    // The customer sees it in their portal, taken in by phone.
    assert!(customer.page("/portal").await.select("td a").contains(&number));
    let page = customer.page(&format!("/tickets/{number}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("电话"));
    assert!(page.contains("customer wang") && page.contains("13912345678") && page.contains("杭州"), "from the record");
    let filed = page.select(".event-filed").join(" ");
    assert!(filed.contains("agent a") && filed.contains("提交了工单"), "{filed}");
    let agent_id = app.count("SELECT id FROM users WHERE email = 'a@example.com'").await;
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.number = '{number}' \
             AND e.kind = 'filed' AND e.actor_id = {agent_id} AND (e.data->>'on_behalf_of')::bigint = {cust} \
             AND t.customer_id = {cust} AND t.channel = 'phone'"
        ))
        .await,
        1
    );
}

#[actix_web::test]
async fn a_new_customer_record_has_no_login() {
    let app = TestApp::spawn().await;
    let agent_browser = app.signed_in(Role::Agent, "a@example.com").await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    set_rule(&boss, "workload").await;
    let form = ticket_form(
        "门店送修 吸尘器",
        &[("customer", "new"), ("channel", "store"), ("contact_name", "赵六"), ("contact_phone", "13700001111")],
    );
    let res = agent_browser.post("/intake", &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let number = location(&res).trim_start_matches("/tickets/").to_owned();
    assert_eq!(
        app.count(
            "SELECT count(*) FROM users u JOIN tickets t ON t.customer_id = u.id WHERE u.role = 'customer' \
             AND u.name = '赵六' AND u.phone = '13700001111' AND u.password_hash IS NULL AND t.channel = 'store'"
        )
        .await,
        1
    );
    // Filed through the same path as the portal: the rule assigned it (to the only agent).
    assert_eq!(assignee(&app, &number).await, app.count("SELECT id FROM users WHERE email = 'a@example.com'").await);

    // The record can never sign in, whatever the password.
    let stranger = app.browser();
    for password in [PASSWORD, "", "13700001111"] {
        assert_eq!(stranger.login("13700001111", password).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Registering with that phone is refused as existing (for now).
    let res =
        stranger.post("/register", &[("name", "赵六"), ("phone", "13700001111"), ("password", "long-enough-pw")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The lookup finds the record, marked as having no login.
    let page = agent_browser.page("/intake?q=13700001111").await;
    assert!(page.first(".customer-match").unwrap_or_default().contains("无登录账号"));
}

#[actix_web::test]
async fn bad_intake_input_comes_back_with_messages_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let agent_browser = app.signed_in(Role::Agent, "a@example.com").await;
    account(&app, Role::Customer, "taken@example.com", Some("13811112222"), &[], None).await;
    let staff_id = app.count("SELECT id FROM users WHERE email = 'a@example.com'").await.to_string();
    let users_before = app.count("SELECT count(*) FROM users").await;
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec![("customer", "new"), ("channel", "phone"), ("contact_phone", "call me")],
            "contact_phone",
            "有效的电话号码",
        ),
        (vec![("customer", "new"), ("channel", "web")], "channel", "请从列表中选择"),
        (vec![("customer", "new"), ("channel", "")], "channel", "此项必填"),
        (vec![("customer", ""), ("channel", "phone")], "customer", "请先查找客户"),
        (vec![("customer", "999999"), ("channel", "phone")], "customer", "请先查找客户"),
        (vec![("customer", &staff_id), ("channel", "phone")], "customer", "请先查找客户"),
        (
            vec![("customer", "new"), ("channel", "email"), ("contact_phone", "13811112222")],
            "contact_phone",
            "已有客户",
        ),
        (vec![("customer", "new"), ("channel", "email"), ("title", "")], "title", "此项必填"),
    ];
    for (overrides, field, message) in cases {
        let form = ticket_form("电话里说不清", &overrides);
        let page = to_page(agent_browser.post("/intake", &form).await).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {overrides:?}");
        let shown = page.first(&format!("#e-{field}")).unwrap_or_default();
        assert!(shown.contains(message), "{field}: got {shown:?}");
        // What was typed is still there.
        assert_eq!(page.attr("#f-product_model", "value").as_deref(), Some("DW-600 洗碗机"));
        assert!(page.contains("开机后不进水"));
    }
    assert_eq!(app.count("SELECT count(*) FROM tickets").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM ticket_events").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM users").await, users_before);
}

#[actix_web::test]
async fn customers_cannot_use_intake() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let me = app.count("SELECT id FROM users WHERE email = 'c@example.com'").await.to_string();
    let form = ticket_form("自己给自己代客", &[("customer", &me), ("channel", "phone")]);
    let page = to_page(customer.post("/intake", &form).await).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.contains("没有权限"));
    assert_eq!(customer.get("/intake").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(customer.get("/intake?q=c@example.com").await.status(), StatusCode::FORBIDDEN);
    assert!(!customer.page("/portal").await.select("nav a").contains(&"代客建单".to_owned()));
    let anonymous = app.browser();
    let res = anonymous.post("/intake", &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/login"));
    assert_eq!(app.count("SELECT count(*) FROM tickets").await, 0);
}

#[actix_web::test]
async fn filings_racing_an_agent_going_away_never_leave_a_ticket_with_them() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let going = agent(&app, "going@example.com", &[], None).await;
    let staying = agent(&app, "staying@example.com", &[], None).await;
    for rule in ["round_robin", "workload"] {
        set_rule(&boss, rule).await;
        let path = format!("/staff/{going}/availability");
        assert_eq!(boss.post(&path, &[("available", "true")]).await.status(), StatusCode::SEE_OTHER);
        let titles: Vec<String> = (0..8).map(|i| format!("{rule} 竞争 {i}")).collect();
        let filings = futures_util::future::join_all(titles.iter().map(|title| {
            let customer = customer.clone();
            async move { customer.file_ticket(&ticket_form(title, &[])).await }
        }));
        let away = async {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            boss.post(&path, &[("available", "false")]).await.status()
        };
        let (numbers, status) = futures_util::join!(filings, away);
        assert_eq!(status, StatusCode::SEE_OTHER, "{rule}");
        assert_eq!(numbers.len(), 8);
        assert_eq!(
            app.count(&format!(
                "SELECT count(*) FROM tickets WHERE assignee_id = {going} AND state NOT IN ('closed', 'withdrawn')"
            ))
            .await,
            0,
            "{rule}: every open ticket of the agent who left was handed on"
        );
        assert_eq!(
            app.count(&format!(
                "SELECT count(*) FROM tickets WHERE title LIKE '{rule} 竞争%' AND assignee_id = {staying}"
            ))
            .await,
            8,
            "{rule}"
        );
    }
}
