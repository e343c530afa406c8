//! A unit's evaluation record for a year (`/units/{id}/evaluations/{year}`): assessors and admins
//! record it with PUT (the whole record), the unit's operator reads it with GET.

use std::borrow::Cow;

use actix_web::{HttpResponse, get, put, web};
use serde::Deserialize;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use uuid::Uuid;

use super::errors::Object;
use crate::auth::Principal;
use crate::domain::evaluation::record::{NOTE_MAX, NOTE_PATTERN};
use crate::error::AppError;
use crate::service::evaluations::{self as service, EvaluationInput};
use crate::state::AppState;
use crate::views::evaluations::EvaluationView;

/// An evaluation record. PUT replaces the whole record: a field left out is empty afterwards.
// Fields are read as optional so that one 422 names every wrong field; the schema states what each
// must be (the note's pattern is `domain::evaluation::record::check_note`'s).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationBody {
    /// `permenpanrb-90-2021` or `permenpanrb-52-2014`; default: the unit's `default_rule`.
    #[schema(value_type = Option<crate::domain::scoring::RuleId>)]
    pub rule: Option<String>,
    /// TLHP follow-up percentage, 0–100 (PermenPANRB 52/2014).
    #[schema(minimum = 0, maximum = 100)]
    pub tlhp_percent: Option<f64>,
    /// Capaian kinerja grade `A`–`E` (PermenPANRB 90/2021).
    #[schema(value_type = Option<crate::openapi::values::KinerjaParam>)]
    pub kinerja: Option<String>,
    /// The IPAK campaign that counts (the unit's, ended); default: the year's latest with responses.
    pub ipak_campaign_id: Option<Uuid>,
    /// The IPKP campaign that counts (the unit's, ended); default: the year's latest with responses.
    pub ipkp_campaign_id: Option<Uuid>,
    /// `none` (default): one campaign per survey; `year`: pooled with the year's other campaigns of
    /// its form version.
    #[schema(value_type = Option<crate::domain::evaluation::Pooling>)]
    pub pooling: Option<String>,
    /// Up to 2,000 characters; line breaks and tabs allowed, other control characters not.
    #[schema(value_type = Option<NoteSchema>)]
    pub note: Option<String>,
}

/// The schema of a note: the parser's pattern and length (`domain::evaluation::record`).
pub struct NoteSchema;

impl utoipa::PartialSchema for NoteSchema {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(NOTE_MAX))
            .pattern(Some(NOTE_PATTERN))
            .description(Some(
                "Up to 2,000 characters; line breaks and tabs allowed, other control characters not.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for NoteSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("EvaluationNote")
    }
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
    params(("id" = Uuid, Path, description = "unit id"), ("year" = i32, Path, minimum = 2000, maximum = 2100)),
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
    params(("id" = Uuid, Path, description = "unit id"), ("year" = i32, Path, minimum = 2000, maximum = 2100)),
    responses((status = 200, body = EvaluationView), (status = 201, body = EvaluationView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[put("/units/{id}/evaluations/{year}")]
pub async fn put_evaluation(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(Uuid, i32)>,
    body: web::Json<Object<EvaluationBody>>,
) -> Result<HttpResponse, AppError> {
    let (id, year) = path.into_inner();
    let saved = service::put(&state, &who, id, year, body.into_inner().0.into()).await?;
    Ok(if saved.created {
        HttpResponse::Created().json(saved.evaluation)
    } else {
        HttpResponse::Ok().json(saved.evaluation)
    })
}
