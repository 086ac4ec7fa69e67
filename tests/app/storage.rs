//! Files on S3: against a real S3-compatible server on loopback (moto's, from PyPI), attachments and exports
//! are kept in the bucket and served whole and by range; a store that goes down refuses uploads with 503 and
//! leaves nothing behind, and the app recovers when it is back; a start on a wrong bucket or endpoint stops with
//! the setting named; `migrate-files` copies a data folder into the bucket.

use crate::attachments::{PDF, PNG, Upload, disk, htmx_upload, upload};
use crate::helpers::*;
use aftersales::domain::Role;
use aftersales::services::attachments::UploadLimits;
use aftersales::startup::Application;
use aftersales::storage::{Key, Migrated, Storage, StorageSettings, migrate_files};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use sha2::Digest;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

const INSTALL: &str = "these tests need moto's S3 server: pip install 'moto[server]'";

/// A moto S3 server on 127.0.0.1. It is spawned by a keeper thread that waits for it, with PR_SET_PDEATHSIG, so
/// it dies with the test process however that ends (the signal follows the thread that forked it).
pub struct Moto {
    pub port: u16,
    pid: nix::unistd::Pid,
    keeper: Option<JoinHandle<()>>,
}

impl Moto {
    pub fn start() -> Moto {
        Moto::start_on(free_port())
    }

