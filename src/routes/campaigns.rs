//! Campaigns (survey periods): create, list, read, close.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::campaign::{CampaignStatus, Period};
use crate::domain::sample_size::required_n;
use crate::domain::scoring::RuleId;
use crate::domain::values::Text;
use crate::entities::campaign;
use crate::error::{AppError, Fields};
use crate::repo::{self, audit};
use crate::state::AppState;

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
    /// Scoring rule for this campaign's hasil; defaults to the unit's.
    #[schema(value_type = Option<RuleId>)]
    pub rule: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CampaignView {
    pub id: Uuid,
    pub unit_id: Uuid,
    pub form: String,
    pub form_version: u32,
    pub title: String,
    pub status: CampaignStatus,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub population: Option<i64>,
    pub required_n: u64,
    pub rule: String,
    pub created_at: DateTime<Utc>,
}

impl From<campaign::Model> for CampaignView {
    fn from(c: campaign::Model) -> CampaignView {
        let status = repo::campaigns::period(&c).status(crate::domain::now());
        CampaignView {
            id: c.id,
            unit_id: c.unit_id,
            form: c.form_id,
            form_version: c.form_version as u32,
            title: c.title,
            status,
            opens_at: c.opens_at,
            closes_at: c.closes_at,
            closed_at: c.closed_at,
            population: c.population,
            required_n: required_n(c.population.map(|p| p as u64)),
            rule: c.rule,
            created_at: c.created_at,
        }
    }
}

/// How much a caller wants to do with a campaign.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Manage,
}

/// Loads a campaign and checks the caller's role on its unit.
pub async fn load(state: &AppState, who: &Principal, id: Uuid, access: Access) -> Result<campaign::Model, AppError> {
    let c = repo::campaigns::find(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("campaign"))?;
    match access {
        Access::Read => who.require_read(c.unit_id)?,
        Access::Manage => who.require_manage(c.unit_id)?,
    }
    Ok(c)
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
    let unit_id = unit_id.into_inner();
    who.require_manage(unit_id)?;
    let unit = repo::units::find(&state.db, unit_id)
        .await?
        .ok_or_else(|| AppError::not_found("unit"))?;
    let b = body.into_inner();
    let mut f = Fields::new();
    let form = f.require("form", b.form).and_then(|id| {
        let found = state.forms.current(&id);
        f.check("form", found.ok_or_else(|| format!("unknown form `{id}` (ipak, ipkp, skm)")))
    });
    let title = f.require("title", b.title).and_then(|t| f.check("title", Text::parse(&t, 200)));
    if let Err((field, msg)) = Period::validate_new(b.opens_at, b.closes_at, crate::domain::now()) {
        f.add(field, msg);
    }
    if let Some(p) = b.population
        && !(1..=1_000_000_000_000).contains(&p)
    {
        f.add("population", "must be a whole number from 1 to 10^12");
    }
    let rule = match b.rule {
        None => RuleId::parse(&unit.default_rule),
        Some(r) => f.check(
            "rule",
            RuleId::parse(&r).ok_or_else(|| format!("unknown rule `{r}` (permenpanrb-90-2021, permenpanrb-52-2014)")),
        ),
    };
    f.finish()?;
    let (Some(form), Some(title), Some(rule)) = (form, title, rule) else {
        return Err(AppError::Internal(anyhow::anyhow!("validated fields missing")));
    };
    let txn = sea_orm::TransactionTrait::begin(&state.db).await?;
    // Pinning a form version freezes it: its canonical content is kept for good.
    repo::form_versions::freeze(&txn, &form).await?;
    let c = repo::campaigns::insert(
        &txn,
        repo::campaigns::NewCampaign {
            unit_id,
            form_id: form.id.clone(),
            form_version: form.version,
            title: title.into_string(),
            opens_at: b.opens_at,
            closes_at: b.closes_at,
            population: b.population,
            rule: rule.as_str().to_owned(),
        },
    )
    .await?;
    audit::record(&txn, (&who).into(), audit::Entry {
        action: "campaign.create",
        entity: "campaign",
        entity_id: c.id.to_string(),
        unit_id: Some(unit_id),
        reason: None,
        detail: serde_json::json!({"form": c.form_id, "form_version": c.form_version, "title": c.title, "population": c.population, "rule": c.rule}),
    })
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(CampaignView::from(c)))
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
    let unit_id = unit_id.into_inner();
    who.require_read(unit_id)?;
    repo::units::find(&state.db, unit_id)
        .await?
        .ok_or_else(|| AppError::not_found("unit"))?;
    let list = repo::campaigns::list_for_unit(&state.db, unit_id).await?;
    Ok(web::Json(list.into_iter().map(CampaignView::from).collect()))
}

/// One campaign (admin, the unit's operator, assessor).
#[utoipa::path(tag = "campaigns", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = CampaignView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/campaigns/{id}")]
pub async fn get_campaign(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<web::Json<CampaignView>, AppError> {
    let c = load(&state, &who, id.into_inner(), Access::Read).await?;
    Ok(web::Json(c.into()))
}

/// Close a campaign now (admin, the unit's operator). Idempotent.
#[utoipa::path(tag = "campaigns", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = CampaignView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[post("/campaigns/{id}/close")]
pub async fn close_campaign(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<web::Json<CampaignView>, AppError> {
    let c = load(&state, &who, id.into_inner(), Access::Manage).await?;
    let txn = sea_orm::TransactionTrait::begin(&state.db).await?;
    let was_closed = c.closed_at.is_some();
    let c = repo::campaigns::close(&txn, c).await?;
    if !was_closed {
        audit::record(
            &txn,
            (&who).into(),
            audit::Entry {
                action: "campaign.close",
                entity: "campaign",
                entity_id: c.id.to_string(),
                unit_id: Some(c.unit_id),
                reason: None,
                detail: serde_json::json!({}),
            },
        )
        .await?;
    }
    txn.commit().await?;
    // Closing seals what remains, so the final ledger head exists as soon as the campaign ends.
    while repo::ledger::seal_campaign(&state.db, c.id).await? > 0 {}
    Ok(web::Json(c.into()))
}
