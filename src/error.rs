//! The one application error type, mapped to RFC 9457 problem+json in one place.
//!
//! Database constraint violations become 4xx in [`AppError::from`] (`DbErr::sql_err`), lost
//! connections become 503, and anything else is logged with its cause and answered as a bare 500
//! that leaks nothing.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use sea_orm::{DbErr, RuntimeErr, SqlErr};
use serde::Serialize;

pub type FieldMessages = BTreeMap<String, Vec<String>>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("validation failed")]
    Validation { detail: String, errors: FieldMessages },
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// The path exists but does not serve this method; holds the `Allow` header's value.
    #[error("method not allowed (allow: {0})")]
    MethodNotAllowed(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("gone: {0}")]
    Gone(String),
    #[error("payload too large")]
    PayloadTooLarge(String),
    #[error("unsupported media type")]
    UnsupportedMediaType(String),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// A 422 with one message for one field.
    pub fn field(field: &str, message: impl Into<String>) -> AppError {
        let mut errors = FieldMessages::new();
        errors.insert(field.to_owned(), vec![message.into()]);
        AppError::Validation {
            detail: format!("`{field}` is not valid"),
            errors,
        }
    }

    pub fn validation(errors: FieldMessages) -> AppError {
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        AppError::Validation {
            detail: format!("invalid fields: {}", fields.join(", ")),
            errors,
        }
    }

    pub fn not_found(what: &str) -> AppError {
        AppError::NotFound(format!("{what} not found"))
    }

    /// The problem type slug, title and status of this error.
    fn kind(&self) -> (&'static str, &'static str, StatusCode) {
        match self {
            AppError::Validation { .. } => (
                "validation-error",
                "Your request has invalid fields",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            AppError::BadRequest(_) => ("bad-request", "Bad request", StatusCode::BAD_REQUEST),
            AppError::Unauthorized(_) => ("unauthorized", "Authentication required", StatusCode::UNAUTHORIZED),
            AppError::Forbidden(_) => ("forbidden", "Not allowed for this key", StatusCode::FORBIDDEN),
            AppError::NotFound(_) => ("not-found", "Not found", StatusCode::NOT_FOUND),
            AppError::MethodNotAllowed(_) => ("method-not-allowed", "Method not allowed", StatusCode::METHOD_NOT_ALLOWED),
            AppError::Conflict(_) => ("conflict", "Conflict", StatusCode::CONFLICT),
            AppError::Gone(_) => ("gone", "No longer available", StatusCode::GONE),
            AppError::PayloadTooLarge(_) => ("payload-too-large", "Request body too large", StatusCode::PAYLOAD_TOO_LARGE),
            AppError::UnsupportedMediaType(_) => (
                "unsupported-media-type",
                "Unsupported content type",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ),
            AppError::TooManyRequests { .. } => ("rate-limited", "Too many requests", StatusCode::TOO_MANY_REQUESTS),
            AppError::Unavailable(_) => ("unavailable", "Service temporarily unavailable", StatusCode::SERVICE_UNAVAILABLE),
            AppError::Internal(_) => ("internal", "Internal server error", StatusCode::INTERNAL_SERVER_ERROR),
        }
    }

    /// The client-facing detail: never an internal cause.
    pub fn detail(&self) -> String {
        match self {
            AppError::Validation { detail, .. } => detail.clone(),
            AppError::BadRequest(d)
            | AppError::Unauthorized(d)
            | AppError::Forbidden(d)
            | AppError::NotFound(d)
            | AppError::Conflict(d)
            | AppError::Gone(d)
            | AppError::PayloadTooLarge(d)
            | AppError::UnsupportedMediaType(d)
            | AppError::Unavailable(d) => d.clone(),
            AppError::MethodNotAllowed(allow) => format!("this path accepts only {allow}"),
            AppError::TooManyRequests { retry_after_secs } => format!("try again in {retry_after_secs} seconds"),
            AppError::Internal(_) => "an unexpected error occurred; it has been logged".into(),
        }
    }
}

/// The RFC 9457 body.
#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Per-field messages, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<FieldMessages>,
}

pub const PROBLEM_JSON: &str = "application/problem+json";

