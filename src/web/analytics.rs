//! 数据分析: the supervisors' dashboard at `/analytics`. One GET form (period, grouping, filters) and, for the
//! chosen view, a section per table: a short note on what it counts, a server-drawn SVG chart, and the table
//! with the chart's numbers. A custom range that is not one re-renders the form with the message by its field.

use super::chart;
use super::context::{Choice, Page};
use super::render_status;
use super::session::Supervisor;
use crate::domain::analytics::{DashboardFilter, FilterInput, Grouping, Preset};
use crate::domain::table::{Cell, Table};
use crate::domain::validate::FieldErrors;
use crate::domain::{Channel, TicketType};
use crate::error::{AppError, AppResult};
use crate::export::Format;
use crate::export::download::table_download;
use crate::services::analytics::cache::{Turns, VersionCache};
use crate::services::analytics::{self, DashboardData, Version};
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;
use std::sync::Arc;

/// One table of the dashboard as the page shows it.
pub struct Section {
    pub slug: &'static str,
    pub title: String,
    pub help: String,
    /// The chart's SVG markup (built here, labels escaped), if the table has one.
    pub chart: Option<String>,
    pub table: Table,
}

#[derive(Template)]
#[template(path = "analytics/index.html")]
pub struct DashboardPage<'a> {
    pub page: &'a Page,
    pub input: FilterInput,
    pub errors: FieldErrors,
    /// The rendered [`SectionsPartial`].
    pub sections: Arc<String>,
    pub staff: Vec<(String, String)>,
    pub product_lines: Vec<String>,
    /// Two or more filters at once: the figures were summed from per-ticket facts.
    pub combined: bool,
}

impl DashboardPage<'_> {
    pub fn periods(&self) -> Vec<Choice> {
        // No period asked for is the default view's: the last 30 days.
        let asked = self.input.period.trim();
        self.page.choices(Preset::ALL, if asked.is_empty() { Preset::Last30.code() } else { asked })
    }
    pub fn groups(&self) -> Vec<Choice> {
        self.page.choices(Grouping::ALL, self.input.group.trim())
    }
    pub fn types(&self) -> Vec<Choice> {
        self.page.choices(TicketType::ALL, self.input.ticket_type.trim())
    }
    pub fn channels(&self) -> Vec<Choice> {
        self.page.choices(Channel::ALL, self.input.channel.trim())
    }
    pub fn agents(&self) -> Vec<Choice> {
        let current = self.input.agent.trim();
        self.staff
            .iter()
            .map(|(id, name)| Choice { code: id.clone(), label: name.clone(), selected: id == current })
            .collect()
    }
    pub fn lines(&self) -> Vec<Choice> {
        let current = self.input.line.trim();
        self.product_lines
            .iter()
            .map(|line| Choice { code: line.clone(), label: line.clone(), selected: line == current })
            .collect()
    }
    /// The custom range's inputs show when it is chosen (or asked for with a problem).
    pub fn custom(&self) -> bool {
        self.input.period.trim() == Preset::Custom.code()
    }
}

/// Every section of the dashboard: a chart and the table with its numbers.
#[derive(Template)]
#[template(path = "analytics/sections_partial.html")]
pub struct SectionsPartial<'a> {
    pub page: &'a Page,
    pub sections: Vec<Section>,
    /// The view's filters as a query string, for each table's download links.
    pub query: &'a str,
}

impl SectionsPartial<'_> {
    /// A cell as the page shows it: measured numbers to one decimal.
    pub fn cell(&self, cell: &Cell) -> String {
        match cell {
            Cell::Text(text) => text.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Num(x) => format!("{x:.1}"),
            Cell::Empty => "—".into(),
        }
    }
}

