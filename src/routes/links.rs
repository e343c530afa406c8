//! Open links (QR posters at service desks): create, list, revoke, QR codes, printable poster.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::AppError;
use crate::service::links::{self as service, LinkInput, QrFormat};
use crate::state::AppState;
use crate::views::links::LinkView;

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

impl From<NewLinkBody> for LinkInput {
    fn from(b: NewLinkBody) -> LinkInput {
        LinkInput {
            label: b.label,
            max_responses: b.max_responses,
            expires_at: b.expires_at,
        }
    }
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
    let l = service::create(&state, &who, id.into_inner(), body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(l))
}

/// A campaign's open links (admin, the unit's operator).
#[utoipa::path(tag = "campaigns", security(("bearer" = [])), params(("id" = Uuid, Path, description = "campaign id")),
    responses((status = 200, body = Vec<LinkView>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/campaigns/{id}/links")]
pub async fn list_links(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<web::Json<Vec<LinkView>>, AppError> {
    Ok(web::Json(service::list(&state, &who, id.into_inner()).await?))
}

/// Revoke an open link (admin, the unit's operator): its poster stops working at once.
#[utoipa::path(tag = "campaigns", security(("bearer" = [])), params(("id" = Uuid, Path, description = "link id")),
    responses((status = 200, body = LinkView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[post("/links/{id}/revoke")]
pub async fn revoke_link(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<web::Json<LinkView>, AppError> {
    Ok(web::Json(service::revoke(&state, &who, id.into_inner()).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QrQuery {
    /// Pixels, 64–2048 (default 512).
    #[param(minimum = 64, maximum = 2048)]
    pub size: Option<u32>,
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
    let svg = service::qr(&state, &who, id.into_inner(), q.size, QrFormat::Svg).await?;
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
    let png = service::qr(&state, &who, id.into_inner(), q.size, QrFormat::Png).await?;
    Ok(HttpResponse::Ok().content_type("image/png").body(png))
}

/// Printable A4 poster for a desk (admin, the unit's operator). HTML, not part of the JSON API.
pub async fn poster(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    let who = crate::auth::authenticate(&state, &req).await?;
    let poster = service::poster(&state, &who, id.into_inner()).await?;
    let html = crate::pages::poster_page(&poster.page());
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html))
}
