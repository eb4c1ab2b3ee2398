//! What sharing the limits through Redis costs, and that the budget holds across instances:
//! `cargo xtask bench` (needs `redis-server`, which `cargo xtask setup` installs).
//!
//! Goals: at most 0.3 ms added median latency per create against the in-memory limiters,
//! measured in the same run; and across three instances, never more creates upstream in a
//! window than the budget.
//!
//! - Latency: one proxy with in-memory limiters and one counting both limits (per IP and the
//!   budget, two round trips) in a `redis-server` on a unix socket, each in front of the same
//!   in-memory emulator, measured in turn, five rounds each, interleaved: one connection
//!   sending creates one after another (the latency of a create alone), then a fixed 1,000
//!   creates/s over 16 connections (a load, far below capacity).
//! - Budget: three proxies sharing the Redis with `--upstream-budget 100`, loaded as hard as
//!   they go across a minute boundary; the emulator's customers are then counted by the minute
//!   of their `createdAt`.
//!
//! A load test, not criterion: it reports medians and p99s.

use std::{num::NonZeroUsize, path::Path, time::Duration};

#[path = "../../devdraft-emulator/benches/load/mod.rs"]
mod load;
#[allow(dead_code, reason = "the tests use the rest")]
#[path = "../tests/support/redis_server.rs"]
mod redis_server;

use devdraft_api::client::ClientConfig;
use devdraft_emulator::{Config as EmulatorConfig, Emulator};
use signup_proxy::{Config, RedisConfig, Shared, Workers};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const KEY: &str = "bench-key";
const SECRET: &str = "bench-secret";
const ROUNDS: usize = 5;
const BUDGET: u32 = 100;

fn main() {
    let dir = std::env::temp_dir().join(format!("signup-bench-redis-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let redis = redis_server::RedisServer::start(&dir);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        latency(&start_emulator().await, &redis).await;
        // A fresh emulator: its customers are then the budget phase's alone.
        budget(&start_emulator().await, &redis).await;
    });
    drop(redis);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn start_emulator() -> String {
    let mut config = EmulatorConfig::new(KEY, SECRET);
    config.rate_limit = 0;
    let emulator = Emulator::open(config, Path::new(":memory:")).unwrap();
    let (address, _serving) = devdraft_emulator::spawn_on_loopback(emulator)
        .await
        .unwrap();
    format!("http://{address}")
}

fn config(emulator: &str, rate_limit: u32, budget: u32) -> Config {
    let mut config = Config::new(ClientConfig::new(emulator, KEY, SECRET));
    config.rate_limit = rate_limit;
    config.upstream_budget = budget;
    config
}

/// A proxy on one worker thread, as `signup serve --workers 1`, counting into `shared`.
fn start_proxy(config: Config, shared: &Shared) -> (String, Workers) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/api/customers", listener.local_addr().unwrap());
    let workers = Workers::start(listener, NonZeroUsize::MIN, config, shared).unwrap();
    (url, workers)
}

/// `redis` with keys under `prefix`, so each phase counts from zero.
fn redis_config(redis: &redis_server::RedisServer, prefix: &str) -> RedisConfig {
    let mut config = RedisConfig::new(redis.url());
    config.prefix = prefix.to_owned();
    config
}

