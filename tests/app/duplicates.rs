//! Duplicates: the "you may already have AS…" hint while filing (only the
//! customer's own, open, recent, similar tickets), and merging a duplicate
//! into a surviving ticket (who may, what is refused, what stays readable).

use crate::helpers::*;
use aftersales::domain::Role;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

/// A real 1×1 PNG.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Runs a statement the app offers no page for (making a ticket older).
async fn exec(app: &TestApp, sql: &str) {
    use diesel_async::RunQueryDsl;
    let mut conn = app.pool.get().await.expect("conn");
    diesel::sql_query(sql).execute(&mut conn).await.expect(sql);
}

async fn hint(browser: &Browser, product: &str, serial: &str, title: &str) -> Page {
    let query = serde_urlencoded::to_string([("product_model", product), ("serial_number", serial), ("title", title)])
        .expect("query");
    let res = browser.http.get(browser.url(&format!("/portal/tickets/similar?{query}"))).header("HX-Request", "true");
    to_page(res.send().await.expect("GET")).await
}

/// The ticket numbers a hint names.
fn hinted(page: &Page) -> Vec<String> {
    page.select(".similar-tickets a")
}

/// The version the ticket page shows in its action forms, if it has any.
async fn version(browser: &Browser, number: &str) -> Option<String> {
    browser.page(&format!("/tickets/{number}")).await.attr("input[name=version]", "value")
}

/// Posts the merge form as the page would (with the version it shows; a page
/// without action forms still sends none, as a crafted request could).
async fn merge(browser: &Browser, duplicate: &str, into: &str, note: &str) -> reqwest::Response {
    let v = version(browser, duplicate).await;
    let mut form = vec![("into", into), ("note", note)];
    if let Some(v) = &v {
        form.push(("version", v));
    }
    browser.post(&format!("/tickets/{duplicate}/merge"), &form).await
}

async fn upload(browser: &Browser, number: &str, name: &str, bytes: &[u8], internal: bool) {
    let token = browser.csrf().await;
    let mut form = Form::new();
    if internal {
        form = form.text("internal", "on");
    }
    form = form.part("files", Part::bytes(bytes.to_vec()).file_name(name.to_owned()));
    let url = browser.url(&format!("/tickets/{number}/attachments?csrf_token={token}"));
    let res = browser.http.post(url).multipart(form).send().await.expect("upload");
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "upload of {name}");
}

async fn id_of(app: &TestApp, number: &str) -> i64 {
    app.count(&format!("SELECT id FROM tickets WHERE number = '{number}'")).await
}

