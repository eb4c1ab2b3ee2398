//! Creates per second against the emulator on a file database (WAL), 64 concurrent
//! connections, and the latency percentiles: `cargo xtask bench`.
//!
//! Goal: at least 10,000 creates/s on the 2-core machine, p99 under 10 ms. The load generator
//! runs in the same process (the machine has no spare cores), so the figure is what the
//! emulator does while sharing the CPU with its clients.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use devdraft_emulator::{Config, Emulator, app, serve};

const CONNECTIONS: usize = 64;
const WARM_UP: Duration = Duration::from_secs(1);
const MEASURE: Duration = Duration::from_secs(5);

fn main() {
    let runtime = |name: &str| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name(name)
            .enable_all()
            .build()
            .unwrap()
    };
    // The emulator and its clients on runtimes of their own, as they would be in two processes.
    let (server, clients) = (runtime("emulator"), runtime("load"));
    clients.block_on(run(server.handle()));
}

async fn run(server_runtime: &tokio::runtime::Handle) {
    let dir = std::env::temp_dir().join(format!("devdraft-emulator-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut config = Config::new("bench-key", "bench-secret");
    config.rate_limit = 0;
    let emulator = Arc::new(Emulator::open(config, &dir.join("emulator.sqlite3")).unwrap());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/api/v0/customers", listener.local_addr().unwrap());
    let server = server_runtime.spawn(async move {
        serve(
            tokio::net::TcpListener::from_std(listener).unwrap(),
            app(emulator),
        )
        .await
    });

    let start = Instant::now();
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|connection| {
            let url = url.clone();
            tokio::spawn(async move {
                let client = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
                let mut latencies = Vec::new();
                let mut errors = 0u64;
                for i in 0.. {
                    let sent = Instant::now();
                    if sent - start > WARM_UP + MEASURE {
                        break;
                    }
                    let body = format!(
                        r#"{{"first_name":"Load","last_name":"Test","phone_number":"+15551234567","email":"c{connection}n{i}@example.com"}}"#
                    );
                    let response = client.post(&url).header("x-client-key", "bench-key").header("x-client-secret", "bench-secret")
                        .header("content-type", "application/json").body(body).send().await;
                    let ok = match response {
                        Ok(response) => response.status() == 201 && response.bytes().await.is_ok(),
                        Err(_) => false,
                    };
                    if sent - start >= WARM_UP {
                        if ok {
                            latencies.push(sent.elapsed());
                        } else {
                            errors += 1;
                        }
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for client in clients {
        let (mine, failed) = client.await.unwrap();
        latencies.extend(mine);
        errors += failed;
    }
    server.abort();
    latencies.sort_unstable();
    let percentile =
        |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "emulator creates: {} in {:?} over {CONNECTIONS} connections, file database (WAL)",
        latencies.len(),
        MEASURE
    );
    println!(
        "  throughput: {:.0} creates/s ({errors} errors)",
        latencies.len() as f64 / MEASURE.as_secs_f64()
    );
    println!(
        "  latency: p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
        percentile(0.5),
        percentile(0.9),
        percentile(0.99),
        percentile(1.0)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
