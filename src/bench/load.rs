//! The loader: users, tickets and their events written with `COPY … FROM STDIN` over tokio-postgres (the driver
//! diesel-async is built on; diesel-async's own connection does not expose COPY, and diesel's `copy_from` needs the
//! libpq backend the project avoids). The secondary indexes of the two big tables are dropped during the copy and
//! built again afterwards, which is several times faster than keeping them up to date row by row.

use super::data::{self, AGENTS, FIRST_CUSTOMER, SUPERVISORS, TicketGen, TicketRow};
use anyhow::Context;
use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use futures_util::SinkExt;
use indicatif::{ProgressBar, ProgressStyle};
use rand::Rng;
use rand::rngs::StdRng;
use std::time::Instant;
use tokio_postgres::{Client, NoTls};

/// The password of every bench account (hashed once; all users share the hash).
pub const PASSWORD: &str = "bench-password";
/// Bytes gathered before a chunk goes to the server.
const CHUNK: usize = 1 << 20;

/// What a load produced, kept in the database so `--reuse` can report it again.
#[derive(Debug, Clone, Copy)]
pub struct Loaded {
    pub tickets: i64,
    pub events: i64,
    pub load_seconds: f64,
}

pub async fn connect(url: &str) -> anyhow::Result<Client> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.context("connecting for the load")?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            eprintln!("load connection: {e}");
        }
    });
    Ok(client)
}

/// The previous load of this database, if it was completed.
pub async fn previous(client: &Client) -> anyhow::Result<Option<Loaded>> {
    let exists: bool = client.query_one("SELECT to_regclass('bench_load') IS NOT NULL", &[]).await?.get(0);
    if !exists {
        return Ok(None);
    }
    let row = client.query_opt("SELECT tickets, events, load_seconds FROM bench_load", &[]).await?;
    Ok(row.map(|r| Loaded { tickets: r.get(0), events: r.get(1), load_seconds: r.get(2) }))
}

/// Loads `tickets` tickets into the migrated, empty database at `url`.
pub async fn load(url: &str, tickets: u64, tz: chrono_tz::Tz) -> anyhow::Result<Loaded> {
    let started = Instant::now();
    let client = connect(url).await?;
    let existing: i64 = client.query_one("SELECT count(*) FROM tickets", &[]).await?.get(0);
    anyhow::ensure!(
        existing == 0,
        "the database holds {existing} tickets but no finished bench load: give an empty one"
    );
    client.batch_execute("SET maintenance_work_mem = '256MB'").await?;
    super::analytics::before_copy(&client).await?;
    let hash = crate::services::accounts::hash_password(PASSWORD.into()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    copy_users(&client, tickets, &hash).await?;
    let indexes = drop_indexes(&client).await?;
    let events = copy_tickets(&client, tickets, tz).await?;
    super::analytics::enrich(&client).await?;
    println!("copied in {:.0} s; building {} indexes …", started.elapsed().as_secs_f64(), indexes.len());
    for definition in &indexes {
        client.batch_execute(definition).await.with_context(|| definition.clone())?;
    }
    println!("indexes built at {:.0} s; vacuuming …", started.elapsed().as_secs_f64());
    client
        .batch_execute(
            "SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users));
             SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT max(id) FROM tickets));
             SELECT setval(pg_get_serial_sequence('ticket_events', 'id'), (SELECT max(id) FROM ticket_events));
             INSERT INTO ticket_number_days (day, last_seq)
                 SELECT to_date(substr(number, 3, 8), 'YYYYMMDD'), max(substr(number, 12)::int) FROM tickets GROUP BY 1;",
        )
        .await?;
    super::analytics::rebuild(&client).await?;
    // As autovacuum would leave a live database: statistics, and the visibility map that index-only scans need.
    client.batch_execute("VACUUM (ANALYZE)").await?;
    let loaded = Loaded { tickets: tickets as i64, events, load_seconds: started.elapsed().as_secs_f64() };
    client
        .execute(
            "CREATE TABLE bench_load AS SELECT $1::bigint AS tickets, $2::bigint AS events, $3::float8 AS load_seconds",
            &[&loaded.tickets, &loaded.events, &loaded.load_seconds],
        )
        .await?;
    Ok(loaded)
}

