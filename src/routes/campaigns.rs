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

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewCampaignBody {
    /// `ipak`, `ipkp` or `skm`: the form's current version is pinned.
    pub form: Option<String>,
    pub title: Option<String>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    /// Service users in the period (N), for the sample size and the finite-population correction.
    pub population: Option<i64>,
    /// No longer accepted (422): the rule of a unit's hasil is in its evaluation record for the
    /// year. Read only to refuse it; not part of the schema.
    #[schema(ignore)]
    pub rule: Option<serde_json::Value>,
}

impl From<NewCampaignBody> for CampaignInput {
    fn from(b: NewCampaignBody) -> CampaignInput {
        CampaignInput {
            form: b.form,
            title: b.title,
            opens_at: b.opens_at,
            closes_at: b.closes_at,
            population: b.population,
            rule: b.rule.map(|r| r.to_string()),
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
