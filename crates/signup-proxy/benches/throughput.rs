//! `POST /api/customers` through the proxy to an in-memory emulator, against the emulator hit
//! directly and, when nginx is installed (`apt-get install nginx`), nginx as a reverse proxy
//! that injects the credential headers: `cargo xtask bench`.
//!
//! Goal: the proxy keeps at least 90% of direct throughput, at least matches nginx, and adds
//! under 1 ms at p99. Two loads, each run three times per target, interleaved, each run
//! against a fresh emulator, with unique customers and an idempotency key per create:
//! - throughput: 64 connections, each sending its next create as soon as the last is answered;
//! - latency: a fixed 2,000 creates/s over 64 connections (an open loop), far below every
//!   target's capacity, so what is added is the hop itself and not a queue.
//!
//! The proof of work is off here (`--challenge off`): the load sends no `x-altcha`, and the
//! hop's cost is what is compared. Checking a solution costs about 3 µs more per create
//! (`benches/challenge.rs`).
//!
//! A load test, not criterion. Besides creates/s and latency percentiles it reports the CPU
//! time per create of the hop in the middle (the proxy's threads, or the nginx process), which
//! varies less than throughput, and its share in the kernel; and the CPU per create of
//! everything, and how busy the machine was. Everything shares the machine's cores: the load,
//! the emulator and the hop, as any local measurement must, so on a busy machine a hop's CPU
//! is taken from the others' throughput; the report says how much CPU a hop could spend and
//! still keep 90% of direct.

use std::{
    net::SocketAddr,
    num::NonZeroUsize,
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use tokio::task::JoinHandle;

#[path = "../../devdraft-emulator/benches/cpu/mod.rs"]
mod cpu;
#[path = "../../devdraft-emulator/benches/load/mod.rs"]
mod load;

use devdraft_api::client::ClientConfig;
use devdraft_emulator::{Config as EmulatorConfig, Emulator};
use signup_proxy::{Config, Workers};

// The allocator `signup` ships with (glibc's malloc was a third of the proxy's CPU).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CONNECTIONS: usize = 64;
const ROUNDS: usize = 3;
/// The open-loop rate for latency: a tenth or less of what each target sustains here, and
/// still 1,200 times Devdraft's limit of 100 creates per minute per key.
const FIXED_RATE: f64 = 2000.0;
const WARM_UP: Duration = Duration::from_secs(1);
const MEASURE: Duration = Duration::from_secs(4);
const KEY: &str = "bench-key";
const SECRET: &str = "bench-secret";

struct Report {
    name: &'static str,
    per_second: f64,
    errors: u64,
    p50: Duration,
    p99: Duration,
    /// CPU per create of the server in the middle (the proxy or nginx), if any.
    hop_cpu: Option<cpu::Usage>,
    /// CPU per create of everything: the load, the emulator and the hop.
    all_cpu: Duration,
    /// The share of the machine's cores that was busy.
    busy: f64,
}

fn main() {
    let runtime = |name: &str, threads: usize| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name(name)
            .enable_all()
            .build()
            .unwrap()
    };
    // Each server on a runtime of its own, as separate processes would be (nginx is one).
    // The proxy as `signup serve --workers 1` runs it: one thread (nginx gets one process).
    let emulator_runtime = runtime("emulator", 2);
    let load = runtime("load", 2);
    println!(
        "the proxy runs with the proof of work off (--challenge off): see the challenge benchmark"
    );
    // `SIGNUP_BENCH_ONLY=proxy` measures the proxy alone (for profiling).
    let targets: &[Target] = if std::env::var("SIGNUP_BENCH_ONLY").as_deref() == Ok("proxy") {
        &[Target::Proxy]
    } else if Nginx::installed().is_some() {
        &[Target::Direct, Target::Proxy, Target::Nginx]
    } else {
        println!("nginx not installed (apt-get install nginx): its comparison is skipped");
        &[Target::Direct, Target::Proxy]
    };
    let run = |target: &Target, rate: Option<f64>| {
        // A fresh emulator for every run: its database slows as it grows, and a target
        // measured against a fuller one would be measured against a slower upstream.
        let (emulator, emulator_task) = emulator_runtime.block_on(start_emulator());
        let report = match target {
            Target::Direct => load.block_on(hammer(
                "emulator, direct",
                format!("http://{emulator}/api/v0/customers"),
                Hop::None,
                rate,
            )),
            Target::Proxy => {
                let (proxy, workers) = start_proxy(emulator);
                let report = load.block_on(hammer(
                    "signup proxy",
                    format!("http://{proxy}/api/customers"),
                    Hop::Proxy,
                    rate,
                ));
                // Ended before the next run, whose CPU count must not see its threads.
                workers.stop().unwrap();
                report
            }
            Target::Nginx => {
                let nginx = Nginx::start(emulator).expect("nginx is installed but did not start");
                load.block_on(hammer(
                    "nginx, injecting headers",
                    format!("http://{}/api/customers", nginx.address),
                    Hop::Nginx(nginx.child.id()),
                    rate,
                ))
            }
        };
        emulator_task.abort();
        report
    };
    for rate in [None, Some(FIXED_RATE)] {
        // Rounds interleave the targets, so a slow moment of the machine does not fall on one.
        let mut runs: Vec<Vec<Report>> = targets.iter().map(|_| Vec::new()).collect();
        for _ in 0..ROUNDS {
            for (target, runs) in targets.iter().zip(&mut runs) {
                runs.push(run(target, rate));
            }
        }
        match rate {
            None => println!(
                "Throughput: {CONNECTIONS} connections, each sending its next create when the last \
                 is answered, {MEASURE:?} per run, median of {ROUNDS} runs, each against a fresh \
                 emulator:"
            ),
            Some(rate) => println!(
                "Latency at a fixed {rate:.0} creates/s over {CONNECTIONS} connections (an open \
                 loop, well below every target's capacity), median of {ROUNDS} runs:"
            ),
        }
        report(&mut runs, rate.is_some());
    }
}

