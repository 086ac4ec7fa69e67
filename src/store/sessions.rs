//! Server-side sessions (the cookie names a row here), disabled accounts and what was done to an account.

use super::Conn;
use crate::domain::UserId;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use diesel_async::RunQueryDsl;

pub async fn create(conn: &mut Conn, id: &str, user: UserId) -> diesel::QueryResult<()> {
    diesel::sql_query("INSERT INTO sessions (id, user_id) VALUES ($1, $2)")
        .bind::<Text, _>(id)
        .bind::<BigInt, _>(user.0)
        .execute(conn)
        .await
        .map(drop)
}

/// The account of a live session, as it is now.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct Live {
    #[diesel(sql_type = BigInt)]
    pub user_id: i64,
    #[diesel(sql_type = Text)]
    pub role: String,
    #[diesel(sql_type = Text)]
    pub name: String,
}

/// The session's account if the session is live — not ended, used within `idle_minutes`, begun within `max_days`, its
/// account enabled — and marks it used now; `None` otherwise. One round trip.
pub async fn touch(conn: &mut Conn, id: &str, idle_minutes: i32, max_days: i32) -> diesel::QueryResult<Option<Live>> {
    use diesel::OptionalExtension;
    diesel::sql_query(
        "UPDATE sessions s SET last_seen_at = now() FROM users u \
         WHERE s.id = $1 AND u.id = s.user_id AND s.revoked_at IS NULL AND u.disabled_at IS NULL \
         AND s.last_seen_at > now() - make_interval(mins => $2) AND s.created_at > now() - make_interval(days => $3) \
         RETURNING u.id AS user_id, u.role::text AS role, u.name",
    )
    .bind::<Text, _>(id)
    .bind::<Integer, _>(idle_minutes)
    .bind::<Integer, _>(max_days)
    .get_result(conn)
    .await
    .optional()
}

/// Ends one session (signing out).
pub async fn revoke(conn: &mut Conn, id: &str) -> diesel::QueryResult<()> {
    let sql = "UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL";
    diesel::sql_query(sql).bind::<Text, _>(id).execute(conn).await?;
    Ok(())
}

/// Ends every session of `user`; how many were live.
pub async fn revoke_all(conn: &mut Conn, user: UserId) -> diesel::QueryResult<usize> {
    diesel::sql_query("UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL")
        .bind::<BigInt, _>(user.0)
        .execute(conn)
        .await
}

/// Disables (or enables again) an account; false when it already was.
pub async fn set_disabled(conn: &mut Conn, user: UserId, disabled: bool) -> diesel::QueryResult<bool> {
    let sql = if disabled {
        "UPDATE users SET disabled_at = now() WHERE id = $1 AND disabled_at IS NULL"
    } else {
        "UPDATE users SET disabled_at = NULL WHERE id = $1 AND disabled_at IS NOT NULL"
    };
    Ok(diesel::sql_query(sql).bind::<BigInt, _>(user.0).execute(conn).await? == 1)
}

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The disabled accounts among `ids`.
pub async fn disabled_among(conn: &mut Conn, ids: &[UserId]) -> diesel::QueryResult<Vec<UserId>> {
    let ids: Vec<i64> = ids.iter().map(|u| u.0).collect();
    let rows: Vec<Id> = diesel::sql_query("SELECT id FROM users WHERE id = ANY($1) AND disabled_at IS NOT NULL")
        .bind::<diesel::sql_types::Array<BigInt>, _>(ids)
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|r| UserId(r.id)).collect())
}

/// Kinds of account events.
pub mod kind {
    pub const DISABLED: &str = "account_disabled";
    pub const ENABLED: &str = "account_enabled";
    pub const SIGNED_OUT_EVERYWHERE: &str = "signed_out_everywhere";
}

/// Records what `actor` did to `user`'s account.
pub async fn record(conn: &mut Conn, user: UserId, actor: Option<UserId>, kind: &str) -> diesel::QueryResult<()> {
    diesel::sql_query("INSERT INTO account_events (user_id, actor_id, kind) VALUES ($1, $2, $3)")
        .bind::<BigInt, _>(user.0)
        .bind::<Nullable<BigInt>, _>(actor.map(|a| a.0))
        .bind::<Text, _>(kind)
        .execute(conn)
        .await
        .map(drop)
}
