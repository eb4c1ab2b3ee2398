//! The email address check: a port of validator.js **13.15.35** `isEmail(str)` with its
//! default options.
//!
//! Why this and not an RFC 5322 parser: the Devdraft API is a `NestJS` service whose `@IsEmail()`
//! is validator.js `isEmail`, so the only useful definition of "valid" is "what that server will
//! accept". Accepting less rejects real customers; accepting more sends requests that come back
//! as 400s. The port follows `lib/isEmail.js`, `lib/isFQDN.js` and `lib/isByteLength.js` of that
//! release line by line; `tests/email_cases.json` holds answers produced by the real library in
//! Node, and the crate's tests compare against them.
//!
//! With the defaults (`allow_display_name: false`, `allow_utf8_local_part: true`,
//! `require_tld: true`, `allow_underscores: false`, `ignore_max_length: false`, no
//! `allow_ip_domain`, no `domain_specific_validation`, no blacklists), an address is accepted when
//! all of these hold:
//!
//! 1. The whole string is at most 254 UTF-16 code units (JavaScript `str.length`).
//! 2. It is split at its **last** `@` (`split('@')`, `pop()` the domain, `join('@')` the rest),
//!    so earlier `@`s belong to the local part. No `@` at all leaves an empty local part.
//! 3. The local part is at most 64 UTF-8 bytes and the domain at most 254 UTF-8 bytes
//!    (`isByteLength` counts `encodeURI` escapes, which is the UTF-8 length).
//! 4. The domain passes `isFQDN` with `require_tld`, no underscores, no numeric TLD, no trailing
//!    dot, no wildcard: at least two dot-separated labels; every label non-empty, at most 63
//!    UTF-16 code units, made of ASCII letters, digits, `-` or any code unit from U+00A1 up
//!    (astral characters included, as surrogate pairs), not starting or ending with `-`, with no
//!    full-width U+FF01–U+FF5E; the last label (TLD) is either two or more letters (ASCII or
//!    U+00A1–U+FFEF minus a few gaps) or `xn` plus two or more of `[a-z0-9-]`, and holds no
//!    JavaScript `\s` character.
//! 5. If the local part starts **and** ends with `"`, the text between them must match the quoted
//!    grammar (printable and whitespace characters, no bare `"` or `\`, `\` escapes one more
//!    character); dots and `@` are then free. Otherwise every dot-separated atom must be
//!    non-empty and made of ASCII letters, digits, ``!#$%&'*+-/=?^_`{|}~`` or BMP characters
//!    from U+00A1 (minus surrogates, U+FDD0–U+FDEF and U+FFF0–U+FFFF).
//!
//! No IP-literal domains (`a@[127.0.0.1]`) and no display names (`Name <a@b.co>`): both need
//! non-default options. The check never allocates and never panics; the caller trims first.

use crate::{Code, Input, limits};

/// Checks `email`: absent, null or blank is no email; otherwise a string of at most 255
/// characters that [`is_email`] accepts. Returns it trimmed (see [`crate::Email`]).
pub(crate) fn check(input: Input<'_>) -> Result<Option<&str>, Code> {
    let Some(text) = super::trimmed(input, limits::EMAIL_MAX_CHARS)? else {
        return Ok(None);
    };
    if !is_email(text) {
        return Err(Code::InvalidEmail);
    }
    Ok(Some(text))
}

/// `defaultMaxEmailLength` in isEmail.js, compared with JavaScript `str.length` (UTF-16 units).
const MAX_EMAIL_UTF16: usize = 254;
/// `isByteLength(user, { max: 64 })`: the local part limit in UTF-8 bytes.
const MAX_LOCAL_BYTES: usize = 64;
/// `isByteLength(domain, { max: 254 })`: the domain limit in UTF-8 bytes.
const MAX_DOMAIN_BYTES: usize = 254;
/// isFQDN's `part.length > 63` label limit, again in UTF-16 units.
const MAX_LABEL_UTF16: usize = 63;

