//! Single-use tokens: a batch is created with its plaintext shown once (JSON, CSV or a printable
//! sheet of slips) and only hashes stored; batches list their counts and can be revoked.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::campaigns::{Access, load};
use crate::auth::Principal;
use crate::domain::credentials::new_token;
use crate::domain::values::Text;
use crate::entities::token_batch;
use crate::error::{AppError, Fields};
use crate::repo::{self, audit};
use crate::state::AppState;

pub const MAX_BATCH: i64 = 10_000;
/// A slip sheet carries a QR image per token; past this a page gets too heavy to print.
pub const MAX_SLIPS: i64 = 1_000;

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

#[derive(Serialize, utoipa::ToSchema)]
pub struct IssuedToken {
    pub token: String,
    pub url: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedBatch {
    pub batch_id: Uuid,
    pub campaign_id: Uuid,
    pub label: Option<String>,
    pub count: usize,
    pub expires_at: Option<DateTime<Utc>>,
    /// The plaintext tokens: in this response only; the service keeps their hashes.
    pub tokens: Vec<IssuedToken>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BatchView {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub label: Option<String>,
    pub issued: i64,
    pub redeemed: i64,
    /// Tokens that can no longer be used because the batch was revoked (issued − redeemed).
    pub revoked: i64,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

fn batch_view(b: token_batch::Model, redeemed: i64) -> BatchView {
    let revoked = if b.revoked_at.is_some() { b.issued - redeemed } else { 0 };
    BatchView {
        id: b.id,
        campaign_id: b.campaign_id,
        label: b.label,
        issued: b.issued,
        redeemed,
        revoked,
        expires_at: b.expires_at,
        revoked_at: b.revoked_at,
        created_at: b.created_at,
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `html` for a printable sheet of slips (up to 1,000 tokens); otherwise JSON, or CSV with `Accept: text/csv`.
    #[param(value_type = Option<crate::openapi::values::TokenFormat>)]
    pub format: Option<String>,
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
    let c = load(&state, &who, id.into_inner(), Access::Manage).await?;
    let b = body.into_inner();
    let html = match q.format.as_deref() {
        None | Some("json") | Some("csv") => false,
        Some("html") => true,
        Some(other) => return Err(AppError::field("format", format!("unknown format `{other}` (html, csv, json)"))),
    };
    let csv = q.format.as_deref() == Some("csv")
        || req
            .headers()
            .get(header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains("text/csv"));
    let mut f = Fields::new();
    let count = f.require("count", b.count);
    if let Some(n) = count
        && !(1..=MAX_BATCH).contains(&n)
    {
        f.add("count", format!("must be from 1 to {MAX_BATCH}"));
    }
    if html && count.is_some_and(|n| n > MAX_SLIPS) {
        f.add(
            "count",
            format!("a printable sheet holds at most {MAX_SLIPS} slips; use CSV for larger batches"),
        );
    }
    let label = match b.label {
        None => None,
        Some(l) => f.check("label", Text::parse(&l, 100)).map(Text::into_string),
    };
    if let Some(e) = b.expires_at
        && e <= crate::domain::now()
    {
        f.add("expires_at", "must be in the future");
    }
    f.finish()?;
    let count = count.unwrap_or(0) as usize;

    let pairs: Vec<(String, String)> = (0..count).map(|_| new_token()).collect();
    let hashes: Vec<String> = pairs.iter().map(|(_, h)| h.clone()).collect();
    let txn = sea_orm::TransactionTrait::begin(&state.db).await?;
    let batch = repo::tokens::insert_batch(&txn, c.id, label.clone(), b.expires_at, &hashes).await?;
    audit::record(
        &txn,
        (&who).into(),
        audit::Entry {
            action: "tokens.create",
            entity: "token_batch",
            entity_id: batch.id.to_string(),
            unit_id: Some(c.unit_id),
            reason: None,
            detail: serde_json::json!({"campaign_id": c.id, "count": count, "label": label, "expires_at": batch.expires_at}),
        },
    )
    .await?;
    txn.commit().await?;

    let tokens: Vec<IssuedToken> = pairs
        .into_iter()
        .map(|(t, _)| IssuedToken {
            url: super::links::survey_url(&state, &t),
            token: t,
        })
        .collect();
    if html {
        let unit = repo::units::find(&state.db, c.unit_id)
            .await?
            .ok_or_else(|| AppError::not_found("unit"))?;
        let mut images = Vec::with_capacity(tokens.len());
        for t in &tokens {
            // A small PNG per slip keeps a 1,000-slip sheet printable (SVG paths would weigh ~30× more).
            let png = crate::qr::png(&t.url, 160).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
            images.push(format!(
                "<img src=\"data:image/png;base64,{}\" alt=\"QR\" width=\"120\" height=\"120\">",
                base64::engine::general_purpose::STANDARD.encode(png)
            ));
        }
        let slips: Vec<crate::pages::Slip> = tokens
            .iter()
            .zip(&images)
            .map(|(t, img)| crate::pages::Slip { url: &t.url, qr_svg: img })
            .collect();
        let page = crate::pages::slips_page(&crate::pages::SlipsPage {
            unit_name: &unit.name,
            campaign_title: &c.title,
            batch_label: label.as_deref(),
            slips: &slips,
        });
        return Ok(HttpResponse::Created()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .content_type("text/html; charset=utf-8")
            .body(page));
    }
    if csv {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["token", "url"]).map_err(|e| AppError::Internal(e.into()))?;
        for t in &tokens {
            w.write_record([&t.token, &t.url]).map_err(|e| AppError::Internal(e.into()))?;
        }
        let body = w.into_inner().map_err(|e| AppError::Internal(anyhow::anyhow!(e.to_string())))?;
        return Ok(HttpResponse::Created()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"tokens-{}.csv\"", batch.id),
            ))
            .content_type("text/csv; charset=utf-8")
            .body(body));
    }
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CreatedBatch {
            batch_id: batch.id,
            campaign_id: c.id,
            label,
            count: tokens.len(),
            expires_at: batch.expires_at,
            tokens,
        }))
}

