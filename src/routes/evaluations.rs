//! A unit's evaluation record for a year (`/units/{id}/evaluations/{year}`): assessors and admins
//! record it with PUT (the whole record), the unit's operator reads it with GET.

use actix_web::{HttpResponse, get, put, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::AppError;
use crate::service::evaluations::{self as service, EvaluationInput};
use crate::state::AppState;
use crate::views::evaluations::EvaluationView;

/// An evaluation record. PUT replaces the whole record: a field left out is empty afterwards.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct EvaluationBody {
    /// `permenpanrb-90-2021` or `permenpanrb-52-2014`; default: the unit's `default_rule`.
    pub rule: Option<String>,
    /// TLHP follow-up percentage, 0–100 (PermenPANRB 52/2014).
    pub tlhp_percent: Option<f64>,
    /// Capaian kinerja grade `A`–`E` (PermenPANRB 90/2021).
    pub kinerja: Option<String>,
    /// The IPAK campaign that counts (the unit's, ended); default: the year's latest with responses.
    pub ipak_campaign_id: Option<Uuid>,
    /// The IPKP campaign that counts (the unit's, ended); default: the year's latest with responses.
    pub ipkp_campaign_id: Option<Uuid>,
    /// `none` (default): one campaign per survey; `year`: pooled with the year's other campaigns of
    /// its form version.
    pub pooling: Option<String>,
    /// Up to 2000 characters.
    pub note: Option<String>,
}

impl From<EvaluationBody> for EvaluationInput {
    fn from(b: EvaluationBody) -> EvaluationInput {
        EvaluationInput {
            rule: b.rule,
            tlhp_percent: b.tlhp_percent,
            kinerja: b.kinerja,
            ipak_campaign_id: b.ipak_campaign_id,
            ipkp_campaign_id: b.ipkp_campaign_id,
            pooling: b.pooling,
            note: b.note,
        }
    }
}

/// A unit's evaluation record for a year (admin, assessor, the unit's operator); 404 when none is recorded.
#[utoipa::path(tag = "results", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "unit id"), ("year" = i32, Path, description = "2000–2100")),
    responses((status = 200, body = EvaluationView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/units/{id}/evaluations/{year}")]
pub async fn get_evaluation(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(Uuid, i32)>,
) -> Result<web::Json<EvaluationView>, AppError> {
    let (id, year) = path.into_inner();
    service::get(&state, &who, id, year)
        .await?
        .map(web::Json)
        .ok_or_else(|| AppError::not_found("evaluation record for this year"))
}

/// Record a unit's evaluation for a year (admin, assessor): 201 when new, 200 when replaced.
/// Audited with the old and the new record; the unit's hasil reads it from then on.
#[utoipa::path(tag = "results", request_body = EvaluationBody, security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "unit id"), ("year" = i32, Path, description = "2000–2100")),
    responses((status = 200, body = EvaluationView), (status = 201, body = EvaluationView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[put("/units/{id}/evaluations/{year}")]
pub async fn put_evaluation(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(Uuid, i32)>,
    body: web::Json<EvaluationBody>,
) -> Result<HttpResponse, AppError> {
    let (id, year) = path.into_inner();
    let saved = service::put(&state, &who, id, year, body.into_inner().into()).await?;
    Ok(if saved.created {
        HttpResponse::Created().json(saved.evaluation)
    } else {
        HttpResponse::Ok().json(saved.evaluation)
    })
}
