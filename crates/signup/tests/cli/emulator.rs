//! `signup emulator` as a process: its first line, its credentials, and no acknowledged
//! customer lost to `kill -9`.

use std::{
    path::Path,
    process::Child,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    thread,
    time::Duration,
};

use serde_json::{Value, json};

use super::common::{
    assert_stderr_contains, emulator_args, signup, start, temp_dir, total, with_credentials,
};

const KEY: &str = "cli-key";
const SECRET: &str = "cli-secret";

/// Starts `signup emulator` and returns it with its base URL and, when it generated
/// credentials, the three lines that print them.
fn emulator(db: &Path, extra: &[&str], credentials: bool) -> (Child, String, Vec<String>) {
    let command = if credentials {
        with_credentials(KEY, SECRET)
    } else {
        signup()
    };
    let mut extra = extra.to_vec();
    extra.extend(["--rate-limit", "0"]);
    let (child, base, lines) = start(emulator_args(command, db, &extra));
    let rest = if credentials {
        Vec::new()
    } else {
        lines.take(3).map(Result::unwrap).collect()
    };
    (child, base, rest)
}

#[test]
fn prints_its_address_first_and_generated_credentials_that_work() {
    let dir = temp_dir("credentials");
    let (mut child, base, rest) = emulator(
        &dir.join("nested/db.sqlite3"),
        &["--app-id", "app_cli"],
        false,
    );
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let key = rest[1]
        .trim()
        .strip_prefix("x-client-key: ")
        .unwrap()
        .to_owned();
    let secret = rest[2]
        .trim()
        .strip_prefix("x-client-secret: ")
        .unwrap()
        .to_owned();
    let response = reqwest::blocking::Client::new()
        .post(format!("{base}/api/v0/customers"))
        .header("x-client-key", key)
        .header("x-client-secret", secret)
        .json(&json!({"first_name": "A", "last_name": "B", "phone_number": "+15551234567"}))
        .send()
        .unwrap();
    assert_eq!(response.status(), 201);
    let customer: Value = response.json().unwrap();
    assert_eq!(
        (customer["appId"].as_str(), customer["app_id"].as_str()),
        (Some("app_cli"), Some("app_cli"))
    );
    assert!(
        dir.join("nested/db.sqlite3").exists(),
        "the database folder is created"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn refuses_a_bad_fault_specification() {
    let output = emulator_args(
        signup(),
        Path::new(":memory:"),
        &["--faults", "error-500=7"],
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_stderr_contains(&output, "invalid fault `error-500=7`");
}

#[test]
fn loses_no_acknowledged_customer_to_kill_9() {
    let dir = temp_dir("kill9");
    let db = dir.join("emulator.sqlite3");
    let (mut child, base, _) = emulator(&db, &[], true);
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..8)
        .map(|worker| {
            let (base, acknowledged, stop) = (base.clone(), Arc::clone(&acknowledged), Arc::clone(&stop));
            thread::spawn(move || {
                let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
                for i in 0..100_000 {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let body = json!({"first_name": "Kill", "last_name": format!("Nine{worker}-{i}"),
                        "phone_number": "+15551234567", "email": format!("w{worker}n{i}@example.com")});
                    let sent = client.post(format!("{base}/api/v0/customers"))
                        .header("x-client-key", KEY).header("x-client-secret", SECRET).json(&body).send();
                    match sent {
                        Ok(response) if response.status() == 201 => {
                            if let Ok(customer) = response.json::<Value>() {
                                acknowledged.lock().unwrap().push(customer["id"].as_str().unwrap().to_owned());
                            }
                        }
                        // The process is gone: the rest of this worker's requests fail.
                        _ => break,
                    }
                }
            })
        })
        .collect();
    while acknowledged.lock().unwrap().len() < 300 {
        thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL: no shutdown, no flush
    child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 300);

    let (mut child, base, _) = emulator(&db, &[], true);
    let client = reqwest::blocking::Client::new();
    assert!(total(&base, KEY, SECRET, "") >= acknowledged.len() as u64);
    for id in &acknowledged {
        let response = client
            .get(format!("{base}/api/v0/customers/{id}"))
            .header("x-client-key", KEY)
            .header("x-client-secret", SECRET)
            .send()
            .unwrap();
        assert_eq!(
            response.status(),
            200,
            "acknowledged customer {id} was lost"
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
}
