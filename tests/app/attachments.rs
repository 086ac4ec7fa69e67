//! Attachments: uploading (limits, types told from content, CSRF, who may),
//! the list on the ticket page, and serving files only to those who may see them.

use crate::helpers::*;
use aftersales::domain::Role;
use aftersales::domain::workflow::Action;
use aftersales::services::SessionUser;
use aftersales::services::attachments::UploadLimits;
use aftersales::services::tickets::{self as ticket_service, By, Change};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use std::path::{Path, PathBuf};

/// A real 1×1 PNG.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
/// The start of a Linux program.
const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0\x01\0\0\0\x78\0\x40\0\0\0\0\0\x40\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x40\0\x38\0\x01\0";

/// One file of an upload: name, bytes, and the type the client claims (ignored by the server).
pub struct Upload<'a>(pub &'a str, pub &'a [u8], pub &'a str);

fn form(files: &[Upload<'_>], internal: bool) -> Form {
    let mut form = Form::new();
    if internal {
        form = form.text("internal", "on");
    }
    for Upload(name, bytes, claimed) in files {
        let part = Part::bytes(bytes.to_vec()).file_name(name.to_string()).mime_str(claimed).expect("mime");
        form = form.part("files", part);
    }
    form
}

/// Posts the upload form as a browser does without script: token in the action URL.
pub async fn upload(browser: &Browser, number: &str, files: &[Upload<'_>]) -> reqwest::Response {
    upload_with(browser, number, files, false).await
}

async fn upload_with(browser: &Browser, number: &str, files: &[Upload<'_>], internal: bool) -> reqwest::Response {
    let token = browser.csrf().await;
    let url = browser.url(&format!("/tickets/{number}/attachments?csrf_token={token}"));
    browser.http.post(url).multipart(form(files, internal)).send().await.expect("upload")
}

/// Posts the upload form as htmx does: token in the header.
pub async fn htmx_upload(browser: &Browser, number: &str, files: &[Upload<'_>]) -> reqwest::Response {
    let token = browser.csrf().await;
    browser
        .http
        .post(browser.url(&format!("/tickets/{number}/attachments")))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", token)
        .multipart(form(files, false))
        .send()
        .await
        .expect("upload")
}

/// Every file under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() { out.extend(files_under(&path)) } else { out.push(path) }
    }
    out
}

/// What is on disk: stored files, and leftovers in the (local) temporary folder.
pub fn disk(app: &TestApp) -> (Vec<PathBuf>, Vec<PathBuf>) {
    (files_under(&app.data_dir.join("attachments")), files_under(&app.data_dir.join("tmp")))
}

async fn attachment_id(app: &TestApp, name: &str) -> i64 {
    app.count(&format!("SELECT id FROM attachments WHERE file_name = '{name}'")).await
}

/// Nothing of any upload was kept: no rows, no events, no files.
async fn assert_nothing_stored(app: &TestApp) {
    assert_eq!(app.count("SELECT count(*) FROM attachments").await, 0, "no attachment rows");
    assert_eq!(app.count("SELECT count(*) FROM ticket_events WHERE kind = 'attachment_added'").await, 0, "no events");
    let (stored, tmp) = disk(app);
    assert!(stored.is_empty(), "no stored files: {stored:?}");
    assert!(tmp.is_empty(), "no half-written files: {tmp:?}");
}

/// A signed-in browser and the same person as the services see them.
async fn person(app: &TestApp, role: Role, email: &str, name: &str) -> (Browser, SessionUser) {
    let id = app.create_user(role, email, name).await;
    let browser = app.browser();
    assert_eq!(browser.login(email, PASSWORD).await.status(), StatusCode::SEE_OTHER);
    (browser, SessionUser { id, role, name: name.into() })
}

async fn apply(app: &TestApp, number: &str, who: &SessionUser, action: Action) {
    let mut conn = app.pool.get().await.expect("conn");
    ticket_service::apply(&mut conn, number, By::Person(who), Change::new(action).text("ok"), chrono::Utc::now())
        .await
        .unwrap_or_else(|e| panic!("{action:?}: {e}"));
}

#[actix_web::test]
async fn a_photo_and_a_pdf_are_listed_and_served_with_safe_headers() {
    let app = TestApp::spawn().await;
    let (customer, _) = person(&app, Role::Customer, "c@example.com", "王芳").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let number = customer.file_ticket(&ticket_form("洗碗机漏水", &[])).await;

    let res =
        upload(&customer, &number, &[Upload("漏水.png", PNG, "image/png"), Upload("发票.pdf", PDF, "application/pdf")])
            .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/tickets/{number}"));

    // Listed on the page with size and uploader; the photo as a lazy thumbnail.
    let page = customer.page(&format!("/tickets/{number}")).await;
    assert_eq!(page.select(".attachment-name"), vec!["漏水.png", "发票.pdf"]);
    let png_id = attachment_id(&app, "漏水.png").await;
    let pdf_id = attachment_id(&app, "发票.pdf").await;
    assert_eq!(page.attr("img.attachment-thumb", "src"), Some(format!("/attachments/{png_id}")));
    assert_eq!(page.attr("img.attachment-thumb", "loading").as_deref(), Some("lazy"));
    assert_eq!(page.select("img.attachment-thumb").len(), 1, "only images get a thumbnail");
    let rows = page.select(".attachment-info");
    assert!(rows[0].contains(&format!("{} B", PNG.len())) && rows[0].contains("王芳"), "{rows:?}");
    // The upload is in the log, with the file names.
    assert!(page.select(".event-attachment_added").iter().any(|e| e.contains("添加了附件") && e.contains("发票.pdf")));
    // The form: a labelled multi-file input that names the accepted types.
    assert_eq!(page.attr("input[type=file]", "multiple").as_deref(), Some(""));
    assert!(page.attr("input[type=file]", "accept").unwrap_or_default().contains("application/pdf"));
    assert_eq!(page.first("label[for=f-files]").as_deref(), Some("选择文件"));

    // The bytes come back exactly, with the stored type and safe headers.
    let res = customer.get(&format!("/attachments/{png_id}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["content-security-policy"], "sandbox");
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("inline;"));
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);

    let res = customer.get(&format!("/attachments/{pdf_id}")).await;
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("inline;"), "{disposition}");
    assert!(disposition.contains("filename*=UTF-8''%E5%8F%91%E7%A5%A8.pdf"), "{disposition}");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    // Video players ask for ranges.
    let res = customer
        .http
        .get(customer.url(&format!("/attachments/{pdf_id}")))
        .header("Range", "bytes=0-3")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(res.headers()["content-security-policy"], "sandbox");
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"%PDF");
    // The download link asks for a download.
    let res = customer.get(&format!("/attachments/{pdf_id}?download=1")).await;
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));

    // Staff see and fetch them too.
    let page = agent.page(&format!("/tickets/{number}")).await;
    assert_eq!(page.select(".attachment-name"), vec!["漏水.png", "发票.pdf"]);
    let res = agent.get(&format!("/attachments/{pdf_id}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);

    // Stored once each, by content hash, with one event for the upload.
    let (stored, tmp) = disk(&app);
    assert_eq!(stored.len(), 2);
    assert!(tmp.is_empty());
    for path in &stored {
        let hash = path.file_name().unwrap().to_str().unwrap();
        assert_eq!(hash.len(), 64);
        assert!(path.ends_with(format!("{}/{}/{hash}", &hash[..2], &hash[2..4])), "{}", path.display());
    }
    assert_eq!(app.count("SELECT count(*) FROM ticket_events WHERE kind = 'attachment_added'").await, 1);
    assert_eq!(
        app.count("SELECT count(*) FROM attachments a JOIN ticket_events e ON e.id = a.event_id WHERE e.kind = 'attachment_added'")
            .await,
        2
    );
}

#[actix_web::test]
async fn logs_are_text_and_the_same_content_is_stored_once() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let number = customer.file_ticket(&ticket_form("日志", &[])).await;
    let log = "2026-11-23 10:00:01 E42 水位传感器无响应\n".repeat(50);
    // A log with a dangerous name is kept as text, and named so it cannot run when opened.
    let files =
        [Upload("device.log", log.as_bytes(), "text/plain"), Upload("run.bat", log.as_bytes(), "application/x-bat")];
    assert_eq!(upload(&customer, &number, &files).await.status(), StatusCode::SEE_OTHER);

    let page = customer.page(&format!("/tickets/{number}")).await;
    assert_eq!(page.select(".attachment-name"), vec!["device.log", "run.bat.txt"]);
    let id = attachment_id(&app, "device.log").await;
    let res = customer.get(&format!("/attachments/{id}")).await;
    assert_eq!(res.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(res.headers()["content-disposition"], "attachment; filename=\"device.log\"");
    assert_eq!(res.text().await.unwrap(), log);
    // Two rows, one file on disk.
    assert_eq!(app.count("SELECT count(*) FROM attachments").await, 2);
    assert_eq!(disk(&app).0.len(), 1);
}

#[actix_web::test]
async fn htmx_uploads_swap_the_ticket_in_place_and_refusals_go_to_the_flash_area() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let number = customer.file_ticket(&ticket_form("htmx", &[])).await;
    let res = htmx_upload(&customer, &number, &[Upload("photo.png", PNG, "image/png")]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert!(body.trim_start().starts_with("<div id=\"ticket-main\""), "a fragment, not a page");
    assert!(body.contains("photo.png"));

    let res = htmx_upload(&customer, &number, &[Upload("photo.jpg", ELF, "image/jpeg")]).await;
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(res.headers()["hx-retarget"], "#flash");
    assert!(res.text().await.unwrap().contains("是程序或脚本"));
}

#[actix_web::test]
async fn another_customer_sees_neither_the_ticket_nor_its_files() {
    let app = TestApp::spawn().await;
    let owner = app.signed_in(Role::Customer, "owner@example.com").await;
    let other = app.signed_in(Role::Customer, "other@example.com").await;
    let number = owner.file_ticket(&ticket_form("私人工单", &[])).await;
    assert_eq!(upload(&owner, &number, &[Upload("mine.png", PNG, "image/png")]).await.status(), StatusCode::SEE_OTHER);
    let id = attachment_id(&app, "mine.png").await;

    assert_eq!(other.get(&format!("/tickets/{number}")).await.status(), StatusCode::NOT_FOUND);
    let res = other.get(&format!("/attachments/{id}")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(!res.bytes().await.unwrap().windows(4).any(|w| w == b"IHDR"), "not a byte of the file");
    // Nor can they add files to it.
    let res = upload(&other, &number, &[Upload("theirs.png", PNG, "image/png")]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("SELECT count(*) FROM attachments").await, 1);
    assert_eq!(disk(&app).1.len(), 0);
    // Without signing in: to the sign-in page, not the file.
    let res = app.browser().get(&format!("/attachments/{id}")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/login"));
}

#[actix_web::test]
async fn an_internal_notes_files_never_reach_the_customer() {
    // Two files a ticket: internal files are counted apart, so they take none of the customer's.
    let app = TestApp::spawn_with(UploadLimits { max_file_bytes: 1024 * 1024, max_files_per_ticket: 2 }).await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let number = customer.file_ticket(&ticket_form("内部附件", &[])).await;
    let files = [Upload("SECRET-diagnosis.pdf", PDF, "application/pdf"), Upload("SECRET-board.png", PNG, "image/png")];
    assert_eq!(upload_with(&agent, &number, &files, true).await.status(), StatusCode::SEE_OTHER);
    let secret_id = attachment_id(&app, "SECRET-board.png").await;

    let page = agent.page(&format!("/tickets/{number}")).await;
    assert_eq!(page.select(".attachment.internal .attachment-name"), vec!["SECRET-diagnosis.pdf", "SECRET-board.png"]);
    assert_eq!(agent.get(&format!("/attachments/{secret_id}")).await.status(), StatusCode::OK);

    // Not on the customer's page (list, thumbnails, log), not as a file, not in the numbers.
    let raw = customer.get(&format!("/tickets/{number}")).await.text().await.unwrap();
    assert!(!raw.contains("SECRET"), "no trace of internal files");
    assert!(!raw.contains(&format!("/attachments/{secret_id}")));
    assert_eq!(customer.get(&format!("/attachments/{secret_id}")).await.status(), StatusCode::NOT_FOUND);
    let page = customer.page(&format!("/tickets/{number}")).await;
    assert!(page.contains("还可添加 2 个"), "{}", page.text);
    assert_eq!(
        upload(&customer, &number, &[Upload("a.png", PNG, "image/png"), Upload("b.pdf", PDF, "application/pdf")])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );

    // A customer cannot make their files internal.
    let res = upload_with(&customer, &number, &[Upload("c.png", PNG, "image/png")], true).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM attachments").await, 4);
    assert_eq!(disk(&app).1.len(), 0);
}

#[actix_web::test]
async fn a_file_over_the_limit_is_refused_with_413_and_nothing_is_stored() {
    let app = TestApp::spawn_with(UploadLimits { max_file_bytes: 1024 * 1024, max_files_per_ticket: 10 }).await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let number = customer.file_ticket(&ticket_form("大文件", &[])).await;
    let mut big = PNG.to_vec();
    big.resize(1024 * 1024 + 1, 0);

    // A good file first, then one byte too many: the whole upload is refused.
    let files = [Upload("ok.png", PNG, "image/png"), Upload("太大的照片.png", &big, "image/png")];
    let page = to_page(upload(&customer, &number, &files).await).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.contains("“太大的照片.png”太大：每个文件不能超过 1 MB。没有保存任何文件。"), "{}", page.text);
    assert_eq!(page.attr("a.button", "href"), Some(format!("/tickets/{number}")));
    assert_nothing_stored(&app).await;

    // Far over the limit (more than the server reads to be polite): still a clear 413.
    let mut huge = PNG.to_vec();
    huge.resize(6 * 1024 * 1024, 0);
    let page = to_page(upload(&customer, &number, &[Upload("huge.png", &huge, "image/png")]).await).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.contains("“huge.png”太大"));
    assert_nothing_stored(&app).await;

    // Exactly at the limit is fine.
    big.truncate(1024 * 1024);
    assert_eq!(
        upload(&customer, &number, &[Upload("刚好.png", &big, "image/png")]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.count("SELECT size_bytes FROM attachments").await, 1024 * 1024);
}

#[actix_web::test]
async fn the_eleventh_file_is_refused() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let number = customer.file_ticket(&ticket_form("十个文件", &[])).await;
    let names: Vec<String> = (1..=11).map(|i| format!("log-{i}.txt")).collect();
    let logs: Vec<String> = (1..=11).map(|i| format!("line {i}\n")).collect();
    let files: Vec<Upload<'_>> =
        names.iter().zip(&logs).map(|(n, l)| Upload(n.as_str(), l.as_bytes(), "text/plain")).collect();

    // Eleven at once: refused, nothing kept.
    let page = to_page(upload(&customer, &number, &files).await).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.contains("每个工单最多 10 个，这个工单还能添加 10 个"), "{}", page.text);
    assert_nothing_stored(&app).await;

    // Ten fit; then the eleventh is refused.
    assert_eq!(upload(&customer, &number, &files[..10]).await.status(), StatusCode::SEE_OTHER);
    let page = to_page(upload(&customer, &number, &files[10..]).await).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.contains("还能添加 0 个"));
    assert_eq!(app.count("SELECT count(*) FROM attachments").await, 10);
    assert_eq!(disk(&app).1.len(), 0);
}

