//! `signup serve`: the proxy, with the emulator in-process when no Devdraft is configured.

use std::{io::Write, net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::{Context, Result, bail};
use devdraft_api::{PhoneFormat, client::ClientConfig};
use devdraft_emulator::Config as EmulatorConfig;
use signup_proxy::{Config, RedisConfig, Shared, Workers, metrics_app};

/// What `signup serve` was asked for. Credentials come from the environment only.
#[derive(Debug)]
pub struct Options {
    /// Where to listen (port 0 picks a free one).
    pub listen: SocketAddr,
    /// The Devdraft base URL (`--upstream` or `DEVDRAFT_BASE_URL`).
    pub upstream: Option<String>,
    /// `DEVDRAFT_CLIENT_KEY` and `DEVDRAFT_CLIENT_SECRET`.
    pub credentials: Option<(String, String)>,
    /// The widget's files.
    pub static_dir: Option<PathBuf>,
    /// Origins allowed to call the API cross-site.
    pub allow_origins: Vec<String>,
    /// Creates per minute per client IP (0: off).
    pub rate_limit: u32,
    /// Creates per minute sent upstream (0: off; the built-in emulator has no limit).
    pub upstream_budget: u32,
    /// Reverse proxies in front.
    pub trusted_proxies: usize,
    /// The audit log file.
    pub audit_log: Option<PathBuf>,
    /// Which phone form goes upstream.
    pub phone_format: PhoneFormat,
    /// The secret upstream idempotency keys are derived with (`SIGNUP_IDEMPOTENCY_SECRET`);
    /// by default the client secret.
    pub idempotency_secret: Option<String>,
    /// Threads serving requests.
    pub workers: std::num::NonZeroUsize,
    /// Where the limits shared with other instances are counted (`--redis`).
    pub redis: Option<RedisConfig>,
    /// Where to serve `/metrics` (`--metrics-listen`).
    pub metrics_listen: Option<SocketAddr>,
    /// The proof of work creates must carry (`--challenge`); `None`: off.
    pub challenge: Option<signup_proxy::ChallengeConfig>,
}

/// Where the built-in emulator keeps its data.
const EMBEDDED_DB: &str = crate::emulator::DEFAULT_DB;

/// Serves until SIGTERM or Ctrl-C, then lets in-flight requests finish.
pub async fn run(options: Options) -> Result<()> {
    let (upstream, credentials, embedded) = match (options.upstream, options.credentials) {
        (upstream, Some(credentials)) => (
            upstream.unwrap_or_else(|| "https://api.devdraft.ai".to_owned()),
            credentials,
            None,
        ),
        (None, None) => {
            let (url, credentials) = start_embedded_emulator().await?;
            (url.clone(), credentials, Some(url))
        }
        (Some(_), None) => bail!(
            "an upstream is set but no credentials: set DEVDRAFT_CLIENT_KEY and DEVDRAFT_CLIENT_SECRET \
             (or set neither, nor the upstream, to use the built-in emulator)"
        ),
    };
    let mut config = Config::new(ClientConfig::new(
        upstream.clone(),
        credentials.0,
        credentials.1,
    ));
    config.static_dir = options.static_dir;
    config.allow_origins = options.allow_origins;
    config.rate_limit = options.rate_limit;
    config.upstream_budget = if embedded.is_some() {
        0
    } else {
        options.upstream_budget
    };
    config.trusted_proxies = options.trusted_proxies;
    config.audit_log = options.audit_log;
    config.phone_format = options.phone_format;
    config.idempotency_secret = options.idempotency_secret;
    config.challenge = options.challenge;
    let listener = std::net::TcpListener::bind(options.listen)
        .with_context(|| format!("cannot listen on {}", options.listen))?;
    let address = listener.local_addr()?;
    let metrics_listener = match options.metrics_listen {
        Some(listen) => Some(
            tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen} for metrics"))?,
        ),
        None => None,
    };
    // On this runtime: the Redis connection and its watcher run here, beside the workers.
    let shared = match &options.redis {
        Some(redis) => Shared::with_redis(&config, redis).await?,
        None => Shared::in_memory(&config),
    };
    let challenge_cost = config.challenge.as_ref().map(|challenge| challenge.cost);
    let workers = Workers::start(listener, options.workers, config, &shared)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on http://{address}")?;
    match &embedded {
        Some(url) => writeln!(
            out,
            "no Devdraft configured: using the built-in emulator at {url} (data in {EMBEDDED_DB}); \
             set DEVDRAFT_BASE_URL, DEVDRAFT_CLIENT_KEY and DEVDRAFT_CLIENT_SECRET to use Devdraft"
        )?,
        None => writeln!(out, "forwarding creates to {upstream}")?,
    }
    if let Some(listener) = metrics_listener {
        writeln!(out, "metrics on http://{}/metrics", listener.local_addr()?)?;
        let app = metrics_app(shared.metrics.clone());
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "the metrics listener stopped");
            }
        });
    }
    if options.redis.is_some() {
        let state = if shared.redis_in_use() == Some(true) {
            "shared through Redis"
        } else {
            "counted here until Redis answers"
        };
        writeln!(out, "rate limits {state}")?;
    }
    match challenge_cost {
        Some(cost) => writeln!(
            out,
            "creates need a proof of work from /api/challenge ({cost} PBKDF2 iterations per attempt)"
        )?,
        None => writeln!(out, "creates need no proof of work (--challenge off)")?,
    }
    out.flush()?;
    drop(out);
    workers.serve_until(shutdown()).await?;
    Ok(())
}

/// The emulator on a loopback port of its own, with fresh credentials only this process knows.
async fn start_embedded_emulator() -> Result<(String, (String, String))> {
    let key = format!("embedded_{}", uuid::Uuid::new_v4().simple());
    let secret = uuid::Uuid::new_v4().simple().to_string();
    let mut config = EmulatorConfig::new(key.clone(), secret.clone());
    // The proxy limits per client IP; the emulator's own limit would only slow a demo down.
    config.rate_limit = 0;
    let emulator = crate::emulator::open(config, EMBEDDED_DB.as_ref())?;
    let (address, _serving) = devdraft_emulator::spawn_on_loopback(emulator)
        .await
        .context("cannot listen on a loopback port")?;
    Ok((format!("http://{address}"), (key, secret)))
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    // In-flight requests get this long to finish; axum stops accepting at once.
    tokio::spawn(async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        std::process::exit(0);
    });
}
