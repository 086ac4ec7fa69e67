//! The real-browser harness: Debian's `chromium` driven through `chromedriver` (WebDriver, by fantoccini)
//! against the real app on loopback. One chromedriver per test binary; each test gets its own headless
//! Chromium with a fresh profile. Every step reads the browser's log, so a JavaScript error, a CSP
//! violation or a failed request (4xx/5xx of a page, a script, an htmx call) fails the test.
//!
//! Where chromium or chromedriver is missing the browser tests say so in one line and pass: CI installs
//! both (`.ci/run`), so there they always run.

use crate::helpers::{Browser, PASSWORD, TestApp};
use aftersales::domain::Role;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use nix::sys::signal::Signal;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, SemaphorePermit};

/// How long a step may take before the test gives up (the app answers in milliseconds; CI is slow and shared).
const PATIENCE: Duration = Duration::from_secs(10);
/// Browsers at once: each Chromium wants most of a core, and the machine has two.
static BROWSER_SLOTS: Semaphore = Semaphore::const_new(2);

/// The Chromium flags every test uses: no sandbox (root in CI), nothing that reaches outside (no network here).
const CHROMIUM_FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// axe-core, vendored from the npm registry (tests/fixtures/axe/README.md).
const AXE: &str = include_str!("../fixtures/axe/axe.min.js");

/// The running chromedriver and the Chromium it starts.
struct Driver {
    url: String,
    chromium: PathBuf,
}