/// A rendering of the sections: the database, the view, the language and the view's query string.
type SectionsKey = (String, DashboardFilter, &'static str, String);
/// The sections as rendered, by the version of their figures.
static RENDERED: VersionCache<SectionsKey, String, Version> = VersionCache::new();
/// Who renders a view's sections for a new version.
static RENDERING: Turns<SectionsKey> = Turns::new();

/// The sections' markup, rendered once per version of a view's figures (the requests that ask meanwhile wait for it).
async fn sections(page: &Page, filter: &DashboardFilter, query: &str, data: &DashboardData) -> AppResult<Arc<String>> {
    let (database, version) = &data.stamp;
    let key = (database.clone(), filter.clone(), page.lang.code(), query.to_owned());
    if let Some(hit) = RENDERED.get(&key, *version) {
        return Ok(hit);
    }
    let turn = RENDERING.gate(&key);
    let _turn = turn.lock().await;
    if let Some(hit) = RENDERED.get(&key, *version) {
        return Ok(hit);
    }
    let tables = analytics::tables::all(data, filter, page.lang);
    let sections = tables.into_iter().map(|(slug, table)| section(page, data, slug, table)).collect();
    let html = Arc::new(SectionsPartial { page, sections, query }.render().map_err(AppError::internal)?);
    RENDERED.put(key, *version, html.clone());
    Ok(html)
}

/// `GET /analytics`
pub async fn index(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<FilterInput>,
) -> AppResult<HttpResponse> {
    let input = query.into_inner();
    let today = Utc::now().with_timezone(&state.tz).date_naive();
    let mut conn = state.pool.get().await?;
    let (filter, errors, status) = match DashboardFilter::parse(&input, today) {
        Ok(filter) => (filter, FieldErrors::default(), StatusCode::OK),
        // The form comes back with the message; the figures stay those of the default view.
        Err(errors) => (DashboardFilter::default_for(today), errors, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let data = analytics::dashboard(&mut conn, &filter, page.lang).await?;
    let query = serde_urlencoded::to_string(&input).map_err(AppError::internal)?;
    let sections = sections(&page, &filter, &query, &data).await?;
    let combined = filter.slice().is_none();
    let (staff, product_lines) = (data.names.staff.clone(), data.names.product_lines.clone());
    render_status(status, &DashboardPage { page: &page, input, errors, sections, staff, product_lines, combined })
}

/// A download of one dashboard table: its slug, the file format and the view's filters.
#[derive(Debug, serde::Deserialize)]
pub struct TableDownload {
    #[serde(default)]
    table: String,
    #[serde(default)]
    format: String,
    #[serde(flatten)]
    filter: FilterInput,
}

/// `GET /analytics/export?table=…&format=csv|xlsx&<filters>`: one table of the dashboard as a file, with the same
/// numbers as the page (both come from `analytics::dashboard_tables`).
pub async fn download(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<TableDownload>,
) -> AppResult<HttpResponse> {
    let wanted = query.into_inner();
    let format = Format::parse(&wanted.format).map_err(|_| AppError::BadRequest("analytics-error-format"))?;
    let today = Utc::now().with_timezone(&state.tz).date_naive();
    let filter = DashboardFilter::parse(&wanted.filter, today).map_err(AppError::Invalid)?;
    let mut conn = state.pool.get().await?;
    let tables = analytics::dashboard_tables(&mut conn, &filter, page.lang).await?;
    let (slug, table) = tables.into_iter().find(|(slug, _)| *slug == wanted.table).ok_or(AppError::NotFound)?;
    table_download(&table, format, &format!("analytics-{slug}-{}-{}", filter.from, filter.to))
}

/// The bars of a (label, count) table.
fn bar_rows(table: &Table, value_column: usize) -> Vec<(String, f64)> {
    table
        .rows
        .iter()
        .filter_map(|row| {
            let label = match row.first()? {
                Cell::Text(text) => text.clone(),
                Cell::Int(n) => n.to_string(),
                _ => return None,
            };
            let value = match row.get(value_column)? {
                Cell::Int(n) => *n as f64,
                Cell::Num(x) => *x,
                _ => return None,
            };
            Some((label, value))
        })
        .collect()
}

/// A trend column as a series.
fn column(table: &Table, index: usize) -> Vec<Option<f64>> {
    table
        .rows
        .iter()
        .map(|row| match row.get(index) {
            Some(Cell::Int(n)) => Some(*n as f64),
            Some(Cell::Num(x)) => Some(*x),
            _ => None,
        })
        .collect()
}

fn section(page: &Page, data: &DashboardData, slug: &'static str, table: Table) -> Section {
    let title = page.t(&format!("analytics-section-{slug}"));
    let chart = match slug {
        "summary" | "agents" => None,
        "trend" => {
            let x: Vec<String> = table.rows.iter().map(|r| page_cell_text(r.first())).collect();
            let series: Vec<(String, Vec<Option<f64>>)> =
                (1..=3).map(|i| (table.headers[i].clone(), column(&table, i))).collect();
            let volume = chart::lines(&title, &x, &series);
            let hours: Vec<(String, Vec<Option<f64>>)> =
                (4..=5).map(|i| (table.headers[i].clone(), column(&table, i))).collect();
            Some(volume + &chart::lines(&page.t("analytics-chart-hours"), &x, &hours))
        }
        "withdrawal_timing" => {
            let days = std::array::from_fn(|i| page.t(&format!("analytics-weekday-{}", i + 1)));
            Some(chart::heatmap(&title, &days, &data.sums.withdrawal_heat()))
        }
        _ if table.rows.is_empty() => None,
        _ => Some(chart::bars(&title, &bar_rows(&table, 1))),
    };
    Section { slug, help: page.t(&format!("analytics-help-{slug}")), title, chart, table }
}

fn page_cell_text(cell: Option<&Cell>) -> String {
    match cell {
        Some(Cell::Text(text)) => text.clone(),
        _ => String::new(),
    }
}