/// A campaign's token batches with their counts (admin, the unit's operator).
#[utoipa::path(tag = "campaigns", security(("bearer" = [])), params(("id" = Uuid, Path, description = "campaign id")),
    responses((status = 200, body = Vec<BatchView>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/campaigns/{id}/token-batches")]
pub async fn list_batches(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<web::Json<Vec<BatchView>>, AppError> {
    let c = load(&state, &who, id.into_inner(), Access::Manage).await?;
    let batches = repo::tokens::list_batches(&state.db, c.id).await?;
    let counts = repo::tokens::redeemed_counts(&state.db, c.id).await?;
    Ok(web::Json(
        batches
            .into_iter()
            .map(|b| {
                let r = counts.iter().find(|(id, _)| *id == b.id).map(|(_, n)| *n).unwrap_or(0);
                batch_view(b, r)
            })
            .collect(),
    ))
}

/// Revoke a token batch (admin, the unit's operator): its unused tokens stop working at once.
#[utoipa::path(tag = "campaigns", security(("bearer" = [])), params(("id" = Uuid, Path, description = "batch id")),
    responses((status = 200, body = BatchView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[post("/token-batches/{id}/revoke")]
pub async fn revoke_batch(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<web::Json<BatchView>, AppError> {
    let b = repo::tokens::find_batch(&state.db, id.into_inner())
        .await?
        .ok_or_else(|| AppError::not_found("token batch"))?;
    let c = load(&state, &who, b.campaign_id, Access::Manage).await?;
    let txn = sea_orm::TransactionTrait::begin(&state.db).await?;
    let was = b.revoked_at.is_some();
    let b = repo::tokens::revoke_batch(&txn, b).await?;
    if !was {
        audit::record(
            &txn,
            (&who).into(),
            audit::Entry {
                action: "tokens.revoke",
                entity: "token_batch",
                entity_id: b.id.to_string(),
                unit_id: Some(c.unit_id),
                reason: None,
                detail: serde_json::json!({"issued": b.issued}),
            },
        )
        .await?;
    }
    txn.commit().await?;
    let counts = repo::tokens::redeemed_counts(&state.db, c.id).await?;
    let r = counts.iter().find(|(id, _)| *id == b.id).map(|(_, n)| *n).unwrap_or(0);
    Ok(web::Json(batch_view(b, r)))
}