/// Prints the median run of each target (by throughput, or at a fixed rate by p99) and the
/// proxy's ratios.
fn report(runs: &mut [Vec<Report>], fixed_rate: bool) {
    for runs in runs.iter_mut() {
        if fixed_rate {
            runs.sort_by_key(|run| run.p99);
        } else {
            runs.sort_by(|a, b| a.per_second.total_cmp(&b.per_second));
        }
    }
    let medians: Vec<&Report> = runs.iter().map(|runs| &runs[runs.len() / 2]).collect();
    for (report, runs) in medians.iter().zip(runs.iter()) {
        let cpu = report
            .hop_cpu
            .map(|cpu| {
                format!(
                    "  its CPU {:.1?}/create ({:.0}% in the kernel)",
                    cpu.on_cpu,
                    100.0 * cpu.kernel_share()
                )
            })
            .unwrap_or_default();
        let all: Vec<String> = runs
            .iter()
            .map(|run| match fixed_rate {
                true => format!("p99 {:.3?}", run.p99),
                false => format!("{:.0}/s", run.per_second),
            })
            .collect();
        println!(
            "  {:<26} {:>7.0} creates/s  p50 {:>9.3?}  p99 {:>9.3?}  ({} errors){cpu}  runs: {}",
            report.name,
            report.per_second,
            report.p50,
            report.p99,
            report.errors,
            all.join(", ")
        );
        println!(
            "  {:<26} all CPU {:.1?}/create, the machine {:.0}% busy",
            "",
            report.all_cpu,
            100.0 * report.busy
        );
    }
    let [direct, proxy, rest @ ..] = medians.as_slice() else {
        return;
    };
    println!(
        "  proxy/direct throughput: {:.0}%, p50 added: {:?}, p99 added: {:?}",
        100.0 * proxy.per_second / direct.per_second,
        proxy.p50.saturating_sub(direct.p50),
        proxy.p99.saturating_sub(direct.p99)
    );
    if !fixed_rate {
        // A busy machine shares its cores: a hop's CPU comes out of the load's and the
        // emulator's, so the throughput kept is about direct's CPU over direct's plus the hop's
        // (a little more where the machine had idle moments).
        println!(
            "  the CPU a hop may add per create to keep 90% of direct here: about {:.1?}",
            direct.all_cpu / 9
        );
    }
    if let Some(nginx) = rest.first() {
        println!(
            "  proxy/nginx throughput: {:.0}%, p99 proxy minus nginx: {}",
            100.0 * proxy.per_second / nginx.per_second,
            proxy.p99.checked_sub(nginx.p99).map_or_else(
                || format!("-{:?}", nginx.p99 - proxy.p99),
                |more| format!("{more:?}")
            )
        );
    }
}

/// What one run measures.
enum Target {
    Direct,
    Proxy,
    Nginx,
}

async fn start_emulator() -> (SocketAddr, JoinHandle<std::io::Result<()>>) {
    let mut config = EmulatorConfig::new(KEY, SECRET);
    config.rate_limit = 0;
    let emulator = Emulator::open(config, Path::new(":memory:")).unwrap();
    devdraft_emulator::spawn_on_loopback(emulator)
        .await
        .unwrap()
}

