//! `cargo xtask dist` and `cargo xtask serve`: the release widget and demo page in `dist/`,
//! and the proxy serving them with the built-in emulator.

use anyhow::Result;
use xshell::{Shell, cmd};

use crate::setup;

/// Builds the release widget and demo page into `dist/` with Trunk (pinned tools, offline,
/// wasm-opt 132 from `.tools`).
pub(crate) fn dist(sh: &Shell) -> Result<()> {
    setup::run(sh)?;
    // Trunk builds offline, so every crate must already be in the local registry cache.
    cmd!(sh, "cargo fetch --locked").run()?;
    let path = format!(
        "{}/{}/node_modules/.bin:{}",
        sh.current_dir().display(),
        setup::BINARYEN_DIR,
        std::env::var("PATH").unwrap_or_default()
    );
    cmd!(sh, "trunk build --release")
        .env("PATH", path)
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        .run()?;
    Ok(())
}

/// `dist`, then `signup serve --static-dir dist` (the built-in emulator unless Devdraft is
/// configured in the environment). Extra arguments go to `signup serve`.
pub(crate) fn serve(sh: &Shell, args: &[String]) -> Result<()> {
    dist(sh)?;
    let args = args.strip_prefix(&["--".to_owned()]).unwrap_or(args);
    cmd!(
        sh,
        "cargo run --locked --release -p signup -- serve --static-dir dist {args...}"
    )
    .run()?;
    Ok(())
}
