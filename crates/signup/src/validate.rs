//! `signup validate`: check every record of a file offline, one JSON line of verdict per record.

use std::io::{self, Write};

use customer_validation::validate;

use crate::records::{Format, ReadError, for_each_record};

/// How many records were read, and how many of them were valid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records that passed every rule.
    pub valid: u64,
    /// Records that failed at least one rule.
    pub invalid: u64,
}

/// Validates every record of `input` and writes one line per record to `out`:
/// `{"line":N,"valid":true,"value":{...}}` or `{"line":N,"valid":false,"errors":[...]}`.
///
/// Stops at the first record that cannot be read, after writing the verdicts before it.
pub fn validate_stream(
    file: &str,
    input: impl io::BufRead,
    format: Format,
    mut out: impl Write,
) -> Result<Summary, ReadError> {
    let mut summary = Summary::default();
    for_each_record(file, input, format, |line, record| {
        match validate(record) {
            Ok(customer) => {
                summary.valid += 1;
                write!(out, r#"{{"line":{line},"valid":true,"value":"#)?;
                serde_json::to_writer(&mut out, &customer)?;
            }
            Err(errors) => {
                summary.invalid += 1;
                write!(out, r#"{{"line":{line},"valid":false,"errors":"#)?;
                serde_json::to_writer(&mut out, &errors)?;
            }
        }
        out.write_all(b"}\n")
    })?;
    out.flush().map_err(ReadError::Handler)?;
    Ok(summary)
}