/// Takes a ticket all the way to closed: started, resolved, confirmed.
async fn close(agent: &Browser, customer: &Browser, number: &str) {
    agent.post(&format!("/tickets/{number}/take"), &[]).await;
    agent.post(&format!("/tickets/{number}/act/start"), &[]).await;
    agent.post(&format!("/tickets/{number}/act/resolve"), &[("text", "已更换进水阀"), ("cause", "parts")]).await;
    let res = customer.post(&format!("/tickets/{number}/act/confirm"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "confirm {number}");
}

/// What must not change when a merge is refused.
async fn untouched(app: &TestApp, duplicate: &str, seen_version: &str) {
    let sql = format!(
        "SELECT count(*) FROM tickets WHERE number = '{duplicate}' AND state = 'assigned' AND merged_into_id IS NULL \
         AND closed_at IS NULL AND version = {seen_version}"
    );
    assert_eq!(app.count(&sql).await, 1, "{duplicate} unchanged");
    assert_eq!(app.count("SELECT count(*) FROM ticket_events WHERE kind = 'merged'").await, 0, "no merge logged");
    assert_eq!(app.count("SELECT count(*) FROM tickets WHERE merged_into_id IS NOT NULL").await, 0);
}

#[actix_web::test]
async fn the_hint_names_only_the_customers_own_recent_open_similar_tickets() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let neighbour = app.signed_in(Role::Customer, "n@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;

    let open = customer.file_ticket(&ticket_form("洗碗机不进水", &[])).await;
    let by_serial = customer
        .file_ticket(&ticket_form(
            "洗碗机不进水，指示灯闪",
            &[("product_model", "DW-800"), ("serial_number", "SN-XY9")],
        ))
        .await;
    let dissimilar = customer.file_ticket(&ticket_form("发票抬头写错了", &[])).await;
    let other_product = customer
        .file_ticket(&ticket_form("洗碗机不进水", &[("product_model", "RF-200 冰箱"), ("serial_number", "")]))
        .await;
    let closed = customer.file_ticket(&ticket_form("洗碗机不进水了", &[])).await;
    close(&agent, &customer, &closed).await;
    let old = customer.file_ticket(&ticket_form("洗碗机还是不进水", &[])).await;
    exec(&app, &format!("UPDATE tickets SET created_at = now() - interval '31 days' WHERE number = '{old}'")).await;
    let recent_enough = customer.file_ticket(&ticket_form("洗碗机一直不进水", &[])).await;
    exec(&app, &format!("UPDATE tickets SET created_at = now() - interval '29 days' WHERE number = '{recent_enough}'"))
        .await;
    let theirs = neighbour.file_ticket(&ticket_form("洗碗机不进水", &[])).await;

    let page = hint(&customer, "dw-600 洗碗机", "", "洗碗机不进水").await;
    assert_eq!(page.status, StatusCode::OK);
    let shown = hinted(&page);
    assert!(shown.contains(&open), "the same problem on the same product (any case): {shown:?}");
    assert!(shown.contains(&recent_enough), "29 days ago is recent: {shown:?}");
    for (hidden, why) in [
        (&dissimilar, "a different problem"),
        (&other_product, "another product and no serial number"),
        (&closed, "a closed ticket"),
        (&old, "older than 30 days"),
        (&theirs, "another customer's ticket"),
        (&by_serial, "another product and serial"),
    ] {
        assert!(!shown.contains(hidden), "{why} ({hidden}) is not hinted: {shown:?}");
    }
    assert!(page.contains("您可能已经提交过相同的问题"));
    assert_eq!(
        page.attr(".similar-tickets a", "href").as_deref(),
        Some(format!("/tickets/{}", shown[0]).as_str()),
        "each hint links to its ticket"
    );

    // The same serial number counts as the same product.
    let shown = hinted(&hint(&customer, "别的型号", "sn-xy9", "洗碗机不进水").await);
    assert_eq!(shown, vec![by_serial.clone()]);
    // Nothing before a title, nor without a product or serial number.
    let page = hint(&customer, "DW-600 洗碗机", "SN123", "  ").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(hinted(&page).is_empty() && page.first(".similar-tickets").is_none());
    assert!(hinted(&hint(&customer, "", "", "洗碗机不进水").await).is_empty());
    // The neighbour sees only their own.
    assert_eq!(hinted(&hint(&neighbour, "DW-600 洗碗机", "SN123", "洗碗机不进水").await), vec![theirs]);

    // Customers only; signed-out people are sent to sign in.
    let res = agent.get("/portal/tickets/similar?product_model=DW-600%20%E6%B4%97%E7%A2%97%E6%9C%BA&title=x").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app.browser().get("/portal/tickets/similar?title=x").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // The form asks for the hint as the customer types; without script it is an empty box.
    let form = customer.page("/portal/tickets/new").await;
    assert_eq!(form.attr("#similar-tickets", "hx-get").as_deref(), Some("/portal/tickets/similar"));
    assert_eq!(form.attr("#similar-tickets", "aria-live").as_deref(), Some("polite"));
    let include = form.attr("#similar-tickets", "hx-include").unwrap_or_default();
    assert!(
        include.contains("#f-title") && include.contains("#f-product_model") && include.contains("#f-serial_number")
    );
}

#[actix_web::test]
async fn a_merged_duplicate_closes_and_its_messages_and_files_are_read_from_the_survivor() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let survivor = customer.file_ticket(&ticket_form("洗碗机不进水", &[])).await;
    let duplicate =
        customer.file_ticket(&ticket_form("洗碗机又不进水", &[("description", "重复提交的描述 DUPDESC")])).await;
    agent.post(&format!("/tickets/{duplicate}/take"), &[]).await;
    customer.post(&format!("/tickets/{duplicate}/comments"), &[("body", "补充：面板显示 E2")]).await;
    agent
        .post(&format!("/tickets/{duplicate}/comments"), &[("body", "内部：可能是误操作 PRIVATE"), ("internal", "on")])
        .await;
    upload(&customer, &duplicate, "panel.png", PNG, false).await;
    upload(&agent, &duplicate, "internal-report.pdf", PDF, true).await;

    // The assignee sees the merge form, asking before it acts; the customer does not.
    let page = agent.page(&format!("/tickets/{duplicate}")).await;
    assert!(page.first("#f-merge-into").is_some());
    assert!(page.attr("form[action$='/merge']", "data-confirm").is_some_and(|t| t.contains("关闭")));
    assert!(customer.page(&format!("/tickets/{duplicate}")).await.first("#f-merge-into").is_none());

    let res = merge(&agent, &duplicate, &survivor.to_lowercase(), "客户重复提交").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/tickets/{duplicate}"));

    let (dup_id, survivor_id) = (id_of(&app, &duplicate).await, id_of(&app, &survivor).await);
    let sql = format!(
        "SELECT count(*) FROM tickets WHERE id = {dup_id} AND state = 'closed' AND merged_into_id = {survivor_id} \
         AND closed_at IS NOT NULL"
    );
    assert_eq!(app.count(&sql).await, 1, "the duplicate is closed and points to the survivor");
    let sql = format!(
        "SELECT count(*) FROM ticket_events WHERE kind = 'merged' AND NOT internal AND body = '客户重复提交' AND (\
         (ticket_id = {dup_id} AND to_state = 'closed' AND data->>'into_number' = '{survivor}') OR \
         (ticket_id = {survivor_id} AND to_state IS NULL AND data->>'from_number' = '{duplicate}'))"
    );
    assert_eq!(app.count(&sql).await, 2, "one merge entry on each ticket, naming the other");
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM tickets WHERE id = {survivor_id} AND state = 'submitted'")).await,
        1,
        "the survivor carries on"
    );

    // The duplicate's page says where it went; its log links there too.
    let page = customer.page(&format!("/tickets/{duplicate}")).await;
    assert!(page.first(".merged-banner").unwrap_or_default().contains("已合并到"));
    assert_eq!(page.attr(".merged-banner a", "href"), Some(format!("/tickets/{survivor}")));
    assert_eq!(page.attr(".event-merged .merge-link a", "href"), Some(format!("/tickets/{survivor}")));
    assert!(page.contains("已完成"));
    // It was closed by the merge, not by a solution: the survey belongs to the survivor.
    assert!(page.first("#h-survey").is_none(), "no survey on a merged duplicate");
    let page = to_page(customer.post(&format!("/tickets/{duplicate}/survey"), &[("score", "5")]).await).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.first(".alert-error").unwrap_or_default().contains("已合并到其他工单"));
    assert_eq!(app.count("SELECT count(*) FROM surveys").await, 0);

    // The customer reads the duplicate's public messages and files from the survivor, and nothing internal.
    let page = customer.page(&format!("/tickets/{survivor}")).await;
    assert_eq!(page.attr(".event-merged .merge-link a", "href"), Some(format!("/tickets/{duplicate}")));
    let merged = page.first(".merged-from").expect("a merged-from section");
    assert!(merged.contains(&duplicate) && merged.contains("DUPDESC") && merged.contains("补充：面板显示 E2"));
    assert!(merged.contains("panel.png"));
    assert!(
        !page.contains("PRIVATE") && !page.contains("internal-report.pdf"),
        "internal notes and files stay internal"
    );
    let png = app.count("SELECT id FROM attachments WHERE file_name = 'panel.png'").await;
    let pdf = app.count("SELECT id FROM attachments WHERE file_name = 'internal-report.pdf'").await;
    assert_eq!(page.attr(".merged-from a.attachment-name", "href"), Some(format!("/attachments/{png}")));
    assert_eq!(customer.get(&format!("/attachments/{png}")).await.status(), StatusCode::OK);
    assert_eq!(customer.get(&format!("/attachments/{pdf}")).await.status(), StatusCode::NOT_FOUND);

    // Staff read everything, internal notes and files included.
    let page = agent.page(&format!("/tickets/{survivor}")).await;
    let merged = page.first(".merged-from").expect("a merged-from section");
    assert!(merged.contains("PRIVATE") && merged.contains("internal-report.pdf") && merged.contains("panel.png"));
    assert_eq!(agent.get(&format!("/attachments/{pdf}")).await.status(), StatusCode::OK);

    // Merged twice over: what went into the duplicate's survivor is still readable when that one is merged on.
    let third = customer.file_ticket(&ticket_form("第三张", &[])).await;
    let boss = app.signed_in(Role::Supervisor, "s@example.com").await;
    let res = boss
        .htmx_post(
            &format!("/tickets/{survivor}/merge"),
            &[("into", &third), ("version", &version(&boss, &survivor).await.unwrap_or_default())],
        )
        .await;
    let page = to_page(res).await;
    assert_eq!(page.status, StatusCode::OK, "htmx gets the ticket's main part back");
    assert!(page.first(".merged-banner").unwrap_or_default().contains(&third));
    let page = customer.page(&format!("/tickets/{third}")).await;
    let merged = page.select(".merged-ticket").join("\n");
    assert!(merged.contains(&survivor) && merged.contains(&duplicate) && merged.contains("补充：面板显示 E2"));
    assert!(!merged.contains("PRIVATE"));
}

