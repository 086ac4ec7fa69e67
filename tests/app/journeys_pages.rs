//! Every main page in a real browser: axe-core finds no serious or critical accessibility problem, the
//! language switch works both ways, and on a phone (375 × 812) nothing scrolls sideways and every action
//! can be reached. Screenshots of the pages go to target/screenshots/.

use crate::browser::{Chrome, person};
use crate::helpers::{Browser, TestApp, ticket_form};
use aftersales::domain::Role;

/// Who looks at a page.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Who {
    Nobody,
    Customer,
    Agent,
    Supervisor,
}

impl Who {
    fn login(self) -> Option<&'static str> {
        match self {
            Who::Nobody => None,
            Who::Customer => Some("wang@example.com"),
            Who::Agent => Some("zhang@example.com"),
            Who::Supervisor => Some("chen@example.com"),
        }
    }
}

/// A main page: checked with axe-core, and photographed when it has a screenshot name.
pub struct MainPage {
    pub who: Who,
    /// `{ticket}` stands for the number of a ticket in progress with a withdrawal request waiting, `{fresh}` for
    /// one just filed.
    pub path: &'static str,
    pub screenshot: Option<&'static str>,
}

/// The pages people use every day, grouped by who looks (one sign-in each). A new main page (the
/// supervisor's dashboard) is one more row here: the accessibility check and its screenshot come with it.
pub const MAIN_PAGES: &[MainPage] = &[
    MainPage { who: Who::Nobody, path: "/login", screenshot: Some("login") },
    MainPage { who: Who::Nobody, path: "/register", screenshot: None },
    MainPage { who: Who::Customer, path: "/portal", screenshot: Some("portal") },
    MainPage { who: Who::Customer, path: "/portal/tickets/new", screenshot: None },
    MainPage { who: Who::Customer, path: "/tickets/{ticket}", screenshot: None },
    MainPage { who: Who::Customer, path: "/tickets/{fresh}/withdraw", screenshot: None },
    MainPage { who: Who::Customer, path: "/notifications", screenshot: None },
    MainPage { who: Who::Customer, path: "/account", screenshot: None },
    MainPage { who: Who::Agent, path: "/queue", screenshot: Some("queue") },
    MainPage { who: Who::Agent, path: "/tickets/{ticket}", screenshot: None },
    MainPage { who: Who::Agent, path: "/intake", screenshot: None },
    MainPage { who: Who::Supervisor, path: "/approvals", screenshot: None },
    MainPage { who: Who::Supervisor, path: "/analytics", screenshot: Some("dashboard") },
    MainPage { who: Who::Supervisor, path: "/settings", screenshot: None },
    MainPage { who: Who::Supervisor, path: "/staff", screenshot: None },
    MainPage { who: Who::Supervisor, path: "/notifications", screenshot: None },
];

/// A small, lived-in world: a customer with tickets in several states (one with a withdrawal request the
/// agent disputed, so the approvals page has work), an agent and a supervisor.
pub struct World {
    pub app: TestApp,
    /// In progress, with a withdrawal request the agent disputed.
    pub disputed: String,
    /// Just filed.
    pub fresh: String,
}

impl World {
    pub fn path(&self, pattern: &str) -> String {
        pattern.replace("{ticket}", &self.disputed).replace("{fresh}", &self.fresh)
    }
}

pub async fn lived_in_world() -> World {
    let app = TestApp::spawn().await;
    let customer = person(&app, Role::Customer, "wang@example.com", "王芳").await;
    let agent = person(&app, Role::Agent, "zhang@example.com", "张工").await;
    person(&app, Role::Supervisor, "chen@example.com", "陈主管").await;
    let tickets: [(&str, &str, &[&str]); 5] = [
        ("洗碗机不进水", "urgent", &["take", "act/start"]),
        ("烘干后餐具仍有水渍", "normal", &["take", "act/start", "act/resolve"]),
        ("预约上门安装", "normal", &[]),
        ("门封条破损需要更换", "critical", &["take", "act/start", "act/request_info"]),
        ("发票抬头写错了", "normal", &["take", "act/start", "act/resolve"]),
    ];
    let mut numbers = Vec::new();
    for (title, urgency, steps) in tickets {
        let number = customer.file_ticket(&ticket_form(title, &[("urgency", urgency)])).await;
        for step in steps {
            let fields = [("text", "已更换进水阀，请试用。"), ("cause", "parts")];
            let res = agent.post(&format!("/tickets/{number}/{step}"), &fields).await;
            assert_eq!(res.status(), 303, "{number}: {step}");
        }
        numbers.push(number);
    }
    let closed = &numbers[4];
    assert_eq!(customer.post(&format!("/tickets/{closed}/act/confirm"), &[]).await.status(), 303);
    request_withdrawal_and_dispute(&customer, &agent, &numbers[0]).await;
    World { app, disputed: numbers[0].clone(), fresh: numbers[2].clone() }
}

