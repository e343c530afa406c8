//! HTML pages for operators and assessors, behind a login with an API key: `/masuk` (login),
//! `/keluar` (logout, CSRF-checked), `/laporan/kampanye/{id}` (campaign report),
//! `/laporan/unit/{id}` (hasil and campaigns over time), `/laporan/nasional` (national table).
//!
//! The session is an HttpOnly, SameSite=Strict cookie signed by the server that names the key;
//! revoking the key ends it on the next request.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Datelike;
use serde::Deserialize;
use uuid::Uuid;

use super::campaigns::{Access, load};
use super::hasil::{HasilQuery, UnitHasil};
use crate::auth::{Principal, SESSION_COOKIE, SESSION_SECS};
use crate::domain::credentials::{Role, csrf_token, hash_secret, hashes_equal, sign_session};
use crate::domain::scoring::verdict;
use crate::error::AppError;
use crate::pages::report::{
    self, CampaignReport, CampaignRow, DayCount, ExclusionRow, LoginPage, NationalPage, Nav, ThresholdRow, UnitPage,
};
use crate::repo;
use crate::state::AppState;

fn html(status: u16, body: String) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// Only local report paths are followed after login (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/laporan") && !n.contains("//") && !n.contains('\\') => n.to_owned(),
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

/// The signed-in principal and its session value, or a redirect to the login page.
async fn session(state: &AppState, req: &HttpRequest) -> Result<Result<(Principal, String), HttpResponse>, AppError> {
    Ok(crate::auth::from_session(state, req).await?.ok_or_else(|| to_login(req)))
}

fn nav_who(p: &Principal, name: &str) -> String {
    format!("{} · {name}", p.role.as_str())
}

