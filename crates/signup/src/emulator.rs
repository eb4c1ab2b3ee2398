//! `signup emulator`: run the local Devdraft on a port.

use std::{
    io::Write,
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
};

use tokio::net::TcpListener;

use anyhow::{Context, Result};
use devdraft_emulator::{Config, Emulator, Faults};

/// Where the emulator keeps its data unless told otherwise (also the built-in emulator's file).
pub const DEFAULT_DB: &str = ".signup/emulator.sqlite3";

/// What `signup emulator` was asked for (its command-line flags).
#[derive(Debug, clap::Args)]
pub struct Options {
    /// Where to listen; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:4010")]
    pub listen: SocketAddr,
    /// The client key callers must send (default: generated and printed).
    #[arg(long, env = "DEVDRAFT_CLIENT_KEY")]
    pub client_key: Option<String>,
    /// The client secret callers must send (default: generated and printed).
    #[arg(long, env = "DEVDRAFT_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,
    /// The app id customers belong to.
    #[arg(long, default_value = "app_emulator")]
    pub app_id: String,
    /// The SQLite database file; `:memory:` keeps nothing.
    #[arg(long, default_value = DEFAULT_DB)]
    pub db: PathBuf,
    /// Requests per minute per client key; 0 turns the limit off.
    #[arg(long, default_value_t = 100)]
    pub rate_limit: u32,
    /// Faults to inject into creates, e.g. `drop-after-commit=0.15,error-500=0.1,delay-ms=50@0.1,seed=7`
    /// (`first=N`: only the first N creates);
    /// also enables the `x-emulator-fault` request header (`""` enables only the header).
    #[arg(long)]
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
    let emulator = open(config, &options.db)?;
    let listener = TcpListener::bind(options.listen)
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
    devdraft_emulator::serve(listener, devdraft_emulator::app(Arc::new(emulator))).await?;
    Ok(())
}

/// The emulator over the database at `db`, its folder created if needed: `signup emulator` and
/// `signup serve`'s built-in emulator alike.
pub fn open(config: Config, db: &Path) -> Result<Emulator> {
    let parent = db.parent().filter(|dir| !dir.as_os_str().is_empty());
    if let (true, Some(dir)) = (db.as_os_str() != ":memory:", parent) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    Emulator::open(config, db)
        .with_context(|| format!("cannot open the emulator database {}", db.display()))
}
