//! Failed sign-ins, for the limiter (`domain::sign_in`): per address, per account from unknown browsers, per known
//! device.

use super::Conn;
use crate::db::schema::login_failures as lf;
use crate::domain::sign_in::{Attempt, Failures};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;

/// `device`: the known device's token hash when the failure came from one the limiter still trusts.
pub async fn record(conn: &mut Conn, account: &str, address: &str, device: Option<&str>) -> QueryResult<()> {
    diesel::insert_into(lf::table)
        .values((lf::account.eq(account), lf::address.eq(address), lf::device.eq(device)))
        .execute(conn)
        .await
        .map(drop)
}

#[derive(QueryableByName)]
struct Counts {
    #[diesel(sql_type = BigInt)]
    address_count: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    address_last: Option<DateTime<Utc>>,
    #[diesel(sql_type = BigInt)]
    account_count: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    account_last: Option<DateTime<Utc>>,
    #[diesel(sql_type = BigInt)]
    device_count: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    device_last: Option<DateTime<Utc>>,
}

/// The failures since `since` that bear on an attempt, in one round trip (each branch walks its own index).
/// `device`: the token hash of the browser when it is a known device of the account.
pub async fn attempt(
    conn: &mut Conn,
    account: &str,
    address: &str,
    device: Option<&str>,
    since: DateTime<Utc>,
) -> QueryResult<Attempt> {
    let counts: Counts = diesel::sql_query(
        "SELECT count(*) FILTER (WHERE address = $2) AS address_count, \
                max(failed_at) FILTER (WHERE address = $2) AS address_last, \
                count(*) FILTER (WHERE account = $1 AND device IS NULL) AS account_count, \
                max(failed_at) FILTER (WHERE account = $1 AND device IS NULL) AS account_last, \
                count(*) FILTER (WHERE device = $3) AS device_count, \
                max(failed_at) FILTER (WHERE device = $3) AS device_last \
         FROM login_failures WHERE failed_at > $4 AND (address = $2 OR account = $1 OR device = $3)",
    )
    .bind::<Text, _>(account)
    .bind::<Text, _>(address)
    .bind::<Nullable<Text>, _>(device)
    .bind::<Timestamptz, _>(since)
    .get_result(conn)
    .await?;
    Ok(Attempt {
        address: Failures { count: counts.address_count, last: counts.address_last },
        account: Failures { count: counts.account_count, last: counts.account_last },
        device: device.map(|_| Failures { count: counts.device_count, last: counts.device_last }),
    })
}

/// A successful sign-in forgives the account's earlier failures.
pub async fn clear_account(conn: &mut Conn, account: &str) -> QueryResult<()> {
    diesel::delete(lf::table.filter(lf::account.eq(account))).execute(conn).await.map(drop)
}
