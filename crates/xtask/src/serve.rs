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
    /// What is being removed, up to which line (inclusive).
    enum Skipping {
        /// A class: to the line starting so (its `Symbol.dispose` line).
        To(String),
        /// A registry: to the statement's end, a line ending in `;`.
        ToStatementEnd,
    }
    let glue = sh.read_file(path)?;
    let mut kept = String::with_capacity(glue.len());
    let mut removed = 0;
    let mut skipping = None;
    for line in glue.lines() {
        match &skipping {
            Some(Skipping::To(end)) if line.starts_with(end.as_str()) => skipping = None,
            Some(Skipping::ToStatementEnd) if line.ends_with(';') => skipping = None,
            Some(_) => {}
            None => {
                let class = UNUSED_CLASSES
                    .iter()
                    .find(|name| line.starts_with(&format!("export class {name} {{")));
                let registry = UNUSED_CLASSES
                    .iter()
                    .any(|name| line.starts_with(&format!("const {name}Finalization = ")));
                if let Some(name) = class {
                    skipping = Some(Skipping::To(format!(
                        "if (Symbol.dispose) {name}.prototype"
                    )));
                } else if registry {
                    // The statement may end on this line.
                    skipping = (!line.ends_with(';')).then_some(Skipping::ToStatementEnd);
                } else {
                    kept.push_str(line);
                    kept.push('\n');
                    continue;
                }
                removed += 1;
            }
        }
    }
    anyhow::ensure!(
        removed == 2 * UNUSED_CLASSES.len()
            && skipping.is_none()
            && !UNUSED_CLASSES.iter().any(|name| kept.contains(name)),
        "{path}: expected the wasm-bindgen glue to hold {UNUSED_CLASSES:?} and their registries; update xtask's strip_unused_classes"
    );
    sh.write_file(path, kept)?;
    Ok(())
}

/// The widget's download (`signup-form.js`, its wasm and CSS) at most, in bytes brotli.
const WIDGET_BUDGET: usize = 70_000;
/// A locale pack at most, in bytes brotli.
const PACK_BUDGET: usize = 2_000;

/// Prints the widget's download and each locale pack in bytes brotli (quality 11, as a CDN
/// serves static files), measured by Node's zlib, and fails when one is over its budget.
pub(crate) fn sizes(sh: &Shell) -> Result<()> {
    let script = r#"
        const { readFileSync, readdirSync } = require('node:fs');
        const { brotliCompressSync, constants } = require('node:zlib');
        const brotli = (path) => brotliCompressSync(readFileSync(path), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
        const widget = ['dist/signup-form.js', 'dist/pkg/signup-form_bg.wasm', 'dist/signup-form.css'].map(brotli);
        const packs = readdirSync('dist/locales').map((file) => [file, brotli(`dist/locales/${file}`)]);
        console.log(JSON.stringify({ widget, packs }));
    "#;
    let report: serde_json::Value = serde_json::from_str(&cmd!(sh, "node -e {script}").read()?)?;
    let parts: Vec<usize> = serde_json::from_value(report["widget"].clone())?;
    let widget: usize = parts.iter().sum();
    eprintln!(
        "size: widget {widget} bytes brotli (js {}, wasm {}, css {}; budget {WIDGET_BUDGET})",
        parts[0], parts[1], parts[2]
    );
    let packs: Vec<(String, usize)> = serde_json::from_value(report["packs"].clone())?;
    for (file, bytes) in &packs {
        eprintln!("size: locales/{file} {bytes} bytes brotli (budget {PACK_BUDGET})");
    }
    anyhow::ensure!(
        widget <= WIDGET_BUDGET,
        "the widget is {widget} bytes brotli, over {WIDGET_BUDGET}"
    );
    for (file, bytes) in packs {
        anyhow::ensure!(
            bytes <= PACK_BUDGET,
            "locales/{file} is {bytes} bytes brotli, over {PACK_BUDGET}"
        );
    }
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
