//! Tickets: numbering, filing, loading, state changes and the two lists
//! (the agent queue and the customer's own tickets), both keyset-paginated.

use super::sla::TicketSla;
use super::{Conn, contains_pattern};
use crate::db::schema::{ticket_number_days, tickets, users};
use crate::domain::search::{self, Recheck};
use crate::domain::ticket_form::TicketDraft;
use crate::domain::{Channel, DesiredOutcome, TicketId, TicketState, TicketType, Urgency, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Int2, Timestamptz};
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tickets, check_for_backend(diesel::pg::Pg))]
pub struct Ticket {
    pub id: TicketId,
    pub number: String,
    pub customer_id: UserId,
    pub ticket_type: TicketType,
    pub urgency: Urgency,
    pub channel: Channel,
    pub state: TicketState,
    pub title: String,
    pub description: String,
    pub desired_outcome: DesiredOutcome,
    pub product_model: String,
    pub serial_number: Option<String>,
    pub purchase_date: Option<NaiveDate>,
    pub order_number: Option<String>,
    pub contact_name: String,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub address: Option<String>,
    pub region: Option<String>,
    pub assignee_id: Option<UserId>,
    pub version: i32,
    pub reopen_count: i32,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub solution: Option<String>,
    pub cause_code: Option<String>,
    /// The pending withdrawal request, if any (a flag, not a state).
    pub withdrawal_id: Option<crate::domain::WithdrawalId>,
    /// 问题复现: the withdrawn or closed ticket this one follows up.
    pub follow_up_of: Option<TicketId>,
    /// SLA due times (see `services::sla`).
    pub first_response_due_at: Option<DateTime<Utc>>,
    pub resolution_due_at: Option<DateTime<Utc>>,
    pub sla_paused_seconds: i64,
    pub sla_paused_at: Option<DateTime<Utc>>,
    pub sla_warn_at: Option<DateTime<Utc>>,
    pub sla_due_at: Option<DateTime<Utc>>,
    pub sla_check_at: Option<DateTime<Utc>>,
}

impl Ticket {
    /// The ticket's typed-in details, as the form model.
    pub fn draft(&self) -> TicketDraft {
        TicketDraft {
            ticket_type: self.ticket_type,
            urgency: self.urgency,
            product_model: self.product_model.clone(),
            serial_number: self.serial_number.clone(),
            purchase_date: self.purchase_date,
            order_number: self.order_number.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            desired_outcome: self.desired_outcome,
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.clone(),
            contact_email: self.contact_email.clone(),
            address: self.address.clone(),
            region: self.region.clone(),
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = tickets)]
struct NewTicket<'a> {
    number: &'a str,
    customer_id: UserId,
    ticket_type: TicketType,
    urgency: Urgency,
    channel: Channel,
    state: TicketState,
    title: &'a str,
    description: &'a str,
    desired_outcome: DesiredOutcome,
    product_model: &'a str,
    serial_number: Option<&'a str>,
    purchase_date: Option<NaiveDate>,
    order_number: Option<&'a str>,
    contact_name: &'a str,
    contact_phone: Option<&'a str>,
    contact_email: Option<&'a str>,
    address: Option<&'a str>,
    region: Option<&'a str>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    search_grams: Vec<String>,
    #[diesel(embed)]
    sla: TicketSla,
}

/// What the search index keeps of a ticket: the grams of the fields the search
/// box looks in (those of `ticket_search_text` in the `search` migration).
fn search_grams(number: &str, d: &TicketDraft) -> Vec<String> {
    let phone = d.contact_phone.as_deref().unwrap_or_default();
    search::document_grams(&[number, &d.title, &d.product_model, &d.contact_name, phone, &d.description])
}

/// The next number for `day`, e.g. `AS20261123-000042`. The upsert's row lock
/// makes concurrent filings wait for each other, so no number is given twice;
/// the counter only grows, so none is reused.
pub async fn next_number(conn: &mut Conn, day: NaiveDate) -> QueryResult<String> {
    let seq: i32 = diesel::insert_into(ticket_number_days::table)
        .values((ticket_number_days::day.eq(day), ticket_number_days::last_seq.eq(1)))
        .on_conflict(ticket_number_days::day)
        .do_update()
        .set(ticket_number_days::last_seq.eq(ticket_number_days::last_seq + 1))
        .returning(ticket_number_days::last_seq)
        .get_result(conn)
        .await?;
    Ok(format!("AS{}-{seq:06}", day.format("%Y%m%d")))
}

