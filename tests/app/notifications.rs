//! The notification centre (通知): each person's own notifications, in their
//! language, newest first; marking one or all read; nobody reads another's.

use crate::approvals::{dispute, in_progress, request_withdrawal, session_user, ticket_id};
use crate::helpers::*;
use aftersales::domain::Role;
use chrono::{Duration, Utc};
use reqwest::StatusCode;

async fn unread(app: &TestApp, email: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id \
         WHERE u.email = '{email}' AND n.read_at IS NULL"
    ))
    .await
}

async fn notification_ids(app: &TestApp, email: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    let total = app
        .count(&format!(
            "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.email = '{email}'"
        ))
        .await;
    for offset in 0..total {
        ids.push(
            app.count(&format!(
                "SELECT n.id FROM notifications n JOIN users u ON u.id = n.user_id \
                 WHERE u.email = '{email}' ORDER BY n.id OFFSET {offset} LIMIT 1"
            ))
            .await,
        );
    }
    ids
}

/// A customer, an agent and a supervisor, and a request the agent disputed.
async fn disputed_request() -> (TestApp, Browser, Browser, Browser, String, i64, chrono::DateTime<Utc>) {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let boss = app.signed_in(Role::Supervisor, "s@example.com").await;
    let number = in_progress(&customer, &agent, "洗碗机漏水").await;
    // The receipt and "someone works on it" are told too; these tests are about the withdrawal's news.
    app.exec("DELETE FROM notifications").await;
    let asked = Utc::now() - Duration::hours(1);
    let request = request_withdrawal(&app, &number, "c@example.com", asked).await;
    dispute(&app, &number, "a@example.com", request, asked + Duration::minutes(10)).await;
    (app, customer, agent, boss, number, request, asked)
}

