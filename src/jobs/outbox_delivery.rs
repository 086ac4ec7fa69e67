//! Delivery of the outbox: every few seconds the worker claims the messages
//! that are due, sends each (email over SMTP, SMS through an [`SmsSender`]),
//! and records the outcome on the row. A message sent is never sent again; a
//! failure is retried with the worker's backoff, and after [`MAX_ATTEMPTS`]
//! (or a permanent refusal, such as an unknown mailbox) it is given up.
//!
//! Without an SMTP server configured, emails are written to the log and count
//! as sent, so a demo or a development machine needs no mail server.
//!
//! Sending is at least once, as with any outbox: a sender that dies between the
//! server's "accepted" and marking the row sends it again once its claim runs out. Each message is claimed alone,
//! with a lease just longer than the longest send, so a stop or a database blip holds one message for a minute at
//! most; marking it sent is retried through a blip. A resend carries the same `Message-ID` (the row's id and time
//! at the site's host), so mail clients and servers can tell it is the same message.

use super::{Job, JobContext, JobFuture, Outcome, backoff, retrying};
use crate::config::Mail;
use crate::db::Pool;
use crate::store::outbox::{self, Claimed};
use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration as StdDuration;

pub const KIND: &str = "outbox_delivery";
/// Tries of one message before it is given up.
pub const MAX_ATTEMPTS: i32 = 8;
/// Longest wait for the mail server in one exchange (lettre's limit per command).
const EXCHANGE_TIMEOUT: StdDuration = StdDuration::from_secs(10);
/// Longest one message may take to send, all exchanges (connect, greeting, TLS, envelope, data) together.
const SEND_TIMEOUT: StdDuration = StdDuration::from_secs(30);
/// How long the claim of one message holds: its send, then the record of it.
const MESSAGE_LEASE: StdDuration = StdDuration::from_secs(60);
/// Messages one call of [`OutboxDelivery::deliver`] takes, one after another, each claimed alone.
const BATCH: i64 = 10;
/// A run takes another batch until this much time has passed.
const RUN_BUDGET: StdDuration = StdDuration::from_secs(10);

/// Sends text messages; a provider's client implements it. [`LogSms`] writes them to the log.
pub trait SmsSender: Send + Sync {
    fn send<'a>(&'a self, to: &'a str, text: &'a str) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + 'a>>;
}

/// No SMS provider: the message goes to the log.
pub struct LogSms;

impl SmsSender for LogSms {
    fn send<'a>(&'a self, to: &'a str, text: &'a str) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + 'a>> {
        Box::pin(async move {
            tracing::info!(%to, %text, "sms (no provider configured)");
            Ok(())
        })
    }
}

/// The mail server emails go to.
struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// Why a message was not sent; a permanent failure is not tried again.
#[derive(Debug)]
struct Failure {
    permanent: bool,
    message: String,
}

impl Failure {
    fn permanent(message: impl ToString) -> Self {
        Failure { permanent: true, message: message.to_string() }
    }
    fn transient(message: impl ToString) -> Self {
        Failure { permanent: false, message: message.to_string() }
    }
}

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    pub claimed: usize,
    pub sent: usize,
    pub retried: usize,
    pub given_up: usize,
}

impl Delivery {
    fn add(&mut self, other: Delivery) {
        self.claimed += other.claimed;
        self.sent += other.sent;
        self.retried += other.retried;
        self.given_up += other.given_up;
    }
}

/// The delivery job.
pub struct OutboxDelivery {
    /// None: emails go to the log.
    smtp: Option<Smtp>,
    sms: Box<dyn SmsSender>,
    /// How long the claim of a message holds: its send must finish within it.
    lease: chrono::Duration,
    /// The right-hand side of the messages' `Message-ID`: the host of the site's public address.
    id_domain: String,
}

impl OutboxDelivery {
    /// Over the configured SMTP server, or to the log without one; SMS to the log.
    pub fn new(mail: &Mail) -> anyhow::Result<Self> {
        let smtp = match &mail.smtp_url {
            Some(url) => Some(Smtp {
                transport: AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.timeout(Some(EXCHANGE_TIMEOUT)).build(),
                from: mail.mail_from.clone(),
            }),
            None => None,
        };
        let lease = chrono::Duration::from_std(MESSAGE_LEASE)?;
        Ok(OutboxDelivery { smtp, sms: Box::new(LogSms), lease, id_domain: id_domain(&mail.public_url) })
    }

    /// Text messages through `sms` (a provider) instead of the log.
    pub fn with_sms(mut self, sms: Box<dyn SmsSender>) -> Self {
        self.sms = sms;
        self
    }

