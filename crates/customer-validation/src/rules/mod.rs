//! One rule per file. Each takes one field's [`Input`](crate::Input) and returns the normalized
//! value or the [`Code`](crate::Code) of the first check that failed, in the order of the rules
//! table in DESIGN.md.

pub(crate) mod email;
pub(crate) mod enums;
pub(crate) mod name;
pub(crate) mod phone;
pub(crate) mod phone_table;

use crate::{Code, Input};

/// The opening every text rule shares: `None` for absent, null or blank; otherwise the trimmed
/// string, or `not_a_string` / `too_long` (over `max` Unicode scalar values).
fn trimmed(input: Input<'_>, max: usize) -> Result<Option<&str>, Code> {
    let text = match input {
        Input::Missing | Input::Null => return Ok(None),
        Input::Str(text) => text.trim(),
        _ => return Err(Code::NotAString),
    };
    if text.is_empty() {
        return Ok(None);
    }
    if longer_than(text, max) {
        return Err(Code::TooLong);
    }
    Ok(Some(text))
}

/// Counts Unicode scalar values up to `max + 1`, so over-long input costs no more than `max`.
fn longer_than(text: &str, max: usize) -> bool {
    // Every scalar value takes at least one byte: a short byte length settles it at once.
    text.len() > max && text.chars().nth(max).is_some()
}
