//! The assessor's pages beside the reports: `/laporan/kampanye/{id}/respons` (responses) with
//! `/laporan/respons/{id}/keluarkan|masukkan` (exclude, include: a reason is required),
//! `/laporan/unit/{id}/evaluasi/{year}` (the evaluation record) and `/laporan/audit`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

use super::{Signed, error_page, html, kept, refused, see_other, signed, signed_form};
use crate::domain::credentials::Role;
use crate::pages::kelola::{AuditPage, EvaluationPage, FormState, ResponsesPage, audit_page, evaluation_page, responses_page};
use crate::service::workbench::{Form, assessor as service};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct ResponsesQuery {
    /// The cursor: responses after this id.
    pub setelah: Option<Uuid>,
    pub selesai: Option<String>,
}

/// Draws a page of responses; `refused` is a refused form with the response it was for.
async fn responses_with(
    state: &AppState,
    s: &Signed,
    campaign_id: Uuid,
    after: Option<Uuid>,
    refused: Option<(FormState, Uuid)>,
    done: Option<&str>,
    status: StatusCode,
) -> HttpResponse {
    let (form, failed) = match refused {
        Some((form, id)) => (form, Some(id)),
        None => (FormState::default(), None),
    };
    let nav = match s.nav(state).await {
        Ok(n) => n,
        Err(r) => return r,
    };
    let done = match done {
        Some("keluar") => Some("Respons dikeluarkan dari analisis. / Response excluded from the analysis."),
        Some("masuk") => Some("Respons dimasukkan kembali ke analisis. / Response included again."),
        _ => None,
    };
    match service::responses(state, &s.who, campaign_id, after).await {
        Ok(d) => html(
            status,
            responses_page(&ResponsesPage {
                nav: &nav,
                campaign_id: d.campaign.id,
                title: &d.campaign.title,
                unit_name: &d.unit_name,
                rows: &d.rows,
                after,
                next: d.next,
                form: &form.prefixed("reason-"),
                failed,
                done,
            }),
        ),
        Err(e) => error_page(Some(&nav), e),
    }
}

/// `GET /laporan/kampanye/{id}/respons`
pub async fn responses(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>, q: web::Query<ResponsesQuery>) -> HttpResponse {
    match signed(&state, &req).await {
        Ok(s) => responses_with(&state, &s, id.into_inner(), q.setelah, None, q.selesai.as_deref(), StatusCode::OK).await,
        Err(r) => r,
    }
}

