//! What the SLA settings pages read and write: the policies, the weekly
//! working hours and the calendar's special days. (The clock reads them
//! through `store::sla`.)

use super::Conn;
use super::unique::{Duplicate, to_duplicate};
use crate::db::schema::{business_hours, calendar_days, service_zone, sla_policies};
use crate::domain::calendar::DayHours;
use crate::domain::sla_settings::{DayDraft, DayKind, PolicyDraft};
use crate::domain::{TicketType, Urgency, UserId};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sla_policies, check_for_backend(diesel::pg::Pg))]
pub struct Policy {
    pub id: i64,
    pub urgency: Urgency,
    pub ticket_type: Option<TicketType>,
    pub first_response_minutes: i32,
    pub resolution_minutes: i32,
    pub business_hours: bool,
    pub updated_at: DateTime<Utc>,
}

impl Policy {
    pub fn draft(&self) -> PolicyDraft {
        PolicyDraft {
            urgency: self.urgency,
            ticket_type: self.ticket_type,
            first_response_minutes: self.first_response_minutes,
            resolution_minutes: self.resolution_minutes,
            business_hours: self.business_hours,
        }
    }

    /// One of the three urgencies' own policies, which stay.
    pub fn is_base(&self) -> bool {
        self.ticket_type.is_none()
    }
}

/// The unique index on (urgency, ticket type) guards the type field of the form.
const UNIQUE: &[(&str, &str)] = &[("sla_policies_urgency_ticket_type_key", "ticket_type")];

/// Every policy: the base ones, most urgent first, then the overrides by urgency and type.
pub async fn policies(conn: &mut Conn) -> QueryResult<Vec<Policy>> {
    let mut all: Vec<Policy> = sla_policies::table.select(Policy::as_select()).load(conn).await?;
    let type_position = |t: Option<TicketType>| t.and_then(|t| TicketType::ALL.iter().position(|x| *x == t));
    all.sort_by_key(|p| (p.ticket_type.is_some(), p.urgency.rank(), type_position(p.ticket_type)));
    Ok(all)
}

pub async fn find_policy(conn: &mut Conn, id: i64) -> QueryResult<Option<Policy>> {
    sla_policies::table.find(id).select(Policy::as_select()).first(conn).await.optional()
}

pub async fn insert_policy(
    conn: &mut Conn,
    p: &PolicyDraft,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<Result<(), Duplicate>> {
    let result = diesel::insert_into(sla_policies::table)
        .values((
            sla_policies::urgency.eq(p.urgency),
            sla_policies::ticket_type.eq(p.ticket_type),
            sla_policies::first_response_minutes.eq(p.first_response_minutes),
            sla_policies::resolution_minutes.eq(p.resolution_minutes),
            sla_policies::business_hours.eq(p.business_hours),
            sla_policies::updated_by.eq(by),
            sla_policies::updated_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(drop);
    to_duplicate(result, UNIQUE)
}

/// Rewrites a policy; Ok(false) if it is gone.
pub async fn update_policy(
    conn: &mut Conn,
    id: i64,
    p: &PolicyDraft,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<Result<bool, Duplicate>> {
    let result = diesel::update(sla_policies::table.find(id))
        .set((
            sla_policies::urgency.eq(p.urgency),
            sla_policies::ticket_type.eq(p.ticket_type),
            sla_policies::first_response_minutes.eq(p.first_response_minutes),
            sla_policies::resolution_minutes.eq(p.resolution_minutes),
            sla_policies::business_hours.eq(p.business_hours),
            sla_policies::updated_by.eq(by),
            sla_policies::updated_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(|n| n == 1);
    to_duplicate(result, UNIQUE)
}

/// Removes a per-type override; the base policies are never removed here.
pub async fn delete_override(conn: &mut Conn, id: i64) -> QueryResult<bool> {
    let deleted = diesel::delete(sla_policies::table.find(id).filter(sla_policies::ticket_type.is_not_null()))
        .execute(conn)
        .await?;
    Ok(deleted == 1)
}

/// The zone business hours are counted in (written from AFTERSALES_TIMEZONE at start).
pub async fn zone(conn: &mut Conn) -> QueryResult<String> {
    service_zone::table.select(service_zone::time_zone).first(conn).await
}

/// The weekly working hours as stored, Monday first.
pub async fn week(conn: &mut Conn) -> QueryResult<[DayHours; 7]> {
    let rows: Vec<(i16, NaiveTime, NaiveTime)> = business_hours::table
        .select((business_hours::weekday, business_hours::starts, business_hours::ends))
        .order((business_hours::weekday, business_hours::starts))
        .load(conn)
        .await?;
    let mut week: [DayHours; 7] = Default::default();
    for (day, starts, ends) in rows {
        if let Some(slot) = usize::try_from(day).ok().and_then(|d| week.get_mut(d)) {
            slot.push((starts, ends));
        }
    }
    Ok(week)
}

/// Replaces the weekly hours; call inside a transaction so readers see the old week or the new one.
pub async fn replace_week(conn: &mut Conn, week: &[DayHours; 7]) -> QueryResult<()> {
    diesel::delete(business_hours::table).execute(conn).await?;
    let rows: Vec<_> = (0i16..)
        .zip(week)
        .flat_map(|(day, hours)| {
            hours.iter().map(move |(starts, ends)| {
                (business_hours::weekday.eq(day), business_hours::starts.eq(*starts), business_hours::ends.eq(*ends))
            })
        })
        .collect();
    diesel::insert_into(business_hours::table).values(&rows).execute(conn).await.map(drop)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = calendar_days, check_for_backend(diesel::pg::Pg))]
pub struct CalendarDay {
    pub day: NaiveDate,
    pub kind: DayKind,
    pub name: String,
    pub starts: Option<NaiveTime>,
    pub ends: Option<NaiveTime>,
}

/// Special days from `from` on, soonest first (the primary key keeps this a range scan).
pub async fn upcoming_days(conn: &mut Conn, from: NaiveDate, limit: i64) -> QueryResult<Vec<CalendarDay>> {
    calendar_days::table
        .filter(calendar_days::day.ge(from))
        .order(calendar_days::day)
        .limit(limit)
        .select(CalendarDay::as_select())
        .load(conn)
        .await
}

/// Adds a special day; false if the day is in the calendar already (as either kind).
pub async fn insert_day(conn: &mut Conn, d: &DayDraft) -> QueryResult<bool> {
    let inserted = diesel::insert_into(calendar_days::table)
        .values((
            calendar_days::day.eq(d.day),
            calendar_days::kind.eq(d.kind),
            calendar_days::name.eq(&d.name),
            calendar_days::starts.eq(d.hours.map(|h| h.0)),
            calendar_days::ends.eq(d.hours.map(|h| h.1)),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

pub async fn delete_day(conn: &mut Conn, day: NaiveDate) -> QueryResult<bool> {
    Ok(diesel::delete(calendar_days::table.find(day)).execute(conn).await? == 1)
}
