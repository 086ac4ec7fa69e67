//! The withdrawal journey in a real browser: the customer asks to withdraw a ticket in progress, the agent
//! disputes, a supervisor approves on the approvals page with a note, and the customer reads the outcome.

use crate::browser::{Chrome, person};
use crate::helpers::{TestApp, ticket_form};
use aftersales::domain::Role;

#[actix_web::test]
async fn a_disputed_withdrawal_is_approved_by_a_supervisor_and_the_customer_sees_why() {
    let app = TestApp::spawn().await;
    let customer = person(&app, Role::Customer, "wang@example.com", "王芳").await;
    let number = customer.file_ticket(&ticket_form("洗碗机不进水", &[])).await;
    let agent = person(&app, Role::Agent, "zhang@example.com", "张工").await;
    for step in ["take", "act/start"] {
        assert_eq!(agent.post(&format!("/tickets/{number}/{step}"), &[]).await.status(), 303, "{step}");
    }
    app.create_user(Role::Supervisor, "chen@example.com", "陈主管").await;
    let Some(chrome) = Chrome::open(&app).await else { return };
    let ticket = format!("/tickets/{number}");

    // The customer reads what withdrawing means, then asks.
    chrome.login("wang@example.com").await;
    chrome.goto(&ticket).await;
    chrome.see(".badges", "处理中").await;
    chrome.click(".withdraw-open a.button").await;
    chrome.see("#withdraw-dialog", "撤单对此工单意味着什么").await;
    chrome.see("#withdraw-dialog", "等待").await;
    chrome.assert_accessible("the ticket page with the withdrawal dialog open").await;
    chrome.choose("#f-withdraw-reason", "other").await;
    chrome.fill("#f-withdraw-text", "已找别家修好").await;
    chrome.click("#withdraw-dialog button[type=submit].primary").await;
    chrome.see(".withdrawal-pending", "已找别家修好").await;
    chrome.see(".withdrawal-holder", "张工").await;
    chrome.see(".badges", "处理中").await;
    chrome.see(".badges .withdrawal-tag", "撤单").await;

    // The agent disputes; the supervisors decide from now on.
    chrome.login("zhang@example.com").await;
    chrome.goto(&ticket).await;
    chrome.see(".withdrawal-pending", "已找别家修好").await;
    chrome.click("details.withdrawal-step:has(#f-withdrawal_dispute-text) > summary").await;
    chrome.choose("#f-withdrawal_dispute-dispute_reason", "parts_shipped").await;
    chrome.fill("#f-withdrawal_dispute-text", "配件已经寄出").await;
    chrome.click("form[action$='/withdrawal/dispute'] button[type=submit]").await;
    chrome.see(".withdrawal-holder", "服务主管").await;
    chrome.see(".withdrawal-dispute", "配件已经寄出").await;

    // The supervisor finds it on the approvals page and approves with a note, after a confirmation.
    chrome.login("chen@example.com").await;
    chrome.see(".nav", "审批").await;
    chrome.click_and_settle("nav a[href='/approvals']").await;
    chrome.see("#approvals-list", &number).await;
    chrome.see("#approvals-list", "已找别家修好").await;
    chrome.see("#approvals-list", "配件已经寄出").await;
    chrome.full_screenshot("approvals").await;
    chrome.fill("form.decision-form[action$='/approve'] textarea", "同意撤单，配件请退回").await;
    chrome.click("form.decision-form[action$='/approve'] button[type=submit]").await;
    let question = chrome.confirm().await;
    assert!(question.contains("撤销"), "the confirmation says the ticket will be withdrawn: {question}");
    chrome.see("#approvals-list", "没有待审批的撤单申请").await;

    // The customer sees the ticket withdrawn, who decided and the note, but not the agent's dispute.
    chrome.login("wang@example.com").await;
    chrome.goto("/portal").await;
    chrome.see("table", "已撤销").await;
    chrome.goto(&ticket).await;
    chrome.see(".badges", "已撤销").await;
    chrome.see(".withdrawal-entry", "服务主管已批准").await;
    chrome.see(".withdrawal-note", "同意撤单，配件请退回").await;
    assert!(!chrome.body().await.contains("配件已经寄出"), "the dispute stays with the staff");
    chrome.close().await;
}
