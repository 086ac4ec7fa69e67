//! The authorization matrix: every route of the route table (`aftersales::web::route_table`) × every kind of person,
//! over real HTTP, against the answer it must give. A route added without a row here fails the test, so nobody adds
//! a route without saying who may use it.
//!
//! Each row gets fresh things to act on (a ticket of the owner's that the assignee took and started, and whatever its
//! path names), and the people ask in the order below, each with a real session and its CSRF token, the form left
//! empty (plus the ids a step needs). What counts is whether the person got past the gate:
//! `L` sent to sign in (303 to /login, or 401), `F` refused (403), `N` not there for them (404), `A` let through
//! (any other answer: the page, a redirect elsewhere, 400/409/422 for the empty form). A 5xx anywhere fails.
//! Signing out (here or everywhere) lands on the sign-in page, so those rows read `L` for everyone. Where a handler
//! checks the form before the ticket, the row sends a form that passes, so the answer shows the permission.

use crate::approvals::{dispute, request_withdrawal};
use crate::attachments::{PNG, Upload, upload};
use crate::helpers::*;
use aftersales::domain::Role;
use reqwest::StatusCode;

/// Who asks, in this order; a row's letters follow it.
const PEOPLE: [&str; 7] = ["anonymous", "disabled", "other customer", "other agent", "owner", "assignee", "supervisor"];

