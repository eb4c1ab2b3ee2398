//! What the proxy is doing, for Prometheus: `signup serve --metrics-listen ADDR` serves
//! [`metrics_app`] there, never on the public listener.
//!
//! `prometheus-client` with an explicit registry (no global recorder): every worker of one
//! instance holds the same [`Metrics`], tests can run several instances in one process, and
//! counting is an atomic add on a handle, so metrics are always counted and only their serving
//! is optional.

use std::{sync::Arc, time::Duration};

use axum::{
    Router,
    http::{StatusCode, header},
    response::IntoResponse,
    routing::get,
};
use devdraft_api::client::{AttemptReport, Failure, Observer};
use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::{Registry, Unit},
};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Status {
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimiterName {
    limiter: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Level {
    level: u32,
}

/// The proxy's metrics, shared by the workers of one instance.
pub struct Metrics {
    registry: Registry,
    creates: Family<Outcome, Counter>,
    attempts: Family<Status, Counter>,
    retries: Counter,
    upstream_seconds: Histogram,
    denials: Family<LimiterName, Counter>,
    challenges: Family<Level, Counter>,
    in_flight: Gauge,
    redis_in_use: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Every metric at zero.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("signup");
        let creates = Family::<Outcome, Counter>::default();
        registry.register(
            "creates",
            "Create requests answered, by outcome (as in the audit log)",
            creates.clone(),
        );
        let attempts = Family::<Status, Counter>::default();
        registry.register(
            "upstream_attempts",
            "Requests sent to Devdraft, by the status answered (or timeout, unreachable)",
            attempts.clone(),
        );
        let retries = Counter::default();
        registry.register(
            "upstream_retries",
            "Requests sent to Devdraft again, with the same idempotency key",
            retries.clone(),
        );
        // 1 ms to about 8 s: an emulator on loopback to a Devdraft at its deadline.
        let upstream_seconds = Histogram::new(
            prometheus_client::metrics::histogram::exponential_buckets(0.001, 2.0, 14),
        );
        registry.register_with_unit(
            "upstream_duration",
            "Time of one request to Devdraft, until its whole answer",
            Unit::Seconds,
            upstream_seconds.clone(),
        );
        let denials = Family::<LimiterName, Counter>::default();
        registry.register(
            "limiter_denials",
            "Creates refused by a limit: ip (per client IP) or budget (Devdraft's quota)",
            denials.clone(),
        );
        let challenges = Family::<Level, Counter>::default();
        registry.register(
            "challenges_issued",
            "Proof-of-work challenges issued, by level (the cost multiplier: 1, 4 or 16)",
            challenges.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "requests_in_flight",
            "Create requests being handled now",
            in_flight.clone(),
        );
        let redis_in_use = Gauge::default();
        registry.register(
            "redis_in_use",
            "1 while limits are counted in Redis, 0 while this instance counts alone",
            redis_in_use.clone(),
        );
        Metrics {
            registry,
            creates,
            attempts,
            retries,
            upstream_seconds,
            denials,
            challenges,
            in_flight,
            redis_in_use,
        }
    }

    /// The Prometheus text format of every metric.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    /// The gauge a Redis store sets to 1 or 0.
    pub fn redis_in_use(&self) -> Gauge {
        self.redis_in_use.clone()
    }

    /// A create answered with `outcome`.
    pub(crate) fn create(&self, outcome: &'static str) {
        self.creates.get_or_create(&Outcome { outcome }).inc();
    }

    /// A create refused by the limit `limiter` (`ip` or `budget`).
    pub(crate) fn denied(&self, limiter: &'static str) {
        self.denials.get_or_create(&LimiterName { limiter }).inc();
    }

    /// A challenge issued at `level`.
    pub(crate) fn challenge(&self, level: u32) {
        self.challenges.get_or_create(&Level { level }).inc();
    }

    /// Counts a create in flight until the guard is dropped (also when the client goes away).
    pub(crate) fn in_flight(&self) -> InFlight {
        self.in_flight.inc();
        InFlight(self.in_flight.clone())
    }
}

/// See [`Metrics::in_flight`].
pub(crate) struct InFlight(Gauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl Observer for Metrics {
    fn attempt(&self, report: &AttemptReport) {
        let status = match (report.status, report.failure) {
            (Some(status), _) => status_label(status),
            (None, Some(Failure::Timeout)) => "timeout",
            (None, _) => "unreachable",
        };
        self.attempts.get_or_create(&Status { status }).inc();
        if report.number > 0 {
            self.retries.inc();
        }
        self.upstream_seconds
            .observe(Duration::as_secs_f64(&report.elapsed));
    }
}

/// A status as a label without allocating: the ones Devdraft answers by name, the rest by class.
fn status_label(status: u16) -> &'static str {
    const NAMED: [(u16, &str); 13] = [
        (200, "200"),
        (201, "201"),
        (400, "400"),
        (401, "401"),
        (403, "403"),
        (404, "404"),
        (409, "409"),
        (422, "422"),
        (429, "429"),
        (500, "500"),
        (502, "502"),
        (503, "503"),
        (504, "504"),
    ];
    if let Some((_, label)) = NAMED.iter().find(|(code, _)| *code == status) {
        return label;
    }
    match status / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

/// `GET /metrics` in the Prometheus text format, for a listener of its own.
pub fn metrics_app(metrics: Arc<Metrics>) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(move || {
                let metrics = Arc::clone(&metrics);
                async move {
                    (
                        [(
                            header::CONTENT_TYPE,
                            "application/openmetrics-text; version=1.0.0; charset=utf-8",
                        )],
                        metrics.render(),
                    )
                }
            }),
        )
        .fallback(|| async { StatusCode::NOT_FOUND.into_response() })
}
