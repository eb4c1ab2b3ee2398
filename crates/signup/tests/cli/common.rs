//! What every subcommand's tests need: the binary, a scratch folder, a started server.

use std::{
    io::{BufRead, BufReader, Lines},
    path::{Path, PathBuf},
    process::{Child, ChildStdout, Command, Output, Stdio},
};

/// Asserts that `output`'s standard error contains `text`, showing all of it when not.
#[track_caller]
pub fn assert_stderr_contains(output: &Output, text: &str) {
    let stderr = stderr(output);
    assert!(stderr.contains(text), "{stderr}");
}

/// The `signup` binary, with no Devdraft configuration inherited from the environment.
pub fn signup() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_signup"));
    for name in [
        "DEVDRAFT_CLIENT_KEY",
        "DEVDRAFT_CLIENT_SECRET",
        "DEVDRAFT_BASE_URL",
    ] {
        command.env_remove(name);
    }
    command
}

/// `signup` with Devdraft credentials in the environment (where `serve`, `import` and
/// `emulator` read them).
pub fn with_credentials(key: &str, secret: &str) -> Command {
    let mut command = signup();
    command
        .env("DEVDRAFT_CLIENT_KEY", key)
        .env("DEVDRAFT_CLIENT_SECRET", secret);
    command
}

/// Adds `emulator --listen 127.0.0.1:0 --db DB EXTRA...` to `command`, ready for [`start`].
pub fn emulator_args(mut command: Command, db: &Path, extra: &[&str]) -> Command {
    command
        .args(["emulator", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .args(extra);
    command
}

/// How many customers the emulator at `base` holds that match `query` (its list's `total`).
pub fn total(base: &str, key: &str, secret: &str, query: &str) -> u64 {
    let list: serde_json::Value = reqwest::blocking::Client::new()
        .get(format!("{base}/api/v0/customers?take=1&{query}"))
        .header("x-client-key", key)
        .header("x-client-secret", secret)
        .send()
        .unwrap()
        .json()
        .unwrap();
    list["total"].as_u64().unwrap()
}

pub use super::redis_server::signal;

/// A fresh, empty folder for the test `name`.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("signup-tests-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Spawns a server `command` and reads its first line, `listening on http://ADDR`: the child,
/// its base URL, and the rest of its standard output.
pub fn start(mut command: Command) -> (Child, String, Lines<BufReader<ChildStdout>>) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {first}"))
        .to_owned();
    (child, base, lines)
}

/// A finished command's standard error, as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Sleeps until the current one-minute window (Devdraft's, and the limiters') has at least
/// `needed` left, so that a test's counts all fall in one window.
pub fn wait_for_window(needed: std::time::Duration) {
    let left = devdraft_api::rate_limit::until_next_window();
    if left < needed {
        std::thread::sleep(left + std::time::Duration::from_millis(200));
    }
}

/// The value of the sample `name` (with its labels, as written) in a Prometheus text scrape.
pub fn sample(scrape: &str, name: &str) -> Option<f64> {
    scrape.lines().find_map(|line| {
        let value = line.strip_prefix(name)?.strip_prefix(' ')?;
        value.trim().parse().ok()
    })
}

/// A solved proof-of-work challenge of the proxy at `base`: the `x-altcha` header, solved by
/// the `altcha` crate.
pub fn proof(base: &str) -> String {
    use base64::Engine as _;
    let challenge: altcha::Challenge = reqwest::blocking::get(format!("{base}/api/challenge"))
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .unwrap();
    let solution = altcha::solve_challenge(altcha::SolveChallengeOptions::new(&challenge))
        .unwrap()
        .unwrap();
    let payload = serde_json::json!({"challenge": challenge, "solution": solution});
    base64::engine::general_purpose::STANDARD.encode(payload.to_string())
}
