//! `GET /bench/floor`, only in the bench build: the least a page of this stack can do (a session check, one
//! indexed query of 12 rows, an askama render), like TechEmpower's "Fortunes". The benchmark reports every
//! scenario as a ratio to it.

use super::render;
use super::session::Staff;
use crate::db::schema::tickets;
use crate::error::AppResult;
use crate::startup::AppState;
use actix_web::{HttpResponse, web};
use askama::Template;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Template)]
#[template(path = "bench/floor.html")]
struct Floor {
    rows: Vec<(String, String)>,
}

/// Staff only: it lists every customer's latest tickets, as the queue does.
pub async fn floor(Staff(_me): Staff, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let rows = tickets::table
        .select((tickets::number, tickets::title))
        .order(tickets::id.desc())
        .limit(12)
        .load(&mut conn)
        .await?;
    drop(conn);
    render(&Floor { rows })
}
