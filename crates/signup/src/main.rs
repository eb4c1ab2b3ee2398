//! `signup`: the command line. Reads arguments, runs the subcommand, sets the exit code.

use std::{
    fs::File,
    io::{self, Read},
    net::SocketAddr,
    num::NonZeroUsize,
    path::PathBuf,
    process::ExitCode,
};

use clap::{Parser, Subcommand, ValueEnum};
use signup::{
    records::{Format, ReadError},
    validate::validate_stream,
};

// glibc's malloc took a third of the proxy's CPU under load; mimalloc is made for this.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Register customers with the Devdraft API, safely.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check every record of a CSV, JSON Lines or JSON array file offline.
    ///
    /// Writes one JSON line per record to stdout and a summary to stderr. Exit status: 0 when
    /// every record is valid, 1 when some are not, 2 when the input cannot be read.
    Validate {
        /// The file to check; `-` or nothing reads standard input.
        file: Option<PathBuf>,
        /// The input format; by default from the extension (`.csv`, `.jsonl`, `.ndjson`), else
        /// from the content (`[` starts an array, `{` JSON Lines, anything else CSV).
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
    },
    /// Run a local, stateful Devdraft customers API (SQLite) for development and tests.
    Emulator(signup::emulator::Options),
    /// Run the proxy: POST /api/customers to Devdraft (or the built-in emulator), and the widget.
    Serve(ServeArgs),
    /// Create every valid customer of a file exactly once, resumably, at the rate limit.
    ///
    /// Exit status: 0 when every valid record ended created or existing, 1 otherwise, 2 when
    /// the input cannot be read.
    Import(ImportArgs),
}

/// `signup serve`'s flags. The Devdraft credentials are read from the environment only
/// (`DEVDRAFT_CLIENT_KEY`, `DEVDRAFT_CLIENT_SECRET`), never from flags, so they stay out of `ps`.
#[derive(clap::Args)]
struct ServeArgs {
    /// Where to listen; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The Devdraft base URL; with no upstream and no credentials, the built-in emulator is used.
    #[arg(long, env = "DEVDRAFT_BASE_URL")]
    upstream: Option<String>,
    /// Serve the widget's files from this folder (e.g. `dist`).
    #[arg(long)]
    static_dir: Option<PathBuf>,
    /// An origin (`https://shop.example`) allowed to call the API from another site; repeatable.
    #[arg(long = "allow-origin")]
    allow_origins: Vec<String>,
    /// Creates per minute per client IP; 0 turns the limit off.
    #[arg(long, default_value_t = 10)]
    rate_limit: u32,
    /// Creates sent upstream per minute (Devdraft allows 100 per client key); past it, 503 with
    /// Retry-After. 0 turns it off; the built-in emulator has none.
    #[arg(long, default_value_t = 100)]
    upstream_budget: u32,
    /// How many reverse proxies in front append to X-Forwarded-For (0: use the peer address).
    #[arg(long, default_value_t = 0)]
    trusted_proxies: usize,
    /// Append one JSON line per create attempt to this file.
    #[arg(long)]
    audit_log: Option<PathBuf>,
    /// The phone form sent upstream: as entered (`+1-555-123-4567`) or E.164 (`+15551234567`).
    #[arg(long, value_enum, default_value = "entered")]
    phone_format: PhoneFormatArg,
    /// Threads serving requests, each with its own event loop; by default one per CPU.
    #[arg(long)]
    workers: Option<NonZeroUsize>,
    /// Count the rate limit and the upstream budget in Redis, shared by every instance using
    /// it: `redis://[:password@]host[:port][/db]`, `rediss://...` or `unix:///path/to.sock`.
    #[arg(long, env = "SIGNUP_REDIS_URL", hide_env_values = true)]
    redis: Option<String>,
    /// The first part of every Redis key, so several deployments can share one Redis.
    #[arg(long, default_value = "signup")]
    redis_prefix: String,
    /// Milliseconds a request waits for Redis before counting in this instance's memory.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    redis_timeout: u64,
    /// Serve Prometheus metrics at http://ADDR/metrics (a listener of its own, never the
    /// public one); off by default.
    #[arg(long)]
    metrics_listen: Option<SocketAddr>,
    /// Ask every create for a proof of work (ALTCHA, from GET /api/challenge) so bots cannot
    /// spend the Devdraft quota cheaply; `off` for deployments that protect the endpoint
    /// another way. The secret is SIGNUP_CHALLENGE_SECRET, else derived like the idempotency one.
    #[arg(long, value_enum, default_value = "on")]
    challenge: Switch,
    /// PBKDF2 iterations per attempt of a challenge at the base level (×4 past half of the
    /// upstream budget, ×16 from 80%).
    #[arg(long, default_value_t = signup_proxy::challenge::DEFAULT_COST,
          value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    challenge_cost: u32,
}

