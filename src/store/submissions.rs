//! One-time submission keys (see `web::submission`): the first request with a key claims it, then records its
//! result; a repeat finds the claim and answers with that result.

use super::Conn;
use crate::domain::UserId;
use diesel::sql_types::{BigInt, Nullable, SmallInt, Text};
use diesel_async::RunQueryDsl;

/// A claimed key: whose it is, which route it was sent to, and its result once there is one.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct Claim {
    #[diesel(sql_type = Nullable<BigInt>)]
    pub user_id: Option<i64>,
    #[diesel(sql_type = Text)]
    pub route: String,
    #[diesel(sql_type = Nullable<SmallInt>)]
    pub status: Option<i16>,
    #[diesel(sql_type = Nullable<Text>)]
    pub location: Option<String>,
}

/// Claims `key`; false when it is already claimed (by this request's twin, or long ago).
pub async fn claim(conn: &mut Conn, key: &str, user: Option<UserId>, route: &str) -> diesel::QueryResult<bool> {
    let inserted = diesel::sql_query(
        "INSERT INTO submissions (key, user_id, route) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
    )
    .bind::<Text, _>(key)
    .bind::<Nullable<BigInt>, _>(user.map(|u| u.0))
    .bind::<Text, _>(route)
    .execute(conn)
    .await?;
    Ok(inserted == 1)
}

/// The claim on `key`, if there is one.
pub async fn find(conn: &mut Conn, key: &str) -> diesel::QueryResult<Option<Claim>> {
    use diesel::OptionalExtension;
    diesel::sql_query("SELECT user_id, route, status, location FROM submissions WHERE key = $1")
        .bind::<Text, _>(key)
        .get_result(conn)
        .await
        .optional()
}

/// The first request's result, for its repeats.
pub async fn finish(conn: &mut Conn, key: &str, status: u16, location: Option<&str>) -> diesel::QueryResult<()> {
    diesel::sql_query("UPDATE submissions SET status = $2, location = $3 WHERE key = $1")
        .bind::<Text, _>(key)
        .bind::<SmallInt, _>(status as i16)
        .bind::<Nullable<Text>, _>(location)
        .execute(conn)
        .await
        .map(drop)
}

/// The first request did nothing (refused, bad input): the key is free again, so the corrected form can be sent.
pub async fn release(conn: &mut Conn, key: &str) -> diesel::QueryResult<()> {
    diesel::sql_query("DELETE FROM submissions WHERE key = $1 AND status IS NULL")
        .bind::<Text, _>(key)
        .execute(conn)
        .await
        .map(drop)
}