/// (method, route as the table has it, the answer for each of `PEOPLE`).
const MATRIX: &[(&str, &str, &str)] = &[
    ("GET", "/", "LLAAAAA"),
    ("GET", "/livez", "AAAAAAA"),
    ("GET", "/readyz", "AAAAAAA"),
    ("GET", "/healthz", "AAAAAAA"),
    ("GET", "/metrics", "AAAAAAA"),
    ("GET", "/static/{file}", "AAAAAAA"),
    ("GET", "/favicon.ico", "AAAAAAA"),
    ("GET", "/lang/{code}", "AAAAAAA"),
    ("GET", "/login", "AAAAAAA"),
    ("POST", "/login", "AAAAAAA"),
    ("POST", "/logout", "LLLLLLL"),
    ("GET", "/register", "AAAAAAA"),
    ("POST", "/register", "AAAAAAA"),
    ("GET", "/portal", "LLAFAFF"),
    ("GET", "/portal/tickets/new", "LLAFAFF"),
    ("POST", "/portal/tickets", "LLAFAFF"),
    ("GET", "/portal/tickets/similar", "LLAFAFF"),
    ("GET", "/tickets/{number}", "LLNAAAA"),
    ("POST", "/tickets/{number}/take", "LLFAFAA"),
    ("POST", "/tickets/{number}/comments", "LLNAAAA"),
    ("POST", "/tickets/{number}/act/{action}", "LLNFFAA"),
    ("POST", "/tickets/{number}/reassign", "LLFFFAA"),
    ("POST", "/tickets/{number}/classify", "LLFAFAA"),
    ("POST", "/tickets/{number}/correct", "LLFFFFA"),
    ("POST", "/tickets/{number}/survey", "LLNFAFF"),
    ("POST", "/tickets/{number}/merge", "LLFFFAA"),
    ("GET", "/tickets/{number}/edit", "LLNFAFF"),
    ("POST", "/tickets/{number}/edit", "LLNFAFF"),
    ("POST", "/tickets/{number}/attachments", "LLNAAAA"),
    ("GET", "/attachments/{id}", "LLNAAAA"),
    ("GET", "/queue", "LLFAFAA"),
    ("GET", "/settings", "LLFFFFA"),
    ("GET", "/staff", "LLFFFFA"),
    ("POST", "/staff", "LLFFFFA"),
    ("POST", "/staff/{id}/availability", "LLFFFFA"),
    ("POST", "/accounts/{id}/access", "LLFFFFA"),
    ("GET", "/settings/assignment", "LLFFFFA"),
    ("POST", "/settings/assignment", "LLFFFFA"),
    ("GET", "/settings/products", "LLFFFFA"),
    ("POST", "/settings/products", "LLFFFFA"),
    ("GET", "/settings/products/{id}/edit", "LLFFFFA"),
    ("POST", "/settings/products/{id}/edit", "LLFFFFA"),
    ("GET", "/portal/products/models", "LLAAAAA"),
    ("GET", "/settings/keywords", "LLFFFFA"),
    ("POST", "/settings/keywords", "LLFFFFA"),
    ("GET", "/settings/keywords/{id}/edit", "LLFFFFA"),
    ("POST", "/settings/keywords/{id}/edit", "LLFFFFA"),
    ("POST", "/settings/keywords/{id}/delete", "LLFFFFA"),
    ("GET", "/portal/tickets/suggest", "LLAAAAA"),
    ("GET", "/intake", "LLFAFAA"),
    ("POST", "/intake", "LLFAFAA"),
    ("GET", "/settings/ticket-templates", "LLFFFFA"),
    ("POST", "/settings/ticket-templates", "LLFFFFA"),
    ("GET", "/settings/ticket-templates/{id}", "LLFFFFA"),
    ("POST", "/settings/ticket-templates/{id}", "LLFFFFA"),
    ("POST", "/settings/ticket-templates/{id}/delete", "LLFFFFA"),
    ("GET", "/settings/reply-macros", "LLFFFFA"),
    ("POST", "/settings/reply-macros", "LLFFFFA"),
    ("GET", "/settings/reply-macros/{id}", "LLFFFFA"),
    ("POST", "/settings/reply-macros/{id}", "LLFFFFA"),
    ("POST", "/settings/reply-macros/{id}/delete", "LLFFFFA"),
    ("GET", "/tickets/{number}/macros/{id}", "LLFAFAA"),
    ("GET", "/settings/causes", "LLFFFFA"),
    ("POST", "/settings/causes", "LLFFFFA"),
    ("GET", "/settings/causes/{code}", "LLFFFFA"),
    ("POST", "/settings/causes/{code}", "LLFFFFA"),
    ("POST", "/settings/causes/{code}/delete", "LLFFFFA"),
    ("POST", "/tickets/{number}/compensations", "LLFFFAA"),
    ("POST", "/tickets/{number}/compensations/{id}/returned", "LLFAFAA"),
    ("GET", "/approvals", "LLFFFFA"),
    ("POST", "/approvals/{request}/{step}", "LLFFFFA"),
    ("GET", "/notifications", "LLAAAAA"),
    ("POST", "/notifications/read-all", "LLAAAAA"),
    ("POST", "/notifications/{id}/read", "LLNNANN"),
    ("GET", "/nav/badges", "LLAAAAA"),
    ("GET", "/tickets/{number}/withdraw", "LLNFAFF"),
    ("POST", "/tickets/{number}/withdraw", "LLNAAAA"),
    ("POST", "/tickets/{number}/withdrawal/feedback", "LLNFAFF"),
    ("POST", "/tickets/{number}/withdrawal/{step}", "LLNFFAA"),
    ("GET", "/account", "LLAAAAA"),
    ("POST", "/account", "LLAAAAA"),
    ("POST", "/account/sign-out-everywhere", "LLLLLLL"),
    ("GET", "/settings/sla", "LLFFFFA"),
    ("POST", "/settings/sla", "LLFFFFA"),
    ("GET", "/settings/sla/{id}", "LLFFFFA"),
    ("POST", "/settings/sla/{id}", "LLFFFFA"),
    ("POST", "/settings/sla/{id}/delete", "LLFFFFA"),
    ("GET", "/settings/calendar", "LLFFFFA"),
    ("POST", "/settings/calendar/hours", "LLFFFFA"),
    ("POST", "/settings/calendar/days", "LLFFFFA"),
    ("POST", "/settings/calendar/days/{day}/delete", "LLFFFFA"),
    ("POST", "/exports", "LLFFFFA"),
    ("GET", "/exports/{id}", "LLFFFFA"),
    ("GET", "/exports/{id}/download", "LLFFFFA"),
    ("GET", "/analytics", "LLFFFFA"),
    ("GET", "/analytics/export", "LLFFFFA"),
    ("GET", "/bench/floor", "AAAAAAA"),
];

