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
//! server's "accepted" and marking the row sends it again once its claim runs out.

use super::{Job, JobContext, JobFuture, Outcome, backoff};
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
/// Longest wait for the mail server in one exchange.
const SEND_TIMEOUT: StdDuration = StdDuration::from_secs(15);
/// Messages claimed at once (each batch has its own claim).
const BATCH: i64 = 10;
/// A run takes another batch until this much time has passed.
const RUN_BUDGET: StdDuration = StdDuration::from_secs(20);

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
    /// How long a claim holds: a run must finish within it.
    lease: chrono::Duration,
}

impl OutboxDelivery {
    /// Over the configured SMTP server, or to the log without one; SMS to the log.
    pub fn new(mail: &Mail) -> anyhow::Result<Self> {
        let smtp = match &mail.smtp_url {
            Some(url) => Some(Smtp {
                transport: AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.timeout(Some(SEND_TIMEOUT)).build(),
                from: mail.mail_from.clone(),
            }),
            None => None,
        };
        // Sending one message is a few exchanges with the server, each within the timeout.
        let lease = chrono::Duration::from_std(SEND_TIMEOUT * 4 * BATCH as u32)? + chrono::Duration::minutes(1);
        Ok(OutboxDelivery { smtp, sms: Box::new(LogSms), lease })
    }

    /// Text messages through `sms` (a provider) instead of the log.
    pub fn with_sms(mut self, sms: Box<dyn SmsSender>) -> Self {
        self.sms = sms;
        self
    }

    /// Sends the messages due at `now` (a batch) and records each outcome.
    pub async fn deliver(&self, pool: &Pool, now: DateTime<Utc>) -> anyhow::Result<Delivery> {
        let claimed = {
            let mut conn = pool.get().await?;
            outbox::claim(&mut conn, now, now + self.lease, BATCH).await?
        };
        let mut done = Delivery { claimed: claimed.len(), ..Delivery::default() };
        for message in &claimed {
            let result = self.send(message).await;
            let mut conn = pool.get().await?;
            let held = match result {
                Ok(()) => {
                    done.sent += 1;
                    outbox::mark_sent(&mut conn, message, now).await?
                }
                Err(failure) if failure.permanent || message.attempts >= MAX_ATTEMPTS => {
                    done.given_up += 1;
                    tracing::error!(message = message.id, to = %message.recipient, error = %failure.message,
                                    attempts = message.attempts, "message given up");
                    outbox::give_up(&mut conn, message, now, &failure.message).await?
                }
                Err(failure) => {
                    done.retried += 1;
                    tracing::warn!(message = message.id, to = %message.recipient, error = %failure.message,
                                   attempts = message.attempts, "message not sent; will retry");
                    outbox::retry_at(&mut conn, message, now + backoff(message.attempts), &failure.message).await?
                }
            };
            if !held {
                tracing::warn!(message = message.id, "message outlived its claim; another sender took it over");
            }
        }
        Ok(done)
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
            .header(ContentType::TEXT_PLAIN)
            .body(message.body.clone())
            .map_err(Failure::permanent)?;
        match transport.send(email).await {
            Ok(_) => Ok(()),
            Err(error) => Err(Failure { permanent: error.is_permanent(), message: error.to_string() }),
        }
    }
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
