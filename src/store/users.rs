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

/// How a person is reached outside the app, and what they asked for.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct Contact {
    pub id: UserId,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The language of their messages, `zh-CN` or `en`.
    pub language: String,
    pub email_notifications: bool,
}

/// The contacts of these people (one query).
pub async fn contacts(conn: &mut Conn, ids: &[UserId]) -> QueryResult<Vec<Contact>> {
    users::table.filter(users::id.eq_any(ids)).order(users::id).select(Contact::as_select()).load(conn).await
}

pub async fn contact(conn: &mut Conn, id: UserId) -> QueryResult<Contact> {
    users::table.find(id).select(Contact::as_select()).first(conn).await
}

/// A person's own choices: email or not, and the language of their messages.
pub async fn set_preferences(conn: &mut Conn, id: UserId, email: bool, language: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((users::email_notifications.eq(email), users::language.eq(language)))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn set_language(conn: &mut Conn, id: UserId, language: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id)).set(users::language.eq(language)).execute(conn).await.map(drop)
}
