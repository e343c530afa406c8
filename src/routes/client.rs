//! The client's address, for the submission rate limit only: never stored or logged. Behind a
//! trusted proxy (`INTEGRITAS_TRUST_PROXY`) it is the first `X-Forwarded-For` entry.

use actix_web::HttpRequest;

pub fn client_address(req: &HttpRequest, trust_proxy: bool) -> String {
    if trust_proxy
        && let Some(xff) = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(first) = xff.split(',').next().map(str::trim).filter(|s| !s.is_empty())
    {
        return first.to_owned();
    }
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default()
}
