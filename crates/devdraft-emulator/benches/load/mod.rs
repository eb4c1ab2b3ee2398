//! A closed-loop load of creates, shared by the benchmarks of several crates (`#[path]`; in a
//! folder, so cargo does not build it as a benchmark of its own): each connection posts one
//! unique customer after another (each with an idempotency key of its own if asked, as the
//! widget and the proxy send); requests sent during the warm-up are not counted.

use std::time::{Duration, Instant};

/// What to send, and for how long.
pub struct Load {
    /// Where to POST.
    pub url: String,
    /// `x-client-key` / `x-client-secret` to send, if any.
    pub credentials: Option<(&'static str, &'static str)>,
    /// Send an `idempotency-key` (a new UUID) with each create.
    pub idempotency_keys: bool,
    /// Connections, each with one request in flight.
    pub connections: usize,
    /// Creates per second in all, sent on a fixed schedule whatever the answers (an open
    /// loop, for latency at a given load); `None` sends each as soon as the last is answered.
    pub rate: Option<f64>,
    /// Not counted.
    pub warm_up: Duration,
    /// Counted.
    pub measure: Duration,
}

/// What came back.
pub struct Report {
    /// Latencies of the 201s, sorted.
    pub latencies: Vec<Duration>,
    /// Anything but a 201.
    pub errors: u64,
    /// How long was counted.
    pub measured: Duration,
    /// 201s over the whole run, warm-up included.
    pub created: u64,
}

impl Report {
    /// Creates per second.
    pub fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.measured.as_secs_f64()
    }

    /// The `p` quantile of latency (0..=1).
    pub fn percentile(&self, p: f64) -> Duration {
        let last = self.latencies.len().saturating_sub(1);
        self.latencies
            .get(((self.latencies.len() as f64 * p) as usize).min(last))
            .copied()
            .unwrap_or_default()
    }
}

/// Runs `load` on the current runtime.
pub async fn run(load: &Load) -> Report {
    let start = Instant::now();
    let run = uuid::Uuid::new_v4().simple().to_string();
    let (warm_up, measure) = (load.warm_up, load.measure);
    let tasks: Vec<_> = (0..load.connections)
        .map(|connection| {
            let (url, run, credentials) = (load.url.clone(), run.clone(), load.credentials);
            let idempotency_keys = load.idempotency_keys;
            // Each connection's share of the rate, the connections staggered evenly.
            let interval = load
                .rate
                .map(|rate| Duration::from_secs_f64(load.connections as f64 / rate));
            let mut next = tokio::time::Instant::now()
                + interval.unwrap_or_default().mul_f64(connection as f64 / load.connections as f64);
            tokio::spawn(async move {
                let client = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
                let (mut latencies, mut errors, mut created) = (Vec::new(), 0u64, 0u64);
                for i in 0.. {
                    if let Some(interval) = interval {
                        tokio::time::sleep_until(next).await;
                        next += interval;
                    }
                    let sent = Instant::now();
                    if sent - start > warm_up + measure {
                        break;
                    }
                    let body = format!(
                        r#"{{"first_name":"Load","last_name":"Test","phone_number":"+15551234567","email":"{run}c{connection}n{i}@example.com"}}"#
                    );
                    let mut request = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body);
                    if idempotency_keys {
                        request = request.header("idempotency-key", uuid::Uuid::new_v4().to_string());
                    }
                    if let Some((key, secret)) = credentials {
                        request = request.header("x-client-key", key).header("x-client-secret", secret);
                    }
                    let ok = match request.send().await {
                        Ok(response) => response.status() == 201 && response.bytes().await.is_ok(),
                        Err(_) => false,
                    };
                    created += u64::from(ok);
                    if sent - start >= warm_up {
                        if ok {
                            latencies.push(sent.elapsed());
                        } else {
                            errors += 1;
                        }
                    }
                }
                (latencies, errors, created)
            })
        })
        .collect();
    let (mut latencies, mut errors, mut created) = (Vec::new(), 0, 0);
    for task in tasks {
        let (mine, failed, made) = task.await.unwrap();
        latencies.extend(mine);
        errors += failed;
        created += made;
    }
    latencies.sort_unstable();
    Report {
        latencies,
        errors,
        measured: measure,
        created,
    }
}
