//! The backend proxy between any web page and Devdraft.
//!
//! `POST /api/customers` takes a customer from the browser, checks it with
//! `customer-validation`, and creates it upstream with the Devdraft credentials the browser
//! never sees, the normalized body only, and an idempotency key derived from the browser's, so
//! a retry (the browser's or ours) never creates a second customer. It also serves the widget's
//! static files, with security headers. Nothing else is reachable: no read of customer data.
//!
//! `main` (in the `signup` crate) reads configuration and runs [`Workers`], each serving
//! `app(proxy)`; tests call `app` directly against the emulator.

mod audit;
pub mod challenge;
mod client_ip;
mod idempotency;
pub mod limit;
mod metrics;
mod origin;
mod routes;
mod store;

use std::{path::PathBuf, sync::Arc};

use devdraft_api::{
    PhoneFormat,
    client::{Client, ClientConfig, Observer},
};

pub use crate::{
    challenge::{ChallengeConfig, UsedSolutions},
    limit::Limits,
    metrics::{Metrics, metrics_app},
    routes::app,
    store::{RedisConfig, RedisStore, StoreError},
};

/// What the workers of one instance share: its limits, its used challenge solutions and its
/// metrics.
#[derive(Debug, Clone)]
pub struct Shared {
    /// The rate limits, in memory or in Redis.
    pub limits: Limits,
    /// The challenge solutions used so far, in memory or in Redis.
    pub used: Arc<UsedSolutions>,
    /// The metrics, which `--metrics-listen` serves.
    pub metrics: Arc<Metrics>,
    /// The Redis store the limits are counted in, if any.
    pub store: Option<Arc<RedisStore>>,
}

impl Shared {
    /// `config`'s limits in this process's memory, and fresh metrics.
    pub fn in_memory(config: &Config) -> Shared {
        Shared {
            limits: Limits::in_memory(config),
            used: Arc::new(UsedSolutions::new(None)),
            metrics: Arc::new(Metrics::new()),
            store: None,
        }
    }

    /// `config`'s limits counted in Redis (see [`RedisStore`]), and fresh metrics whose
    /// `signup_redis_in_use` follows the store. Call it on the runtime that should run the
    /// store's connection and background task.
    pub async fn with_redis(config: &Config, redis: &RedisConfig) -> Result<Shared, StoreError> {
        let metrics = Arc::new(Metrics::new());
        let secret = idempotency::deployment_secret(config, b"signup redis key hashing v1");
        let store = RedisStore::connect(redis, &secret, metrics.redis_in_use()).await?;
        Ok(Shared {
            limits: Limits::shared(config, &store),
            used: Arc::new(UsedSolutions::new(Some(Arc::clone(&store)))),
            metrics,
            store: Some(store),
        })
    }

    /// Whether the limits are counted in Redis now: `None` without Redis.
    pub fn redis_in_use(&self) -> Option<bool> {
        self.store.as_ref().map(|store| store.in_use())
    }
}

