//! What the proof of work costs a person: from the challenge's fetch to its solution, in the
//! release widget in headless Chromium, at the base cost (`--challenge-cost`, default 5,000;
//! `SIGNUP_BENCH_CHALLENGE_COST` to try another), each round a fresh page load focusing the
//! form. Needs `dist/` and a release `signup` (`cargo xtask bench` builds both).

use e2e::{Engine, Options, Stack};

#[tokio::main]
async fn main() {
    let cost = std::env::var("SIGNUP_BENCH_CHALLENGE_COST").unwrap_or_else(|_| "5000".to_owned());
    let rounds: usize = std::env::var("SIGNUP_BENCH_ROUNDS")
        .ok()
        .and_then(|rounds| rounds.parse().ok())
        .unwrap_or(31);
    let flags = ["--challenge-cost", cost.as_str()];
    let options = Options {
        proxy_flags: &flags,
        ..Options::default()
    };
    let stack = Stack::start(Engine::Chromium, "solve-bench", options).await;
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let page = stack.open().await;
        times.push(page.solve_ms().await);
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "proof of work in headless Chromium, cost {cost}, {rounds} page loads: median {median:.0} ms, \
         fastest {:.0}, slowest {:.0}, 90th percentile {:.0}",
        times[0],
        times[times.len() - 1],
        times[times.len() * 9 / 10]
    );
}
