//! Accounts: customers and staff.

use super::Conn;
use crate::db::schema::users;
use crate::domain::{Role, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: UserId,
    pub role: Role,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub password_hash: Option<String>,
    pub region: Option<String>,
    pub skills: Vec<String>,
    pub available: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub role: Role,
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub company: Option<&'a str>,
    pub password_hash: Option<&'a str>,
    pub region: Option<&'a str>,
    pub skills: &'a [String],
}

pub async fn insert(conn: &mut Conn, new: &NewUser<'_>) -> QueryResult<User> {
    diesel::insert_into(users::table).values(new).returning(User::as_returning()).get_result(conn).await
}

pub async fn find(conn: &mut Conn, id: UserId) -> QueryResult<User> {
    users::table.find(id).select(User::as_select()).first(conn).await
}

/// The account with this (normalised) email or phone, if any.
pub async fn find_by_login(conn: &mut Conn, login: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(login).or(users::phone.eq(login)))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// Staff ordered by role then name, for the staff page.
pub async fn list_staff(conn: &mut Conn) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::role.ne(Role::Customer))
        .order((users::role.desc(), users::name))
        .select(User::as_select())
        .load(conn)
        .await
}

/// The supervisors, who hear of disputes, escalations and breaches.
pub async fn supervisor_ids(conn: &mut Conn) -> QueryResult<Vec<UserId>> {
    users::table.filter(users::role.eq(Role::Supervisor)).order(users::id).select(users::id).load(conn).await
}

/// The names of these people, for pages that show many (one query).
pub async fn names(conn: &mut Conn, ids: &[UserId]) -> QueryResult<Vec<(UserId, String)>> {
    users::table.filter(users::id.eq_any(ids)).select((users::id, users::name)).load(conn).await
}
