//! `signup validate`: check every record of a file offline, one JSON line of verdict per record.

use std::{
    cell::RefCell,
    io::{self, BufReader, Read, Write},
    rc::Rc,
};

use customer_validation::validate;

use crate::records::{Format, ReadError, for_each_record};

/// Read and write buffers: large enough that a 1 GB file costs few system calls.
const BUFFER: usize = 1 << 16;

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
/// `format` `None` decides it from the content. Stops at the first record
/// that cannot be read, after writing the verdicts before it. Output is buffered, but flushed
/// before every read of the input, so a consumer at the other end of a pipe sees each verdict
/// before the producer has to send the next record.
pub fn validate_stream(
    file: &str,
    input: impl Read,
    format: Option<Format>,
    out: impl Write,
) -> Result<Summary, ReadError> {
    let out = Rc::new(RefCell::new(io::BufWriter::with_capacity(BUFFER, out)));
    let input = BufReader::with_capacity(
        BUFFER,
        FlushBeforeRead {
            input,
            out: Rc::clone(&out),
        },
    );
    let mut summary = Summary::default();
    for_each_record(file, input, format, |line, record| {
        let mut out = out.try_borrow_mut().map_err(io::Error::other)?;
        let mut out = &mut *out;
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
    out.try_borrow_mut()
        .map_err(io::Error::other)
        .and_then(|mut out| out.flush())
        .map_err(ReadError::Handler)?;
    Ok(summary)
}

/// Flushes the output before each read of the input: a read may block until more input comes.
struct FlushBeforeRead<R, W: Write> {
    input: R,
    out: Rc<RefCell<io::BufWriter<W>>>,
}

impl<R: Read, W: Write> Read for FlushBeforeRead<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Reads happen between records, never while a verdict is being written.
        self.out
            .try_borrow_mut()
            .map_err(io::Error::other)?
            .flush()?;
        self.input.read(buf)
    }
}
