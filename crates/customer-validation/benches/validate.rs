//! How long the rules take per record: `cargo xtask bench` (or `cargo bench -p customer-validation`).
//!
//! Goal: at most 150 ns per record, median, for the whole request over a 10,000-record mix
//! (70% valid). Bodies are parsed once, outside the measurement; `validate_and_parse` adds
//! reading the JSON text, as the proxy and the command line do.

#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented functions"
)]

mod sample;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use customer_validation::{Field, Input, RawCustomer, validate, validate_field};

const RECORDS: usize = 10_000;

fn rules(c: &mut Criterion) {
    let bodies = sample::bodies(0x5eed, RECORDS);
    let raws: Vec<RawCustomer<'_>> = bodies
        .iter()
        .map(|b| serde_json::from_str(b).unwrap())
        .collect();
    let valid = raws.iter().filter(|raw| validate(raw).is_ok()).count();
    assert!(
        (6_500..=7_500).contains(&valid),
        "the mix should be about 70% valid, got {valid}"
    );

    let mut group = c.benchmark_group("rules");
    group.throughput(Throughput::Elements(RECORDS as u64));
    group.bench_function("validate_10k", |b| {
        b.iter(|| {
            for raw in &raws {
                black_box(validate(black_box(raw)).is_ok());
            }
        })
    });
    group.bench_function("validate_and_parse_10k", |b| {
        b.iter(|| {
            for body in &bodies {
                let raw: RawCustomer<'_> = serde_json::from_str(black_box(body)).unwrap();
                black_box(validate(&raw).is_ok());
            }
        })
    });
    group.finish();

    c.bench_function("validate_field_email", |b| {
        b.iter(|| {
            validate_field(
                Field::Email,
                black_box(Input::Str("John.Doe+news@Mail.Example.co.uk")),
            )
        })
    });
    c.bench_function("validate_field_phone", |b| {
        b.iter(|| {
            validate_field(
                Field::PhoneNumber,
                black_box(Input::Str("+1 (415) 555-0132")),
            )
        })
    });
}

criterion_group!(benches, rules);
criterion_main!(benches);
