//! The search box (queue and My tickets): short Chinese terms, numbers, phones,
//! products; exact results; kept right as tickets are filed and edited.

use crate::helpers::*;
use aftersales::domain::Role;
use reqwest::StatusCode;

/// The ticket numbers the queue lists for `query`, over every page.
async fn queue_hits(agent: &Browser, query: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut next = Some(format!("/queue?state=all&q={}", urlencoding(query)));
    while let Some(path) = next {
        let page = agent.page(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        seen.extend(page.select("#queue-table tbody tr td:first-child a"));
        next = page.attr(".pager a", "href");
    }
    seen.sort();
    seen
}

fn urlencoding(text: &str) -> String {
    serde_urlencoded::to_string([("", text)]).unwrap().trim_start_matches('=').to_owned()
}

fn sorted(numbers: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = numbers.iter().map(|n| n.to_string()).collect();
    v.sort();
    v
}

#[actix_web::test]
async fn queue_search_finds_short_chinese_terms_words_numbers_phones_and_products_exactly() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let phone = customer
        .file_ticket(&ticket_form(
            "手机屏幕碎裂",
            &[
                ("product_model", "华为Mate 60"),
                ("contact_phone", "13912345678"),
                ("description", "昨天摔了一下，Screen cracked badly. Model ABCD, later XBCY."),
            ],
        ))
        .await;
    let aircon = customer
        .file_ticket(&ticket_form(
            "空调不制冷",
            &[("product_model", "格力KFR-35GW"), ("contact_phone", "13800001111"), ("description", "夏天太热了")],
        ))
        .await;
    let washer = customer
        .file_ticket(&ticket_form("机器噪音大", &[("product_model", "DW-600 洗碗机"), ("contact_name", "李娜")]))
        .await;

    let cases: Vec<(&str, Vec<&String>)> = vec![
        ("机", vec![&phone, &washer]),
        ("屏幕", vec![&phone]),
        ("制冷", vec![&aircon]),
        ("屏幕碎裂", vec![&phone]),
        ("SCREEN", vec![&phone]),
        ("5678", vec![&phone]),
        (&aircon[2..], vec![&aircon]),
        ("KFR-35", vec![&aircon]),
        ("DW-600", vec![&washer]),
        ("李娜", vec![&washer]),
        ("空调 太热", vec![&aircon]),
        // Every gram is there, but not in this order: the recheck keeps results exact.
        ("abcy", vec![]),
        ("碎屏", vec![]),
        ("空调 screen", vec![]),
        ("%", vec![]),
    ];
    for (query, want) in cases {
        assert_eq!(queue_hits(&agent, query).await, sorted(&want), "{query}");
    }
}

#[actix_web::test]
async fn an_edited_ticket_is_found_by_its_new_words_and_not_its_old() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let number = customer.file_ticket(&ticket_form("冰箱漏水", &[])).await;
    assert_eq!(queue_hits(&agent, "漏水").await, std::slice::from_ref(&number));

    let path = format!("/tickets/{number}/edit");
    let v = customer.page(&path).await.attr("input[name=version]", "value").unwrap();
    let mut form = ticket_form("洗衣机噪音", &[("product_model", "小天鹅TG100")]);
    form.push(("version", &v));
    assert_eq!(customer.post(&path, &form).await.status(), StatusCode::SEE_OTHER);

    assert!(queue_hits(&agent, "漏水").await.is_empty(), "the old title is gone");
    assert_eq!(queue_hits(&agent, "噪").await, std::slice::from_ref(&number));
    assert_eq!(queue_hits(&agent, "TG100").await, std::slice::from_ref(&number));
    let mine = customer.page("/portal?q=噪音").await;
    assert_eq!(mine.select("tbody tr td:first-child a"), [number]);
}

#[actix_web::test]
async fn a_customer_searches_only_their_own_tickets_page_by_page() {
    let app = TestApp::spawn().await;
    let alice = app.signed_in(Role::Customer, "alice@example.com").await;
    let bob = app.signed_in(Role::Customer, "bob@example.com").await;
    let mut alices = Vec::new();
    for i in 0..22 {
        alices.push(alice.file_ticket(&ticket_form(&format!("电视黑屏 {i}"), &[])).await);
    }
    alice.file_ticket(&ticket_form("遥控器失灵", &[])).await;
    let bobs = bob.file_ticket(&ticket_form("电视黑屏", &[])).await;

    let first = alice.page("/portal?q=黑屏").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.attr("#f-q", "value").as_deref(), Some("黑屏"), "the box shows the search");
    let mut seen = first.select("tbody tr td:first-child a");
    assert_eq!(seen.len(), 20);
    let next = first.attr(".pager a", "href").expect("a second page");
    assert!(next.contains("q=%E9%BB%91%E5%B1%8F") && next.contains("after="), "{next}");
    let second = alice.page(&next).await;
    seen.extend(second.select("tbody tr td:first-child a"));
    assert!(second.attr(".pager a", "href").is_none());
    seen.sort();
    alices.sort();
    assert_eq!(seen, alices, "all of hers, none of bob's, no other title");

    let other = alice.page(&format!("/portal?q={bobs}")).await;
    assert!(other.select("tbody tr").is_empty(), "bob's number finds nothing for alice");
    assert_eq!(other.select(".portal-no-match").len(), 1, "and says so");
    let too_long = "长".repeat(101);
    assert_eq!(alice.page(&format!("/portal?q={too_long}")).await.status, StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn search_combines_with_the_queue_filters_and_keyset_pages() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let urgencies = ["normal", "urgent", "critical"];
    for i in 0..66 {
        let title = if i % 3 == 2 { format!("门锁故障 {i}") } else { format!("热水器漏水 {i}") };
        customer.file_ticket(&ticket_form(&title, &[("urgency", urgencies[i % 4 % 3])])).await;
    }
    for (query, filter) in [
        ("q=漏水", "search_text LIKE '%漏水%'"),
        ("q=漏水&urgency=normal", "search_text LIKE '%漏水%' AND urgency = 'normal'"),
        ("q=热水器&type=complaint", "false"),
    ] {
        let want = crate::queue::expected(&app, &format!("state NOT IN ('closed', 'withdrawn') AND {filter}")).await;
        let seen = crate::queue::walk(&agent, &format!("/queue?{query}"), None).await;
        assert_eq!(seen, want, "{query}: in queue order, every match once");
    }
    assert!(crate::queue::expected(&app, "search_text LIKE '%漏水%'").await.len() > 25, "more than one page");
}
