//! The SLA pages: supervisors keep the policies and the business calendar;
//! the queue shows, filters and sorts by SLA state; the ticket page shows both targets.

use crate::helpers::*;
use aftersales::domain::Role;
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Asia::Shanghai;
use reqwest::StatusCode;
use scraper::Selector;

/// Seconds of `expr` (an interval or instant of the ticket's row), -1 for NULL.
async fn seconds(app: &TestApp, number: &str, expr: &str) -> i64 {
    app.count(&format!(
        "SELECT coalesce(extract(epoch FROM {expr})::bigint, -1) FROM tickets WHERE number = '{number}'"
    ))
    .await
}

async fn policy_id(app: &TestApp, urgency: &str, ticket_type: Option<&str>) -> i64 {
    let t = ticket_type.map_or("IS NULL".to_owned(), |t| format!("= '{t}'"));
    app.count(&format!("SELECT id FROM sla_policies WHERE urgency = '{urgency}' AND ticket_type {t}")).await
}

/// A policy form: hours and minutes of both targets and the clock.
fn policy<'a>(
    urgency: &'a str,
    ticket_type: &'a str,
    first: (&'a str, &'a str),
    resolution: (&'a str, &'a str),
    clock: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("urgency", urgency),
        ("ticket_type", ticket_type),
        ("first_hours", first.0),
        ("first_minutes", first.1),
        ("resolution_hours", resolution.0),
        ("resolution_minutes", resolution.1),
        ("clock", clock),
    ]
}

/// The text of the policy row `id`'s cells.
fn policy_row(page: &Page, id: i64) -> Vec<String> {
    page.select(&format!("#policy-{id} td"))
}

#[actix_web::test]
async fn sla_settings_are_for_supervisors_only() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    let index = boss.page("/settings").await;
    assert!(index.attr("a[href=\"/settings/sla\"]", "href").is_some(), "the settings index links the SLA page");
    assert!(index.attr("a[href=\"/settings/calendar\"]", "href").is_some(), "and the calendar");
    let tomorrow = (Utc::now().with_timezone(&Shanghai) + Duration::days(2)).format("%Y-%m-%d").to_string();
    app.exec(&format!("INSERT INTO calendar_days (day, kind, name) VALUES ('{tomorrow}', 'holiday', '假日')")).await;
    let base = policy_id(&app, "urgent", None).await;
    let edit = format!("/settings/sla/{base}");
    let delete = format!("/settings/sla/{base}/delete");
    let day_delete = format!("/settings/calendar/days/{tomorrow}/delete");

    let agent = app.signed_in(Role::Agent, "agent@example.com").await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let stranger = app.browser();
    let override_form = policy("urgent", "complaint", ("1", ""), ("2", ""), "always");
    let hours_form = vec![("mon_1_from", "00:00"), ("mon_1_to", "01:00")];
    let day_form = vec![("day", tomorrow.as_str()), ("kind", "workday"), ("name", "坏")];
    let posts: [(&str, &[(&str, &str)]); 6] = [
        ("/settings/sla", &override_form),
        (&edit, &override_form),
        (&delete, &[]),
        ("/settings/calendar/hours", &hours_form),
        ("/settings/calendar/days", &day_form),
        (&day_delete, &[]),
    ];
    for (who, browser) in [("agent", &agent), ("customer", &customer), ("stranger", &stranger)] {
        for path in ["/settings/sla", edit.as_str(), "/settings/calendar"] {
            let res = browser.get(path).await;
            if who == "stranger" {
                assert_eq!(res.status(), StatusCode::SEE_OTHER, "{who} GET {path}");
                assert!(location(&res).starts_with("/login?next="), "{who} GET {path}");
            } else {
                assert_eq!(res.status(), StatusCode::FORBIDDEN, "{who} GET {path}");
            }
        }
        for (path, fields) in posts {
            let res = browser.post(path, fields).await;
            let want = if who == "stranger" { StatusCode::SEE_OTHER } else { StatusCode::FORBIDDEN };
            assert_eq!(res.status(), want, "{who} POST {path}");
        }
    }
    assert_eq!(app.count("SELECT count(*) FROM sla_policies").await, 3, "nothing added or removed");
    assert_eq!(app.count("SELECT first_response_minutes FROM sla_policies WHERE urgency = 'urgent'").await, 120);
    assert_eq!(app.count("SELECT count(*) FROM business_hours").await, 5, "the week is as it was");
    assert_eq!(app.count("SELECT count(*) FROM calendar_days WHERE kind = 'holiday'").await, 1);
}

