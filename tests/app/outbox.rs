//! Email through the transactional outbox: rows written with the change, in
//! each reader's language, delivered to a real SMTP server on loopback (a small
//! sink started here), retried while it is down, sent once; nothing staff-only
//! in a customer's message; each person's own switch on `/account`.

use crate::approvals::{dispute, in_progress, request_withdrawal};
use crate::helpers::*;
use aftersales::config::Mail;
use aftersales::domain::Role;
use aftersales::jobs::outbox_delivery::{Delivery, MAX_ATTEMPTS, OutboxDelivery, SmsSender};
use base64::Engine;
use chrono::{DateTime, Duration, SubsecRound, Utc};
use reqwest::StatusCode;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message as the sink received it.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) to: Vec<String>,
    pub(crate) data: String,
}

impl Received {
    /// The text body, decoded from the transfer encoding lettre chose.
    fn body(&self) -> String {
        let (head, body) = self.data.split_once("\r\n\r\n").unwrap_or_default();
        let head = head.to_ascii_lowercase();
        if head.contains("content-transfer-encoding: base64") {
            let joined: String = body.lines().map(str::trim).collect();
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(joined).expect("base64")).expect("utf-8")
        } else if head.contains("content-transfer-encoding: quoted-printable") {
            quoted_printable(body)
        } else {
            body.to_owned()
        }
    }
}

fn quoted_printable(text: &str) -> String {
    let text = text.replace("=\r\n", "");
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("utf-8")
}

/// Just enough of an SMTP server: greets, accepts every sender and recipient,
/// keeps each message. Stopping it closes the port (connections are refused).
pub(crate) struct SmtpSink {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    task: actix_web::rt::task::JoinHandle<()>,
}

impl SmtpSink {
    pub(crate) async fn start() -> SmtpSink {
        Self::listen(TcpListener::bind("127.0.0.1:0").await.expect("bind"), Arc::default())
    }

    /// Up again on the same port, keeping what it received.
    async fn restart(port: u16, received: Arc<Mutex<Vec<Received>>>) -> SmtpSink {
        Self::listen(TcpListener::bind(("127.0.0.1", port)).await.expect("bind again"), received)
    }

    fn listen(listener: TcpListener, received: Arc<Mutex<Vec<Received>>>) -> SmtpSink {
        let port = listener.local_addr().expect("addr").port();
        let store = received.clone();
        let task = actix_web::rt::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                actix_web::rt::spawn(session(socket, store.clone()));
            }
        });
        SmtpSink { port, received, task }
    }

    pub(crate) fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub(crate) fn stop(self) -> (u16, Arc<Mutex<Vec<Received>>>) {
        self.task.abort();
        (self.port, self.received)
    }

    pub(crate) fn messages(&self) -> Vec<Received> {
        self.received.lock().expect("sink").clone()
    }

    fn to(&self, address: &str) -> Vec<Received> {
        self.messages().into_iter().filter(|m| m.to.iter().any(|t| t == address)).collect()
    }
}