/// Whether validator.js 13.15.35 `isEmail(s)` (default options) returns `true` for `s`.
///
/// `s` is taken as-is: validator.js does not trim, so neither does this; callers trim first.
/// Every rule is a plain conjunction, so the order of checks only matters for speed; the cheap
/// length checks come first.
pub(crate) fn is_email(s: &str) -> bool {
    if s.is_ascii() {
        is_ascii_email(s.as_bytes())
    } else {
        is_any_email(s)
    }
}

/// [`is_email`] for any input; [`is_ascii_email`] is a faster path for ASCII only.
fn is_any_email(s: &str) -> bool {
    // A UTF-8 encoding is never shorter than the UTF-16 one (1, 2 or 3 bytes per single code unit,
    // 4 bytes per surrogate pair), so a short byte length proves `str.length <= 254` without
    // counting, which keeps the common case to one comparison.
    if s.len() > MAX_EMAIL_UTF16 && utf16_len(s) > MAX_EMAIL_UTF16 {
        return false;
    }
    // `parts.pop()` takes the text after the last '@' as the domain and `parts.join('@')` puts the
    // rest back together, which is exactly a split at the last '@'. Without any '@', JS validates
    // the whole string as the domain and "" as the local part, which no local-part rule accepts.
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    // Rust `str::len` is the UTF-8 length, which is what `isByteLength` measures.
    if local.len() > MAX_LOCAL_BYTES || domain.len() > MAX_DOMAIN_BYTES {
        return false;
    }
    is_fqdn(domain) && is_local_part(local)
}

/// [`is_email`] for ASCII input, the common case: bytes are UTF-16 units and UTF-8 bytes
/// alike, no character is JS whitespace that a label admits, and one table lookup per byte
/// replaces the character classes. It must agree with the general path; the tests check both
/// against validator.js's verdicts.
fn is_ascii_email(s: &[u8]) -> bool {
    if s.len() > MAX_EMAIL_UTF16 {
        return false;
    }
    let Some(at) = s.iter().rposition(|&byte| byte == b'@') else {
        return false;
    };
    let (local, domain) = (&s[..at], &s[at + 1..]);
    if local.len() > MAX_LOCAL_BYTES || domain.len() > MAX_DOMAIN_BYTES {
        return false;
    }
    is_ascii_fqdn(domain) && is_ascii_local_part(local)
}

/// [`is_fqdn`] for ASCII: labels of letters, digits and inner hyphens; the TLD two or more
/// letters, or `xn` and two or more of `[a-z0-9-]`.
fn is_ascii_fqdn(domain: &[u8]) -> bool {
    let Some(dot) = domain.iter().rposition(|&byte| byte == b'.') else {
        return false;
    };
    let tld = &domain[dot + 1..];
    let is_tld = match tld {
        [x, n, rest @ ..] if x.eq_ignore_ascii_case(&b'x') && n.eq_ignore_ascii_case(&b'n') => {
            rest.len() >= 2 || tld.iter().all(u8::is_ascii_alphabetic)
        }
        _ => tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic),
    };
    is_tld
        && domain.split(|&byte| byte == b'.').all(|label| {
            matches!(label, [first, .., last] | [first @ last] if *first != b'-' && *last != b'-')
                && label.len() <= MAX_LABEL_UTF16
                && label
                    .iter()
                    .all(|&byte| byte.is_ascii_alphanumeric() || byte == b'-')
        })
}

/// [`is_local_part`] for ASCII: the quoted branch as in the general path, else dot-atoms.
fn is_ascii_local_part(local: &[u8]) -> bool {
    if local.first() == Some(&b'"') && local.last() == Some(&b'"') {
        // ASCII is valid UTF-8; the quoted branch is rare enough to share the general code.
        return std::str::from_utf8(local).is_ok_and(is_local_part);
    }
    local
        .split(|&byte| byte == b'.')
        .all(|atom| !atom.is_empty() && atom.iter().all(|&byte| in_set(ATOM_ASCII, byte)))
}

