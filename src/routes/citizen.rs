//! The citizen's pages: `GET /s/{code}` (the form), `POST /s/{code}` (submit → 303 to the
//! thank-you page), `GET /s/{code}/terima-kasih`. Indonesian first, English with `?lang=en` or
//! `Accept-Language`. Every refusal is a friendly page with the right status; nothing is stored.

use std::collections::BTreeMap;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::survey::{self, Refused, Submission, Target};
use crate::domain::forms::{Lang, RawSubmission, field_error_messages};
use crate::domain::respond::Closed;
use crate::error::AppError;
use crate::pages::{self, FORM_ERROR_KEY, HONEYPOT_FIELD, RENDER_TOKEN_FIELD, Refusal, SurveyPage, ThanksPage};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct LangQuery {
    pub lang: Option<String>,
}

pub fn lang_of(req: &HttpRequest, q: &LangQuery) -> Lang {
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    Lang::from_query_or_header(q.lang.as_deref(), accept)
}

fn html(status: u16, body: String) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .content_type("text/html; charset=utf-8")
        .body(body)
}

pub fn refusal_of(c: Closed) -> Refusal {
    match c {
        Closed::UnknownLink => Refusal::UnknownLink,
        Closed::TokenUsed => Refusal::TokenUsed,
        Closed::LinkRevoked => Refusal::LinkRevoked,
        Closed::LinkExpired => Refusal::LinkExpired,
        Closed::LinkFull => Refusal::LinkFull,
        Closed::CampaignClosed => Refusal::CampaignClosed,
        Closed::CampaignNotYetOpen => Refusal::CampaignNotYetOpen,
    }
}

fn refusal_response(lang: Lang, r: Refusal, reload: &str) -> HttpResponse {
    let mut res = html(r.status(), pages::refusal_page(lang, &r, Some(reload)));
    if let Refusal::TooManyRequests { retry_after_secs } = r {
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    }
    res
}

fn failed(lang: Lang, e: AppError, reload: &str) -> HttpResponse {
    match e {
        AppError::Unavailable(_) => refusal_response(lang, Refusal::Unavailable, reload),
        other => {
            // Logged by the error type itself; the citizen sees a calm page.
            let _ = actix_web::ResponseError::error_response(&other);
            refusal_response(lang, Refusal::Unavailable, reload)
        }
    }
}

fn self_url(code: &str, lang: Lang) -> String {
    match lang {
        Lang::Id => format!("/s/{code}"),
        Lang::En => format!("/s/{code}?lang=en"),
    }
}

fn render_form(
    state: &AppState,
    code: &str,
    lang: Lang,
    t: &Target,
    values: &BTreeMap<String, String>,
    errors: &BTreeMap<String, Vec<String>>,
) -> String {
    let token = survey::render_token(state, code);
    let action = self_url(code, lang);
    let other = match lang {
        Lang::Id => format!("/s/{code}?lang=en"),
        Lang::En => format!("/s/{code}?lang=id"),
    };
    let types = t.service_types();
    pages::survey_page(&SurveyPage {
        lang,
        form: &t.form,
        unit_name: &t.unit.name,
        campaign_title: &t.campaign.title,
        service_types: &types,
        action: &action,
        lang_switch_url: &other,
        render_token: &token,
        values,
        errors,
    })
}

/// `GET /s/{code}`: the survey form.
pub async fn show(state: web::Data<AppState>, req: HttpRequest, code: web::Path<String>, q: web::Query<LangQuery>) -> HttpResponse {
    let lang = lang_of(&req, &q);
    let code = code.into_inner();
    let reload = self_url(&code, lang);
    match survey::resolve(&state, &code).await {
        Ok(t) => html(200, render_form(&state, &code, lang, &t, &BTreeMap::new(), &BTreeMap::new())),
        Err(Refused::Closed(c)) => refusal_response(lang, refusal_of(c), &reload),
        Err(Refused::Failed(e)) => failed(lang, e, &reload),
        Err(other) => failed(
            lang,
            AppError::Internal(anyhow::anyhow!("unexpected refusal on render: {other:?}")),
            &reload,
        ),
    }
}

/// Splits the posted pairs into answers, screening, demographics and the special fields.
fn split(form: &crate::domain::forms::Form, pairs: Vec<(String, String)>) -> (Submission, BTreeMap<String, String>) {
    let mut raw = RawSubmission::default();
    let mut render_token = None;
    let mut honeypot = None;
    let mut values = BTreeMap::new();
    for (k, v) in pairs {
        if k == RENDER_TOKEN_FIELD {
            render_token = Some(v);
            continue;
        }
        if k == HONEYPOT_FIELD {
            honeypot = Some(v);
            continue;
        }
        values.insert(k.clone(), v.clone());
        if form.screening.iter().any(|s| s.id == k) {
            raw.screening.push((k, v));
        } else if form.demographics.iter().any(|d| d.id == k) {
            raw.demographics.push((k, v));
        } else {
            raw.answers.push((k, serde_json::Value::String(v)));
        }
    }
    (
        Submission {
            raw,
            render_token,
            honeypot,
        },
        values,
    )
}

