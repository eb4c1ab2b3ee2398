//! `cargo xtask setup`: install what the build and the tests need, idempotently.
//!
//! Each tool is checked first and installed only when missing or at the wrong version, so a
//! second run costs seconds. Versions are pinned: DESIGN.md's toolchain section says why each.

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

/// The wasm-bindgen CLI must match the `wasm-bindgen` crate pinned in Cargo.toml exactly.
pub(crate) const WASM_BINDGEN: &str = "0.2.130";
/// 0.22 needs a newer rustc than this machine's 1.95.
const TRUNK: &str = "0.21.14";
/// Firefox's WebDriver server, from the crates registry (npm's package downloads a binary).
const GECKODRIVER: &str = "0.37.1";
/// An npm package the build or the tests use, installed into its own git-ignored folder.
pub(crate) struct NpmTool {
    package: &'static str,
    pub(crate) version: &'static str,
    /// Where it is installed, relative to the workspace root.
    pub(crate) dir: &'static str,
}

impl NpmTool {
    /// Its `node_modules` folder, where Node resolves its imports.
    pub(crate) fn modules_dir(&self) -> String {
        format!("{}/node_modules", self.dir)
    }

    /// The folder of its executables (`node_modules/.bin`), for PATH.
    pub(crate) fn bin_dir(&self) -> String {
        format!("{}/.bin", self.modules_dir())
    }

    /// The installed package's folder.
    pub(crate) fn package_dir(&self) -> String {
        format!("{}/{}", self.modules_dir(), self.package)
    }
}

/// wasm-opt. Debian's binaryen 108 corrupts wasm-bindgen's externref table; 132 does not.
pub(crate) const BINARYEN: NpmTool = NpmTool {
    package: "binaryen",
    version: "132.0.0",
    dir: ".tools/binaryen",
};
/// Bundles and minifies the widget's JavaScript and CSS (part of its size budget).
pub(crate) const ESBUILD: NpmTool = NpmTool {
    package: "esbuild",
    version: "0.28.2",
    dir: ".tools/esbuild",
};
/// The phone metadata `cargo xtask gen-phone` reads. Bump the version (newest: `npm view
/// libphonenumber-js version`) and rerun `cargo xtask gen-phone` to refresh the table.
pub(crate) const LIBPHONENUMBER: NpmTool = NpmTool {
    package: "libphonenumber-js",
    version: "1.13.16",
    dir: ".tools/gen-phone",
};
/// valibot and zod, for `cargo xtask bench-js`'s comparison (each in a folder of its own: a
/// second `npm install --no-save` into one folder removes the first's package).
pub(crate) const VALIBOT: NpmTool = NpmTool {
    package: "valibot",
    version: "1.5.0",
    dir: ".tools/bench-js/valibot",
};
pub(crate) const ZOD: NpmTool = NpmTool {
    package: "zod",
    version: "4.6.7",
    dir: ".tools/bench-js/zod",
};
/// The accessibility checker the browser tests inject into the page.
pub(crate) const AXE: NpmTool = NpmTool {
    package: "axe-core",
    version: "4.14.1",
    dir: ".tools/axe",
};

/// ALTCHA's own JavaScript library, which a test solves the proxy's challenges with.
pub(crate) const ALTCHA_LIB: NpmTool = NpmTool {
    package: "altcha-lib",
    version: "2.8.0",
    dir: ".tools/altcha",
};

/// Installs every missing tool.
pub(crate) fn run(sh: &Shell) -> Result<()> {
    build_tools(sh)?;
    browser_tools(sh)
}

/// What building for the browser needs: the wasm target, wasm-bindgen, Trunk, wasm-opt and
/// esbuild.
pub(crate) fn build_tools(sh: &Shell) -> Result<()> {
    wasm_target(sh)?;
    // Not --locked: wasm-bindgen-cli's lockfile names a crate version the registry lacks.
    cargo_tool(sh, "wasm-bindgen", "wasm-bindgen-cli", WASM_BINDGEN, false)?;
    cargo_tool(sh, "trunk", "trunk", TRUNK, true)?;
    for tool in [BINARYEN, ESBUILD] {
        npm_tool(sh, &tool)?;
    }
    Ok(())
}

