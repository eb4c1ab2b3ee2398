//! `signup validate` as a user runs it: the real binary, real files, exit codes and output.

use std::{
    io::{BufRead, BufReader, Write},
    path::PathBuf,
    process::{Output, Stdio},
    sync::mpsc,
    thread,
    time::Duration,
};

use serde_json::{Value, json};

use super::common::{assert_stderr_contains, signup, stderr};

const DOC_ERROR_400: &str = include_str!("../../../../../shared/fixtures/devdraft/error-400.json");

/// Writes `contents` to a fresh file named `name` and returns its path.
fn file(name: &str, contents: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("signup-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn validate_file(name: &str, contents: &str) -> Output {
    let path = file(name, contents.as_bytes());
    signup().arg("validate").arg(&path).output().unwrap()
}

fn lines(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("every output line is JSON"))
        .collect()
}

const JOHN: &str = r#"{"first_name":"John","last_name":"Doe","phone_number":"+1-555-123-4567"}"#;

#[test]
fn gives_the_documented_messages_for_the_doc_examples() {
    let input = format!(
        "{JOHN}\n{}\n",
        r#"{"first_name":"   ","last_name":"Doe","email":"not-an-email","phone_number":"+1-555-123-4567-0000-99"}"#
    );
    let output = validate_file("doc.jsonl", &input);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let records = lines(&output);
    assert_eq!(
        records[0],
        json!({"line": 1, "valid": true, "value": {"first_name": "John", "last_name": "Doe",
            "phone_number": "+1-555-123-4567", "customer_type": "Individual", "status": "ACTIVE",
            "phone_e164": "+15551234567"}})
    );
    assert_eq!(records[1]["line"], 2);
    assert_eq!(records[1]["valid"], false);
    let mut messages: Vec<&str> = records[1]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    let doc: Value = serde_json::from_str(DOC_ERROR_400).unwrap();
    let mut documented: Vec<&str> = doc["message"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    messages.sort_unstable();
    documented.sort_unstable();
    assert_eq!(messages, documented);
    assert_stderr_contains(&output, "2 records, 1 valid, 1 invalid");
}

#[test]
fn exits_zero_when_every_record_is_valid() {
    let output = validate_file("ok.jsonl", &format!("{JOHN}\n\n{JOHN}"));
    assert_eq!(output.status.code(), Some(0));
    let records = lines(&output);
    assert_eq!(
        records
            .iter()
            .map(|r| r["line"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [1, 3]
    );
}

#[test]
fn names_the_line_of_malformed_json_lines() {
    let output = validate_file(
        "broken.jsonl",
        &format!("{JOHN}\n{JOHN}\n{{\"first_name\": \"Ann\",\n{JOHN}\n"),
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        lines(&output).len(),
        2,
        "records before the bad line are still reported"
    );
    assert_stderr_contains(&output, "broken.jsonl:3: not valid JSON");
}

#[test]
fn reads_csv_with_a_header_of_api_field_names() {
    let csv = "\u{feff}first_name, last_name ,phone_number,email,customer_type,notes\n\
               John,Doe,+1-555-123-4567,,,vip\n\
               \"Ann, Jr.\",Lee,+44 20 7946 0958,ANN@Example.IO,Startup,\n\
               Bob,,555-1234,bob@,Business,\n";
    let output = validate_file("people.csv", csv);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let records = lines(&output);
    assert_eq!(records[0]["line"], 2);
    assert_eq!(
        records[0]["value"]["customer_type"], "Individual",
        "an empty cell is a value left out"
    );
    assert_eq!(records[1]["value"]["first_name"], "Ann, Jr.");
    assert_eq!(records[1]["value"]["email"], "ann@example.io");
    assert_eq!(records[1]["value"]["customer_type"], "Startup");
    let codes: Vec<&str> = records[2]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "required",
            "missing_country_code",
            "invalid_email",
            "invalid_enum"
        ]
    );
    assert_eq!(records[2]["line"], 4);
}

#[test]
fn refuses_csv_without_a_header_of_api_fields() {
    let output = validate_file("noheader.csv", "John,Doe,+15551234567\n");
    assert_eq!(output.status.code(), Some(2));
    assert_stderr_contains(&output, "noheader.csv:1: the first row must be a header");
}

#[test]
fn names_the_line_of_a_ragged_or_non_utf8_csv_row() {
    let output = validate_file(
        "ragged.csv",
        "first_name,last_name,phone_number\nJohn,Doe,+15551234567\nAnn,Lee\n",
    );
    assert_eq!(output.status.code(), Some(2));
    assert_stderr_contains(
        &output,
        "ragged.csv:3: this row has 2 fields but the header has 3",
    );

    let path = file(
        "latin1.csv",
        b"first_name,last_name,phone_number\nZo\xeb,Doe,+15551234567\n",
    );
    let output = signup().arg("validate").arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_stderr_contains(&output, "latin1.csv:2: not valid UTF-8");
}

#[test]
fn reads_a_json_array_and_reports_where_each_element_starts() {
    let input = format!(
        "[\n  {JOHN},\n  \"John\",\n  {{\"first_name\": \"A\\\"]\",\n   \"last_name\": \"B\", \"phone_number\": \"+15551234567\"}}\n]\n"
    );
    let output = validate_file("people.json", &input);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let records = lines(&output);
    assert_eq!(
        records
            .iter()
            .map(|r| r["line"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [2, 3, 4]
    );
    assert_eq!(records[1]["errors"][0]["code"], "invalid_body");
    assert_eq!(records[2]["value"]["first_name"], "A\"]");
}

#[test]
fn names_the_line_of_a_broken_json_array() {
    for (input, expected) in [
        (
            format!("[\n{JOHN},\n{JOHN}\n"),
            "3: the JSON array is not closed",
        ),
        (
            format!("[\n{JOHN},\n{{\"a\": tru}}\n]"),
            "3: not valid JSON",
        ),
        (format!("[\n{JOHN},\n]"), "3: expected a value"),
        (format!("[{JOHN}]\n[]"), "2: unexpected data after the end"),
    ] {
        let output = validate_file("broken.json", &input);
        assert_eq!(output.status.code(), Some(2), "{input}");
        assert!(
            stderr(&output).contains(&format!("broken.json:{expected}")),
            "{input}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn detects_the_format_from_the_content_of_stdin() {
    for input in [
        format!("{JOHN}\n{JOHN}\n"),
        format!("[{JOHN}, {JOHN}]"),
        "first_name,last_name,phone_number\nJ,D,+15551234567\nK,E,+15551234567\n".to_owned(),
    ] {
        let mut child = signup()
            .args(["validate", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{input}: {}",
            stderr(&output)
        );
        assert_eq!(lines(&output).len(), 2, "{input}");
        assert_stderr_contains(&output, "<stdin>: 2 records");
    }
}

#[test]
fn reads_json_lines_from_a_json_file_and_honours_format() {
    let output = validate_file("lines.json", &format!("{JOHN}\n{JOHN}\n"));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let path = file("data.txt", format!("{JOHN}\n").as_bytes());
    let output = signup()
        .args(["validate", "--format", "csv"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "a JSON line is no CSV header"
    );
}

#[test]
fn reports_a_missing_file_with_exit_two() {
    let output = signup()
        .args(["validate", "/nonexistent/customers.csv"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_stderr_contains(&output, "cannot read /nonexistent/customers.csv");
}

#[test]
fn streams_each_verdict_before_the_input_ends() {
    let mut child = signup()
        .args(["validate", "--format", "jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (lines, verdicts) = mpsc::channel();
    thread::spawn(move || {
        for line in stdout.lines() {
            let _ = lines.send(line.unwrap());
        }
    });
    for i in 1..=3 {
        writeln!(stdin, "{JOHN}").unwrap();
        stdin.flush().unwrap();
        // Without streaming, no verdict comes until the end of input, which has not come yet.
        let verdict = verdicts.recv_timeout(Duration::from_secs(20));
        let Ok(verdict) = verdict else {
            child.kill().unwrap();
            panic!("no verdict for record {i} while the input stays open");
        };
        assert_eq!(serde_json::from_str::<Value>(&verdict).unwrap()["line"], i);
    }
    drop(stdin);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
