//! Reply templates (快捷回复) that staff insert into a reply.

use super::Conn;
use super::unique::{Duplicate, to_duplicate};
use crate::db::schema::reply_macros as rm;
use crate::domain::ids::ReplyMacroId;
use crate::domain::macros::MacroDraft;
use crate::i18n::Lang;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

const UNIQUE: &[(&str, &str)] = &[("reply_macros_name_key", "name")];

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rm, check_for_backend(diesel::pg::Pg))]
pub struct ReplyMacro {
    pub id: ReplyMacroId,
    pub name: String,
    pub body_zh: String,
    pub body_en: String,
}

impl ReplyMacro {
    pub fn body(&self, lang: Lang) -> &str {
        match lang {
            Lang::ZhCn => &self.body_zh,
            Lang::En => &self.body_en,
        }
    }

    pub fn draft(&self) -> MacroDraft {
        MacroDraft { name: self.name.clone(), body_zh: self.body_zh.clone(), body_en: self.body_en.clone() }
    }
}

/// A reply template as the ticket page's picker lists it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rm, check_for_backend(diesel::pg::Pg))]
pub struct MacroChoice {
    pub id: ReplyMacroId,
    pub name: String,
}

/// Every reply template by name (tens, not thousands: no paging needed).
pub async fn list(conn: &mut Conn) -> QueryResult<Vec<ReplyMacro>> {
    rm::table.order((rm::name, rm::id)).select(ReplyMacro::as_select()).load(conn).await
}

/// The picker's options, without the texts.
pub async fn choices(conn: &mut Conn) -> QueryResult<Vec<MacroChoice>> {
    rm::table.order((rm::name, rm::id)).select(MacroChoice::as_select()).load(conn).await
}

pub async fn find(conn: &mut Conn, id: ReplyMacroId) -> QueryResult<Option<ReplyMacro>> {
    rm::table.find(id).select(ReplyMacro::as_select()).first(conn).await.optional()
}

/// Stores a new reply template, unless its name is taken.
pub async fn insert(conn: &mut Conn, d: &MacroDraft) -> QueryResult<Result<ReplyMacroId, Duplicate>> {
    let result = diesel::insert_into(rm::table)
        .values((rm::name.eq(&d.name), rm::body_zh.eq(&d.body_zh), rm::body_en.eq(&d.body_en)))
        .returning(rm::id)
        .get_result(conn)
        .await;
    to_duplicate(result, UNIQUE)
}

/// Replaces a reply template; Ok(false) if there is no such template.
pub async fn update(conn: &mut Conn, id: ReplyMacroId, d: &MacroDraft) -> QueryResult<Result<bool, Duplicate>> {
    let result = diesel::update(rm::table.find(id))
        .set((
            rm::name.eq(&d.name),
            rm::body_zh.eq(&d.body_zh),
            rm::body_en.eq(&d.body_en),
            rm::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(|n| n == 1);
    to_duplicate(result, UNIQUE)
}

/// Removes a reply template; false if there was none. Replies sent with it stay as sent.
pub async fn delete(conn: &mut Conn, id: ReplyMacroId) -> QueryResult<bool> {
    diesel::delete(rm::table.find(id)).execute(conn).await.map(|n| n == 1)
}
