//! Campaigns (survey periods): create, list, read, close.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::AppError;
use crate::service::campaigns::{self as service, CampaignInput};
use crate::state::AppState;
use crate::views::campaigns::CampaignView;

/// A new campaign. It carries no scoring rule (a `rule` field is refused as unknown): the rule of
/// a unit's hasil is its evaluation record's for the year.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaignBody {
    /// `ipak`, `ipkp` or `skm`: the form's current version is pinned.
    #[schema(value_type = crate::openapi::values::FormId)]
    pub form: Option<String>,
    #[schema(value_type = crate::openapi::values::Text200)]
    pub title: Option<String>,
    /// When responses start being taken (default: at once).
    pub opens_at: Option<DateTime<Utc>>,
    /// When the campaign closes: in the future, and after `opens_at`.
    pub closes_at: Option<DateTime<Utc>>,
    /// Service users in the period (N), for the sample size and the finite-population correction.
    #[schema(minimum = 1, maximum = 1_000_000_000_000_i64)]
    #[serde(default, deserialize_with = "super::errors::json_integer")]
    pub population: Option<i64>,
}

impl From<NewCampaignBody> for CampaignInput {
    fn from(b: NewCampaignBody) -> CampaignInput {
        CampaignInput {
            form: b.form,
            title: b.title,
            opens_at: b.opens_at,
            closes_at: b.closes_at,
            population: b.population,
        }
    }
}

/// Create a campaign for a unit (admin, the unit's operator).
#[utoipa::path(tag = "campaigns", request_body = NewCampaignBody, security(("bearer" = [])), params(("id" = Uuid, Path, description = "unit id")),
    responses((status = 201, body = CampaignView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/units/{id}/campaigns")]
pub async fn create_campaign(
    state: web::Data<AppState>,
    who: Principal,
    unit_id: web::Path<Uuid>,
    body: web::Json<NewCampaignBody>,
) -> Result<HttpResponse, AppError> {
    let c = service::create(&state, &who, unit_id.into_inner(), body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(c))
}

/// A unit's campaigns (admin, the unit's operator).
#[utoipa::path(tag = "campaigns", security(("bearer" = [])), params(("id" = Uuid, Path, description = "unit id")),
    responses((status = 200, body = Vec<CampaignView>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/units/{id}/campaigns")]
pub async fn list_campaigns(
    state: web::Data<AppState>,
    who: Principal,
    unit_id: web::Path<Uuid>,
) -> Result<web::Json<Vec<CampaignView>>, AppError> {
    Ok(web::Json(service::list(&state, &who, unit_id.into_inner()).await?))
}

/// One campaign (admin, the unit's operator, assessor).
#[utoipa::path(tag = "campaigns", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = CampaignView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/campaigns/{id}")]
pub async fn get_campaign(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<web::Json<CampaignView>, AppError> {
    Ok(web::Json(service::get(&state, &who, id.into_inner()).await?))
}

/// Close a campaign now (admin, the unit's operator). Idempotent.
#[utoipa::path(tag = "campaigns", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = CampaignView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[post("/campaigns/{id}/close")]
pub async fn close_campaign(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<web::Json<CampaignView>, AppError> {
    Ok(web::Json(service::close(&state, &who, id.into_inner()).await?))
}
