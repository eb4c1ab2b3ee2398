//! `signup validate` throughput on JSON Lines: `cargo xtask bench`.
//!
//! Goal: at least 500,000 records/s. The input is the shared 10,000-record mix (70% valid),
//! read from memory and written to a sink, so the figure is the program's own cost, not the
//! disk's.

#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented functions"
)]

#[path = "../../customer-validation/benches/sample/mod.rs"]
mod sample;

use std::{hint::black_box, io};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use signup::{records::Format, validate::validate_stream};

const RECORDS: usize = 10_000;

fn stream(c: &mut Criterion) {
    let mut input = sample::bodies(0x5eed, RECORDS).join("\n");
    input.push('\n');
    let mut group = c.benchmark_group("signup_validate");
    group.throughput(Throughput::Elements(RECORDS as u64));
    group.bench_function("jsonl_10k", |b| {
        b.iter(|| {
            let summary = validate_stream(
                "bench.jsonl",
                black_box(input.as_bytes()),
                Some(Format::JsonLines),
                io::sink(),
            )
            .unwrap();
            assert_eq!(summary.valid + summary.invalid, RECORDS as u64);
        })
    });
    group.finish();
}

criterion_group!(benches, stream);
criterion_main!(benches);