/// The current transaction's commit will not wait for its WAL to reach the disk.
pub async fn commit_without_waiting_for_disk(conn: &mut Conn) -> QueryResult<()> {
    diesel::sql_query("SET LOCAL synchronous_commit TO OFF").execute(conn).await.map(drop)
}

pub async fn insert(
    conn: &mut Conn,
    number: &str,
    customer: UserId,
    channel: Channel,
    draft: &TicketDraft,
    sla: TicketSla,
    now: DateTime<Utc>,
) -> QueryResult<Ticket> {
    let new = NewTicket {
        number,
        customer_id: customer,
        ticket_type: draft.ticket_type,
        urgency: draft.urgency,
        channel,
        state: TicketState::Submitted,
        title: &draft.title,
        description: &draft.description,
        desired_outcome: draft.desired_outcome,
        product_model: &draft.product_model,
        serial_number: draft.serial_number.as_deref(),
        purchase_date: draft.purchase_date,
        order_number: draft.order_number.as_deref(),
        contact_name: &draft.contact_name,
        contact_phone: draft.contact_phone.as_deref(),
        contact_email: draft.contact_email.as_deref(),
        address: draft.address.as_deref(),
        region: draft.region.as_deref(),
        created_at: now,
        updated_at: now,
        search_grams: search_grams(number, draft),
        sla,
    };
    diesel::insert_into(tickets::table).values(&new).returning(Ticket::as_returning()).get_result(conn).await
}

pub async fn find_by_number(conn: &mut Conn, number: &str) -> QueryResult<Option<Ticket>> {
    tickets::table.filter(tickets::number.eq(number)).select(Ticket::as_select()).first(conn).await.optional()
}

/// Loads and locks the ticket for a change in the current transaction.
pub async fn lock_by_number(conn: &mut Conn, number: &str) -> QueryResult<Option<Ticket>> {
    tickets::table
        .filter(tickets::number.eq(number))
        .select(Ticket::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Moves a locked ticket to `state` (and assignee), bumping its version.
pub async fn set_state(
    conn: &mut Conn,
    id: TicketId,
    state: TicketState,
    assignee: Option<UserId>,
    now: DateTime<Utc>,
) -> QueryResult<Ticket> {
    diesel::update(tickets::table.find(id))
        .set((
            tickets::state.eq(state),
            tickets::assignee_id.eq(assignee),
            tickets::version.eq(tickets::version + 1),
            tickets::updated_at.eq(now),
        ))
        .returning(Ticket::as_returning())
        .get_result(conn)
        .await
}

/// A moment in a ticket's life that metrics need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    Resolved,
    Closed,
    Withdrawn,
    /// The customer rejected the solution.
    Reopened,
}

pub async fn stamp(conn: &mut Conn, id: TicketId, milestone: Milestone, at: DateTime<Utc>) -> QueryResult<()> {
    let target = tickets::table.find(id);
    let query = match milestone {
        Milestone::Resolved => diesel::update(target).set(tickets::resolved_at.eq(Some(at))).execute(conn),
        Milestone::Closed => diesel::update(target).set(tickets::closed_at.eq(Some(at))).execute(conn),
        Milestone::Withdrawn => diesel::update(target).set(tickets::withdrawn_at.eq(Some(at))).execute(conn),
        Milestone::Reopened => diesel::update(target)
            .set((tickets::reopen_count.eq(tickets::reopen_count + 1), tickets::resolved_at.eq(None::<DateTime<Utc>>)))
            .execute(conn),
    };
    query.await.map(drop)
}

pub async fn set_resolution(conn: &mut Conn, id: TicketId, solution: &str, cause: &str) -> QueryResult<()> {
    diesel::update(tickets::table.find(id))
        .set((tickets::solution.eq(solution), tickets::cause_code.eq(cause)))
        .execute(conn)
        .await
        .map(drop)
}

/// Replaces the ticket's details (the parts people type) and their search
/// grams, bumping its version.
pub async fn update_details(
    conn: &mut Conn,
    id: TicketId,
    number: &str,
    d: &TicketDraft,
    now: DateTime<Utc>,
) -> QueryResult<Ticket> {
    diesel::update(tickets::table.find(id))
        .set((
            tickets::search_grams.eq(search_grams(number, d)),
            tickets::ticket_type.eq(d.ticket_type),
            tickets::urgency.eq(d.urgency),
            tickets::product_model.eq(&d.product_model),
            tickets::serial_number.eq(&d.serial_number),
            tickets::purchase_date.eq(d.purchase_date),
            tickets::order_number.eq(&d.order_number),
            tickets::title.eq(&d.title),
            tickets::description.eq(&d.description),
            tickets::desired_outcome.eq(d.desired_outcome),
            tickets::contact_name.eq(&d.contact_name),
            tickets::contact_phone.eq(&d.contact_phone),
            tickets::contact_email.eq(&d.contact_email),
            tickets::address.eq(&d.address),
            tickets::region.eq(&d.region),
            tickets::version.eq(tickets::version + 1),
            tickets::updated_at.eq(now),
        ))
        .returning(Ticket::as_returning())
        .get_result(conn)
        .await
}

/// Records the first public staff reply (for the response-time metric).
/// Records the first staff response; false if there was one already.
pub async fn mark_first_response(conn: &mut Conn, id: TicketId, at: DateTime<Utc>) -> QueryResult<bool> {
    let updated = diesel::update(tickets::table.find(id).filter(tickets::first_response_at.is_null()))
        .set(tickets::first_response_at.eq(at))
        .execute(conn)
        .await?;
    Ok(updated == 1)
}

/// Up to `limit` tickets resolved before `cutoff` and still waiting for the
/// customer, longest-waiting first, with the version they were seen at (the
/// auto-close sweep; served by `tickets_resolved_sweep_idx`).
pub async fn resolved_before(conn: &mut Conn, cutoff: DateTime<Utc>, limit: i64) -> QueryResult<Vec<(String, i32)>> {
    use crate::db::schema::ticket_events as ev;
    // A customer's message after the solution restarts the wait: "no answer for N days".
    let answered_since = ev::table
        .filter(ev::ticket_id.eq(tickets::id))
        .filter(ev::kind.eq(super::events::kind::CUSTOMER_INFO))
        .filter(ev::created_at.ge(cutoff));
    tickets::table
        .filter(tickets::state.eq(TicketState::Resolved))
        .filter(tickets::resolved_at.lt(cutoff))
        // A pending withdrawal request is a supervisor's to decide first.
        .filter(tickets::withdrawal_id.is_null())
        .filter(diesel::dsl::not(diesel::dsl::exists(answered_since)))
        .order(tickets::resolved_at)
        .select((tickets::number, tickets::version))
        .limit(limit)
        .load(conn)
        .await
}

/// Position in the queue, in the order it is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueCursor {
    /// Most urgent, then oldest, then lowest id (the default order).
    Urgency { rank: i16, created_at: DateTime<Utc>, id: TicketId },
    /// Soonest SLA due time, then lowest id.
    SlaDue { due_at: DateTime<Utc>, id: TicketId },
}

