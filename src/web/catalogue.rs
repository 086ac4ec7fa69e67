//! The product catalogue (`/settings/products`, supervisors only), the model
//! suggestions of the new-ticket form, and how a ticket's warranty state reads.

use super::context::Page;
use super::session::{SignedIn, Supervisor};
use super::{render, render_status, see_other};
use crate::domain::ids::ProductId;
use crate::domain::product::ProductInput;
use crate::domain::validate::FieldErrors;
use crate::domain::warranty::{Unknown, Warranty};
use crate::error::{AppError, AppResult};
use crate::i18n::Arg;
use crate::services::catalogue as catalogue_service;
use crate::startup::AppState;
use crate::store::products::{self, Product};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

/// How many models the new-ticket form offers as it is typed.
const MODELS_OFFERED: i64 = 1000;

#[derive(Template)]
#[template(path = "settings/products.html")]
struct ProductsPage {
    page: Page,
    products: Vec<Product>,
    form: ProductInput,
    errors: FieldErrors,
    saved: bool,
}

#[derive(Template)]
#[template(path = "settings/product_edit.html")]
struct ProductEditPage {
    page: Page,
    id: ProductId,
    /// The model code as stored, for the heading (the form may hold a changed one).
    model_code: String,
    form: ProductInput,
    errors: FieldErrors,
}

impl ProductsPage {
    /// "24 个月", "No warranty": the warranty a model gives, in words.
    fn months(&self, months: &i32) -> String {
        self.page.t_args("catalogue-months", &[("months", Arg::from(*months))])
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SavedParam {
    saved: Option<String>,
}

async fn products_page(
    state: &AppState,
    page: Page,
    form: ProductInput,
    errors: FieldErrors,
    saved: bool,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let products = products::list(&mut conn).await?;
    render_status(status, &ProductsPage { page, products, form, errors, saved })
}

pub async fn index(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<SavedParam>,
) -> AppResult<HttpResponse> {
    let form = ProductInput { warranty_months: "12".into(), ..ProductInput::default() };
    products_page(&state, page, form, FieldErrors::default(), query.saved.is_some(), StatusCode::OK).await
}

pub async fn create(
    Supervisor(me): Supervisor,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<ProductInput>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let result = match form.parse() {
        Ok(draft) => {
            let mut conn = state.pool.get().await?;
            catalogue_service::add_product(&mut conn, &me, &draft).await
        }
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(_) => Ok(see_other("/settings/products?saved=1")),
        Err(AppError::Invalid(errors)) => {
            products_page(&state, page, form, errors, false, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other),
    }
}

pub async fn edit_form(
    _: Supervisor,
    page: Page,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = ProductId(id.into_inner());
    let mut conn = state.pool.get().await?;
    let product = products::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let form = ProductInput {
        model_code: product.model_code.clone(),
        name_zh: product.name_zh.unwrap_or_default(),
        name_en: product.name_en.unwrap_or_default(),
        product_line: product.product_line.unwrap_or_default(),
        warranty_months: product.warranty_months.to_string(),
    };
    let template = ProductEditPage { page, id, model_code: product.model_code, form, errors: FieldErrors::default() };
    render(&template)
}

pub async fn update(
    Supervisor(me): Supervisor,
    page: Page,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<ProductInput>,
) -> AppResult<HttpResponse> {
    let id = ProductId(id.into_inner());
    let form = form.into_inner();
    let mut conn = state.pool.get().await?;
    let result = match form.parse() {
        Ok(draft) => catalogue_service::update_product(&mut conn, &me, id, &draft).await,
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(_) => Ok(see_other("/settings/products?saved=1")),
        Err(AppError::Invalid(errors)) => {
            // The heading names the product as stored; a product gone meanwhile is "not found".
            let product = products::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
            let template = ProductEditPage { page, id, model_code: product.model_code, form, errors };
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &template)
        }
        Err(other) => Err(other),
    }
}

/// The catalogue's models as `<option>`s, for the product field's `<datalist>`
/// (anyone signed in files tickets: customers, and staff at intake).
#[derive(Template)]
#[template(path = "portal/product_options_partial.html")]
struct ModelOptions {
    page: Page,
    models: Vec<Product>,
}

pub async fn model_options(_: SignedIn, page: Page, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let models = products::models(&mut conn, MODELS_OFFERED).await?;
    render(&ModelOptions { page, models })
}

/// How a warranty state reads on the ticket page: a badge and a detail line.
impl Warranty {
    pub fn badge_label(&self, page: &Page) -> String {
        match self {
            Warranty::InWarranty { .. } => page.t("warranty-in"),
            Warranty::Expired { .. } => page.t("warranty-expired"),
            Warranty::Unknown(_) => page.t("warranty-unknown"),
        }
    }

    pub fn detail(&self, page: &Page) -> String {
        match self {
            Warranty::InWarranty { last_day } => {
                page.t_args("warranty-in-until", &[("date", Arg::from(page.date(last_day)))])
            }
            Warranty::Expired { last_day: Some(last_day) } => {
                page.t_args("warranty-expired-on", &[("date", Arg::from(page.date(last_day)))])
            }
            Warranty::Expired { last_day: None } => page.t("warranty-none"),
            Warranty::Unknown(Unknown::NotInCatalogue) => page.t("warranty-unknown-model"),
            Warranty::Unknown(Unknown::NoPurchaseDate) => page.t("warranty-unknown-date"),
        }
    }
}
