//! A ticket's whole life through the pages: every action, its refusals and its log.

use crate::helpers::*;
use aftersales::domain::Role;
use reqwest::StatusCode;

/// The version the ticket page shows in its action forms (a person without
/// action forms on the page still sends one, as a page could).
async fn version(browser: &Browser, number: &str) -> Option<String> {
    browser.page(&format!("/tickets/{number}")).await.attr("input[name=version]", "value")
}

async fn state_of(app: &TestApp, number: &str) -> String {
    let states = ["submitted", "assigned", "in_progress", "awaiting_customer", "resolved", "closed", "withdrawn"];
    for s in states {
        if app.count(&format!("SELECT count(*) FROM tickets WHERE number = '{number}' AND state = '{s}'")).await == 1 {
            return s.to_owned();
        }
    }
    panic!("no ticket {number}")
}

async fn act(browser: &Browser, number: &str, action: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let v = version(browser, number).await;
    let mut form = fields.to_vec();
    if let Some(v) = &v {
        form.push(("version", v));
    }
    browser.post(&format!("/tickets/{number}/act/{action}"), &form).await
}

#[actix_web::test]
async fn a_ticket_goes_from_intake_to_closed_with_every_step_logged() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let number = customer.file_ticket(&ticket_form("热水器不加热", &[])).await;
    let path = format!("/tickets/{number}");

    agent.post(&format!("{path}/take"), &[]).await;
    assert_eq!(act(&agent, &number, "start", &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, &number).await, "in_progress");

    act(&agent, &number, "request_info", &[("text", "请拍一张温控面板的照片")]).await;
    assert_eq!(state_of(&app, &number).await, "awaiting_customer");
    let page = customer.page(&path).await;
    assert!(page.contains("请拍一张温控面板的照片") && page.contains("待客户反馈"));

    customer.post(&format!("{path}/comments"), &[("body", "面板显示 E2")]).await;
    assert_eq!(state_of(&app, &number).await, "in_progress", "the customer's answer resumes work");

    act(&agent, &number, "resolve", &[("text", "更换温控器后恢复正常"), ("cause", "parts")]).await;
    assert_eq!(state_of(&app, &number).await, "resolved");
    let page = customer.page(&path).await;
    assert!(page.contains("更换温控器后恢复正常") && page.contains("问题原因: 配件"));
    assert!(page.select("button").iter().any(|b| b.contains("确认已解决")));

    act(&customer, &number, "reject", &[("text", "第二天又不加热了")]).await;
    assert_eq!(state_of(&app, &number).await, "in_progress");
    assert_eq!(app.count(&format!("SELECT reopen_count FROM tickets WHERE number = '{number}'")).await, 1);

    act(&agent, &number, "resolve", &[("text", "更换加热管"), ("cause", "quality_defect")]).await;
    assert_eq!(act(&customer, &number, "confirm", &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, &number).await, "closed");
    assert_eq!(app.count(&format!("SELECT count(*) FROM tickets WHERE number = '{number}' AND closed_at IS NOT NULL AND resolved_at IS NOT NULL AND cause_code = 'quality_defect'")).await, 1);

    // The survey, once.
    let res = customer.post(&format!("{path}/survey"), &[("score", "4"), ("comment", "师傅很专业")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = customer.page(&path).await;
    assert!(page.contains("4/5") && page.contains("师傅很专业"));
    assert!(page.first("#h-survey").is_none(), "no second survey form");
    let again = to_page(customer.post(&format!("{path}/survey"), &[("score", "1")]).await).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.contains("已经评价过"));
    assert_eq!(app.count("SELECT count(*) FROM surveys").await, 1);

    let kinds = app
        .count(&format!(
            "SELECT count(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.number = '{number}' \
             AND e.kind IN ('filed','assigned','started','info_requested','customer_info','resolved','reopened','confirmed','rated')"
        ))
        .await;
    assert_eq!(
        kinds, 10,
        "filed, assigned, started, info_requested, customer_info, resolved×2, reopened, confirmed, rated"
    );
}