async fn set_excluded(state: &AppState, req: &HttpRequest, id: Uuid, exclude: bool, form: &Form) -> HttpResponse {
    let s = match signed_form(state, req, form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let after = form.get("setelah").and_then(|a| a.parse::<Uuid>().ok());
    let cursor = after.map(|a| format!("&setelah={a}")).unwrap_or_default();
    let done = if exclude { "keluar" } else { "masuk" };
    match service::set_excluded(state, &s.who, id, exclude, form).await {
        Ok(v) => see_other(&format!(
            "/laporan/kampanye/{}/respons?selesai={done}{cursor}#r-{id}",
            v.campaign_id
        )),
        Err(e) => match refused(e, "reason") {
            Ok(errors) => match service::campaign_of_response(state, &s.who, id).await {
                Ok(Some(campaign_id)) => {
                    let form = kept(form, errors);
                    responses_with(
                        state,
                        &s,
                        campaign_id,
                        after,
                        Some((form, id)),
                        None,
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )
                    .await
                }
                Ok(None) => error_page(None, crate::error::AppError::not_found("response")),
                Err(e) => error_page(None, e),
            },
            Err(e) => error_page(s.nav(state).await.ok().as_ref(), e),
        },
    }
}

/// `POST /laporan/respons/{id}/keluarkan`: excludes a response (a reason is required).
pub async fn exclude(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>, form: web::Form<Form>) -> HttpResponse {
    set_excluded(&state, &req, id.into_inner(), true, &form).await
}

/// `POST /laporan/respons/{id}/masukkan`: includes it again (a reason is required).
pub async fn include(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>, form: web::Form<Form>) -> HttpResponse {
    set_excluded(&state, &req, id.into_inner(), false, &form).await
}

/// Draws the evaluation page; without a refused `form`, the record's values (or the unit's
/// defaults).
async fn evaluation_with(
    state: &AppState,
    s: &Signed,
    unit_id: Uuid,
    year: i32,
    form: Option<FormState>,
    done: bool,
    status: StatusCode,
) -> HttpResponse {
    let nav = match s.nav(state).await {
        Ok(n) => n,
        Err(r) => return r,
    };
    let (unit_name, record, by) = match service::evaluation(state, &s.who, unit_id, year).await {
        Ok(x) => x,
        Err(e) => return error_page(Some(&nav), e),
    };
    let form = form.unwrap_or_else(|| {
        let mut v = Form::new();
        if let Some(r) = &record {
            v.insert("rule".into(), r.rule.as_str().to_owned());
            if let Some(t) = r.tlhp_percent {
                v.insert("tlhp_percent".into(), t.to_string());
            }
            if let Some(k) = r.kinerja {
                v.insert("kinerja".into(), k.as_str().to_owned());
            }
        }
        FormState::with(v)
    });
    let recorded = record.as_ref().map(|r| {
        let when = crate::pages::kelola::local_time(r.updated_at);
        match &by {
            Some(name) => format!("{when} · {name}"),
            None => when,
        }
    });
    let rules = service::rules();
    let hasil_href = crate::pages::report::unit_href(unit_id, year);
    html(
        status,
        evaluation_page(&EvaluationPage {
            nav: &nav,
            unit_id,
            unit_name: &unit_name,
            year,
            rules: &rules,
            grades: &["A", "B", "C", "D", "E"],
            form: &form,
            recorded: recorded.as_deref(),
            hasil_href: &hasil_href,
            editable: s.who.role != Role::Operator,
            done: done.then_some("Catatan evaluasi disimpan. / Evaluation record saved."),
        }),
    )
}

#[derive(Deserialize, Default)]
pub struct EvaluationQuery {
    pub selesai: Option<String>,
}

/// `GET /laporan/unit/{id}/evaluasi/{year}`
pub async fn evaluation(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(Uuid, i32)>,
    q: web::Query<EvaluationQuery>,
) -> HttpResponse {
    let (unit_id, year) = path.into_inner();
    match signed(&state, &req).await {
        Ok(s) => evaluation_with(&state, &s, unit_id, year, None, q.selesai.is_some(), StatusCode::OK).await,
        Err(r) => r,
    }
}

/// `POST /laporan/unit/{id}/evaluasi/{year}`: writes the record.
pub async fn record_evaluation(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(Uuid, i32)>,
    form: web::Form<Form>,
) -> HttpResponse {
    let s = match signed_form(&state, &req, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (unit_id, year) = path.into_inner();
    match service::record_evaluation(&state, &s.who, unit_id, year, &form).await {
        Ok(_) => see_other(&format!("/laporan/unit/{unit_id}/evaluasi/{year}?selesai=1")),
        Err(e) => match refused(e, "rule") {
            Ok(errors) => {
                evaluation_with(
                    &state,
                    &s,
                    unit_id,
                    year,
                    Some(kept(&form, errors)),
                    false,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Err(e) => error_page(s.nav(&state).await.ok().as_ref(), e),
        },
    }
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    pub unit_id: Option<String>,
    pub limit: Option<String>,
}

/// `GET /laporan/audit`
pub async fn audit(state: web::Data<AppState>, req: HttpRequest, q: web::Query<AuditQuery>) -> HttpResponse {
    let s = match signed(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let nav = match s.nav(&state).await {
        Ok(n) => n,
        Err(r) => return r,
    };
    // An empty or unreadable filter shows everything rather than an error page.
    let unit = q.unit_id.as_deref().and_then(|u| u.parse::<Uuid>().ok());
    let limit = q
        .limit
        .as_deref()
        .and_then(|l| l.trim().parse::<u64>().ok())
        .map(|l| l.clamp(1, 1000))
        .unwrap_or(200);
    match service::audit(&state, &s.who, unit, Some(limit)).await {
        Ok((rows, units)) => html(
            StatusCode::OK,
            audit_page(&AuditPage {
                nav: &nav,
                rows: &rows,
                units: &units,
                unit,
                limit,
            }),
        ),
        Err(e) => error_page(Some(&nav), e),
    }
}
