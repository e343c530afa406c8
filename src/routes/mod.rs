//! HTTP handlers, thin: parse → one `service` function → response. Every JSON route carries
//! `#[utoipa::path]` and is mounted through [`api`], which is also how `/openapi.json` is built.

pub mod assessor;
pub mod campaigns;
pub mod citizen;
pub mod client;
pub mod code;
pub mod errors;
pub mod evaluations;
pub mod files;
pub mod forms;
pub mod hasil;
pub mod health;
pub mod kelola;
pub mod keys;
pub mod links;
pub mod meta;
pub mod reports;
pub mod respond;
pub mod results;
pub mod tokens;
pub mod units;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};

pub use errors::{form_config, json_config, path_config, query_config};

/// Request bodies above this are refused with 413.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The JSON API (documented in the OpenAPI spec).
pub fn api(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics)
        .service(
            scope::scope("/api/v1")
                .service(forms::list_forms)
                .service(forms::get_form)
                .service(meta::sample_size)
                .service(units::create_unit)
                .service(units::list_units)
                .service(units::get_unit)
                .service(units::update_unit)
                .service(keys::create_key)
                .service(keys::revoke_key)
                .service(campaigns::create_campaign)
                .service(campaigns::list_campaigns)
                .service(campaigns::get_campaign)
                .service(campaigns::close_campaign)
                .service(links::create_link)
                .service(links::list_links)
                .service(links::revoke_link)
                .service(links::qr_svg)
                .service(links::qr_png)
                .service(tokens::create_tokens)
                .service(tokens::list_batches)
                .service(tokens::revoke_batch)
                .service(respond::get_survey)
                .service(respond::post_survey)
                .service(results::results)
                .service(results::ledger)
                .service(hasil::unit_hasil)
                .service(hasil::national)
                .service(evaluations::get_evaluation)
                .service(evaluations::put_evaluation)
                .service(assessor::exclude)
                .service(assessor::include)
                .service(assessor::audit_log)
                .service(assessor::responses_csv)
                .service(assessor::results_csv)
                .service(assessor::results_xlsx),
        );
}

/// The whole OpenAPI document, as `/openapi.json` serves it: the operations as [`api`] mounts
/// them, completed by [`crate::openapi::finish`].
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, doc) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(crate::openapi::ApiDoc::openapi())
        .configure(api)
        .split_for_parts();
    crate::openapi::finish(doc)
}

/// HTML pages (not in the OpenAPI spec). A page path that serves two methods answers others with
/// 405 and `Allow` (a page with one method answers others with 404).
pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/docs",
        web::get().to(|| async {
            HttpResponse::PermanentRedirect()
                .insert_header((header::LOCATION, "/docs/"))
                .finish()
        }),
    )
    .route("/links/{id}/poster", web::get().to(links::poster))
    .service(
        web::resource("/s/{code}")
            .route(web::get().to(citizen::show))
            .route(web::post().to(citizen::submit))
            .default_service(web::to(|| errors::method_not_allowed("GET, POST"))),
    )
    .route("/s/{code}/terima-kasih", web::get().to(citizen::thanks))
    .service(
        web::resource("/masuk")
            .route(web::get().to(reports::login_form))
            .route(web::post().to(reports::login))
            .default_service(web::to(|| errors::method_not_allowed("GET, POST"))),
    )
    .route("/keluar", web::post().to(reports::logout))
    .route("/kode", web::get().to(code::enter))
    .configure(kelola::routes)
    .route("/laporan", web::get().to(reports::home))
    .route("/laporan/nasional", web::get().to(reports::national))
    .route("/laporan/unit/{id}", web::get().to(reports::unit))
    .route("/laporan/kampanye/{id}", web::get().to(reports::campaign))
    .route(
        "/",
        web::get().to(|| async { HttpResponse::Found().insert_header((header::LOCATION, "/docs/")).finish() }),
    );
}

/// What no route answered: a documented path asked with a method it does not serve is 405 with
/// `Allow` (problem+json); anything else is 404 (problem+json, or the citizen 404 page, filled in
/// by the error handler).
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    match errors::allowed_methods(req.path()) {
        Some(allow) => crate::error::AppError::MethodNotAllowed(allow).error_response(),
        None => HttpResponse::NotFound().finish(),
    }
}

/// Headers every response carries: no sniffing, no framing, no referrer leaking a token; no
/// caching of anything the service answers (exports, posters, slips, reports and workbench pages
/// hold a unit's data and codes: a shared computer's browser cache or a proxy must not keep them)
/// unless a handler chose otherwise; HSTS when the public URL is https.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let is_docs = req.path().starts_with("/docs");
    let https = req
        .app_data::<web::Data<crate::state::AppState>>()
        .is_some_and(|s| s.settings.public_url.starts_with("https://"));
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    if !is_docs && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if https {
        // A year; the service's own host only (an instansi's other subdomains are not ours to pin).
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !is_docs {
        // No inline script anywhere; inline styles are allowed because pages ship their CSS inline.
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        );
    } else {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("frame-ancestors 'none'"));
    }
    Ok(res)
}

/// Cuts off a request body that is not fully received in time (`INTEGRITAS_BODY_TIMEOUT_SECONDS`):
/// a client trickling a body byte by byte would otherwise hold a connection and a worker's buffer
/// for as long as it likes. The handler reading it then fails with an unreadable body (400).
pub async fn body_timeout(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    use actix_web::HttpMessage;
    use actix_web::dev::Payload;
    use actix_web::error::PayloadError;
    use futures_util::StreamExt;
    let limit = req.app_data::<web::Data<crate::state::AppState>>().map(|s| s.settings.body_timeout);
    if let Some(limit) = limit {
        let deadline = tokio::time::Instant::now() + limit;
        let payload = req.take_payload();
        let timed = futures_util::stream::unfold(Some(payload), move |p| async move {
            let mut p = p?;
            match tokio::time::timeout_at(deadline, p.next()).await {
                Ok(Some(chunk)) => Some((chunk, Some(p))),
                Ok(None) => None,
                Err(_) => Some((
                    Err(PayloadError::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the request body was not received in time",
                    ))),
                    None,
                )),
            }
        });
        req.set_payload(Payload::Stream { payload: Box::pin(timed) });
    }
    next.call(req).await
}
