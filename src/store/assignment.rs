//! Assignment: the one settings row (active rule, round-robin cursor), the log
//! of rule changes, agents' workloads and availability.

use super::Conn;
use crate::db::schema::{assignment_rule_changes as changes, assignment_settings as settings, tickets, users};
use crate::domain::assignment::{Candidate, Rule};
use crate::domain::{Role, TicketType, UserId};
use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text};
use diesel_async::RunQueryDsl;

/// The active rule and the round-robin cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub rule: Rule,
    pub last_agent: Option<UserId>,
}

impl Default for Settings {
    /// A fresh system assigns nothing by itself until a supervisor picks a rule.
    fn default() -> Self {
        Settings { rule: Rule::Manual, last_agent: None }
    }
}

/// The settings; with `lock`, the row stays locked until the transaction ends
/// (round robin: two filings at once must not both take the same turn). A
/// missing row reads as the default (manual), never as an error.
pub async fn settings(conn: &mut Conn, lock: bool) -> QueryResult<Settings> {
    let query = settings::table.select((settings::rule, settings::last_agent_id));
    let row: Option<(Rule, Option<UserId>)> =
        if lock { query.for_no_key_update().first(conn).await } else { query.first(conn).await }.optional()?;
    Ok(row.map(|(rule, last_agent)| Settings { rule, last_agent }).unwrap_or_default())
}

/// Sets the active rule and logs the change; returns the previous rule, or
/// None if it was already `rule` (nothing to log then).
pub async fn set_rule(conn: &mut Conn, rule: Rule, by: UserId, now: DateTime<Utc>) -> QueryResult<Option<Rule>> {
    // Lock first, so two supervisors changing it at once log a true "from".
    let old = settings(conn, true).await?.rule;
    if old == rule {
        return Ok(None);
    }
    diesel::insert_into(settings::table)
        .values((
            settings::id.eq(true),
            settings::rule.eq(rule),
            settings::updated_by.eq(by),
            settings::updated_at.eq(now),
        ))
        .on_conflict(settings::id)
        .do_update()
        .set((settings::rule.eq(rule), settings::updated_by.eq(by), settings::updated_at.eq(now)))
        .execute(conn)
        .await?;
    diesel::insert_into(changes::table)
        .values((
            changes::changed_by.eq(by),
            changes::old_rule.eq(old),
            changes::new_rule.eq(rule),
            changes::changed_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(Some(old))
}

/// Moves the round-robin cursor to the agent just picked.
pub async fn set_last_agent(conn: &mut Conn, agent: UserId) -> QueryResult<()> {
    diesel::update(settings::table).set(settings::last_agent_id.eq(agent)).execute(conn).await.map(drop)
}

/// One entry of the rule-change log, with who made it.
#[derive(Debug, Clone, Queryable)]
pub struct RuleChange {
    pub old_rule: Rule,
    pub new_rule: Rule,
    pub changed_at: DateTime<Utc>,
    pub changed_by: String,
}

pub async fn recent_changes(conn: &mut Conn, limit: i64) -> QueryResult<Vec<RuleChange>> {
    changes::table
        .inner_join(users::table.on(users::id.eq(changes::changed_by)))
        .select((changes::old_rule, changes::new_rule, changes::changed_at, users::name))
        .order((changes::changed_at.desc(), changes::id.desc()))
        .limit(limit)
        .load(conn)
        .await
}

/// A staff member with their open-ticket count.
#[derive(Debug, Clone, QueryableByName)]
pub struct Workload {
    #[diesel(sql_type = BigInt)]
    pub id: UserId,
    #[diesel(sql_type = Text)]
    pub role: Role,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Array<Text>)]
    pub skills: Vec<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub region: Option<String>,
    #[diesel(sql_type = Bool)]
    pub available: bool,
    #[diesel(sql_type = BigInt)]
    pub open_count: i64,
}

impl Workload {
    pub fn candidate(&self) -> Candidate {
        Candidate {
            id: self.id,
            skills: self.skills.clone(),
            region: self.region.clone(),
            open_count: self.open_count,
            available: self.available,
        }
    }
}

