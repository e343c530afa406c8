//! HTML pages for operators and assessors, behind a login with an API key: `/masuk` (login),
//! `/keluar` (logout, CSRF-checked), `/laporan/kampanye/{id}` (campaign report),
//! `/laporan/unit/{id}` (hasil and campaigns over time), `/laporan/nasional` (national table).
//!
//! The session is an HttpOnly, SameSite=Strict cookie holding a random id signed with the session
//! key; the server records it, so logging out or revoking the key ends it on the next request.
//! The login form must come from this site (`Origin`/`Referer`), and `next` must be a local page.

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

/// Where to go after login: a local report or workbench path (no open redirect), `/laporan` when
/// none is given. Anything else — another site, `//host`, a control character (a CR/LF would
/// split the `Location` header) — is refused with 400.
fn safe_next(next: Option<&str>) -> Result<String, Box<HttpResponse>> {
    let Some(n) = next.filter(|n| !n.is_empty()) else {
        return Ok("/laporan".to_owned());
    };
    let local = n.starts_with("/laporan") || n.starts_with("/kelola");
    if local && !n.contains("//") && !n.contains('\\') && n.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(n.to_owned())
    } else {
        let error = Some("Alamat tujuan tidak sah. / The page to return to is not valid.");
        Err(Box::new(html(400, report::login_page(&LoginPage { error, next: "/laporan" }))))
    }
}

/// A login form posted from another site (login CSRF: signing a victim in as the attacker) is
/// refused. Browsers say where a form came from: `Sec-Fetch-Site` (every current browser) must be
/// `same-origin` or `none` (typed or bookmarked); without it, `Origin` — unless `null`, which a
/// browser also sends to its own site under `Referrer-Policy: no-referrer` — or else `Referer`
/// must name this service (its public URL or the host the request was sent to). A request with
/// none of them is no browser's cross-site form (curl, scripts) and is let through.
fn same_origin(state: &AppState, req: &HttpRequest) -> bool {
    let h = |name| req.headers().get(name).and_then(|v: &header::HeaderValue| v.to_str().ok());
    if let Some(site) = h("sec-fetch-site") {
        return site == "same-origin" || site == "none";
    }
    let sent = h(header::ORIGIN.as_str())
        .filter(|o| *o != "null")
        .or_else(|| h(header::REFERER.as_str()));
    let Some(sent) = sent else { return true };
    let Ok(sent) = url::Url::parse(sent) else { return false };
    let origin = sent.origin().ascii_serialization();
    let public = url::Url::parse(&state.settings.public_url).map(|u| u.origin().ascii_serialization());
    let conn = req.connection_info();
    let here = format!("{}://{}", conn.scheme(), conn.host());
    public.is_ok_and(|p| p == origin) || here == origin
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
    match safe_next(q.next.as_deref()) {
        Ok(next) => html(200, report::login_page(&LoginPage { error: None, next: &next })),
        Err(bad) => *bad,
    }
}

#[derive(Deserialize)]
pub struct LoginForm {
    pub key: Option<String>,
    pub next: Option<String>,
}

/// `POST /masuk`: checks the form's origin and the key, records the session and sets its cookie.
pub async fn login(state: web::Data<AppState>, req: HttpRequest, form: web::Form<LoginForm>) -> Result<HttpResponse, AppError> {
    let next = match safe_next(form.next.as_deref()) {
        Ok(n) => n,
        Err(bad) => return Ok(*bad),
    };
    if !same_origin(&state, &req) {
        let error = Some("Formulir masuk ini dikirim dari situs lain. / This login form was sent from another site.");
        return Ok(html(403, report::login_page(&LoginPage { error, next: &next })));
    }
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

/// `POST /keluar`: ends the session at once (the CSRF token must match it).
pub async fn logout(state: web::Data<AppState>, req: HttpRequest, form: web::Form<CsrfForm>) -> HttpResponse {
    if let Some(c) = req.cookie(SESSION_COOKIE) {
        if !service::csrf_matches(&state, c.value(), form.csrf.as_deref()) {
            let error = Some("Formulir kedaluwarsa; silakan coba lagi. / Stale form; please try again.");
            return html(403, report::login_page(&LoginPage { error, next: "/laporan" }));
        }
        if let Err(e) = service::logout(&state, c.value()).await {
            return actix_web::ResponseError::error_response(&e);
        }
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
