//! Assignment use cases: the rule gives each new ticket to an agent; a
//! supervisor changes the rule; an agent marked unavailable hands their open
//! tickets on. The choice itself is `domain::assignment::choose`.

use super::SessionUser;
use super::tickets::{self as ticket_service, By, RuleAssignment};
use crate::db::PooledConn;
use crate::domain::assignment::{self, Candidate, Rule, TicketFacts};
use crate::domain::workflow::Action;
use crate::domain::{TicketType, UserId};
use crate::error::{AppError, AppResult};
use crate::store::Conn;
use crate::store::assignment::{self as store, Settings, Workload};
use crate::store::events::kind;
use crate::store::tickets::Ticket;
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde_json::json;

/// Why tickets were moved, as the event data says it.
pub const REASON_UNAVAILABLE: &str = "agent_unavailable";

/// The rule with the agents it chooses from; keeps workloads and the
/// round-robin turn up to date while it hands out several tickets.
struct Picker {
    settings: Settings,
    agents: Vec<Workload>,
    candidates: Vec<Candidate>,
    turn_taken: bool,
}

/// The agent chosen for one ticket.
struct Chosen {
    agent: UserId,
    name: String,
    fallback: bool,
}

impl Picker {
    /// `settings` must have been read with the lock when the rule is round robin.
    async fn load(conn: &mut Conn, settings: Settings) -> AppResult<Picker> {
        let agents = if settings.rule == Rule::Manual { Vec::new() } else { store::candidates(conn).await? };
        let candidates = agents.iter().map(Workload::candidate).collect();
        Ok(Picker { settings, agents, candidates, turn_taken: false })
    }

    fn pick(&mut self, ticket_type: TicketType, region: Option<&str>) -> Option<Chosen> {
        let facts = TicketFacts { ticket_type, region };
        let pick = assignment::choose(self.settings.rule, &self.candidates, facts, self.settings.last_agent)?;
        let i = self.candidates.iter().position(|c| c.id == pick.agent)?;
        self.candidates[i].open_count += 1;
        if self.settings.rule == Rule::RoundRobin {
            self.settings.last_agent = Some(pick.agent);
            self.turn_taken = true;
        }
        Some(Chosen { agent: pick.agent, name: self.agents[i].name.clone(), fallback: pick.fallback })
    }

    async fn save_turn(&self, conn: &mut Conn) -> AppResult<()> {
        if let (true, Some(agent)) = (self.turn_taken, self.settings.last_agent) {
            store::set_last_agent(conn, agent).await?;
        }
        Ok(())
    }
}

/// Gives a just-filed ticket to an agent by the active rule, inside the filing
/// transaction. Under "manual", or with nobody available, it stays submitted.
pub async fn auto_assign(conn: &mut Conn, ticket: Ticket, now: DateTime<Utc>) -> AppResult<Ticket> {
    let mut settings = store::settings(conn, false).await?;
    match settings.rule {
        Rule::Manual => return Ok(ticket),
        // Lock the cursor: of two filings at once, the second waits for the first's turn.
        Rule::RoundRobin => settings = store::settings(conn, true).await?,
        Rule::Skill | Rule::Region | Rule::Workload => {}
    }
    let mut picker = Picker::load(conn, settings).await?;
    let Some(chosen) = picker.pick(ticket.ticket_type, ticket.region.as_deref()) else {
        return Ok(ticket);
    };
    let data = json!({
        "rule": picker.settings.rule,
        "fallback": chosen.fallback,
        "assignee_id": chosen.agent,
        "assignee_name": chosen.name,
    });
    let change = RuleAssignment { action: Action::AutoAssign, assignee: chosen.agent, kind: kind::AUTO_ASSIGNED, data };
    let ticket = ticket_service::assign_by_rule(conn, &ticket.number, By::System, change, now).await?;
    picker.save_turn(conn).await?;
    Ok(ticket)
}

