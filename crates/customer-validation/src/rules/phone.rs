//! `phone_number`: required, international format. The check is libphonenumber-js's
//! `isPossiblePhoneNumber` (an assigned country calling code, then a national number of a
//! length possible for its region, read without a national prefix where the library strips
//! one), not a carrier-range check: the API documentation's own `+1-555-123-4567` must pass.
//! The generated plans (`phone_table.rs`) say how each calling code is read; E.164 caps the
//! result at 15 digits.

use super::phone_table::{CODES, LENGTHS, MASKS, OFFSETS, PLAN_DATA};
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
    if !scan.balanced {
        return Err(Code::InvalidPhone);
    }
    match possible_e164(scan.digits.get(..scan.len).unwrap_or_default()) {
        Some(e164) => Ok((text, e164)),
        None => Err(Code::InvalidPhone),
    }
}

/// What one pass over a phone number finds; the checks then read it in table order.
struct Scan {
    /// Only digits, spaces, hyphens, parentheses and a leading `+`.
    allowed: bool,
    /// Every `(` closed by a later `)`.
    balanced: bool,
    /// The digits (the text has at most `PHONE_MAX_CHARS` characters).
    digits: [u8; limits::PHONE_MAX_CHARS],
    len: usize,
}

fn scan(text: &str) -> Scan {
    let mut scan = Scan {
        allowed: true,
        balanced: true,
        digits: [0; limits::PHONE_MAX_CHARS],
        len: 0,
    };
    let mut depth = 0u32;
    // Byte-wise is enough: every byte of a non-ASCII character is >= 0x80 and so not allowed.
    for (i, byte) in text.bytes().enumerate() {
        match byte {
            b'0'..=b'9' => {
                if let Some(slot) = scan.digits.get_mut(scan.len) {
                    *slot = byte;
                    scan.len += 1;
                }
            }
            b'(' => depth += 1,
            b')' => match depth.checked_sub(1) {
                Some(open) => depth = open,
                None => scan.balanced = false,
            },
            b' ' | b'-' => {}
            b'+' if i == 0 => {}
            _ => {
                scan.allowed = false;
                return scan;
            }
        }
    }
    scan.balanced &= depth == 0;
    scan
}

/// How libphonenumber-js reads the numbers of one calling code: its main region's possible
/// lengths, and its bytes in `PLAN_DATA` (generated, `phone_table.rs`), in three lists, each a
/// count byte then its entries, after a mask of the digits (bit `d`: digit `d`) a national number
/// must start with for any of them to match (bytes past the end read as 0: nothing matches,
/// empty lists); a cell is an index
/// into `MASKS`:
/// - overrides (national numbers that select another region sharing the code): a byte of
///   `length | 0x80 when exact` (exact: equal to the cells, else starting with them), the
///   region's lengths (4 bytes, little-endian), the cells;
/// - the national prefix's paths, every head followed by every tail in order: the heads (a
///   count, 0 for no prefix; each its length and cells), the transform rule's literal (its
///   length, its digits), the tails (a count; each a byte of `length | 0x80 when anchored`
///   (matching only the whole number), a byte of `0x80 when the rule applies`, then when it
///   applies `from` and `to` within the tail, then the cells). The national number left is the
///   literal, the matched digits `from..to` and the rest when the rule applies, else the rest;
/// - the national number pattern's full matches (only those a prefixed number, or what its
///   prefix leaves, can match): length, how many cells it shares with the path before, then
///   its own cells.
struct Plan {
    lengths: u32,
    data: &'static [u8],
}

/// Reads a plan's bytes.
#[derive(Clone, Copy)]
struct Reader {
    data: &'static [u8],
    at: usize,
}

impl Reader {
    fn byte(&mut self) -> u8 {
        let byte = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        byte
    }

    fn take(&mut self, len: usize) -> &'static [u8] {
        let start = self.at.min(self.data.len());
        self.at += len;
        self.data.get(start..self.at).unwrap_or_default()
    }

    /// A length byte: the length, and its flag bit.
    fn length(&mut self) -> (usize, bool) {
        let byte = self.byte();
        (usize::from(byte & 0x7f), byte & 0x80 != 0)
    }
}

/// Whether `digits` start with `cells` (indices into `MASKS`).
fn starts_with(digits: &[u8], cells: &[u8]) -> bool {
    digits.len() >= cells.len()
        && digits.iter().zip(cells).all(|(digit, &cell)| {
            MASKS.get(usize::from(cell)).copied().unwrap_or(0) & (1 << (digit - b'0')) != 0
        })
}

/// The longest national number libphonenumber parses (`MAX_LENGTH_FOR_NSN`).
const NATIONAL_MAX: usize = 17;

impl Plan {
    /// A reader past the plan's first-digits mask.
    fn reader(&self) -> Reader {
        Reader {
            data: self.data,
            at: 2,
        }
    }

    /// The possible lengths for `national`: those of the region it selects. Leaves `reader`
    /// at the prefix paths.
    fn lengths_of(&self, national: &[u8], reader: &mut Reader) -> u32 {
        let mut selected = None;
        for _ in 0..reader.byte() {
            let (len, exact) = reader.length();
            let bits = reader.take(4);
            let cells = reader.take(len);
            if selected.is_none()
                && (!exact || national.len() == len)
                && starts_with(national, cells)
            {
                selected = bits.try_into().ok().map(u32::from_le_bytes);
            }
        }
        selected.unwrap_or(self.lengths)
    }