const PHOTO: Upload<'static> = Upload("照片.png", PNG, "image/png");

/// Rows that end sessions (or start new ones): everyone signs in again after them.
const ENDS_SESSIONS: &[&str] = &["/logout", "/account/sign-out-everywhere", "/login", "/register"];

struct People {
    browsers: Vec<Browser>,
    emails: [&'static str; 7],
}

impl People {
    async fn sign_in(app: &TestApp, people: &mut Option<People>) {
        let emails = [
            "",
            "disabled@example.com",
            "other-customer@example.com",
            "other-agent@example.com",
            "owner@example.com",
            "assignee@example.com",
            "supervisor@example.com",
        ];
        let mut browsers = Vec::new();
        for email in emails {
            let browser = app.browser();
            if !email.is_empty() {
                let res = browser.login(email, PASSWORD).await;
                // Once disabled, that account cannot sign in again: its browser stays anonymous.
                let disabled = email.starts_with("disabled") && res.status() == StatusCode::UNPROCESSABLE_ENTITY;
                assert!(res.status() == StatusCode::SEE_OTHER || disabled, "sign-in of {email}: {}", res.status());
            }
            browsers.push(browser);
        }
        *people = Some(People { browsers, emails });
    }

    fn who(&self, email: &str) -> &Browser {
        &self.browsers[self.emails.iter().position(|e| *e == email).expect("a person")]
    }
}

/// What a row's path names, made fresh for it.
struct Fixture {
    path: String,
    fields: Vec<(String, String)>,
}

async fn one(app: &TestApp, sql: &str) -> i64 {
    app.count(sql).await
}

/// A ticket of the owner's, taken and started by the assignee; the row's path with every `{…}` filled in.
async fn fixture(app: &TestApp, people: &People, route: &str, row: usize) -> Fixture {
    let owner = people.who("owner@example.com");
    let assignee = people.who("assignee@example.com");
    let supervisor = people.who("supervisor@example.com");
    let number = crate::approvals::in_progress(owner, assignee, &format!("矩阵 {row}")).await;
    let ticket = one(app, &format!("SELECT id FROM tickets WHERE number = '{number}'")).await;
    let id_of = |email: &str| format!("SELECT id FROM users WHERE email = '{email}'");
    let mut fields = Vec::new();
    let id = if route.starts_with("/staff/") {
        one(app, &id_of("assignee@example.com")).await
    } else if route.starts_with("/accounts/") {
        // Someone nobody else in the matrix is: the supervisor really disables them.
        one(app, &id_of("bystander@example.com")).await
    } else if route.starts_with("/settings/products/") {
        app.exec(&format!(
            "INSERT INTO products (model_code, name_zh, warranty_months) VALUES ('MX-{row}', '型号', 12) ON CONFLICT DO NOTHING"
        ))
        .await;
        one(app, "SELECT max(id) FROM products").await
    } else if route.starts_with("/settings/keywords/") {
        app.exec(&format!(
            "INSERT INTO keyword_rules (keywords, ticket_type, priority) VALUES ('{{词{row}}}', 'complaint', 10)"
        ))
        .await;
        one(app, "SELECT max(id) FROM keyword_rules").await
    } else if route.starts_with("/settings/ticket-templates/") {
        app.exec(&format!(
            "INSERT INTO ticket_templates (name_zh, name_en, ticket_type, urgency, desired_outcome, title_zh, \
             title_en, description_zh, description_en) VALUES ('模板{row}', 'T{row}', 'fault_repair', 'normal', \
             'repair', '标题', 'Title', '描述', 'Text')"
        ))
        .await;
        one(app, "SELECT max(id) FROM ticket_templates").await
    } else if route.starts_with("/settings/reply-macros/") || route.contains("/macros/") {
        app.exec(&format!("INSERT INTO reply_macros (name, body_zh, body_en) VALUES ('回复{row}', '您好', 'Hello')"))
            .await;
        one(app, "SELECT max(id) FROM reply_macros").await
    } else if route.starts_with("/settings/sla/") {
        app.exec("DELETE FROM sla_policies WHERE ticket_type = 'consultation'").await;
        app.exec(
            "INSERT INTO sla_policies (urgency, ticket_type, first_response_minutes, resolution_minutes) \
             VALUES ('normal', 'consultation', 60, 600)",
        )
        .await;
        one(app, "SELECT max(id) FROM sla_policies").await
    } else if route.starts_with("/exports/") {
        let res = supervisor.post("/exports", &[("format", "csv"), ("state", "all")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        crate::exports::worker(app).run_until_idle(chrono::Utc::now()).await.expect("the export runs");
        one(app, "SELECT max(id) FROM exports").await
    } else if route.starts_with("/attachments/") {
        let res = upload(owner, &number, &[PHOTO]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        one(app, "SELECT max(id) FROM attachments").await
    } else if route.starts_with("/notifications/") {
        app.exec(&format!(
            "INSERT INTO notifications (user_id, ticket_id, kind, created_at) \
             VALUES (({}), {ticket}, 'ticket_assigned', now())",
            id_of("owner@example.com")
        ))
        .await;
        one(app, "SELECT max(id) FROM notifications").await
    } else if route.contains("/compensations/") {
        app.exec(&format!(
            "INSERT INTO compensations (ticket_id, kind, description, given_by, given_at, return_due_at) \
             VALUES ({ticket}, 'replacement', '备用机', ({}), now(), now() + interval '7 days')",
            id_of("assignee@example.com")
        ))
        .await;
        one(app, "SELECT max(id) FROM compensations").await
    } else {
        0
    };
    let mut path = route.replace("{number}", &number).replace("{id}", &id.to_string());
    if route.contains("{request}") || route.contains("/withdrawal/{step}") {
        let request = request_withdrawal(app, &number, "owner@example.com", chrono::Utc::now()).await;
        if route.starts_with("/approvals/") {
            dispute(app, &number, "assignee@example.com", request, chrono::Utc::now()).await;
            path = path.replace("{request}", &request.to_string()).replace("{step}", "approve");
        } else {
            path = path.replace("{step}", "accept");
        }
        fields.push(("request".to_owned(), request.to_string()));
    }
    if route.contains("{code}") && route.starts_with("/settings/causes/") {
        app.exec(&format!(
            "INSERT INTO cause_categories (code, name_zh, name_en) VALUES ('matrix_{row}', '原因{row}', 'Cause {row}')"
        ))
        .await;
        path = path.replace("{code}", &format!("matrix_{row}"));
    }
    if route.contains("{day}") {
        let day = format!("2031-01-{:02}", row % 28 + 1);
        app.exec(&format!("INSERT INTO calendar_days (day, kind) VALUES ('{day}', 'holiday') ON CONFLICT DO NOTHING"))
            .await;
        path = path.replace("{day}", &day);
    }
    // What a form that passes its checks sends, so the answer shows the permission, not the form's problems.
    let filled: Vec<(&str, String)> = match route {
        "/tickets/{number}/comments" => vec![("body", "矩阵补充".into())],
        "/tickets/{number}/act/{action}" => vec![("text", "已更换水泵".into()), ("cause", "user_error".into())],
        "/tickets/{number}/reassign" => {
            vec![("assignee", one(app, &id_of("other-agent@example.com")).await.to_string()), ("reason", "换人".into())]
        }
        "/tickets/{number}/classify" => vec![("ticket_type", "complaint".into()), ("urgency", "urgent".into())],
        "/tickets/{number}/merge" => {
            let into = owner.file_ticket(&ticket_form(&format!("矩阵 {row} 原单"), &[])).await;
            vec![("into", into), ("note", "重复".into())]
        }
        "/tickets/{number}/compensations" => {
            vec![("kind", "voucher".into()), ("amount", "50".into()), ("description", "补偿".into())]
        }
        "/tickets/{number}/withdraw" => vec![("reason", "solved_myself".into())],
        "/tickets/{number}/edit" => {
            ticket_form("改过的标题", &[]).into_iter().map(|(k, v)| (k, v.to_owned())).collect()
        }
        _ => Vec::new(),
    };
    fields.extend(filled.into_iter().map(|(k, v)| (k.to_owned(), v)));
    let static_file = aftersales::web::assets::url("app.css");
    let path = path.replace("/static/{file}", &static_file).replace("{code}", "en").replace("{action}", "resolve");
    assert!(!path.contains('{'), "no fixture for {route}");
    Fixture { path, fields }
}

/// The letter for an answer (see the module's note).
fn letter(res: &reqwest::Response) -> char {
    let status = res.status();
    let to_login = res.headers().get("location").and_then(|l| l.to_str().ok()).is_some_and(|l| l.starts_with("/login"));
    match status.as_u16() {
        500..=599 => 'E',
        401 => 'L',
        303 | 302 if to_login => 'L',
        403 => 'F',
        404 => 'N',
        _ => 'A',
    }
}

#[actix_web::test]
async fn every_route_answers_each_kind_of_person_as_the_matrix_says() {
    let app = TestApp::spawn().await;
    for (role, email) in [
        (Role::Agent, "disabled@example.com"),
        (Role::Customer, "other-customer@example.com"),
        (Role::Agent, "other-agent@example.com"),
        (Role::Customer, "owner@example.com"),
        (Role::Agent, "assignee@example.com"),
        (Role::Supervisor, "supervisor@example.com"),
        (Role::Customer, "bystander@example.com"),
    ] {
        app.create_user(role, email, email.split('@').next().unwrap_or("x")).await;
    }

    // The matrix and the route table hold the same routes.
    let routes: std::collections::BTreeSet<(String, String)> =
        aftersales::web::route_table().into_iter().map(|(m, p)| (m.to_string(), p.to_owned())).collect();
    let rows: std::collections::BTreeSet<(String, String)> = MATRIX
        .iter()
        .filter(|(_, path, _)| cfg!(feature = "bench") || *path != "/bench/floor")
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let missing: Vec<_> = routes.difference(&rows).collect();
    let stale: Vec<_> = rows.difference(&routes).collect();
    assert!(missing.is_empty(), "routes without a row in the authorization matrix: {missing:?}");
    assert!(stale.is_empty(), "rows for routes that are gone: {stale:?}");

    let mut people = None;
    People::sign_in(&app, &mut people).await;
    // The disabled account had a live session; a supervisor disables it (its session ends at once).
    let disabled = app.count("SELECT id FROM users WHERE email = 'disabled@example.com'").await;
    let res = people.as_ref().unwrap().who("supervisor@example.com");
    let res = res.post(&format!("/accounts/{disabled}/access"), &[("enabled", "false")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let mut wrong = Vec::new();
    for (row, (method, route, want)) in MATRIX.iter().enumerate() {
        if !rows.contains(&((*method).to_owned(), (*route).to_owned())) {
            continue;
        }
        let who = people.as_ref().expect("signed in");
        let Fixture { path, fields } = fixture(&app, who, route, row).await;
        let mut got = String::new();
        for browser in &who.browsers {
            let res = if *method == "GET" {
                browser.get(&path).await
            } else if route.ends_with("/attachments") {
                upload(browser, path.trim_start_matches("/tickets/").trim_end_matches("/attachments"), &[PHOTO]).await
            } else {
                let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                browser.post(&path, &fields).await
            };
            got.push(letter(&res));
        }
        if got != *want {
            wrong.push(format!("    (\"{method}\", \"{route}\", \"{got}\"), // want {want} ({path})"));
        }
        if ENDS_SESSIONS.contains(route) {
            People::sign_in(&app, &mut people).await;
        }
    }
    assert!(wrong.is_empty(), "answers that differ from the matrix ({}):\n{}", PEOPLE.join(", "), wrong.join("\n"));
}
