//! The create-customer rules of `customer-validation`, exported to JavaScript.
//!
//! No rule is written here. This crate only moves data across the JavaScript/WebAssembly
//! boundary as cheaply as it can, because the boundary is what costs: the hand-written wrapper
//! in `js/api.js` reads the six fields in JavaScript, writes their text into a buffer in the
//! module's memory, sends their JSON types as one number, and reads back a few numbers (error codes, UTF-16 offsets of
//! the trimmed values, enum indexes, the E.164 digits). It builds the result objects from
//! [`tables`], which `cargo xtask js` writes into the package from this crate, so the messages,
//! codes, enum values and limits are never written twice.
//!
//! ```
//! use customer_validation_js::{Kind, validate_texts};
//!
//! let kinds = Kind::String as u32 | (Kind::String as u32) << 3 | (Kind::String as u32) << 6;
//! let input = b" JohnDoe+1-555-123-4567";
//! let errors = validate_texts(Kind::Object as u32, kinds, input, [5, 3, 15, 0, 0, 0]);
//! assert_eq!(errors, 0);
//! let errors = validate_texts(Kind::Object as u32, 0, b"", [0; 6]);
//! assert_eq!(errors, 0b0010_0010_0010_0000); // first_name, last_name and phone_number: required
//! ```

use std::cell::{Cell, RefCell};

use customer_validation::{
    Code, Customer, CustomerType, Field, Input, RawCustomer, RawValue, Status, limits,
    normalize_phone, validate, validate_field,
};
use wasm_bindgen::prelude::*;

/// A field's JSON type, as the wrapper encodes it (three bits per field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Kind {
    /// The property is absent (or `undefined`).
    Missing = 0,
    /// `null`.
    Null = 1,
    /// A string; its text is in the packed string.
    String = 2,
    /// A boolean.
    Bool = 3,
    /// A number or bigint.
    Number = 4,
    /// An array.
    Array = 5,
    /// Any other object (or function, symbol).
    Object = 6,
}

impl Kind {
    fn from_bits(bits: u32) -> Kind {
        match bits & 0b111 {
            0 => Kind::Missing,
            1 => Kind::Null,
            2 => Kind::String,
            3 => Kind::Bool,
            4 => Kind::Number,
            5 => Kind::Array,
            _ => Kind::Object,
        }
    }

    fn input(self, text: &str) -> Input<'_> {
        match self {
            Kind::Missing => Input::Missing,
            Kind::Null => Input::Null,
            Kind::String => Input::Str(text),
            Kind::Bool => Input::Bool,
            Kind::Number => Input::Number,
            Kind::Array => Input::Array,
            Kind::Object => Input::Object,
        }
    }
}

/// Field numbers on the wire are positions in [`Field::ALL`] (0 is the body), code numbers
/// positions in [`Code::ALL`].
///
/// `1 +` the code's number, so that 0 means "no error".
fn code_number(code: Code) -> u32 {
    Code::ALL
        .iter()
        .position(|c| *c == code)
        .map_or(0, |i| i as u32 + 1)
}

/// Validates a whole body, packed by `js/api.js`.
///
/// `body` is the body's [`Kind`]; `kinds` holds the six fields' kinds, three bits each, in API
/// order; the string fields' texts are in the input buffer ([`input_buffer`]), one after the
/// other as UTF-8, and `len0..len5` are their lengths in bytes (0 for non-strings).
///
/// Returns the errors: four bits per field number (0 = body), each `1 +` the code number or 0;
/// 0 means valid. A valid customer is left at [`out_address`] as twelve `f64`s: `[first start,
/// first end, last start, last end, phone start, phone end, email start, email end, customer
/// type index, status index, E.164 digits, email state]`, offsets in UTF-16 units within each
/// field's own text; email state 0 = absent, 1 = the trimmed slice is already normalized, 2 = it
/// needs `toLowerCase()`.
#[wasm_bindgen(js_name = validateInput)]
#[allow(
    clippy::too_many_arguments,
    reason = "numbers cross the boundary for free; strings and arrays do not"
)]
pub fn validate_input(
    body: u32,
    kinds: u32,
    len0: usize,
    len1: usize,
    len2: usize,
    len3: usize,
    len4: usize,
    len5: usize,
) -> u32 {
    INPUT.with(|input| {
        let input = input.borrow();
        validate_texts(body, kinds, &input, [len0, len1, len2, len3, len4, len5])
    })
}