/// The ASCII bytes [`is_atom_char`] accepts, one bit each, so a check is a shift and a mask.
const ATOM_ASCII: u128 = {
    let mut set = 0u128;
    let mut byte = 0u8;
    while byte < 128 {
        if is_atom_char(byte as char) {
            set |= 1 << byte;
        }
        byte += 1;
    }
    set
};

/// Whether `byte` is in the ASCII set `set`.
fn in_set(set: u128, byte: u8) -> bool {
    byte < 128 && (set >> byte) & 1 == 1
}

/// JavaScript `str.length`: the number of UTF-16 code units.
fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// JavaScript `\s` (`WhiteSpace` and `LineTerminator` in ECMAScript): differs from
/// `char::is_whitespace`, which includes U+0085 but not U+FEFF.
fn is_js_space(c: char) -> bool {
    // Tab, line feed, vertical tab, form feed, carriage return, space.
    matches!(c, '\t'..='\r' | ' ')
        // Unicode Zs (space separators), the U+2028/U+2029 line terminators, and U+FEFF (BOM).
        || matches!(c, '\u{A0}' | '\u{1680}' | '\u{2000}'..='\u{200A}' | '\u{2028}' | '\u{2029}')
        || matches!(c, '\u{202F}' | '\u{205F}' | '\u{3000}' | '\u{FEFF}')
}

// A note on the `/i` flag that every validator.js regex here carries: without the `u` flag, JS
// case-folds by `toUpperCase` and never maps a non-ASCII character onto an ASCII one (so `ſ` does
// not match `s`, nor the Kelvin sign U+212A match `k`). Every non-ASCII character these classes admit is
// admitted by range regardless of case, and every character they exclude (C1 controls, U+00A0 or
// U+00A9 where excluded, surrogates, private use, U+FDD0–U+FDEF, U+FFF0–U+FFFF) has no case
// mapping, so the flag only means "ASCII letters of either case".

/// The non-ASCII part of validator.js's UTF-8 classes, `\u00A1-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF`.
///
/// The regexes have no `u` flag, so JS sees UTF-16 code units: an astral character is a surrogate
/// pair (U+D800–U+DFFF), which these ranges exclude, so it is rejected. Rust `char` never is a
/// surrogate, so the upper bound U+D7FF only needs to stop astral characters.
const fn in_utf8_ranges(c: char) -> bool {
    matches!(c, '\u{A1}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFEF}')
}