#[actix_web::test]
async fn a_supervisor_keeps_the_policies_and_bad_input_is_explained() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    let page = boss.page("/settings/sla").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("修改对此后提交的工单生效"), "the page says when changes apply");
    let (normal, critical) = (policy_id(&app, "normal", None).await, policy_id(&app, "critical", None).await);
    assert_eq!(policy_row(&page, normal)[1..4], ["所有类型", "24 小时", "72 小时"]);
    assert_eq!(policy_row(&page, critical)[2..4], ["30 分钟", "8 小时"]);
    assert!(page.select(".policy-base form").is_empty(), "the base policies cannot be removed");

    // An override for urgent complaints, around the clock.
    let res = boss.post("/settings/sla", &policy("urgent", "complaint", ("1", "30"), ("", "600"), "always")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id = policy_id(&app, "urgent", Some("complaint")).await;
    let page = boss.page(&location(&res)).await;
    assert!(page.contains("已保存"));
    assert_eq!(policy_row(&page, id)[1..5], ["投诉", "1 小时 30 分", "10 小时", "全天候（7×24 小时）"]);

    // The same (urgency, type) again; targets that make no sense: 422, the input kept.
    let res = boss.post("/settings/sla", &policy("urgent", "complaint", ("2", ""), ("3", ""), "business")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = to_page(res).await;
    assert!(page.contains("该紧急程度下已经有这个工单类型的设置"));
    assert_eq!(page.attr("#f-first_hours", "value").as_deref(), Some("2"));
    let res = boss.post("/settings/sla", &policy("critical", "", ("0", "0"), ("1", "x"), "")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = to_page(res).await;
    for message in ["时限必须大于零", "请填写整数的小时和分钟", "请选择这条设置适用的工单类型"]
    {
        assert!(page.contains(message), "{message}");
    }
    assert_eq!(page.attr("#f-resolution_minutes", "value").as_deref(), Some("x"));
    let res = boss.post("/settings/sla", &policy("critical", "account", ("4", ""), ("3", ""), "business")).await;
    assert!(to_page(res).await.contains("解决时限不能短于首次响应时限"));
    assert_eq!(app.count("SELECT count(*) FROM sla_policies").await, 4);

    // Edit the override, then move it onto a pair that is taken.
    let edit = format!("/settings/sla/{id}");
    let res = boss.post(&edit, &policy("urgent", "complaint", ("", "45"), ("5", ""), "business")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!("SELECT first_response_minutes * 10000 + resolution_minutes FROM sla_policies WHERE id = {id} AND business_hours")).await,
        45 * 10000 + 300
    );
    boss.post("/settings/sla", &policy("normal", "account", ("8", ""), ("16", ""), "business")).await;
    let res = boss.post(&edit, &policy("normal", "account", ("1", ""), ("2", ""), "business")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = to_page(res).await;
    assert!(page.contains("该紧急程度下已经有这个工单类型的设置"));
    assert_eq!(page.attr("#f-resolution_hours", "value").as_deref(), Some("2"), "input kept");

    // A base policy: its targets change, its urgency and type do not.
    let edit_base = format!("/settings/sla/{critical}");
    let form = boss.page(&edit_base).await;
    assert!(form.select("#f-ticket_type").is_empty(), "no type on a base policy");
    assert_eq!(form.attr("#f-resolution_hours", "value").as_deref(), Some("8"));
    let res = boss.post(&edit_base, &policy("normal", "complaint", ("", "20"), ("6", ""), "always")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM sla_policies WHERE id = {critical} AND urgency = 'critical' AND ticket_type IS NULL AND first_response_minutes = 20 AND NOT business_hours")).await,
        1
    );
    let res = boss.post(&edit_base, &policy("", "", ("1", ""), ("", ""), "always")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Overrides can be removed; base policies stay.
    let res = boss.post(&format!("/settings/sla/{id}/delete"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count(&format!("SELECT count(*) FROM sla_policies WHERE id = {id}")).await, 0);
    let res = boss.post(&format!("/settings/sla/{critical}/delete"), &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(to_page(res).await.contains("紧急程度的通用时限不能删除"));
    assert_eq!(boss.get("/settings/sla/999999").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("SELECT count(*) FROM sla_policies WHERE ticket_type IS NULL").await, 3);
}

#[actix_web::test]
async fn a_changed_policy_applies_to_tickets_filed_afterwards() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let before = customer.file_ticket(&ticket_form("之前", &[("urgency", "urgent")])).await;
    let due_before = seconds(&app, &before, "first_response_due_at").await;

    let urgent = policy_id(&app, "urgent", None).await;
    let res = boss.post(&format!("/settings/sla/{urgent}"), &policy("", "", ("1", ""), ("4", ""), "always")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let after = customer.file_ticket(&ticket_form("之后", &[("urgency", "urgent")])).await;
    assert_eq!(seconds(&app, &after, "first_response_due_at - created_at").await, 3600);
    assert_eq!(seconds(&app, &after, "resolution_due_at - created_at").await, 4 * 3600);
    assert_eq!(seconds(&app, &before, "first_response_due_at").await, due_before, "promises already made stay");

    // A type's own policy wins over its urgency's.
    let form = policy("urgent", "complaint", ("", "20"), ("2", ""), "always");
    assert_eq!(boss.post("/settings/sla", &form).await.status(), StatusCode::SEE_OTHER);
    let complaint =
        customer.file_ticket(&ticket_form("投诉", &[("urgency", "urgent"), ("ticket_type", "complaint")])).await;
    assert_eq!(seconds(&app, &complaint, "first_response_due_at - created_at").await, 20 * 60);
    assert_eq!(seconds(&app, &complaint, "resolution_due_at - created_at").await, 2 * 3600);
}

/// A weekday at least two weeks ahead, in Shanghai.
fn ahead(weekday: Weekday) -> NaiveDate {
    let mut day = Utc::now().with_timezone(&Shanghai).date_naive() + Duration::days(14);
    while day.weekday() != weekday {
        day += Duration::days(1);
    }
    day
}

fn local(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    Shanghai.from_local_datetime(&day.and_hms_opt(hour, 0, 0).expect("time")).unwrap().with_timezone(&Utc)
}

#[actix_web::test]
async fn the_business_calendar_page_keeps_hours_holidays_and_makeup_days() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    let page = boss.page("/settings/calendar").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.first("#service-zone").as_deref(), Some("Asia/Shanghai"));
    assert!(page.contains("AFTERSALES_TIMEZONE") && page.contains("修改对此后计算的截止时间生效"));
    assert_eq!(page.attr("input[name=fri_1_to]", "value").as_deref(), Some("18:00"));

    // A lunch break on Monday, Saturday mornings; Friday emptied.
    let week = [
        ("mon_1_from", "09:00"),
        ("mon_1_to", "12:00"),
        ("mon_2_from", "13:00"),
        ("mon_2_to", "18:00"),
        ("tue_1_from", "09:00"),
        ("tue_1_to", "18:00"),
        ("sat_1_from", "09:00"),
        ("sat_1_to", "12:00"),
    ];
    let res = boss.post("/settings/calendar/hours", &week).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM business_hours").await, 4);
    assert_eq!(app.count("SELECT count(*) FROM business_hours WHERE weekday = 0").await, 2);
    let page = boss.page("/settings/calendar").await;
    assert_eq!(page.attr("input[name=mon_2_from]", "value").as_deref(), Some("13:00"));
    assert_eq!(page.attr("input[name=fri_1_from]", "value").as_deref(), Some(""));

    // Overlapping, backwards and half-typed intervals; an empty week: 422, input kept, nothing stored.
    let bad = [
        ("mon_1_from", "09:00"),
        ("mon_1_to", "13:00"),
        ("mon_2_from", "12:00"),
        ("mon_2_to", "18:00"),
        ("tue_1_from", "18:00"),
        ("tue_1_to", "09:00"),
        ("wed_1_from", "09:00"),
    ];
    let res = boss.post("/settings/calendar/hours", &bad).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = to_page(res).await;
    assert_eq!(page.first("#e-mon").as_deref(), Some("星期一: 同一天的时段不能重叠。"));
    assert_eq!(page.first("#e-tue").as_deref(), Some("星期二: 结束时间必须晚于开始时间。"));
    assert!(page.first("#e-wed").is_some_and(|e| e.contains("请同时填写开始和结束时间")));
    assert_eq!(page.attr("input[name=mon_2_from]", "value").as_deref(), Some("12:00"), "input kept");
    let res = boss.post("/settings/calendar/hours", &[("mon_1_from", ""), ("mon_1_to", "")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(to_page(res).await.contains("每周至少要有一段工作时间"));
    assert_eq!(app.count("SELECT count(*) FROM business_hours").await, 4, "unchanged");

    // Holidays and make-up days ahead; one entry a day; not in the past.
    let (holiday, saturday) = (ahead(Weekday::Mon).to_string(), ahead(Weekday::Sat).to_string());
    let res = boss.post("/settings/calendar/days", &[("day", &holiday), ("kind", "holiday"), ("name", "国庆节")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let form =
        [("day", saturday.as_str()), ("kind", "workday"), ("name", "国庆调休"), ("from", "10:00"), ("to", "15:00")];
    assert_eq!(boss.post("/settings/calendar/days", &form).await.status(), StatusCode::SEE_OTHER);
    let page = boss.page("/settings/calendar").await;
    let rows = page.select("#calendar-days tbody tr");
    assert_eq!(rows.len(), 2);
    assert!(page.first(&format!("#day-{holiday}")).is_some_and(|r| r.contains("节假日") && r.contains("国庆节")));
    assert!(
        page.first(&format!("#day-{saturday}")).is_some_and(|r| r.contains("调休上班") && r.contains("10:00–15:00"))
    );

    let res = boss.post("/settings/calendar/days", &[("day", &holiday), ("kind", "workday"), ("name", "又一次")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = to_page(res).await;
    assert!(page.contains("这一天已在日历中"));
    assert_eq!(page.attr("#f-name", "value").as_deref(), Some("又一次"), "input kept");
    let yesterday = (Utc::now().with_timezone(&Shanghai).date_naive() - Duration::days(1)).to_string();
    let res = boss
        .post(
            "/settings/calendar/days",
            &[("day", &yesterday), ("kind", "workday"), ("name", ""), ("from", "15:00"), ("to", "10:00")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = to_page(res).await;
    for message in ["请选择今天或以后的日期", "此项必填", "结束时间必须晚于开始时间"] {
        assert!(page.contains(message), "{message}");
    }
    assert_eq!(app.count("SELECT count(*) FROM calendar_days").await, 2);

    let res = boss.post(&format!("/settings/calendar/days/{saturday}/delete"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM calendar_days").await, 1);
    let res = boss.post(&format!("/settings/calendar/days/{saturday}/delete"), &[]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = boss.post("/settings/calendar/days/not-a-date/delete", &[]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn business_hours_due_times_skip_holidays_and_count_makeup_days() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let (monday, saturday) = (ahead(Weekday::Mon), ahead(Weekday::Sat));
    let friday = saturday - Duration::days(1);
    for (day, kind) in [(monday, "holiday"), (saturday, "workday")] {
        let day = day.to_string();
        let res = boss.post("/settings/calendar/days", &[("day", &day), ("kind", kind), ("name", "节日")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    // Urgent: 2 business hours to the first response (09:00–18:00 on weekdays).
    let cases = [
        // Filed on the holiday at 09:00: the clock starts on Tuesday.
        (local(monday, 9), local(monday + Duration::days(1), 11)),
        // Filed Friday 17:00: one hour on Friday, one on the make-up Saturday (Monday's hours).
        (local(friday, 17), local(saturday, 10)),
    ];
    for (filed, due) in cases {
        let number = customer.file_ticket(&ticket_form("节假日", &[("urgency", "urgent")])).await;
        app.exec(&format!("UPDATE tickets SET created_at = '{}' WHERE number = '{number}'", filed.to_rfc3339())).await;
        // Any state change recomputes the due times from the ticket's filing time.
        assert_eq!(agent.post(&format!("/tickets/{number}/take"), &[]).await.status(), StatusCode::SEE_OTHER);
        assert_eq!(seconds(&app, &number, "first_response_due_at").await, due.timestamp(), "filed {filed}");
    }
}

/// (number, SLA state code, badge text) of each queue row.
fn queue_rows(page: &Page) -> Vec<(String, String, String)> {
    let row = Selector::parse("#queue-table tbody tr").expect("selector");
    let number = Selector::parse("td:first-child a").expect("selector");
    let sla = Selector::parse("[data-sla]").expect("selector");
    page.html
        .select(&row)
        .map(|r| {
            let text = |s: &Selector| r.select(s).next().map(|e| e.text().collect::<String>().trim().to_owned());
            let code = r.select(&sla).next().and_then(|e| e.value().attr("data-sla")).unwrap_or_default();
            (text(&number).unwrap_or_default(), code.to_owned(), text(&sla).unwrap_or_default())
        })
        .collect()
}

#[actix_web::test]
async fn the_queue_shows_sla_badges_and_filters_by_them() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let mut numbers = Vec::new();
    for title in ["正常", "预警", "超时", "暂停", "已处理"] {
        numbers.push(customer.file_ticket(&ticket_form(title, &[])).await);
    }
    let set = |n: &str, sql: &str| format!("UPDATE tickets SET {sql} WHERE number = '{n}'");
    let now = "now()";
    for (number, sql) in numbers.iter().zip([
        format!("sla_warn_at = {now} + interval '2 hours', sla_due_at = {now} + interval '3 hours 30 seconds'"),
        format!("sla_warn_at = {now} - interval '10 minutes', sla_due_at = {now} + interval '80 minutes 30 seconds'"),
        format!("sla_warn_at = {now} - interval '4 hours', sla_due_at = {now} - interval '3 hours 30 seconds'"),
        "state = 'awaiting_customer', sla_warn_at = NULL, sla_due_at = NULL".to_owned(),
        "state = 'resolved', sla_warn_at = NULL, sla_due_at = NULL".to_owned(),
    ]) {
        app.exec(&set(number, &sql)).await;
    }
    let page = agent.page("/queue").await;
    let mut rows = queue_rows(&page);
    rows.sort();
    let mut want: Vec<(String, String, String)> = numbers
        .iter()
        .zip([
            ("on_time", "剩 3 小时"),
            ("warning", "即将超时 · 剩 1 小时 20 分"),
            ("breached", "超时 3 小时"),
            ("paused", "已暂停"),
            ("done", "—"),
        ])
        .map(|(n, (code, text))| (n.clone(), code.to_owned(), text.to_owned()))
        .collect();
    want.sort();
    assert_eq!(rows, want);

    for (filter, index) in [("on_time", 0), ("warning", 1), ("breached", 2)] {
        let page = agent.page(&format!("/queue?sla={filter}")).await;
        let seen: Vec<String> = queue_rows(&page).into_iter().map(|r| r.0).collect();
        assert_eq!(seen, [numbers[index].clone()], "{filter}");
        assert_eq!(page.attr("#f-sla option[selected]", "value").as_deref(), Some(filter), "the form shows it");
    }
    for bad in ["paused", "late", "done"] {
        assert_eq!(agent.get(&format!("/queue?sla={bad}")).await.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_eq!(agent.get("/queue?sort=oldest").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(agent.get("/queue?sort=sla&after=1.2.3").await.status(), StatusCode::BAD_REQUEST);
    let customer_view = customer.get("/queue?sla=breached").await;
    assert_eq!(customer_view.status(), StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn the_sla_order_pages_through_every_running_ticket_most_pressing_first() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    for i in 0..32 {
        customer.file_ticket(&ticket_form(&format!("工单 {i}"), &[("urgency", ["normal", "critical"][i % 2])])).await;
    }
    // Ties on the due time (id decides), some overdue, some paused (left out of this order).
    app.exec("UPDATE tickets SET sla_due_at = now() + (id % 7 - 2) * interval '1 hour'").await;
    app.exec("UPDATE tickets SET state = 'awaiting_customer', sla_due_at = NULL, sla_warn_at = NULL WHERE id % 5 = 0")
        .await;
    let want = {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            number: String,
        }
        let mut conn = app.pool.get().await.expect("conn");
        let rows: Vec<Row> =
            diesel::sql_query("SELECT number FROM tickets WHERE sla_due_at IS NOT NULL ORDER BY sla_due_at, id")
                .load(&mut conn)
                .await
                .expect("rows");
        rows.into_iter().map(|r| r.number).collect::<Vec<_>>()
    };
    assert!(want.len() > 25, "more than a page");
    let mut seen = Vec::new();
    let mut next = Some("/queue?sort=sla".to_owned());
    while let Some(path) = next {
        let page = agent.page(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        seen.extend(queue_rows(&page).into_iter().map(|r| r.0));
        next = page.attr(".pager a", "href");
        if let Some(href) = &next {
            assert!(href.contains("sort=sla"), "{href}");
        }
    }
    assert_eq!(seen, want);
    let filtered = agent.page("/queue?sort=sla&sla=breached").await;
    let overdue = app.count("SELECT count(*) FROM tickets WHERE sla_due_at <= now()").await;
    assert_eq!(queue_rows(&filtered).len() as i64, overdue);
}

#[actix_web::test]
async fn the_sla_order_reads_its_partial_index() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    customer.file_ticket(&ticket_form("模板", &[])).await;
    let mut conn = app.pool.get().await.expect("conn");
    // Five thousand tickets, two in three finished (no due time). The planner takes the open share
    // and "has a due time" as independent, so with far fewer open tickets it expects a handful of
    // rows and sorts them; at that size either plan is instant, and the share of open tickets only
    // shrinks while their number (and the estimate) grows.
    diesel::sql_query(
        "INSERT INTO tickets (number, customer_id, ticket_type, urgency, channel, state, title, description, \
           desired_outcome, product_model, contact_name, created_at, updated_at, sla_warn_at, sla_due_at, \
           search_grams) \
         SELECT 'T' || g, customer_id, ticket_type, urgency, channel, \
           CASE WHEN g % 3 = 0 THEN 'in_progress' ELSE 'closed' END, title, description, desired_outcome, \
           product_model, contact_name, created_at, updated_at, \
           CASE WHEN g % 3 = 0 THEN now() + g * interval '1 minute' END, \
           CASE WHEN g % 3 = 0 THEN now() + g * interval '2 minutes' END, search_grams \
         FROM tickets, generate_series(1, 5000) g",
    )
    .execute(&mut conn)
    .await
    .expect("tickets");
    diesel::sql_query("ANALYZE tickets").execute(&mut conn).await.expect("analyze");
    #[derive(diesel::QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
        line: String,
    }
    // The shape of `store::tickets::queue_page` sorted by SLA over open tickets: the first page and a later one.
    let select = "EXPLAIN SELECT tickets.id, users.name FROM tickets \
           LEFT JOIN users ON tickets.assignee_id = users.id \
         WHERE tickets.state NOT IN ('closed', 'withdrawn') AND tickets.sla_due_at IS NOT NULL";
    let order = "ORDER BY tickets.sla_due_at, tickets.id LIMIT 26";
    let first: Vec<Line> = diesel::sql_query(format!("{select} {order}")).load(&mut conn).await.expect("plan");
    let later: Vec<Line> =
        diesel::sql_query(format!("{select} AND (tickets.sla_due_at, tickets.id) > ($1, $2) {order}"))
            .bind::<diesel::sql_types::Timestamptz, _>(Utc::now() + Duration::hours(10))
            .bind::<diesel::sql_types::BigInt, _>(0i64)
            .load(&mut conn)
            .await
            .expect("plan");
    for plan in [first, later] {
        let plan: Vec<String> = plan.into_iter().map(|l| l.line).collect();
        assert!(plan.iter().any(|l| l.contains("Index Scan using tickets_sla_queue_idx")), "{plan:#?}");
        assert!(!plan.iter().any(|l| l.contains("Sort")), "the index gives the order: {plan:#?}");
    }
}

#[actix_web::test]
async fn the_ticket_page_shows_both_targets() {
    let app = TestApp::spawn().await;
    app.exec("UPDATE sla_policies SET business_hours = FALSE").await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let number = customer.file_ticket(&ticket_form("空调不制冷", &[("urgency", "urgent")])).await;
    let path = format!("/tickets/{number}");

    let page = agent.page(&path).await;
    let first = page.first("#sla-first_response").expect("first response line");
    assert!(first.ends_with("剩 1 小时 59 分") && first.contains(" 前"), "{first}");
    let resolution = page.first("#sla-resolution").expect("resolution line");
    assert!(
        resolution.contains(" 前") && !resolution.contains("剩"),
        "the badge is on the running target: {resolution}"
    );
    let theirs = customer.page(&path).await;
    let promised = theirs.first("#sla-first_response").expect("the customer sees the promise");
    assert!(promised.contains(" 前") && !promised.contains("剩"), "no warnings for customers: {promised}");
    assert!(theirs.first("#sla-resolution").is_some());

    // Overdue for staff; a reply meets the first response late, and the resolution runs.
    app.exec(&format!(
        "UPDATE tickets SET sla_due_at = now() - interval '1 hour', first_response_due_at = now() - interval '1 hour', \
         sla_warn_at = now() - interval '2 hours' WHERE number = '{number}'"
    ))
    .await;
    let first = agent.page(&path).await.first("#sla-first_response").expect("line");
    assert!(first.contains("已超时 1 小时") && first.ends_with("超时 1 小时"), "{first}");
    agent.post(&format!("{path}/take"), &[]).await;
    agent.post(&format!("{path}/comments"), &[("body", "您好，我们已收到。")]).await;
    let page = agent.page(&path).await;
    let first = page.first("#sla-first_response").expect("line");
    assert!(first.starts_with("已于") && first.contains("达成"), "{first}");
    assert!(page.first("#sla-resolution").is_some_and(|r| r.contains("剩 ")), "the resolution runs now");

    // Awaiting the customer: paused.
    agent.post(&format!("{path}/act/start"), &[]).await;
    agent.post(&format!("{path}/act/request_info"), &[("text", "请提供照片")]).await;
    let page = customer.page(&path).await;
    assert!(page.first(".sla-paused").is_some_and(|p| p.contains("已暂停") && p.contains("补回")));
    let res = agent.get(&path).await;
    assert_eq!(res.status(), StatusCode::OK);
}
