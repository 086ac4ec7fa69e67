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