/// `isFQDN(domain, { require_tld: true, allow_underscores: false })` with the other defaults
/// (`allow_trailing_dot`, `allow_numeric_tld`, `allow_wildcard` all false).
fn is_fqdn(domain: &str) -> bool {
    // `parts.length < 2` fails: a domain needs at least one dot. The TLD is the text after the
    // last dot; a trailing dot makes it empty, and since trailing dots are not allowed by
    // default, that empty TLD is what rejects `a@example.com.`.
    let Some((_, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    // The numeric-TLD rule (`/^\d+$/`) needs no code: digits cannot pass `is_tld`.
    is_tld(tld) && domain.split('.').all(is_label)
}

/// The TLD regex `/^([a-z\u00A1-\u00A8\u00AA-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF]{2,}|xn[a-z0-9-]{2,})$/i`
/// plus the separate "no `\s` in the TLD" test. The label rules are checked by `is_label`.
fn is_tld(tld: &str) -> bool {
    // First alternative: two or more "letters". All of them are single UTF-16 units (BMP), so
    // counting chars counts JS units. U+00A9 (©) is the one gap below U+D7FF.
    let letters = tld
        .chars()
        .all(|c| c.is_ascii_alphabetic() || (in_utf8_ranges(c) && c != '\u{A9}'))
        && tld.chars().nth(1).is_some();
    // Second alternative: punycode-style `xn` (either case, from /i) and at least two of
    // [a-z0-9-]. A leading or trailing hyphen it lets through is still caught by `is_label`.
    let punycode = match tld.as_bytes() {
        [x, n, rest @ ..] => {
            x.eq_ignore_ascii_case(&b'x')
                && n.eq_ignore_ascii_case(&b'n')
                && rest.len() >= 2
                && rest.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        }
        _ => false,
    };
    // `/\s/.test(tld)`: the letter class above includes U+1680, U+2000–U+200A, U+2028/9, U+202F,
    // U+205F, U+3000 and U+FEFF, which are JS whitespace, so this test is not redundant.
    (letters || punycode) && !tld.chars().any(is_js_space)
}

/// One isFQDN label: `part.length <= 63`, `/^[a-z_\u00a1-\uffff0-9-]+$/i`, no full-width
/// `[\uff01-\uff5e]`, no leading or trailing `-`, no `_` (`allow_underscores` is false).
fn is_label(part: &str) -> bool {
    // Same shortcut as for the whole address: bytes >= UTF-16 units.
    if part.is_empty() || (part.len() > MAX_LABEL_UTF16 && utf16_len(part) > MAX_LABEL_UTF16) {
        return false;
    }
    if part.starts_with('-') || part.ends_with('-') {
        return false;
    }
    part.chars().all(|c| {
        // `\u00a1-\uffff` covers every UTF-16 unit from U+00A1, surrogates included, so unlike the
        // local part, a label accepts astral characters (e.g. emoji) and even JS whitespace such
        // as U+3000 outside the TLD. The full-width ASCII block U+FF01–U+FF5E is the one exception.
        c.is_ascii_alphanumeric()
            || c == '-'
            || (c >= '\u{A1}' && !('\u{FF01}'..='\u{FF5E}').contains(&c))
    })
}

/// The local part: the quoted branch when it starts and ends with `"`, else dot-atoms.
fn is_local_part(local: &str) -> bool {
    if let Some(inner) = quoted_inner(local) {
        return is_quoted_content(inner);
    }
    // `user.split('.')` then `emailUserUtf8Part` per piece: the `+` quantifier rejects the empty
    // pieces that leading, trailing or doubled dots (and an empty local part) produce.
    local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.chars().all(is_atom_char))
}

/// `user[0] === '"' && user[user.length - 1] === '"'` then `user.slice(1, user.length - 1)`.
///
/// A local part that is one lone `"` passes the test (first and last character are the same
/// quote) and `slice(1, 0)` is `""`, which the quoted regex (`*`) accepts: so validator.js
/// accepts `"@example.com`, and so does this.
fn quoted_inner(local: &str) -> Option<&str> {
    if local == "\"" {
        return Some("");
    }
    local.strip_prefix('"')?.strip_suffix('"')
}

/// `quotedEmailUserUtf8`:
/// `/^([\s\x01-\x08\x0b\x0c\x0e-\x1f\x7f\x21\x23-\x5b\x5d-\x7e\u00A0-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF]|(\\[\x01-\x09\x0b\x0c\x0d-\x7f\u00A0-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF]))*$/i`.
///
/// The plain class never contains `\`, so a backslash always starts an escape pair and a single
/// left-to-right scan decides the regex (no backtracking to emulate). A trailing lone `\` has
/// nothing to escape and fails.
fn is_quoted_content(inner: &str) -> bool {
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        let ok = if c == '\\' {
            chars.next().is_some_and(is_quoted_escapable)
        } else {
            is_quoted_plain(c)
        };
        if !ok {
            return false;
        }
    }
    true
}