/// [`validate_input`] over `input`, as a plain function (the doc test calls it).
pub fn validate_texts(body: u32, kinds: u32, input: &[u8], lengths: [usize; 6]) -> u32 {
    let Some(texts) = split(input, lengths) else {
        // The wrapper always writes valid UTF-8 and matching lengths; anything else is misuse,
        // reported as a bad body rather than a panic.
        return code_number(Code::InvalidBody);
    };
    let mut raw = if Kind::from_bits(body) == Kind::Object {
        RawCustomer::default()
    } else {
        RawCustomer::not_an_object()
    };
    for (i, field) in Field::API.into_iter().enumerate() {
        let value = match Kind::from_bits(kinds >> (3 * i)).input(texts[i]) {
            Input::Missing => RawValue::Missing,
            Input::Null => RawValue::Null,
            Input::Str(text) => RawValue::from(text),
            Input::Bool => RawValue::Bool,
            Input::Number => RawValue::Number,
            Input::Array => RawValue::Array,
            Input::Object => RawValue::Object,
        };
        raw.set(field, value);
    }
    match validate(&raw) {
        Ok(customer) => {
            pack_customer(&customer, &texts);
            0
        }
        Err(errors) => {
            let mut packed = 0u32;
            for error in &errors {
                let field = Field::ALL
                    .iter()
                    .position(|f| *f == error.field)
                    .unwrap_or(0);
                packed |= code_number(error.code) << (4 * field);
            }
            packed
        }
    }
}

/// Splits `input` into six UTF-8 texts of the given byte lengths.
fn split(input: &[u8], lengths: [usize; 6]) -> Option<[&str; 6]> {
    let total = lengths
        .iter()
        .try_fold(0usize, |sum, length| sum.checked_add(*length))?;
    let mut rest = std::str::from_utf8(input.get(..total)?).ok()?;
    let mut texts = [""; 6];
    for (text, length) in texts.iter_mut().zip(lengths) {
        (*text, rest) = rest.split_at_checked(length)?;
    }
    Some(texts)
}

