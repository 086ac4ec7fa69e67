//! Ticket templates that pre-fill the customer's new-ticket form.

use super::Conn;
use super::unique::{Duplicate, to_duplicate};
use crate::db::schema::ticket_templates as tt;
use crate::domain::ids::TicketTemplateId;
use crate::domain::ticket_template::TemplateDraft;
use crate::domain::{DesiredOutcome, TicketType, Urgency};
use crate::i18n::Lang;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

/// Which field a unique index guards.
const UNIQUE: &[(&str, &str)] =
    &[("ticket_templates_name_zh_key", "name_zh"), ("ticket_templates_name_en_key", "name_en")];

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tt, check_for_backend(diesel::pg::Pg))]
pub struct TicketTemplate {
    pub id: TicketTemplateId,
    pub name_zh: String,
    pub name_en: String,
    pub ticket_type: TicketType,
    pub urgency: Urgency,
    pub desired_outcome: Option<DesiredOutcome>,
    pub title_zh: String,
    pub title_en: String,
    pub description_zh: String,
    pub description_en: String,
}

impl TicketTemplate {
    pub fn draft(&self) -> TemplateDraft {
        TemplateDraft {
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            ticket_type: self.ticket_type,
            urgency: self.urgency,
            desired_outcome: self.desired_outcome,
            title_zh: self.title_zh.clone(),
            title_en: self.title_en.clone(),
            description_zh: self.description_zh.clone(),
            description_en: self.description_en.clone(),
        }
    }
}

/// A template as the customer's picker lists it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tt, check_for_backend(diesel::pg::Pg))]
pub struct TemplateChoice {
    pub id: TicketTemplateId,
    pub name_zh: String,
    pub name_en: String,
    pub ticket_type: TicketType,
}

impl TemplateChoice {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::ZhCn => &self.name_zh,
            Lang::En => &self.name_en,
        }
    }
}

/// Every template, grouped by ticket type (a handful per type; no paging needed).
pub async fn list(conn: &mut Conn) -> QueryResult<Vec<TicketTemplate>> {
    tt::table.order((tt::ticket_type, tt::name_zh)).select(TicketTemplate::as_select()).load(conn).await
}

/// The picker's options, without the texts.
pub async fn choices(conn: &mut Conn) -> QueryResult<Vec<TemplateChoice>> {
    tt::table.order((tt::ticket_type, tt::name_zh)).select(TemplateChoice::as_select()).load(conn).await
}

pub async fn find(conn: &mut Conn, id: TicketTemplateId) -> QueryResult<Option<TicketTemplate>> {
    tt::table.find(id).select(TicketTemplate::as_select()).first(conn).await.optional()
}

/// Stores a new template, unless its name is taken.
pub async fn insert(conn: &mut Conn, d: &TemplateDraft) -> QueryResult<Result<TicketTemplateId, Duplicate>> {
    let result = diesel::insert_into(tt::table)
        .values((
            tt::name_zh.eq(&d.name_zh),
            tt::name_en.eq(&d.name_en),
            tt::ticket_type.eq(d.ticket_type),
            tt::urgency.eq(d.urgency),
            tt::desired_outcome.eq(d.desired_outcome),
            tt::title_zh.eq(&d.title_zh),
            tt::title_en.eq(&d.title_en),
            tt::description_zh.eq(&d.description_zh),
            tt::description_en.eq(&d.description_en),
        ))
        .returning(tt::id)
        .get_result(conn)
        .await;
    to_duplicate(result, UNIQUE)
}

/// Replaces a template's content; Ok(false) if there is no such template.
pub async fn update(conn: &mut Conn, id: TicketTemplateId, d: &TemplateDraft) -> QueryResult<Result<bool, Duplicate>> {
    let result = diesel::update(tt::table.find(id))
        .set((
            tt::name_zh.eq(&d.name_zh),
            tt::name_en.eq(&d.name_en),
            tt::ticket_type.eq(d.ticket_type),
            tt::urgency.eq(d.urgency),
            tt::desired_outcome.eq(d.desired_outcome),
            tt::title_zh.eq(&d.title_zh),
            tt::title_en.eq(&d.title_en),
            tt::description_zh.eq(&d.description_zh),
            tt::description_en.eq(&d.description_en),
            tt::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(|n| n == 1);
    to_duplicate(result, UNIQUE)
}

/// Removes a template; false if there was none. Tickets filed with it keep their text.
pub async fn delete(conn: &mut Conn, id: TicketTemplateId) -> QueryResult<bool> {
    diesel::delete(tt::table.find(id)).execute(conn).await.map(|n| n == 1)
}