/// Maps an error to a page: 403/404 as plain pages, others through the API error.
fn page_error(e: AppError) -> HttpResponse {
    match e {
        AppError::Forbidden(_) => html(
            403,
            report::login_page(&LoginPage {
                error: Some("Kunci ini tidak berhak membuka halaman itu. / This key may not open that page."),
                next: "/laporan",
            }),
        ),
        AppError::NotFound(_) => html(
            404,
            report::login_page(&LoginPage {
                error: Some("Halaman tidak ditemukan. / Not found."),
                next: "/laporan",
            }),
        ),
        other => actix_web::ResponseError::error_response(&other),
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
    let key = form.key.as_deref().map(str::trim).unwrap_or("");
    let hash = hash_secret(key);
    let found = if key.is_empty() || key.len() > 200 {
        None
    } else {
        repo::keys::find_by_hash(&state.db, &hash).await?
    };
    let Some(k) = found.filter(|k| hashes_equal(&k.key_hash, &hash) && k.revoked_at.is_none()) else {
        return Ok(html(
            401,
            report::login_page(&LoginPage {
                error: Some("Kunci tidak dikenal atau sudah dicabut. / Unknown or revoked key."),
                next: &next,
            }),
        ));
    };
    let value = sign_session(
        &state.render_secret,
        &k.id.to_string(),
        crate::domain::now().timestamp() + SESSION_SECS,
    );
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
    if let Some(c) = req.cookie(SESSION_COOKIE) {
        let want = csrf_token(&state.render_secret, c.value());
        if !form.csrf.as_deref().is_some_and(|got| hashes_equal(&want, got)) {
            return html(
                403,
                report::login_page(&LoginPage {
                    error: Some("Formulir kedaluwarsa; silakan coba lagi. / Stale form; please try again."),
                    next: "/laporan",
                }),
            );
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
pub async fn home(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let (p, _) = match session(&state, &req).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let to = match (p.role, p.unit_id) {
        (Role::Operator, Some(u)) => format!("/laporan/unit/{u}"),
        _ => "/laporan/nasional".to_owned(),
    };
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, to)).finish())
}

/// Threshold rows for the campaign report, on the 0–4 scale (DESIGN §2.1).
fn thresholds(form: &str, r: &super::results::Results) -> Vec<ThresholdRow> {
    let list: Vec<(&str, f64)> = match form {
        "ipak" => vec![("WBK & WBBM (PermenPANRB 90/2021 dan 52/2014): IPAK ≥ 3,60", 3.60)],
        "ipkp" => vec![
            ("WBK (PermenPANRB 90/2021): IPKP ≥ 3,20", 3.20),
            ("WBBM (PermenPANRB 90/2021): IPKP ≥ 3,60", 3.60),
            ("WBBM (PermenPANRB 52/2014): IPKP ≥ 3,20", 3.20),
        ],
        _ => vec![],
    };
    let m = f64::from(r.scale_max);
    let to4 = |x: f64| x * 4.0 / m;
    list.into_iter()
        .map(|(label, t)| {
            let (v, point) = match r.index.value_0_4 {
                Some(p) => {
                    let ci = r.index.ci_low.zip(r.index.ci_high).map(|(a, b)| (to4(a), to4(b)));
                    let (v, pt) = verdict(p, ci, t, r.n);
                    (Some(v), Some(pt))
                }
                None => (None, None),
            };
            ThresholdRow {
                label: label.to_owned(),
                threshold_0_4: t,
                verdict: v,
                point,
            }
        })
        .collect()
}

/// `GET /laporan/kampanye/{id}`
pub async fn campaign(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    let (p, sess) = match session(&state, &req).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let c = match load(&state, &p, id.into_inner(), Access::Read).await {
        Ok(c) => c,
        Err(e) => return Ok(page_error(e)),
    };
    let unit = repo::units::find(&state.db, c.unit_id)
        .await?
        .ok_or_else(|| AppError::not_found("unit"))?;
    let form = super::results::form_of(&state, &c)?;
    let results = super::results::compute(&state, &c).await?;
    let per_day: Vec<DayCount> = repo::results::per_day(&state.db, c.id)
        .await?
        .into_iter()
        .map(|(date, n)| DayCount { date, n: n as u64 })
        .collect();
    let exclusions: Vec<ExclusionRow> = repo::exclusions::list_for_campaign(&state.db, c.id)
        .await?
        .into_iter()
        .map(|e| ExclusionRow {
            response_id: e.response_id,
            reason: e.reason,
            excluded_at: e.excluded_at,
        })
        .collect();
    let ledger = repo::ledger::verify(&state.db, c.id, &form).await?;
    let labels: Vec<(String, String)> = form.items.iter().map(|i| (i.id.clone(), i.text.id.clone())).collect();
    let mut downloads = vec![(
        format!("/api/v1/campaigns/{}/results.csv", c.id),
        "Hasil (CSV) / Results (CSV)".to_owned(),
    )];
    if matches!(p.role, Role::Admin | Role::Assessor) {
        downloads.push((
            format!("/api/v1/campaigns/{}/responses.csv", c.id),
            "Respons anonim (CSV) / Anonymous responses (CSV)".to_owned(),
        ));
        downloads.push((
            format!("/api/v1/campaigns/{}/results.xlsx", c.id),
            "Buku kerja (XLSX) / Workbook (XLSX)".to_owned(),
        ));
    }
    let th = thresholds(&c.form_id, &results);
    let who = nav_who(&p, &unit.name);
    let csrf = csrf_token(&state.render_secret, &sess);
    let body = report::campaign_report(&CampaignReport {
        nav: Nav {
            who: &who,
            csrf: &csrf,
            national: p.role != Role::Operator,
        },
        unit_name: &unit.name,
        unit_id: unit.id,
        campaign_title: &c.title,
        form_title: &form.title.id,
        period: repo::campaigns::period(&c),
        results: &results,
        thresholds: &th,
        per_day: &per_day,
        exclusions: &exclusions,
        ledger: &ledger,
        item_labels: &labels,
        downloads: &downloads,
    });
    Ok(html(200, body))
}

fn hasil_query(year: Option<i32>) -> HasilQuery {
    HasilQuery {
        year,
        rule: None,
        tlhp_percent: None,
        kinerja: None,
        ipak: None,
        ipkp: None,
        format: None,
    }
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
pub async fn unit(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let (p, sess) = match session(&state, &req).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let id = id.into_inner();
    if let Err(e) = p.require_read(id) {
        return Ok(page_error(e.into()));
    }
    let u = match repo::units::find(&state.db, id).await? {
        Some(u) => u,
        None => return Ok(page_error(AppError::not_found("unit"))),
    };
    let hq = HasilQuery {
        rule: q.rule.clone(),
        tlhp_percent: q.tlhp_percent,
        kinerja: q.kinerja.clone(),
        ..hasil_query(q.year)
    };
    let hasil: UnitHasil = super::hasil::one_unit(&state, u.clone(), &hq).await?;
    let now = crate::domain::now();
    let list = repo::campaigns::list_for_unit(&state.db, id).await?;
    let ids: Vec<Uuid> = list.iter().map(|c| c.id).collect();
    let aggs = repo::results::aggregates(&state.db, &ids).await?;
    let mut rows = Vec::with_capacity(list.len());
    for c in &list {
        let form = super::results::form_of(&state, c)?;
        let a = super::results::analysis_of(
            &form,
            aggs.get(&c.id).unwrap_or(&Default::default()),
            c.population.map(|p| p as u64),
            true,
        );
        let si = crate::domain::scoring::SurveyIndex::from_analysis(&a, form.scale.max);
        let period = repo::campaigns::period(c);
        rows.push(CampaignRow {
            id: c.id,
            title: c.title.clone(),
            form: c.form_id.clone(),
            status: format!("{:?}", period.status(now)).to_lowercase(),
            n: a.n,
            value_0_4: si.value_0_4,
            ci_low_0_4: si.ci_low_0_4,
            ci_high_0_4: si.ci_high_0_4,
            ended: period.ended_at(now),
        });
    }
    let who = nav_who(&p, &u.name);
    let csrf = csrf_token(&state.render_secret, &sess);
    Ok(html(
        200,
        report::unit_page(&UnitPage {
            nav: Nav {
                who: &who,
                csrf: &csrf,
                national: p.role != Role::Operator,
            },
            hasil: &hasil,
            campaigns: &rows,
        }),
    ))
}

/// `GET /laporan/nasional`
pub async fn national(state: web::Data<AppState>, req: HttpRequest, q: web::Query<PageQuery>) -> Result<HttpResponse, AppError> {
    let (p, sess) = match session(&state, &req).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    if let Err(e) = p.require_admin_or_assessor() {
        return Ok(page_error(e.into()));
    }
    let hq = hasil_query(q.year);
    let mut rows = super::hasil::all_units(&state, &hq).await?;
    let year = rows
        .first()
        .map(|r| r.year)
        .unwrap_or_else(|| crate::domain::respond::submission_date(crate::domain::now()).year());
    let sort = q
        .sort
        .clone()
        .filter(|s| report::SORT_KEYS.contains(&s.as_str()))
        .unwrap_or_else(|| "unit".to_owned());
    let key = |r: &UnitHasil| -> f64 {
        match sort.as_str() {
            "ipak" => r.ipak.as_ref().and_then(|b| b.value_0_4).unwrap_or(f64::NEG_INFINITY),
            "ipkp" => r.ipkp.as_ref().and_then(|b| b.value_0_4).unwrap_or(f64::NEG_INFINITY),
            _ => r.hasil.first().and_then(|h| h.hasil_total).unwrap_or(f64::NEG_INFINITY),
        }
    };
    if sort == "unit" {
        rows.sort_by_key(|r| r.unit.name.to_lowercase());
    } else {
        rows.sort_by(|a, b| key(b).total_cmp(&key(a)));
    }
    let who = nav_who(&p, "nasional");
    let csrf = csrf_token(&state.render_secret, &sess);
    let csv = format!("/api/v1/hasil?year={year}&format=csv");
    let xlsx = format!("/api/v1/hasil?year={year}&format=xlsx");
    Ok(html(
        200,
        report::national_page(&NationalPage {
            nav: Nav {
                who: &who,
                csrf: &csrf,
                national: true,
            },
            year,
            rows: &rows,
            sort: &sort,
            csv_href: &csv,
            xlsx_href: &xlsx,
        }),
    ))
}
