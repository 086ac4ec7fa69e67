//! Journeys in a real browser: a customer files and follows a ticket; an agent and the customer take one
//! from filed to closed and rated. Each step checks what the person sees, and the browser's log stays clean.

use crate::browser::{Chrome, person};
use crate::helpers::{TestApp, ticket_form};
use aftersales::domain::Role;

/// Fills the new-ticket form as a customer does (the contact name comes from the account).
async fn fill_ticket_form(chrome: &Chrome, title: &str) {
    chrome.choose("#f-ticket_type", "fault_repair").await;
    chrome.choose("#f-urgency", "normal").await;
    chrome.fill("#f-title", title).await;
    chrome.fill("#f-description", "开机后不进水，指示灯一直闪烁。").await;
    chrome.choose("#f-desired_outcome", "repair").await;
    chrome.fill("#f-product_model", "DW-600 洗碗机").await;
    chrome.fill("#f-serial_number", "SN20250601").await;
    chrome.fill("#f-contact_phone", "13800138000").await;
}

#[actix_web::test]
async fn a_customer_registers_files_a_ticket_with_a_photo_and_follows_it() {
    let app = TestApp::spawn().await;
    let Some(chrome) = Chrome::open(&app).await else { return };

    // Registering signs the customer in and opens an empty portal that says what to do.
    chrome.goto("/register").await;
    chrome.fill("#f-name", "王芳").await;
    chrome.fill("#f-email", "wangfang@example.com").await;
    chrome.fill("#f-password", "correct horse battery").await;
    chrome.click_and_settle("form[action='/register'] button[type=submit]").await;
    chrome.see("h1", "我的工单").await;
    chrome.see(".empty", "还没有").await;
    chrome.see(".nav-user", "王芳").await;

    // Filing: the form, then the new ticket's page with its state.
    chrome.click_and_settle(".empty a.button.primary").await;
    chrome.see("h1", "提交售后工单").await;
    fill_ticket_form(&chrome, "洗碗机不进水").await;
    chrome.click_and_settle("form[action='/portal/tickets'] button[type=submit]").await;
    chrome.see(".ticket-main h1", "洗碗机不进水").await;
    chrome.see(".ticket-main .badges", "待受理").await;
    let number = chrome.text(".ticket-number").await;
    assert!(number.starts_with("AS"), "a ticket number: {number}");

    // A photo of the fault, through the file chooser.
    let photo = app.data_dir.join("photo.png");
    std::fs::write(&photo, chrome.png().await).expect("a PNG to upload");
    chrome.attach("#f-files", &photo).await;
    chrome.click(".upload-form button[type=submit]").await;
    chrome.see(".attachment-list", "photo.png").await;
    assert!(chrome.exists(".attachment-list img.attachment-thumb").await, "the photo shows as a thumbnail");

    // A second, similar ticket: the form points at the open one before anything is filed.
    chrome.goto("/portal/tickets/new").await;
    fill_ticket_form(&chrome, "洗碗机还是不进水").await;
    chrome.see("#similar-tickets", &number).await;
    chrome.see("#similar-tickets", "您可能已经提交过相同的问题").await;
    chrome.assert_accessible("the new-ticket form with the hint").await;
    chrome.full_screenshot("new-ticket").await;

    // The customer files nothing more and follows the first one from the portal.
    chrome.click_and_settle("a[href='/portal']").await;
    chrome.see("table", &number).await;
    chrome.see("table", "待受理").await;
    chrome.click_and_settle(&format!("a[href='/tickets/{number}']")).await;
    chrome.see(".ticket-log", "提交了工单").await;
    chrome.see(".attachments", "photo.png").await;
    chrome.close().await;
}