/// Reads the big tables and their indexes into memory, as a server that has been up a while holds them, so the
/// first seconds of a scenario do not measure the disk. Best effort: an external server may lack `pg_prewarm`.
pub async fn warm(client: &Client) {
    let started = Instant::now();
    let outcome = client
        .batch_execute(
            "CREATE EXTENSION IF NOT EXISTS pg_prewarm;
             SELECT pg_prewarm(c.oid, 'read') FROM pg_class c
             WHERE c.relname IN ('tickets', 'ticket_events', 'users')
                OR c.oid IN (SELECT indexrelid FROM pg_index
                             WHERE indrelid IN ('tickets'::regclass, 'ticket_events'::regclass, 'users'::regclass));",
        )
        .await;
    match outcome {
        Ok(()) => println!("cache warmed in {:.0} s", started.elapsed().as_secs_f64()),
        Err(e) => println!("cache not warmed ({e}); the first requests read from disk"),
    }
}

/// The secondary (non-constraint) indexes of tickets and events, dropped; returns their definitions.
async fn drop_indexes(client: &Client) -> anyhow::Result<Vec<String>> {
    let rows = client
        .query(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i
             WHERE i.schemaname = current_schema() AND i.tablename IN ('tickets', 'ticket_events')
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = to_regclass(quote_ident(i.indexname)))",
            &[],
        )
        .await?;
    let mut definitions = Vec::new();
    for row in rows {
        let name: String = row.get(0);
        client.batch_execute(&format!("DROP INDEX \"{name}\"")).await?;
        definitions.push(row.get(1));
    }
    Ok(definitions)
}

async fn copy_users(client: &Client, tickets: u64, hash: &str) -> anyhow::Result<()> {
    let sink = client
        .copy_in("COPY users (id, role, name, email, phone, password_hash, region, created_at) FROM STDIN")
        .await?;
    let mut sink = Box::pin(sink);
    let mut rng: StdRng = rand::SeedableRng::seed_from_u64(11);
    let mut buf = String::new();
    let created = Utc::now() - Duration::days(data::DAYS + 30);
    let customers = data::customer_count(tickets);
    for id in 1..FIRST_CUSTOMER + customers {
        let (role, email) = if id <= AGENTS {
            ("agent", data::agent_email(id))
        } else if id <= AGENTS + SUPERVISORS {
            ("supervisor", format!("supervisor{}@bench.test", id - AGENTS))
        } else {
            ("customer", data::customer_email(id))
        };
        let region = data::REGIONS[rng.random_range(0..data::REGIONS.len())];
        let name = if id < FIRST_CUSTOMER { data::staff_name(id) } else { data::chinese_name(&mut rng) };
        row(&mut buf, &[&id.to_string(), role, &name, &email, &data::phone(id), hash, region, &created.to_rfc3339()]);
        if buf.len() > CHUNK {
            sink.send(Bytes::from(std::mem::take(&mut buf))).await?;
        }
    }
    sink.send(Bytes::from(buf)).await?;
    sink.as_mut().finish().await?;
    Ok(())
}

const TICKET_COLUMNS: &str = "id, number, customer_id, ticket_type, urgency, channel, state, title, description, \
     desired_outcome, product_model, serial_number, purchase_date, contact_name, contact_phone, address, region, \
     assignee_id, first_response_at, resolved_at, closed_at, withdrawn_at, created_at, updated_at, solution, \
     first_response_due_at, resolution_due_at, sla_paused_at, sla_warn_at, sla_due_at, sla_check_at, search_grams";
const EVENT_COLUMNS: &str = "ticket_id, actor_id, kind, from_state, to_state, body, internal, data, created_at";

