//! Cause categories (问题原因) that a resolution is filed under.

use super::Conn;
use crate::db::schema::cause_categories as cc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cc, check_for_backend(diesel::pg::Pg))]
pub struct Cause {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub builtin: bool,
}

impl Cause {
    pub fn name(&self, lang: crate::i18n::Lang) -> &str {
        match lang {
            crate::i18n::Lang::ZhCn => &self.name_zh,
            crate::i18n::Lang::En => &self.name_en,
        }
    }
}

/// Built-in categories first, then the added ones in the order they were added.
pub async fn list(conn: &mut Conn) -> QueryResult<Vec<Cause>> {
    cc::table.order((cc::builtin.desc(), cc::created_at, cc::code)).select(Cause::as_select()).load(conn).await
}

pub async fn exists(conn: &mut Conn, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(cc::table.find(code))).get_result(conn).await
}

/// Adds a category; false if the code is taken.
pub async fn insert(conn: &mut Conn, code: &str, name_zh: &str, name_en: &str) -> QueryResult<bool> {
    let inserted = diesel::insert_into(cc::table)
        .values((cc::code.eq(code), cc::name_zh.eq(name_zh), cc::name_en.eq(name_en)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

// Supervisors' page (/settings/causes): find, add, rename and remove added categories.

/// Which field a unique index of the table guards.
const UNIQUE: &[(&str, &str)] = &[
    ("cause_categories_pkey", "code"),
    ("cause_categories_name_zh_key", "name_zh"),
    ("cause_categories_name_en_key", "name_en"),
];

pub async fn find(conn: &mut Conn, code: &str) -> QueryResult<Option<Cause>> {
    cc::table.find(code).select(Cause::as_select()).first(conn).await.optional()
}

/// Adds a category, unless its code or a name is taken (the field says which).
pub async fn add(
    conn: &mut Conn,
    draft: &crate::domain::cause::CauseDraft,
) -> QueryResult<Result<(), super::unique::Duplicate>> {
    let result = diesel::insert_into(cc::table)
        .values((cc::code.eq(&draft.code), cc::name_zh.eq(&draft.name_zh), cc::name_en.eq(&draft.name_en)))
        .execute(conn)
        .await
        .map(|_| ());
    super::unique::to_duplicate(result, UNIQUE)
}

/// Renames an added category; Ok(false) if there is no such added one (built-ins keep their names).
pub async fn rename(
    conn: &mut Conn,
    code: &str,
    name_zh: &str,
    name_en: &str,
) -> QueryResult<Result<bool, super::unique::Duplicate>> {
    let result = diesel::update(cc::table.find(code).filter(cc::builtin.eq(false)))
        .set((cc::name_zh.eq(name_zh), cc::name_en.eq(name_en)))
        .execute(conn)
        .await
        .map(|n| n == 1);
    super::unique::to_duplicate(result, UNIQUE)
}

/// What became of a request to remove a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Removed,
    NotFound,
    /// The seven built-in categories stay.
    Builtin,
    /// Tickets were resolved under it; reports still count them.
    InUse,
}

/// Removes an added category that no ticket uses. The foreign key from
/// tickets decides "in use", so a ticket resolved under it at the same moment
/// cannot be left pointing nowhere.
pub async fn remove(conn: &mut Conn, code: &str) -> QueryResult<Removal> {
    let Some(cause) = find(conn, code).await? else {
        return Ok(Removal::NotFound);
    };
    if cause.builtin {
        return Ok(Removal::Builtin);
    }
    let deleted = diesel::delete(cc::table.find(code).filter(cc::builtin.eq(false))).execute(conn).await;
    match deleted {
        Ok(1) => Ok(Removal::Removed),
        Ok(_) => Ok(Removal::NotFound),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::ForeignKeyViolation, _)) => {
            Ok(Removal::InUse)
        }
        Err(e) => Err(e),
    }
}
