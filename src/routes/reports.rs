//! HTML pages for operators and assessors, behind a login with an API key: `/masuk` (login),
//! `/keluar` (logout, CSRF-checked), `/laporan/kampanye/{id}` (campaign report),
//! `/laporan/unit/{id}` (hasil and campaigns over time), `/laporan/nasional` (national table).
//!
//! The session is an HttpOnly, SameSite=Strict cookie signed by the server that names the key;
//! revoking the key ends it on the next request.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::{SESSION_COOKIE, SESSION_SECS};
use crate::error::AppError;
use crate::pages::report::{self, LoginPage};
use crate::service::hasil::HasilParams;
use crate::service::reports::{self as service, Session};
use crate::state::AppState;

fn html(status: u16, body: String) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// Only local report and workbench paths are followed after login (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if (n.starts_with("/laporan") || n.starts_with("/kelola")) && !n.contains("//") && !n.contains('\\') => n.to_owned(),
        _ => "/laporan".to_owned(),
    }
}

fn to_login(req: &HttpRequest) -> HttpResponse {
    let next = match req.query_string() {
        "" => req.path().to_owned(),
        q => format!("{}?{q}", req.path()),
    };
    let encoded: String = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/masuk?{encoded}")))
        .finish()
}

/// The signed-in caller, or the response to send instead: a redirect to the login page.
async fn session(state: &AppState, req: &HttpRequest) -> Result<(crate::auth::Principal, String), HttpResponse> {
    match crate::auth::from_session(state, req).await {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(to_login(req)),
        Err(e) => Err(actix_web::ResponseError::error_response(&e)),
    }
}

/// Maps an error to a page: 403/404 as plain pages, others through the API error.
fn page_error(e: AppError) -> HttpResponse {
    let (status, error) = match e {
        AppError::Forbidden(_) => (
            403,
            "Kunci ini tidak berhak membuka halaman itu. / This key may not open that page.",
        ),
        AppError::NotFound(_) => (404, "Halaman tidak ditemukan. / Not found."),
        other => return actix_web::ResponseError::error_response(&other),
    };
    html(
        status,
        report::login_page(&LoginPage {
            error: Some(error),
            next: "/laporan",
        }),
    )
}

/// Renders a report page, or the page for its error.
fn respond<V>(view: Result<V, AppError>, render: impl FnOnce(&V) -> String) -> HttpResponse {
    match view {
        Ok(v) => html(200, render(&v)),
        Err(e) => page_error(e),
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    pub next: Option<String>,
}

/// `GET /masuk`
pub async fn login_form(q: web::Query<NextQuery>) -> HttpResponse {
    let next = safe_next(q.next.as_deref());
    html(200, report::login_page(&LoginPage { error: None, next: &next }))
}

#[derive(Deserialize)]
pub struct LoginForm {
    pub key: Option<String>,
    pub next: Option<String>,
}

/// `POST /masuk`: checks the key and sets the session cookie.
pub async fn login(state: web::Data<AppState>, form: web::Form<LoginForm>) -> Result<HttpResponse, AppError> {
    let next = safe_next(form.next.as_deref());
    let Some(value) = service::login(&state, form.key.as_deref()).await? else {
        let error = Some("Kunci tidak dikenal atau sudah dicabut. / Unknown or revoked key.");
        return Ok(html(401, report::login_page(&LoginPage { error, next: &next })));
    };
    let cookie = Cookie::build(SESSION_COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.public_url.starts_with("https://"))
        .max_age(CookieDuration::seconds(SESSION_SECS))
        .finish();
    Ok(HttpResponse::SeeOther()
        .cookie(cookie)
        .insert_header((header::LOCATION, next))
        .finish())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf: Option<String>,
}

/// `POST /keluar`: ends the session (the CSRF token must match it).
pub async fn logout(state: web::Data<AppState>, req: HttpRequest, form: web::Form<CsrfForm>) -> HttpResponse {
    if let Some(c) = req.cookie(SESSION_COOKIE)
        && !service::csrf_matches(&state, c.value(), form.csrf.as_deref())
    {
        let error = Some("Formulir kedaluwarsa; silakan coba lagi. / Stale form; please try again.");
        return html(403, report::login_page(&LoginPage { error, next: "/laporan" }));
    }
    let mut gone = Cookie::build(SESSION_COOKIE, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    gone.make_removal();
    HttpResponse::SeeOther()
        .cookie(gone)
        .insert_header((header::LOCATION, "/masuk"))
        .finish()
}

/// `GET /laporan`: the national table for admins and assessors, the unit page for operators.
pub async fn home(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    match session(&state, &req).await {
        Ok((who, _)) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, service::home_path(&who)))
            .finish(),
        Err(r) => r,
    }
}

/// `GET /laporan/kampanye/{id}`
pub async fn campaign(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>) -> HttpResponse {
    let (who, value) = match session(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let view = service::campaign(&state, &Session { who, value: &value }, id.into_inner()).await;
    respond(view, |v| report::campaign_report(&v.page()))
}

#[derive(Deserialize)]
pub struct PageQuery {
    pub year: Option<i32>,
    pub sort: Option<String>,
    pub rule: Option<String>,
    pub tlhp_percent: Option<f64>,
    pub kinerja: Option<String>,
}

/// `GET /laporan/unit/{id}`
pub async fn unit(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>, q: web::Query<PageQuery>) -> HttpResponse {
    let (who, value) = match session(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let q = q.into_inner();
    let params = HasilParams {
        year: q.year,
        rule: q.rule,
        tlhp_percent: q.tlhp_percent,
        kinerja: q.kinerja,
        ..HasilParams::default()
    };
    let view = service::unit(&state, &Session { who, value: &value }, id.into_inner(), &params).await;
    respond(view, |v| report::unit_page(&v.page()))
}

/// `GET /laporan/nasional`
pub async fn national(state: web::Data<AppState>, req: HttpRequest, q: web::Query<PageQuery>) -> HttpResponse {
    let (who, value) = match session(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let view = service::national(&state, &Session { who, value: &value }, q.year, q.sort.as_deref()).await;
    respond(view, |v| report::national_page(&v.page()))
}