/// How the queue is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueOrder {
    /// Most urgent, then oldest.
    #[default]
    Urgency,
    /// Most pressing SLA first (`tickets_sla_queue_idx`). Tickets without a
    /// running clock (awaiting the customer, resolved) are not in this order.
    SlaDue,
}

/// Tickets by the state of their running SLA target at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaFilter {
    OnTime(DateTime<Utc>),
    /// Past 80 % of the target, not yet due.
    Warning(DateTime<Utc>),
    Breached(DateTime<Utc>),
}

/// Position in a customer's list (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListCursor {
    pub created_at: DateTime<Utc>,
    pub id: TicketId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateFilter {
    Open,
    All,
    Only(TicketState),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    Everyone,
    Mine(UserId),
    Unassigned,
}

#[derive(Debug, Clone)]
pub struct QueueFilter {
    pub state: StateFilter,
    pub ticket_type: Option<TicketType>,
    pub urgency: Option<Urgency>,
    pub assignee: AssigneeFilter,
    pub text: Option<String>,
    pub sla: Option<SlaFilter>,
    pub order: QueueOrder,
}

/// A queue row: the ticket's summary and its assignee's name.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tickets, check_for_backend(diesel::pg::Pg))]
pub struct TicketSummary {
    pub id: TicketId,
    pub number: String,
    pub ticket_type: TicketType,
    pub urgency: Urgency,
    pub urgency_rank: i16,
    pub state: TicketState,
    pub title: String,
    pub contact_name: String,
    pub region: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// A withdrawal request waits (shown as a flag in the lists).
    pub withdrawal_id: Option<crate::domain::WithdrawalId>,
    /// The running SLA target's instants (none while paused or done).
    pub sla_warn_at: Option<DateTime<Utc>>,
    pub sla_due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct QueueRow {
    pub ticket: TicketSummary,
    pub assignee_name: Option<String>,
}

impl QueueRow {
    /// Where the next page starts after this row; none if the row has no place in `order`.
    pub fn cursor(&self, order: QueueOrder) -> Option<QueueCursor> {
        let t = &self.ticket;
        match order {
            QueueOrder::Urgency => {
                Some(QueueCursor::Urgency { rank: t.urgency_rank, created_at: t.created_at, id: t.id })
            }
            QueueOrder::SlaDue => t.sla_due_at.map(|due_at| QueueCursor::SlaDue { due_at, id: t.id }),
        }
    }
}

/// The predicate of `tickets_sla_queue_idx`, written out so the planner can
/// match it whatever the statement's parameters (closed and withdrawn tickets
/// never have a due time anyway).
const RUNNING_CLOCK: &str = "tickets.state NOT IN ('closed', 'withdrawn') AND tickets.sla_due_at IS NOT NULL";

/// Open tickets, written as the predicate of the open-ticket indexes
/// (`tickets_open_queue_idx`, `tickets_open_search_idx`): literal SQL, so the
/// planner can prove the match in a prepared statement too (a bound array would hide it).
const OPEN: &str = "tickets.state NOT IN ('closed', 'withdrawn')";
/// The queue's source: tickets with their assignee (for the name).
type QueueSource = diesel::dsl::LeftJoinOn<
    tickets::table,
    users::table,
    diesel::dsl::Eq<tickets::assignee_id, diesel::dsl::Nullable<users::id>>,
>;
/// The queue's rows under a filter, before choosing the columns: the page and the export select from it.
type QueueQuery<'a> = diesel::dsl::IntoBoxed<'a, QueueSource, Pg>;

/// One page of the queue after `after`, at most `limit` rows.
pub async fn queue_page(
    conn: &mut Conn,
    filter: &QueueFilter,
    after: Option<QueueCursor>,
    limit: i64,
) -> QueryResult<Vec<QueueRow>> {
    let rows: Vec<(TicketSummary, Option<String>)> = queue_query(filter, after)
        .select((TicketSummary::as_select(), users::name.nullable()))
        .limit(limit)
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|(ticket, assignee_name)| QueueRow { ticket, assignee_name }).collect())
}

