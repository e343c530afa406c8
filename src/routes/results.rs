//! A campaign's results (DESIGN §3) and its integrity ledger, re-verified on request.

use actix_web::{get, web};
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::AppError;
use crate::service;
use crate::state::AppState;
use crate::views::results::{Results, Verification};

/// A campaign's results (admin, the unit's operator, assessor). Numbers are unrounded.
#[utoipa::path(tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path, description = "campaign id")),
    responses((status = 200, body = Results), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/campaigns/{id}/results")]
pub async fn results(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<web::Json<Results>, AppError> {
    Ok(web::Json(service::results::get(&state, &who, id.into_inner()).await?))
}

/// The integrity ledger of a campaign, re-verified from the stored rows (admin, the unit's operator, assessor).
#[utoipa::path(tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path, description = "campaign id")),
    responses((status = 200, body = Verification), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/campaigns/{id}/ledger")]
pub async fn ledger(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<web::Json<Verification>, AppError> {
    Ok(web::Json(service::ledger::verify(&state, &who, id.into_inner()).await?))
}
