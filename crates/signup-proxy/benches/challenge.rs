//! The proof of work's costs (criterion), at the default cost (5,000 PBKDF2 iterations per
//! attempt): what checking a solution costs the proxy per create, what issuing a challenge
//! costs it, and what solving one costs an attacker's CPU natively (the `altcha` crate's
//! solver: Rust PBKDF2 with the CPU's SHA extensions, faster than a browser), at the base
//! level and the highest (×16).

#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented functions"
)]

use std::{sync::Arc, time::Duration};

use altcha::{Challenge, Payload, SolveChallengeOptions};
use axum::http::HeaderValue;
use base64::Engine as _;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use signup_proxy::{
    UsedSolutions,
    challenge::{ChallengeConfig, Challenges},
};

fn challenges() -> Challenges {
    Challenges::new(
        ChallengeConfig::default(),
        b"bench secret",
        Arc::new(UsedSolutions::new(None)),
    )
}

fn now() -> u64 {
    devdraft_api::rate_limit::now_unix()
}

fn solve(challenge: &Challenge) -> altcha::Solution {
    let mut options = SolveChallengeOptions::new(challenge);
    options.timeout_ms = 0;
    altcha::solve_challenge(options)
        .expect("a valid challenge")
        .expect("no timeout")
}

fn proof_of_work(c: &mut Criterion) {
    let challenges = challenges();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");

    // Checking: the x-altcha header of one create (the same create retried, so each
    // iteration does the whole check, recorded solution included).
    let challenge = challenges.issue(1, now()).expect("issued");
    let payload = Payload {
        solution: solve(&challenge),
        challenge,
    };
    let header = HeaderValue::from_str(
        &base64::engine::general_purpose::STANDARD
            .encode(serde_json::to_vec(&payload).expect("json")),
    )
    .expect("a header value");
    let key = Some(uuid::Uuid::new_v4());
    c.bench_function("challenge/verify", |b| {
        b.iter(|| {
            runtime
                .block_on(challenges.check(Some(&header), key, 1))
                .expect("accepted")
        })
    });

    let mut issue = c.benchmark_group("challenge/issue");
    for level in [1, 16] {
        issue.bench_function(format!("x{level}"), |b| {
            b.iter(|| challenges.issue(level, now()).expect("issued"))
        });
    }
    issue.finish();

    // An attacker's CPU per create: a fresh challenge each time (its counter is random).
    let mut attack = c.benchmark_group("challenge/attacker_solve");
    attack.sample_size(10);
    attack.measurement_time(Duration::from_secs(30));
    for level in [1, 16] {
        attack.bench_function(format!("x{level}"), |b| {
            b.iter_batched(
                || challenges.issue(level, now()).expect("issued"),
                |challenge| solve(&challenge),
                BatchSize::PerIteration,
            )
        });
    }
    attack.finish();
}

criterion_group!(benches, proof_of_work);
criterion_main!(benches);