#[derive(Clone, Copy, ValueEnum)]
enum Switch {
    On,
    Off,
}

/// `signup import`'s flags. Credentials come from the environment only, as for `serve`.
#[derive(clap::Args)]
struct ImportArgs {
    /// The CSV, JSON Lines or JSON array file.
    file: PathBuf,
    /// The input format; by default from the extension, else the content.
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// The Devdraft base URL (or the emulator's).
    #[arg(long, env = "DEVDRAFT_BASE_URL")]
    upstream: Option<String>,
    /// Creates in flight at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// The journal of outcomes (default: FILE.signup-journal.jsonl beside the file).
    #[arg(long)]
    journal: Option<PathBuf>,
    /// Write every input line's outcome here (CSV for .csv, else JSON Lines).
    #[arg(long)]
    report: Option<PathBuf>,
    /// Validate and report; send nothing.
    #[arg(long)]
    dry_run: bool,
    /// The phone form sent upstream.
    #[arg(long, value_enum, default_value = "entered")]
    phone_format: PhoneFormatArg,
}

#[derive(Clone, Copy, ValueEnum)]
enum PhoneFormatArg {
    /// As the user entered it, trimmed.
    Entered,
    /// E.164 digits.
    E164,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    /// CSV with a header row of API field names.
    Csv,
    /// One JSON object per line.
    Jsonl,
    /// A JSON array of objects.
    Json,
}

impl From<PhoneFormatArg> for devdraft_api::PhoneFormat {
    fn from(format: PhoneFormatArg) -> devdraft_api::PhoneFormat {
        match format {
            PhoneFormatArg::Entered => devdraft_api::PhoneFormat::Entered,
            PhoneFormatArg::E164 => devdraft_api::PhoneFormat::E164,
        }
    }
}

impl From<FormatArg> for Format {
    fn from(format: FormatArg) -> Format {
        match format {
            FormatArg::Csv => Format::Csv,
            FormatArg::Jsonl => Format::JsonLines,
            FormatArg::Json => Format::JsonArray,
        }
    }
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Validate { file, format } => validate(file, format.map(Format::from)),
        Command::Emulator(options) => serve_forever(signup::emulator::run(options)),
        Command::Import(args) => import(args),
        Command::Serve(args) => {
            let credentials = match (
                env_var("DEVDRAFT_CLIENT_KEY"),
                env_var("DEVDRAFT_CLIENT_SECRET"),
            ) {
                (Some(key), Some(secret)) => Some((key, secret)),
                (None, None) => None,
                _ => {
                    eprintln!(
                        "signup: set both DEVDRAFT_CLIENT_KEY and DEVDRAFT_CLIENT_SECRET, or neither"
                    );
                    return ExitCode::FAILURE;
                }
            };
            serve_forever(signup::serve::run(signup::serve::Options {
                listen: args.listen,
                upstream: args.upstream,
                credentials,
                static_dir: args.static_dir,
                allow_origins: args.allow_origins,
                rate_limit: args.rate_limit,
                upstream_budget: args.upstream_budget,
                trusted_proxies: args.trusted_proxies,
                audit_log: args.audit_log,
                phone_format: args.phone_format.into(),
                // An empty value (common in compose files) would be a public key: unset.
                idempotency_secret: env_var("SIGNUP_IDEMPOTENCY_SECRET"),
                workers: args.workers.unwrap_or_else(|| {
                    std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN)
                }),
                redis: args.redis.filter(|url| !url.is_empty()).map(|url| {
                    let mut redis = signup_proxy::RedisConfig::new(url);
                    redis.prefix = args.redis_prefix;
                    redis.timeout = std::time::Duration::from_millis(args.redis_timeout);
                    redis
                }),
                metrics_listen: args.metrics_listen,
                challenge: matches!(args.challenge, Switch::On).then(|| {
                    signup_proxy::ChallengeConfig {
                        cost: args.challenge_cost,
                        secret: env_var("SIGNUP_CHALLENGE_SECRET"),
                        ..signup_proxy::ChallengeConfig::default()
                    }
                }),
            }))
        }
    }
}