thread_local! {
    /// The input buffer: the wrapper writes the fields' UTF-8 there (through a `Uint8Array` over
    /// the module's memory at [`input_buffer`]'s address), so a record crosses the boundary
    /// with no allocation and no call but [`validate_input`].
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Makes the input buffer at least `bytes` long and returns its address (which moves when it
/// grows).
#[wasm_bindgen(js_name = inputBuffer)]
pub fn input_buffer(bytes: usize) -> usize {
    INPUT.with(|input| {
        let mut input = input.borrow_mut();
        if input.len() < bytes {
            input.resize(bytes, 0);
        }
        input.as_mut_ptr() as usize
    })
}

/// Writes a valid customer into [`OUT`] for the wrapper to read.
fn pack_customer(customer: &Customer<'_>, texts: &[&str; 6]) {
    let (first_start, first_end) = utf16_span(texts[0], &customer.first_name);
    let (last_start, last_end) = utf16_span(texts[1], &customer.last_name);
    let (phone_start, phone_end) = utf16_span(texts[2], &customer.phone_number);
    let (email_start, email_end, email_state) = match &customer.email {
        None => (0.0, 0.0, 0.0),
        Some(email) => {
            let (start, end) = utf16_span(texts[3], email.as_entered());
            // Lower-casing is left to the engine's `toLowerCase` (the same Unicode default case
            // mapping as Rust's): linking Rust's case tables would add about 17 kB to the module.
            (
                start,
                end,
                if email.may_need_lowercasing() {
                    2.0
                } else {
                    1.0
                },
            )
        }
    };
    let customer_type = CustomerType::ALL
        .iter()
        .position(|t| *t == customer.customer_type);
    let status = Status::ALL.iter().position(|s| *s == customer.status);
    let e164 = digits_value(customer.phone_e164.digits());
    let values = [
        first_start,
        first_end,
        last_start,
        last_end,
        phone_start,
        phone_end,
        email_start,
        email_end,
        customer_type.unwrap_or(0) as f64,
        status.unwrap_or(0) as f64,
        e164,
        email_state,
    ];
    OUT.with(|out| {
        for (slot, value) in out.iter().zip(values) {
            slot.set(value);
        }
    });
}

thread_local! {
    /// Where [`validate_input`] leaves a valid customer's numbers. The wrapper reads them
    /// through a `Float64Array` over the module's memory at [`out_address`]: returning a `Vec`
    /// instead would cost an allocation, a copy and a call to free it, per record.
    static OUT: [Cell<f64>; OUT_LEN] = const { [const { Cell::new(0.0) }; OUT_LEN] };
}

/// How many numbers [`OUT`] holds.
const OUT_LEN: usize = 12;

/// The address of the numbers a valid [`validate_input`] call leaves, in the module's memory.
#[wasm_bindgen(js_name = outAddress)]
pub fn out_address() -> usize {
    OUT.with(|out| out.as_ptr() as usize)
}

/// The module's memory, for the wrapper's view of [`out_address`]. (Not named `memory`: that
/// is the name of the memory export itself.)
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// Checks one field: `field` is its number (0 = body), `kind` its [`Kind`]. Returns `1 +` the
/// code number, or 0 when it passes.
#[wasm_bindgen(js_name = checkField)]
pub fn check_field(field: u32, kind: u32, text: &str) -> u32 {
    let field = Field::ALL
        .get(field as usize)
        .copied()
        .unwrap_or(Field::Body);
    validate_field(field, Kind::from_bits(kind).input(text))
        .map_or(0, |error| code_number(error.code))
}

/// The E.164 digits of a valid phone number as a number, or 0 when it is not valid.
#[wasm_bindgen(js_name = phoneDigits)]
pub fn phone_digits(text: &str) -> f64 {
    normalize_phone(text).map_or(0.0, |e164| digits_value(e164.digits()))
}

/// E.164 digits as a number: at most 15 digits, never a leading zero, so exact as an `f64`.
/// (Not `str::parse::<f64>`, whose float parser would double the module's size.)
fn digits_value(digits: &str) -> f64 {
    digits
        .bytes()
        .fold(0u64, |value, digit| value * 10 + u64::from(digit - b'0')) as f64
}

/// Everything the wrapper needs to build results and forms. `cargo xtask js` calls this
/// natively and writes it into the package as `tables.js`, so it costs the `.wasm` no bytes and
/// is there before the module is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    /// Field names by field number (0 is the body, `""`).
    pub fields: Vec<&'static str>,
    /// Codes by code number (the numbers on the wire are one more).
    pub codes: Vec<&'static str>,
    /// Messages by `field number * codes.len() + code number`.
    pub messages: Vec<&'static str>,
    /// The customer types, by index.
    pub customer_types: Vec<&'static str>,
    /// The statuses, by index.
    pub statuses: Vec<&'static str>,
    /// The longest name, phone number and email, in characters.
    pub limits: [usize; 3],
}

/// The [`Tables`] of this build of the rules.
pub fn tables() -> Tables {
    Tables {
        fields: Field::ALL.map(Field::name).to_vec(),
        codes: Code::ALL.map(Code::as_str).to_vec(),
        // Every field-code pair; the wrapper only looks up the pairs the rules produce.
        messages: Field::ALL
            .iter()
            .flat_map(|&field| {
                Code::ALL.map(|code| customer_validation::FieldError { field, code }.message())
            })
            .collect(),
        customer_types: CustomerType::ALL.iter().map(|t| t.as_str()).collect(),
        statuses: Status::ALL.iter().map(|s| s.as_str()).collect(),
        limits: [
            limits::NAME_MAX_CHARS,
            limits::PHONE_MAX_CHARS,
            limits::EMAIL_MAX_CHARS,
        ],
    }
}

/// The UTF-16 offsets of `part` (a sub-slice of `whole`) within `whole`.
fn utf16_span(whole: &str, part: &str) -> (f64, f64) {
    let start = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize);
    let units = |s: &str| {
        if s.is_ascii() {
            s.len()
        } else {
            s.encode_utf16().count()
        }
    };
    let start_units = whole.get(..start).map_or(0, units);
    (start_units as f64, (start_units + units(part)) as f64)
}
