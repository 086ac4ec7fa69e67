//! The customer portal: filing tickets and following them.

use crate::helpers::*;
use aftersales::domain::Role;
use reqwest::StatusCode;
use std::collections::HashSet;

#[actix_web::test]
async fn each_bad_field_comes_back_with_its_message_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let long_title = "长".repeat(121);
    let cases: Vec<(&str, &str, &str)> = vec![
        ("title", "", "此项必填"),
        ("title", &long_title, "最多 120 个字符"),
        ("description", "   ", "此项必填"),
        ("product_model", "", "此项必填"),
        ("ticket_type", "", "此项必填"),
        ("ticket_type", "teleport", "请从列表中选择"),
        ("urgency", "asap", "请从列表中选择"),
        ("desired_outcome", "cash", "请从列表中选择"),
        ("purchase_date", "2999-01-01", "不能晚于今天"),
        ("purchase_date", "31/02/2025", "有效的日期"),
        ("contact_phone", "call me", "有效的电话号码"),
        ("contact_email", "x@", "有效的邮箱"),
        ("contact_name", "", "此项必填"),
    ];
    for (field, value, message) in cases {
        let form = ticket_form("冰箱不制冷", &[(field, value)]);
        let page = to_page(customer.post("/portal/tickets", &form).await).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value}");
        let shown = page.first(&format!("#e-{field}")).unwrap_or_default();
        assert!(shown.contains(message), "{field}={value}: got {shown:?}");
        assert_eq!(page.attr(&format!("#f-{field}"), "aria-invalid").as_deref(), Some("true"));
        // Everything typed is still there.
        assert_eq!(
            page.attr("#f-product_model", "value").unwrap_or_default(),
            if field == "product_model" { "" } else { "DW-600 洗碗机" }
        );
        assert!(page.contains("开机后不进水") || field == "description");
    }
    let no_contact = ticket_form("x", &[("contact_phone", ""), ("contact_email", "")]);
    let page = to_page(customer.post("/portal/tickets", &no_contact).await).await;
    assert!(page.first("#e-contact_phone").unwrap_or_default().contains("至少填写"));
    assert_eq!(app.count("SELECT count(*) FROM tickets").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM ticket_events").await, 0);
}

#[actix_web::test]
async fn a_filed_ticket_shows_for_the_customer_and_in_the_queue() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;

    let form = customer.page("/portal/tickets/new").await;
    assert_eq!(
        form.attr("#f-contact_name", "value").as_deref(),
        Some("customer c"),
        "contact prefilled from the account"
    );

    let number = customer.file_ticket(&ticket_form("洗碗机不进水", &[("urgency", "urgent")])).await;
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).format("%Y%m%d").to_string();
    assert_eq!(number, format!("AS{today}-000001"));

    let page = customer.page(&format!("/tickets/{number}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.first(".badge.state-submitted").as_deref(), Some("待受理"));
    assert!(page.select(".events li").iter().any(|e| e.contains("提交了工单")), "the event log shows the filing");

    let list = customer.page("/portal").await;
    assert!(list.select("td a").contains(&number));

    let queue = agent.page("/queue").await;
    let rows = queue.select("#queue-table tbody tr");
    assert_eq!(rows.len(), 1);
    assert!(rows[0].contains(&number) && rows[0].contains("洗碗机不进水") && rows[0].contains("紧急"));
}

#[actix_web::test]
async fn concurrent_filings_get_distinct_numbers() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let titles: Vec<String> = (0..50).map(|i| format!("并发工单 {i}")).collect();
    let filings = titles.iter().map(|title| {
        let customer = customer.clone();
        async move { customer.file_ticket(&ticket_form(title, &[])).await }
    });
    let numbers: Vec<String> = futures_util::future::join_all(filings).await;
    let distinct: HashSet<_> = numbers.iter().collect();
    assert_eq!(distinct.len(), 50, "{numbers:?}");
    assert_eq!(app.count("SELECT count(DISTINCT number) FROM tickets").await, 50);
}

#[actix_web::test]
async fn the_customer_list_pages_by_keyset() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let titles: Vec<String> = (0..23).map(|i| format!("工单 {i}")).collect();
    for title in &titles {
        customer.file_ticket(&ticket_form(title, &[])).await;
    }
    let first = customer.page("/portal").await;
    let mut seen = first.select("tbody tr td:first-child a");
    assert_eq!(seen.len(), 20);
    let more = first.attr(".pager a", "href").expect("a link to more");
    let second = customer.page(&more).await;
    seen.extend(second.select("tbody tr td:first-child a"));
    assert!(second.attr(".pager a", "href").is_none());
    let distinct: HashSet<_> = seen.iter().collect();
    assert_eq!((seen.len(), distinct.len()), (23, 23));
}