/// Tickets first, then their events (the foreign key): events are gathered and written every 64 MB, after the
/// tickets so far have been committed, so memory stays bounded at any size.
async fn copy_tickets(client: &Client, tickets: u64, tz: chrono_tz::Tz) -> anyhow::Result<i64> {
    let ticket_sink = client.copy_in(&format!("COPY tickets ({TICKET_COLUMNS}) FROM STDIN")).await?;
    let mut ticket_sink = Box::pin(ticket_sink);
    let mut event_rows = Vec::new();
    let bar = progress(tickets);
    let mut tickets_gen = TicketGen::new(tickets, Utc::now(), tz);
    let mut buf = String::with_capacity(CHUNK + 4096);
    let mut events_buf = String::with_capacity(CHUNK + 4096);
    let mut events = 0i64;
    while let Some(ticket) = tickets_gen.next() {
        let now = tickets_gen.now;
        let history = history(&ticket, tickets_gen.rng(), now);
        ticket_line(&mut buf, &ticket, &history);
        for event in &history.events {
            event_line(&mut events_buf, ticket.id, event);
        }
        events += history.events.len() as i64;
        if buf.len() > CHUNK {
            ticket_sink.send(Bytes::from(std::mem::take(&mut buf))).await?;
            bar.set_position(ticket.id as u64);
        }
        if events_buf.len() > CHUNK {
            event_rows.push(Bytes::from(std::mem::take(&mut events_buf)));
            if event_rows.len() >= 64 {
                ticket_sink.send(Bytes::from(std::mem::take(&mut buf))).await?;
                ticket_sink.as_mut().finish().await?;
                flush_events(client, &mut event_rows).await?;
                ticket_sink = Box::pin(client.copy_in(&format!("COPY tickets ({TICKET_COLUMNS}) FROM STDIN")).await?);
            }
        }
    }
    ticket_sink.send(Bytes::from(buf)).await?;
    ticket_sink.as_mut().finish().await?;
    event_rows.push(Bytes::from(events_buf));
    flush_events(client, &mut event_rows).await?;
    bar.finish();
    Ok(events)
}

async fn flush_events(client: &Client, chunks: &mut Vec<Bytes>) -> anyhow::Result<()> {
    let sink = client.copy_in(&format!("COPY ticket_events ({EVENT_COLUMNS}) FROM STDIN")).await?;
    let mut sink = Box::pin(sink);
    for chunk in chunks.drain(..) {
        sink.send(chunk).await?;
    }
    sink.as_mut().finish().await?;
    Ok(())
}

