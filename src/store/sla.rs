//! SLA data: policies, the business calendar, a ticket's due times and the
//! warnings and breaches recorded on it.

use super::Conn;
use crate::db::schema::{business_hours, calendar_days, service_zone, sla_marks, sla_policies, tickets};
use crate::domain::calendar::{BusinessCalendar, DayHours};
use crate::domain::sla::{SlaLevel, SlaTarget, Targets};
use crate::domain::{TicketId, TicketType, Urgency};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use std::collections::{BTreeMap, BTreeSet};

/// The policy for a ticket: its type's own for the urgency if there is one,
/// else the urgency's, else DESIGN.md's defaults.
pub async fn targets(conn: &mut Conn, ticket_type: TicketType, urgency: Urgency) -> QueryResult<Targets> {
    let rows: Vec<(Option<String>, i32, i32, bool)> = sla_policies::table
        .filter(sla_policies::urgency.eq(urgency))
        .filter(sla_policies::ticket_type.eq(ticket_type).or(sla_policies::ticket_type.is_null()))
        .select((
            sla_policies::ticket_type,
            sla_policies::first_response_minutes,
            sla_policies::resolution_minutes,
            sla_policies::business_hours,
        ))
        .load(conn)
        .await?;
    let best = rows.iter().find(|r| r.0.is_some()).or(<[_]>::first(&rows));
    Ok(best.map_or(Targets::default_for(urgency), |(_, first, resolution, business_hours)| Targets {
        first_response: Duration::minutes((*first).into()),
        resolution: Duration::minutes((*resolution).into()),
        business_hours: *business_hours,
    }))
}

/// Writes the configured zone and site address (at start), so jobs and every instance count and link alike.
pub async fn set_site(conn: &mut Conn, zone: chrono_tz::Tz, public_url: &str) -> QueryResult<()> {
    diesel::update(service_zone::table)
        .set((service_zone::time_zone.eq(zone.name()), service_zone::public_url.eq(public_url)))
        .execute(conn)
        .await
        .map(drop)
}

/// The service's zone and the site's address, as written at start (for messages).
pub async fn site(conn: &mut Conn) -> QueryResult<(chrono_tz::Tz, String)> {
    let (zone, url): (String, String) =
        service_zone::table.select((service_zone::time_zone, service_zone::public_url)).first(conn).await?;
    Ok((zone.parse().unwrap_or(chrono_tz::Asia::Shanghai), url))
}

/// The service's zone, as written at start (times in messages are shown in it).
pub async fn zone(conn: &mut Conn) -> QueryResult<chrono_tz::Tz> {
    let zone: String = service_zone::table.select(service_zone::time_zone).first(conn).await?;
    Ok(zone.parse().unwrap_or(chrono_tz::Asia::Shanghai))
}

/// The business calendar as kept in the database. A calendar left without any
/// working hours falls back to office hours rather than never being due.
pub async fn calendar(conn: &mut Conn) -> QueryResult<BusinessCalendar> {
    let zone: String = service_zone::table.select(service_zone::time_zone).first(conn).await?;
    let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::Asia::Shanghai);
    let hours: Vec<(i16, NaiveTime, NaiveTime)> = business_hours::table
        .select((business_hours::weekday, business_hours::starts, business_hours::ends))
        .order((business_hours::weekday, business_hours::starts))
        .load(conn)
        .await?;
    let mut week: [DayHours; 7] = Default::default();
    for (day, starts, ends) in hours {
        if let Some(slot) = week.get_mut(day as usize) {
            slot.push((starts, ends));
        }
    }
    let days: Vec<(NaiveDate, String, Option<NaiveTime>, Option<NaiveTime>)> = calendar_days::table
        .select((calendar_days::day, calendar_days::kind, calendar_days::starts, calendar_days::ends))
        .load(conn)
        .await?;
    let mut holidays = BTreeSet::new();
    let mut makeup_days = BTreeMap::new();
    for (day, kind, starts, ends) in days {
        match (kind.as_str(), starts.zip(ends)) {
            ("holiday", _) => {
                holidays.insert(day);
            }
            (_, Some(span)) => {
                makeup_days.insert(day, vec![span]);
            }
            (_, None) => {
                makeup_days.insert(day, week[0].clone());
            }
        }
    }
    Ok(BusinessCalendar::new(tz, week, holidays, makeup_days).unwrap_or_else(|_| BusinessCalendar::office_hours(tz)))
}

/// The SLA columns of a ticket, as the service sets them.
#[derive(Debug, Clone, Copy, Default, AsChangeset, Insertable)]
#[diesel(table_name = tickets, treat_none_as_null = true)]
pub struct TicketSla {
    pub first_response_due_at: Option<DateTime<Utc>>,
    pub resolution_due_at: Option<DateTime<Utc>>,
    pub sla_paused_seconds: i64,
    pub sla_paused_at: Option<DateTime<Utc>>,
    pub sla_warn_at: Option<DateTime<Utc>>,
    pub sla_due_at: Option<DateTime<Utc>>,
    pub sla_check_at: Option<DateTime<Utc>>,
}

pub async fn set_ticket(conn: &mut Conn, ticket: TicketId, sla: &TicketSla) -> QueryResult<()> {
    diesel::update(tickets::table.find(ticket)).set(sla).execute(conn).await.map(drop)
}

/// The marks a ticket has (target, level).
pub async fn marks(conn: &mut Conn, ticket: TicketId) -> QueryResult<Vec<(SlaTarget, SlaLevel)>> {
    sla_marks::table
        .filter(sla_marks::ticket_id.eq(ticket))
        .select((sla_marks::target, sla_marks::level))
        .load(conn)
        .await
}

/// Records a mark once; false if it was there already.
pub async fn mark(
    conn: &mut Conn,
    ticket: TicketId,
    target: SlaTarget,
    level: SlaLevel,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(sla_marks::table)
        .values((
            sla_marks::ticket_id.eq(ticket),
            sla_marks::target.eq(target),
            sla_marks::level.eq(level),
            sla_marks::due_at.eq(due_at),
            sla_marks::marked_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

/// Tickets whose next SLA check is due, most overdue first.
pub async fn due_for_check(conn: &mut Conn, now: DateTime<Utc>, limit: i64) -> QueryResult<Vec<String>> {
    tickets::table
        .filter(tickets::sla_check_at.le(now))
        .order(tickets::sla_check_at)
        .select(tickets::number)
        .limit(limit)
        .load(conn)
        .await
}
