//! `cargo xtask js`: the npm package of the validators, in `crates/customer-validation-js/pkg`.
//!
//! One release build of the wasm module, bound twice by wasm-bindgen: for browsers (ESM, loads
//! the `.wasm` by URL) and for Node (loads it synchronously, no init call), each shrunk by
//! wasm-opt -Oz, plus the hand-written wrapper (`js/`), `tables.js` generated from the Rust
//! crate, the widget's `locale.js` and locale packs (`locales/`), the TypeScript types,
//! `package.json` and the README. The browser build's JavaScript
//! is minified by esbuild.

use anyhow::{Context, Result};
use serde_json::json;
use xshell::{Shell, cmd};

use crate::setup;

/// Where the crate lives, and the package is written.
pub(crate) const CRATE_DIR: &str = "crates/customer-validation-js";
/// The package folder (git-ignored).
pub(crate) const PKG: &str = "crates/customer-validation-js/pkg";
/// The module's file name, as wasm-bindgen names it.
const WASM: &str = "customer_validation_js_bg.wasm";

/// Builds the package.
pub(crate) fn run(sh: &Shell) -> Result<()> {
    let target_dir = target_dir(sh)?;
    cmd!(sh, "cargo build --locked -p customer-validation-js --target wasm32-unknown-unknown --profile js-release")
        .run()?;
    let module =
        format!("{target_dir}/wasm32-unknown-unknown/js-release/customer_validation_js.wasm");
    sh.remove_path(PKG)?;
    for (target, dir) in [("web", "web"), ("nodejs", "node")] {
        let out = format!("{PKG}/{dir}");
        cmd!(
            sh,
            "wasm-bindgen --target {target} --no-typescript --out-dir {out} {module}"
        )
        .run()?;
        let wasm = format!("{out}/{WASM}");
        let wasm_opt = format!("{}/wasm-opt", setup::BINARYEN.bin_dir());
        cmd!(
            sh,
            "{wasm_opt} -Oz --strip-debug --strip-producers {wasm} -o {wasm}"
        )
        .run()?;
        sh.copy_file(format!("{CRATE_DIR}/js/api.js"), &out)?;
        // The widget's choice of a locale pack, so both choose alike.
        sh.copy_file("web/locale.js", &out)?;
        sh.write_file(format!("{out}/tables.js"), tables_js()?)?;
    }
    // The Node glue is CommonJS; the package is `"type": "module"`.
    sh.copy_file(
        format!("{PKG}/node/customer_validation_js.js"),
        format!("{PKG}/node/customer_validation_js.cjs"),
    )?;
    sh.remove_path(format!("{PKG}/node/customer_validation_js.js"))?;
    sh.copy_file(
        format!("{CRATE_DIR}/js/web.js"),
        format!("{PKG}/web/index.js"),
    )?;
    sh.copy_file(
        format!("{CRATE_DIR}/js/node.js"),
        format!("{PKG}/node/index.js"),
    )?;
    for file in ["index.d.ts", "package.json", "README.md"] {
        sh.copy_file(format!("{CRATE_DIR}/js/{file}"), PKG)?;
    }
    // The widget's locale packs: the same translated messages in Node, browsers and the form.
    sh.create_dir(format!("{PKG}/locales"))?;
    for pack in sh.read_dir("web/locales")? {
        sh.copy_file(pack, format!("{PKG}/locales"))?;
    }
    // The browser build is what pages download: minified, as a bundler would (its comments
    // were a tenth of the package's brotli bytes). Node's stays readable; the types keep the docs.
    let esbuild = format!("{}/esbuild", setup::ESBUILD.bin_dir());
    for file in [
        "index.js",
        "api.js",
        "locale.js",
        "tables.js",
        "customer_validation_js.js",
    ] {
        let path = format!("{PKG}/web/{file}");
        cmd!(
            sh,
            "{esbuild} {path} --minify --format=esm --target=es2022 --log-level=warning --allow-overwrite --outfile={path}"
        )
        .run()?;
    }
    eprintln!("package written to {PKG}");
    Ok(())
}

