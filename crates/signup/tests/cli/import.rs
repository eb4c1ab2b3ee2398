//! `signup import` against `signup emulator`, both as processes, over real HTTP.

use std::{
    collections::HashSet,
    path::Path,
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use super::common::{
    self, assert_stderr_contains, emulator_args, signal, start, stderr, temp_dir, with_credentials,
};

const KEY: &str = "import-key";
const SECRET: &str = "import-secret";

fn emulator(dir: &Path, args: &[&str]) -> (Child, String) {
    let command = emulator_args(
        with_credentials(KEY, SECRET),
        &dir.join("emulator.sqlite3"),
        args,
    );
    let (child, base, _) = start(command);
    (child, base)
}

fn import(file: &Path, upstream: &str, extra: &[&str]) -> Command {
    let mut command = with_credentials(KEY, SECRET);
    command
        .arg("import")
        .arg(file)
        .args(["--upstream", upstream])
        .args(extra);
    command
}

fn total(upstream: &str, query: &str) -> u64 {
    common::total(upstream, KEY, SECRET, query)
}

/// 1,000 records: every tenth invalid (with an email of its own), and 50 emails used twice.
fn write_records(path: &Path) -> HashSet<String> {
    let mut valid_emails = HashSet::new();
    let mut lines = Vec::new();
    for i in 0..1000 {
        let record = if i % 10 == 0 {
            json!({"first_name": format!("Bad{i}"), "last_name": "Lee", "phone_number": "555-0100", "email": format!("bad{i}@example.com")})
        } else {
            let email = format!("user{}@example.com", i % 950);
            valid_emails.insert(email.clone());
            json!({"first_name": format!("Ann{i}"), "last_name": "Lee", "phone_number": "+1-555-123-4567", "email": email})
        };
        lines.push(record.to_string());
    }
    std::fs::write(path, lines.join("\n")).unwrap();
    valid_emails
}

#[test]
fn imports_each_valid_customer_exactly_once_through_faults_and_a_kill() {
    let dir = temp_dir("kill");
    let file = dir.join("customers.jsonl");
    let valid_emails = write_records(&file);
    let (mut upstream, url) = emulator(
        &dir,
        &[
            "--rate-limit",
            "0",
            "--faults",
            "drop-after-commit=0.15,error-500=0.1,delay-ms=20@0.2,seed=5",
        ],
    );

    // Killed mid-run, without warning.
    let mut first = import(&file, &url, &["--concurrency", "4"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let journal = dir.join("customers.jsonl.signup-journal.jsonl");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::read_to_string(&journal).map_or(0, |text| text.lines().count()) < 200 {
        assert!(Instant::now() < deadline, "the import made no progress");
        thread::sleep(Duration::from_millis(20));
    }
    first.kill().unwrap();
    first.wait().unwrap();
    let journaled = std::fs::read_to_string(&journal).unwrap().lines().count();
    assert!(
        journaled < 900,
        "killed before the end ({journaled} journaled)"
    );

    // Rerun to the end: what is done is skipped, the rest (and anything the journal missed) replays.
    let report = dir.join("report.jsonl");
    let output = import(&file, &url, &["--report", report.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_stderr_contains(&output, "100 invalid");
    assert_eq!(
        total(&url, ""),
        valid_emails.len() as u64,
        "exactly one customer per valid unique email"
    );
    for i in [0, 10, 500, 990] {
        assert_eq!(
            total(&url, &format!("email=bad{i}@example.com")),
            0,
            "invalid records are never sent"
        );
    }
    let rows: Vec<Value> = std::fs::read_to_string(&report)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(rows.len(), 1000, "every input line is in the report");
    let count = |status: &str| rows.iter().filter(|row| row["status"] == status).count();
    assert_eq!(
        (
            count("invalid"),
            count("created") + count("exists"),
            count("failed")
        ),
        (100, 900, 0)
    );
    assert_eq!(rows[0]["errors"][0]["code"], "missing_country_code");
    upstream.kill().unwrap();
    upstream.wait().unwrap();
}

#[test]
fn validates_only_on_a_dry_run_and_refuses_unreadable_input() {
    let dir = temp_dir("dry");
    let file = dir.join("customers.jsonl");
    write_records(&file);
    let output = import(&file, "http://127.0.0.1:9", &["--dry-run"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "some records are invalid: {}",
        stderr(&output)
    );
    assert_stderr_contains(&output, "1000 records, 100 invalid");
    std::fs::write(dir.join("broken.jsonl"), "{\"first_name\": \n").unwrap();
    let output = import(&dir.join("broken.jsonl"), "http://127.0.0.1:9", &[])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_stderr_contains(&output, "broken.jsonl:1");
}

#[test]
fn keeps_within_the_upstream_rate_limit() {
    let dir = temp_dir("rate");
    let file = dir.join("customers.csv");
    let mut csv = String::from("first_name,last_name,phone_number,email\n");
    for i in 0..130 {
        csv.push_str(&format!("Ann{i},Lee,+15551234567,rate{i}@example.com\n"));
    }
    std::fs::write(&file, csv).unwrap();
    let (mut upstream, url) = emulator(&dir, &["--rate-limit", "100"]);
    let output = import(&file, &url, &["--concurrency", "16"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_stderr_contains(&output, "130 created");
    assert!(
        stderr(&output).contains("; 0 rate-limited answers"),
        "paced, never refused: {}",
        stderr(&output)
    );
    upstream.kill().unwrap();
    upstream.wait().unwrap();
    // No minute of the emulator's own audit trail holds more than the limit.
    let connection = rusqlite::Connection::open(dir.join("emulator.sqlite3")).unwrap();
    let busiest: u64 = connection
        .query_row(
            "SELECT max(n) FROM (SELECT count(*) AS n FROM audit GROUP BY substr(time, 1, 16))",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(busiest <= 100, "{busiest} creates in one minute");
}

#[test]
fn stops_cleanly_on_ctrl_c_and_resumes() {
    let dir = temp_dir("ctrl-c");
    let file = dir.join("customers.csv");
    let mut csv = String::from("first_name,last_name,phone_number,email\n");
    for i in 0..60 {
        csv.push_str(&format!("Ann{i},Lee,+15551234567,stop{i}@example.com\n"));
    }
    std::fs::write(&file, csv).unwrap();
    let (mut upstream, url) = emulator(&dir, &["--rate-limit", "0", "--faults", "delay-ms=150@1"]);
    let child = import(&file, &url, &["--concurrency", "4"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    thread::sleep(Duration::from_millis(700));
    signal(&child, "INT");
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_stderr_contains(&output, "interrupted");
    let journal = std::fs::read_to_string(dir.join("customers.csv.signup-journal.jsonl")).unwrap();
    let done = journal.lines().count();
    assert!((4..60).contains(&done), "{done} journaled");
    // The requests in flight at the signal finished and were journaled: nothing is left
    // created upstream but unrecorded.
    assert_eq!(total(&url, ""), done as u64);

    let output = import(&file, &url, &["--concurrency", "8"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_stderr_contains(
        &output,
        &format!("{} to send, {done} already done", 60 - done),
    );
    assert_eq!(total(&url, ""), 60);
    upstream.kill().unwrap();
    upstream.wait().unwrap();
}
