//! Keyword rules that suggest a new ticket's type and urgency.

use super::Conn;
use crate::db::schema::keyword_rules as kr;
use crate::domain::ids::KeywordRuleId;
use crate::domain::keywords::{Rule, RuleDraft};
use crate::domain::{TicketType, Urgency, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = kr, check_for_backend(diesel::pg::Pg))]
pub struct KeywordRule {
    pub id: KeywordRuleId,
    pub keywords: Vec<String>,
    pub ticket_type: Option<TicketType>,
    pub urgency: Option<Urgency>,
    pub priority: i32,
}

impl KeywordRule {
    /// The rule as the matcher sees it.
    pub fn rule(&self) -> Rule {
        Rule {
            id: self.id,
            keywords: self.keywords.clone(),
            ticket_type: self.ticket_type,
            urgency: self.urgency,
            priority: self.priority,
        }
    }
}

#[derive(Debug, AsChangeset, Insertable)]
#[diesel(table_name = kr, treat_none_as_null = true)]
struct RuleRow<'a> {
    keywords: &'a [String],
    ticket_type: Option<TicketType>,
    urgency: Option<Urgency>,
    priority: i32,
    updated_by: Option<UserId>,
    updated_at: DateTime<Utc>,
}

impl<'a> RuleRow<'a> {
    fn new(draft: &'a RuleDraft, by: UserId, now: DateTime<Utc>) -> Self {
        RuleRow {
            keywords: &draft.keywords,
            ticket_type: draft.ticket_type,
            urgency: draft.urgency,
            priority: draft.priority,
            updated_by: Some(by),
            updated_at: now,
        }
    }
}

/// Every rule in the order they are tried. Rules are few (hundreds at most),
/// so reading them all for each suggestion is cheaper than any cache's upkeep.
pub async fn list(conn: &mut Conn) -> QueryResult<Vec<KeywordRule>> {
    kr::table.order((kr::priority, kr::id)).select(KeywordRule::as_select()).load(conn).await
}

pub async fn find(conn: &mut Conn, id: KeywordRuleId) -> QueryResult<Option<KeywordRule>> {
    kr::table.find(id).select(KeywordRule::as_select()).first(conn).await.optional()
}

pub async fn insert(conn: &mut Conn, draft: &RuleDraft, by: UserId, now: DateTime<Utc>) -> QueryResult<KeywordRule> {
    diesel::insert_into(kr::table)
        .values(RuleRow::new(draft, by, now))
        .returning(KeywordRule::as_returning())
        .get_result(conn)
        .await
}

/// Changes a rule; None if there is no such rule.
pub async fn update(
    conn: &mut Conn,
    id: KeywordRuleId,
    draft: &RuleDraft,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<Option<KeywordRule>> {
    diesel::update(kr::table.find(id))
        .set(RuleRow::new(draft, by, now))
        .returning(KeywordRule::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Deletes a rule; false if there was none.
pub async fn delete(conn: &mut Conn, id: KeywordRuleId) -> QueryResult<bool> {
    diesel::delete(kr::table.find(id)).execute(conn).await.map(|n| n == 1)
}
