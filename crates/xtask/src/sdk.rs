//! The official Python SDK against the emulator: `cargo xtask test` runs it (issue 4's
//! acceptance). The SDK is installed from PyPI into a project-local virtualenv, `.tools/py`.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
};

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

/// The SDK version checked (PyPI `devdraft`).
const SDK: &str = "devdraft==1.0.0";
const VENV: &str = ".tools/py";

/// Installs the SDK if missing, starts `signup emulator`, runs the Python checks, stops it.
pub(crate) fn run(sh: &Shell) -> Result<()> {
    let python = format!("{VENV}/bin/python");
    let have_sdk = cmd!(sh, "{python} -c 'import devdraft'")
        .quiet()
        .ignore_stderr()
        .run()
        .is_ok();
    if !have_sdk {
        cmd!(sh, "python3 -m venv {VENV}")
            .run()
            .context("cannot create a Python virtualenv")?;
        cmd!(sh, "{python} -m pip install --quiet {SDK}")
            .run()
            .context("cannot install the devdraft SDK with pip")?;
    }
    cmd!(sh, "cargo build --locked -p signup").run()?;
    let signup = format!("{}/debug/signup", crate::js::target_dir(sh)?);
    let (key, secret) = ("sdk-check-key", "sdk-check-secret");
    let mut emulator = Command::new(&signup)
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--db",
            ":memory:",
            "--rate-limit",
            "0",
        ])
        .env("DEVDRAFT_CLIENT_KEY", key)
        .env("DEVDRAFT_CLIENT_SECRET", secret)
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {signup}"))?;
    let first = BufReader::new(emulator.stdout.take().context("no stdout")?)
        .lines()
        .next();
    let base = match first {
        Some(Ok(line)) => line.strip_prefix("listening on ").map(str::to_owned),
        _ => None,
    };
    let result = match base {
        Some(base) => cmd!(
            sh,
            "{python} crates/devdraft-emulator/tests/sdk/check_python_sdk.py {base} {key} {secret}"
        )
        .run()
        .map_err(anyhow::Error::from),
        None => Err(anyhow::anyhow!("signup emulator did not print its address")),
    };
    emulator.kill().ok();
    emulator.wait().ok();
    if let Err(error) = result {
        bail!("the Python SDK check failed: {error}");
    }
    Ok(())
}
