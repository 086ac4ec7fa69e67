//! The agent queue: filters in the URL (bookmarkable), keyset pages, and the
//! table as an htmx fragment when only it needs to change.

use super::context::{Choice, Page};
use super::session::Staff;
use super::{is_htmx, render};
use crate::domain::sla::SlaState;
use crate::domain::{TicketId, TicketState, TicketType, Urgency, UserId};
use crate::error::{AppError, AppResult};
use crate::startup::AppState;
use crate::store::tickets::{
    self, AssigneeFilter, QueueCursor, QueueFilter, QueueOrder, QueueRow, SlaFilter, StateFilter,
};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub const PAGE_SIZE: i64 = 25;
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
    fn cursor(&self) -> AppResult<Option<QueueCursor>> {
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

    /// This queue view's URL with `after` set.
    fn href_after(&self, cursor: &QueueCursor) -> String {
        let filters = serde_urlencoded::to_string(self).unwrap_or_default();
        let after = match cursor {
            QueueCursor::Urgency { rank, created_at, id } => {
                format!("{rank}.{}.{id}", created_at.timestamp_micros())
            }
            QueueCursor::SlaDue { due_at, id } => format!("{}.{id}", due_at.timestamp_micros()),
        };
        format!("/queue?{filters}&after={after}")
    }
}

fn optional<T>(
    code: &str,
    parse: impl Fn(&str) -> Result<T, crate::domain::text_enum::UnknownCode>,
) -> AppResult<Option<T>> {
    if code.is_empty() { Ok(None) } else { parse(code).map(Some).map_err(|_| BAD_FILTER) }
}

#[derive(Template)]
#[template(path = "queue/index.html")]
struct QueuePage<'a> {
    page: Page,
    params: &'a QueueParams,
    rows: Vec<QueueRow>,
    next_href: Option<String>,
    /// When the page was asked for: the SLA badges count from it.
    now: DateTime<Utc>,
}

#[derive(Template)]
#[template(path = "queue/table_partial.html")]
struct QueueTable<'a> {
    page: Page,
    /// The filters, which the export form carries.
    params: &'a QueueParams,
    rows: Vec<QueueRow>,
    next_href: Option<String>,
    now: DateTime<Utc>,
}

/// The SLA badge of a row (both renderings of the table).
fn sla_badge(page: &Page, now: DateTime<Utc>, row: &QueueRow) -> super::sla_view::SlaBadge {
    let t = &row.ticket;
    super::sla_view::SlaBadge::new(page, now, t.state, t.sla_warn_at, t.sla_due_at)
}

impl QueueTable<'_> {
    fn sla(&self, row: &QueueRow) -> super::sla_view::SlaBadge {
        sla_badge(&self.page, self.now, row)
    }
}

impl QueuePage<'_> {
    fn states(&self) -> Vec<Choice> {
        self.page.choices(TicketState::ALL, &self.params.state)
    }
    fn types(&self) -> Vec<Choice> {
        self.page.choices(TicketType::ALL, &self.params.ticket_type)
    }
    fn urgencies(&self) -> Vec<Choice> {
        self.page.choices(Urgency::ALL, &self.params.urgency)
    }
    fn sla_states(&self) -> Vec<Choice> {
        self.page.choices(&[SlaState::OnTime, SlaState::Warning, SlaState::Breached], &self.params.sla)
    }
    fn sla(&self, row: &QueueRow) -> super::sla_view::SlaBadge {
        sla_badge(&self.page, self.now, row)
    }
}

pub async fn index(
    Staff(me): Staff,
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    params: web::Query<QueueParams>,
) -> AppResult<HttpResponse> {
    let params = params.into_inner();
    let now = Utc::now();
    let filter = params.filter(me.id, now)?;
    let after = params.cursor()?;
    let mut conn = state.pool.get().await?;
    let mut rows = tickets::queue_page(&mut conn, &filter, after, PAGE_SIZE + 1).await?;
    let next_href = if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().and_then(|r| r.cursor(filter.order)).map(|c| params.href_after(&c))
    } else {
        None
    };
    // htmx asks for the table alone when the filters change or the next page loads.
    if is_htmx(&req) && req.headers().get("HX-Target").is_some_and(|t| t == "queue-table") {
        render(&QueueTable { page, params: &params, rows, next_href, now })
    } else {
        render(&QueuePage { page, params: &params, rows, next_href, now })
    }
}
