//! Health for load balancers and orchestrators: `/livez` (the process answers), `/readyz` (it can serve: the
//! database answers within a second and its schema is this build's), and the older `/healthz`, which is `/readyz`.

use crate::startup::AppState;
use actix_web::{HttpResponse, web};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use std::sync::LazyLock;
use std::time::Duration;

/// The probes' paths: their answers are JSON for machines, never an error page.
pub const PROBES: &[&str] = &["/livez", "/readyz", "/healthz"];

/// A load balancer asks often and must hear "no" quickly when the database hangs.
const READY_TIMEOUT: Duration = Duration::from_secs(1);

/// The newest migration this build carries (diesel's version: the folder name's digits).
static LATEST_MIGRATION: LazyLock<String> = LazyLock::new(|| {
    use diesel::migration::MigrationSource;
    let migrations = MigrationSource::<diesel::pg::Pg>::migrations(&crate::db::MIGRATIONS).unwrap_or_default();
    migrations.iter().map(|m| m.name().version().to_string()).max().unwrap_or_default()
});

/// `GET /livez`: the process is up and its server answers; nothing else is asked.
pub async fn livez() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

enum Readiness {
    Ready,
    Unreachable,
    /// The database's schema is older than this build (another instance has not migrated it yet), or newer.
    Schema {
        database: String,
    },
}

async fn readiness(state: &AppState) -> Readiness {
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = diesel::sql_types::Text)]
        version: String,
    }
    let asked = tokio::time::timeout(READY_TIMEOUT, async {
        let mut conn = state.pool.get().await.ok()?;
        let sql = "SELECT coalesce(max(version), '') AS version FROM __diesel_schema_migrations";
        diesel::sql_query(sql).get_result::<Version>(&mut conn).await.ok()
    })
    .await;
    match asked {
        Ok(Some(v)) if v.version == *LATEST_MIGRATION => Readiness::Ready,
        Ok(Some(v)) => Readiness::Schema { database: v.version },
        _ => Readiness::Unreachable,
    }
}

/// `GET /readyz`: 200 when this instance can serve, else 503 with what is wrong, always within about a second.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match readiness(&state).await {
        Readiness::Ready => HttpResponse::Ok().json(serde_json::json!({ "status": "ok", "database": "ok" })),
        Readiness::Unreachable => HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "status": "unavailable", "database": "unreachable" })),
        Readiness::Schema { database } => HttpResponse::ServiceUnavailable().json(serde_json::json!({
            "status": "unavailable",
            "database": "schema differs",
            "schema": database,
            "expected": *LATEST_MIGRATION,
        })),
    }
}