async fn session(socket: tokio::net::TcpStream, store: Arc<Mutex<Vec<Received>>>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
    let mut to = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        let command = line.to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
            b"250 sink\r\n"
        } else if command.starts_with("MAIL FROM") {
            to.clear();
            b"250 OK\r\n"
        } else if command.starts_with("RCPT TO") {
            to.push(line[8..].trim().trim_start_matches('<').trim_end_matches('>').to_owned());
            b"250 OK\r\n"
        } else if command == "DATA" {
            let _ = write.write_all(b"354 end with .\r\n").await;
            let mut data = Vec::new();
            while let Ok(Some(line)) = lines.next_line().await {
                if line == "." {
                    break;
                }
                data.push(line.strip_prefix('.').map(str::to_owned).unwrap_or(line));
            }
            store.lock().expect("sink").push(Received { to: std::mem::take(&mut to), data: data.join("\r\n") });
            b"250 OK queued\r\n"
        } else if command == "QUIT" {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else {
            b"250 OK\r\n"
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

fn smtp(url: &str) -> OutboxDelivery {
    OutboxDelivery::new(&Mail { smtp_url: Some(url.to_owned()), ..Mail::default() }).expect("mail settings")
}

/// Now, as the database keeps it (microseconds), so instants compare exactly.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn ts(at: DateTime<Utc>) -> String {
    format!("'{}'::timestamptz", at.to_rfc3339())
}

async fn outbox_rows(app: &TestApp, to: &str) -> i64 {
    app.count(&format!("SELECT count(*) FROM outbox WHERE recipient = '{to}'")).await
}

/// The promised first response of a ticket, as the email states it.
async fn promised(app: &TestApp, number: &str) -> String {
    let secs = app
        .count(&format!(
            "SELECT extract(epoch FROM first_response_due_at)::bigint FROM tickets WHERE number = '{number}'"
        ))
        .await;
    let due = DateTime::from_timestamp(secs, 0).expect("due time");
    due.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d %H:%M").to_string()
}

async fn resolve(agent: &Browser, number: &str) {
    assert_eq!(agent.post(&format!("/tickets/{number}/take"), &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(agent.post(&format!("/tickets/{number}/act/start"), &[]).await.status(), StatusCode::SEE_OTHER);
    let res =
        agent.post(&format!("/tickets/{number}/act/resolve"), &[("text", "更换进水阀"), ("cause", "parts")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn the_customers_emails_arrive_in_their_language_exactly_once() {
    let app = TestApp::spawn().await;
    let sink = SmtpSink::start().await;
    let wang = app.signed_in(Role::Customer, "wang@example.com").await;
    let jane = app.signed_in(Role::Customer, "jane@example.com").await;
    let res = jane.post("/account", &[("email_notifications", "on"), ("language", "en")]).await;
    assert_eq!(location(&res), "/account?saved=1");
    let agent = app.signed_in(Role::Agent, "agent@example.com").await;
    let zh_ticket = wang.file_ticket(&ticket_form("洗碗机不进水", &[])).await;
    let en_ticket = jane.file_ticket(&ticket_form("Dishwasher leaks", &[])).await;
    resolve(&agent, &zh_ticket).await;
    resolve(&agent, &en_ticket).await;
    assert!(outbox_rows(&app, "wang@example.com").await >= 3, "received, assigned, resolved");

    let delivery = smtp(&sink.url());
    let done = delivery.deliver(&app.pool, now()).await.unwrap();
    assert_eq!(done.claimed, done.sent, "{done:?}");
    assert_eq!(app.count("SELECT count(*) FROM outbox WHERE sent_at IS NULL").await, 0);

    let bodies = |to: &str| sink.to(to).iter().map(Received::body).collect::<Vec<_>>();
    let zh = bodies("wang@example.com");
    let link = format!("http://127.0.0.1:8080/tickets/{zh_ticket}");
    let due = promised(&app, &zh_ticket).await;
    assert!(
        zh.iter()
            .any(|b| b.contains(&format!("已收到您的工单 {zh_ticket}")) && b.contains(&format!("我们承诺在 {due}"))),
        "the receipt with the promised time: {zh:#?}"
    );
    assert!(zh.iter().any(|b| b.contains("请查看处理结果") && b.contains(&link)), "resolved, with the link: {zh:#?}");
    assert!(zh.iter().all(|b| b.contains("王芳") || b.contains("您好")), "{zh:#?}");

    let en = bodies("jane@example.com");
    let due = promised(&app, &en_ticket).await;
    assert!(
        en.iter()
            .any(|b| b.contains(&format!("ticket {en_ticket}")) && b.contains(&format!("first response by {due}"))),
        "{en:#?}"
    );
    let link = format!("http://127.0.0.1:8080/tickets/{en_ticket}");
    assert!(en.iter().any(|b| b.contains("confirm") && b.contains(&link)), "{en:#?}");
    assert!(en.iter().all(|b| !b.contains("您好")), "English only: {en:#?}");
    // The agent hears of nothing they did themselves (they took both tickets).
    assert!(sink.to("agent@example.com").is_empty());

    // Once sent, never again: another run, and two senders at once.
    let sent = sink.messages().len();
    assert_eq!(delivery.deliver(&app.pool, now() + Duration::hours(1)).await.unwrap(), Delivery::default());
    let more = wang.file_ticket(&ticket_form("又一个问题", &[])).await;
    let new_rows = app.count("SELECT count(*) FROM outbox WHERE sent_at IS NULL").await as usize;
    assert!(new_rows >= 1, "{more}");
    let other = smtp(&sink.url());
    let at = now();
    let (a, b) = tokio::join!(delivery.deliver(&app.pool, at), other.deliver(&app.pool, at));
    assert_eq!(a.unwrap().sent + b.unwrap().sent, new_rows);
    assert_eq!(sink.messages().len(), sent + new_rows, "each message once");
    assert_eq!(app.count("SELECT count(*) FROM outbox WHERE sent_at IS NULL OR attempts <> 1").await, 0);
}

#[actix_web::test]
async fn while_the_server_is_down_a_message_waits_longer_each_time_and_is_sent_once_when_it_is_back() {
    let app = TestApp::spawn().await;
    let (port, received) = SmtpSink::start().await.stop();
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let number = customer.file_ticket(&ticket_form("洗碗机不进水", &[])).await;
    let rows = app.count("SELECT count(*) FROM outbox").await;
    assert!(rows >= 1);
    let delivery = smtp(&format!("smtp://127.0.0.1:{port}"));

    let t1 = now() + Duration::seconds(1);
    let done = delivery.deliver(&app.pool, t1).await.unwrap();
    assert_eq!((done.retried, done.sent), (rows as usize, 0));
    let waiting = |attempts: i32, next: DateTime<Utc>| {
        format!(
            "SELECT count(*) FROM outbox WHERE attempts = {attempts} AND next_attempt_at = {} AND sent_at IS NULL \
             AND failed_at IS NULL AND claimed_until IS NULL AND last_error IS NOT NULL",
            ts(next)
        )
    };
    assert_eq!(app.count(&waiting(1, t1 + Duration::seconds(30))).await, rows, "first retry after 30 s");
    assert_eq!(delivery.deliver(&app.pool, t1 + Duration::seconds(29)).await.unwrap().claimed, 0, "not yet");
    let t2 = t1 + Duration::seconds(30);
    assert_eq!(delivery.deliver(&app.pool, t2).await.unwrap().retried, rows as usize);
    assert_eq!(app.count(&waiting(2, t2 + Duration::seconds(60))).await, rows, "then after a minute");

    let sink = SmtpSink::restart(port, received).await;
    let t3 = t2 + Duration::seconds(60);
    assert_eq!(delivery.deliver(&app.pool, t3).await.unwrap().sent, rows as usize);
    assert_eq!(sink.to("c@example.com").len(), rows as usize);
    assert!(sink.to("c@example.com").iter().any(|m| m.body().contains(&number)));
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM outbox WHERE sent_at = {} AND attempts = 3", ts(t3))).await,
        rows
    );
    assert_eq!(delivery.deliver(&app.pool, t3 + Duration::hours(1)).await.unwrap().claimed, 0);
    assert_eq!(sink.messages().len(), rows as usize, "sent once");

    // A server that never comes back: given up after the last attempt, kept with the error.
    let (port, _) = sink.stop();
    let delivery = smtp(&format!("smtp://127.0.0.1:{port}"));
    customer.file_ticket(&ticket_form("第二个问题", &[])).await;
    let mut at = now() + Duration::seconds(1);
    for _ in 0..MAX_ATTEMPTS {
        let done = delivery.deliver(&app.pool, at).await.unwrap();
        assert!(done.claimed > 0);
        at += Duration::hours(7);
    }
    assert_eq!(delivery.deliver(&app.pool, at).await.unwrap().claimed, 0);
    let given_up = format!(
        "SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL AND sent_at IS NULL AND attempts = {MAX_ATTEMPTS}"
    );
    assert!(app.count(&given_up).await >= 1);
}

#[actix_web::test]
async fn without_an_smtp_server_messages_go_to_the_log_and_count_as_sent() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    customer.file_ticket(&ticket_form("洗碗机不进水", &[])).await;
    let rows = app.count("SELECT count(*) FROM outbox").await;
    let delivery = OutboxDelivery::new(&Mail::default()).unwrap();
    let at = now();
    assert_eq!(delivery.deliver(&app.pool, at).await.unwrap().sent, rows as usize);
    assert_eq!(app.count(&format!("SELECT count(*) FROM outbox WHERE sent_at = {}", ts(at))).await, rows);
}

/// An SMS provider that keeps what it was given.
#[derive(Clone, Default)]
struct Texts(Arc<Mutex<Vec<(String, String)>>>);

impl SmsSender for Texts {
    fn send<'a>(
        &'a self,
        to: &'a str,
        text: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + 'a>> {
        Box::pin(async move {
            self.0.lock().expect("texts").push((to.to_owned(), text.to_owned()));
            Ok(())
        })
    }
}

#[actix_web::test]
async fn a_customer_without_email_gets_a_text_message_when_a_solution_waits_for_them() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "p@example.com").await;
    app.exec("UPDATE users SET email = NULL, phone = '13900000001' WHERE email = 'p@example.com'").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    let number = customer.file_ticket(&ticket_form("洗碗机不进水", &[])).await;
    assert_eq!(app.count("SELECT count(*) FROM outbox").await, 0, "no text for the receipt or the assignment");
    resolve(&agent, &number).await;
    assert_eq!(app.count("SELECT count(*) FROM outbox WHERE channel = 'sms' AND recipient = '13900000001'").await, 1);

    let texts = Texts::default();
    let delivery = OutboxDelivery::new(&Mail::default()).unwrap().with_sms(Box::new(texts.clone()));
    assert_eq!(delivery.deliver(&app.pool, now()).await.unwrap().sent, 1);
    let sent = texts.0.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "13900000001");
    assert!(sent[0].1.contains(&format!("工单 {number} 已处理")) && sent[0].1.contains(&format!("/tickets/{number}")));
}