/// Serves `app(proxy)` on `listener` until `shutdown` resolves, then lets in-flight requests
/// finish: what each of the [`Workers`] runs.
async fn serve(
    listener: tokio::net::TcpListener,
    proxy: Arc<Proxy>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // No Nagle: a response written in parts (a file's headers, then its body) must not wait
    // for the client's delayed ACK, which cost each widget file ~40 ms on loopback.
    let listener = listener.tap_io(|stream| {
        // Only a loss of speed if it fails.
        let _ = stream.set_nodelay(true);
    });
    let app = app(proxy).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// The proxy running on worker threads, the way nginx runs: each thread has a single-threaded
/// runtime, its own proxy and upstream connections, and accepts connections from the shared
/// socket, so a request never hops between threads. Against one multi-threaded runtime this
/// cost about 18% less CPU per create in the throughput benchmark (24-27 µs against 29-35).
#[derive(Debug)]
pub struct Workers {
    stop: tokio::sync::watch::Sender<()>,
    threads: Vec<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl Workers {
    /// Starts `workers` threads serving `config` on `listener`, all counting into `shared`;
    /// `max_concurrency` is split evenly among the threads.
    pub fn start(
        listener: std::net::TcpListener,
        workers: std::num::NonZeroUsize,
        mut config: Config,
        shared: &Shared,
    ) -> Result<Workers, StartError> {
        config.max_concurrency = config.max_concurrency.div_ceil(workers.get());
        listener.set_nonblocking(true).map_err(StartError::Worker)?;
        let (stop, stopped) = tokio::sync::watch::channel(());
        let mut threads = Vec::new();
        for worker in 0..workers.get() {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(StartError::Worker)?;
            let listener = {
                let _context = runtime.enter();
                listener
                    .try_clone()
                    .and_then(tokio::net::TcpListener::from_std)
                    .map_err(StartError::Worker)?
            };
            // Each opens the audit log for appending: one write per line keeps lines whole.
            let proxy = Proxy::with_shared(config.clone(), shared.clone())?;
            let mut stopped = stopped.clone();
            let serve = serve(listener, Arc::new(proxy), async move {
                // A dropped sender (these workers dropped) stops them too.
                let _ = stopped.changed().await;
            });
            let thread = std::thread::Builder::new()
                .name(format!("signup-proxy-{worker}"))
                .spawn(move || runtime.block_on(serve))
                .map_err(StartError::Worker)?;
            threads.push(thread);
        }
        Ok(Workers { stop, threads })
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish.
    pub async fn serve_until(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        shutdown.await;
        tokio::task::spawn_blocking(move || self.stop())
            .await
            .map_err(std::io::Error::other)?
    }

    /// Stops accepting, lets in-flight requests finish and waits for the threads to end
    /// (blocking).
    pub fn stop(self) -> std::io::Result<()> {
        drop(self.stop);
        for thread in self.threads {
            thread
                .join()
                .map_err(|_| std::io::Error::other("a proxy worker panicked"))??;
        }
        Ok(())
    }
}

/// How the proxy behaves.
#[derive(Debug, Clone)]
pub struct Config {
    /// The upstream API and its credentials.
    pub upstream: ClientConfig,
    /// Which phone form goes upstream.
    pub phone_format: PhoneFormat,
    /// Origins (`https://shop.example`) allowed to call the API from another site.
    pub allow_origins: Vec<String>,
    /// Creates per minute per client IP; 0 turns the limit off.
    pub rate_limit: u32,
    /// Creates per minute sent upstream per Devdraft client key (Devdraft allows 100); past it
    /// the proxy answers 503 with `Retry-After` instead of spending Devdraft's patience. 0: off.
    pub upstream_budget: u32,
    /// How many reverse proxies in front append to `X-Forwarded-For`.
    pub trusted_proxies: usize,
    /// Requests handled at once before new ones are shed with 503.
    pub max_concurrency: usize,
    /// The widget's files, served at `/`.
    pub static_dir: Option<PathBuf>,
    /// Where audit lines go.
    pub audit_log: Option<PathBuf>,
    /// The secret for deriving upstream idempotency keys; `None` derives one from the client
    /// secret.
    pub idempotency_secret: Option<String>,
    /// The proof of work a create must carry; `None`: none (`--challenge off`).
    pub challenge: Option<ChallengeConfig>,
}

impl Config {
    /// Defaults: entered phone form, no other origins, 10 creates per minute per IP, no upstream
    /// budget, no proxies trusted, 256 requests at once, no static files, no audit file, no
    /// challenge (`signup serve` turns it on).
    pub fn new(upstream: ClientConfig) -> Config {
        Config {
            upstream,
            phone_format: PhoneFormat::Entered,
            allow_origins: Vec::new(),
            rate_limit: 10,
            upstream_budget: 0,
            trusted_proxies: 0,
            max_concurrency: 256,
            static_dir: None,
            audit_log: None,
            idempotency_secret: None,
            challenge: None,
        }
    }
}

/// The proxy's state.
pub struct Proxy {
    config: Config,
    client: Client,
    keys: idempotency::KeyDeriver,
    limits: Limits,
    metrics: Arc<Metrics>,
    audit: audit::AuditLog,
    challenges: Option<challenge::Challenges>,
}

/// Why the proxy could not start.
#[derive(Debug)]
pub enum StartError {
    /// The HTTP client could not be built.
    Client(String),
    /// The audit log could not be opened.
    AuditLog(std::io::Error),
    /// A worker thread or its runtime could not be started.
    Worker(std::io::Error),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Client(error) => {
                write!(f, "cannot build the upstream HTTP client: {error}")
            }
            StartError::AuditLog(error) => write!(f, "cannot open the audit log: {error}"),
            StartError::Worker(error) => write!(f, "cannot start a worker thread: {error}"),
        }
    }
}

impl std::error::Error for StartError {}

impl Proxy {
    /// A proxy for `config`, rate-limiting in memory, with metrics of its own.
    pub fn new(config: Config) -> Result<Proxy, StartError> {
        let shared = Shared::in_memory(&config);
        Self::with_shared(config, shared)
    }

    /// A proxy whose limits, used challenge solutions and metrics live in `shared`, which other
    /// workers (and, through Redis, other instances) share.
    pub fn with_shared(config: Config, shared: Shared) -> Result<Proxy, StartError> {
        let mut upstream = config.upstream.clone();
        upstream.observer = Some(Arc::clone(&shared.metrics) as Arc<dyn Observer>);
        let client =
            Client::new(upstream).map_err(|error| StartError::Client(error.to_string()))?;
        let keys = match &config.idempotency_secret {
            Some(secret) => idempotency::KeyDeriver::new(secret.as_bytes()),
            None => idempotency::KeyDeriver::from_client_secret(&config.upstream.client_secret),
        };
        let audit =
            audit::AuditLog::open(config.audit_log.as_deref()).map_err(StartError::AuditLog)?;
        let challenges = config.challenge.clone().map(|challenge| {
            let base = idempotency::deployment_secret(&config, b"signup challenge v1");
            challenge::Challenges::new(challenge, &base, shared.used)
        });
        Ok(Proxy {
            challenges,
            config,
            client,
            keys,
            limits: shared.limits,
            metrics: shared.metrics,
            audit,
        })
    }
}
