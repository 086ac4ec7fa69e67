//! `GET /healthz`: is the app up and can it reach its database?

use crate::startup::AppState;
use actix_web::{HttpResponse, web};
use diesel_async::RunQueryDsl;

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let ok = match state.pool.get().await {
        Ok(mut conn) => diesel::sql_query("SELECT 1").execute(&mut conn).await.is_ok(),
        Err(_) => false,
    };
    if ok {
        HttpResponse::Ok().json(serde_json::json!({ "status": "ok", "database": "ok" }))
    } else {
        HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "status": "unavailable", "database": "unreachable" }))
    }
}