pub fn problem_response(status: StatusCode, slug: &str, title: &str, detail: String, errors: Option<FieldMessages>) -> HttpResponse {
    let body = Problem {
        type_: format!("/problems/{slug}"),
        title: title.to_owned(),
        status: status.as_u16(),
        detail,
        errors,
    };
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .body(serde_json::to_string(&body).unwrap_or_default())
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.kind().2
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(e) = self {
            tracing::error!(error = ?e, "internal error");
        }
        let (slug, title, status) = self.kind();
        let errors = match self {
            AppError::Validation { errors, .. } => Some(errors.clone()),
            _ => None,
        };
        let mut resp = problem_response(status, slug, title, self.detail(), errors);
        match self {
            AppError::TooManyRequests { retry_after_secs } => {
                resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            AppError::Unauthorized(_) => {
                resp.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            AppError::Unavailable(_) => {
                resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            AppError::MethodNotAllowed(allow) => {
                if let Ok(v) = HeaderValue::from_str(allow) {
                    resp.headers_mut().insert(header::ALLOW, v);
                }
            }
            _ => {}
        }
        resp
    }
}

/// True when the database could not be reached (as opposed to a bad statement).
///
/// Besides lost sockets and pool timeouts, this counts the errors a database server sends when it
/// is going away or not there yet: SQLSTATE class 08 (connection exception) and 57P
/// (`admin_shutdown` when PostgreSQL is stopped or restarted in the default "fast" mode or a
/// session is terminated, `crash_shutdown`, `cannot_connect_now` while it starts).
pub fn is_unavailable(e: &DbErr) -> bool {
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s)) => match s.as_ref() {
            sea_orm::sqlx::Error::Io(_)
            | sea_orm::sqlx::Error::PoolTimedOut
            | sea_orm::sqlx::Error::PoolClosed
            | sea_orm::sqlx::Error::WorkerCrashed
            | sea_orm::sqlx::Error::Tls(_) => true,
            sea_orm::sqlx::Error::Database(d) => d.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
            _ => false,
        },
        _ => false,
    }
}

impl From<DbErr> for AppError {
    fn from(e: DbErr) -> AppError {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict("a record with the same unique value already exists".into()),
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                AppError::Conflict("the record refers to, or is referred to by, another record".into())
            }
            _ if is_unavailable(&e) => {
                tracing::warn!(error = %e, "database unavailable");
                AppError::Unavailable("the database is unavailable; please try again shortly".into())
            }
            _ => AppError::Internal(anyhow::Error::new(e)),
        }
    }
}

impl From<crate::domain::access::Denied> for AppError {
    fn from(d: crate::domain::access::Denied) -> AppError {
        AppError::Forbidden(d.0.to_owned())
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Names the step that failed on an internal error, keeping the classification of the others (a
/// constraint violation stays a 409, a lost database a 503): `repo::x(db).await.during("…")?`.
pub trait During<T> {
    fn during(self, step: &'static str) -> AppResult<T>;
}

impl<T, E: Into<AppError>> During<T> for Result<T, E> {
    fn during(self, step: &'static str) -> AppResult<T> {
        self.map_err(|e| match e.into() {
            AppError::Internal(e) => AppError::Internal(e.context(step)),
            other => other,
        })
    }
}

/// Collects per-field refusals so one 422 lists every wrong field.
#[derive(Default)]
pub struct Fields(FieldMessages);

impl Fields {
    pub fn new() -> Fields {
        Fields::default()
    }
    /// Keeps the value, or records why it was refused.
    pub fn check<T>(&mut self, field: &str, r: Result<T, String>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(m) => {
                self.add(field, m);
                None
            }
        }
    }
    /// A required value.
    pub fn require<T>(&mut self, field: &str, v: Option<T>) -> Option<T> {
        if v.is_none() {
            self.add(field, "is required");
        }
        v
    }
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_owned()).or_default().push(message.into());
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// `Err(422)` when anything was refused.
    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::validation(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn during_adds_context_to_internal_errors_only() {
        let internal: Result<(), DbErr> = Err(DbErr::Custom("boom".into()));
        match internal.during("reading the campaign") {
            Err(AppError::Internal(e)) => {
                assert_eq!(e.to_string(), "reading the campaign");
                assert!(format!("{e:?}").contains("boom"), "the cause is kept");
            }
            other => panic!("expected an internal error, got {other:?}"),
        }
        let refused: Result<(), AppError> = Err(AppError::not_found("unit"));
        assert!(matches!(refused.during("reading the unit"), Err(AppError::NotFound(_))));
    }
}
