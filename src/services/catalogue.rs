//! Catalogue use cases: the products supervisors keep and the warranty state a
//! ticket shows; the keyword rules and the type/urgency they suggest at filing.

use super::SessionUser;
use crate::domain::ids::{KeywordRuleId, ProductId};
use crate::domain::keywords::{self, RuleDraft, Suggestion};
use crate::domain::product::{DUPLICATE_MODEL, ProductDraft, lookup_key};
use crate::domain::validate::FieldErrors;
use crate::domain::warranty::{self, Warranty};
use crate::error::{AppError, AppResult};
use crate::store::Conn;
use crate::store::keyword_rules::{self, KeywordRule};
use crate::store::products::{self, Product};
use crate::store::tickets::Ticket;
use chrono::{NaiveDate, Utc};
use diesel::result::{DatabaseErrorKind, Error as DbError};

/// The most text a suggestion reads: the form allows 120 + 5000 characters,
/// and a request should not make the server lower-case a novel.
const SUGGEST_MAX_CHARS: usize = 6000;

/// The warranty state of `ticket` on `today` (one index probe for its model).
pub async fn warranty(conn: &mut Conn, ticket: &Ticket, today: NaiveDate) -> AppResult<Warranty> {
    let product = products::find_by_model(conn, lookup_key(&ticket.product_model)).await?;
    let months = product.map(|p| u32::try_from(p.warranty_months).unwrap_or(0));
    Ok(warranty::warranty(ticket.purchase_date, months, today))
}

fn supervisor_only(by: &SessionUser) -> AppResult<()> {
    if by.is_supervisor() { Ok(()) } else { Err(AppError::Forbidden) }
}

/// A taken model code is a message beside the field, also when two
/// supervisors add the same model at once (the unique index decides).
fn duplicate_model(e: DbError) -> AppError {
    match e {
        DbError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            let mut errors = FieldErrors::default();
            errors.add("model_code", DUPLICATE_MODEL);
            AppError::Invalid(errors)
        }
        other => AppError::from(other),
    }
}

pub async fn add_product(conn: &mut Conn, by: &SessionUser, draft: &ProductDraft) -> AppResult<Product> {
    supervisor_only(by)?;
    products::insert(conn, draft, by.id, Utc::now()).await.map_err(duplicate_model)
}

pub async fn update_product(
    conn: &mut Conn,
    by: &SessionUser,
    id: ProductId,
    draft: &ProductDraft,
) -> AppResult<Product> {
    supervisor_only(by)?;
    products::update(conn, id, draft, by.id, Utc::now()).await.map_err(duplicate_model)?.ok_or(AppError::NotFound)
}

pub async fn add_rule(conn: &mut Conn, by: &SessionUser, draft: &RuleDraft) -> AppResult<KeywordRule> {
    supervisor_only(by)?;
    Ok(keyword_rules::insert(conn, draft, by.id, Utc::now()).await?)
}

pub async fn update_rule(
    conn: &mut Conn,
    by: &SessionUser,
    id: KeywordRuleId,
    draft: &RuleDraft,
) -> AppResult<KeywordRule> {
    supervisor_only(by)?;
    keyword_rules::update(conn, id, draft, by.id, Utc::now()).await?.ok_or(AppError::NotFound)
}

pub async fn delete_rule(conn: &mut Conn, by: &SessionUser, id: KeywordRuleId) -> AppResult<()> {
    supervisor_only(by)?;
    if keyword_rules::delete(conn, id).await? { Ok(()) } else { Err(AppError::NotFound) }
}

/// What the keyword rules suggest for a ticket being filed. The rules are
/// loaded for each request (hundreds at most, one small sequential read).
pub async fn suggest(conn: &mut Conn, title: &str, description: &str) -> AppResult<Option<Suggestion>> {
    let clip = |s: &str| s.chars().take(SUGGEST_MAX_CHARS).collect::<String>();
    let (title, description) = (clip(title), clip(description));
    if title.trim().is_empty() && description.trim().is_empty() {
        return Ok(None);
    }
    let rules: Vec<_> = keyword_rules::list(conn).await?.iter().map(KeywordRule::rule).collect();
    Ok(keywords::suggest(&rules, &title, &description))
}
