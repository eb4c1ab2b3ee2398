//! Reading customer records from CSV, JSON Lines or a JSON array, one at a time.
//!
//! Every reader streams: memory stays bounded by the longest record, whatever the file's size.
//! Each record comes with the line it starts on, so reports can point at it. A record that is
//! well-formed but not a valid customer is the rules' business; only input that cannot be read
//! (malformed JSON or CSV, invalid UTF-8, an unclosed array) is an error here.

use std::{
    borrow::Cow,
    io::{self, BufRead},
    path::Path,
};

use customer_validation::{Field, RawCustomer, RawValue};

/// The formats records can come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON value per line (blank lines are skipped).
    JsonLines,
    /// One JSON array of values.
    JsonArray,
    /// CSV with a header row of API field names.
    Csv,
}

impl Format {
    /// The format a file's extension names, if it names exactly one. `.json` may hold an array
    /// or JSON Lines, so it is decided by the content.
    pub fn from_extension(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "jsonl" | "ndjson" => Some(Format::JsonLines),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    /// Decides the format from the first bytes of the content: `[` starts an array, `{` JSON
    /// Lines, anything else is CSV.
    pub fn sniff(input: &mut impl BufRead) -> io::Result<Format> {
        let start = input.fill_buf()?;
        let first = strip_bom(start)
            .iter()
            .find(|byte| !byte.is_ascii_whitespace());
        Ok(match first {
            Some(b'[') => Format::JsonArray,
            Some(b'{') => Format::JsonLines,
            _ => Format::Csv,
        })
    }
}

/// Why records could not be read; the message names the file, the line and what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The input is not well-formed in its format.
    #[error("{file}:{line}: {why}")]
    Malformed {
        /// The file's name as given (`-` for standard input).
        file: String,
        /// The line where the problem is (1-based).
        line: u64,
        /// What is wrong.
        why: String,
    },
    /// Reading failed.
    #[error("cannot read {file}: {source}")]
    Io {
        /// The file's name as given.
        file: String,
        /// The underlying error.
        source: io::Error,
    },
    /// The record handler failed (writing the output, usually).
    #[error(transparent)]
    Handler(io::Error),
}

/// Calls `each(line, record)` for every record of `input`, in order.
///
/// `file` names the input in error messages; `format` `None` decides it from the content
/// ([`Format::sniff`]).
pub fn for_each_record(
    file: &str,
    mut input: impl BufRead,
    format: Option<Format>,
    mut each: impl FnMut(u64, &RawCustomer<'_>) -> io::Result<()>,
) -> Result<(), ReadError> {
    let io_error = |source| ReadError::Io {
        file: file.to_owned(),
        source,
    };
    skip_bom(&mut input).map_err(io_error)?;
    let format = match format {
        Some(format) => format,
        None => Format::sniff(&mut input).map_err(io_error)?,
    };
    match format {
        Format::JsonLines => json_lines(file, input, &mut each),
        Format::JsonArray => JsonArray::new(file, input).for_each(&mut each),
        Format::Csv => csv_records(file, input, &mut each),
    }
}

fn malformed(file: &str, line: u64, why: impl Into<String>) -> ReadError {
    ReadError::Malformed {
        file: file.to_owned(),
        line,
        why: why.into(),
    }
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)
}

/// Skips a UTF-8 byte order mark, which spreadsheet programs put at the start of exports.
fn skip_bom(input: &mut impl BufRead) -> io::Result<()> {
    if input.fill_buf()?.starts_with(b"\xef\xbb\xbf") {
        input.consume(3);
    }
    Ok(())
}

/// Parses one JSON value as a record; `line` is where `bytes` start in the file.
fn parse_json<'a>(file: &str, line: u64, bytes: &'a [u8]) -> Result<RawCustomer<'a>, ReadError> {
    serde_json::from_slice(bytes).map_err(|error| {
        // serde_json counts lines from the start of `bytes`; its message ends with the
        // position, which we give as file:line instead.
        let why = error.to_string();
        let why = why.split(" at line ").next().unwrap_or(&why);
        let why = format!("not valid JSON: {why} (column {})", error.column());
        malformed(file, line + error.line().saturating_sub(1) as u64, why)
    })
}