#[actix_web::test]
async fn email_switched_off_writes_no_message_but_the_app_still_tells() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let res = customer.post("/account", &[("language", "zh-CN")]).await;
    assert_eq!(location(&res), "/account?saved=1");
    let page = customer.page("/account").await;
    assert!(page.attr("#f-email_notifications", "checked").is_none(), "shown off");
    customer.file_ticket(&ticket_form("洗碗机不进水", &[])).await;
    assert_eq!(outbox_rows(&app, "c@example.com").await, 0);
    let in_app = "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id \
                  WHERE u.email = 'c@example.com' AND n.kind = 'received'";
    assert_eq!(app.count(in_app).await, 1);
}

#[actix_web::test]
async fn a_customer_never_receives_staff_only_content() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "a@example.com").await;
    app.signed_in(Role::Supervisor, "s@example.com").await;
    let number = in_progress(&customer, &agent, "洗碗机漏水").await;
    let comment = |body: &'static str, internal: bool| {
        let agent = agent.clone();
        let path = format!("/tickets/{number}/comments");
        async move {
            let mut form = vec![("body", body)];
            if internal {
                form.push(("internal", "on"));
            }
            assert_eq!(agent.post(&path, &form).await.status(), StatusCode::SEE_OTHER);
        }
    };
    comment("内部备注：客户是竞品员工 INTERNAL-SECRET", true).await;
    comment("您好，我们已安排上门。", false).await;
    let asked = Utc::now() - Duration::hours(1);
    let request = request_withdrawal(&app, &number, "c@example.com", asked).await;
    dispute(&app, &number, "a@example.com", request, asked + Duration::minutes(10)).await;

    let customer_rows = "FROM outbox o JOIN users u ON u.id = o.user_id WHERE u.email = 'c@example.com'";
    let leaked = format!(
        "SELECT count(*) {customer_rows} AND (o.body || o.subject) SIMILAR TO '%(SECRET|竞品|配件已寄出|运费|parts_shipped)%'"
    );
    assert_eq!(app.count(&leaked).await, 0, "no internal note, no dispute in a customer's message");
    let anywhere = "SELECT count(*) FROM outbox WHERE (body || subject) SIMILAR TO '%(SECRET|竞品|配件已寄出|运费)%'";
    assert_eq!(app.count(anywhere).await, 0, "messages carry no texts at all");
    let replies = format!("SELECT count(*) {customer_rows} AND o.body LIKE '%工单 {number} 有新的回复%'");
    assert_eq!(app.count(&replies).await, 1, "one message for the public reply, none for the note");
    let referred = format!("SELECT count(*) {customer_rows} AND o.body LIKE '%转交服务主管%'");
    assert_eq!(app.count(&referred).await, 1, "the customer hears the request was referred, not why");
}