async fn request_withdrawal_and_dispute(customer: &Browser, agent: &Browser, number: &str) {
    let fields = [("reason", "other"), ("text", "已找别家修好"), ("channel", "")];
    assert_eq!(customer.post(&format!("/tickets/{number}/withdraw"), &fields).await.status(), 303);
    let page = agent.page(&format!("/tickets/{number}")).await;
    let request = page.attr(".withdrawal-pending input[name=request]", "value").expect("the request");
    let fields = [("request", request.as_str()), ("dispute_reason", "parts_shipped"), ("text", "配件已经寄出")];
    assert_eq!(agent.post(&format!("/tickets/{number}/withdrawal/dispute"), &fields).await.status(), 303);
}

#[actix_web::test]
async fn every_main_page_passes_axe_core_and_is_photographed() {
    let world = lived_in_world().await;
    let Some(chrome) = Chrome::open(&world.app).await else { return };
    let mut signed_in = None;
    let mut problems = Vec::new();
    for page in MAIN_PAGES {
        if signed_in != Some(page.who) {
            match page.who.login() {
                Some(login) => chrome.login(login).await,
                None => chrome.sign_out().await,
            }
            signed_in = Some(page.who);
        }
        let path = world.path(page.path);
        chrome.goto(&path).await;
        if let Some(name) = page.screenshot {
            chrome.full_screenshot(name).await;
        }
        chrome.assert_keyboard_reaches_everything(&path).await;
        if page.who == Who::Nobody {
            // Signing in and registering: browsers and password managers can fill every field.
            let bare = "return Array.from(document.querySelectorAll('main input:not([type=hidden]):not([autocomplete])')).map(e => e.name)";
            assert_eq!(chrome.js(bare, vec![]).await, serde_json::json!([]), "fields without autocomplete on {path}");
        }
        // Closed panels hide their forms from axe: open them all so every form is checked.
        chrome.js("document.querySelectorAll('details').forEach(d => d.open = true)", vec![]).await;
        // All pages' findings at once: fixing one page at a time would hide the others.
        for violation in chrome.accessibility_violations().await {
            problems.push(format!("{path} as {:?}: {violation}", page.who));
        }
        chrome.assert_clean(&path).await;
    }
    assert!(problems.is_empty(), "accessibility problems:\n{}", problems.join("\n"));
    chrome.close().await;
}

#[actix_web::test]
async fn a_supervisor_reads_the_dashboard_charts_and_downloads_a_table() {
    let world = lived_in_world().await;
    let Some(chrome) = Chrome::open(&world.app).await else { return };
    chrome.login(Who::Supervisor.login().expect("a login")).await;
    chrome.click_and_settle("a[href='/analytics']").await;
    chrome.see("h1", "数据分析").await;
    assert!(chrome.exists("svg.chart").await, "charts on the dashboard");
    // The CSV link of the summary table, fetched as the browser would download it.
    let answer = chrome
        .js_async(
            "const done = arguments[arguments.length - 1];
             const a = document.querySelector('#summary a[href*=\"format=csv\"]');
             fetch(a.href).then(r => r.arrayBuffer().then(b => {
                 const bytes = new Uint8Array(b);
                 done([r.status, r.headers.get('content-disposition'), [bytes[0], bytes[1], bytes[2]]]);
             }));",
            vec![],
        )
        .await;
    assert_eq!(answer[0], 200, "{answer}");
    assert!(answer[1].as_str().is_some_and(|d| d.starts_with("attachment")), "{answer}");
    assert_eq!(answer[2], serde_json::json!([0xef, 0xbb, 0xbf]), "a CSV that Excel reads as UTF-8 (BOM): {answer}");
    // The same dashboard in English, and on a phone: charts scale down, wide tables scroll inside their box.
    chrome.click_and_settle("a.lang-switch").await;
    chrome.see("h1", "Analytics").await;
    chrome.see("#summary", "Tickets filed").await;
    assert!(chrome.exists("svg.chart").await, "charts in English too");
    chrome.full_screenshot("dashboard-en").await;
    chrome.resize(375, 812).await;
    chrome.assert_no_sideways_scroll("the English dashboard on a phone").await;
    chrome.full_screenshot("dashboard-en-phone").await;
    chrome.assert_clean("the dashboard and its download").await;
    chrome.close().await;
}

