//! Open links (QR posters at service desks): create, list, revoke, QR codes, printable poster.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::campaigns::{Access, load};
use crate::auth::Principal;
use crate::domain::credentials::new_link_code;
use crate::domain::values::Text;
use crate::entities::open_link;
use crate::error::{AppError, Fields};
use crate::repo::{self, audit};
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLinkBody {
    /// Where the poster hangs, e.g. "Loket 2". Stored with each response that comes through it.
    #[schema(value_type = crate::openapi::values::Text100)]
    pub label: Option<String>,
    /// The most responses the link takes (default: no limit).
    #[schema(minimum = 1, maximum = 10_000_000)]
    #[serde(default, deserialize_with = "super::errors::json_integer")]
    pub max_responses: Option<i64>,
    /// When the link stops working: in the future (default: never).
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LinkView {
    pub id: Uuid,
    /// Always `open` (single-use tokens are listed as batches).
    pub kind: &'static str,
    pub campaign_id: Uuid,
    pub label: String,
    pub code: String,
    pub url: String,
    pub max_responses: Option<i64>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub fn survey_url(state: &AppState, code: &str) -> String {
    format!("{}/s/{}", state.settings.public_url, code)
}

fn view(state: &AppState, l: open_link::Model) -> LinkView {
    LinkView {
        url: survey_url(state, &l.code),
        id: l.id,
        kind: "open",
        campaign_id: l.campaign_id,
        label: l.label,
        code: l.code,
        max_responses: l.max_responses,
        expires_at: l.expires_at,
        revoked_at: l.revoked_at,
        created_at: l.created_at,
    }
}

/// Loads a link and checks that the caller manages its campaign's unit.
async fn load_link(state: &AppState, who: &Principal, id: Uuid) -> Result<(open_link::Model, crate::entities::campaign::Model), AppError> {
    let l = repo::links::find(&state.db, id).await?.ok_or_else(|| AppError::not_found("link"))?;
    let c = load(state, who, l.campaign_id, Access::Manage).await?;
    Ok((l, c))
}

/// Create an open link (admin, the unit's operator).
#[utoipa::path(tag = "campaigns", request_body = NewLinkBody, security(("bearer" = [])), params(("id" = Uuid, Path, description = "campaign id")),
    responses((status = 201, body = LinkView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/campaigns/{id}/links")]
pub async fn create_link(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    body: web::Json<NewLinkBody>,
) -> Result<HttpResponse, AppError> {
    let c = load(&state, &who, id.into_inner(), Access::Manage).await?;
    let b = body.into_inner();
    let mut f = Fields::new();
    let label = f.require("label", b.label).and_then(|l| f.check("label", Text::parse(&l, 100)));
    if let Some(m) = b.max_responses
        && !(1..=10_000_000).contains(&m)
    {
        f.add("max_responses", "must be a whole number from 1 to 10,000,000");
    }
    if let Some(e) = b.expires_at
        && e <= crate::domain::now()
    {
        f.add("expires_at", "must be in the future");
    }
    f.finish()?;
    let Some(label) = label else {
        return Err(AppError::Internal(anyhow::anyhow!("validated fields missing")));
    };
    let txn = sea_orm::TransactionTrait::begin(&state.db).await?;
    let l = repo::links::insert(
        &txn,
        repo::links::NewLink {
            campaign_id: c.id,
            code: new_link_code(),
            label: label.into_string(),
            max_responses: b.max_responses,
            expires_at: b.expires_at,
        },
    )
    .await?;
    audit::record(&txn, (&who).into(), audit::Entry {
        action: "link.create",
        entity: "open_link",
        entity_id: l.id.to_string(),
        unit_id: Some(c.unit_id),
        reason: None,
        detail: serde_json::json!({"campaign_id": c.id, "label": l.label, "max_responses": l.max_responses, "expires_at": l.expires_at}),
    })
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(view(&state, l)))
}

/// A campaign's open links (admin, the unit's operator).
#[utoipa::path(tag = "campaigns", security(("bearer" = [])), params(("id" = Uuid, Path, description = "campaign id")),
    responses((status = 200, body = Vec<LinkView>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/campaigns/{id}/links")]
pub async fn list_links(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<web::Json<Vec<LinkView>>, AppError> {
    let c = load(&state, &who, id.into_inner(), Access::Manage).await?;
    let links = repo::links::list_for_campaign(&state.db, c.id).await?;
    Ok(web::Json(links.into_iter().map(|l| view(&state, l)).collect()))
}

/// Revoke an open link (admin, the unit's operator): its poster stops working at once.
#[utoipa::path(tag = "campaigns", security(("bearer" = [])), params(("id" = Uuid, Path, description = "link id")),
    responses((status = 200, body = LinkView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[post("/links/{id}/revoke")]
pub async fn revoke_link(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<web::Json<LinkView>, AppError> {
    let (l, c) = load_link(&state, &who, id.into_inner()).await?;
    let txn = sea_orm::TransactionTrait::begin(&state.db).await?;
    let was = l.revoked_at.is_some();
    let l = repo::links::revoke(&txn, l).await?;
    if !was {
        audit::record(
            &txn,
            (&who).into(),
            audit::Entry {
                action: "link.revoke",
                entity: "open_link",
                entity_id: l.id.to_string(),
                unit_id: Some(c.unit_id),
                reason: None,
                detail: serde_json::json!({"label": l.label}),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(web::Json(view(&state, l)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QrQuery {
    /// Pixels, 64–2048 (default 512).
    #[param(minimum = 64, maximum = 2048)]
    pub size: Option<u32>,
}

fn qr_size(q: &QrQuery) -> Result<u32, AppError> {
    match q.size {
        None => Ok(crate::qr::DEFAULT_SIZE),
        Some(s) if (crate::qr::MIN_SIZE..=crate::qr::MAX_SIZE).contains(&s) => Ok(s),
        Some(_) => Err(AppError::field(
            "size",
            format!("must be from {} to {}", crate::qr::MIN_SIZE, crate::qr::MAX_SIZE),
        )),
    }
}

/// The link's QR code as SVG (admin, the unit's operator).
#[utoipa::path(tag = "campaigns", security(("bearer" = [])), params(("id" = Uuid, Path, description = "link id"), QrQuery),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/links/{id}/qr.svg")]
pub async fn qr_svg(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    q: web::Query<QrQuery>,
) -> Result<HttpResponse, AppError> {
    let size = qr_size(&q)?;
    let (l, _) = load_link(&state, &who, id.into_inner()).await?;
    let svg = crate::qr::svg(&survey_url(&state, &l.code), size).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    Ok(HttpResponse::Ok().content_type("image/svg+xml").body(svg))
}

/// The link's QR code as PNG (admin, the unit's operator).
#[utoipa::path(tag = "campaigns", security(("bearer" = [])), params(("id" = Uuid, Path, description = "link id"), QrQuery),
    responses((status = 200, content_type = "image/png", body = Vec<u8>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/links/{id}/qr.png")]
pub async fn qr_png(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    q: web::Query<QrQuery>,
) -> Result<HttpResponse, AppError> {
    let size = qr_size(&q)?;
    let (l, _) = load_link(&state, &who, id.into_inner()).await?;
    let png = crate::qr::png(&survey_url(&state, &l.code), size).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    Ok(HttpResponse::Ok().content_type("image/png").body(png))
}

/// Printable A4 poster for a desk (admin, the unit's operator). HTML, not part of the JSON API.
pub async fn poster(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    let who = crate::auth::authenticate(&state, &req).await?;
    let (l, c) = load_link(&state, &who, id.into_inner()).await?;
    let unit = repo::units::find(&state.db, c.unit_id)
        .await?
        .ok_or_else(|| AppError::not_found("unit"))?;
    let form = state
        .forms
        .version(&c.form_id, c.form_version as u32)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("form {} v{} not loaded", c.form_id, c.form_version)))?;
    let url = survey_url(&state, &l.code);
    let short_url = url
        .split_once("://")
        .map(|(_, rest)| rest.to_owned())
        .unwrap_or_else(|| url.clone());
    let qr = crate::qr::inline_svg(&url).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let html = crate::pages::poster_page(&crate::pages::PosterPage {
        unit_name: &unit.name,
        campaign_title: &c.title,
        form_title: &form.title,
        label: &l.label,
        url: &url,
        short_url: &short_url,
        qr_svg: &qr,
    });
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html))
}