#[actix_web::test]
async fn actions_need_their_input_and_store_nothing_without_it() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let number = customer.file_ticket(&ticket_form("x", &[])).await;
    agent.post(&format!("/tickets/{number}/take"), &[]).await;
    act(&agent, &number, "start", &[]).await;

    let page = to_page(act(&agent, &number, "resolve", &[("text", " "), ("cause", "")]).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-resolve-text").unwrap_or_default().contains("此项必填"));
    assert!(page.first("#e-resolve-cause").unwrap_or_default().contains("此项必填"));
    assert!(page.attr("details.action-panel[open]", "class").is_some(), "the failed form stays open");
    let page = to_page(act(&agent, &number, "resolve", &[("text", "修好了"), ("cause", "sabotage")]).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.first("#f-resolve-text").as_deref(), Some("修好了"), "the solution text is kept");
    assert!(page.first("#e-resolve-cause").is_some());
    let page = to_page(act(&agent, &number, "request_info", &[("text", "")]).await).await;
    assert!(page.first("#e-request_info-text").is_some());
    assert_eq!(state_of(&app, &number).await, "in_progress");
    assert_eq!(agent.post(&format!("/tickets/{number}/act/teleport"), &[]).await.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn a_change_from_a_stale_page_is_refused_and_the_current_ticket_shown() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let number = customer.file_ticket(&ticket_form("stale", &[])).await;
    agent.post(&format!("/tickets/{number}/take"), &[]).await;
    let seen = version(&agent, &number).await.expect("version");
    // Meanwhile the customer adds information (a new version).
    customer.post(&format!("/tickets/{number}/comments"), &[("body", "补充：型号是 X2")]).await;
    let res = agent.post(&format!("/tickets/{number}/act/start"), &[("version", &seen)]).await;
    let page = to_page(res).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.first(".alert-error").unwrap_or_default().contains("已被其他人修改"));
    assert!(page.contains("补充：型号是 X2"), "the current ticket is shown");
    assert_eq!(state_of(&app, &number).await, "assigned", "nothing overwritten");
}

