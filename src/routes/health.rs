//! Liveness, readiness and metrics (admin).

use actix_web::{HttpResponse, get, web};

use crate::auth::Principal;
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

/// Prometheus text format (admin): requests and latency by route, submissions by outcome, the
/// rate limiter's size.
#[utoipa::path(tag = "meta", security(("bearer" = [])),
    responses((status = 200, content_type = "text/plain", body = String), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, AppError> {
    let text = crate::service::health::metrics(&state, &who)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}
