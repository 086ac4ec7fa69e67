//! The business calendar at `/settings/calendar`: the weekly working hours,
//! and the holidays and make-up working days (调休) ahead, in the service's
//! zone. Business-hours SLA targets count only this time; a change applies
//! to due times computed from then on.

use super::context::{Choice, Page};
use super::session::Supervisor;
use super::ticket_templates::DoneParam;
use super::{render_status, saved_or_again};
use crate::domain::calendar::DayHours;
use crate::domain::sla_settings::{DayInput, DayKind, SLOTS, WEEKDAYS, WeekInput};
use crate::domain::validate::FieldErrors;
use crate::error::AppResult;
use crate::services::sla_settings as service;
use crate::startup::AppState;
use crate::store::sla_settings::{self as store, CalendarDay};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{Datelike, NaiveDate, NaiveTime, Utc};

const PAGE: &str = "/settings/calendar";
/// Special days listed ahead; a year of Chinese holidays and 调休 is about thirty.
const UPCOMING: i64 = 100;

#[derive(Template)]
#[template(path = "settings/calendar.html")]
struct CalendarPage {
    page: Page,
    zone: String,
    week: WeekInput,
    week_errors: FieldErrors,
    /// The stored Monday hours: what a make-up day without its own hours works.
    monday: DayHours,
    days: Vec<CalendarDay>,
    day: DayInput,
    day_errors: FieldErrors,
    notice: Option<&'static str>,
}

fn hours_text(hours: &[(NaiveTime, NaiveTime)]) -> String {
    let spans: Vec<String> =
        hours.iter().map(|(a, b)| format!("{}–{}", a.format("%H:%M"), b.format("%H:%M"))).collect();
    spans.join(", ")
}

impl CalendarPage {
    /// (index, field key) of each weekday, Monday first.
    fn weekdays(&self) -> impl Iterator<Item = (usize, &'static str)> {
        WEEKDAYS.into_iter().enumerate()
    }
    fn slots(&self) -> std::ops::Range<usize> {
        0..SLOTS
    }
    /// A field of the week form (templates hand loop values by reference).
    fn time_value(&self, day: &usize, slot: &usize, end: bool) -> &str {
        self.week.value(*day, *slot, end)
    }
    fn weekday_name(&self, key: &str) -> String {
        self.page.t(&format!("calendar-weekday-{key}"))
    }
    fn kinds(&self) -> Vec<Choice> {
        self.page.choices(DayKind::ALL, &self.day.kind)
    }
    fn day_weekday(&self, day: &NaiveDate) -> String {
        self.weekday_name(WEEKDAYS[day.weekday().num_days_from_monday() as usize])
    }
    /// A special day's hours: none for a holiday, its own, or the Monday hours.
    fn day_hours(&self, d: &CalendarDay) -> String {
        match (d.kind, d.starts.zip(d.ends)) {
            (DayKind::Holiday, _) => self.page.t("calendar-day-off"),
            (DayKind::Workday, Some(span)) => hours_text(&[span]),
            (DayKind::Workday, None) => {
                let hours = Some(hours_text(&self.monday)).filter(|h| !h.is_empty());
                let hours = hours.unwrap_or_else(|| self.page.t("calendar-day-off"));
                self.page.t_args("calendar-monday-hours", &[("hours", hours.into())])
            }
        }
    }
}

/// What the page shows besides the two forms.
async fn render_page(
    state: &AppState,
    page: Page,
    week: Option<(WeekInput, FieldErrors)>,
    day: Option<(DayInput, FieldErrors)>,
    notice: Option<&'static str>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let stored = store::week(&mut conn).await?;
    let today = Utc::now().with_timezone(&state.tz).date_naive();
    let days = store::upcoming_days(&mut conn, today, UPCOMING).await?;
    let zone = store::zone(&mut conn).await?;
    let (week, week_errors) = week.unwrap_or_else(|| (WeekInput::from_week(&stored), FieldErrors::default()));
    let (day, day_errors) = day.unwrap_or_default();
    let monday = stored[0].clone();
    render_status(status, &CalendarPage { page, zone, week, week_errors, monday, days, day, day_errors, notice })
}

pub async fn show(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<DoneParam>,
) -> AppResult<HttpResponse> {
    render_page(&state, page, None, None, query.notice(), StatusCode::OK).await
}

pub async fn save_hours(
    Supervisor(me): Supervisor,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<WeekInput>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let mut conn = state.pool.get().await?;
    let result = service::save_week(&mut conn, &me, &form).await;
    drop(conn);
    saved_or_again(result, &format!("{PAGE}?done=saved"), |errors| {
        render_page(&state, page, Some((form, errors)), None, None, StatusCode::UNPROCESSABLE_ENTITY)
    })
    .await
}

pub async fn add_day(
    Supervisor(me): Supervisor,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<DayInput>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let today = Utc::now().with_timezone(&state.tz).date_naive();
    let mut conn = state.pool.get().await?;
    let result = service::add_day(&mut conn, &me, &form, today).await;
    drop(conn);
    saved_or_again(result, &format!("{PAGE}?done=saved#h-days"), |errors| {
        render_page(&state, page, None, Some((form, errors)), None, StatusCode::UNPROCESSABLE_ENTITY)
    })
    .await
}

pub async fn delete_day(
    Supervisor(me): Supervisor,
    state: web::Data<AppState>,
    day: web::Path<String>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    service::remove_day(&mut conn, &me, &day).await?;
    Ok(super::see_other(&format!("{PAGE}?done=deleted#h-days")))
}
