//! A faithful, stateful local Devdraft customers API, for development and tests.
//!
//! It follows DESIGN.md's "Devdraft facts": `x-client-key`/`x-client-secret` auth, validation
//! through `customer-validation` with NestJS's 400 format (and `forbidNonWhitelisted`),
//! duplicate email 409, idempotency keys (replay, 422 mismatch, 409 in flight, 24 h expiry,
//! scoped per client key), a fixed-window rate limit with its headers, the reads, and fault
//! injection. State lives in SQLite (WAL), so it survives restarts and `kill -9`.
//!
//! ```no_run
//! use devdraft_emulator::{Config, Emulator, serve};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = Emulator::open(Config::new("key", "secret"), ":memory:".as_ref())?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! serve(listener, devdraft_emulator::app(emulator.into())).await?;
//! # Ok(())
//! # }
//! ```

mod faults;
mod routes;
mod serve;
mod store;

use std::{collections::HashSet, path::Path, sync::Mutex, time::Duration};

pub use crate::{
    faults::{FaultSpecError, Faults},
    routes::app,
    serve::{serve, spawn_on_loopback},
    store::{StoreError, seed},
};
use devdraft_api::rate_limit::RateLimiter;

use crate::store::Store;

/// How the emulator behaves.
#[derive(Debug)]
pub struct Config {
    /// Accepted `(client key, client secret)` pairs; idempotency keys are scoped per client key.
    pub clients: Vec<(String, String)>,
    /// The app every customer belongs to (`appId` in bodies).
    pub app_id: String,
    /// Requests per minute per client key; 0 turns the limit off.
    pub rate_limit: u32,
    /// Faults to inject into creates; `None` turns injection (and the fault header) off.
    pub faults: Option<Faults>,
    /// How long an idempotency key is remembered.
    pub idempotency_ttl: Duration,
}

impl Config {
    /// One client, app `app_emulator`, Devdraft's 100 requests per minute, no faults, 24 h keys.
    pub fn new(client_key: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Config {
            clients: vec![(client_key.into(), client_secret.into())],
            app_id: "app_emulator".to_owned(),
            rate_limit: 100,
            faults: None,
            idempotency_ttl: Duration::from_secs(24 * 60 * 60),
        }
    }
}

/// The emulator's state: configuration, database, rate limiter, and the idempotency keys whose
/// first request is still being handled.
pub struct Emulator {
    config: Config,
    store: Store,
    limiter: RateLimiter,
    in_flight: Mutex<HashSet<(String, String)>>,
}

impl Emulator {
    /// An emulator over the database at `db` (created if missing; `:memory:` allowed).
    pub fn open(config: Config, db: &Path) -> Result<Emulator, StoreError> {
        Ok(Emulator {
            limiter: RateLimiter::new(config.rate_limit),
            store: Store::open(db, config.idempotency_ttl)?,
            config,
            in_flight: Mutex::new(HashSet::new()),
        })
    }
}
