//! The queue's filters as the URL carries them (bookmarkable), and what they ask for: the queue page and the
//! ticket-list export read a URL through this one parser.

use crate::domain::sla::SlaState;
use crate::domain::{TicketId, TicketState, TicketType, Urgency, UserId};
use crate::error::{AppError, AppResult};
use crate::store::tickets::{AssigneeFilter, QueueCursor, QueueFilter, QueueOrder, SlaFilter, StateFilter};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

const BAD_FILTER: AppError = AppError::BadRequest("error-bad-filter");

/// The filters exactly as they appear in the URL.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct QueueParams {
    pub state: String,
    #[serde(rename = "type")]
    pub ticket_type: String,
    pub urgency: String,
    pub assignee: String,
    pub q: String,
    /// The running SLA target's state: `on_time`, `warning` or `breached`.
    pub sla: String,
    /// Empty: most urgent, then oldest; `sla`: most pressing SLA first.
    pub sort: String,
    #[serde(skip_serializing)]
    pub after: String,
}

impl QueueParams {
    /// The filter these parameters ask for, for `me` ("mine") at `now` (the SLA states); the queue page and its
    /// export read the URL through this one parser.
    pub fn filter(&self, me: UserId, now: DateTime<Utc>) -> AppResult<QueueFilter> {
        let state = match self.state.as_str() {
            "" | "open" => StateFilter::Open,
            "all" => StateFilter::All,
            code => StateFilter::Only(TicketState::parse(code).map_err(|_| BAD_FILTER)?),
        };
        let ticket_type = optional(&self.ticket_type, TicketType::parse)?;
        let urgency = optional(&self.urgency, Urgency::parse)?;
        let assignee = match self.assignee.as_str() {
            "" | "all" => AssigneeFilter::Everyone,
            "mine" => AssigneeFilter::Mine(me),
            "unassigned" => AssigneeFilter::Unassigned,
            _ => return Err(BAD_FILTER),
        };
        let q = self.q.trim();
        if q.chars().count() > 100 {
            return Err(BAD_FILTER);
        }
        let text = (!q.is_empty()).then(|| q.to_owned());
        let sla = match optional(&self.sla, SlaState::parse)? {
            None => None,
            Some(SlaState::OnTime) => Some(SlaFilter::OnTime(now)),
            Some(SlaState::Warning) => Some(SlaFilter::Warning(now)),
            Some(SlaState::Breached) => Some(SlaFilter::Breached(now)),
            Some(SlaState::Paused | SlaState::Done) => return Err(BAD_FILTER),
        };
        Ok(QueueFilter { state, ticket_type, urgency, assignee, text, sla, order: self.order()? })
    }

    fn order(&self) -> AppResult<QueueOrder> {
        match self.sort.as_str() {
            "" => Ok(QueueOrder::Urgency),
            "sla" => Ok(QueueOrder::SlaDue),
            _ => Err(BAD_FILTER),
        }
    }

    /// `rank.micros.id` in the default order, `micros.id` in the SLA order.
    pub fn cursor(&self) -> AppResult<Option<QueueCursor>> {
        if self.after.is_empty() {
            return Ok(None);
        }
        let bad = || AppError::BadRequest("error-bad-cursor");
        let mut parts = self.after.split('.');
        let mut next = || parts.next().ok_or_else(bad);
        let rank = match self.order()? {
            QueueOrder::Urgency => Some(next()?.parse().map_err(|_| bad())?),
            QueueOrder::SlaDue => None,
        };
        let micros = next()?.parse().map_err(|_| bad())?;
        let id = TicketId(next()?.parse().map_err(|_| bad())?);
        if parts.next().is_some() {
            return Err(bad());
        }
        let at = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
        Ok(Some(match rank {
            Some(rank) => QueueCursor::Urgency { rank, created_at: at, id },
            None => QueueCursor::SlaDue { due_at: at, id },
        }))
    }
}

fn optional<T>(
    code: &str,
    parse: impl Fn(&str) -> Result<T, crate::domain::text_enum::UnknownCode>,
) -> AppResult<Option<T>> {
    if code.is_empty() { Ok(None) } else { parse(code).map(Some).map_err(|_| BAD_FILTER) }
}
