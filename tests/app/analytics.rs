//! 数据分析: the supervisors' dashboard. A hand-built fixture with the awkward cases (reopened twice, withdrawn
//! before assignment and after a dispute, paused while awaiting the customer, a breached SLA, no survey, tickets
//! across the period's edges) moved through the real services and pages, its times then set by SQL; every metric
//! is checked to the exact value, after folding the deltas and after a full rebuild alike.

use crate::helpers::*;
use aftersales::db::Pool;
use aftersales::domain::analytics::{DashboardFilter, FilterInput};
use aftersales::domain::table::{Cell, Table};
use aftersales::domain::workflow::Action;
use aftersales::domain::{Role, UserId};
use aftersales::error::AppError;
use aftersales::i18n::Lang;
use aftersales::services::SessionUser;
use aftersales::services::analytics;
use aftersales::services::tickets::{self as ticket_service, By, Change};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncConnection;
use reqwest::StatusCode;

/// The fixture's period: March 2025 in the service zone (Asia/Shanghai).
const PERIOD: &str = "period=custom&from=2025-03-01&to=2025-03-31";

struct World {
    app: TestApp,
    customer: Browser,
    supervisor: Browser,
    a: SessionUser,
    b: SessionUser,
    customer_user: SessionUser,
    /// Ticket numbers, T1…T8 at index 1…8.
    t: Vec<String>,
}

async fn user(app: &TestApp, role: Role, email: &str, name: &str) -> SessionUser {
    let id = app.create_user(role, email, name).await;
    SessionUser { id, role, name: name.into() }
}

async fn step(pool: &Pool, number: &str, who: &SessionUser, action: Action) {
    step_at(pool, number, who, action, Utc::now()).await;
}

/// One workflow step through the one path of every change, at `at`.
async fn step_at(pool: &Pool, number: &str, who: &SessionUser, action: Action, at: DateTime<Utc>) {
    let mut conn = pool.get().await.expect("conn");
    let change = match action {
        Action::Reply => Change::new(action).text("您好，已收到。"),
        Action::Resolve => Change::new(action).text("已更换进水阀。"),
        Action::RejectFix | Action::AddInfo => Change::new(action).text("还是不行"),
        Action::RequestInfo => Change::new(action).text("请提供照片"),
        _ => Change::new(action),
    };
    conn.transaction::<_, AppError, _>(async |conn| {
        ticket_service::apply(conn, number, By::Person(who), change, at).await.map(drop)
    })
    .await
    .unwrap_or_else(|e| panic!("{action:?} on {number}: {e}"));
}

async fn steps(w: &World, number: &str, moves: &[(&SessionUser, Action)]) {
    for (who, action) in moves {
        step(&w.app.pool, number, who, *action).await;
    }
}

/// Sets a ticket's times (Shanghai local, `NULL` to leave one unset) after it went through the services.
async fn times(app: &TestApp, number: &str, columns: &[(&str, &str)]) {
    let set: Vec<String> = columns.iter().map(|(c, v)| format!("{c} = '{v}+08'")).collect();
    app.exec(&format!("UPDATE tickets SET {} WHERE number = '{number}'", set.join(", "))).await;
}

async fn id_of(app: &TestApp, number: &str) -> i64 {
    app.count(&format!("SELECT id FROM tickets WHERE number = '{number}'")).await
}

impl World {
    /// Eight tickets; comments give what each one stands for.
    async fn new() -> World {
        let app = TestApp::spawn().await;
        // Wall-clock targets, so every duration below is exactly what the times say.
        app.exec("UPDATE sla_policies SET business_hours = FALSE").await;
        let customer = app.signed_in(Role::Customer, "c@example.com").await;
        let customer_id = app.count("SELECT id FROM users WHERE email = 'c@example.com'").await;
        let customer_user = SessionUser { id: UserId(customer_id), role: Role::Customer, name: "c".into() };
        let supervisor = app.signed_in(Role::Supervisor, "boss@example.com").await;
        let a = user(&app, Role::Agent, "a@example.com", "张工").await;
        let b = user(&app, Role::Agent, "b@example.com", "李工").await;
        let mut t = vec![String::new()];
        for (title, ticket_type, region) in [
            ("T1 洗碗机漏水", "fault_repair", "上海"),
            ("T2 咨询保修", "consultation", "上海"),
            ("T3 投诉上门太慢", "complaint", "上海"),
            ("T4 冰箱不制冷", "fault_repair", "上海"),
            ("T5 空调异响", "fault_repair", "北京"),
            ("T6 保养预约", "maintenance", "北京"),
            ("T7 退货", "return_exchange", "北京"),
        ] {
            let form = ticket_form(title, &[("ticket_type", ticket_type), ("region", region)]);
            t.push(customer.file_ticket(&form).await);
        }
        let mut w = World { app, customer, supervisor, a, b, customer_user, t };
        w.move_tickets().await;
        w.set_times().await;
        w
    }

