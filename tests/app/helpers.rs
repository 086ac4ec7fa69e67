//! The test harness: one private PostgreSQL per test run (through the same
//! managed-cluster code as the app), a migrated template database, and for
//! each test its own database copied from it and the real app on a free port.

use actix_web::cookie::Key;
use aftersales::config::Settings;
use aftersales::db::{self, ClusterOptions, ManagedCluster, cluster};
use aftersales::domain::account_form::AccountDraft;
use aftersales::domain::{Role, UserId};
use aftersales::services::attachments::UploadLimits;
use aftersales::startup::Application;
use reqwest::StatusCode;
use scraper::{Html, Selector};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

pub const PASSWORD: &str = "password123";
const TEMPLATE_DB: &str = "aftersales_template";

struct TestCluster {
    cluster: ManagedCluster,
    next_db: AtomicUsize,
    /// CREATE DATABASE … TEMPLATE refuses while another copy of the template is under way.
    create_lock: Mutex<()>,
}

/// Started on first use; it stops when the test process exits (the server is
/// tied to this process, so a panicking test leaves nothing running).
fn test_cluster() -> &'static TestCluster {
    static CLUSTER: OnceLock<TestCluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let data_dir = cluster::temp_data_dir("aftersales-test");
        let cluster = ManagedCluster::start(ClusterOptions { throwaway: true, ..ClusterOptions::new(data_dir) })
            .unwrap_or_else(|e| panic!("cannot start the test PostgreSQL: {e}"));
        db::create_database(&cluster.database_url("postgres"), None, TEMPLATE_DB, None)
            .expect("create template database");
        db::run_migrations(&cluster.database_url(TEMPLATE_DB), None).expect("migrate template database");
        TestCluster { cluster, next_db: AtomicUsize::new(0), create_lock: Mutex::new(()) }
    })
}

/// The test server's `postgres` database, for what must be done from outside a test's database.
pub fn admin_url() -> String {
    test_cluster().cluster.database_url("postgres")
}

/// A fresh, migrated database for one test; returns its URL. Blocking.
pub fn fresh_database() -> String {
    let tc = test_cluster();
    let name = format!("test_{}_{}", std::process::id(), tc.next_db.fetch_add(1, Ordering::SeqCst));
    {
        let _guard = tc.create_lock.lock().unwrap_or_else(|e| e.into_inner());
        db::create_database(&tc.cluster.database_url("postgres"), None, &name, Some(TEMPLATE_DB))
            .expect("create test database");
    }
    tc.cluster.database_url(&name)
}

/// The settings of a test instance: a free port, its own data folder, no background worker (tests run jobs when they
/// choose), two HTTP threads, `upload_limits`.
pub fn settings(upload_limits: UploadLimits) -> Settings {
    let mut settings = Settings::defaults();
    settings.bind = "127.0.0.1:0".parse().expect("address");
    settings.db_pool = 8;
    settings.timezone = chrono_tz::Asia::Shanghai;
    settings.data_dir = cluster::temp_data_dir("aftersales-testfiles");
    settings.session_key = Some(hex::encode(Key::generate().master()));
    settings.worker.enabled = false;
    settings.workers = Some(2);
    // Tests' limits are whole megabytes, as the setting is.
    settings.max_upload_mb = upload_limits.max_file_mb();
    settings.max_files_per_ticket = upload_limits.max_files_per_ticket;
    settings
}

