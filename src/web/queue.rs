//! The agent queue: filters in the URL (bookmarkable), keyset pages, and the
//! table as an htmx fragment when only it needs to change.

use super::context::{Choice, Page};
use super::session::Staff;
use super::{is_htmx, render};
use crate::domain::{TicketId, TicketState, TicketType, Urgency};
use crate::error::{AppError, AppResult};
use crate::services::SessionUser;
use crate::startup::AppState;
use crate::store::tickets::{self, AssigneeFilter, QueueCursor, QueueFilter, QueueRow, StateFilter};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
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
    #[serde(skip_serializing)]
    pub after: String,
}

impl QueueParams {
    fn filter(&self, me: &SessionUser) -> AppResult<QueueFilter> {
        let state = match self.state.as_str() {
            "" | "open" => StateFilter::Open,
            "all" => StateFilter::All,
            code => StateFilter::Only(TicketState::parse(code).map_err(|_| BAD_FILTER)?),
        };
        let ticket_type = optional(&self.ticket_type, TicketType::parse)?;
        let urgency = optional(&self.urgency, Urgency::parse)?;
        let assignee = match self.assignee.as_str() {
            "" | "all" => AssigneeFilter::Everyone,
            "mine" => AssigneeFilter::Mine(me.id),
            "unassigned" => AssigneeFilter::Unassigned,
            _ => return Err(BAD_FILTER),
        };
        let q = self.q.trim();
        if q.chars().count() > 100 {
            return Err(BAD_FILTER);
        }
        let text = (!q.is_empty()).then(|| q.to_owned());
        Ok(QueueFilter { state, ticket_type, urgency, assignee, text })
    }

    fn cursor(&self) -> AppResult<Option<QueueCursor>> {
        if self.after.is_empty() {
            return Ok(None);
        }
        let bad = || AppError::BadRequest("error-bad-cursor");
        let mut parts = self.after.splitn(3, '.');
        let mut next = || parts.next().ok_or_else(bad);
        let rank = next()?.parse().map_err(|_| bad())?;
        let micros = next()?.parse().map_err(|_| bad())?;
        let id = next()?.parse().map_err(|_| bad())?;
        let created_at = chrono::DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
        Ok(Some(QueueCursor { rank, created_at, id: TicketId(id) }))
    }

    /// This queue view's URL with `after` set.
    fn href_after(&self, cursor: &QueueCursor) -> String {
        let filters = serde_urlencoded::to_string(self).unwrap_or_default();
        let after = format!("{}.{}.{}", cursor.rank, cursor.created_at.timestamp_micros(), cursor.id);
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
}

#[derive(Template)]
#[template(path = "queue/table_partial.html")]
struct QueueTable {
    page: Page,
    rows: Vec<QueueRow>,
    next_href: Option<String>,
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
}

pub async fn index(
    Staff(me): Staff,
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    params: web::Query<QueueParams>,
) -> AppResult<HttpResponse> {
    let params = params.into_inner();
    let filter = params.filter(&me)?;
    let after = params.cursor()?;
    let mut conn = state.pool.get().await?;
    let mut rows = tickets::queue_page(&mut conn, &filter, after, PAGE_SIZE + 1).await?;
    let next_href = if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|r| params.href_after(&r.cursor()))
    } else {
        None
    };
    // htmx asks for the table alone when the filters change or the next page loads.
    if is_htmx(&req) && req.headers().get("HX-Target").is_some_and(|t| t == "queue-table") {
        render(&QueueTable { page, rows, next_href })
    } else {
        render(&QueuePage { page, params: &params, rows, next_href })
    }
}