/// How many tickets the queue holds under `filter` (all its pages).
pub async fn queue_count(conn: &mut Conn, filter: &QueueFilter) -> QueryResult<i64> {
    filtered(filter).count().get_result(conn).await
}

/// The queue after `after`, in its order.
fn queue_query<'a>(filter: &QueueFilter, after: Option<QueueCursor>) -> QueueQuery<'a> {
    let mut query = filtered(filter);
    match after {
        None => {}
        Some(QueueCursor::Urgency { rank, created_at, id }) => {
            query = query.filter(
                sql::<Bool>("(tickets.urgency_rank, tickets.created_at, tickets.id) > (")
                    .bind::<Int2, _>(rank)
                    .sql(", ")
                    .bind::<Timestamptz, _>(created_at)
                    .sql(", ")
                    .bind::<BigInt, _>(id.0)
                    .sql(")"),
            );
        }
        Some(QueueCursor::SlaDue { due_at, id }) => {
            query = query.filter(
                sql::<Bool>("(tickets.sla_due_at, tickets.id) > (")
                    .bind::<Timestamptz, _>(due_at)
                    .sql(", ")
                    .bind::<BigInt, _>(id.0)
                    .sql(")"),
            );
        }
    }
    match filter.order {
        QueueOrder::Urgency => query.order((tickets::urgency_rank, tickets::created_at, tickets::id)),
        QueueOrder::SlaDue => query.order((tickets::sla_due_at, tickets::id)),
    }
}

/// The queue's rows under `filter`, unordered (what the count counts).
fn filtered<'a>(filter: &QueueFilter) -> QueueQuery<'a> {
    let mut query =
        tickets::table.left_join(users::table.on(tickets::assignee_id.eq(users::id.nullable()))).into_boxed();
    let running_clock = filter.sla.is_some() || filter.order == QueueOrder::SlaDue;
    query = match filter.state {
        // Said once, as the SLA index's predicate: twice would make the planner expect fewer rows.
        StateFilter::Open if running_clock => query,
        StateFilter::Open => query.filter(sql::<Bool>(OPEN)),
        StateFilter::All => query,
        StateFilter::Only(state) => query.filter(tickets::state.eq(state)),
    };
    if let Some(t) = filter.ticket_type {
        query = query.filter(tickets::ticket_type.eq(t));
    }
    if let Some(u) = filter.urgency {
        query = query.filter(tickets::urgency.eq(u));
    }
    query = match filter.assignee {
        AssigneeFilter::Everyone => query,
        AssigneeFilter::Mine(me) => query.filter(tickets::assignee_id.eq(me)),
        AssigneeFilter::Unassigned => query.filter(tickets::assignee_id.is_null()),
    };
    if let Some(condition) = filter.text.as_deref().and_then(matching) {
        query = query.filter(condition);
    }
    if running_clock {
        query = query.filter(sql::<Bool>(RUNNING_CLOCK));
    }
    match filter.sla {
        None => query,
        Some(SlaFilter::OnTime(now)) => query.filter(tickets::sla_warn_at.gt(now)).filter(tickets::sla_due_at.gt(now)),
        Some(SlaFilter::Warning(now)) => query.filter(tickets::sla_warn_at.le(now)).filter(tickets::sla_due_at.gt(now)),
        Some(SlaFilter::Breached(now)) => query.filter(tickets::sla_due_at.le(now)),
    }
}