#[actix_web::test]
async fn each_person_reads_their_notifications_in_their_language() {
    let (_app, customer, agent, boss, number, request, asked) = disputed_request().await;
    let id = request.to_string();
    let res = boss.post(&format!("/approvals/{request}/reject"), &[("request", &id), ("text", "需要先退回配件")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let page = customer.page("/notifications").await;
    assert_eq!(page.status, StatusCode::OK);
    let texts = page.select(".notice-text");
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts[0].contains(&format!("工单 {number} 的撤单申请被驳回")), "newest first: {texts:?}");
    assert!(texts[1].contains("已转交服务主管"), "{texts:?}");
    assert_eq!(page.select(".notice.unread").len(), 2);
    assert!(page.first(".notice-note").unwrap().contains("需要先退回配件"), "the supervisor's note under the message");
    assert!(page.first("button[value=ticket]").unwrap().contains(&number), "a way to the ticket");
    assert!(page.first("form[action='/notifications/read-all']").is_some());

    // The assignee is asked to answer by a time, shown in the service's zone.
    let page = agent.page("/notifications").await;
    let due = (asked + Duration::hours(4)).with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d %H:%M");
    let lines = page.select(".notice-due");
    assert!(lines.iter().any(|l| l == &format!("请在 {due} 前答复")), "{lines:?}");
    assert!(page.contains("客户申请撤销工单"));

    // The supervisors hear why it is theirs.
    let details = boss.page("/notifications").await.select(".notice-detail");
    assert!(details.contains(&"转主管原因：处理人有异议".to_owned()), "{details:?}");
    assert!(details.contains(&"处理人的异议：配件已发出".to_owned()), "{details:?}");

    let res = customer.get("/lang/en?next=/notifications").await;
    assert_eq!(location(&res), "/notifications");
    let page = customer.page("/notifications").await;
    assert_eq!(page.first("h1").as_deref(), Some("Notifications"));
    let texts = page.select(".notice-text");
    assert!(
        texts[0].contains(&format!("The withdrawal request for ticket {number} was rejected; the ticket goes on."))
    );
    assert!(texts[1].contains("went to a supervisor"), "{texts:?}");
    assert!(page.first(".notice-note").unwrap().starts_with("Note:"));
    assert!(page.select("nav a").iter().any(|a| a.starts_with("Notifications")));
}

#[actix_web::test]
async fn marking_read_one_or_all_and_never_another_persons() {
    let (app, customer, _agent, _boss, number, _request, _asked) = disputed_request().await;
    let stranger = app.signed_in(Role::Customer, "other@example.com").await;
    let ids = notification_ids(&app, "c@example.com").await;
    assert_eq!(ids.len(), 1, "the customer heard the request went to a supervisor");
    let mine = ids[0];

    assert_eq!(stranger.post(&format!("/notifications/{mine}/read"), &[]).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(stranger.post("/notifications/999999/read", &[]).await.status(), StatusCode::NOT_FOUND);
    let res = app.browser().post(&format!("/notifications/{mine}/read"), &[]).await;
    assert!(location(&res).starts_with("/login"), "anonymous: sign in first");
    assert_eq!(unread(&app, "c@example.com").await, 1, "still unread");
    assert_eq!(stranger.post("/notifications/read-all", &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(unread(&app, "c@example.com").await, 1, "read-all is the person's own");

    // Opening it marks it read and goes to the ticket.
    let res = customer.post(&format!("/notifications/{mine}/read"), &[("then", "ticket")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/tickets/{number}"));
    assert_eq!(unread(&app, "c@example.com").await, 0);
    let res = customer.post(&format!("/notifications/{mine}/read"), &[("then", "list")]).await;
    assert_eq!(location(&res), "/notifications", "again is harmless; the list when asked");
    let page = customer.page("/notifications").await;
    assert!(page.select(".notice.unread").is_empty());
    assert!(page.first(&format!("#notice-{mine} a[href='/tickets/{number}']")).is_some(), "read: a plain link");

    // Two more, then one by htmx and the rest all at once.
    let ticket = ticket_id(&app, &number).await;
    let who = session_user(&app, "c@example.com", Role::Customer).await;
    {
        use aftersales::store::notifications::{NewNotification, insert_all};
        let data = serde_json::json!({});
        let row = |kind| NewNotification {
            user_id: who.id,
            ticket_id: Some(ticket),
            kind,
            data: &data,
            created_at: Utc::now(),
        };
        let mut conn = app.pool.get().await.expect("conn");
        insert_all(&mut conn, &[row("withdrawal_rejected"), row("withdrawal_lapsed")]).await.expect("insert");
    }
    let ids = notification_ids(&app, "c@example.com").await;
    let token = customer.csrf().await;
    let res = customer
        .http
        .post(customer.url(&format!("/notifications/{}/read", ids[1])))
        .header("HX-Request", "true")
        .header("HX-Target", format!("notice-{}", ids[1]))
        .header("X-CSRF-Token", &token)
        .form(&[("then", "list")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers().get("hx-trigger").and_then(|v| v.to_str().ok()), Some("badges-changed"));
    let item = to_page(res).await;
    assert!(item.first(&format!("li#notice-{}", ids[1])).is_some() && item.first("li.unread").is_none());
    assert_eq!(unread(&app, "c@example.com").await, 1);

    let res = customer
        .http
        .post(customer.url("/notifications/read-all"))
        .header("HX-Request", "true")
        .header("HX-Target", "notifications-list")
        .header("X-CSRF-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let list = to_page(res).await;
    assert_eq!(list.select("li.notice").len(), 3);
    assert!(list.first("li.unread").is_none() && list.first("h1").is_none());
    assert_eq!(unread(&app, "c@example.com").await, 0);
}

#[actix_web::test]
async fn an_empty_centre_says_so_and_a_long_one_comes_in_pages() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let page = customer.page("/notifications").await;
    assert_eq!(page.first(".empty").as_deref(), Some("暂无通知。工单有进展时，会在这里告诉您。"));
    assert!(page.first("form[action='/notifications/read-all']").is_none(), "nothing to mark");
    assert_eq!(app.browser().get("/notifications").await.status(), StatusCode::SEE_OTHER);

    let number = customer.file_ticket(&ticket_form("x", &[])).await;
    app.exec("DELETE FROM notifications").await; // the receipt: this test counts its own
    let ticket = ticket_id(&app, &number).await;
    let who = session_user(&app, "c@example.com", Role::Customer).await;
    {
        use aftersales::store::notifications::{NewNotification, insert_all};
        let data = serde_json::json!({ "note": "" });
        let rows: Vec<NewNotification> = (0..35)
            .map(|_| NewNotification {
                user_id: who.id,
                ticket_id: Some(ticket),
                kind: "withdrawn",
                data: &data,
                created_at: Utc::now(),
            })
            .collect();
        let mut conn = app.pool.get().await.expect("conn");
        insert_all(&mut conn, &rows).await.expect("insert");
    }
    let ids = notification_ids(&app, "c@example.com").await;
    let page = customer.page("/notifications").await;
    let shown: Vec<String> = page
        .html
        .select(&scraper::Selector::parse("li.notice").unwrap())
        .filter_map(|li| li.value().attr("id").map(str::to_owned))
        .collect();
    assert_eq!(shown.len(), 30);
    assert_eq!(shown[0], format!("notice-{}", ids[34]), "newest first");
    assert!(page.first(".notice-note").is_none(), "an empty note is no note");
    let next = page.attr(".pager a", "href").expect("a next page");
    let rest = customer.page(&next).await;
    assert_eq!(rest.select("li.notice").len(), 5);
    assert!(rest.first(".pager a").is_none());
    assert_eq!(customer.get("/notifications?before=abc").await.status(), StatusCode::BAD_REQUEST);
}
