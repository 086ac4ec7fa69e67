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
use cache::{Turns, VersionCache};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Deltas one fold moves at most: one run stays short; the job runs again at once when there are more.
pub const FOLD_BATCH: i32 = 20_000;

/// Where a view's figures stand: the rollups' generation (bumped by every fold and rebuild) and how many deltas wait
/// to be folded at it. At one generation waiting deltas are only ever added (only a fold or a rebuild takes them,
/// and either starts the next generation), so two reads with the same version see the same changes, and a greater
/// version is a later state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub generation: i64,
    pub waiting: i64,
}

/// What the dashboard shows for one filter: the summed rows and the names they mention.
#[derive(Debug, Clone)]
pub struct DashboardData {
    /// The database and the version these figures are exactly: what the page caches its rendering under.
    pub stamp: (String, Version),
    pub sums: Sums,
    pub names: Names,
}

/// The names a dashboard shows beside its figures: staff by id, cause categories by code, the product lines.
#[derive(Debug, Clone)]
pub struct Names {
    pub staff: Vec<(String, String)>,
    pub causes: Vec<(String, String)>,
    pub product_lines: Vec<String>,
}

/// The figures for `filter`, never stale: what the rollups held at their last fold plus the deltas waiting to be
/// folded, read in one snapshot taken after the request came, and kept under that version for the requests that
/// follow. What the rollups gave is also kept by generation; after later folds it is brought forward with the
/// deltas they moved (kept for a while for this), so a view sums the period's rollup rows only the first time, or
/// after a long while unread. Two or more filters at once have no rollup slice; they are summed from the per-ticket
/// facts instead (cost grows with the tickets they match).
pub async fn dashboard(conn: &mut Conn, filter: &DashboardFilter, lang: Lang) -> AppResult<Arc<DashboardData>> {
    // The common case first, in one statement: nothing changed since this view was last read.
    let state = store::state(conn).await?;
    let key = Key { database: state.database.clone(), filter: filter.clone(), zh: lang == Lang::ZhCn };
    let asked = version(&state);
    if let Some(hit) = as_fresh(&key, asked) {
        return Ok(hit);
    }
    // One request sums a view while the others asking for it wait: right after a fold every open dashboard asks at
    // once, and while tickets are filed every request sees a new version. The turn starts a new snapshot, at
    // least as recent as any waiter's, so one sum answers everyone who waited for it.
    let turn = TURNS.gate(&key);
    let _turn = turn.lock().await;
    if let Some(hit) = as_fresh(&key, asked) {
        return Ok(hit);
    }
    let data = conn
        .build_transaction()
        .read_only()
        .repeatable_read()
        .run(async |conn| -> AppResult<Arc<DashboardData>> {
            let state = store::state(conn).await?;
            let shown = match folded_figures(conn, &key, &state).await? {
                Some(folded) => with_waiting(conn, &key, &state, &folded).await?,
                None => summed_again(conn, &key, &state).await?,
            };
            SHOWN.put(key.clone(), version(&state), shown.clone());
            Ok(shown)
        })
        .await?;
    Ok(data)
}

/// What the view showed at `asked` or at a later version. A later one is the figures of a moment after this
/// request read `asked`: as fresh for it as its own read.
fn as_fresh(key: &Key, asked: Version) -> Option<Arc<DashboardData>> {
    SHOWN.latest(key).filter(|(shown, _)| *shown >= asked).map(|(_, data)| data)
}

fn version(state: &store::State) -> Version {
    Version { generation: state.generation, waiting: state.waiting }
}

fn stamp(state: &store::State) -> (String, Version) {
    (state.database.clone(), version(state))
}

/// The stamp of figures read from the rollups alone: the snapshot's generation, no waiting delta in them.
fn folded_stamp(state: &store::State) -> (String, Version) {
    (state.database.clone(), Version { generation: state.generation, waiting: 0 })
}

/// The view's figures as the rollups hold them at the snapshot's generation (no waiting delta in them), from the
/// cache: as kept, or brought forward from an older generation whose later folds' deltas are still kept. `None`
/// when they must be summed again.
async fn folded_figures(conn: &mut Conn, key: &Key, state: &store::State) -> AppResult<Option<Arc<DashboardData>>> {
    let Some((generation, kept)) = STABLE.latest(key) else {
        return Ok(None);
    };
    if generation == state.generation {
        return Ok(Some(kept));
    }
    // Older than what the kept deltas reach, or newer than this snapshot (another request read after a fold).
    if generation < state.kept_since || generation > state.generation {
        return Ok(None);
    }
    let mut data =
        DashboardData { stamp: folded_stamp(state), sums: kept.sums.clone(), names: names(conn, key.zh).await? };
    for row in store::filtered_rows(conn, Source::FoldedAfter(generation), &key.filter).await? {
        data.sums.add(&row);
    }
    let data = Arc::new(data);
    STABLE.put(key.clone(), state.generation, data.clone());
    Ok(Some(data))
}

/// The folded figures with the waiting deltas added.
async fn with_waiting(
    conn: &mut Conn,
    key: &Key,
    state: &store::State,
    folded: &Arc<DashboardData>,
) -> AppResult<Arc<DashboardData>> {
    if state.waiting == 0 {
        return Ok(folded.clone());
    }
    let mut data = DashboardData { stamp: stamp(state), ..(**folded).clone() };
    for row in store::filtered_rows(conn, Source::Waiting, &key.filter).await? {
        data.sums.add(&row);
    }
    Ok(Arc::new(data))
}

/// A view summed from scratch: from its rollup slice (plus the waiting deltas), or from the per-ticket facts (which
/// hold the waiting changes already).
async fn summed_again(conn: &mut Conn, key: &Key, state: &store::State) -> AppResult<Arc<DashboardData>> {
    let slice = key.filter.slice();
    let rows = match &slice {
        Some(slice) => store::rollup_rows(conn, slice, &key.filter).await?,
        None => store::filtered_rows(conn, Source::Facts, &key.filter).await?,
    };
    let sums = summed(&key.filter, &rows);
    let names = names(conn, key.zh).await?;
    if slice.is_none() {
        let data = Arc::new(DashboardData { stamp: stamp(state), sums, names });
        if state.waiting == 0 {
            STABLE.put(key.clone(), state.generation, data.clone());
        }
        return Ok(data);
    }
    let folded = Arc::new(DashboardData { stamp: folded_stamp(state), sums, names });
    STABLE.put(key.clone(), state.generation, folded.clone());
    with_waiting(conn, key, state, &folded).await
}

/// The names, read again with the figures: staff and the catalogue change too.
async fn names(conn: &mut Conn, zh: bool) -> AppResult<Names> {
    Ok(Names {
        staff: store::staff(conn).await?,
        causes: store::cause_names(conn, zh).await?,
        product_lines: store::product_lines(conn).await?,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    /// One process may serve several databases (the tests do).
    database: String,
    filter: DashboardFilter,
    /// Cause names are read in the page's language.
    zh: bool,
}

/// What a view showed at a version.
static SHOWN: VersionCache<Key, DashboardData, Version> = VersionCache::new();
/// What the rollups held for a view at a generation: the base a later generation's figures are brought forward from.
static STABLE: VersionCache<Key, DashboardData> = VersionCache::new();
/// Who sums a view that is not kept for the current version.
static TURNS: Turns<Key> = Turns::new();

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
