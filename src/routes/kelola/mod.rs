//! HTML handlers of the workbench (`/kelola/…`) and of the assessor's forms beside the reports
//! (`/laporan/…/respons`, `/laporan/unit/{id}/evaluasi/{year}`, `/laporan/audit`).
//!
//! Each handler: the login session (none: a GET goes to the login form, a POST is refused) →
//! for a POST, the form's `csrf` field checked against the session before anything else (missing
//! or wrong: 403, nothing done) → one `service::workbench` function → the page, or a redirect to
//! the page that shows the change (POST/redirect/GET). A refused form (422) is drawn again with
//! what was typed and the messages beside the fields. Pages are never cached (`no-store`).
//!
//! `admin` (units, keys), `campaigns` (dashboard, campaigns, desks, slips, closing), `assessor`
//! (responses, evaluation record, audit log); this file: sessions, answers and errors.

pub mod admin;
pub mod assessor;
pub mod campaigns;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::Principal;
use crate::error::{AppError, FieldMessages};
use crate::pages::kelola::{FormState, Nav, Notice, notice_page};
use crate::service::reports::Session;
use crate::service::workbench::{self, Form};
use crate::state::AppState;

/// A signed-in caller: the key's principal and the session cookie's value.
pub struct Signed {
    pub who: Principal,
    pub value: String,
}

impl Signed {
    pub fn session(&self) -> Session<'_> {
        Session {
            who: self.who,
            value: &self.value,
        }
    }

    /// The navigation bar; on a failure, the error page to send instead.
    pub async fn nav(&self, state: &AppState) -> Result<Nav, HttpResponse> {
        workbench::nav(state, &self.session()).await.map_err(|e| error_page(None, e))
    }
}

/// An HTML answer that is never cached.
pub fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// 303 to a page of ours.
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// The signed-in caller of a page (GET), or the redirect to the login form that comes back here.
pub async fn signed(state: &AppState, req: &HttpRequest) -> Result<Signed, HttpResponse> {
    match crate::auth::from_session(state, req).await {
        Ok(Some((who, value))) => Ok(Signed { who, value }),
        Ok(None) => {
            let next = match req.query_string() {
                "" => req.path().to_owned(),
                q => format!("{}?{q}", req.path()),
            };
            let encoded = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
            Err(see_other(&format!("/masuk?{encoded}")))
        }
        Err(e) => Err(error_page(None, e)),
    }
}

/// The signed-in caller of a form (POST) whose `csrf` field matches the session; otherwise the
/// refusal to send (403), and nothing is done.
pub async fn signed_form(state: &AppState, req: &HttpRequest, form: &Form) -> Result<Signed, HttpResponse> {
    let s = match crate::auth::from_session(state, req).await {
        Ok(Some((who, value))) => Signed { who, value },
        Ok(None) => {
            return Err(html(
                StatusCode::FORBIDDEN,
                notice_page(&Notice {
                    nav: None,
                    title: "Sesi berakhir / Session ended",
                    message: "Silakan masuk lagi, lalu ulangi. Tidak ada yang diubah. / Please log in again and retry. Nothing was changed.",
                    back: Some(("/masuk", "Masuk / Log in")),
                }),
            ));
        }
        Err(e) => return Err(error_page(None, e)),
    };
    if workbench::check_csrf(state, &s.session(), form).is_err() {
        let nav = s.nav(state).await.ok();
        return Err(html(
            StatusCode::FORBIDDEN,
            notice_page(&Notice {
                nav: nav.as_ref(),
                title: "Formulir kedaluwarsa / Stale form",
                message: "Formulir ini tidak berasal dari sesi Anda yang sekarang, jadi tidak ada yang diubah. Buka lagi halamannya dan ulangi. / This form does not belong to your current session, so nothing was changed. Open the page again and retry.",
                back: Some(("/kelola", "Kembali / Back")),
            }),
        ));
    }
    Ok(s)
}