    async fn move_tickets(&mut self) {
        let (a, b, c) = (&self.a.clone(), &self.b.clone(), &self.customer_user.clone());
        let t = self.t.clone();
        // T1: reopened twice, then confirmed and rated 5.
        let fix = [(a, Action::Resolve), (c, Action::RejectFix)];
        steps(self, &t[1], &[(a, Action::Take), (a, Action::Start), (a, Action::Reply)]).await;
        steps(self, &t[1], &fix).await;
        steps(self, &t[1], &fix).await;
        steps(self, &t[1], &[(a, Action::Resolve), (c, Action::Confirm)]).await;
        let res = self.customer.post(&format!("/tickets/{}/survey", t[1]), &[("score", "5")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        // T2: withdrawn before anyone was assigned; the 回访 answer is "satisfied".
        let fields = [("reason", "by_mistake"), ("text", ""), ("channel", "")];
        assert_eq!(self.customer.post(&format!("/tickets/{}/withdraw", t[2]), &fields).await.status(), 303);
        self.feedback(&t[2], "satisfied").await;
        // T3: in progress, the customer asks to withdraw, the assignee disputes, the supervisor approves.
        steps(self, &t[3], &[(a, Action::Take), (a, Action::Start), (a, Action::Reply)]).await;
        let fields = [("reason", "unhappy_with_service"), ("text", ""), ("channel", "")];
        assert_eq!(self.customer.post(&format!("/tickets/{}/withdraw", t[3]), &fields).await.status(), 303);
        let t3 = id_of(&self.app, &t[3]).await;
        let request = self.app.count(&format!("SELECT id FROM withdrawals WHERE ticket_id = {t3}")).await.to_string();
        let assignee = self.app.browser();
        assert_eq!(assignee.login("a@example.com", PASSWORD).await.status(), StatusCode::SEE_OTHER);
        let fields = [("request", request.as_str()), ("dispute_reason", "work_done"), ("text", "已上门")];
        assert_eq!(assignee.post(&format!("/tickets/{}/withdrawal/dispute", t[3]), &fields).await.status(), 303);
        let fields = [("request", request.as_str()), ("text", "同意撤单")];
        let res = self.supervisor.post(&format!("/tickets/{}/withdrawal/approve", t[3]), &fields).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        self.feedback(&t[3], "unsatisfied").await;
        // T4: paused while awaiting the customer, resolved after its due time (SLA breached), no survey.
        steps(self, &t[4], &[(a, Action::Take), (a, Action::Start), (a, Action::Reply), (a, Action::RequestInfo)])
            .await;
        steps(self, &t[4], &[(c, Action::AddInfo), (a, Action::Resolve), (c, Action::Confirm)]).await;
        // T5: filed before the period, resolved and closed in it, rated 3.
        steps(self, &t[5], &[(b, Action::Take), (b, Action::Start), (b, Action::Reply)]).await;
        steps(self, &t[5], &[(b, Action::Resolve), (c, Action::Confirm)]).await;
        let res = self.customer.post(&format!("/tickets/{}/survey", t[5]), &[("score", "3")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        // T6: answered and still in progress. T7: still submitted.
        steps(self, &t[6], &[(b, Action::Take), (b, Action::Start), (b, Action::Reply)]).await;
        // T8: the problem of T2 came back (问题复现); open, its resolution target past.
        let mut form = ticket_form("T8 又漏水了", &[]);
        form.push(("follow_up", &t[2]));
        let res = self.customer.post("/portal/tickets", &form).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let sql = "SELECT number AS s FROM tickets WHERE follow_up_of IS NOT NULL";
        let numbers = texts(&self.app, sql).await;
        assert_eq!(numbers.len(), 1, "filed as a follow-up");
        self.t.push(numbers[0].clone());
    }

    async fn set_times(&self) {
        let (app, t) = (&self.app, &self.t);
        times(
            app,
            &t[1],
            &[
                ("created_at", "2025-03-03 09:00"),
                ("first_response_at", "2025-03-03 10:30"),
                ("resolved_at", "2025-03-05 09:00"),
                ("closed_at", "2025-03-06 09:00"),
                ("first_response_due_at", "2025-03-04 09:00"),
                ("resolution_due_at", "2025-03-06 09:00"),
            ],
        )
        .await;
        times(app, &t[2], &[("created_at", "2025-03-04 10:00"), ("withdrawn_at", "2025-03-04 11:00")]).await;
        times(
            app,
            &t[3],
            &[
                ("created_at", "2025-03-05 09:00"),
                ("first_response_at", "2025-03-05 09:30"),
                ("withdrawn_at", "2025-03-07 21:00"),
                ("resolution_due_at", "2025-03-08 09:00"),
            ],
        )
        .await;
        times(
            app,
            &t[4],
            &[
                ("created_at", "2025-03-10 09:00"),
                ("first_response_at", "2025-03-10 13:00"),
                ("resolved_at", "2025-03-20 09:00"),
                ("closed_at", "2025-03-21 09:00"),
                ("first_response_due_at", "2025-03-11 09:00"),
                ("resolution_due_at", "2025-03-13 09:00"),
            ],
        )
        .await;
        times(
            app,
            &t[5],
            &[
                ("created_at", "2025-02-25 10:00"),
                ("first_response_at", "2025-02-25 10:10"),
                ("resolved_at", "2025-03-01 10:00"),
                ("closed_at", "2025-03-02 10:00"),
                ("first_response_due_at", "2025-02-26 10:00"),
                ("resolution_due_at", "2025-02-28 10:00"),
            ],
        )
        .await;
        times(
            app,
            &t[6],
            &[
                ("created_at", "2025-03-30 10:00"),
                ("first_response_at", "2025-03-30 10:20"),
                ("resolution_due_at", "2025-04-02 10:00"),
            ],
        )
        .await;
        times(app, &t[7], &[("created_at", "2025-03-31 10:00"), ("resolution_due_at", "2025-04-03 10:00")]).await;
        times(app, &t[8], &[("created_at", "2025-03-15 10:00"), ("resolution_due_at", "2025-03-18 10:00")]).await;
        for (n, cause) in [(1, "quality_defect"), (4, "parts"), (5, "user_error")] {
            app.exec(&format!("UPDATE tickets SET cause_code = '{cause}' WHERE number = '{}'", t[n])).await;
        }
        for (n, at) in [(1, "2025-03-06 12:00"), (5, "2025-03-02 12:00")] {
            let id = id_of(app, &t[n]).await;
            app.exec(&format!("UPDATE surveys SET created_at = '{at}+08' WHERE ticket_id = {id}")).await;
        }
        for (n, at) in [(2, "2025-03-04 12:00"), (3, "2025-03-08 12:00")] {
            let id = id_of(app, &t[n]).await;
            app.exec(&format!("UPDATE withdrawals SET feedback_at = '{at}+08' WHERE ticket_id = {id}")).await;
        }
    }

    /// The customer's 回访 answer about a withdrawal.
    async fn feedback(&self, number: &str, answer: &str) {
        let path = format!("/tickets/{number}/withdrawal/feedback");
        assert_eq!(self.customer.post(&path, &[("answer", answer)]).await.status(), StatusCode::SEE_OTHER);
    }

    async fn fold(&self) {
        let mut conn = self.app.pool.get().await.expect("conn");
        while analytics::fold(&mut conn).await.expect("fold") > 0 {}
    }

    async fn rebuild(&self) {
        let mut conn = self.app.pool.get().await.expect("conn");
        analytics::rebuild(&mut conn).await.expect("rebuild");
    }

    async fn tables(&self, query: &str) -> Vec<(&'static str, Table)> {
        let input: FilterInput = serde_urlencoded::from_str(query).expect("query");
        let today = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
        let filter = DashboardFilter::parse(&input, today).expect("filter");
        let mut conn = self.app.pool.get().await.expect("conn");
        analytics::dashboard_tables(&mut conn, &filter, Lang::En).await.expect("tables")
    }
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

fn table<'a>(tables: &'a [(&'static str, Table)], slug: &str) -> &'a Table {
    &tables.iter().find(|(s, _)| *s == slug).unwrap_or_else(|| panic!("no table {slug}")).1
}

/// A table's rows as text, numbers rounded to 3 decimals (the files keep them whole).
fn rows(tables: &[(&'static str, Table)], slug: &str) -> Vec<Vec<String>> {
    table(tables, slug)
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Cell::Text(t) => t.clone(),
                    Cell::Int(n) => n.to_string(),
                    Cell::Num(x) => format!("{x:.3}"),
                    Cell::Empty => "—".into(),
                })
                .collect()
        })
        .collect()
}

/// The summary as (figure, value) pairs, the definition left out.
fn summary(tables: &[(&'static str, Table)]) -> Vec<(String, String)> {
    rows(tables, "summary").into_iter().map(|r| (r[0].clone(), r[1].clone())).collect()
}

/// One figure of the summary table, by its English name.
fn figure(tables: &[(&'static str, Table)], name: &str) -> String {
    summary(tables).into_iter().find(|(n, _)| n == name).map(|(_, v)| v).unwrap_or_default()
}

fn pairs(items: &[(&str, &str)]) -> Vec<Vec<String>> {
    items.iter().map(|(a, b)| vec![(*a).to_owned(), (*b).to_owned()]).collect()
}

fn check_every_metric(tables: &[(&'static str, Table)]) {
    let expected: Vec<(String, String)> = [
        ("Tickets filed", "7"),
        ("Tickets closed", "3"),
        ("Tickets withdrawn", "2"),
        // First replies in March: 90, 30, 240 and 20 minutes (T5's came in February).
        ("First response, mean (h)", "1.583"),
        ("First response, median (h)", "0.500"),
        // Closed in March: 2 days (T1), 10 days (T4), 4 days (T5, filed in February).
        ("Resolution time, mean (h)", "128.000"),
        ("Resolution time, median (h)", "96.000"),
        ("First-contact resolution (%)", "66.667"),
        ("Reopen rate (%)", "33.333"),
        ("CSAT, mean score", "4.000"),
        ("CSAT, share of 4–5 (%)", "50.000"),
        ("Surveys answered", "2"),
        // Due in March: T1 met, T4 resolved late, T8 still open after its due day.
        ("SLA compliance (%)", "33.333"),
        ("Withdrawal rate (%)", "28.571"),
        // One follow-up ÷ five tickets closed or withdrawn in March.
        ("Recurrence (%)", "20.000"),
        // 60 minutes (T2) and 2 days 12 hours (T3).
        ("Filing to withdrawal, median (h)", "1.000"),
        ("Filing to withdrawal, p90 (h)", "60.000"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    assert_eq!(summary(tables), expected);
    assert_eq!(
        rows(tables, "types"),
        pairs(&[
            ("Fault repair", "3"),
            ("Complaint", "1"),
            ("Consultation", "1"),
            ("Upgrade / maintenance", "1"),
            ("Return / exchange", "1")
        ])
    );
    assert_eq!(rows(tables, "products"), pairs(&[("DW-600 洗碗机", "7")]));
    assert_eq!(rows(tables, "causes"), pairs(&[("Parts", "1"), ("Quality defect", "1"), ("User error", "1")]));
    assert_eq!(rows(tables, "csat_scores"), pairs(&[("1", "0"), ("2", "0"), ("3", "1"), ("4", "0"), ("5", "1")]));
    assert_eq!(
        rows(tables, "withdrawal_reasons"),
        pairs(&[("Submitted by mistake", "1"), ("Unhappy with the service", "1")])
    );
    assert_eq!(rows(tables, "withdrawal_states"), pairs(&[("In progress", "1"), ("Submitted", "1")]));
    assert_eq!(
        rows(tables, "withdrawal_timing"),
        vec![vec!["Tue".to_owned(), "11:00".into(), "1".into()], vec!["Fri".into(), "21:00".into(), "1".into()]]
    );
    assert_eq!(rows(tables, "withdrawal_feedback"), pairs(&[("Satisfied", "1"), ("Unsatisfied", "1")]));
    assert_eq!(rows(tables, "backlog_state"), pairs(&[("Submitted", "2"), ("In progress", "1")]));
    let ages: Vec<String> = rows(tables, "backlog_age").into_iter().map(|r| r[1].clone()).collect();
    assert_eq!(ages, ["0", "0", "0", "0", "3"], "all three open tickets were filed in March 2025");
    assert_eq!(
        rows(tables, "agents"),
        vec![
            // 张工: T1 and T4 closed (T1 reopened), answers 90/30/240 min, resolutions 2 and 10 days, T1 rated 5,
            // T1 met its SLA and T4 did not.
            ["张工", "2", "0", "2.000", "144.000", "5.000", "50.000", "50.000"].map(String::from).to_vec(),
            // 李工: T5 closed (96 h), T6 open and answered in 20 minutes, T5 rated 3, no target due in March.
            ["李工", "1", "1", "0.333", "96.000", "3.000", "—", "0.000"].map(String::from).to_vec(),
        ]
    );
    let trend = rows(tables, "trend");
    assert_eq!(trend.len(), 31, "a point per day of March, empty days too");
    assert_eq!(trend[2], ["2025-03-03", "1", "0", "0", "1.500", "—"].map(String::from).to_vec());
    assert_eq!(trend[1], ["2025-03-02", "0", "1", "0", "—", "96.000"].map(String::from).to_vec());
}

#[actix_web::test]
async fn every_metric_has_its_exact_value_after_folding_and_after_a_rebuild() {
    let w = World::new().await;
    // Before any fold the figures come from the deltas alone: never stale.
    check_every_metric(&w.tables(PERIOD).await);
    w.fold().await;
    assert_eq!(w.app.count("SELECT count(*) FROM analytics_deltas WHERE folded_in IS NULL").await, 0);
    let folded = w.tables(PERIOD).await;
    check_every_metric(&folded);
    let rollup = "SELECT count(*) FROM analytics_rollup WHERE n <> 0 OR total <> 0";
    let before = w.app.count(rollup).await;
    w.rebuild().await;
    assert_eq!(w.tables(PERIOD).await, folded, "the full rebuild gives what the folds gave");
    assert_eq!(w.app.count(rollup).await, before, "and the same non-zero rollup rows");
    for query in ["period=custom&from=2025-03-01&to=2025-03-31&group=week", "period=30d", "period=month"] {
        let by_fold = w.tables(query).await;
        w.rebuild().await;
        assert_eq!(w.tables(query).await, by_fold, "{query}");
    }
}

/// Adds 1000 to one rollup row of the fault repairs' slice (T1's filing), behind the dashboard's back: a view that
/// reads the rollups again shows it; one brought forward from its cache does not.
const TAMPER: &str = "UPDATE analytics_rollup SET n = n + 1000
    WHERE slice = 't:fault_repair' AND day = '2025-03-03' AND agent_id = 0 AND measure = 'created'";

#[actix_web::test]
async fn a_view_read_before_a_fold_is_brought_forward_with_the_deltas_it_moved() {
    let w = World::new().await;
    w.fold().await;
    let views =
        [PERIOD.to_owned(), format!("{PERIOD}&type=fault_repair"), format!("{PERIOD}&type=fault_repair&region=北京")];
    let mut before = Vec::new();
    for view in &views {
        before.push(w.tables(view).await);
    }
    // T7, a return filed in Beijing on 31 March, was a fault after all.
    w.app.exec(&format!("UPDATE tickets SET ticket_type = 'fault_repair' WHERE number = '{}'", w.t[7])).await;
    assert_eq!(figure(&w.tables(&views[1]).await, "Tickets filed"), "4", "the waiting deltas count at once");
    w.fold().await;
    w.app.exec(TAMPER).await;
    let mut after = Vec::new();
    for view in &views {
        after.push(w.tables(view).await);
    }
    assert_eq!(figure(&after[1], "Tickets filed"), "4", "T1, T4, T8 and now T7; the rollups were not read again");
    assert_eq!(figure(&after[2], "Tickets filed"), "1", "T7, in Beijing");
    assert_eq!(figure(&after[0], "Tickets filed"), figure(&before[0], "Tickets filed"));
    assert_ne!(after[0], before[0], "the problem types moved");
    w.rebuild().await;
    for (view, brought) in views.iter().zip(&after) {
        assert_eq!(&w.tables(view).await, brought, "{view}: brought forward, it is what a full read gives");
    }
}

#[actix_web::test]
async fn a_view_older_than_the_kept_deltas_is_summed_from_the_rollups_again() {
    let w = World::new().await;
    w.fold().await;
    let view = format!("{PERIOD}&type=fault_repair");
    let first = w.tables(&view).await;
    let kept = w.app.count("SELECT analytics_kept_folds()").await;
    for i in 0..=kept {
        let region = if i % 2 == 0 { "广州" } else { "北京" };
        w.app.exec(&format!("UPDATE tickets SET region = '{region}' WHERE number = '{}'", w.t[7])).await;
        w.fold().await;
    }
    let folds_kept = w.app.count("SELECT count(DISTINCT folded_in) FROM analytics_deltas").await;
    assert_eq!(folds_kept, kept, "older folded deltas are pruned");
    w.app.exec(TAMPER).await;
    assert_eq!(figure(&w.tables(&view).await, "Tickets filed"), "1003", "summed again, from the rollups as they are");
    w.rebuild().await;
    assert_eq!(w.tables(&view).await, first, "moving a return between regions left the fault repairs alone");
}

#[actix_web::test]
async fn filters_change_the_numbers_as_expected() {
    let w = World::new().await;
    w.fold().await;
    // One filter: answered from its rollup slice.
    let faults = w.tables(&format!("{PERIOD}&type=fault_repair")).await;
    assert_eq!(figure(&faults, "Tickets filed"), "3", "T1, T4 and T8");
    assert_eq!(figure(&faults, "Tickets closed"), "3");
    assert_eq!(figure(&faults, "Tickets withdrawn"), "0");
    let beijing = w.tables(&format!("{PERIOD}&region=北京")).await;
    assert_eq!(figure(&beijing, "Tickets filed"), "2", "T6 and T7");
    assert_eq!(rows(&beijing, "backlog_state"), pairs(&[("In progress", "1"), ("Submitted", "1")]));
    let agent = w.tables(&format!("{PERIOD}&agent={}", w.a.id.0)).await;
    assert_eq!(figure(&agent, "Tickets closed"), "2");
    assert_eq!(figure(&agent, "Reopen rate (%)"), "50.000");
    assert_eq!(rows(&agent, "agents").len(), 1, "only that agent's row");
    let web = w.tables(&format!("{PERIOD}&channel=phone")).await;
    assert_eq!(figure(&web, "Tickets filed"), "0", "every fixture ticket came through the portal");
    // Two filters: summed from the per-ticket facts, the same way.
    let both = w.tables(&format!("{PERIOD}&type=fault_repair&region=北京")).await;
    assert_eq!(figure(&both, "Tickets filed"), "0");
    assert_eq!(figure(&both, "Tickets closed"), "1", "T5");
    let both_again = w.tables(&format!("{PERIOD}&type=fault_repair&agent={}", w.a.id.0)).await;
    assert_eq!(figure(&both_again, "Tickets closed"), "2");
    assert_eq!(
        rows(&both_again, "agents"),
        rows(&agent, "agents")[..1]
            .to_vec()
            .into_iter()
            .map(|mut r| {
                // T3 (a complaint) answered in 30 minutes is not a fault repair: 张工's mean is (90 + 240) / 2.
                r[3] = "2.750".into();
                r
            })
            .collect::<Vec<_>>()
    );
}

#[actix_web::test]
async fn the_page_shows_the_same_numbers_as_the_tables_with_a_chart_each() {
    let w = World::new().await;
    let page = w.supervisor.page(&format!("/analytics?{PERIOD}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let tables = w.tables(PERIOD).await;
    for (slug, t) in &tables {
        let cells = page.select(&format!("table[data-table={slug}] td"));
        let expected: Vec<String> = t
            .rows
            .iter()
            .flatten()
            .map(|c| match c {
                Cell::Text(s) => s.clone(),
                Cell::Int(n) => n.to_string(),
                Cell::Num(x) => format!("{x:.1}"),
                Cell::Empty => "—".into(),
            })
            .collect();
        // The page is in the browser's language (zh-CN by default): compare the numbers only.
        let numbers = |v: &[String]| v.iter().filter(|s| s.parse::<f64>().is_ok()).cloned().collect::<Vec<_>>();
        assert_eq!(numbers(&cells), numbers(&expected), "{slug}");
    }
    assert!(page.select("svg.chart").len() >= 10, "a chart above the tables");
    assert_eq!(page.attr("svg.chart", "width").as_deref(), Some("100%"));
    assert!(page.contains("一次解决率") && page.contains("撤单高峰"));
}

#[actix_web::test]
async fn only_supervisors_reach_the_dashboard() {
    let app = TestApp::spawn().await;
    let res = app.browser().get("/analytics").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/login"), "signed-out people sign in first");
    for (role, email) in [(Role::Customer, "c@example.com"), (Role::Agent, "a@example.com")] {
        let browser = app.signed_in(role, email).await;
        assert_eq!(browser.get("/analytics").await.status(), StatusCode::FORBIDDEN, "{role:?}");
        assert!(!browser.page("/queue").await.contains("数据分析") || role == Role::Customer);
    }
    let supervisor = app.signed_in(Role::Supervisor, "s@example.com").await;
    let page = supervisor.page("/analytics").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.attr("nav a[href='/analytics']", "href").as_deref(), Some("/analytics"));
    assert!(page.first("p.empty").is_some(), "an empty database says there is nothing yet");
}

#[actix_web::test]
async fn a_bad_custom_range_comes_back_with_its_message() {
    let app = TestApp::spawn().await;
    let supervisor = app.signed_in(Role::Supervisor, "s@example.com").await;
    let page = supervisor.page("/analytics?period=custom&from=2025-03-31&to=2025-03-01&region=上海").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-to").unwrap_or_default().contains("结束日期不能早于开始日期"));
    assert_eq!(page.attr("#f-from", "value").as_deref(), Some("2025-03-31"), "the input is kept");
    assert_eq!(page.attr("#f-region", "value").as_deref(), Some("上海"));
    let page = supervisor.page("/analytics?period=custom&from=someday&to=").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-from").is_some() && page.first("#e-to").is_some());
    let today = Utc::now().date_naive();
    assert!(today > NaiveDate::from_ymd_opt(2025, 3, 31).unwrap_or(today), "the fixture's period is in the past");
}

#[actix_web::test]
async fn durations_count_business_hours_where_the_policy_says_so() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let customer_id = app.count("SELECT id FROM users WHERE email = 'c@example.com'").await;
    let c = SessionUser { id: UserId(customer_id), role: Role::Customer, name: "c".into() };
    let a = user(&app, Role::Agent, "a@example.com", "张工").await;
    let number = customer.file_ticket(&ticket_form("洗碗机不出水", &[])).await;
    // Filed on a Friday at 17:00; the default policy counts business hours (Monday to Friday, 9 to 18).
    times(&app, &number, &[("created_at", "2025-03-07 17:00")]).await;
    let at = |s: &str| DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc);
    for (action, when) in [
        (Action::Take, "2025-03-07T17:30:00+08:00"),
        (Action::Reply, "2025-03-10T10:00:00+08:00"),
        (Action::Start, "2025-03-10T10:30:00+08:00"),
        (Action::Resolve, "2025-03-10T11:00:00+08:00"),
    ] {
        step_at(&app.pool, &number, &a, action, at(when)).await;
    }
    step_at(&app.pool, &number, &c, Action::Confirm, at("2025-03-10T12:00:00+08:00")).await;
    let mut conn = app.pool.get().await.expect("conn");
    analytics::fold(&mut conn).await.expect("fold");
    let input: FilterInput = serde_urlencoded::from_str(PERIOD).expect("query");
    let filter = DashboardFilter::parse(&input, Utc::now().date_naive()).expect("filter");
    let tables = analytics::dashboard_tables(&mut conn, &filter, Lang::En).await.expect("tables");
    let figures = summary(&tables);
    let value = |name: &str| figures.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
    // Friday 17–18 and Monday 9–10: two working hours, not 65 wall-clock hours.
    assert_eq!(value("First response, mean (h)"), "2.000");
    assert_eq!(value("First response, median (h)"), "2.000");
    // Friday 17–18 and Monday 9–11: three working hours.
    assert_eq!(value("Resolution time, mean (h)"), "3.000");
    // A rebuild keeps the measured minutes.
    analytics::rebuild(&mut conn).await.expect("rebuild");
    let again = analytics::dashboard_tables(&mut conn, &filter, Lang::En).await.expect("tables");
    assert_eq!(again, tables);
}

/// The numbers of a table, cell by cell (None where the cell is text or empty), to compare files with the page.
fn numbers_of(table: &Table) -> Vec<Vec<Option<f64>>> {
    let number = |c: &Cell| match c {
        Cell::Int(n) => Some(*n as f64),
        Cell::Num(x) => Some(*x),
        Cell::Text(_) | Cell::Empty => None,
    };
    table.rows.iter().map(|row| row.iter().map(number).collect()).collect()
}

fn same_numbers(slug: &str, expected: &[Vec<Option<f64>>], got: &[Vec<Option<f64>>]) {
    assert_eq!(expected.len(), got.len(), "{slug}: rows");
    for (e_row, g_row) in expected.iter().zip(got) {
        for (e, g) in e_row.iter().zip(g_row) {
            if let Some(e) = e {
                let g = g.unwrap_or_else(|| panic!("{slug}: {e} missing in the file"));
                assert!((e - g).abs() < 1e-6, "{slug}: {e} on the page, {g} in the file");
            }
        }
    }
}

#[actix_web::test]
async fn every_dashboard_table_downloads_as_csv_and_xlsx_with_the_numbers_of_the_page() {
    use calamine::{Data, Reader, Xlsx};
    let w = World::new().await;
    let tables = w.tables(PERIOD).await;
    assert!(tables.len() >= 10);
    for (slug, table) in &tables {
        let expected = numbers_of(table);
        let res = w.supervisor.get(&format!("/analytics/export?table={slug}&format=csv&{PERIOD}")).await;
        assert_eq!(res.status(), StatusCode::OK, "{slug}");
        assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
        let text = res.text().await.unwrap();
        let body = text.strip_prefix('\u{feff}').expect("CSV starts with the byte-order mark");
        let mut reader = csv::ReaderBuilder::new().from_reader(body.as_bytes());
        let got: Vec<Vec<Option<f64>>> =
            reader.records().map(|r| r.unwrap().iter().map(|cell| cell.parse::<f64>().ok()).collect()).collect();
        same_numbers(slug, &expected, &got);

        let res = w.supervisor.get(&format!("/analytics/export?table={slug}&format=xlsx&{PERIOD}")).await;
        assert_eq!(res.status(), StatusCode::OK, "{slug}");
        let bytes = res.bytes().await.unwrap().to_vec();
        let mut book = Xlsx::new(std::io::Cursor::new(bytes)).expect("an XLSX file");
        let range = book.worksheet_range_at(0).expect("a sheet").expect("readable");
        let got: Vec<Vec<Option<f64>>> = range
            .rows()
            .skip(1)
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        Data::Int(n) => Some(*n as f64),
                        Data::Float(x) => Some(*x),
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        same_numbers(slug, &expected, &got);
    }
}

#[actix_web::test]
async fn only_supervisors_download_dashboard_tables_and_bad_requests_say_why() {
    let app = TestApp::spawn().await;
    let path = format!("/analytics/export?table=summary&format=csv&{PERIOD}");
    for (role, email) in [(Role::Customer, "c@example.com"), (Role::Agent, "a@example.com")] {
        let browser = app.signed_in(role, email).await;
        assert_eq!(browser.get(&path).await.status(), StatusCode::FORBIDDEN, "{role:?}");
    }
    assert_eq!(app.browser().get(&path).await.status(), StatusCode::SEE_OTHER, "signed out");
    let supervisor = app.signed_in(Role::Supervisor, "s@example.com").await;
    let status = |path: String| {
        let supervisor = &supervisor;
        async move { supervisor.get(&path).await.status() }
    };
    assert_eq!(status(format!("/analytics/export?table=nope&format=csv&{PERIOD}")).await, StatusCode::NOT_FOUND);
    assert_eq!(status(format!("/analytics/export?table=summary&format=pdf&{PERIOD}")).await, StatusCode::BAD_REQUEST);
    let bad_range = "/analytics/export?table=summary&format=csv&period=custom&from=2025-03-31&to=2025-03-01";
    assert_eq!(status(bad_range.into()).await, StatusCode::UNPROCESSABLE_ENTITY);
}