fn start_proxy(emulator_address: SocketAddr) -> (SocketAddr, Workers) {
    let mut config = Config::new(ClientConfig::new(
        format!("http://{emulator_address}"),
        KEY,
        SECRET,
    ));
    config.rate_limit = 0;
    // No proof of work: the load is not a browser (and `Config::new` has none).
    config.challenge = None;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let shared = signup_proxy::Shared::in_memory(&config);
    let workers = Workers::start(listener, NonZeroUsize::MIN, config, &shared).unwrap();
    (address, workers)
}

/// nginx as one process in the foreground (no master, one worker's work), with a config of
/// ours; stopped and its folder removed when dropped.
struct Nginx {
    child: Child,
    address: SocketAddr,
    dir: std::path::PathBuf,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Nginx {
    /// Where nginx is installed, if it is.
    fn installed() -> Option<&'static str> {
        ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|path| Path::new(path).exists())
    }

    /// Started, if nginx is installed.
    fn start(upstream: SocketAddr) -> Option<Nginx> {
        let nginx = Self::installed()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let dir = std::env::temp_dir().join(format!("signup-bench-nginx-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("logs")).ok()?;
        let config = format!(
            "master_process off; error_log {dir}/logs/error.log; pid {dir}/nginx.pid;
         events {{ worker_connections 1024; }}
         http {{
           access_log off;
           upstream emulator {{ server {upstream}; keepalive 64; }}
           server {{
             listen 127.0.0.1:{port};
             client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy;
             location = /api/customers {{
               proxy_pass http://emulator/api/v0/customers;
               proxy_http_version 1.1;
               proxy_set_header Connection \"\";
               proxy_set_header x-client-key {KEY};
               proxy_set_header x-client-secret {SECRET};
             }}
           }}
         }}",
            dir = dir.display()
        );
        let path = dir.join("nginx.conf");
        std::fs::write(&path, config).ok()?;
        let mut nginx = Nginx {
            child: Command::new(nginx)
                .arg("-c")
                .arg(&path)
                .args(["-g", "daemon off;"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .ok()?,
            address: SocketAddr::from(([127, 0, 0, 1], port)),
            dir,
        };
        for _ in 0..50 {
            if std::net::TcpStream::connect(nginx.address).is_ok() {
                return Some(nginx);
            }
            if nginx.child.try_wait().ok().flatten().is_some() {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

/// The server between the load and the emulator, whose CPU time is counted.
#[derive(Clone, Copy)]
enum Hop {
    None,
    Proxy,
    Nginx(u32),
}

impl Hop {
    fn usage(self) -> cpu::Threads {
        match self {
            Hop::None => cpu::Threads::default(),
            Hop::Proxy => cpu::usage("self", |thread| thread.starts_with("signup-proxy")),
            Hop::Nginx(pid) => cpu::usage(&pid.to_string(), |_| true),
        }
    }

    /// Everything's: this process (the load, the emulator, the proxy) and nginx.
    fn all(self) -> cpu::Threads {
        let mine = cpu::usage("self", |_| true);
        match self {
            Hop::Nginx(pid) => mine.and(cpu::usage(&pid.to_string(), |_| true)),
            _ => mine,
        }
    }
}

async fn hammer(name: &'static str, url: String, hop: Hop, rate: Option<f64>) -> Report {
    let credentials = matches!(hop, Hop::None);
    let (hop_before, all_before, start) = (hop.usage(), hop.all(), std::time::Instant::now());
    let report = load::run(&load::Load {
        url,
        credentials: credentials.then_some((KEY, SECRET)),
        // As the widget sends; the proxy always sends one upstream, so direct runs must too.
        idempotency_keys: true,
        connections: CONNECTIONS,
        rate,
        warm_up: WARM_UP,
        measure: MEASURE,
    })
    .await;
    let (wall, created) = (start.elapsed(), report.created.max(1) as f64);
    let all = hop.all().since(&all_before).on_cpu;
    let cores = std::thread::available_parallelism().map_or(1, |cores| cores.get());
    let hop_cpu = (!matches!(hop, Hop::None)).then(|| {
        let mut usage = hop.usage().since(&hop_before);
        usage.on_cpu = usage.on_cpu.div_f64(created);
        usage
    });
    Report {
        name,
        hop_cpu,
        all_cpu: all.div_f64(created),
        busy: all.as_secs_f64() / (wall.as_secs_f64() * cores as f64),
        per_second: report.per_second(),
        errors: report.errors,
        p50: report.percentile(0.5),
        p99: report.percentile(0.99),
    }
}
