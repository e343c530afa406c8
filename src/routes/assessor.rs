//! The assessor's workbench over the API: exclusions (audited, reversible only by another
//! audited action), the audit log, and exports (responses CSV streamed page by page, results CSV,
//! and an XLSX workbook).

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::campaigns::{Access, load};
use crate::auth::Principal;
use crate::domain::values::Text;
use crate::error::{AppError, Fields};
use crate::repo::{self, audit};
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Why (written, 5–1000 characters).
    #[schema(value_type = crate::openapi::values::Reason)]
    pub reason: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ExclusionView {
    pub response_id: Uuid,
    pub campaign_id: Uuid,
    pub excluded: bool,
    pub reason: String,
    pub at: DateTime<Utc>,
}

fn reason(b: ReasonBody) -> Result<String, AppError> {
    let mut f = Fields::new();
    let r = f.require("reason", b.reason).and_then(|r| {
        let t = f.check("reason", Text::parse(&r, 1000));
        if t.as_ref().is_some_and(|t| t.as_str().chars().count() < 5) {
            f.add("reason", "write at least 5 characters");
        }
        t
    });
    f.finish()?;
    r.map(Text::into_string)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("validated reason missing")))
}

/// Exclude a response from the analysis set (admin, assessor). Audited.
#[utoipa::path(tag = "results", request_body = ReasonBody, security(("bearer" = [])), params(("id" = Uuid, Path, description = "response id")),
    responses((status = 200, body = ExclusionView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/responses/{id}/exclude")]
pub async fn exclude(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    body: web::Json<ReasonBody>,
) -> Result<web::Json<ExclusionView>, AppError> {
    who.require_admin_or_assessor()?;
    let why = reason(body.into_inner())?;
    let r = repo::exclusions::find_response(&state.db, id.into_inner())
        .await?
        .ok_or_else(|| AppError::not_found("response"))?;
    let c = repo::campaigns::find(&state.db, r.campaign_id)
        .await?
        .ok_or_else(|| AppError::not_found("campaign"))?;
    // The insert comes first in the transaction (the primary key refuses a second exclusion).
    let txn = sea_orm::TransactionTrait::begin(&state.db).await?;
    let e = repo::exclusions::insert(&txn, &r, &why, who.key_id)
        .await
        .map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::Conflict("this response is already excluded".into()),
            other => other,
        })?;
    audit::record(
        &txn,
        (&who).into(),
        audit::Entry {
            action: "response.exclude",
            entity: "response",
            entity_id: r.id.to_string(),
            unit_id: Some(c.unit_id),
            reason: Some(&why),
            detail: serde_json::json!({"campaign_id": r.campaign_id}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(web::Json(ExclusionView {
        response_id: r.id,
        campaign_id: r.campaign_id,
        excluded: true,
        reason: why,
        at: e.excluded_at,
    }))
}

/// Put an excluded response back into the analysis set (admin, assessor). Audited.
#[utoipa::path(tag = "results", request_body = ReasonBody, security(("bearer" = [])), params(("id" = Uuid, Path, description = "response id")),
    responses((status = 200, body = ExclusionView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/responses/{id}/include")]
pub async fn include(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    body: web::Json<ReasonBody>,
) -> Result<web::Json<ExclusionView>, AppError> {
    who.require_admin_or_assessor()?;
    let why = reason(body.into_inner())?;
    let r = repo::exclusions::find_response(&state.db, id.into_inner())
        .await?
        .ok_or_else(|| AppError::not_found("response"))?;
    let c = repo::campaigns::find(&state.db, r.campaign_id)
        .await?
        .ok_or_else(|| AppError::not_found("campaign"))?;
    let txn = sea_orm::TransactionTrait::begin(&state.db).await?;
    if !repo::exclusions::delete(&txn, r.id).await? {
        return Err(AppError::Conflict("this response is not excluded".into()));
    }
    audit::record(
        &txn,
        (&who).into(),
        audit::Entry {
            action: "response.include",
            entity: "response",
            entity_id: r.id.to_string(),
            unit_id: Some(c.unit_id),
            reason: Some(&why),
            detail: serde_json::json!({"campaign_id": r.campaign_id}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(web::Json(ExclusionView {
        response_id: r.id,
        campaign_id: r.campaign_id,
        excluded: false,
        reason: why,
        at: crate::domain::now(),
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only the entries about this unit.
    pub unit_id: Option<Uuid>,
    /// RFC 3339, inclusive.
    pub from: Option<DateTime<Utc>>,
    /// RFC 3339, exclusive.
    pub to: Option<DateTime<Utc>>,
    /// 1–1000 (default 200), newest first.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_key_id: Option<Uuid>,
    pub actor_role: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub unit_id: Option<Uuid>,
    pub reason: Option<String>,
    pub detail: serde_json::Value,
}

/// The audit log: every change made through the API or the CLI (admin, assessor).
#[utoipa::path(tag = "results", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = Vec<AuditEntry>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/audit")]
pub async fn audit_log(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<AuditQuery>,
) -> Result<web::Json<Vec<AuditEntry>>, AppError> {
    who.require_admin_or_assessor()?;
    let limit = q.limit.unwrap_or(200);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::field("limit", "must be from 1 to 1000"));
    }
    let rows = audit::list(
        &state.db,
        &audit::AuditFilter {
            unit_id: q.unit_id,
            from: q.from,
            to: q.to,
            limit,
        },
    )
    .await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|r| AuditEntry {
                detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::Null),
                id: r.id,
                at: r.at,
                actor_key_id: r.actor_key_id,
                actor_role: r.actor_role,
                action: r.action,
                entity: r.entity,
                entity_id: r.entity_id,
                unit_id: r.unit_id,
                reason: r.reason,
            })
            .collect(),
    ))
}

/// Page size of streamed exports.
const PAGE: u64 = 1000;

/// Anonymous response rows of a campaign as CSV, streamed (admin, assessor): random id, date,
/// channel label, answers, screening, demographics, flags, excluded.
#[utoipa::path(tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path, description = "campaign id")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/campaigns/{id}/responses.csv")]
pub async fn responses_csv(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    who.require_admin_or_assessor()?;
    let c = load(&state, &who, id.into_inner(), Access::Read).await?;
    let form = super::results::form_of(&state, &c)?;
    let items: Vec<String> = form.items.iter().map(|i| i.id.clone()).collect();
    let screening: Vec<String> = form.screening.iter().map(|s| s.id.clone()).collect();
    let demographics: Vec<String> = form.demographics.iter().map(|d| d.id.clone()).collect();
    let mut header_row = vec![
        "response_id".to_owned(),
        "submitted_on".into(),
        "channel".into(),
        "link_label".into(),
    ];
    header_row.extend(items.iter().cloned());
    header_row.extend(screening.iter().cloned());
    header_row.extend(demographics.iter().cloned());
    header_row.extend(["speeder".to_owned(), "diarahkan".into(), "excluded".into()]);
    // One read transaction for the whole export: the file is a consistent snapshot even while
    // citizens keep submitting, and it is read through one connection, so memory stays that
    // connection's page cache however many rows there are.
    let snapshot = repo::results::snapshot(&state.db).await?;
    let campaign_id = c.id;
    struct Cursor {
        db: Option<sea_orm::DatabaseTransaction>,
        after: Option<Uuid>,
        header: Option<Vec<String>>,
    }
    let stream = futures_util::stream::unfold(
        Cursor {
            db: Some(snapshot),
            after: None,
            header: Some(header_row),
        },
        move |mut cur| {
            let (items, screening, demographics) = (items.clone(), screening.clone(), demographics.clone());
            async move {
                let db = cur.db.take()?;
                let mut w = csv::Writer::from_writer(Vec::new());
                if let Some(h) = cur.header.take() {
                    let _ = w.write_record(&h);
                }
                let page = match repo::results::export_page(&db, campaign_id, cur.after, PAGE).await {
                    Ok(p) => p,
                    Err(e) => {
                        tracing::error!(error = %e, "export failed mid-stream");
                        return Some((Err(actix_web::error::ErrorInternalServerError("export failed")), cur));
                    }
                };
                if (page.len() as u64) < PAGE {
                    // The last page: end the read-only snapshot (nothing to keep).
                    let _ = db.rollback().await;
                } else {
                    cur.db = Some(db);
                }
                cur.after = page.last().map(|r| r.id);
                for r in &page {
                    let mut rec: Vec<String> = vec![
                        r.id.to_string(),
                        r.submitted_on.to_string(),
                        r.channel.clone(),
                        r.link_label.clone().unwrap_or_default(),
                    ];
                    rec.extend(items.iter().map(|i| r.answers.get(i).map(|v| v.to_string()).unwrap_or_default()));
                    rec.extend(
                        screening
                            .iter()
                            .map(|s| r.fields.get(&("screening".to_owned(), s.clone())).cloned().unwrap_or_default()),
                    );
                    rec.extend(
                        demographics
                            .iter()
                            .map(|d| r.fields.get(&("demographic".to_owned(), d.clone())).cloned().unwrap_or_default()),
                    );
                    rec.extend([r.speeder.to_string(), r.diarahkan.to_string(), r.excluded.to_string()]);
                    let _ = w.write_record(&rec);
                }
                let bytes = w.into_inner().unwrap_or_default();
                Some((Ok::<_, actix_web::Error>(web::Bytes::from(bytes)), cur))
            }
        },
    );
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"responses-{campaign_id}.csv\""),
        ))
        .streaming(stream))
}

fn r2(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.2}")).unwrap_or_default()
}

