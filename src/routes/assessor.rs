//! The assessor's workbench over the API: exclusions (audited, reversible only by another
//! audited action), the audit log, and exports (responses CSV streamed page by page, results CSV,
//! and an XLSX workbook).

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use serde::Deserialize;
use uuid::Uuid;

use super::files::download;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service::audit_log::AuditParams;
use crate::service::{self, exclusions};
use crate::state::AppState;
use crate::views::audit::AuditEntry;
use crate::views::exclusions::ExclusionView;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Why (written, 5–1000 characters).
    #[schema(value_type = crate::openapi::values::Reason)]
    pub reason: Option<String>,
}

/// Exclude a response from the analysis set (admin, assessor). Audited.
#[utoipa::path(tag = "results", request_body = ReasonBody, security(("bearer" = [])), params(("id" = Uuid, Path, description = "response id")),
    responses((status = 200, body = ExclusionView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/responses/{id}/exclude")]
pub async fn exclude(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    body: web::Json<ReasonBody>,
) -> Result<web::Json<ExclusionView>, AppError> {
    Ok(web::Json(
        exclusions::exclude(&state, &who, id.into_inner(), body.into_inner().reason).await?,
    ))
}

/// Put an excluded response back into the analysis set (admin, assessor). Audited.
#[utoipa::path(tag = "results", request_body = ReasonBody, security(("bearer" = [])), params(("id" = Uuid, Path, description = "response id")),
    responses((status = 200, body = ExclusionView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/responses/{id}/include")]
pub async fn include(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    body: web::Json<ReasonBody>,
) -> Result<web::Json<ExclusionView>, AppError> {
    Ok(web::Json(
        exclusions::include(&state, &who, id.into_inner(), body.into_inner().reason).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only the entries about this unit.
    pub unit_id: Option<Uuid>,
    /// RFC 3339, inclusive.
    pub from: Option<DateTime<Utc>>,
    /// RFC 3339, exclusive.
    pub to: Option<DateTime<Utc>>,
    /// 1–1000 (default 200), newest first.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
}

/// The audit log: every change made through the API or the CLI (admin, assessor).
#[utoipa::path(tag = "results", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = Vec<AuditEntry>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/audit")]
pub async fn audit_log(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<AuditQuery>,
) -> Result<web::Json<Vec<AuditEntry>>, AppError> {
    let q = q.into_inner();
    let params = AuditParams {
        unit_id: q.unit_id,
        from: q.from,
        to: q.to,
        limit: q.limit,
    };
    Ok(web::Json(service::audit_log::list(&state, &who, params).await?))
}

/// Anonymous response rows of a campaign as CSV, streamed (admin, assessor): random id, date,
/// channel label, answers, screening, demographics, flags, excluded.
#[utoipa::path(tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path, description = "campaign id")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/campaigns/{id}/responses.csv")]
pub async fn responses_csv(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    let (filename, chunks) = service::exports::responses_csv(&state, &who, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .content_type(crate::export::CSV)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")))
        .streaming(chunks.map_ok(web::Bytes::from)))
}

/// A campaign's results as CSV for reading (rounded to 2 decimals) (admin, the unit's operator, assessor).
#[utoipa::path(tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path, description = "campaign id")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/campaigns/{id}/results.csv")]
pub async fn results_csv(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    Ok(download(service::exports::results_csv(&state, &who, id.into_inner()).await?))
}

/// A campaign's results as an XLSX workbook: summary, items, breakdowns and the responses (admin, assessor).
#[utoipa::path(tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path, description = "campaign id")),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/campaigns/{id}/results.xlsx")]
pub async fn results_xlsx(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    Ok(download(service::exports::results_xlsx(&state, &who, id.into_inner()).await?))
}