/// What running the tests adds: axe-core, altcha-lib, geckodriver, and the system packages.
fn browser_tools(sh: &Shell) -> Result<()> {
    npm_tool(sh, &AXE)?;
    npm_tool(sh, &ALTCHA_LIB)?;
    cargo_tool(sh, "geckodriver", "geckodriver", GECKODRIVER, true)?;
    system_packages(sh)
}

fn wasm_target(sh: &Shell) -> Result<()> {
    let installed = cmd!(sh, "rustup target list --installed").read()?;
    if !installed
        .lines()
        .any(|target| target == "wasm32-unknown-unknown")
    {
        cmd!(sh, "rustup target add wasm32-unknown-unknown").run()?;
    }
    Ok(())
}

/// Installs `krate` at `version` with `cargo install` unless `bin --version` already says it.
fn cargo_tool(sh: &Shell, bin: &str, krate: &str, version: &str, locked: bool) -> Result<()> {
    let current = cmd!(sh, "{bin} --version")
        .quiet()
        .ignore_stderr()
        .read()
        .unwrap_or_default();
    if current
        .split_whitespace()
        .any(|word| word.trim_start_matches('v') == version)
    {
        return Ok(());
    }
    eprintln!("installing {krate} {version} (a few minutes, once)");
    let locked = locked.then_some("--locked");
    cmd!(sh, "cargo install {krate} --version {version} {locked...}")
        .run()
        .with_context(|| format!("cannot install {krate} {version} with cargo install"))?;
    Ok(())
}

/// Installs an npm package at its pinned version into its folder, unless it is already there.
pub(crate) fn npm_tool(sh: &Shell, tool: &NpmTool) -> Result<()> {
    let manifest = format!("{}/package.json", tool.package_dir());
    let pinned = format!("\"version\": \"{}\"", tool.version);
    let installed = || {
        sh.read_file(&manifest)
            .is_ok_and(|manifest| manifest.contains(&pinned))
    };
    if installed() {
        return Ok(());
    }
    if cmd!(sh, "npm --version")
        .quiet()
        .ignore_stdout()
        .ignore_stderr()
        .run()
        .is_err()
    {
        bail!(
            "npm not found: install Node.js and npm (apt-get install -y nodejs npm), then run `cargo xtask setup` again"
        );
    }
    let NpmTool {
        package,
        version,
        dir,
    } = tool;
    eprintln!("installing {package} {version} into {dir}");
    cmd!(
        sh,
        "npm install --prefix {dir} --no-save --no-audit --no-fund {package}@{version}"
    )
    .run()
    .with_context(|| format!("cannot install {package} with npm"))?;
    if !installed() {
        bail!("npm did not install {package} {version}: delete {dir} and rerun");
    }
    Ok(())
}

/// Debian packages the tests run, each named by a program it installs: Chromium with
/// chromedriver, Firefox ESR, WebKitGTK's WebDriver (and its MiniBrowser) with Xvfb for its
/// display, and redis-server for the limits shared between instances.
const SYSTEM_PACKAGES: &[(&str, &str)] = &[
    ("chromium", "chromium"),
    ("chromedriver", "chromium-driver"),
    ("firefox-esr", "firefox-esr"),
    ("WebKitWebDriver", "webkit2gtk-driver"),
    ("Xvfb", "xvfb"),
    ("redis-server", "redis-server"),
];

/// Installs the missing [`SYSTEM_PACKAGES`] with apt as root; otherwise says how.
fn system_packages(sh: &Shell) -> Result<()> {
    // Looked up on PATH, not run: `Xvfb --version` would start a server.
    let path = std::env::var_os("PATH").unwrap_or_default();
    let have = |bin: &str| std::env::split_paths(&path).any(|dir| dir.join(bin).is_file());
    let missing: Vec<&str> = SYSTEM_PACKAGES
        .iter()
        .filter(|(bin, _)| !have(bin))
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let list = missing.join(" ");
    let uid = cmd!(sh, "id -u").read().unwrap_or_default();
    if uid.trim() != "0" {
        bail!(
            "{list} missing; install as root, then run this again:\n    sudo sh -c 'apt-get update && apt-get install -y {list}'"
        );
    }
    eprintln!("installing {list} with apt-get");
    let env = [("DEBIAN_FRONTEND", "noninteractive")];
    cmd!(sh, "apt-get update").envs(env).run()?;
    cmd!(sh, "apt-get install -y {missing...}")
        .envs(env)
        .run()?;
    Ok(())
}
