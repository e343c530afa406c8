//! Turning framework errors into the contract's errors: body extractors' failures become
//! problem+json with the right status, a documented path asked with a method it does not serve
//! is 405 with `Allow`, and any error response left without a body (unknown route) gets one.
//! Also how a JSON body's whole numbers are read ([`json_integer`]).

use std::sync::OnceLock;

use actix_web::body::BoxBody;
use actix_web::dev::ResourceDef;
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError, UrlencodedError};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, web};

use crate::error::{AppError, problem_response};

use super::BODY_LIMIT;

fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let app = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            AppError::PayloadTooLarge(format!("the body is larger than {BODY_LIMIT} bytes"))
        }
        JsonPayloadError::ContentType => AppError::UnsupportedMediaType("send the body as application/json".into()),
        JsonPayloadError::Deserialize(e) if e.is_data() => AppError::Validation {
            detail: format!("the JSON does not have the expected shape: {e}"),
            errors: [("body".to_owned(), vec![e.to_string()])].into_iter().collect(),
        },
        JsonPayloadError::Deserialize(e) => {
            AppError::BadRequest(format!("malformed JSON at line {}, column {}: {e}", e.line(), e.column()))
        }
        JsonPayloadError::Payload(actix_web::error::PayloadError::Overflow) => {
            AppError::PayloadTooLarge(format!("the body is larger than {BODY_LIMIT} bytes"))
        }
        other => AppError::BadRequest(format!("unreadable body: {other}")),
    };
    app.into()
}

/// Reads an optional whole number the way JSON (and the OpenAPI document's `integer`) counts
/// one: `5` and `5.0` alike. A number with a fraction, or one past the range of `i64`, is refused.
/// Use with `#[serde(default, deserialize_with = "…")]`.
pub fn json_integer<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    use serde::Deserialize;
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    if let Some(i) = n.as_i64() {
        return Ok(Some(i));
    }
    match n.as_f64() {
        // i64::MAX as f64 is 2^63, itself out of range: hence `<`.
        Some(f) if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 => Ok(Some(f as i64)),
        _ => Err(serde::de::Error::custom(format!(
            "`{n}` is not a whole number from -2^63 to 2^63-1"
        ))),
    }
}

/// A JSON body that must be an object. Serde's derived structs also take an array of the fields'
/// values in order (`[null, null]` for two optional fields), which the schema (an object) refuses
/// and a small all-optional body would otherwise accept. Use as `web::Json<Object<Body>>`.
pub struct Object<T>(pub T);

impl<'de, T: serde::de::DeserializeOwned> serde::Deserialize<'de> for Object<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let v = serde_json::Value::deserialize(d)?;
        if !v.is_object() {
            return Err(D::Error::custom("the body must be a JSON object"));
        }
        T::deserialize(v).map(Object).map_err(D::Error::custom)
    }
}

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default().limit(BODY_LIMIT).error_handler(json_error)
}

pub fn form_config() -> web::FormConfig {
    web::FormConfig::default().limit(BODY_LIMIT).error_handler(|err, _req| {
        let app = match &err {
            UrlencodedError::Overflow { .. } => AppError::PayloadTooLarge(format!("the body is larger than {BODY_LIMIT} bytes")),
            UrlencodedError::ContentType => AppError::UnsupportedMediaType("send the form as application/x-www-form-urlencoded".into()),
            other => AppError::BadRequest(format!("unreadable form: {other}")),
        };
        app.into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req| {
        let msg = match &err {
            QueryPayloadError::Deserialize(e) => e.to_string(),
            other => other.to_string(),
        };
        AppError::field("query", msg).into()
    })
}

pub fn path_config() -> web::PathConfig {
    // A malformed id in a path names nothing that exists.
    web::PathConfig::default().error_handler(|_err: PathError, _req| AppError::NotFound("no such resource".into()).into())
}

/// 405 for a page resource's other methods, with the `Allow` header RFC 9110 requires.
pub async fn method_not_allowed(allow: &'static str) -> actix_web::HttpResponse {
    actix_web::ResponseError::error_response(&AppError::MethodNotAllowed(allow.to_owned()))
}

/// The methods a documented path serves, as an `Allow` header value (`GET, POST`), or `None` for a
/// path the OpenAPI document does not list. Read once from the document, which is built from the
/// mounted routes, so the answer cannot drift from what is served.
pub fn allowed_methods(path: &str) -> Option<String> {
    static TABLE: OnceLock<Vec<(ResourceDef, Vec<&'static str>)>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        super::openapi_document()
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let served = [
                    ("GET", item.get.is_some()),
                    ("HEAD", item.head.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("OPTIONS", item.options.is_some()),
                    ("TRACE", item.trace.is_some()),
                ];
                let methods = served.into_iter().filter(|(_, on)| *on).map(|(m, _)| m).collect();
                (ResourceDef::new(template.as_str()), methods)
            })
            .collect()
    });
    let mut allow: Vec<&str> = Vec::new();
    for (_, methods) in table.iter().filter(|(def, _)| def.is_match(path)) {
        for m in methods {
            if !allow.contains(m) {
                allow.push(m);
            }
        }
    }
    (!allow.is_empty()).then(|| allow.join(", "))
}

/// Gives every bodiless error response a problem+json body (or, for citizen pages, leaves it to
/// the page handlers, which always render their own).
pub fn fill_empty_error<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let citizen = res.request().path().starts_with("/s/");
    // Citizen URLs always answer a page; elsewhere, only bodiless errors need filling in.
    if (citizen && is_html) || (!citizen && res.headers().contains_key(header::CONTENT_TYPE)) {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    // A replaced 405 keeps its `Allow`.
    let allow = res.headers().get(header::ALLOW).cloned();
    let (slug, title, detail) = match status {
        StatusCode::NOT_FOUND => ("not-found", "Not found", "no route matches this path".to_owned()),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method-not-allowed",
            "Method not allowed",
            "this path does not accept this method".to_owned(),
        ),
        s => ("error", s.canonical_reason().unwrap_or("Error"), s.to_string()),
    };
    let (req, _) = res.into_parts();
    let mut new = if req.path().starts_with("/s/") {
        crate::routes::errors::citizen_fallback(&req, status)
    } else {
        problem_response(status, slug, title, detail, None)
    };
    if let Some(allow) = allow {
        new.headers_mut().insert(header::ALLOW, allow);
    }
    let res: ServiceResponse<BoxBody> = ServiceResponse::new(req, new);
    Ok(ErrorHandlerResponse::Response(res.map_into_right_body()))
}

/// A plain Indonesian page for a citizen URL that matched no handler.
pub fn citizen_fallback(_req: &HttpRequest, status: StatusCode) -> actix_web::HttpResponse {
    let (title, text) = match status {
        StatusCode::NOT_FOUND => (
            "Halaman tidak ditemukan",
            "Tautan survei ini tidak dikenal. Periksa kembali alamatnya. / This survey link is unknown.",
        ),
        _ => ("Terjadi kesalahan", "Mohon coba lagi sebentar lagi. / Please try again shortly."),
    };
    actix_web::HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(format!("<!doctype html><html lang=\"id\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title><h1>{title}</h1><p>{text}</p></html>"))
}