    /// Sends the messages due at `now` (up to a batch, each claimed alone) and records each outcome.
    pub async fn deliver(&self, pool: &Pool, now: DateTime<Utc>) -> anyhow::Result<Delivery> {
        let started = std::time::Instant::now();
        let mut done = Delivery::default();
        for _ in 0..BATCH {
            // The lease counts from the moment of the claim, later in a long run than `now`.
            let until = now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default() + self.lease;
            let claimed = super::bounded(MESSAGE_LEASE / 4, async {
                let mut conn = pool.get().await?;
                Ok(outbox::claim(&mut conn, now, until, 1).await?)
            })
            .await?;
            let Some(message) = claimed.into_iter().next() else { break };
            done.claimed += 1;
            let result = match tokio::time::timeout(SEND_TIMEOUT, self.send(&message)).await {
                Ok(result) => result,
                Err(_) => Err(Failure::transient(format!("no answer within {} s", SEND_TIMEOUT.as_secs()))),
            };
            let message = &message;
            let held = match result {
                Ok(()) => {
                    done.sent += 1;
                    retrying(async || Ok(outbox::mark_sent(&mut *pool.get().await?, message, now).await?)).await?
                }
                Err(failure) if failure.permanent || message.attempts >= MAX_ATTEMPTS => {
                    done.given_up += 1;
                    tracing::error!(message = message.id, to = %message.recipient, error = %failure.message,
                                    attempts = message.attempts, "message given up");
                    let error = failure.message.as_str();
                    retrying(async || Ok(outbox::give_up(&mut *pool.get().await?, message, now, error).await?)).await?
                }
                Err(failure) => {
                    done.retried += 1;
                    tracing::warn!(message = message.id, to = %message.recipient, error = %failure.message,
                                   attempts = message.attempts, "message not sent; will retry");
                    let (at, error) = (now + backoff(message.attempts), failure.message.as_str());
                    retrying(async || Ok(outbox::retry_at(&mut *pool.get().await?, message, at, error).await?)).await?
                }
            };
            if !held {
                tracing::warn!(message = message.id, "message outlived its claim; another sender took it over");
            }
        }
        Ok(done)
    }

    /// The `Message-ID` of outbox row `message`: the same on every attempt, and unlike any other row's or site's.
    pub fn message_id(&self, message: &Claimed) -> String {
        format!("<outbox.{}.{}@{}>", message.id, message.created_at.timestamp_micros(), self.id_domain)
    }

    async fn send(&self, message: &Claimed) -> Result<(), Failure> {
        match message.channel.as_str() {
            outbox::EMAIL => self.send_email(message).await,
            outbox::SMS => self.sms.send(&message.recipient, &message.body).await.map_err(Failure::transient),
            other => Err(Failure::permanent(format!("unknown channel {other:?}"))),
        }
    }

    async fn send_email(&self, message: &Claimed) -> Result<(), Failure> {
        let Smtp { transport, from } = match &self.smtp {
            Some(smtp) => smtp,
            None => {
                tracing::info!(to = %message.recipient, subject = %message.subject, "email (no SMTP server configured)");
                return Ok(());
            }
        };
        let to: Mailbox = message.recipient.parse().map_err(Failure::permanent)?;
        let email = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(&message.subject)
            .message_id(Some(self.message_id(message)))
            .header(ContentType::TEXT_PLAIN)
            .body(message.body.clone())
            .map_err(Failure::permanent)?;
        match transport.send(email).await {
            Ok(_) => Ok(()),
            Err(error) => Err(Failure { permanent: error.is_permanent(), message: error.to_string() }),
        }
    }
}

/// The host of the public address (`https://service.example.com:8443/x` → `service.example.com`).
fn id_domain(public_url: &str) -> String {
    let rest = public_url.split_once("://").map_or(public_url, |(_, rest)| rest);
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = if host.starts_with('[') { host.split_inclusive(']').next().unwrap_or(host) } else { host };
    let host = host.rsplit_once(':').filter(|_| !host.ends_with(']')).map_or(host, |(h, _)| h);
    if host.is_empty() { "localhost".into() } else { host.to_owned() }
}

impl Job for OutboxDelivery {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> JobFuture<'a> {
        Box::pin(async move {
            // Batch after batch while there is more, for a short while; then the
            // worker comes back to it after its other due jobs.
            let started = std::time::Instant::now();
            let mut total = Delivery::default();
            let outcome = loop {
                let done = self.deliver(&ctx.pool, ctx.now).await?;
                total.add(done);
                if (done.claimed as i64) < BATCH {
                    break Outcome::Done;
                }
                if started.elapsed() >= RUN_BUDGET {
                    break Outcome::MoreToDo;
                }
            };
            if total.claimed > 0 {
                tracing::info!(
                    sent = total.sent,
                    retried = total.retried,
                    given_up = total.given_up,
                    "outbox delivered"
                );
            }
            Ok(outcome)
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_message_id_domain_is_the_public_host() {
        assert_eq!(super::id_domain("https://service.example.com"), "service.example.com");
        assert_eq!(super::id_domain("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(super::id_domain("https://[::1]:8443/x"), "[::1]");
        assert_eq!(super::id_domain("http://"), "localhost");
    }
}
