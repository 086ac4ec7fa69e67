//! Supervisors keep the SLA policies and the business calendar. A change
//! applies to due times computed from then on: tickets filed afterwards, and a
//! ticket whose type or urgency changes (`services::sla::schedule`); due times
//! already stored are left as they were promised.

use crate::domain::sla_settings::{DAY_TAKEN, DUPLICATE_POLICY, DayInput, PolicyInput, WeekInput};
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::services::SessionUser;
use crate::store::Conn;
use crate::store::sla_settings as store;
use crate::store::unique::Duplicate;
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncConnection;

/// The three urgencies' own policies stay; only their targets change.
pub const BASE_POLICY_STAYS: &str = "sla-error-base-stays";

fn invalid(field: &'static str, error: crate::domain::validate::FieldError) -> AppError {
    let mut errors = FieldErrors::default();
    errors.add(field, error);
    AppError::Invalid(errors)
}

fn duplicate(Duplicate(field): Duplicate) -> AppError {
    invalid(field, DUPLICATE_POLICY)
}

/// Adds a per-type policy for an urgency; one per (urgency, type).
pub async fn add_override(conn: &mut Conn, by: &SessionUser, input: &PolicyInput, now: DateTime<Utc>) -> AppResult<()> {
    let draft = input.parse_override().map_err(AppError::Invalid)?;
    store::insert_policy(conn, &draft, by.id, now).await?.map_err(duplicate)?;
    tracing::info!(by = %by.id, urgency = %draft.urgency, ticket_type = ?draft.ticket_type, "SLA policy added");
    Ok(())
}

/// Saves a policy: a base one keeps its urgency and has no type; an override may move to another (urgency, type).
pub async fn save_policy(
    conn: &mut Conn,
    by: &SessionUser,
    id: i64,
    input: &PolicyInput,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let policy = store::find_policy(conn, id).await?.ok_or(AppError::NotFound)?;
    let draft = if policy.is_base() { input.parse_base(policy.urgency) } else { input.parse_override() };
    let draft = draft.map_err(AppError::Invalid)?;
    if !store::update_policy(conn, id, &draft, by.id, now).await?.map_err(duplicate)? {
        return Err(AppError::NotFound);
    }
    tracing::info!(by = %by.id, policy = id, "SLA policy changed");
    Ok(())
}

pub async fn remove_override(conn: &mut Conn, by: &SessionUser, id: i64) -> AppResult<()> {
    let policy = store::find_policy(conn, id).await?.ok_or(AppError::NotFound)?;
    if policy.is_base() {
        return Err(AppError::Conflict(BASE_POLICY_STAYS));
    }
    if !store::delete_override(conn, id).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(by = %by.id, policy = id, "SLA policy removed");
    Ok(())
}

/// Replaces the weekly working hours, all days at once.
pub async fn save_week(conn: &mut Conn, by: &SessionUser, input: &WeekInput) -> AppResult<()> {
    let week = input.parse().map_err(AppError::Invalid)?;
    conn.transaction::<_, AppError, _>(async |conn| Ok(store::replace_week(conn, &week).await?)).await?;
    tracing::info!(by = %by.id, "business hours changed");
    Ok(())
}

/// Adds a holiday or make-up day; a day can be only one of them.
pub async fn add_day(conn: &mut Conn, by: &SessionUser, input: &DayInput, today: NaiveDate) -> AppResult<()> {
    let draft = input.parse(today).map_err(AppError::Invalid)?;
    if !store::insert_day(conn, &draft).await? {
        return Err(invalid("day", DAY_TAKEN));
    }
    tracing::info!(by = %by.id, day = %draft.day, kind = %draft.kind, "calendar day added");
    Ok(())
}

pub async fn remove_day(conn: &mut Conn, by: &SessionUser, day: &str) -> AppResult<()> {
    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| AppError::NotFound)?;
    if !store::delete_day(conn, day).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(by = %by.id, %day, "calendar day removed");
    Ok(())
}
