//! The demo data: every page has something to show, withdrawals included.

use crate::helpers::*;

#[actix_web::test]
async fn demo_data_has_withdrawals_in_every_stage() {
    let app = TestApp::spawn().await;
    assert!(aftersales::seed::seed_demo(&app.pool, chrono_tz::Asia::Shanghai).await.expect("seed"));
    assert_eq!(app.count("SELECT count(*) FROM withdrawals WHERE status = 'immediate'").await, 6);
    assert_eq!(
        app.count("SELECT count(*) FROM tickets WHERE state = 'withdrawn' AND withdrawn_at IS NOT NULL").await,
        6,
        "each withdrawn demo ticket has its record and its time"
    );
    assert_eq!(app.count("SELECT count(*) FROM withdrawals WHERE status = 'with_assignee'").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM withdrawals WHERE status = 'with_supervisors'").await, 2);
    assert_eq!(app.count("SELECT count(*) FROM tickets WHERE withdrawal_id IS NOT NULL").await, 3);
    assert_eq!(app.count("SELECT count(*) FROM compensations").await, 1);
    assert!(app.count("SELECT count(*) FROM notifications").await >= 5, "the assignees and supervisors were told");
    // Pending requests are flagged in the queue and in the customer's list.
    let supervisor = app.browser();
    supervisor.login("supervisor@demo.local", aftersales::seed::DEMO_PASSWORD).await;
    assert_eq!(supervisor.page("/queue").await.select("span.withdrawal-tag").len(), 3);
    let customer = app.browser();
    customer.login("customer1@demo.local", aftersales::seed::DEMO_PASSWORD).await;
    let flagged = customer.page("/portal").await.select("span.withdrawal-tag");
    assert_eq!(flagged.len(), 1, "one of the three requests is customer1's");
    assert!(flagged[0].contains("撤单申请中"));
    assert!(!aftersales::seed::seed_demo(&app.pool, chrono_tz::Asia::Shanghai).await.expect("again"), "seeded once");
}