pub struct TestApp {
    pub base: String,
    pub pool: db::Pool,
    /// This app's own data folder (attachments); removed when the test ends.
    pub data_dir: std::path::PathBuf,
    /// The app's file store (its data folder unless the settings name a bucket), for the jobs tests run.
    pub storage: aftersales::storage::Storage,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(UploadLimits::default()).await
    }

    /// An app with its own upload limits (tests use small ones).
    pub async fn spawn_with(upload_limits: UploadLimits) -> TestApp {
        Self::spawn_on(settings(upload_limits), tokio::task::spawn_blocking(fresh_database).await.expect("database"))
            .await
    }

    /// An instance of the app built from `settings` (its data folder is removed with it) on `db_url`.
    pub async fn spawn_on(settings: Settings, db_url: String) -> TestApp {
        let app = Application::build(&settings, &db_url).await.expect("build the app");
        let base = format!("http://{}", app.address());
        let pool = app.pool().clone();
        let storage = app.storage().clone();
        actix_web::rt::spawn(app.run_until_stopped());
        TestApp { base, pool, data_dir: settings.data_dir, storage }
    }

    /// A browser: its own cookie jar, redirects not followed (tests check them).
    pub fn browser(&self) -> Browser {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Browser { http, base: self.base.clone() }
    }

    /// Creates an account directly (faster than the form) and returns its id.
    pub async fn create_user(&self, role: Role, email: &str, name: &str) -> UserId {
        let draft = AccountDraft {
            role,
            name: name.into(),
            phone: None,
            email: Some(email.into()),
            company: None,
            region: Some("上海".into()),
            skills: Vec::new(),
            password: PASSWORD.into(),
        };
        aftersales::services::accounts::create(&self.pool, draft).await.expect("create user").id
    }

    /// A browser signed in as a new account of `role`.
    pub async fn signed_in(&self, role: Role, email: &str) -> Browser {
        self.create_user(role, email, &format!("{} {}", role.code(), email.split('@').next().unwrap_or("x"))).await;
        let browser = self.browser();
        let res = browser.login(email, PASSWORD).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "login of {email}");
        browser
    }

    /// Runs SQL directly (setting up what the pages have no form for).
    pub async fn exec(&self, sql: &str) {
        use diesel_async::RunQueryDsl;
        let mut conn = self.pool.get().await.expect("conn");
        diesel::sql_query(sql).execute(&mut conn).await.expect(sql);
    }

    /// One text from SQL.
    pub async fn text(&self, sql: &str) -> String {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Text {
            #[diesel(sql_type = diesel::sql_types::Text)]
            t: String,
        }
        let mut conn = self.pool.get().await.expect("conn");
        let row: Text = diesel::sql_query(format!("SELECT ({sql})::text AS t")).get_result(&mut conn).await.expect(sql);
        row.t
    }

    /// One number from SQL, for checking what was (not) stored.
    pub async fn count(&self, sql: &str) -> i64 {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.pool.get().await.expect("conn");
        let row: Count =
            diesel::sql_query(format!("SELECT ({sql})::bigint AS n")).get_result(&mut conn).await.expect(sql);
        row.n
    }
}

#[derive(Clone)]
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
}

pub struct Page {
    pub status: StatusCode,
    pub html: Html,
    pub text: String,
}

impl Page {
    pub fn select(&self, css: &str) -> Vec<String> {
        let selector = Selector::parse(css).expect("selector");
        self.html.select(&selector).map(|e| e.text().collect::<String>().trim().to_owned()).collect()
    }
    pub fn first(&self, css: &str) -> Option<String> {
        self.select(css).into_iter().next()
    }
    pub fn attr(&self, css: &str, attr: &str) -> Option<String> {
        let selector = Selector::parse(css).expect("selector");
        self.html.select(&selector).next().and_then(|e| e.value().attr(attr)).map(str::to_owned)
    }
    pub fn contains(&self, text: &str) -> bool {
        self.text.contains(text)
    }
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn page(&self, path: &str) -> Page {
        to_page(self.get(path).await).await
    }

    /// The CSRF token of this browser's session, as a page shows it.
    pub async fn csrf(&self) -> String {
        let page = self.page("/login").await;
        page.attr("input[name=csrf_token]", "value").expect("csrf token on the page")
    }

    /// Posts a form with this session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf().await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        self.http.post(self.url(path)).form(&form).send().await.expect("POST")
    }

    /// Posts as htmx does: token in the header, `HX-Request` set.
    pub async fn htmx_post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf().await;
        self.http
            .post(self.url(path))
            .header("HX-Request", "true")
            .header("X-CSRF-Token", token)
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    pub async fn login(&self, login: &str, password: &str) -> reqwest::Response {
        self.post("/login", &[("login", login), ("password", password)]).await
    }

    /// Files a ticket through the portal form; returns its number.
    pub async fn file_ticket(&self, fields: &[(&str, &str)]) -> String {
        let res = self.post("/portal/tickets", fields).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "filing: {}", res.text().await.unwrap_or_default());
        location(&res).trim_start_matches("/tickets/").to_owned()
    }
}

pub async fn to_page(res: reqwest::Response) -> Page {
    let status = res.status();
    let body = res.text().await.expect("body");
    let html = Html::parse_document(&body);
    let text = html.root_element().text().collect::<Vec<_>>().join(" ");
    Page { status, html, text }
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// A complete, valid new-ticket form; tests override single fields.
pub fn ticket_form<'a>(title: &'a str, overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("ticket_type", "fault_repair"),
        ("urgency", "normal"),
        ("product_model", "DW-600 洗碗机"),
        ("serial_number", "SN123"),
        ("purchase_date", "2025-06-01"),
        ("order_number", ""),
        ("title", title),
        ("description", "开机后不进水，指示灯闪烁。"),
        ("desired_outcome", "repair"),
        ("contact_name", "王芳"),
        ("contact_phone", "13800138000"),
        ("contact_email", ""),
        ("address", "人民路 1 号"),
        ("region", "上海"),
    ];
    for (k, v) in overrides {
        match form.iter_mut().find(|(name, _)| name == k) {
            Some(field) => field.1 = v,
            None => form.push((k, v)),
        }
    }
    form
}
