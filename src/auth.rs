//! Bearer-key authentication: finds the [`Principal`] behind a request (the role rules
//! themselves are pure, in `domain::access`).
//!
//! A key is looked up by its SHA-256 hash (the plaintext is never stored) and the stored hash is
//! compared in constant time. Revocation takes effect on the next request: nothing is cached.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use uuid::Uuid;

use crate::domain::credentials::{Role, hash_secret, hashes_equal};
use crate::error::AppError;
use crate::repo;
use crate::state::AppState;

pub use crate::domain::access::Principal;

/// The HTML pages' session cookie (HttpOnly, SameSite=Strict, Path=/).
pub const SESSION_COOKIE: &str = "integritas_session";
pub use crate::domain::access::SESSION_SECS;

/// Resolves a key id to a principal, refusing revoked keys.
pub async fn principal_of_key(state: &AppState, key_id: Uuid) -> Result<Principal, AppError> {
    let k = repo::keys::find(&state.db, key_id).await?.filter(|k| k.revoked_at.is_none());
    let k = k.ok_or_else(|| AppError::Unauthorized("unknown or revoked key".into()))?;
    let role: Role = k.role.parse().map_err(|e: String| AppError::Internal(anyhow::anyhow!(e)))?;
    Ok(Principal {
        key_id: k.id,
        role,
        unit_id: k.unit_id,
    })
}

/// The principal of a valid session cookie, if any.
pub async fn from_session(state: &AppState, req: &HttpRequest) -> Result<Option<(Principal, String)>, AppError> {
    let Some(cookie) = req.cookie(SESSION_COOKIE) else {
        return Ok(None);
    };
    let value = cookie.value().to_owned();
    // The signature first (no lookup for a forged cookie), then the recorded session: ended by
    // logout or key revocation, or expired, it opens nothing.
    let Some(id) = crate::domain::credentials::verify_session(&state.session_key, &value) else {
        return Ok(None);
    };
    let live = repo::sessions::live_key(&state.db, &hash_secret(id), crate::domain::now()).await?;
    let Some(key_id) = live else { return Ok(None) };
    match principal_of_key(state, key_id).await {
        Ok(p) => Ok(Some((p, value))),
        Err(AppError::Unauthorized(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads `Authorization: Bearer <key>` and resolves it; for GET requests without the header, a
/// login session (the HTML pages and their downloads) is accepted too. Changes always need the
/// header, so a session cookie alone can never change anything through the API.
pub async fn authenticate(state: &AppState, req: &HttpRequest) -> Result<Principal, AppError> {
    if req.headers().get(header::AUTHORIZATION).is_none()
        && (req.method() == actix_web::http::Method::GET || req.method() == actix_web::http::Method::HEAD)
        && let Some((p, _)) = from_session(state, req).await?
    {
        return Ok(p);
    }
    let raw = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| AppError::Unauthorized("send `Authorization: Bearer <key>`".into()))?;
    let raw = raw
        .to_str()
        .map_err(|_| AppError::Unauthorized("malformed Authorization header".into()))?;
    let key = raw
        .strip_prefix("Bearer ")
        .or_else(|| raw.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .ok_or_else(|| AppError::Unauthorized("expected a Bearer key".into()))?;
    let hash = hash_secret(key);
    let found = repo::keys::find_by_hash(&state.db, &hash).await?;
    let Some(k) = found.filter(|k| hashes_equal(&k.key_hash, &hash)) else {
        return Err(AppError::Unauthorized("unknown or revoked key".into()));
    };
    if k.revoked_at.is_some() {
        return Err(AppError::Unauthorized("unknown or revoked key".into()));
    }
    let role: Role = k.role.parse().map_err(|e: String| AppError::Internal(anyhow::anyhow!(e)))?;
    Ok(Principal {
        key_id: k.id,
        role,
        unit_id: k.unit_id,
    })
}

impl FromRequest for Principal {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Principal, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("app state missing")))?
                .clone();
            authenticate(&state, &req).await
        })
    }
}
