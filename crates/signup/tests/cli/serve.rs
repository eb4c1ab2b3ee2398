//! `signup serve` as a process: the built-in emulator by default, configuration errors, and a
//! graceful stop on SIGTERM.

use std::{path::Path, thread, time::Duration};

use serde_json::{Value, json};

use super::common::{
    assert_stderr_contains, emulator_args, proof, signal, signup, start, temp_dir, with_credentials,
};

fn john() -> Value {
    json!({"first_name": "John", "last_name": "Doe", "phone_number": "+1-555-123-4567"})
}

#[test]
fn runs_the_built_in_emulator_when_no_devdraft_is_configured() {
    let dir = temp_dir("embedded");
    let mut command = signup();
    command
        .current_dir(&dir)
        .args(["serve", "--listen", "127.0.0.1:0"]);
    let (mut child, base, mut lines) = start(command);
    let second = lines.next().unwrap().unwrap();
    assert!(second.contains("built-in emulator"), "{second}");
    let third = lines.next().unwrap().unwrap();
    assert!(third.contains("proof of work"), "on by default: {third}");
    let http = reqwest::blocking::Client::new();
    let post = || http.post(format!("{base}/api/customers")).json(&john());
    assert_eq!(post().send().unwrap().status(), 403, "no proof of work");
    let response = post().header("x-altcha", proof(&base)).send().unwrap();
    assert_eq!(response.status(), 201);
    assert!(Path::new(&dir).join(".signup/emulator.sqlite3").exists());
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn refuses_an_upstream_without_credentials_and_credentials_as_flags() {
    let output = signup()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            "https://api.devdraft.ai",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_stderr_contains(
        &output,
        "set DEVDRAFT_CLIENT_KEY and DEVDRAFT_CLIENT_SECRET",
    );

    let output = signup()
        .args(["serve", "--client-secret", "s"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "there is no flag for the secret, so it never shows in ps"
    );

    let output = signup()
        .args(["serve"])
        .env("DEVDRAFT_CLIENT_KEY", "k")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn finishes_in_flight_requests_on_sigterm() {
    let dir = temp_dir("sigterm");
    let emulator = emulator_args(
        with_credentials("k", "s"),
        &dir.join("db.sqlite3"),
        &["--rate-limit", "0", "--faults", "delay-ms=1000@1"],
    );
    let (mut emulator, upstream, _) = start(emulator);

    let mut proxy = with_credentials("k", "s");
    proxy.args(["serve", "--listen", "127.0.0.1:0", "--upstream", &upstream]);
    proxy.args(["--challenge", "off"]);
    let (mut proxy, base, _lines) = start(proxy);

    let request = thread::spawn(move || {
        reqwest::blocking::Client::new()
            .post(format!("{base}/api/customers"))
            .json(&john())
            .send()
            .map(|response| response.status())
    });
    thread::sleep(Duration::from_millis(300));
    signal(&proxy, "TERM");
    let status = request
        .join()
        .unwrap()
        .expect("the in-flight request is answered");
    assert_eq!(status, 201);
    let exit = proxy.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    emulator.kill().unwrap();
    emulator.wait().unwrap();
}

#[test]
fn workers_share_one_rate_limit() {
    let dir = temp_dir("workers");
    let mut command = signup();
    command.current_dir(&dir).args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--workers",
        "3",
        "--rate-limit",
        "4",
        "--challenge",
        "off",
    ]);
    let (mut child, base, _lines) = start(command);
    // A new connection each time, so the creates spread over the workers that accept them.
    let statuses: Vec<u16> = (0..6)
        .map(|i| {
            let mut customer = john();
            customer["email"] = json!(format!("worker{i}@example.com"));
            reqwest::blocking::Client::new()
                .post(format!("{base}/api/customers"))
                .json(&customer)
                .send()
                .unwrap()
                .status()
                .as_u16()
        })
        .collect();
    assert_eq!(statuses, [201, 201, 201, 201, 429, 429]);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn altchas_own_javascript_library_solves_our_challenges() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let tools = root.join(".tools/altcha");
    assert!(
        tools.join("node_modules/altcha-lib").exists(),
        "altcha-lib is not installed in {}: run `cargo xtask setup`",
        tools.display()
    );
    let dir = temp_dir("altcha-lib");
    let mut command = signup();
    command
        .current_dir(&dir)
        .args(["serve", "--listen", "127.0.0.1:0"]);
    let (mut child, base, _lines) = start(command);
    let output = std::process::Command::new("node")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/altcha_interop.cjs"))
        .arg(&tools)
        .arg(&base)
        .output()
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.starts_with("201 "),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("\"first_name\":\"Alt\""), "{stdout}");
}
