//! Exports of the ticket list: what the files hold (the queue's rows under the same filters, Chinese intact,
//! quoting), the progress page, the download's headers, who may see them, bad requests and expiry.

use crate::helpers::*;
use crate::queue::walk;
use aftersales::domain::Role;
use aftersales::jobs::export_expiry::ExportExpiry;
use aftersales::jobs::ticket_export::TicketExport;
use aftersales::jobs::{Registry, Tick, Worker, WorkerConfig};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use std::sync::Arc;

const BOM: &str = "\u{feff}";
/// The filters the tests export: every state, urgent, matching 漏水.
const FILTERS: &str = "state=all&urgency=urgent&q=%E6%BC%8F%E6%B0%B4";
const FILTER_FIELDS: [(&str, &str); 3] = [("state", "all"), ("urgency", "urgent"), ("q", "漏水")];

pub fn worker(app: &TestApp) -> Worker {
    let mut registry = Registry::new();
    registry.register(TicketExport::new(app.storage.clone()));
    registry.register_every(ExportExpiry::new(app.storage.clone()), std::time::Duration::from_secs(3600));
    Worker::new(app.pool.clone(), Arc::new(registry), WorkerConfig::default())
}

/// Tickets some of which the filters match; one title with a comma, quotes and a line break.
pub async fn tickets(app: &TestApp) -> Browser {
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    for (title, urgency) in [
        ("洗碗机漏水", "urgent"),
        ("冰箱漏水, 很急", "urgent"),
        ("漏水 quoted", "urgent"),
        ("洗衣机不转", "urgent"),
        ("热水器漏水", "normal"),
        ("=HYPERLINK(\"x\") 漏水", "urgent"),
    ] {
        customer.file_ticket(&ticket_form(title, &[("urgency", urgency)])).await;
    }
    // A title the form would not take (a line break), as an import could bring it.
    app.exec("UPDATE tickets SET title = '漏水 \"严重\", 第一行' || E'\\n' || '第二行' WHERE title = '漏水 quoted'")
        .await;
    customer
}

/// Starts an export as `who` with `fields`; the response.
async fn start(who: &Browser, format: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let mut form = fields.to_vec();
    form.push(("format", format));
    who.post("/exports", &form).await
}

/// Starts an export, runs the worker; the export's page path.
pub async fn finished_export(app: &TestApp, supervisor: &Browser, format: &str) -> String {
    let res = start(supervisor, format, &FILTER_FIELDS).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let path = location(&res);
    assert!(path.starts_with("/exports/"), "{path}");
    let ran = worker(app).run_until_idle(Utc::now()).await.unwrap();
    assert_eq!(ran, Tick { claimed: 1, succeeded: 1, failed: 0 });
    path
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect()
}

#[actix_web::test]
async fn csv_export_holds_the_queue_rows_with_the_bom_and_chinese_intact() {
    let app = TestApp::spawn().await;
    tickets(&app).await;
    let supervisor = app.signed_in(Role::Supervisor, "s@example.com").await;
    let mut shown = walk(&supervisor, &format!("/queue?{FILTERS}"), None).await;
    assert_eq!(shown.len(), 4, "the filters match four tickets: {shown:?}");
    shown.sort();

    let path = finished_export(&app, &supervisor, "csv").await;
    let res = supervisor.get(&format!("{path}/download")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), "text/csv; charset=utf-8");
    let disposition = header(&res, "content-disposition");
    assert!(disposition.starts_with("attachment; filename=\"export-20"), "an ASCII fallback: {disposition}");
    assert!(disposition.contains(".csv\""), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''%E5%B7%A5%E5%8D%95%E5%AF%BC%E5%87%BA%2D20"),
        "工单导出-…: {disposition}"
    );
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    let body = res.text().await.unwrap();
    assert!(body.starts_with(BOM), "UTF-8 with a BOM for Excel");

    let rows = csv_rows(&body[BOM.len()..]);
    assert_eq!(rows[0][..4], ["工单号", "标题", "类型", "状态"]);
    let numbers: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(numbers, shown, "the queue's rows under the same filters, in filing order");
    let titles: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
    assert!(titles.contains(&"冰箱漏水, 很急"), "{titles:?}");
    assert!(titles.contains(&"漏水 \"严重\", 第一行\n第二行"), "quoted comma, quotes and line break: {titles:?}");
    assert!(titles.contains(&"'=HYPERLINK(\"x\") 漏水"), "a formula stays text: {titles:?}");
    assert!(
        rows[1..].iter().all(|r| r[2] == "故障报修" && r[3] == "待受理" && r[4] == "紧急" && r[5] == "网页门户"),
        "{rows:?}"
    );
    assert!(body.contains("\"漏水 \"\"严重\"\", 第一行\n第二行\""), "the csv crate's quoting");
}