#[actix_web::test]
async fn the_account_page_changes_only_the_signed_in_persons_settings() {
    let app = TestApp::spawn().await;
    let alice = app.signed_in(Role::Customer, "alice@example.com").await;
    app.signed_in(Role::Customer, "bob@example.com").await;
    let bob_id = app.count("SELECT id FROM users WHERE email = 'bob@example.com'").await.to_string();
    let prefs = |email: &str| {
        format!("SELECT count(*) FROM users WHERE email = '{email}' AND email_notifications AND language = 'zh-CN'")
    };

    // Anonymous: sign in first; the page and the form both.
    let anonymous = app.browser();
    assert!(location(&anonymous.get("/account").await).starts_with("/login"));
    assert!(location(&anonymous.post("/account", &[("language", "en")]).await).starts_with("/login"));

    // No token, no change.
    let res = alice.http.post(alice.url("/account")).form(&[("language", "en")]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count(&prefs("alice@example.com")).await, 1);

    // Naming someone else changes nothing of theirs: the form is always the sender's own.
    let res = alice.post("/account", &[("language", "en"), ("user_id", &bob_id), ("id", &bob_id)]).await;
    assert_eq!(location(&res), "/account?saved=1");
    assert_eq!(app.count(&prefs("bob@example.com")).await, 1, "bob untouched");
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE email = 'alice@example.com' AND NOT email_notifications AND language = 'en'")
            .await,
        1
    );
    let page = alice.page("/account?saved=1").await;
    assert_eq!(page.first("h1").as_deref(), Some("My settings"), "the pages follow the chosen language");
    assert!(page.contains("alice@example.com"), "where emails would go");

    // A language that is not offered: the form again, with the problem by the field.
    let page = to_page(alice.post("/account", &[("email_notifications", "on"), ("language", "fr")]).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-language").is_some());
    assert!(page.attr("#f-email_notifications", "checked").is_some(), "input kept");

    // Staff have the page too, and the navigation leads to it.
    let agent = app.signed_in(Role::Agent, "agent@example.com").await;
    let page = agent.page("/queue").await;
    assert!(page.attr("a.nav-user", "href").is_some_and(|h| h == "/account"));
    assert_eq!(agent.page("/account").await.status, StatusCode::OK);

    // Switching the page language while signed in switches the messages too.
    agent.get("/lang/en?next=/queue").await;
    assert_eq!(app.count("SELECT count(*) FROM users WHERE email = 'agent@example.com' AND language = 'en'").await, 1);
}
