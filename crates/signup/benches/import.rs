//! `signup import` end to end against the emulator (file database, rate limit off), and the
//! importer's own CPU per record: `cargo xtask bench`.
//!
//! Goals: at least 2,000 creates/s, and under 50 µs of the importer's own CPU per record. The
//! emulator and the importer run on runtimes of their own (threads named `emulator` and
//! `import`), and the importer's CPU is read per thread from /proc, so the two are told apart.

use std::time::Instant;

#[path = "../../devdraft-emulator/benches/cpu/mod.rs"]
mod cpu;

use devdraft_api::{PhoneFormat, client::ClientConfig};
use devdraft_emulator::{Config, Emulator};
use signup::import::{Options, run};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RECORDS: usize = 20_000;

fn main() {
    let dir = std::env::temp_dir().join(format!("signup-import-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("customers.jsonl");
    let lines: Vec<String> = (0..RECORDS)
        .map(|i| format!(r#"{{"first_name":"Ann{i}","last_name":"Lee","phone_number":"+1-555-123-4567","email":"bench{i}@example.com"}}"#))
        .collect();
    std::fs::write(&file, lines.join("\n")).unwrap();

    let runtime = |name: &str| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(name)
            .enable_all()
            .build()
            .unwrap()
    };
    let (emulator_runtime, import_runtime) = (runtime("emulator"), runtime("import"));
    let mut config = Config::new("bench-key", "bench-secret");
    config.rate_limit = 0;
    let emulator = Emulator::open(config, &dir.join("emulator.sqlite3")).unwrap();
    let (address, _task) = emulator_runtime
        .block_on(devdraft_emulator::spawn_on_loopback(emulator))
        .unwrap();
    let url = format!("http://{address}");
    let options = Options {
        file: file.clone(),
        format: None,
        upstream: Some(ClientConfig::new(url, "bench-key", "bench-secret")),
        concurrency: 64,
        journal: Some(dir.join("journal.jsonl")),
        report: Some(dir.join("report.csv")),
        phone_format: PhoneFormat::Entered,
    };
    let importer = |thread: &str| thread.starts_with("import");
    let cpu_before = cpu::usage("self", importer);
    let start = Instant::now();
    let summary = import_runtime
        .block_on(run(options, std::future::pending()))
        .unwrap();
    let elapsed = start.elapsed();
    let cpu = cpu::usage("self", importer).since(&cpu_before).on_cpu;
    assert_eq!(summary.created, RECORDS as u64);
    println!(
        "signup import: {RECORDS} records end to end in {elapsed:.2?}: {:.0} creates/s",
        RECORDS as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  importer's own CPU: {cpu:.2?} in all, {:.1} µs per record",
        cpu.as_secs_f64() * 1e6 / RECORDS as f64
    );
    let _ = std::fs::remove_dir_all(&dir);
}
