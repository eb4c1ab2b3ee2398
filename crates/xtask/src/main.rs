//! `cargo xtask`: every piece of automation of this workspace, in Rust.
//!
//! Run `cargo xtask help` for the list of tasks.

mod bench;
mod gen_phone;
mod js;
#[path = "../../customer-validation/benches/sample/mod.rs"]
mod sample;
mod sdk;
mod serve;
mod setup;
mod test;

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use xshell::Shell;

const HELP: &str = "\
cargo xtask <task>

tasks:
  setup      install what builds and tests need (wasm32 target, wasm-bindgen-cli, trunk,
             geckodriver, binaryen, esbuild, axe-core; Chromium, chromedriver, Firefox ESR,
             WebKitWebDriver, Xvfb and redis-server by apt), only what is missing
  test       setup, then every check CI runs: fmt, clippy (native and wasm32), doc, tests
             (native and in headless Chromium)
  bench      every benchmark (criterion); arguments after `--` go to criterion
  js         build the npm package of the validators into crates/customer-validation-js/pkg
  js-test    build the package, then run its Node and headless Chromium tests
  bench-js   the JavaScript package against valibot and zod (ns/record), and its size
  sdk        the official Python SDK (PyPI devdraft) against `signup emulator`
  dist       build the release widget and demo page into dist/ (Trunk, wasm-opt -Oz, the
             JavaScript and CSS bundled and minified by esbuild), and check its size and its
             locale packs' (bytes brotli, against their budgets)
  serve      dist, then `signup serve --static-dir dist` with the built-in emulator; arguments
             after `--` go to `signup serve` (e.g. `-- --listen 127.0.0.1:0`)
  gen-phone  regenerate the phone calling-code table from libphonenumber-js metadata
";

fn main() -> Result<()> {
    let sh = Shell::new()?;
    sh.change_dir(project_root());
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    // What follows the task goes to the tool it runs, with or without a `--` first.
    let rest = args.get(1..).unwrap_or_default();
    let rest = rest.strip_prefix(&["--".to_owned()]).unwrap_or(rest);
    // The tasks that build for the browser need the pinned toolchain, and those that run one
    // need the browser too; each sets up once here rather than in every nested step.
    let (all_tools, build_tools) = (|| setup::run(&sh), || setup::build_tools(&sh));
    match task {
        "setup" => all_tools(),
        "test" => all_tools().and_then(|()| test::run(&sh)),
        "bench" => all_tools().and_then(|()| bench::run(&sh, rest)),
        "dist" => build_tools()
            .and_then(|()| serve::dist(&sh))
            .and_then(|()| serve::sizes(&sh)),
        "serve" => build_tools().and_then(|()| serve::serve(&sh, rest)),
        "js" => build_tools().and_then(|()| js::run(&sh)),
        "sdk" => sdk::run(&sh),
        "js-test" => all_tools().and_then(|()| js::test(&sh)),
        "bench-js" => build_tools().and_then(|()| js::bench(&sh)),
        "gen-phone" => gen_phone::run(&sh),
        "help" | "-h" | "--help" => {
            print!("{HELP}");
            Ok(())
        }
        other => bail!("unknown task `{other}`; run `cargo xtask help` for the list"),
    }
}

/// The workspace root: xtask lives in `crates/xtask`.
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("xtask sits two levels below the workspace root")
        .to_path_buf()
}
