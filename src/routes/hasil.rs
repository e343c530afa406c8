//! Hasil: a unit's IPAK and IPKP for a year, the komponen hasil scores under both rule sets, and
//! the WBK/WBBM verdicts; and the national table (one row per unit, JSON, CSV or XLSX).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use uuid::Uuid;

use super::files::download;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service::exports::TableFormat;
use crate::service::hasil::HasilParams;
use crate::service::{self, hasil};
use crate::state::AppState;
use crate::views::hasil::UnitHasil;

/// A hasil request. Each unit's hasil reads its evaluation record for the year; every parameter
/// but `year` and `format` is a what-if that replaces the record's value, and the answer lists it
/// in `what_if`.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct HasilQuery {
    /// The year whose campaigns count (by when they ended, in the unit's time zone); default: this
    /// year (the unit's zone; WIB for the national table).
    pub year: Option<i32>,
    /// What-if: the rule set listed first, instead of the record's (or the unit's default).
    pub rule: Option<String>,
    /// What-if: follow-up of audit findings (TLHP), 0–100 %, for permenpanrb-52-2014.
    pub tlhp_percent: Option<f64>,
    /// What-if: capaian kinerja grade A–E, for permenpanrb-90-2021.
    pub kinerja: Option<String>,
    /// What-if: this IPAK campaign instead of the record's or the year's latest (per unit only).
    pub ipak: Option<Uuid>,
    /// What-if: this IPKP campaign instead of the record's or the year's latest (per unit only).
    pub ipkp: Option<Uuid>,
    /// What-if: `none` (one campaign per survey) or `year` (pool the year's campaigns of its form version).
    pub pooling: Option<String>,
    /// `csv` (also chosen by `Accept: text/csv`) or `xlsx` (also `Accept:` the XLSX media type)
    /// for the national table as a file.
    pub format: Option<String>,
}

impl From<&HasilQuery> for HasilParams {
    fn from(q: &HasilQuery) -> HasilParams {
        HasilParams {
            year: q.year,
            rule: q.rule.clone(),
            tlhp_percent: q.tlhp_percent,
            kinerja: q.kinerja.clone(),
            ipak: q.ipak,
            ipkp: q.ipkp,
            pooling: q.pooling.clone(),
        }
    }
}

/// A unit's hasil scores and verdicts under each rule set (admin, the unit's operator, assessor).
#[utoipa::path(tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path, description = "unit id"), HasilQuery),
    responses((status = 200, body = UnitHasil), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/units/{id}/hasil")]
pub async fn unit_hasil(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    q: web::Query<HasilQuery>,
) -> Result<web::Json<UnitHasil>, AppError> {
    Ok(web::Json(hasil::unit(&state, &who, id.into_inner(), &(&*q).into()).await?))
}

/// The file a national request asks for: `?format=csv|xlsx`, else the `Accept` header; `None`
/// for JSON (also for a format it does not know, as before XLSX was served).
fn table_format(req: &HttpRequest, q: &HasilQuery) -> Option<TableFormat> {
    let accept = req.headers().get(header::ACCEPT).and_then(|a| a.to_str().ok()).unwrap_or("");
    match q.format.as_deref() {
        Some("csv") => Some(TableFormat::Csv),
        Some("xlsx") => Some(TableFormat::Xlsx),
        _ if accept.contains("text/csv") => Some(TableFormat::Csv),
        _ if accept.contains(crate::export::XLSX) => Some(TableFormat::Xlsx),
        _ => None,
    }
}

/// The national table: one row per unit (admin, assessor), each from the unit's own evaluation
/// record. JSON; CSV with `?format=csv` or `Accept: text/csv`; XLSX with `?format=xlsx` or its
/// media type in `Accept`.
#[utoipa::path(tag = "results", security(("bearer" = [])), params(HasilQuery),
    responses((status = 200, body = Vec<UnitHasil>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/hasil")]
pub async fn national(
    state: web::Data<AppState>,
    who: Principal,
    req: HttpRequest,
    q: web::Query<HasilQuery>,
) -> Result<HttpResponse, AppError> {
    let params = HasilParams::from(&*q);
    match table_format(&req, &q) {
        None => Ok(HttpResponse::Ok().json(hasil::national(&state, &who, &params).await?)),
        Some(format) => Ok(download(service::exports::national(&state, &who, &params, format).await?)),
    }
}
