//! The agent queue: filters in the URL (bookmarkable), keyset pages, and the
//! table as an htmx fragment when only it needs to change.

use super::context::{Choice, Page};
use super::session::Staff;
use super::{is_htmx, render};
use crate::domain::sla::SlaState;
use crate::domain::{TicketState, TicketType, Urgency};
use crate::error::AppResult;
use crate::services::queue::QueueParams;
use crate::startup::AppState;
use crate::store::tickets::{self, QueueCursor, QueueRow};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};

pub const PAGE_SIZE: i64 = 25;

impl QueueParams {
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
