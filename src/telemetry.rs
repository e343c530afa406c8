//! Tracing: one subscriber, text or JSON lines, filtered by `RUST_LOG` (default `info`).
//! Request ids come from tracing-actix-web's root span. No line carries a token or an address:
//! the request span records only the matched route pattern, never the raw path or the peer.
//! Colours only when the log goes to a terminal: a log file or a journal must not fill with
//! escape codes.

use std::io::IsTerminal;

use crate::config::LogFormat;
use tracing_subscriber::{EnvFilter, fmt};

/// Installs the global subscriber; a second call is a no-op (tests call it many times).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn,tracing_actix_web=error"));
    let ansi = use_colour(
        format,
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
    );
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// Whether log lines carry terminal colour codes: text to a terminal only, and not when
/// `NO_COLOR` is set (<https://no-color.org>). JSON lines never do.
pub fn use_colour(format: LogFormat, stderr_is_terminal: bool, no_color: bool) -> bool {
    format == LogFormat::Text && stderr_is_terminal && !no_color
}

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

/// The request span: method, route pattern and request id only. The default builder records the
/// raw target and the client address, which would put tokens and IPs in the logs.
pub struct QuietRootSpan;

impl RootSpanBuilder for QuietRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let route = request.match_pattern().unwrap_or_else(|| "unmatched".into());
        let request_id = request.extensions().get::<RequestId>().map(|r| r.to_string()).unwrap_or_default();
        tracing::info_span!("request", method = %request.method(), route = %route, request_id = %request_id)
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, actix_web::Error>) {
        let _enter = span.enter();
        match outcome {
            Ok(res) => {
                let status = res.status().as_u16();
                if status >= 500 {
                    tracing::warn!(status, "request finished");
                } else {
                    tracing::info!(status, "request finished");
                }
            }
            Err(e) => tracing::warn!(status = e.as_response_error().status_code().as_u16(), "request failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_for_text_on_a_terminal() {
        assert!(use_colour(LogFormat::Text, true, false));
        // A file, a pipe, a journal: plain text.
        assert!(!use_colour(LogFormat::Text, false, false));
        assert!(!use_colour(LogFormat::Text, true, true), "NO_COLOR is honoured");
        for terminal in [true, false] {
            for no_color in [true, false] {
                assert!(!use_colour(LogFormat::Json, terminal, no_color), "JSON never carries colour codes");
            }
        }
    }
}