    /// Whether `national` matches the national number pattern (`reader` at the pattern). A path
    /// is written as the cells it shares with the path before, then its own.
    fn matches_pattern(national: &[u8], mut reader: Reader) -> bool {
        let mut cells = [0u8; 32];
        (0..reader.byte()).any(|_| {
            let (len, _) = reader.length();
            let shared = usize::from(reader.byte());
            let own = reader.take(len.saturating_sub(shared));
            for (slot, &cell) in cells.iter_mut().skip(shared).zip(own) {
                *slot = cell;
            }
            len == national.len() && starts_with(national, cells.get(..len).unwrap_or_default())
        })
    }

    /// The national number of `rest` (the digits after the calling code), without its national
    /// prefix when libphonenumber strips it (written into `buffer`), and its possible lengths.
    fn national<'a>(&self, rest: &'a [u8], buffer: &'a mut [u8; 32]) -> (&'a [u8], u32) {
        let first = rest.first().map_or(0, |digit| 1u16 << (digit - b'0'));
        let starts = match self.data {
            [low, high, ..] => u16::from_le_bytes([*low, *high]),
            _ => 0,
        };
        if starts & first == 0 {
            return (rest, self.lengths);
        }
        let mut reader = self.reader();
        let rest_lengths = self.lengths_of(rest, &mut reader);
        let heads_count = reader.byte();
        if heads_count == 0 {
            return (rest, rest_lengths);
        }
        let heads = reader;
        for _ in 0..heads_count {
            let (len, _) = reader.length();
            reader.take(len);
        }
        let literal_len = usize::from(reader.byte());
        let literal = reader.take(literal_len);
        let tails_count = reader.byte();
        let tails = reader;
        // The paths are every head followed by every tail, in that order: the first that
        // matches is the match.
        let mut found = None;
        let mut next_head = heads;
        for _ in 0..heads_count {
            let (head_len, _) = next_head.length();
            let head = next_head.take(head_len);
            reader = tails;
            for _ in 0..tails_count {
                let (tail_len, anchored) = reader.length();
                let flags = reader.byte();
                let (from, to) = if flags & 0x80 != 0 {
                    (usize::from(reader.byte()), usize::from(reader.byte()))
                } else {
                    (tail_len, tail_len)
                };
                let cells = reader.take(tail_len);
                let len = head_len + tail_len;
                if found.is_none()
                    && starts_with(rest, head)
                    && starts_with(rest.get(head_len..).unwrap_or_default(), cells)
                    && (!anchored || rest.len() == len)
                {
                    let literal = if flags & 0x80 != 0 { literal } else { &[] };
                    found = Some((len, literal, head_len + from, head_len + to));
                }
            }
        }
        // `reader` is past the tails: at the pattern.
        let Some((len, literal, from, to)) = found else {
            return (rest, rest_lengths);
        };
        let kept = rest.get(from..to).unwrap_or_default();
        let after = rest.get(len..).unwrap_or_default();
        // A literal of at most 4 digits (the generator checks) and the 19 digits a phone number
        // can have: the buffer holds them all.
        let mut total = 0;
        for (slot, &digit) in buffer
            .iter_mut()
            .zip(literal.iter().chain(kept).chain(after))
        {
            *slot = digit;
            total += 1;
        }
        let stripped = buffer.get(..total).unwrap_or_default();
        if stripped == rest {
            return (rest, rest_lengths);
        }
        // Kept when the number looked national with the prefix and does not without it, or
        // when what is left is too short, or of a length between possible ones.
        if Plan::matches_pattern(rest, reader) && !Plan::matches_pattern(stripped, reader) {
            return (rest, rest_lengths);
        }
        let lengths = self.lengths_of(stripped, &mut self.reader());
        let too_short = total < lengths.trailing_zeros() as usize;
        let longest = 31 - lengths.leading_zeros() as usize;
        if too_short || (total <= longest && lengths & (1 << total) == 0) {
            return (rest, rest_lengths);
        }
        (stripped, lengths)
    }
}

/// The E.164 form of `digits` (ASCII, calling code first) when libphonenumber-js calls the
/// number possible, its E.164 form at most 15 digits: the calling code, then the national
/// number without the national prefix it strips.
fn possible_e164(digits: &[u8]) -> Option<E164> {
    // Calling codes never start with 0 and no code is a prefix of another, so at most one of
    // the one-, two- and three-digit prefixes is in the table.
    let mut code = 0u16;
    for (code_len, digit) in digits.iter().take(3).enumerate() {
        code = code * 10 + u16::from(digit - b'0');
        if code == 0 {
            return None;
        }
        let Ok(i) = CODES.binary_search(&code) else {
            continue;
        };
        let (Some(&lengths), Some(&offset)) = (LENGTHS.get(i), OFFSETS.get(i)) else {
            return None;
        };
        let plan = Plan {
            lengths,
            data: PLAN_DATA.get(usize::from(offset)..).unwrap_or_default(),
        };
        let rest = digits.get(code_len + 1..).unwrap_or_default();
        let mut buffer = [0u8; 32];
        let (national, lengths) = plan.national(rest, &mut buffer);
        if national.len() < 2
            || national.len() > NATIONAL_MAX
            || lengths & (1 << national.len()) == 0
        {
            return None;
        }
        return E164::from_parts(digits.get(..=code_len)?, national);
    }
    None
}