/// The unescaped class of `quotedEmailUserUtf8`. With `\s` added it covers all of U+0001–U+007F
/// except `"` and `\`; NUL, C1 controls and astral characters (surrogate pairs to JS) are out.
fn is_quoted_plain(c: char) -> bool {
    is_js_space(c)
        || matches!(
            c,
            '\u{01}'..='\u{08}' | '\u{0B}' | '\u{0C}' | '\u{0E}'..='\u{1F}' | '\u{7F}' | '!' | '#'..='[' | ']'..='~'
        )
        // The quoted classes start at U+00A0 (the unquoted one at U+00A1).
        || c == '\u{A0}'
        || in_utf8_ranges(c)
}

/// What may follow `\` in a quoted local part: any ASCII except NUL and line feed (U+000A is
/// missing from the escape class, so `"\<LF>"` fails while a bare LF, being `\s`, passes), or
/// the same non-ASCII ranges as the plain class.
fn is_quoted_escapable(c: char) -> bool {
    matches!(c, '\u{01}'..='\u{09}' | '\u{0B}'..='\u{7F}') || c == '\u{A0}' || in_utf8_ranges(c)
}

/// `emailUserUtf8Part` without the quantifier: ASCII letters and digits, the RFC 5322 atext
/// symbols, and BMP characters from U+00A1 (not U+00A0, unlike the quoted branch).
const fn is_atom_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '!' | '#'
                | '$'
                | '%'
                | '&'
                | '\''
                | '*'
                | '+'
                | '-'
                | '/'
                | '='
                | '?'
                | '^'
                | '_'
                | '`'
                | '{'
                | '|'
                | '}'
                | '~'
        )
        || in_utf8_ranges(c)
}

#[cfg(test)]
mod tests {
    use super::{is_any_email, is_ascii_email, is_email};

    #[test]
    fn ascii_fast_path_agrees_with_the_general_path() {
        let cases: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/email_cases.json")).unwrap();
        let mut checked = 0;
        for case in cases["cases"].as_array().unwrap() {
            let email = case[0].as_str().unwrap();
            if email.is_ascii() {
                assert_eq!(
                    is_ascii_email(email.as_bytes()),
                    is_any_email(email),
                    "{email:?}"
                );
                checked += 1;
            }
        }
        assert!(checked > 300, "only {checked} ASCII cases");
    }

    #[test]
    fn accepts_ordinary_and_unusual_valid_addresses() {
        for s in [
            "john.doe@example.com",
            "JOHN+tag@Sub.Example.CO",
            "\"john doe\"@example.com",
            "\"a@b\"@example.com",
            "\"@example.com",
            "jörg@bücher.de",
            "user@xn--p1ai.xn--p1ai",
            "user@😀.com",
        ] {
            assert!(is_email(s), "{s:?} should be accepted");
        }
    }

    #[test]
    fn rejects_what_validator_js_rejects() {
        for s in [
            "",
            "plain",
            "a@b",
            "a@b.c",
            "a@example.com.",
            "a..b@example.com",
            ".a@example.com",
            "a@-example.com",
            "a@exa_mple.com",
            "a@example.123",
            "a@[127.0.0.1]",
            "Name <a@example.com>",
            "😀@example.com",
            "a@example.c😀m",
            "a@ｅxample.com",
            "\"a\\\"@example.com",
        ] {
            assert!(!is_email(s), "{s:?} should be rejected");
        }
    }

    #[test]
    fn length_limits_count_like_javascript() {
        // 64 UTF-8 bytes of local part pass, 65 fail, even when they are 32 two-byte chars.
        assert!(is_email(&format!("{}@example.com", "a".repeat(64))));
        assert!(!is_email(&format!("{}@example.com", "a".repeat(65))));
        assert!(is_email(&format!("{}@example.com", "é".repeat(32))));
        assert!(!is_email(&format!("{}a@example.com", "é".repeat(32))));
        // A 63-unit label passes, 64 fails.
        assert!(is_email(&format!("a@{}.com", "b".repeat(63))));
        assert!(!is_email(&format!("a@{}.com", "b".repeat(64))));
    }
}
