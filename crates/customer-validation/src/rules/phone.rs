//! `phone_number`: required, international format. The check is libphonenumber's
//! `isPossibleNumber` (an assigned country calling code and a digit count possible for it), not
//! a carrier-range check: the API documentation's own `+1-555-123-4567` must pass.

use super::phone_table::CALLING_CODES;
use crate::{Code, E164, Input, limits};

/// Checks a phone number and returns it trimmed as entered, with its E.164 form.
pub(crate) fn check(input: Input<'_>) -> Result<(&str, E164), Code> {
    let text = super::trimmed(input, limits::PHONE_MAX_CHARS)?.ok_or(Code::Required)?;
    let scan = scan(text);
    if !scan.allowed {
        return Err(Code::InvalidCharacters);
    }
    if !text.starts_with('+') {
        return Err(Code::MissingCountryCode);
    }
    match scan.e164 {
        Some(e164) if scan.balanced && is_possible(e164.digit_bytes()) => Ok((text, e164)),
        _ => Err(Code::InvalidPhone),
    }
}

/// What one pass over a phone number finds; the checks then read it in table order.
struct Scan {
    /// Only digits, spaces, hyphens, parentheses and a leading `+`.
    allowed: bool,
    /// Every `(` closed by a later `)`.
    balanced: bool,
    /// The digits, or `None` past the 15 E.164 allows.
    e164: Option<E164>,
}

fn scan(text: &str) -> Scan {
    let mut e164 = E164::new();
    let mut too_many_digits = false;
    let mut depth = 0u32;
    let mut balanced = true;
    // Byte-wise is enough: every byte of a non-ASCII character is >= 0x80 and so not allowed.
    for (i, byte) in text.bytes().enumerate() {
        match byte {
            b'0'..=b'9' => too_many_digits |= e164.push(byte).is_none(),
            b'(' => depth += 1,
            b')' => match depth.checked_sub(1) {
                Some(open) => depth = open,
                None => balanced = false,
            },
            b' ' | b'-' => {}
            b'+' if i == 0 => {}
            _ => {
                return Scan {
                    allowed: false,
                    balanced,
                    e164: None,
                };
            }
        }
    }
    let e164 = (!too_many_digits).then_some(e164);
    Scan {
        allowed: true,
        balanced: balanced && depth == 0,
        e164,
    }
}

/// Whether `digits` (ASCII, country code first) start with an assigned calling code followed by
/// a national number of a length possible for it.
fn is_possible(digits: &[u8]) -> bool {
    // Calling codes never start with 0 and no code is a prefix of another, so at most one of
    // the one-, two- and three-digit prefixes is in the table.
    let mut code = 0u16;
    for (code_len, digit) in digits.iter().take(3).enumerate() {
        code = code * 10 + u16::from(digit - b'0');
        if code == 0 {
            return false;
        }
        if let Ok(i) = CALLING_CODES.binary_search_by_key(&code, |&(code, _)| code) {
            let national = digits.len() - (code_len + 1);
            return national < 32 && CALLING_CODES[i].1 & (1 << national) != 0;
        }
    }
    false
}