fn json_lines(
    file: &str,
    mut input: impl BufRead,
    each: &mut impl FnMut(u64, &RawCustomer<'_>) -> io::Result<()>,
) -> Result<(), ReadError> {
    let mut buffer = Vec::new();
    let mut line = 0;
    loop {
        buffer.clear();
        let read = input
            .read_until(b'\n', &mut buffer)
            .map_err(|source| ReadError::Io {
                file: file.to_owned(),
                source,
            })?;
        if read == 0 {
            return Ok(());
        }
        line += 1;
        // Without the line break, an unfinished record is reported on its own line.
        let text = buffer.trim_ascii_end();
        if text.is_empty() {
            continue;
        }
        let record = parse_json(file, line, text)?;
        each(line, &record).map_err(ReadError::Handler)?;
    }
}

fn csv_records(
    file: &str,
    input: impl BufRead,
    each: &mut impl FnMut(u64, &RawCustomer<'_>) -> io::Result<()>,
) -> Result<(), ReadError> {
    let csv_error = |error: csv::Error| {
        let line = error.position().map_or(1, csv::Position::line);
        let why = match error.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => {
                format!("this row has {len} fields but the header has {expected_len}")
            }
            csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
            csv::ErrorKind::Io(source) => {
                return ReadError::Io {
                    file: file.to_owned(),
                    source: io::Error::new(source.kind(), source.to_string()),
                };
            }
            _ => format!("not valid CSV: {error}"),
        };
        malformed(file, line, why)
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::Headers)
        .from_reader(input);
    let headers = reader.headers().map_err(csv_error)?.clone();
    let mut columns = Vec::with_capacity(headers.len());
    for name in &headers {
        let field = Field::from_name(name);
        if field.is_some() && columns.contains(&field) {
            return Err(malformed(
                file,
                1,
                format!("the header names `{name}` twice"),
            ));
        }
        columns.push(field);
    }
    if columns.iter().all(Option::is_none) {
        let names = Field::API.map(Field::name).join(", ");
        return Err(malformed(
            file,
            1,
            format!("the first row must be a header naming the API fields ({names})"),
        ));
    }
    let mut row = csv::StringRecord::new();
    while reader.read_record(&mut row).map_err(csv_error)? {
        let line = row.position().map_or(0, csv::Position::line);
        let mut record = RawCustomer::default();
        for (cell, field) in row.iter().zip(&columns) {
            // A CSV cell cannot be null: an empty cell is a value left out.
            if let (Some(field), false) = (field, cell.is_empty()) {
                record.set(*field, RawValue::Str(Cow::Borrowed(cell)));
            }
        }
        each(line, &record).map_err(ReadError::Handler)?;
    }
    Ok(())
}

/// Splits a JSON array into its elements without holding more than one element in memory.
///
/// It only tracks strings and nesting to find where each top-level element ends; serde_json
/// then parses each element (and reports anything malformed inside it).
struct JsonArray<'f, R> {
    file: &'f str,
    input: io::Bytes<R>,
    /// A byte read past the end of a number or literal, to be looked at again.
    pending: Option<u8>,
    line: u64,
    /// The line of the last token, where an unclosed array is reported (not the line after
    /// the file's final line break).
    token_line: u64,
}

impl<'f, R: BufRead> JsonArray<'f, R> {
    fn new(file: &'f str, input: R) -> Self {
        JsonArray {
            file,
            input: input.bytes(),
            pending: None,
            line: 1,
            token_line: 1,
        }
    }

    fn next_byte(&mut self) -> Result<Option<u8>, ReadError> {
        if let Some(byte) = self.pending.take() {
            return Ok(Some(byte));
        }
        match self.input.next().transpose() {
            Ok(byte) => {
                if byte == Some(b'\n') {
                    self.line += 1;
                }
                Ok(byte)
            }
            Err(source) => Err(ReadError::Io {
                file: self.file.to_owned(),
                source,
            }),
        }
    }

    /// The next byte that is not JSON whitespace.
    fn next_token(&mut self) -> Result<Option<u8>, ReadError> {
        loop {
            match self.next_byte()? {
                Some(b' ' | b'\t' | b'\r' | b'\n') => {}
                None => return Ok(None),
                Some(byte) => {
                    self.token_line = self.line;
                    return Ok(Some(byte));
                }
            }
        }
    }

    fn for_each(
        mut self,
        each: &mut impl FnMut(u64, &RawCustomer<'_>) -> io::Result<()>,
    ) -> Result<(), ReadError> {
        match self.next_token()? {
            Some(b'[') => {}
            _ => {
                return Err(malformed(
                    self.file,
                    self.line,
                    "expected a JSON array starting with `[`",
                ));
            }
        }
        let mut element = Vec::new();
        let mut first = true;
        loop {
            let token = self.next_token()?;
            match token {
                Some(b']') if first => break,
                None => {
                    return Err(malformed(
                        self.file,
                        self.token_line,
                        "the JSON array is not closed with `]`",
                    ));
                }
                Some(b']' | b',') => {
                    return Err(malformed(
                        self.file,
                        self.line,
                        "expected a value in the JSON array",
                    ));
                }
                Some(byte) => {
                    let start = self.line;
                    element.clear();
                    self.read_element(byte, &mut element)?;
                    let record = parse_json(self.file, start, &element)?;
                    each(start, &record).map_err(ReadError::Handler)?;
                }
            }
            first = false;
            match self.next_token()? {
                Some(b',') => {}
                Some(b']') => break,
                None => {
                    return Err(malformed(
                        self.file,
                        self.token_line,
                        "the JSON array is not closed with `]`",
                    ));
                }
                Some(_) => {
                    return Err(malformed(
                        self.file,
                        self.line,
                        "expected `,` or `]` after a value in the JSON array",
                    ));
                }
            }
        }
        match self.next_token()? {
            None => Ok(()),
            Some(_) => Err(malformed(
                self.file,
                self.line,
                "unexpected data after the end of the JSON array",
            )),
        }
    }

    /// Copies one element, starting with `first`, into `element`.
    fn read_element(&mut self, first: u8, element: &mut Vec<u8>) -> Result<(), ReadError> {
        element.push(first);
        let (mut depth, mut in_string, mut escaped) = match first {
            b'{' | b'[' => (1u32, false, false),
            b'"' => (0, true, false),
            _ => (0, false, false),
        };
        let scalar = depth == 0 && !in_string;
        loop {
            let Some(byte) = self.next_byte()? else {
                // Let the parser say what is missing; the array check reports the rest.
                return Ok(());
            };
            if scalar && matches!(byte, b',' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                self.pending = Some(byte);
                if byte == b'\n' {
                    // It is counted again when re-read.
                    self.line -= 1;
                }
                return Ok(());
            }
            element.push(byte);
            if in_string {
                match (escaped, byte) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
                if !in_string && depth == 0 {
                    return Ok(());
                }
                continue;
            }
            match byte {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
    }
}
