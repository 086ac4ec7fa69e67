//! The agent queue: filters, keyset pages, the htmx fragment.

use crate::helpers::*;
use aftersales::domain::Role;
use reqwest::StatusCode;
use std::collections::HashSet;

/// Follows the queue's "next page" links from `start`; files a ticket between
/// page loads when `file_between` is set. Returns every number seen, in order.
pub(crate) async fn walk(agent: &Browser, start: &str, file_between: Option<&Browser>) -> Vec<String> {
    let mut seen = Vec::new();
    let mut next = Some(start.to_owned());
    let mut page_no = 0;
    while let Some(path) = next {
        let page = agent.page(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let numbers = page.select("#queue-table tbody tr td:first-child a");
        assert!(numbers.len() <= 25);
        seen.extend(numbers);
        next = page.attr(".pager a", "href");
        if let Some(customer) = file_between {
            let urgency = if page_no % 2 == 0 { "critical" } else { "normal" };
            customer.file_ticket(&ticket_form("filed while paging", &[("urgency", urgency)])).await;
        }
        page_no += 1;
    }
    seen
}

pub(crate) async fn expected(app: &TestApp, filter: &str) -> Vec<String> {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        number: String,
    }
    let mut conn = app.pool.get().await.unwrap();
    let rows: Vec<Row> =
        diesel::sql_query(format!("SELECT number FROM tickets WHERE {filter} ORDER BY urgency_rank, created_at, id"))
            .load(&mut conn)
            .await
            .unwrap();
    rows.into_iter().map(|r| r.number).collect()
}

#[actix_web::test]
async fn keyset_pages_show_every_row_once_even_while_tickets_arrive() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let urgencies = ["normal", "urgent", "critical"];
    for i in 0..61 {
        customer.file_ticket(&ticket_form(&format!("工单 {i}"), &[("urgency", urgencies[i % 3])])).await;
    }
    let all = expected(&app, "true").await;
    assert_eq!(walk(&agent, "/queue", None).await, all, "pages in queue order, nothing twice, nothing missed");

    let seen = walk(&agent, "/queue", Some(&customer)).await;
    let distinct: HashSet<_> = seen.iter().collect();
    assert_eq!(distinct.len(), seen.len(), "no row twice");
    for number in &all {
        assert!(distinct.contains(number), "{number} was missed");
    }
}

#[actix_web::test]
async fn filters_narrow_the_queue_and_live_in_the_url() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let other = app.signed_in(Role::Agent, "b@example.com").await;
    for i in 0..40 {
        let kind = if i % 2 == 0 { "complaint" } else { "fault_repair" };
        let urgency = if i % 5 == 0 { "critical" } else { "normal" };
        let phone = format!("1390000{i:04}");
        let title = format!("空调 {i}");
        customer
            .file_ticket(&ticket_form(
                &title,
                &[("ticket_type", kind), ("urgency", urgency), ("contact_phone", &phone)],
            ))
            .await;
    }
    let special = customer.file_ticket(&ticket_form("Washer leaks water", &[("contact_name", "Emily Chen")])).await;
    let mine = expected(&app, "ticket_type = 'complaint'").await;
    for number in mine.iter().take(3) {
        agent.post(&format!("/tickets/{number}/take"), &[]).await;
    }
    other.post(&format!("/tickets/{special}/take"), &[]).await;

    let cases: Vec<(&str, String)> = vec![
        ("/queue?type=complaint", "ticket_type = 'complaint'".into()),
        ("/queue?urgency=critical", "urgency = 'critical'".into()),
        ("/queue?type=complaint&urgency=critical", "ticket_type = 'complaint' AND urgency = 'critical'".into()),
        ("/queue?state=assigned", "state = 'assigned'".into()),
        ("/queue?state=submitted&type=fault_repair", "state = 'submitted' AND ticket_type = 'fault_repair'".into()),
        ("/queue?assignee=unassigned", "assignee_id IS NULL".into()),
        ("/queue?q=washer", "title = 'Washer leaks water'".into()),
        ("/queue?q=Emily", "contact_name = 'Emily Chen'".into()),
        ("/queue?q=13900000007", "contact_phone = '13900000007'".into()),
        (&*format!("/queue?q={special}"), format!("number = '{special}'")),
        ("/queue?q=%25", "false".into()),
        ("/queue?state=closed", "false".into()),
    ]
    .into_iter()
    .map(|(p, f)| (Box::leak(p.to_owned().into_boxed_str()) as &str, f))
    .collect();
    for (path, filter) in cases {
        let want = expected(&app, &filter).await;
        assert_eq!(walk(&agent, path, None).await, want, "{path}");
    }
    let mine_seen = walk(&agent, "/queue?assignee=mine", None).await;
    assert_eq!(mine_seen.len(), 3);
    let empty = agent.page("/queue?state=closed").await;
    assert!(empty.contains("没有符合条件的工单"), "an empty state that says what to do");

    // The next-page link keeps the filters, and the form shows them.
    let page = agent.page("/queue?urgency=normal&state=all").await;
    let next = page.attr(".pager a", "href").expect("more than one page of normal tickets");
    assert!(next.contains("urgency=normal") && next.contains("state=all") && next.contains("after="), "{next}");
    assert_eq!(page.attr("#f-urgency option[selected]", "value").as_deref(), Some("normal"));
}

#[actix_web::test]
async fn htmx_gets_just_the_table() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    customer.file_ticket(&ticket_form("fragment", &[])).await;
    let res = agent
        .http
        .get(agent.url("/queue?type=fault_repair"))
        .header("HX-Request", "true")
        .header("HX-Target", "queue-table")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["vary"], "HX-Request");
    let body = res.text().await.unwrap();
    assert!(body.trim_start().starts_with("<div id=\"queue-table\""), "{body}");
    assert!(body.contains("fragment") && !body.contains("<html"));
}