/// `POST /s/{code}`: validate and store, then 303 to the thank-you page.
pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
    q: web::Query<LangQuery>,
    body: web::Bytes,
) -> HttpResponse {
    let lang = lang_of(&req, &q);
    let code = code.into_inner();
    let reload = self_url(&code, lang);
    if let Err(Refused::RateLimited(secs)) = survey::rate_limit(&state, &req, &code) {
        state.metrics.submissions.with_label_values(&["rate_limited"]).inc();
        return refusal_response(lang, Refusal::TooManyRequests { retry_after_secs: secs }, &reload);
    }
    let target = match survey::resolve(&state, &code).await {
        Ok(t) => t,
        Err(Refused::Closed(c)) => return refusal_response(lang, refusal_of(c), &reload),
        Err(Refused::Failed(e)) => return failed(lang, e, &reload),
        Err(other) => return failed(lang, AppError::Internal(anyhow::anyhow!("unexpected refusal: {other:?}")), &reload),
    };
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let pairs: Vec<(String, String)> = match serde_urlencoded::from_bytes(&body) {
        Ok(p) if is_form => p,
        _ => {
            let (title, message) = match lang {
                Lang::Id => (
                    "Formulir tidak dapat dibaca",
                    "Kirim jawaban melalui formulir survei. Silakan muat ulang formulir.",
                ),
                Lang::En => (
                    "The form could not be read",
                    "Please send your answers through the survey form. Reload the form.",
                ),
            };
            let reload_text = if lang == Lang::Id {
                "Muat ulang formulir"
            } else {
                "Reload the form"
            };
            let page = pages::message_page(&pages::MessagePage {
                lang,
                title,
                message,
                action: Some((&reload, reload_text)),
            });
            return html(if is_form { 400 } else { 415 }, page);
        }
    };
    let (submission, values) = split(&target.form, pairs);
    match survey::submit(&state, &code, &target, &submission).await {
        Ok(_) => {
            let thanks = match lang {
                Lang::Id => format!("/s/{code}/terima-kasih"),
                Lang::En => format!("/s/{code}/terima-kasih?lang=en"),
            };
            HttpResponse::SeeOther().insert_header((header::LOCATION, thanks)).finish()
        }
        Err(Refused::Invalid(errs)) => {
            let mut messages = field_error_messages(&errs, lang);
            // Messages for keys that are no question on the page go to the page-level summary.
            let not_items: Vec<String> = messages.keys().filter(|k| target.form.item(k).is_none()).cloned().collect();
            for k in not_items {
                let is_field = target.form.screening.iter().any(|s| s.id == k) || target.form.demographics.iter().any(|d| d.id == k);
                if !is_field && let Some(m) = messages.remove(&k) {
                    messages
                        .entry(FORM_ERROR_KEY.to_owned())
                        .or_default()
                        .extend(m.into_iter().map(|m| format!("{k}: {m}")));
                }
            }
            html(422, render_form(&state, &code, lang, &target, &values, &messages))
        }
        Err(Refused::Closed(c)) => refusal_response(lang, refusal_of(c), &reload),
        Err(Refused::Honeypot) => refusal_response(lang, Refusal::Honeypot, &reload),
        Err(Refused::StaleForm(_)) => refusal_response(lang, Refusal::StaleForm, &reload),
        Err(Refused::RateLimited(secs)) => refusal_response(lang, Refusal::TooManyRequests { retry_after_secs: secs }, &reload),
        Err(Refused::Failed(e)) => failed(lang, e, &reload),
    }
}

/// `GET /s/{code}/terima-kasih`: the thank-you page (stores nothing, so a reload is harmless).
pub async fn thanks(state: web::Data<AppState>, req: HttpRequest, code: web::Path<String>, q: web::Query<LangQuery>) -> HttpResponse {
    let lang = lang_of(&req, &q);
    let code = code.into_inner();
    // A used token still names its campaign; look it up without the availability check.
    let names = thanks_names(&state, &code).await;
    match names {
        Some((unit, title)) => html(
            200,
            pages::thanks_page(&ThanksPage {
                lang,
                unit_name: &unit,
                campaign_title: &title,
            }),
        ),
        None => refusal_response(lang, Refusal::UnknownLink, &self_url(&code, lang)),
    }
}

async fn thanks_names(state: &AppState, code: &str) -> Option<(String, String)> {
    use crate::domain::credentials::{hash_secret, looks_like_token};
    use crate::repo;
    let (campaign, unit) = if looks_like_token(code) {
        let (_, _, c, u) = repo::survey::token(&state.db, &hash_secret(code)).await.ok()??;
        (c, u)
    } else {
        let (_, c, u) = repo::survey::link(&state.db, code).await.ok()??;
        (c, u)
    };
    Some((unit.name, campaign.title))
}