#[actix_web::test]
async fn an_agent_and_the_customer_take_a_ticket_from_filed_to_rated() {
    let app = TestApp::spawn().await;
    let customer = person(&app, Role::Customer, "wang@example.com", "王芳").await;
    let number = customer.file_ticket(&ticket_form("洗碗机不进水", &[])).await;
    app.create_user(Role::Agent, "zhang@example.com", "张工").await;
    let Some(chrome) = Chrome::open(&app).await else { return };
    let ticket = format!("/tickets/{number}");

    // The agent finds it in the queue and takes it.
    chrome.login("zhang@example.com").await;
    chrome.goto("/queue").await;
    chrome.see("#queue-table", &number).await;
    chrome.click_and_settle(&format!("#queue-table a[href='{ticket}']")).await;
    chrome.see(".badges", "待受理").await;
    chrome.click(".action-bar button.primary").await;
    chrome.see(".badges", "已分配").await;
    chrome.see(".ticket-fields", "张工").await;
    chrome.click(".action-bar button.primary").await;
    chrome.see(".badges", "处理中").await;

    // The agent asks for information.
    chrome.click("details.action-panel:has(#f-request_info-text) > summary").await;
    chrome.fill("#f-request_info-text", "请拍一张进水阀的照片").await;
    chrome.click("form[action$='/act/request_info'] button[type=submit]").await;
    chrome.see(".badges", "待客户反馈").await;
    chrome.see(".ticket-log", "请拍一张进水阀的照片").await;

    // The customer answers; the ticket goes back to the agent.
    chrome.login("wang@example.com").await;
    chrome.goto(&ticket).await;
    chrome.see(".badges", "待客户反馈").await;
    chrome.see(".ticket-log", "请拍一张进水阀的照片").await;
    chrome.fill(".comment-form textarea", "进水阀外壳有裂纹。").await;
    chrome.click(".comment-form button[type=submit]").await;
    chrome.see(".badges", "处理中").await;
    chrome.see(".ticket-log", "进水阀外壳有裂纹。").await;

    // The agent resolves.
    resolve(&chrome, &ticket, "更换进水阀").await;

    // The customer is not satisfied and says why.
    chrome.login("wang@example.com").await;
    chrome.goto(&ticket).await;
    chrome.see(".badges", "已处理待确认").await;
    chrome.see(".ticket-fields", "更换进水阀").await;
    chrome.click("details.action-panel:has(#f-reject-text) > summary").await;
    chrome.fill("#f-reject-text", "换了以后还是漏水").await;
    chrome.click("form[action$='/act/reject'] button[type=submit]").await;
    let question = chrome.confirm().await;
    assert!(question.contains("重新打开"), "the confirmation says the ticket reopens: {question}");
    chrome.see(".badges", "处理中").await;
    chrome.see(".ticket-log", "换了以后还是漏水").await;

    // The agent resolves again.
    resolve(&chrome, &ticket, "更换进水阀和密封圈").await;

    // The customer confirms (after a confirmation that says what happens) and rates the service.
    chrome.login("wang@example.com").await;
    chrome.goto(&ticket).await;
    chrome.see(".ticket-fields", "更换进水阀和密封圈").await;
    chrome.click("form[action$='/act/confirm'] button[type=submit]").await;
    let question = chrome.confirm().await;
    assert!(question.contains("关闭") || question.contains("确认"), "the confirmation says what happens: {question}");
    chrome.see(".badges", "已完成").await;
    chrome.see(".survey", "服务评价").await;
    chrome.click(".survey input[name=score][value='5']").await;
    chrome.fill("#f-survey-comment", "师傅很耐心").await;
    chrome.click(".survey button[type=submit]").await;
    chrome.see(".survey-result", "5/5").await;
    chrome.see(".survey-result", "师傅很耐心").await;
    chrome.full_screenshot("ticket").await;
    chrome.close().await;
}

/// The agent signs in, opens the ticket and gives a solution.
async fn resolve(chrome: &Chrome, ticket: &str, solution: &str) {
    chrome.login("zhang@example.com").await;
    chrome.goto(ticket).await;
    chrome.see(".badges", "处理中").await;
    chrome.click("details.action-panel:has(#f-resolve-text) > summary").await;
    chrome.fill("#f-resolve-text", solution).await;
    chrome.choose("#f-resolve-cause", "parts").await;
    chrome.click("form[action$='/act/resolve'] button[type=submit]").await;
    chrome.see(".badges", "已处理待确认").await;
    chrome.see(".ticket-fields", solution).await;
}
