//! `cargo xtask test`: every check CI runs, in the order that fails fastest.

use anyhow::Result;
use xshell::{Shell, cmd};

use crate::{js, sdk, serve};

/// Crates that build for the browser: checked by clippy for wasm32 as well (benchmarks are
/// native only).
const WASM_CRATES: &[&str] = &[
    "customer-validation",
    "customer-validation-js",
    "signup-form",
];
/// Crates whose tests also run as wasm-bindgen tests in headless Chromium and Firefox (the
/// runner cannot drive WebKitGTK's WebDriver; the end-to-end suite covers WebKit).
const WASM_TESTED: &[&str] = &["customer-validation", "signup-form"];

pub(crate) fn run(sh: &Shell) -> Result<()> {
    step("format");
    cmd!(sh, "cargo fmt --all --check").run()?;
    step("clippy (native)");
    cmd!(
        sh,
        "cargo clippy --workspace --all-targets --locked -- -D warnings"
    )
    .run()?;
    step("clippy (wasm32)");
    let wasm_crates = packages(WASM_CRATES);
    cmd!(sh, "cargo clippy {wasm_crates...} --target wasm32-unknown-unknown --lib --bins --tests --locked -- -D warnings")
        .run()?;
    step("doc");
    cmd!(sh, "cargo doc --workspace --no-deps --locked")
        .env("RUSTDOCFLAGS", "-D warnings")
        .run()?;
    step("tests (native)");
    // The end-to-end suite needs the release widget: it runs last, after `dist`.
    cmd!(sh, "cargo test --workspace --exclude e2e --locked").run()?;
    // The runner picks its browser from CHROMEDRIVER / GECKODRIVER (GECKODRIVER first), else
    // from the first driver on PATH: each run names its own, so neither depends on PATH order.
    for (browser, variable, driver) in [
        ("Chromium", "CHROMEDRIVER", "chromedriver"),
        ("Firefox", "GECKODRIVER", "geckodriver"),
    ] {
        step(&format!("tests (wasm32, headless {browser})"));
        let wasm_tested = packages(WASM_TESTED);
        cmd!(
            sh,
            "cargo test {wasm_tested...} --target wasm32-unknown-unknown --locked"
        )
        .env_remove("CHROMEDRIVER")
        .env_remove("GECKODRIVER")
        .env(variable, driver)
        .run()?;
    }
    step("JavaScript package (Node, headless Chromium and Firefox)");
    js::test(sh)?;
    step("official Python SDK against the emulator");
    sdk::run(sh)?;
    step("end to end: the release widget, proxy and emulator in Chromium, Firefox and WebKit");
    serve::dist(sh)?;
    serve::sizes(sh)?;
    cmd!(sh, "cargo build --package signup --locked").run()?;
    // --show-output: the time to interactive per engine, which passing scenarios report.
    cmd!(sh, "cargo test --package e2e --locked -- --show-output").run()?;
    step("all passed");
    Ok(())
}

fn packages(names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|name| format!("--package={name}"))
        .collect()
}

fn step(name: &str) {
    eprintln!("\n==> xtask test: {name}");
}
