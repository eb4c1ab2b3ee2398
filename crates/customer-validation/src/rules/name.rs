//! `first_name` and `last_name`: required strings of at most 100 characters, trimmed, with no
//! control characters and no bidi overrides (which can make `Doe\u{202e}gnp.exe` display as
//! `Doeexe.png`).

use crate::{Code, Input, limits};

/// Checks a name and returns it trimmed.
pub(crate) fn check(input: Input<'_>) -> Result<&str, Code> {
    let text = super::trimmed(input, limits::NAME_MAX_CHARS)?.ok_or(Code::Required)?;
    // Printable ASCII, the common case, needs no decoding.
    let printable_ascii = text.bytes().all(|byte| matches!(byte, b' '..=b'~'));
    if !printable_ascii && text.chars().any(is_forbidden) {
        return Err(Code::InvalidCharacters);
    }
    Ok(text)
}

/// A control character (general category Cc) or a bidi embedding, override or isolate.
fn is_forbidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}
