//! The product catalogue: models with their warranty months.

use super::Conn;
use crate::db::schema::products;
use crate::domain::UserId;
use crate::domain::ids::ProductId;
use crate::domain::product::ProductDraft;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;

diesel::define_sql_function! {
    /// PostgreSQL's `lower(text)`: the expression `products_model_key` indexes.
    #[sql_name = "lower"]
    fn lower_text(x: Text) -> Text;
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = products, check_for_backend(diesel::pg::Pg))]
pub struct Product {
    pub id: ProductId,
    pub model_code: String,
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub product_line: Option<String>,
    pub warranty_months: i32,
}

impl Product {
    /// The name in `lang`, else the other one (one name is enough).
    pub fn name(&self, lang: &crate::i18n::Lang) -> &str {
        let (first, second) = match lang {
            crate::i18n::Lang::ZhCn => (&self.name_zh, &self.name_en),
            crate::i18n::Lang::En => (&self.name_en, &self.name_zh),
        };
        first.as_deref().or(second.as_deref()).unwrap_or_default()
    }
}

#[derive(Debug, AsChangeset, Insertable)]
#[diesel(table_name = products, treat_none_as_null = true)]
struct ProductRow<'a> {
    model_code: &'a str,
    name_zh: Option<&'a str>,
    name_en: Option<&'a str>,
    product_line: Option<&'a str>,
    warranty_months: i32,
    updated_by: Option<UserId>,
    updated_at: DateTime<Utc>,
}

impl<'a> ProductRow<'a> {
    fn new(draft: &'a ProductDraft, by: UserId, now: DateTime<Utc>) -> Self {
        ProductRow {
            model_code: &draft.model_code,
            name_zh: draft.name_zh.as_deref(),
            name_en: draft.name_en.as_deref(),
            product_line: draft.product_line.as_deref(),
            // At most 600, as the form and the table's check ensure.
            warranty_months: i32::try_from(draft.warranty_months).unwrap_or(i32::MAX),
            updated_by: Some(by),
            updated_at: now,
        }
    }
}

/// The whole catalogue by model code, along `products_model_key`. Catalogues
/// hold hundreds of models, maybe a few thousand: one page lists them all.
pub async fn list(conn: &mut Conn) -> QueryResult<Vec<Product>> {
    products::table.order(lower_text(products::model_code)).select(Product::as_select()).load(conn).await
}

pub async fn find(conn: &mut Conn, id: ProductId) -> QueryResult<Option<Product>> {
    products::table.find(id).select(Product::as_select()).first(conn).await.optional()
}

/// The product whose model code is `model` (trimmed by the caller), whatever
/// the case: one probe of the unique index on `lower(model_code)`.
pub async fn find_by_model(conn: &mut Conn, model: &str) -> QueryResult<Option<Product>> {
    products::table
        .filter(lower_text(products::model_code).eq(lower_text(model)))
        .select(Product::as_select())
        .first(conn)
        .await
        .optional()
}

/// Adds a product; a model code already taken (in any case) is a unique violation.
pub async fn insert(conn: &mut Conn, draft: &ProductDraft, by: UserId, now: DateTime<Utc>) -> QueryResult<Product> {
    diesel::insert_into(products::table)
        .values(ProductRow::new(draft, by, now))
        .returning(Product::as_returning())
        .get_result(conn)
        .await
}

/// Changes a product; None if there is no such product.
pub async fn update(
    conn: &mut Conn,
    id: ProductId,
    draft: &ProductDraft,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<Option<Product>> {
    diesel::update(products::table.find(id))
        .set(ProductRow::new(draft, by, now))
        .returning(Product::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Model codes and names for the new-ticket form's suggestions, at most `limit`.
pub async fn models(conn: &mut Conn, limit: i64) -> QueryResult<Vec<Product>> {
    products::table.order(lower_text(products::model_code)).select(Product::as_select()).limit(limit).load(conn).await
}