#[actix_web::test]
async fn xlsx_export_reads_back_with_the_same_rows_as_the_csv() {
    use calamine::{Data, Reader, Xlsx};
    let app = TestApp::spawn().await;
    tickets(&app).await;
    let supervisor = app.signed_in(Role::Supervisor, "s@example.com").await;

    let csv_path = finished_export(&app, &supervisor, "csv").await;
    let csv_text = supervisor.get(&format!("{csv_path}/download")).await.text().await.unwrap();
    let mut from_csv = csv_rows(&csv_text[BOM.len()..]);

    let path = finished_export(&app, &supervisor, "xlsx").await;
    let res = supervisor.get(&format!("{path}/download")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert!(header(&res, "content-disposition").contains(".xlsx\""));
    let bytes = res.bytes().await.unwrap().to_vec();
    let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    let from_xlsx: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| if *c == Data::Empty { String::new() } else { c.to_string() }).collect())
        .collect();
    // The CSV marks formula-like text with an apostrophe; the XLSX stores it as text, as it is.
    for row in &mut from_csv {
        if let Some(title) = row[1].strip_prefix('\'') {
            row[1] = title.to_owned();
        }
    }
    assert_eq!(from_xlsx.len(), 5);
    assert_eq!(from_xlsx, from_csv, "the same headers and cells");
}

#[actix_web::test]
async fn the_page_shows_progress_while_polled_then_the_download() {
    let app = TestApp::spawn().await;
    tickets(&app).await;
    let supervisor = app.signed_in(Role::Supervisor, "s@example.com").await;
    let res = start(&supervisor, "csv", &FILTER_FIELDS).await;
    let path = location(&res);

    let page = supervisor.page(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.first(".export-status").as_deref(), Some("等待开始"));
    assert_eq!(page.attr("#export-progress", "hx-trigger").as_deref(), Some("every 2s"), "htmx polls");
    assert_eq!(page.attr("#export-progress a", "href").as_deref(), Some(path.as_str()), "a reload link without JS");

    let id: i64 = path.trim_start_matches("/exports/").parse().unwrap();
    app.exec(&format!(
        "UPDATE exports SET status = 'running', rows_expected = 10000, rows_done = 5000 WHERE id = {id}"
    ))
    .await;
    let res = supervisor.http.get(supervisor.url(&path)).header("HX-Request", "true").send().await.unwrap();
    let fragment = to_page(res).await;
    assert!(fragment.select("html body header").is_empty() && fragment.select("h1").is_empty(), "the fragment alone");
    assert_eq!(fragment.attr("progress", "value").as_deref(), Some("5000"));
    assert_eq!(fragment.attr("progress", "max").as_deref(), Some("10000"));
    assert!(fragment.contains("5000 / 10000"), "{}", fragment.text);

    app.exec(&format!("UPDATE exports SET status = 'queued' WHERE id = {id}")).await;
    worker(&app).run_until_idle(Utc::now()).await.unwrap();
    let page = supervisor.page(&path).await;
    assert_eq!(page.first(".export-status").as_deref(), Some("已完成"));
    assert!(page.attr("#export-progress", "hx-trigger").is_none(), "polling stops");
    assert_eq!(page.attr("#export-progress a.button", "href"), Some(format!("{path}/download")));
    assert!(page.contains("4 / 4"), "rows done of rows expected");
}

