//! The citizen's pages: `GET /s/{code}` (the form), `POST /s/{code}` (submit → 303 to the
//! thank-you page), `GET /s/{code}/terima-kasih`. Indonesian first, English with `?lang=en` or
//! `Accept-Language`. Every refusal is a friendly page with the right status; nothing is stored.

use std::collections::BTreeMap;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::client::client_address;
use crate::domain::forms::{FieldErrors, Form, Lang, field_error_messages};
use crate::domain::respond::Closed;
use crate::error::AppError;
use crate::pages::{self, FORM_ERROR_KEY, HONEYPOT_FIELD, RENDER_TOKEN_FIELD, Refusal, SurveyPage, ThanksPage};
use crate::service::submit::{self as service, FormFields, PageRefusal, Refused, Target, Unreadable};
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
    let token = service::render_token(state, code);
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
    match service::resolve(&state, &code).await {
        Ok(t) => html(200, render_form(&state, &code, lang, &t, &BTreeMap::new(), &BTreeMap::new())),
        Err(r) => refused(lang, r, &self_url(&code, lang)),
    }
}

/// The page for a refusal (an invalid form is shown again by [`submit`] instead).
fn refused(lang: Lang, r: Refused, reload: &str) -> HttpResponse {
    let refusal = match r {
        Refused::Closed(c) => refusal_of(c),
        Refused::Honeypot => Refusal::Honeypot,
        Refused::StaleForm(_) => Refusal::StaleForm,
        Refused::RateLimited(secs) => Refusal::TooManyRequests { retry_after_secs: secs },
        Refused::Unreadable(u) => return unreadable(lang, u, reload),
        Refused::Failed(e) => return failed(lang, e, reload),
        Refused::Invalid(_) => {
            return failed(
                lang,
                AppError::Internal(anyhow::anyhow!("an invalid form without the form to show")),
                reload,
            );
        }
    };
    refusal_response(lang, refusal, reload)
}

/// A body that is not the survey form: 415 when it is not a form at all, else 400.
fn unreadable(lang: Lang, u: Unreadable, reload: &str) -> HttpResponse {
    let (title, message, again) = match lang {
        Lang::Id => (
            "Formulir tidak dapat dibaca",
            "Kirim jawaban melalui formulir survei. Silakan muat ulang formulir.",
            "Muat ulang formulir",
        ),
        Lang::En => (
            "The form could not be read",
            "Please send your answers through the survey form. Reload the form.",
            "Reload the form",
        ),
    };
    let page = pages::message_page(&pages::MessagePage {
        lang,
        title,
        message,
        action: Some((reload, again)),
    });
    html(if u == Unreadable::NotAForm { 415 } else { 400 }, page)
}

/// Reads a form body, taking out the page's own fields (render token, honeypot).
fn form_fields(req: &HttpRequest, body: &[u8]) -> Result<FormFields, Unreadable> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let pairs: Vec<(String, String)> = match serde_urlencoded::from_bytes(body) {
        Ok(p) if is_form => p,
        _ if is_form => return Err(Unreadable::Malformed),
        _ => return Err(Unreadable::NotAForm),
    };
    let mut f = FormFields {
        pairs: Vec::with_capacity(pairs.len()),
        render_token: None,
        honeypot: None,
    };
    for (k, v) in pairs {
        match k.as_str() {
            RENDER_TOKEN_FIELD => f.render_token = Some(v),
            HONEYPOT_FIELD => f.honeypot = Some(v),
            _ => f.pairs.push((k, v)),
        }
    }
    Ok(f)
}

/// The messages shown beside the questions; those for keys that are no question on the page go
/// to the page-level summary.
fn page_messages(form: &Form, errs: &FieldErrors, lang: Lang) -> BTreeMap<String, Vec<String>> {
    let mut messages = field_error_messages(errs, lang);
    let not_items: Vec<String> = messages.keys().filter(|k| form.item(k).is_none()).cloned().collect();
    for k in not_items {
        let is_field = form.screening.iter().any(|s| s.id == k) || form.demographics.iter().any(|d| d.id == k);
        if !is_field && let Some(m) = messages.remove(&k) {
            messages
                .entry(FORM_ERROR_KEY.to_owned())
                .or_default()
                .extend(m.into_iter().map(|m| format!("{k}: {m}")));
        }
    }
    messages
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
    let client = client_address(&req, &state.settings.trust_proxy);
    match service::submit_page(&state, client, &code, form_fields(&req, &body)).await {
        Ok(_) => {
            let thanks = match lang {
                Lang::Id => format!("/s/{code}/terima-kasih"),
                Lang::En => format!("/s/{code}/terima-kasih?lang=en"),
            };
            HttpResponse::SeeOther().insert_header((header::LOCATION, thanks)).finish()
        }
        Err(PageRefusal {
            refused: Refused::Invalid(errs),
            retry: Some((target, values)),
        }) => {
            let messages = page_messages(&target.form, &errs, lang);
            html(422, render_form(&state, &code, lang, &target, &values, &messages))
        }
        Err(PageRefusal {
            refused: Refused::RateLimited(secs),
            retry: Some((target, values)),
        }) => {
            // The form again, with what was typed: a citizen on a busy shared network sends it
            // again later instead of answering everything anew.
            let refusal = Refusal::TooManyRequests { retry_after_secs: secs };
            let kept = match lang {
                Lang::Id => "Jawaban Anda masih ada di formulir ini: kirim lagi nanti.",
                Lang::En => "Your answers are still in this form: send it again later.",
            };
            let messages = BTreeMap::from([(FORM_ERROR_KEY.to_owned(), vec![format!("{} {kept}", refusal.message(lang))])]);
            let mut res = html(429, render_form(&state, &code, lang, &target, &values, &messages));
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
            res
        }
        Err(PageRefusal { refused: r, .. }) => refused(lang, r, &self_url(&code, lang)),
    }
}

/// `GET /s/{code}/terima-kasih`: the thank-you page (stores nothing, so a reload is harmless).
pub async fn thanks(state: web::Data<AppState>, req: HttpRequest, code: web::Path<String>, q: web::Query<LangQuery>) -> HttpResponse {
    let lang = lang_of(&req, &q);
    let code = code.into_inner();
    // A used token still names its campaign; look it up without the availability check.
    match service::names(&state, &code).await {
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
