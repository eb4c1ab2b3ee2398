//! `signup import` end to end against the emulator (file database, rate limit off), and the
//! importer's own CPU per record: `cargo xtask bench`.
//!
//! Goals: at least 2,000 creates/s, and under 50 µs of the importer's own CPU per record. The
//! emulator and the importer run on runtimes of their own (threads named `emulator` and
//! `import`), and the importer's CPU is read per thread from /proc, so the two are told apart.

use std::time::{Duration, Instant};

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
    let cpu_before = thread_cpu("import");
    let start = Instant::now();
    let summary = import_runtime
        .block_on(run(options, std::future::pending()))
        .unwrap();
    let elapsed = start.elapsed();
    let cpu = thread_cpu("import").saturating_sub(cpu_before);
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

/// CPU time (user + system) of this process's threads whose name starts with `prefix`.
fn thread_cpu(prefix: &str) -> Duration {
    let ticks_per_second = 100.0; // USER_HZ on Linux
    let mut ticks = 0u64;
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    for task in tasks.flatten() {
        let path = task.path();
        let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        if !name.trim().starts_with(prefix) {
            continue;
        }
        let stat = std::fs::read_to_string(path.join("stat")).unwrap_or_default();
        // Fields after the parenthesised name: utime and stime are the 12th and 13th.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map_or("", |(_, rest)| rest)
            .split_whitespace()
            .collect();
        ticks += fields
            .get(11)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0);
        ticks += fields
            .get(12)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0);
    }
    Duration::from_secs_f64(ticks as f64 / ticks_per_second)
}
