//! Liveness, readiness and metrics.

use actix_web::{HttpResponse, get, web};

use crate::error::AppError;
use crate::state::AppState;
use crate::views::health::Health;

/// Liveness: the process answers.
#[utoipa::path(tag = "meta", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

/// Readiness: the database answers a query; 503 when it does not.
#[utoipa::path(tag = "meta", responses((status = 200, body = Health), (status = 503, body = crate::error::Problem)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Health>, AppError> {
    Ok(web::Json(crate::service::health::ready(&state).await?))
}

/// Prometheus text format: requests and latency by route, submissions by outcome.
#[utoipa::path(tag = "meta", responses((status = 200, content_type = "text/plain", body = String)))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}