#[actix_web::test]
async fn a_merge_that_should_not_happen_is_refused_with_a_reason_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let neighbour = app.signed_in(Role::Customer, "n@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let colleague = app.signed_in(Role::Agent, "b@example.com").await;
    let duplicate = customer.file_ticket(&ticket_form("洗碗机不进水", &[])).await;
    agent.post(&format!("/tickets/{duplicate}/take"), &[]).await;
    let theirs = neighbour.file_ticket(&ticket_form("洗碗机不进水", &[])).await;
    let closed = customer.file_ticket(&ticket_form("早先的工单", &[])).await;
    close(&colleague, &customer, &closed).await;
    let seen = version(&agent, &duplicate).await.expect("the assignee's page has action forms");
    let merge_path = format!("/tickets/{duplicate}/merge");

    // Targets that can't be: the number field says why and keeps what was typed.
    for (into, message) in [
        (theirs.as_str(), "属于另一位客户"),
        (duplicate.as_str(), "不能合并到它自己"),
        (closed.as_str(), "已完成或已撤销"),
        ("AS20000101-999999", "没有这个编号的工单"),
        ("", "此项必填"),
    ] {
        let page = to_page(merge(&agent, &duplicate, into, "备注 NOTE").await).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "into {into:?}");
        assert!(page.first("#e-merge-into").unwrap_or_default().contains(message), "into {into:?}: {message}");
        assert_eq!(page.attr("#f-merge-into", "value").as_deref(), Some(into), "the number is kept");
        assert_eq!(page.first("#f-merge-note").as_deref(), Some("备注 NOTE"), "the note is kept");
        assert!(page.attr("details.action-panel[open] #f-merge-into", "id").is_some(), "the form stays open");
    }
    untouched(&app, &duplicate, &seen).await;

    // Not into a ticket that was itself merged.
    let survivor = customer.file_ticket(&ticket_form("保留的工单", &[])).await;
    let merged_one = customer.file_ticket(&ticket_form("已合并的工单", &[])).await;
    assert_eq!(merge(&agent, &merged_one, &survivor, "").await.status(), StatusCode::SEE_OTHER);
    let page = to_page(merge(&agent, &duplicate, &merged_one, "").await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-merge-into").unwrap_or_default().contains("本身已被合并"));
    // Nor merge a ticket that is already merged (and so closed).
    let page = to_page(merge(&agent, &merged_one, &survivor, "").await).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.first(".alert-error").unwrap_or_default().contains("已完成或已撤销"));
    let merges_before = app.count("SELECT count(*) FROM ticket_events WHERE kind = 'merged'").await;

    // Not by a customer, the owner included; not by an agent whose ticket it isn't.
    let res = customer.post(&merge_path, &[("into", &survivor), ("version", &seen)]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = neighbour.post(&merge_path, &[("into", &survivor), ("version", &seen)]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let page = to_page(colleague.post(&merge_path, &[("into", &survivor), ("version", &seen)]).await).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.first(".alert-error").unwrap_or_default().contains("只有处理人或主管"));
    assert!(page.first("#f-merge-into").is_none(), "no merge form for an agent whose ticket it isn't");

    // From a stale page: someone changed the duplicate meanwhile.
    customer.post(&format!("/tickets/{duplicate}/comments"), &[("body", "又补充了一句")]).await;
    let page = to_page(agent.post(&merge_path, &[("into", &survivor), ("version", &seen)]).await).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.first(".alert-error").unwrap_or_default().contains("已被其他人修改"));
    assert!(page.contains("又补充了一句"), "the current ticket is shown");

    let sql = format!(
        "SELECT count(*) FROM tickets WHERE number = '{duplicate}' AND state = 'assigned' AND merged_into_id IS NULL"
    );
    assert_eq!(app.count(&sql).await, 1, "the duplicate is as it was");
    assert_eq!(app.count("SELECT count(*) FROM ticket_events WHERE kind = 'merged'").await, merges_before);

    // A supervisor may merge anyone's ticket.
    let boss = app.signed_in(Role::Supervisor, "s@example.com").await;
    assert_eq!(merge(&boss, &duplicate, &survivor, "").await.status(), StatusCode::SEE_OTHER);
    let sql = format!("SELECT count(*) FROM tickets WHERE number = '{duplicate}' AND merged_into_id IS NOT NULL");
    assert_eq!(app.count(&sql).await, 1);
}
