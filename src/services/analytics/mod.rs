//! Supervisor analytics (数据分析): the dashboard's figures read from the rollups plus the deltas not folded yet,
//! the tables the page and the exports share, the business-hours minutes the facts need, and the fold and
//! rebuild of the rollups. How the rows are kept is in the analytics migration.

pub mod cache;
pub mod tables;

use crate::domain::analytics::{DashboardFilter, FactRow, Sums};
use crate::domain::calendar::Clock;
use crate::domain::table::Table;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::store::Conn;
use crate::store::analytics::{self as store, Source};
use crate::store::tickets::Ticket;
use cache::GenerationCache;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Deltas one fold moves at most: one run stays short; the job runs again at once when there are more.
pub const FOLD_BATCH: i32 = 20_000;

/// What the dashboard shows for one filter: the summed rows and the names they mention.
#[derive(Debug, Clone)]
pub struct DashboardData {
    /// The database and the rollups' generation these figures are exactly, when no pending deltas were added:
    /// what the page may cache its rendering under.
    pub stamp: Option<(String, i64)>,
    pub sums: Sums,
    pub staff: Vec<(String, String)>,
    pub causes: Vec<(String, String)>,
    pub product_lines: Vec<String>,
}

/// The figures for `filter`, never stale: what the rollups held at their last fold (cached under the fold's
/// generation) plus the deltas not folded yet, read in one snapshot. Two or more filters at once have no rollup
/// slice; they are summed from the per-ticket facts instead (cost grows with the tickets they match).
pub async fn dashboard(conn: &mut Conn, filter: &DashboardFilter, lang: Lang) -> AppResult<Arc<DashboardData>> {
    let zh = lang == Lang::ZhCn;
    let slice = filter.slice();
    // The common case first, in one statement: nothing waits to be folded and this view was read since the fold.
    let state = store::state(conn).await?;
    let key = Key { database: state.database.clone(), filter: filter.clone(), zh };
    if !state.pending
        && let Some(hit) = STABLE.get(&key, state.generation)
    {
        return Ok(hit);
    }
    let filter = filter.clone();
    let data = conn
        .build_transaction()
        .read_only()
        .repeatable_read()
        .run(async |conn| -> AppResult<Arc<DashboardData>> {
            let state = store::state(conn).await?;
            let stable = match STABLE.get(&key, state.generation) {
                Some(hit) => hit,
                None => {
                    let rows = match &slice {
                        Some(slice) => store::rollup_rows(conn, slice, &filter).await?,
                        None => store::filtered_rows(conn, Source::Facts, &filter).await?,
                    };
                    let data = Arc::new(DashboardData {
                        stamp: Some((state.database.clone(), state.generation)),
                        sums: summed(&filter, &rows),
                        staff: store::staff(conn).await?,
                        causes: store::cause_names(conn, zh).await?,
                        product_lines: store::product_lines(conn).await?,
                    });
                    // Facts already hold the pending changes: such a read is only reusable when none wait.
                    if slice.is_some() || !state.pending {
                        STABLE.put(key.clone(), state.generation, data.clone());
                    }
                    data
                }
            };
            if slice.is_none() || !state.pending {
                return Ok(stable);
            }
            let mut data = (*stable).clone();
            data.stamp = None;
            for row in store::filtered_rows(conn, Source::Deltas, &filter).await? {
                data.sums.add(&row);
            }
            Ok(Arc::new(data))
        })
        .await?;
    Ok(data)
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    /// One process may serve several databases (the tests do).
    database: String,
    filter: DashboardFilter,
    /// Cause names are read in the page's language.
    zh: bool,
}

/// What the rollups held for a view at a generation.
static STABLE: GenerationCache<Key, DashboardData> = GenerationCache::new();

fn summed(filter: &DashboardFilter, rows: &[FactRow]) -> Sums {
    let mut sums = Sums::new(filter);
    for row in rows {
        sums.add(row);
    }
    sums
}

/// Every dashboard table for `filter`, with its slug: what the page shows and the exports write.
pub async fn dashboard_tables(
    conn: &mut Conn,
    filter: &DashboardFilter,
    lang: Lang,
) -> AppResult<Vec<(&'static str, Table)>> {
    let data = dashboard(conn, filter, lang).await?;
    Ok(tables::all(&data, filter, lang))
}

/// Records the minutes a first response or a resolution took on the business calendar, where the ticket's SLA
/// policy counts business hours (otherwise the facts count wall-clock minutes themselves). Called by
/// `tickets::apply` when a change is the first response or closes the ticket.
pub async fn measure(
    conn: &mut Conn,
    ticket: &Ticket,
    responded_at: Option<DateTime<Utc>>,
    closed: bool,
) -> AppResult<()> {
    let resolved_at = ticket.resolved_at.filter(|_| closed);
    if responded_at.is_none() && resolved_at.is_none() {
        return Ok(());
    }
    let targets = crate::store::sla::targets(conn, ticket.ticket_type, ticket.urgency).await?;
    if !targets.business_hours {
        return Ok(());
    }
    let calendar = crate::store::sla::calendar(conn).await?;
    let clock = Clock::BusinessHours(&calendar);
    let minutes = |at: DateTime<Utc>| i32::try_from(clock.between(ticket.created_at, at).num_minutes()).ok();
    store::record_minutes(conn, ticket.id.0, responded_at.and_then(minutes), resolved_at.and_then(minutes)).await?;
    Ok(())
}

/// Folds waiting deltas into the rollups (the recurring job); how many it moved.
pub async fn fold(conn: &mut Conn) -> AppResult<i32> {
    Ok(store::fold(conn, FOLD_BATCH).await?)
}

/// Recomputes every fact and rollup from the tickets in one set-based pass.
pub async fn rebuild(conn: &mut Conn) -> AppResult<()> {
    Ok(store::rebuild(conn).await?)
}