#[actix_web::test]
async fn the_language_switch_turns_a_page_to_english_and_back() {
    let world = lived_in_world().await;
    let Some(chrome) = Chrome::open(&world.app).await else { return };
    chrome.login("wang@example.com").await;
    chrome.goto("/portal?q=%E6%B4%97%E7%A2%97%E6%9C%BA").await;
    chrome.see("h1", "我的工单").await;
    chrome.see("table", "处理中").await;
    assert_eq!(chrome.js("return document.documentElement.lang", vec![]).await, "zh-CN");

    chrome.click_and_settle("a.lang-switch").await;
    chrome.see("h1", "My tickets").await;
    chrome.see("table", "In progress").await;
    assert_eq!(chrome.js("return document.documentElement.lang", vec![]).await, "en");
    assert_eq!(chrome.path().await, "/portal?q=%E6%B4%97%E7%A2%97%E6%9C%BA", "the same page, the same search");

    chrome.click_and_settle("a.lang-switch").await;
    chrome.see("h1", "我的工单").await;
    assert_eq!(chrome.js("return document.documentElement.lang", vec![]).await, "zh-CN");
    chrome.close().await;
}

#[actix_web::test]
async fn on_a_phone_nothing_scrolls_sideways_and_every_action_is_in_reach() {
    let world = lived_in_world().await;
    let Some(chrome) = Chrome::open(&world.app).await else { return };
    chrome.resize(375, 812).await;
    let ticket = world.path("/tickets/{ticket}");

    chrome.login("wang@example.com").await;
    for (path, shot) in [("/portal", Some("portal-phone")), (ticket.as_str(), None), ("/portal/tickets/new", None)] {
        chrome.goto(path).await;
        chrome.assert_no_sideways_scroll(path).await;
        if let Some(name) = shot {
            chrome.screenshot(name).await;
        }
        menu_opens(&chrome, &["/portal", "/portal/tickets/new", "/notifications", "/account"]).await;
    }
    chrome.goto("/portal").await;
    chrome.assert_each_reachable("main a.button, main table a, main form button").await;
    chrome.goto(&ticket).await;
    chrome.assert_each_reachable(".withdrawal-pending button, .withdraw-open a, .comment-form button").await;
    chrome.assert_each_reachable(".upload-form input[type=file], .upload-form button").await;

    chrome.login("zhang@example.com").await;
    chrome.goto("/queue").await;
    chrome.assert_no_sideways_scroll("/queue").await;
    chrome.screenshot("queue-phone").await;
    chrome.assert_each_reachable("#queue-table a, .filters select, .filters input, .filters button").await;
    menu_opens(&chrome, &["/queue", "/intake", "/notifications", "/account"]).await;
    chrome.goto(&ticket).await;
    chrome.assert_no_sideways_scroll(&ticket).await;
    chrome.screenshot("ticket-phone").await;
    chrome
        .assert_each_reachable(".action-bar button, details.action-panel > summary, .withdrawal-step > summary")
        .await;
    // A panel opens and its form fits the width.
    chrome.click("details.action-panel:has(#f-resolve-text) > summary").await;
    chrome.assert_each_reachable("#f-resolve-text, #f-resolve-cause, form[action$='/act/resolve'] button").await;
    chrome.assert_no_sideways_scroll("the resolve panel").await;
    chrome.close().await;
}

/// The folded menu opens from its button (by mouse, and by keyboard: Tab to it, Space) and shows these links
/// within the window.
async fn menu_opens(chrome: &Chrome, links: &[&str]) {
    chrome.assert_reachable(".nav-toggle-label").await;
    chrome.click(".nav-toggle-label").await;
    for href in links {
        chrome.assert_reachable(&format!("nav.nav a[href='{href}']")).await;
    }
    chrome.assert_no_sideways_scroll("the open menu").await;
    chrome.click(".nav-toggle-label").await;
    assert!(
        !chrome.js("return document.querySelector('nav.nav').offsetHeight > 0", vec![]).await.as_bool().unwrap_or(true),
        "the menu folds again"
    );

    // From the top of the page, as after loading it: the skip link is the first stop.
    chrome.js("document.querySelector('.skip-link').focus()", vec![]).await;
    for _ in 0..3 {
        chrome.press_tab().await;
        if chrome.js("return document.activeElement.id", vec![]).await == "nav-toggle" {
            break;
        }
    }
    assert_eq!(
        chrome.js("return document.activeElement.id", vec![]).await,
        "nav-toggle",
        "Tab reaches the menu button"
    );
    chrome.press_key(" ").await;
    chrome.assert_reachable(&format!("nav.nav a[href='{}']", links[0])).await;
    chrome.press_key(" ").await;
}
