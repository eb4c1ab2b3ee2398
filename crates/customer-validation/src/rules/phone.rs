//! `phone_number`: required, international format. The check is libphonenumber's
//! `isPossibleNumber` (an assigned country calling code and a digit count possible for it), not
//! a carrier-range check: the API documentation's own `+1-555-123-4567` must pass.

use super::phone_table::CALLING_CODES;
use crate::{Code, E164, Input, limits};

/// Checks a phone number and returns it trimmed as entered, with its E.164 form.
pub(crate) fn check(input: Input<'_>) -> Result<(&str, E164), Code> {
    let text = match input {
        Input::Missing | Input::Null => return Err(Code::Required),
        Input::Str(text) => text.trim(),
        _ => return Err(Code::NotAString),
    };
    if text.is_empty() {
        return Err(Code::Required);
    }
    if super::longer_than(text, limits::PHONE_MAX_CHARS) {
        return Err(Code::TooLong);
    }
    // Byte-wise is enough: every byte of a non-ASCII character is >= 0x80 and so rejected.
    let allowed = text.bytes().enumerate().all(|(i, byte)| match byte {
        b'0'..=b'9' | b' ' | b'-' | b'(' | b')' => true,
        b'+' => i == 0,
        _ => false,
    });
    if !allowed {
        return Err(Code::InvalidCharacters);
    }
    if !text.starts_with('+') {
        return Err(Code::MissingCountryCode);
    }
    let e164 = digits(text).ok_or(Code::InvalidPhone)?;
    if !is_possible(e164.digits()) {
        return Err(Code::InvalidPhone);
    }
    Ok((text, e164))
}

/// The digits of `text` as E.164, or `None` when the parentheses do not balance or there are
/// more than 15 digits.
fn digits(text: &str) -> Option<E164> {
    let mut e164 = E164::new();
    let mut depth = 0u32;
    for byte in text.bytes() {
        match byte {
            b'(' => depth += 1,
            b')' => depth = depth.checked_sub(1)?,
            b'0'..=b'9' => e164.push(byte)?,
            _ => {}
        }
    }
    (depth == 0).then_some(e164)
}

/// Whether `digits` (country code first) starts with an assigned calling code followed by a
/// national number of a length possible for it.
fn is_possible(digits: &str) -> bool {
    // Calling codes never start with 0, and no code is a prefix of another, so at most one of
    // the one-, two- and three-digit prefixes is in the table.
    if digits.starts_with('0') {
        return false;
    }
    (1..=3.min(digits.len().saturating_sub(1))).any(|code_len| {
        let Ok(code) = digits[..code_len].parse::<u16>() else {
            return false;
        };
        let national = digits.len() - code_len;
        CALLING_CODES
            .binary_search_by_key(&code, |&(code, _)| code)
            .is_ok_and(|i| national < 32 && CALLING_CODES[i].1 & (1 << national) != 0)
    })
}

/// The E.164 form of `text` if it is a valid phone number (the check of [`check`]).
pub(crate) fn normalize(text: &str) -> Option<E164> {
    check(Input::Str(text)).ok().map(|(_, e164)| e164)
}