async fn latency(emulator: &str, redis: &redis_server::RedisServer) {
    // Limits far above the load, so every create is counted twice and none is refused.
    let config = config(emulator, 1_000_000_000, 1_000_000_000);
    let memory = Shared::in_memory(&config);
    let shared = Shared::with_redis(&config, &redis_config(redis, "latency"))
        .await
        .unwrap();
    assert_eq!(shared.redis_in_use(), Some(true), "redis-server answers");
    let (memory_url, memory_workers) = start_proxy(config.clone(), &memory);
    let (redis_url, redis_workers) = start_proxy(config, &shared);
    for (name, connections, rate) in [
        ("one create at a time", 1, None),
        ("1,000 creates/s over 16 connections", 16, Some(1000.0)),
    ] {
        let mut runs: [Vec<load::Report>; 2] = Default::default();
        for _ in 0..ROUNDS {
            for (index, url) in [&memory_url, &redis_url].into_iter().enumerate() {
                let report = load::run(&load::Load {
                    url: url.clone(),
                    credentials: None,
                    idempotency_keys: true,
                    connections,
                    rate,
                    warm_up: Duration::from_millis(300),
                    measure: Duration::from_secs(2),
                })
                .await;
                assert_eq!(report.errors, 0, "every create is answered 201");
                runs[index].push(report);
            }
        }
        let median = |reports: &[load::Report], p: f64| {
            let mut values: Vec<Duration> = reports.iter().map(|r| r.percentile(p)).collect();
            values.sort();
            values[values.len() / 2]
        };
        let [memory_runs, redis_runs] = &runs;
        println!("\nshared limits, {name} (medians of {ROUNDS} interleaved runs):");
        for (label, reports) in [("in memory", memory_runs), ("redis", redis_runs)] {
            let mut rates: Vec<f64> = reports.iter().map(load::Report::per_second).collect();
            rates.sort_by(f64::total_cmp);
            println!(
                "  {label:<10} p50 {:>8.1} µs   p99 {:>8.1} µs   {:>7.0} creates/s",
                micros(median(reports, 0.5)),
                micros(median(reports, 0.99)),
                rates[rates.len() / 2],
            );
        }
        let added: Vec<f64> = memory_runs
            .iter()
            .zip(redis_runs)
            .map(|(memory, redis)| micros(redis.percentile(0.5)) - micros(memory.percentile(0.5)))
            .collect();
        let mut sorted = added.clone();
        sorted.sort_by(f64::total_cmp);
        println!(
            "  added median latency: {:.1} µs (median of the rounds' differences {:?}; goal at most 300 µs)",
            sorted[sorted.len() / 2],
            added.iter().map(|a| a.round()).collect::<Vec<_>>()
        );
    }
    memory_workers.stop().unwrap();
    redis_workers.stop().unwrap();
}

async fn budget(emulator: &str, redis: &redis_server::RedisServer) {
    let config = config(emulator, 0, BUDGET);
    let mut proxies = Vec::new();
    for _ in 0..3 {
        let shared = Shared::with_redis(&config, &redis_config(redis, "budget"))
            .await
            .unwrap();
        proxies.push(start_proxy(config.clone(), &shared));
    }
    // Start 3 s before a minute ends and load for 6 s, so the load crosses a window boundary.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let into_minute = Duration::from_millis(u64::try_from(now.as_millis() % 60_000).unwrap());
    let start_at = Duration::from_secs(57);
    let wait = if into_minute < start_at {
        start_at - into_minute
    } else {
        Duration::from_secs(60) - into_minute + start_at
    };
    println!(
        "\nbudget across three instances: waiting {wait:.0?} to load across a minute boundary"
    );
    tokio::time::sleep(wait).await;
    let loads = proxies.iter().map(|(url, _)| {
        let url = url.clone();
        tokio::spawn(async move {
            load::run(&load::Load {
                url,
                credentials: None,
                idempotency_keys: true,
                connections: 8,
                rate: None,
                warm_up: Duration::ZERO,
                measure: Duration::from_secs(6),
            })
            .await
        })
    });
    let mut sent = 0;
    let mut refused = 0;
    for load in loads.collect::<Vec<_>>() {
        let report = load.await.unwrap();
        sent += report.created + report.errors;
        refused += report.errors;
    }
    for (_, workers) in proxies {
        workers.stop().unwrap();
    }
    println!("  {sent} creates sent to the proxies, {refused} refused with 503");
    let mut exceeded = false;
    for (minute, count) in customers_by_minute(emulator).await {
        println!("  window {minute}: {count} creates reached the emulator (budget {BUDGET})");
        exceeded |= count > u64::from(BUDGET);
    }
    println!(
        "  the budget was {} in any window",
        if exceeded {
            "EXCEEDED"
        } else {
            "never exceeded"
        }
    );
    assert!(!exceeded);
}

/// The emulator's customers counted by the minute of their `createdAt` (`2026-11-28T07:41`).
async fn customers_by_minute(emulator: &str) -> std::collections::BTreeMap<String, u64> {
    let http = reqwest::Client::new();
    let mut minutes = std::collections::BTreeMap::new();
    let mut skip = 0;
    loop {
        let page: serde_json::Value = http
            .get(format!("{emulator}/api/v0/customers?take=100&skip={skip}"))
            .header("x-client-key", KEY)
            .header("x-client-secret", SECRET)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let data = page["data"].as_array().cloned().unwrap_or_default();
        if data.is_empty() {
            return minutes;
        }
        skip += data.len();
        for customer in data {
            let created = customer["createdAt"].as_str().unwrap_or_default();
            *minutes
                .entry(created[..16.min(created.len())].to_owned())
                .or_insert(0) += 1;
        }
    }
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}