#[actix_web::test]
async fn only_the_supervisor_who_asked_sees_and_downloads_it() {
    let app = TestApp::spawn().await;
    tickets(&app).await;
    let supervisor = app.signed_in(Role::Supervisor, "s@example.com").await;
    let path = finished_export(&app, &supervisor, "csv").await;
    let download = format!("{path}/download");

    let other = app.signed_in(Role::Supervisor, "s2@example.com").await;
    assert_eq!(other.get(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(other.get(&download).await.status(), StatusCode::NOT_FOUND);
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let customer = app.signed_in(Role::Customer, "c2@example.com").await;
    for who in [&agent, &customer] {
        assert_eq!(who.get(&path).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(who.get(&download).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(start(who, "csv", &[]).await.status(), StatusCode::FORBIDDEN);
    }
    let anonymous = app.browser();
    assert_ne!(anonymous.get(&download).await.status(), StatusCode::OK);
    assert_eq!(app.count("SELECT count(*) FROM exports").await, 1, "refused requests record nothing");
    assert_eq!(supervisor.get("/exports/999999").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(supervisor.get("/exports/x/download").await.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn a_bad_format_or_filter_is_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let supervisor = app.signed_in(Role::Supervisor, "s@example.com").await;
    let res = start(&supervisor, "pdf", &[]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(to_page(res).await.contains("请选择 CSV 或 XLSX"));
    let res = start(&supervisor, "csv", &[("urgency", "whenever")]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = start(&supervisor, "csv", &[("q", &"长".repeat(101))]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count("SELECT count(*) FROM exports").await, 0);
}

#[actix_web::test]
async fn a_failed_export_says_why() {
    let app = TestApp::spawn().await;
    let supervisor = app.signed_in(Role::Supervisor, "s@example.com").await;
    let path = location(&start(&supervisor, "xlsx", &[]).await);
    // Filters stored by an older version the parser no longer takes.
    app.exec("UPDATE exports SET filters = 'state=lost'").await;
    worker(&app).run_until_idle(Utc::now()).await.unwrap();
    let page = supervisor.page(&path).await;
    assert_eq!(page.first(".export-status").as_deref(), Some("失败"));
    assert!(page.first("[role=alert]").is_some_and(|t| t.contains("无法识别筛选条件")), "{}", page.text);
    assert_eq!(supervisor.get(&format!("{path}/download")).await.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn an_export_whose_job_gives_up_says_so_instead_of_waiting_forever() {
    let app = TestApp::spawn().await;
    let supervisor = app.signed_in(Role::Supervisor, "s@example.com").await;
    let path = location(&start(&supervisor, "csv", &[]).await);
    // Its last attempt's worker died before writing anything: the export was never started.
    app.exec("UPDATE jobs SET attempts = max_attempts WHERE kind = 'ticket_export'").await;
    let ran = worker(&app).run_until_idle(Utc::now()).await.unwrap();
    assert_eq!(ran.failed, 1);
    assert_eq!(app.text("SELECT status::text FROM exports").await, "failed");
    let page = supervisor.page(&path).await;
    assert_eq!(page.first(".export-status").as_deref(), Some("失败"));
    assert!(page.first("[role=alert]").is_some_and(|t| t.contains("文件生成失败")), "{}", page.text);
}

#[actix_web::test]
async fn the_queue_offers_the_export_to_supervisors_with_its_filters() {
    let app = TestApp::spawn().await;
    let supervisor = app.signed_in(Role::Supervisor, "s@example.com").await;
    let page = supervisor.page(&format!("/queue?{FILTERS}")).await;
    assert_eq!(page.attr("form.export-form", "method").as_deref(), Some("post"));
    assert_eq!(page.attr("form.export-form input[name=urgency]", "value").as_deref(), Some("urgent"));
    assert_eq!(page.attr("form.export-form input[name=q]", "value").as_deref(), Some("漏水"));
    assert!(page.attr("form.export-form input[name=csrf_token]", "value").is_some());
    assert_eq!(page.select("form.export-form button[name=format]"), ["导出 CSV", "导出 XLSX"]);
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    assert!(agent.page("/queue").await.select("form.export-form").is_empty(), "agents do not export");
}

#[actix_web::test]
async fn files_older_than_a_day_are_removed() {
    let app = TestApp::spawn().await;
    tickets(&app).await;
    let supervisor = app.signed_in(Role::Supervisor, "s@example.com").await;
    let path = finished_export(&app, &supervisor, "csv").await;
    let files = || std::fs::read_dir(app.data_dir.join("exports")).unwrap().count();
    assert_eq!(files(), 1);

    let w = worker(&app);
    let later = Utc::now() + Duration::hours(23);
    w.schedule_recurring(later).await.unwrap();
    w.run_until_idle(later).await.unwrap();
    assert_eq!(files(), 1, "kept for a day");
    let next_day = Utc::now() + Duration::hours(25);
    w.run_until_idle(next_day).await.unwrap();
    assert_eq!(files(), 0, "removed after a day");
    assert_eq!(supervisor.get(&format!("{path}/download")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(supervisor.page(&path).await.first(".export-status").as_deref(), Some("已删除（文件保留一天）"));
}
