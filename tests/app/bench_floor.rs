//! The benchmark's floor page (`/bench/floor`), which exists only in the bench build:
//! `cargo test --features bench --test app bench_floor`.

use crate::helpers::{TestApp, ticket_form};
use aftersales::domain::Role;
use reqwest::StatusCode;

#[actix_web::test]
async fn the_floor_lists_the_latest_tickets_to_staff_only() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let number = customer.file_ticket(&ticket_form("地板页", &[])).await;

    let anonymous = app.browser().get("/bench/floor").await;
    assert_ne!(anonymous.status(), StatusCode::OK, "no page without a session");

    let refused = customer.get("/bench/floor").await;
    assert_ne!(refused.status(), StatusCode::OK, "a customer does not see other customers' tickets");

    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let page = agent.page("/bench/floor").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains(&number) && page.contains("地板页"), "the latest ticket is listed");
}