/// What an export of the queue holds beyond a queue row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tickets, check_for_backend(diesel::pg::Pg))]
pub struct ExportDetails {
    pub channel: Channel,
    pub product_model: String,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// One row of a queue export.
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub queue: QueueRow,
    pub details: ExportDetails,
}

/// The export's next batch: the queue's rows under the same filter, after ticket `after` in filing order (the
/// ticket number's). One query per batch, the assignee's name from the join. Not the queue's order: walking the
/// primary key reads each ticket once whatever the filter, where the queue's order has no index for some filters
/// (every state) and each batch would sort all that remains.
pub async fn export_batch(
    conn: &mut Conn,
    filter: &QueueFilter,
    after: Option<TicketId>,
    limit: i64,
) -> QueryResult<Vec<ExportRow>> {
    let mut query = filtered(filter);
    if let Some(after) = after {
        query = query.filter(tickets::id.gt(after));
    }
    let rows: Vec<(TicketSummary, Option<String>, ExportDetails)> = query
        .order(tickets::id)
        .select((TicketSummary::as_select(), users::name.nullable(), ExportDetails::as_select()))
        .limit(limit)
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(ticket, assignee_name, details)| ExportRow { queue: QueueRow { ticket, assignee_name }, details })
        .collect())
}

/// Tickets whose number, title, description, product, contact name or phone
/// hold every word of `text`: the gram index (`tickets_search_grams_idx`) finds
/// the candidates, the ILIKE keeps the exact matches. For a very common term
/// the planner rather walks the list's own index in order and lets the ILIKE
/// filter, which finds a page quickly (see `domain::search`). None when `text`
/// has no words.
fn matching<'a, QS: 'a>(text: &str) -> Option<Box<dyn BoxableExpression<QS, Pg, SqlType = Bool> + 'a>>
where
    tickets::search_grams: SelectableExpression<QS>,
    tickets::search_text: SelectableExpression<QS>,
{
    type Condition<'a, QS> = Box<dyn BoxableExpression<QS, Pg, SqlType = Bool> + 'a>;
    let terms = search::terms(text);
    let mut grams: Vec<String> = Vec::new();
    for gram in terms.iter().flat_map(|t| &t.grams) {
        if !grams.contains(gram) {
            grams.push(gram.clone());
        }
    }
    let mut conditions: Vec<Condition<'a, QS>> = Vec::new();
    if !grams.is_empty() {
        conditions.push(Box::new(tickets::search_grams.contains(grams)));
    }
    for term in &terms {
        let pattern = contains_pattern(&term.text);
        match term.recheck() {
            Recheck::None => {}
            Recheck::Exact => conditions.push(Box::new(tickets::search_text.like(pattern))),
            Recheck::IgnoringCase => conditions.push(Box::new(tickets::search_text.ilike(pattern))),
        }
    }
    conditions.into_iter().reduce(|all, next| Box::new(all.and(next)))
}

/// One page of a customer's own tickets, newest first, optionally only those
/// matching the search box's `text`.
pub async fn customer_page(
    conn: &mut Conn,
    customer: UserId,
    text: Option<&str>,
    after: Option<ListCursor>,
    limit: i64,
) -> QueryResult<Vec<TicketSummary>> {
    let mut query =
        tickets::table.filter(tickets::customer_id.eq(customer)).select(TicketSummary::as_select()).into_boxed();
    if let Some(condition) = text.and_then(matching) {
        query = query.filter(condition);
    }
    if let Some(c) = after {
        query = query.filter(
            sql::<Bool>("(tickets.created_at, tickets.id) < (")
                .bind::<Timestamptz, _>(c.created_at)
                .sql(", ")
                .bind::<BigInt, _>(c.id.0)
                .sql(")"),
        );
    }
    query.order((tickets::created_at.desc(), tickets::id.desc())).limit(limit).load(conn).await
}
