//! The client's address, for the submission rate limit only: never stored or logged. Behind
//! trusted proxies (`INTEGRITAS_TRUST_PROXY`) it is the rightmost `X-Forwarded-For` hop that is
//! not one of them (`domain::network::client_of`); otherwise the peer.

use std::net::IpAddr;

use actix_web::HttpRequest;

use crate::domain::network::{TrustProxy, client_of};

pub fn client_address(req: &HttpRequest, trust: &TrustProxy) -> IpAddr {
    let forwarded = req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok());
    client_of(req.peer_addr().map(|a| a.ip()), forwarded, trust).unwrap_or(IpAddr::from([0, 0, 0, 0]))
}