fn progress(total: u64) -> ProgressBar {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("loading tickets {bar:40} {pos}/{len} {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

pub struct Event {
    actor: Option<i64>,
    kind: &'static str,
    from: Option<&'static str>,
    to: Option<&'static str>,
    body: Option<String>,
    internal: bool,
    data: String,
    at: DateTime<Utc>,
}

/// One step of the way a ticket goes: who, what, the state change, the text.
struct Step {
    actor: i64,
    kind: &'static str,
    change: Option<(Option<&'static str>, &'static str)>,
    body: &'static str,
    internal: bool,
}

impl Step {
    fn new(
        actor: i64,
        kind: &'static str,
        change: Option<(Option<&'static str>, &'static str)>,
        body: &'static str,
    ) -> Self {
        Step { actor, kind, change, body, internal: false }
    }

    fn note(actor: i64, body: &'static str) -> Self {
        Step { actor, kind: "note", change: None, body, internal: true }
    }
}

const SOLUTION: &str = "已更换主板，测试运行正常。";

/// A ticket's log and the instants the ticket row records.
pub struct History {
    events: Vec<Event>,
    first_response_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    withdrawn_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
}

/// The steps a ticket goes through on its way to `closed`; a ticket in another state stops where it reached it.
fn history(t: &TicketRow, rng: &mut StdRng, now: DateTime<Utc>) -> History {
    let agent = t.assignee_id.unwrap_or(1);
    let supervisor = AGENTS + 1 + rng.random_range(0..SUPERVISORS);
    let mut at = t.created_at;
    let mut events = Vec::with_capacity(12);
    let mut h = History {
        events: Vec::new(),
        first_response_at: None,
        resolved_at: None,
        closed_at: None,
        withdrawn_at: None,
        updated_at: t.created_at,
    };
    let mut push = |rng: &mut StdRng, step: Step, data: String| {
        at = (at + Duration::minutes(rng.random_range(5..240))).min(now - Duration::seconds(1)).max(at);
        let (from, to) = step.change.map_or((None, None), |(from, to)| (from, Some(to)));
        let body = (!step.body.is_empty()).then(|| step.body.to_owned());
        events.push(Event {
            actor: Some(step.actor),
            kind: step.kind,
            from,
            to,
            body,
            internal: step.internal,
            data,
            at,
        });
        at
    };
    let customer = t.customer_id;
    push(rng, Step::new(customer, "filed", Some((None, "submitted")), ""), "{}".into());
    let stop = match t.state {
        "submitted" => 1,
        "assigned" => 2,
        "in_progress" => 5,
        "awaiting_customer" => 6,
        "resolved" => 10,
        "withdrawn" if t.assignee_id.is_some() => 4,
        "withdrawn" => 1,
        _ => 11,
    };
    let steps = [
        Step::new(supervisor, "assigned", Some((Some("submitted"), "assigned")), ""),
        Step::new(agent, "started", Some((Some("assigned"), "in_progress")), ""),
        Step::new(agent, "reply", None, "您好，我们已收到您的问题，正在安排处理。Thanks, we are on it."),
        Step::note(agent, "已联系客户确认型号，备件库存充足。"),
        Step::new(
            agent,
            "info_requested",
            Some((Some("in_progress"), "awaiting_customer")),
            "请提供购买凭证和故障照片。",
        ),
        Step::new(
            customer,
            "customer_info",
            Some((Some("awaiting_customer"), "in_progress")),
            "照片已上传，凭证见附件。",
        ),
        Step::new(agent, "reply", None, "师傅将于明天上午上门检修。"),
        Step::note(agent, "上门检查：主板接触不良，已更换。"),
        Step::new(agent, "resolved", Some((Some("in_progress"), "resolved")), SOLUTION),
        Step::new(customer, "confirmed", Some((Some("resolved"), "closed")), ""),
    ];
    for (i, step) in steps.into_iter().take(stop - 1).enumerate() {
        let kind = step.kind;
        let data = if kind == "assigned" {
            format!(r#"{{"assignee_id": {agent}, "assignee_name": "{}"}}"#, data::staff_name(agent))
        } else {
            "{}".into()
        };
        let when = push(rng, step, data);
        match (i, kind) {
            (2, _) => h.first_response_at = Some(when),
            (_, "resolved") => h.resolved_at = Some(when),
            (_, "confirmed") => h.closed_at = Some(when),
            _ => {}
        }
    }
    if t.state == "withdrawn" {
        let from = if t.assignee_id.is_some() { "in_progress" } else { "submitted" };
        let when = push(rng, Step::new(customer, "withdrawn", Some((Some(from), "withdrawn")), ""), "{}".into());
        h.withdrawn_at = Some(when);
    }
    h.updated_at = events.last().map_or(t.created_at, |e| e.at);
    h.events = events;
    h
}

/// SLA targets by urgency, counted round the clock (a simplification of the seeded business-hours policies).
fn sla_minutes(urgency: &str) -> (i64, i64) {
    match urgency {
        "critical" => (30, 8 * 60),
        "urgent" => (60, 24 * 60),
        _ => (4 * 60, 72 * 60),
    }
}

fn ticket_line(buf: &mut String, t: &TicketRow, h: &History) {
    let (respond, resolve) = sla_minutes(t.urgency);
    let first_due = t.created_at + Duration::minutes(respond);
    let resolution_due = t.created_at + Duration::minutes(resolve);
    let open = matches!(t.state, "submitted" | "assigned" | "in_progress");
    let paused = t.state == "awaiting_customer";
    // The running target: the first response until there is one, then the resolution.
    let due = open.then(|| if h.first_response_at.is_none() { first_due } else { resolution_due });
    let warn = due.map(|d| d - Duration::minutes(if h.first_response_at.is_none() { respond } else { resolve } / 5));
    let solution = h.resolved_at.map(|_| SOLUTION.to_owned());
    let ts = |d: Option<DateTime<Utc>>| d.map(|d| d.to_rfc3339());
    let grams = crate::domain::search::document_grams(&[
        &t.number,
        &t.title,
        t.product_model,
        &t.contact_name,
        &t.contact_phone,
        &t.description,
    ]);
    let fields: [Option<String>; 32] = [
        Some(t.id.to_string()),
        Some(t.number.clone()),
        Some(t.customer_id.to_string()),
        Some(t.ticket_type.into()),
        Some(t.urgency.into()),
        Some(t.channel.into()),
        Some(t.state.into()),
        Some(t.title.clone()),
        Some(t.description.clone()),
        Some(t.desired_outcome.into()),
        Some(t.product_model.into()),
        Some(t.serial_number.clone()),
        Some(t.purchase_date.to_string()),
        Some(t.contact_name.clone()),
        Some(t.contact_phone.clone()),
        Some(t.address.clone()),
        Some(t.region.into()),
        t.assignee_id.map(|a| a.to_string()),
        ts(h.first_response_at),
        ts(h.resolved_at),
        ts(h.closed_at),
        ts(h.withdrawn_at),
        Some(t.created_at.to_rfc3339()),
        Some(h.updated_at.to_rfc3339()),
        solution,
        Some(first_due.to_rfc3339()),
        Some(resolution_due.to_rfc3339()),
        ts(paused.then_some(h.updated_at)),
        ts(warn),
        ts(due),
        // The sweep looks next at the warning, else at the breach; a target already past stays unswept here.
        ts(warn.filter(|w| *w > Utc::now()).or(due.filter(|d| *d > Utc::now()))),
        // An array literal: grams are letters, digits and CJK characters, nothing to quote.
        Some(format!("{{{}}}", grams.join(","))),
    ];
    optional_row(buf, &fields);
}

fn event_line(buf: &mut String, ticket_id: i64, e: &Event) {
    let fields: [Option<String>; 9] = [
        Some(ticket_id.to_string()),
        e.actor.map(|a| a.to_string()),
        Some(e.kind.into()),
        e.from.map(Into::into),
        e.to.map(Into::into),
        e.body.clone(),
        Some(if e.internal { "t" } else { "f" }.into()),
        Some(e.data.clone()),
        Some(e.at.to_rfc3339()),
    ];
    optional_row(buf, &fields);
}

fn row(buf: &mut String, fields: &[&str]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            buf.push('\t');
        }
        escape(buf, f);
    }
    buf.push('\n');
}

fn optional_row(buf: &mut String, fields: &[Option<String>]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            buf.push('\t');
        }
        match f {
            Some(text) => escape(buf, text),
            None => buf.push_str("\\N"),
        }
    }
    buf.push('\n');
}

/// COPY's text format: backslash, tab and line breaks are escaped.
fn escape(buf: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\\' => buf.push_str("\\\\"),
            '\t' => buf.push_str("\\t"),
            '\n' => buf.push_str("\\n"),
            '\r' => buf.push_str("\\r"),
            c => buf.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn copy_text_is_escaped() {
        let mut buf = String::new();
        super::escape(&mut buf, "a\tb\\c\nd");
        assert_eq!(buf, "a\\tb\\\\c\\nd");
    }
}