    /// On `port` (again after [`Moto::stop`]: moto keeps everything in memory, so buckets must be made anew).
    pub fn start_on(port: u16) -> Moto {
        let installed = Command::new("python3").args(["-c", "import moto.server"]).stderr(Stdio::null()).status();
        assert!(installed.is_ok_and(|s| s.success()), "{INSTALL}");
        let (tx, rx) = std::sync::mpsc::channel();
        let keeper = std::thread::spawn(move || {
            let mut cmd = Command::new("python3");
            cmd.args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            // SAFETY: between fork and exec only prctl, a plain system call that neither allocates nor locks.
            unsafe {
                cmd.pre_exec(|| Ok(nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)?));
            }
            match cmd.spawn() {
                Ok(mut child) => {
                    let _ = tx.send(Ok(child.id()));
                    let _ = child.wait();
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                }
            }
        });
        let pid = match rx.recv().expect("the moto keeper thread") {
            Ok(pid) => nix::unistd::Pid::from_raw(pid as i32),
            Err(e) => panic!("cannot start python3 -m moto.server ({e}); {INSTALL}"),
        };
        let moto = Moto { port, pid, keeper: Some(keeper) };
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while TcpStream::connect_timeout(&address, std::time::Duration::from_millis(200)).is_err() {
            assert!(moto.keeper.as_ref().is_some_and(|k| !k.is_finished()), "moto exited at start; {INSTALL}");
            assert!(std::time::Instant::now() < deadline, "moto did not listen on {port} within 30 s");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        moto
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Kills the server (an outage) and waits until it is gone.
    pub fn stop(&mut self) {
        if let Some(keeper) = self.keeper.take() {
            let _ = nix::sys::signal::kill(self.pid, nix::sys::signal::Signal::SIGKILL);
            let _ = keeper.join();
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One server for the tests that do not stop it.
fn shared_moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(Moto::start)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// Creates a bucket (moto takes an unsigned PUT and any credentials).
async fn create_bucket(endpoint: &str, bucket: &str) {
    let res = reqwest::Client::new().put(format!("{endpoint}/{bucket}")).send().await.expect("create the bucket");
    assert!(res.status().is_success(), "creating {bucket}: {}", res.status());
}

/// A new bucket on the shared server.
async fn new_bucket(moto: &Moto) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let bucket = format!("test-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
    create_bucket(&moto.endpoint(), &bucket).await;
    bucket
}

pub fn s3_settings(endpoint: &str, bucket: &str) -> StorageSettings {
    StorageSettings {
        s3_endpoint: Some(endpoint.into()),
        s3_bucket: Some(bucket.into()),
        s3_access_key_id: Some("testing".into()),
        s3_secret_access_key: Some("testing".into()),
        s3_allow_http: true,
        storage_timeout_secs: 5,
        ..StorageSettings::default()
    }
}

/// The bucket as it is, without the app's key prefix: to look at what is stored where.
fn raw_bucket(endpoint: &str, bucket: &str) -> Storage {
    Storage::open(&s3_settings(endpoint, bucket), &std::env::temp_dir()).expect("open the bucket")
}

async fn app_on(storage: StorageSettings) -> TestApp {
    let mut settings = settings(UploadLimits::default());
    settings.storage = storage;
    TestApp::spawn_on(settings, tokio::task::spawn_blocking(fresh_database).await.expect("database")).await
}

fn content_key(prefix: &str, bytes: &[u8]) -> Key {
    let sha = hex::encode(sha2::Sha256::digest(bytes));
    Key::parse(format!("{prefix}attachments/{}/{}/{sha}", &sha[..2], &sha[2..4])).expect("key")
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

async fn get_range(browser: &Browser, path: &str, range: &str) -> reqwest::Response {
    browser.http.get(browser.url(path)).header("Range", range).send().await.expect("GET with a range")
}

/// One text value from SQL.
async fn text(app: &TestApp, sql: &str) -> String {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Text {
        #[diesel(sql_type = diesel::sql_types::Text)]
        t: String,
    }
    let mut conn = app.pool.get().await.expect("conn");
    diesel::sql_query(sql).get_result::<Text>(&mut conn).await.expect(sql).t
}

#[actix_web::test]
async fn attachments_and_exports_on_s3_are_in_the_bucket_and_download_whole_and_by_range() {
    let moto = shared_moto();
    let (endpoint, bucket) = (moto.endpoint(), new_bucket(moto).await);
    let mut storage = s3_settings(&endpoint, &bucket);
    storage.s3_prefix = "site-a/".into();
    let app = app_on(storage).await;
    let customer = crate::exports::tickets(&app).await;
    let number = customer.file_ticket(&ticket_form("洗碗机漏水", &[])).await;
    // Over one 5 MiB part of the multipart upload, and over several 1 MiB pieces when read back.
    let log: Vec<u8> = (0..320_000).flat_map(|i| format!("{i:07} 进水阀 ok\n").into_bytes()).collect();
    assert!(log.len() > 5 * 1024 * 1024 + 1024 * 1024, "{}", log.len());
    let res =
        upload(&customer, &number, &[Upload("漏水.png", PNG, "image/png"), Upload("log.txt", &log, "text/plain")])
            .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // In the bucket under the prefix; nothing in the data folder, no temporary file left.
    let raw = raw_bucket(&endpoint, &bucket);
    for bytes in [PNG, &log] {
        let key = content_key("site-a/", bytes);
        assert_eq!(raw.size(&key).await.expect("in the bucket"), bytes.len() as u64, "{key}");
    }
    assert_eq!(disk(&app), (vec![], vec![]), "nothing stored locally");

    // Whole, with the headers it always had.
    let id = app.count("SELECT id FROM attachments WHERE file_name = 'log.txt'").await;
    let path = format!("/attachments/{id}");
    let res = customer.get(&path).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), "text/plain; charset=utf-8");
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    assert_eq!(header(&res, "content-security-policy"), "sandbox");
    assert_eq!(header(&res, "cache-control"), "private, no-cache");
    assert_eq!(header(&res, "accept-ranges"), "bytes");
    assert_eq!(header(&res, "content-encoding"), "identity");
    assert!(header(&res, "content-disposition").starts_with("attachment;"), "text is downloaded");
    assert_eq!(header(&res, "content-length"), log.len().to_string());
    assert!(res.bytes().await.unwrap().as_ref() == log.as_slice(), "the same bytes");

    // By range: across a piece boundary, the last bytes, and one outside the file.
    let len = log.len();
    let res = get_range(&customer, &path, "bytes=1048570-1048589").await;
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(header(&res, "content-range"), format!("bytes 1048570-1048589/{len}"));
    assert_eq!(header(&res, "content-security-policy"), "sandbox");
    assert_eq!(res.bytes().await.unwrap().as_ref(), &log[1048570..1048590]);
    let res = get_range(&customer, &path, "bytes=-5").await;
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(res.bytes().await.unwrap().as_ref(), &log[len - 5..]);
    let res = get_range(&customer, &path, &format!("bytes={len}-")).await;
    assert_eq!(res.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(header(&res, "content-range"), format!("bytes */{len}"));
    let png = app.count("SELECT id FROM attachments WHERE file_name = '漏水.png'").await;
    let res = customer.get(&format!("/attachments/{png}")).await;
    assert_eq!(header(&res, "content-type"), "image/png");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);

    // An export: written, put into the bucket, downloaded from it (whole and by range), removed after a day.
    let supervisor = app.signed_in(Role::Supervisor, "s@example.com").await;
    let export = crate::exports::finished_export(&app, &supervisor, "csv").await;
    let key = text(&app, "SELECT file_path AS t FROM exports").await;
    assert!(key.starts_with("exports/") && key.ends_with(".csv"), "{key}");
    let in_bucket = Key::parse(format!("site-a/{key}")).unwrap();
    assert!(raw.exists(&in_bucket).await.unwrap(), "{in_bucket} in the bucket");
    assert!(!app.data_dir.join("exports").exists(), "not in the data folder");
    assert!(std::fs::read_dir(app.data_dir.join("tmp")).unwrap().next().is_none(), "no temporary export file left");
    let res = supervisor.get(&format!("{export}/download")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), "text/csv; charset=utf-8");
    assert_eq!(header(&res, "cache-control"), "private, no-store");
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    assert!(header(&res, "content-disposition").starts_with("attachment;"));
    let csv = res.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}') && csv.contains("洗碗机漏水"), "{csv}");
    let res = get_range(&supervisor, &format!("{export}/download"), "bytes=0-2").await;
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(res.bytes().await.unwrap().as_ref(), "\u{feff}".as_bytes());
    let worker = crate::exports::worker(&app);
    let next_day = Utc::now() + Duration::hours(25);
    worker.schedule_recurring(next_day).await.unwrap();
    worker.run_until_idle(next_day).await.unwrap();
    assert!(!raw.exists(&in_bucket).await.unwrap(), "removed from the bucket after a day");
    assert_eq!(supervisor.get(&format!("{export}/download")).await.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn with_the_store_down_uploads_and_downloads_answer_503_and_the_app_recovers_when_it_is_back() {
    let mut moto = Moto::start();
    let (endpoint, port) = (moto.endpoint(), moto.port);
    create_bucket(&endpoint, "outage").await;
    let app = app_on(s3_settings(&endpoint, "outage")).await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let number = customer.file_ticket(&ticket_form("洗碗机漏水", &[])).await;
    assert_eq!(
        upload(&customer, &number, &[Upload("漏水.png", PNG, "image/png")]).await.status(),
        StatusCode::SEE_OTHER
    );
    let png = app.count("SELECT id FROM attachments").await;

    moto.stop();
    let started = std::time::Instant::now();
    let res = customer.get(&format!("/attachments/{png}")).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "a download from a store that is down");
    let res = upload(&customer, &number, &[Upload("发票.pdf", PDF, "application/pdf")]).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = to_page(res).await;
    assert!(page.contains("文件存储暂时不可用，本次上传未保存任何内容"), "{}", page.text);
    assert!(
        page.html.select(&scraper::Selector::parse(&format!("a[href='/tickets/{number}']")).unwrap()).next().is_some()
    );
    let res = htmx_upload(&customer, &number, &[Upload("发票.pdf", PDF, "application/pdf")]).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(header(&res, "hx-retarget"), "#flash");
    assert!(res.text().await.unwrap().contains("文件存储暂时不可用"));
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "failed fast: {:?}", started.elapsed());
    // Nothing half-written: no row without its file, no event, no temporary file.
    assert_eq!(app.count("SELECT count(*) FROM attachments").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM ticket_events WHERE kind = 'attachment_added'").await, 1);
    assert_eq!(disk(&app), (vec![], vec![]));

    // Back (empty: moto keeps nothing): the next upload just works.
    let _moto = Moto::start_on(port);
    create_bucket(&endpoint, "outage").await;
    let res = upload(&customer, &number, &[Upload("发票.pdf", PDF, "application/pdf")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let pdf = app.count("SELECT id FROM attachments WHERE file_name = '发票.pdf'").await;
    let res = customer.get(&format!("/attachments/{pdf}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    assert!(raw_bucket(&endpoint, "outage").exists(&content_key("", PDF)).await.unwrap());
}

#[actix_web::test]
async fn a_start_on_a_missing_bucket_or_a_dead_endpoint_stops_with_the_setting_named() {
    let moto = shared_moto();
    let endpoint = moto.endpoint();
    let db = tokio::task::spawn_blocking(fresh_database).await.unwrap();
    let refused = async |storage: StorageSettings| {
        let mut settings = settings(UploadLimits::default());
        settings.storage = storage;
        let data_dir = settings.data_dir.clone();
        let outcome = Application::build(&settings, &db).await;
        let _ = std::fs::remove_dir_all(data_dir);
        match outcome {
            Ok(_) => panic!("started on {:?}", settings.storage),
            Err(e) => format!("{e:#}"),
        }
    };
    let error = refused(s3_settings(&endpoint, "missing")).await;
    assert_eq!(error, format!("AFTERSALES_S3_BUCKET=missing: the bucket does not exist at {endpoint} (NoSuchBucket)"));

    let dead = format!("http://127.0.0.1:{}", free_port());
    let error = refused(s3_settings(&dead, "any")).await;
    assert!(error.starts_with(&format!("AFTERSALES_S3_ENDPOINT={dead}: the store cannot be reached (")), "{error}");
    assert!(!error.contains('\n'), "one line: {error}");

    let mut plain = s3_settings(&endpoint, "any");
    plain.s3_allow_http = false;
    let error = refused(plain).await;
    assert!(error.contains("AFTERSALES_S3_ALLOW_HTTP=true"), "{error}");
}

#[actix_web::test]
async fn migrate_files_copies_the_data_folder_to_the_bucket_once() {
    let moto = shared_moto();
    let (endpoint, bucket) = (moto.endpoint(), new_bucket(moto).await);
    let data = aftersales::db::cluster::temp_data_dir("aftersales-migrate-files");
    let png = data.join(content_key("", PNG).to_string());
    std::fs::create_dir_all(png.parent().unwrap()).unwrap();
    std::fs::write(&png, PNG).unwrap();
    std::fs::create_dir_all(data.join("exports")).unwrap();
    std::fs::write(data.join("exports/a.csv"), "a,b\n").unwrap();
    // Temporary files of the old and the new layout, and a half-written export: not copied.
    for leftover in ["attachments/tmp/x.part", "tmp/y.part", "exports/b.csv.part"] {
        std::fs::create_dir_all(data.join(leftover).parent().unwrap()).unwrap();
        std::fs::write(data.join(leftover), "half").unwrap();
    }
    let settings = s3_settings(&endpoint, &bucket);
    let done = migrate_files(&settings, &data).await.unwrap();
    assert_eq!(done, Migrated { copied: 2, bytes: PNG.len() as u64 + 4, present: 0 });
    let raw = raw_bucket(&endpoint, &bucket);
    assert_eq!(raw.size(&content_key("", PNG)).await.unwrap(), PNG.len() as u64);
    assert_eq!(raw.size(&Key::from("exports/a.csv")).await.unwrap(), 4);
    for leftover in ["attachments/tmp/x.part", "tmp/y.part", "exports/b.csv.part"] {
        assert!(!raw.exists(&Key::from(leftover)).await.unwrap(), "{leftover} not copied");
    }

    // The command: again, nothing left to copy.
    let out = Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .arg("migrate-files")
        .env("AFTERSALES_DATA_DIR", &data)
        .env("AFTERSALES_S3_ENDPOINT", &endpoint)
        .env("AFTERSALES_S3_BUCKET", &bucket)
        .env("AFTERSALES_S3_ACCESS_KEY_ID", "testing")
        .env("AFTERSALES_S3_SECRET_ACCESS_KEY", "testing")
        .env("AFTERSALES_S3_ALLOW_HTTP", "true")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run migrate-files");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8_lossy(&out.stdout);
    assert_eq!(printed.trim(), "copied 0 files (0 bytes) to the bucket; 2 were there already");

    // Without a bucket it refuses, saying what to set.
    let out = Command::new(env!("CARGO_BIN_EXE_aftersales"))
        .arg("migrate-files")
        .env("AFTERSALES_DATA_DIR", &data)
        .env_remove("AFTERSALES_S3_BUCKET")
        .env_remove("AFTERSALES_S3_ENDPOINT")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run migrate-files");
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("no S3 bucket is configured") || said.contains("none is configured"), "{said}");
    assert!(said.contains("AFTERSALES_S3_BUCKET"), "{said}");
    let _ = std::fs::remove_dir_all(data);
}
