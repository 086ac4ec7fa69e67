//! Browsers an account signed in from, by the SHA-256 of the token in their cookie.

use super::Conn;
use crate::domain::UserId;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;

/// Whether `token_hash` is a known device of `user`.
pub async fn is_known(conn: &mut Conn, token_hash: &str, user: UserId) -> diesel::QueryResult<bool> {
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        known: bool,
    }
    let found: Found = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM known_devices WHERE token_hash = $1 AND user_id = $2) AS known",
    )
    .bind::<Text, _>(token_hash)
    .bind::<BigInt, _>(user.0)
    .get_result(conn)
    .await?;
    Ok(found.known)
}

/// Remembers the device for `user` (if it was already known, its last use is now).
pub async fn remember(conn: &mut Conn, token_hash: &str, user: UserId) -> diesel::QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO known_devices (token_hash, user_id) VALUES ($1, $2) \
         ON CONFLICT (token_hash, user_id) DO UPDATE SET last_seen_at = now()",
    )
    .bind::<Text, _>(token_hash)
    .bind::<BigInt, _>(user.0)
    .execute(conn)
    .await
    .map(drop)
}
