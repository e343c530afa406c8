//! `integritas healthcheck`: one `GET /healthz` against the running service, for the image's
//! `HEALTHCHECK` (exec form: the slim image has no curl, and `/bin/sh` there is dash, which has no
//! `/dev/tcp`). Exit 0 on `200`, 1 on anything else, within a short deadline.
//!
//! Written over `std::net::TcpStream` on purpose: the service binary carries no HTTP client (the
//! load generator, which needs one, is its own package), and one plain-HTTP request on the
//! service's own listener reading one status line is all a health check needs. TLS is refused with
//! a clear message: the check talks to the listener, never to a proxy in front of it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The base URL to check when none is given: the listen address, with an unspecified address
/// (`0.0.0.0`, `::`, as in the image) replaced by the loopback address of the same family.
pub fn base_url_for(listen: SocketAddr) -> String {
    let ip = match listen.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, listen.port()))
}

/// `GET {base}/healthz`; `Ok` with the status line when the answer is `200`.
pub fn check(base: &str, timeout: Duration) -> Result<String, String> {
    let url = url::Url::parse(base).map_err(|e| format!("`{base}` is not a URL: {e}"))?;
    if url.scheme() != "http" {
        return Err(format!(
            "`{base}`: only http:// is supported (check the service's own listener, not a TLS proxy)"
        ));
    }
    let host = url.host_str().ok_or_else(|| format!("`{base}` has no host"))?;
    let port = url.port_or_known_default().unwrap_or(80);
    let path = format!("{}/healthz", url.path().trim_end_matches('/'));
    let target = format!("{}{path}", url.origin().ascii_serialization());
    let deadline = Instant::now() + timeout;
    let left = || deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));

    // `host_str` keeps the brackets of an IPv6 literal; the resolver wants them off.
    let addrs: Vec<SocketAddr> = (host.trim_start_matches('[').trim_end_matches(']'), port)
        .to_socket_addrs()
        .map_err(|e| format!("{target}: cannot resolve {host}: {e}"))?
        .collect();
    let mut stream = None;
    let mut last_error = format!("{target}: {host} has no address");
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, left()) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_error = format!("{target}: cannot connect to {addr}: {e}"),
        }
    }
    let stream = stream.ok_or(last_error)?;
    let io = |e: std::io::Error| format!("{target}: {e}");
    stream.set_write_timeout(Some(left())).map_err(io)?;
    (&stream)
        .write_all(
            format!(
                "GET {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: integritas-healthcheck\r\nConnection: close\r\n\r\n",
                host_header(&url)
            )
            .as_bytes(),
        )
        .map_err(io)?;
    stream.set_read_timeout(Some(left())).map_err(io)?;
    // The status line is all we read; a bounded read keeps a stray peer from feeding us forever.
    let mut line = String::new();
    BufReader::new(stream.take(1024)).read_line(&mut line).map_err(io)?;
    let line = line.trim_end().to_owned();
    match status_code(&line) {
        Some(200) => Ok(format!("{target}: {line}")),
        Some(_) => Err(format!("{target}: {line}")),
        None if line.is_empty() => Err(format!("{target}: the connection closed without an answer")),
        None => Err(format!(
            "{target}: not an HTTP answer: {}",
            line.chars().take(80).collect::<String>()
        )),
    }
}

fn host_header(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    }
}

/// The status code of an HTTP/1.x status line (`HTTP/1.1 200 OK` → 200).
fn status_code(line: &str) -> Option<u16> {
    let mut parts = line.split_ascii_whitespace();
    let version = parts.next()?;
    if !version.starts_with("HTTP/1.") {
        return None;
    }
    let code = parts.next()?;
    if code.len() != 3 {
        return None;
    }
    code.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unspecified_listen_addresses_are_checked_on_loopback() {
        assert_eq!(base_url_for("0.0.0.0:8080".parse().unwrap()), "http://127.0.0.1:8080");
        assert_eq!(base_url_for("[::]:8080".parse().unwrap()), "http://[::1]:8080");
        assert_eq!(base_url_for("10.1.2.3:9000".parse().unwrap()), "http://10.1.2.3:9000");
        assert_eq!(base_url_for("[::1]:1".parse().unwrap()), "http://[::1]:1");
    }

    #[test]
    fn status_lines() {
        assert_eq!(status_code("HTTP/1.1 200 OK"), Some(200));
        assert_eq!(status_code("HTTP/1.0 503 Service Unavailable"), Some(503));
        assert_eq!(status_code("HTTP/1.1 200"), Some(200));
        assert_eq!(status_code("SSH-2.0-OpenSSH_9.2"), None);
        assert_eq!(status_code("HTTP/1.1 2000 OK"), None);
        assert_eq!(status_code(""), None);
    }

    #[test]
    fn only_plain_http_urls() {
        let t = Duration::from_millis(200);
        assert!(check("https://127.0.0.1:1", t).unwrap_err().contains("only http://"));
        assert!(check("not a url", t).unwrap_err().contains("is not a URL"));
    }
}
