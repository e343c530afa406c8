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
// The national table's operation lists these parameters itself (see [`national`]): it takes all
// but `ipak` and `ipkp`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HasilQuery {
    /// The year whose campaigns count (by when they ended, in the unit's time zone) and whose
    /// evaluation record is read; default: this year (the unit's zone).
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    /// What-if: the rule set listed first, instead of the record's (or the unit's default).
    #[param(value_type = Option<crate::domain::scoring::RuleId>)]
    pub rule: Option<String>,
    /// What-if: follow-up of audit findings (TLHP), 0–100 %, for permenpanrb-52-2014.
    #[param(minimum = 0, maximum = 100)]
    pub tlhp_percent: Option<f64>,
    /// What-if: capaian kinerja grade A–E, for permenpanrb-90-2021.
    #[param(value_type = Option<crate::openapi::values::KinerjaParam>)]
    pub kinerja: Option<String>,
    /// What-if: this IPAK campaign (of this unit) instead of the record's or the year's latest.
    pub ipak: Option<Uuid>,
    /// What-if: this IPKP campaign (of this unit) instead of the record's or the year's latest.
    pub ipkp: Option<Uuid>,
    /// What-if: `none` (one campaign per survey) or `year` (the year's campaigns of its form
    /// version pooled).
    #[param(value_type = Option<crate::domain::evaluation::Pooling>)]
    pub pooling: Option<String>,
    /// `csv` (also chosen by `Accept: text/csv`) or `xlsx` for the national table as a file.
    #[param(value_type = Option<crate::openapi::values::HasilFormat>)]
    #[serde(default, deserialize_with = "known_format")]
    pub format: Option<String>,
}

/// `?format=` is one of [`HASIL_FORMATS`](crate::openapi::values::HASIL_FORMATS): an unknown
/// format is refused rather than quietly answered as JSON.
fn known_format<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let f = Option::<String>::deserialize(d)?;
    match f {
        Some(f) if !crate::openapi::values::HASIL_FORMATS.contains(&f.as_str()) => {
            Err(serde::de::Error::custom(format!("unknown format `{f}` (json, csv, xlsx)")))
        }
        f => Ok(f),
    }
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
#[utoipa::path(tag = "results", security(("bearer" = [])),
    params(
        ("year" = Option<i32>, Query, minimum = 2000, maximum = 2100, description = "The year whose campaigns count (by when they ended, in each unit's time zone) and whose evaluation records are read; default: this year (WIB)."),
        ("rule" = Option<crate::domain::scoring::RuleId>, Query, description = "What-if: the rule set of the table, instead of each unit's record (or default)."),
        ("tlhp_percent" = Option<f64>, Query, minimum = 0, maximum = 100, description = "What-if: TLHP, 0–100 %, for permenpanrb-52-2014, instead of each unit's record."),
        ("kinerja" = Option<crate::openapi::values::KinerjaParam>, Query, description = "What-if: capaian kinerja grade A–E, for permenpanrb-90-2021, instead of each unit's record."),
        ("pooling" = Option<crate::domain::evaluation::Pooling>, Query, description = "What-if: `none` or `year`, instead of each unit's record."),
        ("format" = Option<crate::openapi::values::HasilFormat>, Query, description = "`csv` (also chosen by `Accept: text/csv`) or `xlsx` for the table as a file."),
    ),
    responses((status = 200, description = "The table: JSON, CSV (`?format=csv` or `Accept: text/csv`) or XLSX (`?format=xlsx`)",
                content((Vec<UnitHasil> = "application/json"), (String = "text/csv"),
                        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
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
