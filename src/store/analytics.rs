//! Analytics rows (see the analytics migration): counting a ticket's change, folding deltas into the rollups, the
//! full rebuild, and the reads of the dashboard.

use super::Conn;
use crate::domain::analytics::{DashboardFilter, FactRow};
use chrono::NaiveDate;
use diesel::QueryResult;
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Date, Integer, Nullable, Text};
use diesel_async::RunQueryDsl;

/// Keeps minutes measured on the business calendar for a ticket (a `None` leaves what was kept).
pub async fn record_minutes(
    conn: &mut Conn,
    ticket: i64,
    response: Option<i32>,
    resolution: Option<i32>,
) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO analytics_minutes (ticket_id, response_minutes, resolution_minutes) VALUES ($1, $2, $3)
         ON CONFLICT (ticket_id) DO UPDATE SET
             response_minutes = coalesce(excluded.response_minutes, analytics_minutes.response_minutes),
             resolution_minutes = coalesce(excluded.resolution_minutes, analytics_minutes.resolution_minutes)",
    )
    .bind::<BigInt, _>(ticket)
    .bind::<Nullable<Integer>, _>(response)
    .bind::<Nullable<Integer>, _>(resolution)
    .execute(conn)
    .await
    .map(drop)
}

#[derive(QueryableByName)]
struct Folded {
    #[diesel(sql_type = Integer)]
    folded: i32,
}

/// Moves up to `limit` deltas into the rollups; how many it moved.
pub async fn fold(conn: &mut Conn, limit: i32) -> QueryResult<i32> {
    let row: Folded =
        diesel::sql_query("SELECT analytics_fold($1) AS folded").bind::<Integer, _>(limit).get_result(conn).await?;
    Ok(row.folded)
}

/// Recomputes every fact and rollup from the tickets.
pub async fn rebuild(conn: &mut Conn) -> QueryResult<()> {
    diesel::sql_query("SELECT analytics_rebuild()").execute(conn).await.map(drop)
}

/// Where the rollups stand.
#[derive(Debug, Clone, QueryableByName)]
pub struct State {
    #[diesel(sql_type = Text)]
    pub database: String,
    /// Bumped by every fold and rebuild.
    #[diesel(sql_type = BigInt)]
    pub generation: i64,
    /// Figures read at this generation or later can be brought forward with the kept folded deltas.
    #[diesel(sql_type = BigInt)]
    pub kept_since: i64,
    /// Deltas waiting to be folded.
    #[diesel(sql_type = BigInt)]
    pub waiting: i64,
}

pub async fn state(conn: &mut Conn) -> QueryResult<State> {
    diesel::sql_query(
        "SELECT current_database()::text AS database, generation, kept_since,
                (SELECT count(*) FROM analytics_deltas WHERE folded_in IS NULL) AS waiting
           FROM analytics_state",
    )
    .get_result(conn)
    .await
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    agent: i64,
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = Text)]
    measure: String,
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

impl From<Row> for FactRow {
    fn from(r: Row) -> Self {
        FactRow { agent: r.agent, day: r.day, measure: r.measure, key: r.key, n: r.n, total: r.total }
    }
}

/// The rollup rows of one slice over the period (and its backlog rows over all days), with the agent table's
/// rows: the slice's own, or with an agent filter that agent's unfiltered row.
pub async fn rollup_rows(conn: &mut Conn, slice: &str, filter: &DashboardFilter) -> QueryResult<Vec<FactRow>> {
    let agent = filter.agent.filter(|_| slice.starts_with("a:")).unwrap_or(0);
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT agent_id AS agent, day, measure, key, n, total FROM analytics_rollup
          WHERE slice = $1 AND day BETWEEN $2 AND $3 AND measure <> 'open' AND ($4 = 0 OR agent_id = 0)
         UNION ALL
         SELECT agent_id, day, measure, key, n, total FROM analytics_rollup
          WHERE slice = $1 AND measure = 'open' AND ($4 = 0 OR agent_id = 0)
         UNION ALL
         SELECT agent_id, day, measure, key, n, total FROM analytics_rollup
          WHERE $4 <> 0 AND slice = '' AND day BETWEEN $2 AND $3 AND agent_id = $4 AND measure <> 'open'
         UNION ALL
         SELECT agent_id, day, measure, key, n, total FROM analytics_rollup
          WHERE $4 <> 0 AND slice = '' AND measure = 'open' AND agent_id = $4",
    )
    .bind::<Text, _>(slice)
    .bind::<Date, _>(filter.from)
    .bind::<Date, _>(filter.to)
    .bind::<BigInt, _>(agent)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(FactRow::from).collect())
}