#[actix_web::test]
async fn disguised_programs_and_other_types_are_refused() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let number = customer.file_ticket(&ticket_form("伪装", &[])).await;
    let cases: [(Upload<'_>, StatusCode, &str); 5] = [
        (Upload("photo.jpg", ELF, "image/jpeg"), StatusCode::UNSUPPORTED_MEDIA_TYPE, "“photo.jpg”是程序或脚本"),
        (
            Upload("setup.pdf", b"MZ\x90\0\x03\0\0\0", "application/pdf"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "是程序或脚本",
        ),
        (Upload("log.txt", b"#!/bin/sh\nrm -rf /\n", "text/plain"), StatusCode::UNSUPPORTED_MEDIA_TYPE, "是程序或脚本"),
        (
            Upload("cat.jpg", b"@echo off\r\nformat c:\r\n", "image/jpeg"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "内容与文件名不符",
        ),
        (
            Upload("a.gz", b"\x1f\x8b\x08\0\0\0\0\0\0\x03", "application/gzip"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "不支持“a.gz”的文件类型",
        ),
    ];
    for (file, status, message) in cases {
        let name = file.0;
        let page = to_page(upload(&customer, &number, &[file]).await).await;
        assert_eq!(page.status, status, "{name}");
        assert!(page.contains(message), "{name}: {}", page.text);
        assert!(page.contains("没有保存任何文件"), "{name}");
    }
    // An empty file, and a form with no file chosen.
    let page = to_page(upload(&customer, &number, &[Upload("empty.txt", b"", "text/plain")]).await).await;
    assert_eq!(page.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(page.contains("“empty.txt”是空文件"));
    let page = to_page(upload(&customer, &number, &[Upload("", b"", "application/octet-stream")]).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请先选择要上传的文件"));
    // Not a multipart form at all.
    let res = customer.post(&format!("/tickets/{number}/attachments"), &[("files", "x")]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_nothing_stored(&app).await;
}

#[actix_web::test]
async fn uploads_without_the_csrf_token_are_refused() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let number = customer.file_ticket(&ticket_form("csrf", &[])).await;
    let url = customer.url(&format!("/tickets/{number}/attachments"));
    let res =
        customer.http.post(&url).multipart(form(&[Upload("a.png", PNG, "image/png")], false)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = customer
        .http
        .post(format!("{url}?csrf_token=wrong"))
        .multipart(form(&[Upload("a.png", PNG, "image/png")], false))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_nothing_stored(&app).await;
}

#[actix_web::test]
async fn control_characters_in_an_upload_are_refused_in_text_parts_and_file_names() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let number = customer.file_ticket(&ticket_form("控制字符", &[])).await;
    let token = customer.csrf().await;
    let url = customer.url(&format!("/tickets/{number}/attachments?csrf_token={token}"));
    let part = Part::bytes(PNG.to_vec()).file_name("a.png").mime_str("image/png").unwrap();
    let form = Form::new().text("internal", "o\u{0}n").part("files", part);
    let res = customer.http.post(&url).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_nothing_stored(&app).await;

    // In a file name they make the part's header unreadable: the same refusal.
    let res = upload(&customer, &number, &[Upload("漏水\u{1b}[31m.png", PNG, "image/png")]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_nothing_stored(&app).await;
}

#[actix_web::test]
async fn closed_and_withdrawn_tickets_take_no_files() {
    let app = TestApp::spawn().await;
    let (customer, customer_user) = person(&app, Role::Customer, "c@example.com", "王芳").await;
    let (_, agent_user) = person(&app, Role::Agent, "a@example.com", "李工").await;
    let withdrawn = customer.file_ticket(&ticket_form("撤销的", &[])).await;
    apply(&app, &withdrawn, &customer_user, Action::Withdraw).await;
    let closed = customer.file_ticket(&ticket_form("已完成的", &[])).await;
    for action in [Action::Take, Action::Start, Action::Resolve] {
        apply(&app, &closed, &agent_user, action).await;
    }
    apply(&app, &closed, &customer_user, Action::Confirm).await;

    let agent = app.browser();
    assert_eq!(agent.login("a@example.com", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    for number in [&withdrawn, &closed] {
        for who in [&customer, &agent] {
            let page = who.page(&format!("/tickets/{number}")).await;
            assert!(page.first("input[type=file]").is_none(), "no upload form on a finished ticket");
            let page = to_page(upload(who, number, &[Upload("late.png", PNG, "image/png")]).await).await;
            assert_eq!(page.status, StatusCode::CONFLICT);
            assert!(page.contains("工单已完成或已撤销，不能再修改。"), "{}", page.text);
        }
    }
    assert_nothing_stored(&app).await;
}

#[actix_web::test]
async fn unknown_and_malformed_attachment_ids_are_not_found() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    for path in ["/attachments/999999", "/attachments/abc", "/attachments/-1", "/attachments/99999999999999999999"] {
        assert_eq!(customer.get(path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[actix_web::test]
async fn two_uploads_racing_for_the_last_place_cannot_both_win() {
    let app = TestApp::spawn_with(UploadLimits { max_file_bytes: 1024 * 1024, max_files_per_ticket: 1 }).await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    for round in 0..3 {
        let number = customer.file_ticket(&ticket_form(&format!("抢位置 {round}"), &[])).await;
        let (a, b) = futures_util::join!(
            upload(&customer, &number, &[Upload("a.png", PNG, "image/png")]),
            upload(&agent, &number, &[Upload("b.pdf", PDF, "application/pdf")]),
        );
        let mut statuses = vec![a.status(), b.status()];
        statuses.sort();
        assert_eq!(statuses, vec![StatusCode::SEE_OTHER, StatusCode::PAYLOAD_TOO_LARGE], "round {round}");
        let stored = app
            .count(&format!(
                "SELECT count(*) FROM attachments a JOIN tickets t ON t.id = a.ticket_id WHERE t.number = '{number}'"
            ))
            .await;
        assert_eq!(stored, 1, "round {round}");
    }
    assert_eq!(disk(&app).1.len(), 0, "no temporary files left");
}