/// Staff with their open tickets, in one query: per person an index-only scan
/// of `tickets_open_assignee_idx` (the state test is literal SQL so the planner
/// can match the partial index; a bound array would hide it). Staff only, by
/// `users_role_idx`, so customers (the bulk of users) are never read.
macro_rules! workload_sql {
    ($roles:literal, $tail:literal) => {
        concat!(
            "SELECT u.id, u.role, u.name, u.skills, u.region, u.available, ",
            "(SELECT count(*) FROM tickets t WHERE t.assignee_id = u.id ",
            "AND t.state NOT IN ('closed', 'withdrawn')) AS open_count ",
            "FROM users u WHERE u.role IN (",
            $roles,
            ") ",
            $tail
        )
    };
}

/// The candidates query, public so a test can check its plan.
pub const CANDIDATES_SQL: &str = workload_sql!("'agent'", "ORDER BY u.id FOR SHARE OF u");

/// Agents (the people the rules assign to), available or not. The share lock
/// keeps an agent from being marked unavailable while a ticket is given to
/// them; marking waits for this transaction, then sees the ticket and moves it.
pub async fn candidates(conn: &mut Conn) -> QueryResult<Vec<Workload>> {
    diesel::sql_query(CANDIDATES_SQL).load(conn).await
}

/// Agents and supervisors with their open tickets, for the staff page.
pub async fn staff_workloads(conn: &mut Conn) -> QueryResult<Vec<Workload>> {
    diesel::sql_query(workload_sql!("'agent', 'supervisor'", "ORDER BY u.role DESC, u.name")).load(conn).await
}

/// Locks a staff member's row (agents and supervisors can hold tickets).
pub async fn lock_staff(conn: &mut Conn, id: UserId) -> QueryResult<Option<(String, bool)>> {
    users::table
        .find(id)
        .filter(users::role.ne(Role::Customer))
        .select((users::name, users::available))
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn set_available(conn: &mut Conn, id: UserId, available: bool) -> QueryResult<()> {
    diesel::update(users::table.find(id)).set(users::available.eq(available)).execute(conn).await.map(drop)
}

/// What reassigning a ticket needs to know about it.
#[derive(Debug, Clone, Queryable)]
pub struct HeldTicket {
    pub number: String,
    pub ticket_type: TicketType,
    pub region: Option<String>,
}

/// The open tickets assigned to `agent`, most urgent and oldest first (so the
/// most pressing go out first), along `tickets_assignee_queue_idx`.
pub async fn open_tickets_of(conn: &mut Conn, agent: UserId) -> QueryResult<Vec<HeldTicket>> {
    tickets::table
        .filter(tickets::assignee_id.eq(agent))
        .filter(sql::<Bool>("tickets.state NOT IN ('closed', 'withdrawn')"))
        .select((tickets::number, tickets::ticket_type, tickets::region))
        .order((tickets::urgency_rank, tickets::created_at, tickets::id))
        .load(conn)
        .await
}

/// Staff marked unavailable who still hold open tickets. Staff only (by
/// `users_role_idx`), each tested by one probe of `tickets_open_assignee_idx`:
/// the cost follows the number of staff, never of tickets.
pub async fn unavailable_holding_tickets(conn: &mut Conn) -> QueryResult<Vec<UserId>> {
    let open_ticket = tickets::table
        .filter(tickets::assignee_id.eq(users::id.nullable()))
        .filter(sql::<Bool>("tickets.state NOT IN ('closed', 'withdrawn')"));
    users::table
        .filter(users::role.eq_any([Role::Agent, Role::Supervisor]))
        .filter(users::available.eq(false))
        .filter(diesel::dsl::exists(open_ticket))
        .select(users::id)
        .order(users::id)
        .load(conn)
        .await
}

#[cfg(test)]
mod tests {
    use crate::domain::TicketState;

    /// The literal state list in the SQL is exactly the states that are not open.
    #[test]
    fn the_sql_open_test_matches_the_domain() {
        let done: Vec<_> =
            TicketState::ALL.iter().filter(|s| !s.is_open()).map(|s| format!("'{}'", s.code())).collect();
        let literal = format!("NOT IN ({})", done.join(", "));
        assert!(super::CANDIDATES_SQL.contains(&literal), "{literal}");
    }
}
