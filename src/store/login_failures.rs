//! Failed logins, for rate limiting per account and per address.

use super::Conn;
use crate::db::schema::login_failures as lf;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

pub async fn record(conn: &mut Conn, account: &str, address: &str) -> QueryResult<()> {
    diesel::insert_into(lf::table)
        .values((lf::account.eq(account), lf::address.eq(address)))
        .execute(conn)
        .await
        .map(drop)
}

/// Failures since `since` for the account and for the address.
pub async fn count_since(
    conn: &mut Conn,
    account: &str,
    address: &str,
    since: DateTime<Utc>,
) -> QueryResult<(i64, i64)> {
    let by_account =
        lf::table.filter(lf::account.eq(account)).filter(lf::failed_at.gt(since)).count().get_result(conn).await?;
    let by_address =
        lf::table.filter(lf::address.eq(address)).filter(lf::failed_at.gt(since)).count().get_result(conn).await?;
    Ok((by_account, by_address))
}

/// A successful login forgives the account's earlier failures.
pub async fn clear_account(conn: &mut Conn, account: &str) -> QueryResult<()> {
    diesel::delete(lf::table.filter(lf::account.eq(account))).execute(conn).await.map(drop)
}
