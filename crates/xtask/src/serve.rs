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
    strip_unused_classes(sh, "dist/pkg/signup-form.js")?;
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
    // The glue, its snippets (`network.js`) and `locale.js` now live in the bundle.
    sh.remove_path("dist/pkg/signup-form.js")?;
    sh.remove_path("dist/locale.js")?;
    sh.remove_path("dist/pkg/snippets")?;
    Ok(())
}

/// The wasm-bindgen classes of `wasm-streams`, which Leptos's `server_fn` links and the widget
/// never uses: their wasm exports are removed by wasm-opt (`--remove-exports`, `index.html`),
/// but their JavaScript wrappers stay, kept alive by side effects (`Symbol.dispose`, the
/// finalization registries) that no bundler may drop.
const UNUSED_CLASSES: [&str; 3] = [
    "IntoUnderlyingByteSource",
    "IntoUnderlyingSink",
    "IntoUnderlyingSource",
];

/// Removes [`UNUSED_CLASSES`] from the wasm-bindgen glue at `path`: each class, its
/// `Symbol.dispose` line and its finalization registry. Fails when the glue does not have
/// them in that shape (a new wasm-bindgen), so a change is never silent.
fn strip_unused_classes(sh: &Shell, path: &str) -> Result<()> {
    let glue = sh.read_file(path)?;
    let mut kept = String::with_capacity(glue.len());
    let mut removed = 0;
    let mut skip_until: Option<String> = None;
    for line in glue.lines() {
        if let Some(end) = &skip_until {
            if line.starts_with(end.as_str()) || (end == ";" && line.ends_with(';')) {
                skip_until = None;
            }
            continue;
        }
        if let Some(name) = UNUSED_CLASSES
            .iter()
            .find(|name| line.starts_with(&format!("export class {name} {{")))
        {
            skip_until = Some(format!("if (Symbol.dispose) {name}.prototype"));
            removed += 1;
            continue;
        }
        if UNUSED_CLASSES
            .iter()
            .any(|name| line.starts_with(&format!("const {name}Finalization = ")))
        {
            skip_until = Some(";".to_owned());
            removed += 1;
            continue;
        }
        kept.push_str(line);
        kept.push('\n');
    }
    anyhow::ensure!(
        removed == 2 * UNUSED_CLASSES.len() && skip_until.is_none(),
        "{path}: expected the wasm-bindgen glue to hold {UNUSED_CLASSES:?} and their registries; update xtask's strip_unused_classes"
    );
    sh.write_file(path, kept)?;
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
