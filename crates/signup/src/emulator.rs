//! `signup emulator`: run the local Devdraft on a port.

use std::{io::Write, net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::{Context, Result};
use devdraft_emulator::{Config, Emulator, Faults};

/// What `signup emulator` was asked for.
#[derive(Debug)]
pub struct Options {
    /// Where to listen (port 0 picks a free one).
    pub listen: SocketAddr,
    /// The client key, if given.
    pub client_key: Option<String>,
    /// The client secret, if given.
    pub client_secret: Option<String>,
    /// The app id customers belong to.
    pub app_id: String,
    /// The SQLite file (`:memory:` for none).
    pub db: PathBuf,
    /// Requests per minute per client key (0: off).
    pub rate_limit: u32,
    /// The fault specification, if any.
    pub faults: Option<String>,
}

/// Opens the database, binds, prints `listening on http://ADDR` (first line of stdout) and the
/// development credentials when none were given, then serves until killed.
pub async fn run(options: Options) -> Result<()> {
    let generated = options.client_key.is_none() || options.client_secret.is_none();
    let client_key = options
        .client_key
        .unwrap_or_else(|| format!("dev_key_{}", uuid::Uuid::new_v4().simple()));
    let client_secret = options
        .client_secret
        .unwrap_or_else(|| format!("dev_secret_{}", uuid::Uuid::new_v4().simple()));
    let mut config = Config::new(client_key.clone(), client_secret.clone());
    config.app_id = options.app_id;
    config.rate_limit = options.rate_limit;
    config.faults = options.faults.as_deref().map(Faults::parse).transpose()?;
    config.idempotency_ttl = Duration::from_secs(24 * 60 * 60);
    let parent = options
        .db
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty());
    if let (true, Some(dir)) = (options.db.as_os_str() != ":memory:", parent) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let emulator = Emulator::open(config, &options.db)
        .with_context(|| format!("cannot open the emulator database {}", options.db.display()))?;
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .with_context(|| format!("cannot listen on {}", options.listen))?;
    let address = listener.local_addr()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on http://{address}")?;
    if generated {
        // Development credentials of a local emulator, printed so a newcomer can call it.
        writeln!(
            out,
            "development credentials (set DEVDRAFT_CLIENT_KEY and DEVDRAFT_CLIENT_SECRET to choose them):"
        )?;
        writeln!(out, "  x-client-key: {client_key}")?;
        writeln!(out, "  x-client-secret: {client_secret}")?;
    }
    out.flush()?;
    drop(out);
    devdraft_emulator::serve(listener, devdraft_emulator::app(emulator.into())).await?;
    Ok(())
}