/// Where fact-shaped rows are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The deltas not folded yet.
    Waiting,
    /// The deltas the folds after this generation moved (kept for a while after folding).
    FoldedAfter(i64),
    /// Every ticket's facts.
    Facts,
}

/// Fact-shaped rows that match the filter, summed: everyone's (agent 0) and the agent table's.
pub async fn filtered_rows(conn: &mut Conn, source: Source, filter: &DashboardFilter) -> QueryResult<Vec<FactRow>> {
    let (table, which) = match source {
        Source::Waiting => ("analytics_deltas", "folded_in IS NULL".to_owned()),
        // A number, not user input: written into the text so the planner sees it against the partial index.
        Source::FoldedAfter(generation) => ("analytics_deltas", format!("folded_in > {generation}")),
        Source::Facts => ("analytics_facts", "TRUE".to_owned()),
    };
    let sql = format!(
        "WITH matching AS (
            SELECT measure, day, key, n, total, agent_id FROM {table}
             WHERE {which} AND (day BETWEEN $1 AND $2 OR measure = 'open')
               AND ($3::text IS NULL OR ticket_type = $3) AND ($4::text IS NULL OR product_line = $4)
               AND ($5::text IS NULL OR channel = $5) AND ($6::bigint IS NULL OR agent_id = $6)
               AND ($7::text IS NULL OR region = $7))
         SELECT 0::bigint AS agent, day, measure, key, sum(n)::bigint AS n, sum(total)::bigint AS total
           FROM matching GROUP BY day, measure, key
         UNION ALL
         SELECT agent_id, day, measure, CASE WHEN measure IN ('closed', 'sla') THEN key ELSE '' END,
                sum(n)::bigint, sum(total)::bigint
           FROM matching
          WHERE agent_id IS NOT NULL AND measure IN ('open', 'response', 'resolution', 'closed', 'csat', 'sla')
          GROUP BY 1, 2, 3, 4"
    );
    let rows: Vec<Row> = diesel::sql_query(sql)
        .bind::<Date, _>(filter.from)
        .bind::<Date, _>(filter.to)
        .bind::<Nullable<Text>, _>(filter.ticket_type.map(|t| t.code()))
        .bind::<Nullable<Text>, _>(filter.product_line.as_deref())
        .bind::<Nullable<Text>, _>(filter.channel.map(|c| c.code()))
        .bind::<Nullable<BigInt>, _>(filter.agent)
        .bind::<Nullable<Text>, _>(filter.region.as_deref())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(FactRow::from).collect())
}

#[derive(QueryableByName)]
struct Named {
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Text)]
    name: String,
}

/// Names of staff by id (the agent table), as (id text, name).
pub async fn staff_names(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<(String, String)>> {
    let rows: Vec<Named> = diesel::sql_query("SELECT id::text AS code, name FROM users WHERE id = ANY($1)")
        .bind::<Array<BigInt>, _>(ids)
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|r| (r.code, r.name)).collect())
}

/// Every staff member (the agent filter's choices), by name.
pub async fn staff(conn: &mut Conn) -> QueryResult<Vec<(String, String)>> {
    let rows: Vec<Named> = diesel::sql_query(
        "SELECT id::text AS code, name FROM users WHERE role IN ('agent', 'supervisor') ORDER BY name, id",
    )
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.code, r.name)).collect())
}

/// The product lines of the catalogue (the filter's choices).
pub async fn product_lines(conn: &mut Conn) -> QueryResult<Vec<String>> {
    let rows: Vec<Named> = diesel::sql_query(
        "SELECT DISTINCT product_line AS code, product_line AS name FROM products
          WHERE product_line IS NOT NULL ORDER BY 1",
    )
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.code).collect())
}

/// Cause categories as (code, name in the language: `zh` or `en`).
pub async fn cause_names(conn: &mut Conn, zh: bool) -> QueryResult<Vec<(String, String)>> {
    let column = if zh { "name_zh" } else { "name_en" };
    let rows: Vec<Named> =
        diesel::sql_query(format!("SELECT code, {column} AS name FROM cause_categories")).load(conn).await?;
    Ok(rows.into_iter().map(|r| (r.code, r.name)).collect())
}
