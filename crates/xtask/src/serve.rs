//! `cargo xtask dist` and `cargo xtask serve`: the release widget and demo page in `dist/`,
//! and the proxy serving them with the built-in emulator.

use anyhow::Result;
use xshell::{Shell, cmd};

use crate::setup;

/// Builds the release widget and demo page into `dist/` with Trunk (pinned tools, offline,
/// wasm-opt 132 from `.tools`), then bundles `signup-form.js` with its wasm-bindgen glue into
/// one minified module and minifies the CSS (esbuild), so a page loads one script and one wasm.
pub(crate) fn dist(sh: &Shell) -> Result<()> {
    // Trunk builds offline, so every crate must already be in the local registry cache.
    cmd!(sh, "cargo fetch --locked").run()?;
    let root = sh.current_dir();
    let path = format!(
        "{}/{}:{}",
        root.display(),
        setup::BINARYEN.bin_dir(),
        std::env::var("PATH").unwrap_or_default()
    );
    cmd!(sh, "trunk build --release")
        .env("PATH", path)
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        .run()?;
    let esbuild = format!("{}/esbuild", setup::ESBUILD.bin_dir());
    // es2022: private class fields and static blocks, as every browser with WebAssembly
    // reference types has them.
    cmd!(
        sh,
        "{esbuild} dist/signup-form.js --bundle --format=esm --target=es2022 --minify --log-level=warning --allow-overwrite --outfile=dist/signup-form.js"
    )
    .run()?;
    cmd!(
        sh,
        "{esbuild} dist/signup-form.css --minify --log-level=warning --allow-overwrite --outfile=dist/signup-form.css"
    )
    .run()?;
    // The glue and its snippets (`network.js`) now live in the bundle.
    sh.remove_path("dist/pkg/signup-form.js")?;
    sh.remove_path("dist/pkg/snippets")?;
    Ok(())
}

/// `dist`, then `signup serve --static-dir dist` (the built-in emulator unless Devdraft is
/// configured in the environment). Extra arguments go to `signup serve`.
pub(crate) fn serve(sh: &Shell, args: &[String]) -> Result<()> {
    dist(sh)?;
    cmd!(
        sh,
        "cargo run --locked --release -p signup -- serve --static-dir dist {args...}"
    )
    .run()?;
    Ok(())
}
