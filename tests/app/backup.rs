//! `aftersales backup` and `restore` with the real binary: a backup taken while the app runs, the database and the
//! files wiped, the restore, and every ticket and attachment back.

use crate::helpers::{Browser, PASSWORD, TestApp, fresh_database, settings, ticket_form};
use aftersales::domain::Role;
use aftersales::services::attachments::UploadLimits;
use reqwest::StatusCode;
use std::path::Path;

fn aftersales(db_url: &str, data_dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("AFTERSALES_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run aftersales")
}

async fn upload_text(browser: &Browser, number: &str, name: &str, text: &str) {
    let token = browser.csrf().await;
    let part = reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name(name.to_owned());
    let form = reqwest::multipart::Form::new().part("files", part);
    let url = browser.url(&format!("/tickets/{number}/attachments?csrf_token={token}"));
    let res = browser.http.post(url).multipart(form).send().await.expect("upload");
    assert!(res.status().is_redirection() || res.status().is_success(), "upload: {}", res.status());
}

#[actix_web::test]
async fn a_backup_brings_back_every_ticket_and_attachment_after_a_wipe() {
    let db_url = tokio::task::spawn_blocking(fresh_database).await.unwrap();
    let settings = settings(UploadLimits::default());
    let data_dir = settings.data_dir.clone();
    let app = TestApp::spawn_on(settings.clone(), db_url.clone()).await;
    let customer = app.signed_in(Role::Customer, "backup@example.com").await;
    let mut numbers = Vec::new();
    for (i, title) in ["打印机卡纸", "屏幕闪烁", "退货申请"].iter().enumerate() {
        let number = customer.file_ticket(&ticket_form(title, &[])).await;
        upload_text(&customer, &number, &format!("log-{i}.txt"), &format!("第{i}份日志 {number}\n")).await;
        numbers.push(number);
    }
    let attachments = app.count("SELECT count(*) FROM attachments").await;
    assert_eq!(attachments, 3);

    let archive = data_dir.with_extension("backup.tar");
    let archive_arg = archive.to_string_lossy().into_owned();
    let out = aftersales(&db_url, &data_dir, &["backup", &archive_arg]);
    assert!(out.status.success(), "backup: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 files"), "{}", String::from_utf8_lossy(&out.stdout));

    // The disaster: every table and every stored file gone.
    app.exec("DROP SCHEMA public CASCADE").await;
    app.exec("CREATE SCHEMA public").await;
    std::fs::remove_dir_all(data_dir.join("attachments")).unwrap();
    drop(app);

    let out = aftersales(&db_url, &data_dir, &["restore", &archive_arg]);
    assert!(out.status.success(), "restore: {}", String::from_utf8_lossy(&out.stderr));

    // A new instance on the restored database and files (the old one's connections knew the dropped tables).
    let restored = TestApp::spawn_on(settings, db_url).await;
    let customer = restored.browser();
    assert_eq!(customer.login("backup@example.com", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    for (i, number) in numbers.iter().enumerate() {
        let page = customer.page(&format!("/tickets/{number}")).await;
        assert!(page.contains(&format!("log-{i}.txt")), "ticket {number} and its file are back");
    }
    assert_eq!(restored.count("SELECT count(*) FROM attachments").await, attachments);
    for (i, number) in numbers.iter().enumerate() {
        let id = restored
            .count(&format!(
                "SELECT a.id FROM attachments a JOIN tickets t ON t.id = a.ticket_id WHERE t.number = '{number}'"
            ))
            .await;
        let res = customer.get(&format!("/attachments/{id}")).await;
        assert_eq!(res.status(), StatusCode::OK);
        let body = res.text().await.unwrap();
        assert_eq!(body, format!("第{i}份日志 {number}\n"), "attachment {id} byte for byte");
    }
    let _ = std::fs::remove_file(&archive);
}

#[test]
fn restoring_something_that_is_not_a_backup_says_so_and_changes_nothing() {
    let db_url = fresh_database();
    let dir = aftersales::db::cluster::temp_data_dir("aftersales-restore-bad");
    std::fs::create_dir_all(&dir).unwrap();
    let bogus = dir.join("not-a-backup.tar");
    std::fs::write(&bogus, b"hello").unwrap();
    let out = aftersales(&db_url, &dir, &["restore", &bogus.to_string_lossy()]);
    assert!(!out.status.success());
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains("not an aftersales backup") || message.contains("reading the archive"), "{message}");
    let _ = std::fs::remove_dir_all(&dir);
}
