//! The `signup` command line as a library: what each subcommand does, separate from reading
//! arguments, so benchmarks and later commands (`signup import`) reuse it.
//!
//! ```
//! use signup::{records::Format, validate::validate_stream};
//!
//! let input = br#"{"first_name":"John","last_name":"Doe","phone_number":"+1-555-123-4567"}
//! {"first_name":"","last_name":"Doe","phone_number":"555"}
//! "#;
//! let mut out = Vec::new();
//! let summary = validate_stream("example.jsonl", &input[..], Some(Format::JsonLines), &mut out).unwrap();
//! assert_eq!((summary.valid, summary.invalid), (1, 1));
//! assert!(String::from_utf8(out).unwrap().starts_with(r#"{"line":1,"valid":true,"value":{"first_name":"John""#));
//! ```

pub mod emulator;
pub mod import;
pub mod records;
pub mod serve;
pub mod validate;