/// Started on first use and kept for the whole test binary; it gets SIGTERM when this process ends.
fn driver() -> Option<&'static Driver> {
    static DRIVER: OnceLock<Option<Driver>> = OnceLock::new();
    DRIVER
        .get_or_init(|| {
            let (Some(chromium), Some(chromedriver)) = (on_path("chromium"), on_path("chromedriver")) else {
                // Straight to stderr: the test harness captures only print!/eprint!.
                let _ = writeln!(
                    std::io::stderr(),
                    "browser tests skipped: chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
                );
                return None;
            };
            let port = free_port();
            let mut cmd = Command::new(chromedriver);
            cmd.arg(format!("--port={port}")).arg("--log-level=SEVERE");
            spawn_kept(cmd);
            let url = format!("http://127.0.0.1:{port}");
            let started = Instant::now();
            while http_status(port, "GET", "/status") != Some(200) {
                assert!(started.elapsed() < PATIENCE, "chromedriver did not start on port {port}");
                std::thread::sleep(Duration::from_millis(50));
            }
            Some(Driver { url, chromium })
        })
        .as_ref()
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|candidate| candidate.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// Spawns the child from a thread that lives as long as it: PR_SET_PDEATHSIG fires when the thread that
/// forked the child ends, and cargo's test threads end after each test.
fn spawn_kept(mut cmd: Command) {
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    // SAFETY: between fork and exec the closure makes one plain system call (prctl) and allocates nothing.
    unsafe {
        cmd.pre_exec(|| nix::sys::prctl::set_pdeathsig(Signal::SIGTERM).map_err(std::io::Error::from));
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("chromedriver-keeper".into())
        .spawn(move || match cmd.spawn() {
            Ok(mut child) => {
                let _ = tx.send(Ok(()));
                let _ = child.wait();
            }
            Err(e) => {
                let _ = tx.send(Err(e));
            }
        })
        .expect("keeper thread");
    rx.recv().expect("keeper answered").expect("start chromedriver");
}

/// A minimal blocking HTTP request to chromedriver (used where no async runtime can be counted on: at start
/// and in Drop, also while a test unwinds). Returns the status code.
fn http_status(port: u16, method: &str, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(PATIENCE)).ok()?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// A person with a real name (as the screenshots show them), signed in over plain HTTP to set a journey up.
pub async fn person(app: &TestApp, role: Role, email: &str, name: &str) -> Browser {
    app.create_user(role, email, name).await;
    let browser = app.browser();
    assert_eq!(browser.login(email, PASSWORD).await.status(), 303, "login of {email}");
    browser
}

/// One person's browser on the app under test.
pub struct Chrome {
    client: Client,
    session: String,
    driver: &'static Driver,
    http: reqwest::Client,
    base: String,
    profile: PathBuf,
    closed: bool,
    _slot: SemaphorePermit<'static>,
}

impl Chrome {
    /// A fresh headless Chromium at desktop size; None (after the one-line notice) where there is none.
    pub async fn open(app: &TestApp) -> Option<Chrome> {
        let driver = driver()?;
        let slot = BROWSER_SLOTS.acquire().await.expect("browser slots");
        let profile = aftersales::db::cluster::temp_data_dir("aftersales-chromium");
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let capabilities = json!({
            "browserName": "chrome",
            // Our readers are Chinese: the browser asks for zh-CN first, as theirs do.
            "goog:chromeOptions": {
                "binary": driver.chromium,
                "args": args,
                "prefs": { "intl": { "accept_languages": "zh-CN,zh,en" } },
            },
            "goog:loggingPrefs": { "browser": "ALL" },
            // A confirm() left open must fail the step that caused it, not be dismissed silently.
            "unhandledPromptBehavior": "ignore",
        });
        let Value::Object(capabilities) = capabilities else { unreachable!("a JSON object") };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url)
            .await
            .unwrap_or_else(|e| panic!("start chromium through chromedriver: {e}"));
        let session = client.session_id().await.ok().flatten().expect("a WebDriver session id");
        let chrome = Chrome {
            client,
            session,
            driver,
            http: reqwest::Client::new(),
            base: app.base.clone(),
            profile,
            closed: false,
            _slot: slot,
        };
        chrome.resize(1280, 900).await;
        Some(chrome)
    }

    pub async fn resize(&self, width: u32, height: u32) {
        // The window includes the browser's frame and resizes asynchronously: correct by the frame until the page
        // gets exactly this viewport.
        let (mut window_w, mut window_h) = (width, height);
        for _ in 0..20 {
            self.client.set_window_size(window_w, window_h).await.expect("window size");
            let inner = self.js("return [window.innerWidth, window.innerHeight]", vec![]).await;
            let (w, h) = (inner[0].as_u64().unwrap_or(0) as u32, inner[1].as_u64().unwrap_or(0) as u32);
            if (w, h) == (width, height) {
                return;
            }
            (window_w, window_h) = ((window_w + width).saturating_sub(w), (window_h + height).saturating_sub(h));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let inner = self.js("return [window.innerWidth, window.innerHeight]", vec![]).await;
        assert_eq!(inner, json!([width, height]), "the page's viewport");
    }

    /// Opens a path of the app and waits for it to settle; the page must load without errors.
    pub async fn goto(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap_or_else(|e| panic!("open {path}: {e}"));
        self.settle().await;
        self.assert_clean(path).await;
    }

    /// The path the browser shows now.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Waits until the page is loaded and no htmx request, swap or settle is under way.
    pub async fn settle(&self) {
        let busy = "return document.readyState !== 'complete' \
                    || document.documentElement.classList.contains('is-busy') \
                    || !!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')";
        self.wait_until("the page to settle", || async { !self.js(busy, vec![]).await.as_bool().unwrap_or(true) })
            .await;
    }

    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Runs an asynchronous script: it answers by calling its last argument.
    pub async fn js_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute_async(script, args).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    async fn wait_until<F, Fut>(&self, what: &str, mut ready: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let started = Instant::now();
        while !ready().await {
            assert!(started.elapsed() < PATIENCE, "gave up waiting for {what} on {}", self.path().await);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The visible text of the first element matching `css` ("" when there is none).
    pub async fn text(&self, css: &str) -> String {
        let script = "const e = document.querySelector(arguments[0]); return e ? e.innerText : ''";
        self.js(script, vec![json!(css)]).await.as_str().unwrap_or_default().to_owned()
    }

    pub async fn exists(&self, css: &str) -> bool {
        self.js("return !!document.querySelector(arguments[0])", vec![json!(css)]).await.as_bool() == Some(true)
    }

    /// Waits until the element's visible text contains `needle` (htmx answers arrive a moment later),
    /// then checks the browser's log.
    pub async fn see(&self, css: &str, needle: &str) {
        let started = Instant::now();
        loop {
            let text = self.text(css).await;
            if text.contains(needle) {
                break;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "expected {needle:?} in {css} on {}, it shows: {text:?}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.settle().await;
        self.assert_clean(css).await;
    }

    /// The page as a person reads it.
    pub async fn body(&self) -> String {
        self.text("body").await
    }

    async fn element(&self, css: &str) -> fantoccini::elements::Element {
        let started = Instant::now();
        loop {
            match self.client.find(Locator::Css(css)).await {
                Ok(element) => return element,
                Err(e) => assert!(started.elapsed() < PATIENCE, "no {css} on {}: {e}", self.path().await),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks as a person does (WebDriver refuses when something covers the element or it is out of reach).
    pub async fn click(&self, css: &str) {
        let element = self.element(css).await;
        self.js("arguments[0].scrollIntoView({block: 'center'})", vec![serde_json::to_value(&element).expect("ref")])
            .await;
        element.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Clicks and then waits for the page (or the htmx swap) that follows to settle.
    pub async fn click_and_settle(&self, css: &str) {
        self.click(css).await;
        self.settle().await;
    }

    /// Types into a field (after clearing it).
    pub async fn fill(&self, css: &str, text: &str) {
        let element = self.element(css).await;
        element.clear().await.unwrap_or_else(|e| panic!("clear {css}: {e}"));
        element.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    pub async fn choose(&self, css: &str, value: &str) {
        self.element(css).await.select_by_value(value).await.unwrap_or_else(|e| panic!("choose {value} in {css}: {e}"));
    }

    /// Hands a file to an `<input type=file>` as the file chooser would.
    pub async fn attach(&self, css: &str, file: &Path) {
        self.element(css).await.send_keys(&file.display().to_string()).await.unwrap_or_else(|e| panic!("attach: {e}"));
    }

    /// Answers the confirmation a destructive action asks for, after checking it says something.
    pub async fn confirm(&self) -> String {
        let started = Instant::now();
        let text = loop {
            match self.client.get_alert_text().await {
                Ok(text) => break text,
                Err(e) => assert!(started.elapsed() < PATIENCE, "no confirmation was asked: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        self.client.accept_alert().await.expect("accept the confirmation");
        assert!(!text.trim().is_empty(), "a confirmation says what will happen");
        self.settle().await;
        text
    }

    /// Forgets who was signed in (and the language switch).
    pub async fn sign_out(&self) {
        self.client.delete_all_cookies().await.expect("sign the last person out");
    }

    /// Signs in through the login form.
    pub async fn login(&self, login: &str) {
        self.sign_out().await;
        self.goto("/login").await;
        self.fill("#f-login", login).await;
        self.fill("#f-password", PASSWORD).await;
        self.click_and_settle("form[action='/login'] button[type=submit]").await;
        self.wait_until("signing in", || async { !self.path().await.starts_with("/login") }).await;
        self.assert_clean("after signing in").await;
    }

    /// Errors the browser logged since the last look: JavaScript errors, CSP violations, failed requests.
    pub async fn console_errors(&self) -> Vec<String> {
        let url = format!("{}/session/{}/se/log", self.driver.url, self.session);
        let res = self.http.post(url).json(&json!({"type": "browser"})).send().await.expect("read the browser log");
        let log: Value = res.json().await.expect("browser log as JSON");
        log["value"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|entry| entry["level"] == "SEVERE")
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    pub async fn assert_clean(&self, step: &str) {
        let errors = self.console_errors().await;
        assert!(
            errors.is_empty(),
            "the browser reported errors at {step} ({}):\n{}",
            self.path().await,
            errors.join("\n")
        );
    }

    /// Runs axe-core on the page; fails on serious or critical violations.
    pub async fn assert_accessible(&self, page: &str) {
        let violations = self.accessibility_violations().await;
        assert!(violations.is_empty(), "accessibility of {page}:\n{}", violations.join("\n"));
        self.assert_clean(page).await;
    }

    /// axe-core's serious and critical findings on the page, one line each.
    pub async fn accessibility_violations(&self) -> Vec<String> {
        self.settle().await;
        if !self.js("return typeof window.axe === 'object'", vec![]).await.as_bool().unwrap_or(false) {
            self.js(&format!("{AXE}\nreturn true;"), vec![]).await;
        }
        let script = "const done = arguments[arguments.length - 1];
            axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => v.impact + ' ' + v.id + ': ' + v.help + '\\n    ' +
                   v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + n.failureSummary.replace(/\\n/g, ' ')).join('\\n    '))),
              e => done(['axe failed: ' + e]))";
        let found = self.client.execute_async(script, vec![]).await.expect("axe run");
        found.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
    }

    /// The viewport as PNG bytes.
    pub async fn png(&self) -> Vec<u8> {
        self.settle().await;
        self.client.screenshot().await.expect("screenshot")
    }

    /// Saves a PNG of the viewport under target/screenshots/ (the README shows copies from docs/screenshots/).
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.png().await;
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// A whole-page PNG: the viewport grown to the page's height for the shot.
    pub async fn full_screenshot(&self, name: &str) -> PathBuf {
        let size = self.js("return [window.innerWidth, window.innerHeight]", vec![]).await;
        let (w, h) = (size[0].as_u64().unwrap_or(1280) as u32, size[1].as_u64().unwrap_or(900) as u32);
        let height = self.js("return document.documentElement.scrollHeight", vec![]).await.as_u64().unwrap_or(900);
        self.resize(w, (height as u32).clamp(h, 2400)).await;
        let path = self.screenshot(name).await;
        self.resize(w, h).await;
        path
    }

    /// At the current width nothing scrolls sideways.
    pub async fn assert_no_sideways_scroll(&self, page: &str) {
        let widths = self.js("return [document.documentElement.scrollWidth, window.innerWidth]", vec![]).await;
        let (scroll, inner) = (widths[0].as_u64().unwrap_or(0), widths[1].as_u64().unwrap_or(0));
        let culprits = self
            .js(
                "return Array.from(document.querySelectorAll('body *'))
                   .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
                   .slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + e.className)",
                vec![],
            )
            .await;
        assert!(scroll <= inner, "{page} scrolls sideways: {scroll} px wide in a {inner} px window; wide: {culprits}");
    }

    /// The element is there for a person: displayed, inside the window's width, and the topmost thing at its
    /// centre once scrolled to (so a click lands on it).
    pub async fn assert_reachable(&self, css: &str) {
        self.assert_nth_reachable(css, 0).await;
    }

    /// Every element matching `css` is reachable (there must be at least one).
    pub async fn assert_each_reachable(&self, css: &str) {
        let count = self.js("return document.querySelectorAll(arguments[0]).length", vec![json!(css)]).await;
        let count = count.as_u64().unwrap_or(0);
        assert!(count > 0, "nothing matches {css} on {}", self.path().await);
        for index in 0..count {
            self.assert_nth_reachable(css, index).await;
        }
    }

    async fn assert_nth_reachable(&self, css: &str, index: u64) {
        let script = "const e = document.querySelectorAll(arguments[0])[arguments[1]];
            if (!e) return 'missing';
            e.scrollIntoView({block: 'center', inline: 'nearest'});
            const r = e.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) return 'not displayed';
            if (r.left < 0 || r.right > window.innerWidth + 0.5) return 'outside the window: ' + r.left + '..' + r.right;
            const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            const ok = top && (top === e || e.contains(top) || top.contains(e) || (top.control === e) || (e.labels && Array.from(e.labels).includes(top)));
            return ok ? 'ok' : 'covered by ' + (top ? top.outerHTML.slice(0, 80) : 'nothing')";
        let verdict = self.js(script, vec![json!(css), json!(index)]).await;
        let what = self
            .js("const e = document.querySelectorAll(arguments[0])[arguments[1]]; return e ? e.outerHTML.slice(0, 120) : ''", vec![json!(css), json!(index)])
            .await;
        assert_eq!(verdict.as_str(), Some("ok"), "{css} #{index} is not reachable on {}: {what}", self.path().await);
    }

    /// Presses Tab as a person does.
    pub async fn press_tab(&self) {
        self.press_key(&char::from(fantoccini::key::Key::Tab).to_string()).await;
    }

    /// Presses keys on the keyboard, whatever has the focus (real key events: typing into an element would
    /// fill a date field instead of leaving it).
    pub async fn press_key(&self, keys: &str) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let mut actions = KeyActions::new("keyboard".into());
        for key in keys.chars() {
            actions = actions.then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
        }
        self.client.perform_actions(actions).await.unwrap_or_else(|e| panic!("press {keys:?}: {e}"));
    }

    /// Tabbing from the top of the page reaches every visible control (links, buttons, fields, summaries): what
    /// a mouse can use, the keyboard can. Of a group of radio buttons one stop is enough (arrows move inside).
    pub async fn assert_keyboard_reaches_everything(&self, page: &str) {
        let marked = self
            .js(
                "let n = 0; const groups = new Set();
                 document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary').forEach(e => {
                   const r = e.getBoundingClientRect();
                   // checkVisibility: a closed <details> hides its content by content-visibility, which keeps boxes.
                   const shown = r.width > 0 && r.height > 0 && e.checkVisibility({visibilityProperty: true});
                   if (!shown || e.disabled || e.closest('[inert], [aria-hidden=true]')) return;
                   if (e.type === 'radio') { if (groups.has(e.name)) return; groups.add(e.name); }
                   e.setAttribute('data-kb', e.type === 'radio' ? 'radio:' + e.name : String(n++));
                 });
                 document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);
                 return document.querySelectorAll('[data-kb]').length",
                vec![],
            )
            .await
            .as_u64()
            .unwrap_or(0);
        let mut reached = std::collections::HashSet::new();
        // Some controls take several stops (a date field: day, month, year).
        for _ in 0..marked * 3 + 10 {
            self.press_tab().await;
            let key = self
                .js(
                    "const e = document.activeElement; if (!e) return null;
                     return e.type === 'radio' ? 'radio:' + e.name : e.getAttribute('data-kb')",
                    vec![],
                )
                .await;
            if let Some(key) = key.as_str() {
                reached.insert(key.to_owned());
            }
            if reached.len() as u64 == marked {
                break;
            }
        }
        let missed = self
            .js(
                "return Array.from(document.querySelectorAll('[data-kb]')).filter(e => !arguments[0].includes(e.getAttribute('data-kb')))
                   .slice(0, 5).map(e => e.outerHTML.slice(0, 100))",
                vec![json!(reached.iter().collect::<Vec<_>>())],
            )
            .await;
        assert_eq!(reached.len() as u64, marked, "the keyboard does not reach everything on {page}: {missed}");
    }

    /// Ends the browser, after a last look at its log.
    pub async fn close(mut self) {
        self.assert_clean("the end").await;
        self.closed = true;
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Chrome {
    fn drop(&mut self) {
        if !self.closed {
            // A failing test: end the browser without the async runtime, which may be gone.
            let port = self.driver.url.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or(0);
            let _ = http_status(port, "DELETE", &format!("/session/{}", self.session));
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
