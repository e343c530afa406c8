//! Single-use tokens: a batch is created with its plaintext shown once (JSON, CSV or a printable
//! sheet of slips) and only hashes stored; batches list their counts and can be revoked.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::AppError;
use crate::pages::{Slip, SlipsPage, slips_page};
use crate::service::tokens::{self as service, BatchInput, IssuedBatch, SlipSheet};
use crate::state::AppState;
use crate::views::tokens::{BatchView, CreatedBatch};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBatchBody {
    /// 1–10,000 tokens (up to 1,000 for `?format=html`).
    #[schema(value_type = i64, required = true, minimum = 1, maximum = 10_000)]
    #[serde(default, deserialize_with = "super::errors::json_integer")]
    pub count: Option<i64>,
    /// A name for the batch, e.g. "Loket 2, Januari".
    #[schema(value_type = Option<crate::openapi::values::Text100>)]
    pub label: Option<String>,
    /// When the batch's tokens stop working: in the future (default: never).
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<NewBatchBody> for BatchInput {
    fn from(b: NewBatchBody) -> BatchInput {
        BatchInput {
            count: b.count,
            label: b.label,
            expires_at: b.expires_at,
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `html` for a printable sheet of slips (up to 1,000 tokens); otherwise JSON, or CSV with `Accept: text/csv`.
    #[param(value_type = Option<crate::openapi::values::TokenFormat>)]
    pub format: Option<String>,
}

/// How a new batch is handed out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    Json,
    Csv,
    Slips,
}

fn output(req: &HttpRequest, q: &FormatQuery) -> Result<Output, AppError> {
    let csv_accepted = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/csv"));
    match q.format.as_deref() {
        Some("html") => Ok(Output::Slips),
        Some("csv") => Ok(Output::Csv),
        None | Some("json") if csv_accepted => Ok(Output::Csv),
        None | Some("json") => Ok(Output::Json),
        Some(other) => Err(AppError::field("format", format!("unknown format `{other}` (html, csv, json)"))),
    }
}

/// The printable sheet: one slip per token with its QR code.
fn slips_html(b: &CreatedBatch, sheet: &SlipSheet) -> String {
    let slips: Vec<Slip> = b
        .tokens
        .iter()
        .zip(&sheet.images)
        .map(|(t, img)| Slip {
            url: &t.url,
            code: &t.token,
            qr_svg: img,
        })
        .collect();
    slips_page(&SlipsPage {
        unit_name: &sheet.unit_name,
        campaign_title: &sheet.campaign_title,
        batch_label: b.label.as_deref(),
        slips: &slips,
        code_url: &sheet.code_url,
        local_url: sheet.local_url,
    })
}

/// Issue a batch of single-use tokens (admin, the unit's operator).
#[utoipa::path(tag = "campaigns", request_body = NewBatchBody, security(("bearer" = [])), params(("id" = Uuid, Path, description = "campaign id"), FormatQuery),
    responses((status = 201, description = "The batch with its tokens: JSON, CSV (`?format=csv` or `Accept: text/csv`) or a printable HTML sheet (`?format=html`)",
                content((CreatedBatch = "application/json"), (String = "text/csv"), (String = "text/html"))),
              (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/campaigns/{id}/tokens")]
pub async fn create_tokens(
    state: web::Data<AppState>,
    who: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    q: web::Query<FormatQuery>,
    body: web::Json<NewBatchBody>,
) -> Result<HttpResponse, AppError> {
    let out = output(&req, &q)?;
    let IssuedBatch { batch, sheet } =
        service::issue(&state, &who, id.into_inner(), body.into_inner().into(), out == Output::Slips).await?;
    let mut res = HttpResponse::Created();
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    Ok(match (out, sheet) {
        (Output::Slips, Some(sheet)) => res.content_type("text/html; charset=utf-8").body(slips_html(&batch, &sheet)),
        (Output::Csv, _) => {
            let csv = crate::export::tokens::tokens_csv(&batch.tokens).context("writing the tokens CSV")?;
            let disposition = format!("attachment; filename=\"tokens-{}.csv\"", batch.batch_id);
            res.insert_header((header::CONTENT_DISPOSITION, disposition))
                .content_type(crate::export::CSV)
                .body(csv)
        }
        _ => res.json(batch),
    })
}

/// A campaign's token batches with their counts (admin, the unit's operator).
#[utoipa::path(tag = "campaigns", security(("bearer" = [])), params(("id" = Uuid, Path, description = "campaign id")),
    responses((status = 200, body = Vec<BatchView>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/campaigns/{id}/token-batches")]
pub async fn list_batches(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<web::Json<Vec<BatchView>>, AppError> {
    Ok(web::Json(service::list(&state, &who, id.into_inner()).await?))
}

/// Revoke a token batch (admin, the unit's operator): its unused tokens stop working at once.
#[utoipa::path(tag = "campaigns", security(("bearer" = [])), params(("id" = Uuid, Path, description = "batch id")),
    responses((status = 200, body = BatchView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[post("/token-batches/{id}/revoke")]
pub async fn revoke_batch(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<web::Json<BatchView>, AppError> {
    Ok(web::Json(service::revoke(&state, &who, id.into_inner()).await?))
}