/// Makes `rule` the active one (logged with who and when); false if it already was.
pub async fn set_rule(conn: &mut PooledConn, supervisor: &SessionUser, rule: Rule) -> AppResult<bool> {
    if !supervisor.is_supervisor() {
        return Err(AppError::Forbidden);
    }
    let now = Utc::now();
    let changed = conn
        .transaction::<_, AppError, _>(async |conn| Ok(store::set_rule(conn, rule, supervisor.id, now).await?))
        .await?;
    if let Some(old) = changed {
        tracing::info!(by = %supervisor.id, from = %old, to = %rule, "assignment rule changed");
    }
    Ok(changed.is_some())
}

/// What marking someone unavailable did with their open tickets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Handover {
    /// Given to other agents, each with a `reassigned` event.
    pub moved: usize,
    /// Still theirs: the rule is manual, or nobody else is available. The
    /// staff page warns about these until someone deals with them.
    pub left: usize,
}

/// Marks a staff member available or not. Becoming unavailable hands their
/// open tickets to other agents by the active rule; becoming available again
/// only flips the flag.
pub async fn set_availability(
    conn: &mut PooledConn,
    supervisor: &SessionUser,
    staff: UserId,
    available: bool,
) -> AppResult<Handover> {
    if !supervisor.is_supervisor() {
        return Err(AppError::Forbidden);
    }
    let now = Utc::now();
    conn.transaction::<_, AppError, _>(async |conn| {
        // The settings row first, always: it serialises availability changes
        // (so two of them never wait on each other's agent rows) and takes
        // the locks in the same order as a round-robin filing does.
        let settings = store::settings(conn, true).await?;
        let (name, was_available) = store::lock_staff(conn, staff).await?.ok_or(AppError::NotFound)?;
        if was_available == available {
            return Ok(Handover::default());
        }
        store::set_available(conn, staff, available).await?;
        if available {
            return Ok(Handover::default());
        }
        let handover = hand_over(conn, settings, staff, &name, By::Person(supervisor), now).await?;
        if handover != Handover::default() {
            tracing::info!(by = %supervisor.id, %staff, moved = handover.moved, left = handover.left, "marked unavailable");
        }
        Ok(handover)
    })
    .await
}

/// Hands on the open tickets still held by `staff` if they are unavailable:
/// tickets that reached them after they were marked (a manual assignment, a
/// reopened ticket) or that nobody could take then. The worker runs this;
/// under the same locks as marking, so two runs at once move each ticket once.
pub async fn hand_over_from_unavailable(
    conn: &mut PooledConn,
    staff: UserId,
    now: DateTime<Utc>,
) -> AppResult<Handover> {
    conn.transaction::<_, AppError, _>(async |conn| {
        let settings = store::settings(conn, true).await?;
        match store::lock_staff(conn, staff).await? {
            Some((name, false)) => hand_over(conn, settings, staff, &name, By::System, now).await,
            // Gone, or available again meanwhile: theirs to keep.
            Some((_, true)) | None => Ok(Handover::default()),
        }
    })
    .await
}

/// Gives the open tickets of `staff` (locked and unavailable) to other agents by
/// the rule, each with a `reassigned` event. The caller's transaction holds
/// the settings row locked, as the rule's turn and the workloads need.
async fn hand_over(
    conn: &mut Conn,
    settings: Settings,
    staff: UserId,
    name: &str,
    by: By<'_>,
    now: DateTime<Utc>,
) -> AppResult<Handover> {
    let held = store::open_tickets_of(conn, staff).await?;
    if held.is_empty() {
        return Ok(Handover::default());
    }
    // Loaded after the flag changed, so the person leaving is never picked.
    let mut picker = Picker::load(conn, settings).await?;
    let mut handover = Handover::default();
    for ticket in &held {
        let Some(chosen) = picker.pick(ticket.ticket_type, ticket.region.as_deref()) else {
            handover.left += 1;
            continue;
        };
        let data = json!({
            "reason": REASON_UNAVAILABLE,
            "rule": picker.settings.rule,
            "fallback": chosen.fallback,
            "from_assignee_id": staff,
            "from_assignee_name": name,
            "assignee_id": chosen.agent,
            "assignee_name": chosen.name,
        });
        let change = RuleAssignment { action: Action::Reassign, assignee: chosen.agent, kind: kind::REASSIGNED, data };
        ticket_service::assign_by_rule(conn, &ticket.number, by, change, now).await?;
        handover.moved += 1;
    }
    picker.save_turn(conn).await?;
    Ok(handover)
}
