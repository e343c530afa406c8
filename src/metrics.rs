//! Prometheus metrics: requests and latency by route pattern (never the raw path, which may hold
//! a token), plus domain counters.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder};

pub struct Metrics {
    registry: Registry,
    pub requests: IntCounterVec,
    pub latency: HistogramVec,
    pub submissions: IntCounterVec,
    /// Budgets the submission rate limiter holds (bounded by `INTEGRITAS_RATE_LIMIT_KEYS`).
    pub rate_limit_keys: IntGauge,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("integritas_http_requests_total", "HTTP requests by method, route and status"),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "integritas_http_request_duration_seconds",
                "HTTP request latency by method and route",
            )
            .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]),
            &["method", "route"],
        )
        .expect("valid metric");
        let submissions = IntCounterVec::new(
            Opts::new("integritas_submissions_total", "Survey submissions by outcome"),
            &["outcome"],
        )
        .expect("valid metric");
        let rate_limit_keys = IntGauge::new(
            "integritas_rate_limit_keys",
            "Budgets held by the submission rate limiter (link or batch × client group)",
        )
        .expect("valid metric");
        registry.register(Box::new(rate_limit_keys.clone())).expect("register");
        registry.register(Box::new(requests.clone())).expect("register");
        registry.register(Box::new(latency.clone())).expect("register");
        registry.register(Box::new(submissions.clone())).expect("register");
        Metrics {
            registry,
            requests,
            latency,
            submissions,
            rate_limit_keys,
        }
    }

    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Middleware: counts every request under its route pattern. It finds the [`Metrics`] as app data
/// of their own (`web::Data<Metrics>`, sharing the state's `Arc`), so this module needs nothing
/// from the application state.
pub async fn track(req: ServiceRequest, next: Next<impl MessageBody>) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let res = next.call(req).await;
    if let Some(m) = metrics {
        let status = match &res {
            Ok(r) => r.status().as_u16(),
            Err(e) => e.as_response_error().status_code().as_u16(),
        };
        m.requests.with_label_values(&[&method, &route, &status.to_string()]).inc();
        m.latency
            .with_label_values(&[&method, &route])
            .observe(started.elapsed().as_secs_f64());
    }
    res
}