/// A campaign's results as CSV for reading (rounded to 2 decimals) (admin, the unit's operator, assessor).
#[utoipa::path(tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path, description = "campaign id")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/campaigns/{id}/results.csv")]
pub async fn results_csv(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    let c = load(&state, &who, id.into_inner(), Access::Read).await?;
    let r = super::results::compute(&state, &c).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let e = |e: csv::Error| AppError::Internal(e.into());
    w.write_record([
        "section",
        "id",
        "n",
        "mean",
        "sd",
        "ci_low",
        "ci_high",
        "value_0_4",
        "converted",
        "category",
    ])
    .map_err(e)?;
    let cat = r.index.category.map(|c| format!("{c:?}")).unwrap_or_default();
    w.write_record([
        "index",
        r.index_name.as_str(),
        &r.n.to_string(),
        &r2(r.index.value),
        &r2(r.index.sd),
        &r2(r.index.ci_low),
        &r2(r.index.ci_high),
        &r2(r.index.value_0_4),
        &r2(r.index.converted),
        &cat,
    ])
    .map_err(e)?;
    w.write_record([
        "index_without_flagged",
        r.index_name.as_str(),
        &r.without_flagged.n.to_string(),
        &r2(r.without_flagged.index.value),
        &r2(r.without_flagged.index.sd),
        &r2(r.without_flagged.index.ci_low),
        &r2(r.without_flagged.index.ci_high),
        &r2(r.without_flagged.index.value_0_4),
        &r2(r.without_flagged.index.converted),
        "",
    ])
    .map_err(e)?;
    for i in &r.items {
        w.write_record([
            "item",
            &i.id,
            &i.n.to_string(),
            &r2(i.mean),
            &r2(i.sd),
            &r2(i.ci_low),
            &r2(i.ci_high),
            "",
            "",
            "",
        ])
        .map_err(e)?;
    }
    for (key, cells) in &r.breakdowns {
        for cell in cells {
            let label = format!("{key}={}", cell.value);
            let n = cell.n.map(|n| n.to_string()).unwrap_or_else(|| "<5".into());
            w.write_record(["breakdown", label.as_str(), &n, &r2(cell.index), "", "", "", "", "", ""])
                .map_err(e)?;
        }
    }
    let body = w.into_inner().map_err(|e| AppError::Internal(anyhow::anyhow!(e.to_string())))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"results-{}.csv\"", c.id),
        ))
        .body(body))
}

/// A campaign's results as an XLSX workbook: summary, items, breakdowns and the responses (admin, assessor).
#[utoipa::path(tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path, description = "campaign id")),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/campaigns/{id}/results.xlsx")]
pub async fn results_xlsx(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    who.require_admin_or_assessor()?;
    let c = load(&state, &who, id.into_inner(), Access::Read).await?;
    let r = super::results::compute(&state, &c).await?;
    let form = super::results::form_of(&state, &c)?;
    let bytes = crate::export::results_workbook(&state.db, &c, &form, &r).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"results-{}.xlsx\"", c.id),
        ))
        .body(bytes))
}