#[actix_web::test]
async fn only_the_right_people_may_act() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let other_customer = app.signed_in(Role::Customer, "d@example.com").await;
    let mine = app.signed_in(Role::Agent, "a@example.com").await;
    let colleague = app.signed_in(Role::Agent, "b@example.com").await;
    let boss = app.signed_in(Role::Supervisor, "s@example.com").await;
    let number = customer.file_ticket(&ticket_form("权限", &[])).await;
    mine.post(&format!("/tickets/{number}/take"), &[]).await;

    let page = to_page(act(&colleague, &number, "start", &[]).await).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "another agent's ticket");
    assert!(page.contains("只有处理人或主管"));
    let res = act(&customer, &number, "start", &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "customers don't start work");
    let res = other_customer.post(&format!("/tickets/{number}/act/confirm"), &[]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "another customer's ticket does not exist");
    let res = customer
        .post(&format!("/tickets/{number}/classify"), &[("ticket_type", "complaint"), ("urgency", "critical")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = mine.post(&format!("/tickets/{number}/correct"), &[("state", "closed"), ("reason", "x")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "only supervisors correct");
    let res = mine.post(&format!("/tickets/{number}/survey"), &[("score", "5")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(state_of(&app, &number).await, "assigned");

    assert_eq!(act(&boss, &number, "start", &[]).await.status(), StatusCode::SEE_OTHER, "a supervisor may");
    assert_eq!(state_of(&app, &number).await, "in_progress");
}

#[actix_web::test]
async fn reassigning_needs_a_reason_and_keeps_it_internal() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let first = app.signed_in(Role::Agent, "a@example.com").await;
    let second_id = app.create_user(Role::Agent, "b@example.com", "李工").await;
    let number = customer.file_ticket(&ticket_form("转派", &[])).await;
    first.post(&format!("/tickets/{number}/take"), &[]).await;
    let path = format!("/tickets/{number}/reassign");
    let second = second_id.to_string();

    let page = to_page(first.post(&path, &[("assignee", &second), ("reason", "")]).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-reassign-reason").is_some());
    let page = to_page(first.post(&path, &[("assignee", "999999"), ("reason", "休假")]).await).await;
    assert!(page.first("#e-reassign-assignee").is_some(), "unknown assignee");

    assert_eq!(
        first.post(&path, &[("assignee", &second), ("reason", "下周休假 PRIVATE")]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM tickets WHERE number = '{number}' AND assignee_id = {second}")).await,
        1
    );
    assert!(customer.page(&format!("/tickets/{number}")).await.contains("李工"));
    assert!(!customer.page(&format!("/tickets/{number}")).await.contains("PRIVATE"), "the reason is internal");
    // The first agent no longer has it, so can't pass it on again.
    let res = first.post(&path, &[("assignee", &second), ("reason", "again")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn classification_and_customer_edits_log_old_and_new_values() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let number = customer.file_ticket(&ticket_form("冰箱漏水", &[])).await;
    let path = format!("/tickets/{number}");

    // The customer edits while nobody has started.
    let edit = customer.page(&format!("{path}/edit")).await;
    assert_eq!(edit.attr("#f-title", "value").as_deref(), Some("冰箱漏水"));
    let v = edit.attr("input[name=version]", "value").unwrap();
    let mut form = ticket_form("冰箱底部漏水", &[("serial_number", "SN-NEW")]);
    form.push(("version", &v));
    assert_eq!(customer.post(&format!("{path}/edit"), &form).await.status(), StatusCode::SEE_OTHER);
    let page = customer.page(&path).await;
    assert!(page.contains("标题: 冰箱漏水 → 冰箱底部漏水"));
    assert!(page.contains("序列号: SN123 → SN-NEW"));
    // Bad input keeps what was typed.
    let mut bad = ticket_form("", &[]);
    let v = edit.attr("input[name=version]", "value").unwrap();
    let v = (v.parse::<i32>().unwrap() + 1).to_string();
    bad.push(("version", &v));
    let page = to_page(customer.post(&format!("{path}/edit"), &bad).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-title").is_some());

    // Staff change the urgency; then work starts and the customer can no longer edit.
    agent.post(&format!("{path}/take"), &[]).await;
    let v = version(&agent, &number).await.expect("version");
    let res = agent
        .post(&format!("{path}/classify"), &[("ticket_type", "fault_repair"), ("urgency", "critical"), ("version", &v)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(agent.page(&path).await.contains("紧急程度: 一般 → 特急"));
    act(&agent, &number, "start", &[]).await;
    let page = customer.page(&format!("{path}/edit")).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.contains("只能由客服修改"));
    assert_eq!(app.count("SELECT count(*) FROM ticket_events WHERE kind = 'fields_changed'").await, 2);
}

#[actix_web::test]
async fn supervisors_correct_a_wrong_state_with_a_reason() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let boss = app.signed_in(Role::Supervisor, "s@example.com").await;
    let number = customer.file_ticket(&ticket_form("误关闭", &[])).await;
    let path = format!("/tickets/{number}");
    agent.post(&format!("{path}/take"), &[]).await;
    act(&agent, &number, "start", &[]).await;
    act(&agent, &number, "resolve", &[("text", "done"), ("cause", "other")]).await;
    act(&customer, &number, "confirm", &[]).await;

    let page = to_page(boss.post(&format!("{path}/correct"), &[("state", "in_progress"), ("reason", "")]).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-correct-reason").is_some());
    let page = to_page(boss.post(&format!("{path}/correct"), &[("state", "withdrawn"), ("reason", "x")]).await).await;
    assert_eq!(page.status, StatusCode::CONFLICT, "withdrawal has its own process");
    assert_eq!(state_of(&app, &number).await, "closed");

    let res = boss
        .post(&format!("{path}/correct"), &[("state", "in_progress"), ("reason", "客户电话说未修好，误点了确认")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text().await.unwrap_or_default());
    assert_eq!(state_of(&app, &number).await, "in_progress");
    let staff_view = agent.page(&path).await;
    assert!(staff_view.contains("更正了工单状态") && staff_view.contains("误点了确认"));
    assert!(!customer.page(&path).await.contains("误点了确认"), "the reason is internal");
}

#[actix_web::test]
async fn the_survey_comes_only_after_closing_and_checks_its_score() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let number = customer.file_ticket(&ticket_form("评价", &[])).await;
    let res = customer.post(&format!("/tickets/{number}/survey"), &[("score", "5")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "not before it is closed");
    let other = app.signed_in(Role::Customer, "d@example.com").await;
    assert_eq!(
        other.post(&format!("/tickets/{number}/survey"), &[("score", "5")]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.count("SELECT count(*) FROM surveys").await, 0);
}