fn import(args: ImportArgs) -> ExitCode {
    let upstream = match (
        args.upstream,
        env_var("DEVDRAFT_CLIENT_KEY"),
        env_var("DEVDRAFT_CLIENT_SECRET"),
    ) {
        _ if args.dry_run => None,
        (Some(url), Some(key), Some(secret)) => {
            Some(devdraft_api::client::ClientConfig::new(url, key, secret))
        }
        _ => {
            eprintln!(
                "signup: set DEVDRAFT_BASE_URL (or --upstream), DEVDRAFT_CLIENT_KEY and DEVDRAFT_CLIENT_SECRET"
            );
            return ExitCode::from(UNREADABLE);
        }
    };
    let dry_run = args.dry_run;
    let options = signup::import::Options {
        file: args.file,
        format: args.format.map(Format::from),
        upstream,
        concurrency: args.concurrency,
        journal: args.journal,
        report: args.report,
        phone_format: args.phone_format.into(),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("signup: cannot start the async runtime: {error}");
            return ExitCode::from(UNREADABLE);
        }
    };
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match runtime.block_on(signup::import::run(options, interrupt)) {
        Ok(summary) => {
            eprintln!(
                "signup import: {} records: {} created, {} existing, {} invalid, {} failed, {} not sent; {} rate-limited answers",
                summary.records,
                summary.created,
                summary.exists,
                summary.invalid,
                summary.failed,
                summary.pending,
                summary.throttled
            );
            // A dry run sends nothing: like `signup validate`, it fails when a record is invalid.
            let failed = if dry_run {
                summary.invalid > 0
            } else {
                !summary.complete()
            };
            ExitCode::from(u8::from(failed))
        }
        Err(error) => {
            eprintln!("signup: {error}");
            ExitCode::from(UNREADABLE)
        }
    }
}

/// An environment variable that is set and not empty.
fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

/// Runs a server on a multi-threaded runtime; errors end the program with status 1.
fn serve_forever(server: impl Future<Output = anyhow::Result<()>>) -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(io::stderr)
        // Colours for a person at a terminal, not escape codes in a log file.
        .with_ansi(io::IsTerminal::is_terminal(&io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("signup: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(server) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("signup: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Exit status of `signup validate` when the input cannot be read.
const UNREADABLE: u8 = 2;

fn validate(file: Option<PathBuf>, format: Option<Format>) -> ExitCode {
    let path = file.filter(|path| path.as_os_str() != "-");
    let name = path
        .as_ref()
        .map_or_else(|| "<stdin>".to_owned(), |path| path.display().to_string());
    let input: Box<dyn Read> = match &path {
        None => Box::new(io::stdin()),
        Some(path) => match File::open(path) {
            Ok(file) => Box::new(file),
            Err(error) => {
                eprintln!("signup: cannot read {name}: {error}");
                return ExitCode::from(UNREADABLE);
            }
        },
    };
    let format = format.or_else(|| path.as_deref().and_then(Format::from_extension));
    match validate_stream(&name, input, format, io::stdout().lock()) {
        Ok(summary) => {
            let total = summary.valid + summary.invalid;
            eprintln!(
                "signup: {name}: {total} records, {} valid, {} invalid",
                summary.valid, summary.invalid
            );
            ExitCode::from(u8::from(summary.invalid > 0))
        }
        // Whoever reads our output stopped reading (`| head`): nothing left to say.
        Err(ReadError::Handler(error)) if error.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("signup: {error}");
            ExitCode::from(UNREADABLE)
        }
    }
}