/// A refusal or failure as a page: 403 and 404 as plain pages, anything else through the
/// application error (logged there when internal).
pub fn error_page(nav: Option<&Nav>, e: AppError) -> HttpResponse {
    let (status, title, message) = match &e {
        AppError::Forbidden(_) => (
            StatusCode::FORBIDDEN,
            "Tidak berhak / Not allowed",
            "Kunci ini tidak berhak membuka halaman itu atau melakukan perubahan itu. / This key may not open that page or make that change.",
        ),
        AppError::NotFound(_) => (
            StatusCode::NOT_FOUND,
            "Tidak ditemukan / Not found",
            "Halaman atau data itu tidak ada. / That page or record does not exist.",
        ),
        _ => return actix_web::ResponseError::error_response(&e),
    };
    html(
        status,
        notice_page(&Notice {
            nav,
            title,
            message,
            back: Some(("/kelola", "Kembali / Back")),
        }),
    )
}

/// A refused form's messages by field, or the error to show as a page. A conflict (a slug taken,
/// a response already excluded) is a message about `field`.
pub fn refused(e: AppError, conflict_field: &str) -> Result<FieldMessages, AppError> {
    match e {
        AppError::Validation { errors, .. } => Ok(errors),
        AppError::Conflict(m) => Ok([(conflict_field.to_owned(), vec![m])].into_iter().collect()),
        other => Err(other),
    }
}

/// The form as typed (without its CSRF token), with its messages.
pub fn kept(form: &Form, errors: FieldMessages) -> FormState {
    let mut values = form.clone();
    values.remove("csrf");
    FormState {
        values,
        errors,
        prefix: "",
    }
}

/// A fixed confirmation chosen by a query key (never text from the request).
#[derive(serde::Deserialize, Default)]
pub struct Done {
    pub selesai: Option<String>,
}

/// `GET /kelola`: the admin's units, an operator's own unit.
pub async fn home(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let s = match signed(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match workbench::home(&s.session()) {
        Ok(to) => see_other(&to),
        Err(e) => error_page(s.nav(&state).await.ok().as_ref(), e),
    }
}

/// The workbench's routes (HTML, not in the OpenAPI document).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/kelola", web::get().to(home))
        .service(
            web::resource("/kelola/unit")
                .route(web::get().to(admin::units))
                .route(web::post().to(admin::register_unit)),
        )
        .service(
            web::resource("/kelola/unit/{id}/ubah")
                .route(web::get().to(admin::edit_unit))
                .route(web::post().to(admin::save_unit)),
        )
        .route("/kelola/unit/{id}", web::get().to(campaigns::dashboard))
        .service(
            web::resource("/kelola/unit/{id}/kampanye/baru")
                .route(web::get().to(campaigns::new_campaign))
                .route(web::post().to(campaigns::create_campaign)),
        )
        .service(
            web::resource("/kelola/kunci")
                .route(web::get().to(admin::keys))
                .route(web::post().to(admin::create_key)),
        )
        .route("/kelola/kunci/{id}/cabut", web::post().to(admin::revoke_key))
        .route("/kelola/kampanye/{id}", web::get().to(campaigns::campaign))
        .route("/kelola/kampanye/{id}/meja", web::post().to(campaigns::add_desk))
        .route("/kelola/kampanye/{id}/kupon", web::post().to(campaigns::issue_slips))
        .service(
            web::resource("/kelola/kampanye/{id}/tutup")
                .route(web::get().to(campaigns::close_form))
                .route(web::post().to(campaigns::close)),
        )
        .route("/kelola/meja/{id}/cabut", web::post().to(campaigns::revoke_desk))
        .route("/kelola/meja/{id}/poster", web::get().to(campaigns::poster))
        .route("/kelola/meja/{id}/qr.png", web::get().to(campaigns::qr_png))
        .route("/kelola/meja/{id}/qr.svg", web::get().to(campaigns::qr_svg))
        .route("/kelola/kupon/{id}/cabut", web::post().to(campaigns::revoke_slips))
        .route("/laporan/kampanye/{id}/respons", web::get().to(assessor::responses))
        .route("/laporan/respons/{id}/keluarkan", web::post().to(assessor::exclude))
        .route("/laporan/respons/{id}/masukkan", web::post().to(assessor::include))
        .service(
            web::resource("/laporan/unit/{id}/evaluasi/{year}")
                .route(web::get().to(assessor::evaluation))
                .route(web::post().to(assessor::record_evaluation)),
        )
        .route("/laporan/audit", web::get().to(assessor::audit));
}