/// Builds the package and runs its tests (`node --test`, in Node and in headless Chromium).
pub(crate) fn test(sh: &Shell) -> Result<()> {
    run(sh)?;
    prepare_tests(sh)?;
    let tests = format!("{CRATE_DIR}/tests/");
    cmd!(sh, "node --test {tests}").run()?;
    Ok(())
}

/// Builds the package, then times it against valibot and zod in one Node process.
pub(crate) fn bench(sh: &Shell) -> Result<()> {
    run(sh)?;
    let mut modules = Vec::new();
    for tool in [setup::VALIBOT, setup::ZOD] {
        setup::npm_tool(sh, &tool)?;
        modules.push(format!(
            "{}/{}",
            sh.current_dir().display(),
            tool.modules_dir()
        ));
    }
    let records: Vec<serde_json::Value> = crate::sample::bodies(0x5eed, 10_000)
        .iter()
        .map(|body| serde_json::from_str(body))
        .collect::<Result<_, _>>()?;
    let records_path = format!("{}/bench-js-records.json", target_dir(sh)?);
    sh.write_file(&records_path, serde_json::to_string(&records)?)?;
    let pkg = format!("{}/{PKG}", sh.current_dir().display());
    cmd!(
        sh,
        "node {CRATE_DIR}/bench/bench.mjs {records_path} {modules...} {pkg}"
    )
    .run()?;
    Ok(())
}

/// Readies the package's Node and browser tests: Rust's verdicts on the benchmark mix (for the
/// JavaScript results to match), and `node_modules` so the tests import the package by name,
/// through its `exports` map.
fn prepare_tests(sh: &Shell) -> Result<()> {
    let records: Vec<serde_json::Value> = crate::sample::bodies(0x7e57, 2_000)
        .iter()
        .map(|body| serde_json::from_str(body))
        .collect::<Result<_, _>>()?;
    let verdicts: Vec<serde_json::Value> = records
        .iter()
        .map(|record| {
            let raw: customer_validation::RawCustomer<'_> =
                serde::Deserialize::deserialize(record)?;
            Ok(match customer_validation::validate(&raw) {
                Ok(customer) => json!({"valid": true, "value": customer}),
                Err(errors) => json!({"valid": false, "errors": errors}),
            })
        })
        .collect::<Result<_, serde_json::Error>>()?;
    let verdicts = json!({"records": records, "verdicts": verdicts});
    sh.write_file(
        format!("{PKG}/rust-verdicts.json"),
        serde_json::to_string(&verdicts)?,
    )?;
    let link_dir = format!("{CRATE_DIR}/tests/node_modules/@signup");
    sh.create_dir(&link_dir)?;
    let link = format!("{link_dir}/customer-validation");
    if !sh.path_exists(&link) {
        cmd!(sh, "ln -s ../../../pkg {link}").run()?;
    }
    Ok(())
}

/// Cargo's target folder (honours `CARGO_TARGET_DIR`, which CI sets).
pub(crate) fn target_dir(sh: &Shell) -> Result<String> {
    let metadata = cmd!(sh, "cargo metadata --format-version 1 --no-deps")
        .quiet()
        .read()?;
    let metadata: serde_json::Value = serde_json::from_str(&metadata)?;
    metadata["target_directory"]
        .as_str()
        .map(str::to_owned)
        .context("cargo metadata gave no target_directory")
}

/// `tables.js`: the codes, messages, enums and limits of the Rust crate, as a module.
fn tables_js() -> Result<String> {
    let tables = customer_validation_js::tables();
    let tables = json!({
        "fields": tables.fields,
        "codes": tables.codes,
        "messages": tables.messages,
        "customerTypes": tables.customer_types,
        "statuses": tables.statuses,
        "limits": tables.limits,
    });
    Ok(format!(
        "// Generated by `cargo xtask js` from customer-validation; do not edit.\nexport const TABLES = {};\n",
        serde_json::to_string(&tables)?
    ))
}
