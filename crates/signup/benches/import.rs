//! `signup import` end to end against the emulator (file database, rate limit off), and the
//! importer's own CPU per record: `cargo xtask bench`. Then the `signup import` program itself
//! on files of 100,000 and 1,000,000 records (`SIGNUP_BENCH_IMPORT_RECORDS=10000000` for
//! more), with its peak memory (VmHWM, read from /proc while it runs).
//!
//! Goals: at least 2,000 creates/s, and under 50 µs of the importer's own CPU per record; at
//! least 10,000 creates/s sustained over a million records, and peak memory that does not grow
//! with the file (at most 100 MB at ten million). The emulator and the importer run on
//! runtimes of their own (threads named `emulator` and `import`), and the importer's CPU is
//! read per thread from /proc, so the two are told apart.

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
    memory(&dir, &emulator_runtime);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The `signup import` program on ever larger files, each against a fresh emulator: creates/s
/// and its peak resident memory.
fn memory(dir: &std::path::Path, emulator_runtime: &tokio::runtime::Runtime) {
    let sizes: Vec<usize> = std::env::var("SIGNUP_BENCH_IMPORT_RECORDS").map_or_else(
        |_| vec![100_000, 1_000_000],
        |sizes| sizes.split(',').map(|size| size.parse().unwrap()).collect(),
    );
    for records in sizes {
        let file = dir.join(format!("customers-{records}.csv"));
        {
            use std::io::Write;
            let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
            writeln!(out, "first_name,last_name,phone_number,email").unwrap();
            for i in 0..records {
                writeln!(out, "Ann{i},Lee,+1-555-123-4567,memory{i}@example.com").unwrap();
            }
        }
        let mut config = Config::new("bench-key", "bench-secret");
        config.rate_limit = 0;
        let db = dir.join(format!("emulator-{records}.sqlite3"));
        let emulator = Emulator::open(config, &db).unwrap();
        let (address, task) = emulator_runtime
            .block_on(devdraft_emulator::spawn_on_loopback(emulator))
            .unwrap();
        let start = Instant::now();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_signup"))
            .arg("import")
            .arg(&file)
            .arg("--concurrency")
            .arg("64")
            .arg("--report")
            .arg(dir.join(format!("report-{records}.csv")))
            .env("DEVDRAFT_BASE_URL", format!("http://{address}"))
            .env("DEVDRAFT_CLIENT_KEY", "bench-key")
            .env("DEVDRAFT_CLIENT_SECRET", "bench-secret")
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let status = format!("/proc/{}/status", child.id());
        let mut peak_kb = 0u64;
        let exit = loop {
            if let Some(exit) = child.try_wait().unwrap() {
                break exit;
            }
            // The high-water mark only grows: its last reading is the peak, give or take what
            // the last tenth of a second added.
            if let Some(kb) = std::fs::read_to_string(&status).ok().and_then(|text| {
                text.lines()
                    .find_map(|line| line.strip_prefix("VmHWM:"))
                    .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            }) {
                peak_kb = kb;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        };
        let elapsed = start.elapsed();
        assert!(exit.success(), "signup import failed: {exit}");
        println!(
            "signup import of {records} records (CSV, 64 in flight, with a report): {elapsed:.1?}, \
             {:.0} records/s overall (three passes over the file), peak memory {:.1} MB",
            records as f64 / elapsed.as_secs_f64(),
            peak_kb as f64 / 1024.0
        );
        task.abort();
        let _ = std::fs::remove_file(&file);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    }
}
