//! Failed validation as data: a code per field, its message, and the list of them.

use std::fmt;

use crate::{Field, limits};

/// Why a field failed, as a stable machine-readable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    /// The body is not a JSON object.
    InvalidBody,
    /// A required field is absent, null, or empty after trimming.
    Required,
    /// The value is not a string.
    NotAString,
    /// The trimmed value is longer than the field allows.
    TooLong,
    /// A name holds a control or bidi-override character, or a phone number a character other
    /// than digits, spaces, hyphens, parentheses and one leading `+`.
    InvalidCharacters,
    /// The phone number does not start with `+`.
    MissingCountryCode,
    /// The phone number has no assigned country calling code, an impossible digit count for
    /// it, or unbalanced parentheses.
    InvalidPhone,
    /// The email is not an address validator.js `isEmail()` accepts.
    InvalidEmail,
    /// The value is not one of the allowed enum values.
    InvalidEnum,
}

impl Code {
    /// Every code.
    pub const ALL: [Code; 9] = [
        Code::InvalidBody,
        Code::Required,
        Code::NotAString,
        Code::TooLong,
        Code::InvalidCharacters,
        Code::MissingCountryCode,
        Code::InvalidPhone,
        Code::InvalidEmail,
        Code::InvalidEnum,
    ];

    /// The code as it appears in reports (`required`, `too_long`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::InvalidBody => "invalid_body",
            Code::Required => "required",
            Code::NotAString => "not_a_string",
            Code::TooLong => "too_long",
            Code::InvalidCharacters => "invalid_characters",
            Code::MissingCountryCode => "missing_country_code",
            Code::InvalidPhone => "invalid_phone",
            Code::InvalidEmail => "invalid_email",
            Code::InvalidEnum => "invalid_enum",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One failed field: which field, why, and the message the Devdraft API gives for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldError {
    /// The field that failed ([`Field::Body`] when the body is not an object).
    pub field: Field,
    /// Why it failed.
    pub code: Code,
}

impl FieldError {
    pub(crate) const fn new(field: Field, code: Code) -> FieldError {
        FieldError { field, code }
    }

    /// The error whose message is `message`, if any: reads an API 400 body back into fields.
    pub fn from_message(message: &str) -> Option<FieldError> {
        Field::ALL
            .into_iter()
            .flat_map(|field| Code::ALL.map(|code| FieldError { field, code }))
            .find(|error| error.message() == message)
    }

    /// The English message of this error, exactly as in the API's 400 body.
    pub const fn message(self) -> &'static str {
        use Code::*;
        use Field::*;
        match (self.field, self.code) {
            (FirstName, Required) => "First name is required",
            (FirstName, NotAString) => "First name must be a string",
            (FirstName, TooLong) => "First name cannot exceed 100 characters",
            (FirstName, InvalidCharacters) => "First name contains invalid characters",
            (LastName, Required) => "Last name is required",
            (LastName, NotAString) => "Last name must be a string",
            (LastName, TooLong) => "Last name cannot exceed 100 characters",
            (LastName, InvalidCharacters) => "Last name contains invalid characters",
            (PhoneNumber, Required) => "Phone number is required",
            (PhoneNumber, NotAString) => "Phone number must be a string",
            (PhoneNumber, TooLong) => "Phone number cannot exceed 20 characters",
            (PhoneNumber, InvalidCharacters) => {
                "Phone number may contain only digits, spaces, hyphens and parentheses"
            }
            (PhoneNumber, MissingCountryCode) => {
                "Phone number must start with + and a country code"
            }
            (PhoneNumber, InvalidPhone) => "Please provide a valid phone number",
            (Email, NotAString) => "Email must be a string",
            (Email, TooLong) => "Email cannot exceed 255 characters",
            (Email, InvalidEmail) => "Please provide a valid email address",
            (CustomerType, InvalidEnum) => {
                "Customer type must be one of: Individual, Startup, Small Business, Medium Business, Enterprise, Non-Profit, Government"
            }
            (Status, InvalidEnum) => "Status must be one of: ACTIVE, BLACKLISTED, DEACTIVATED",
            // The rules never build any other pair; a body error is the only one left.
            _ => "Request body must be a JSON object",
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for FieldError {}

/// Every failed field of one request, in field order, at most one per field.
///
/// Fixed capacity, so reporting failures allocates nothing.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Errors {
    items: [FieldError; limits::FIELDS],
    len: u8,
}

impl Errors {
    pub(crate) const fn new() -> Errors {
        Errors {
            items: [FieldError::new(Field::Body, Code::InvalidBody); limits::FIELDS],
            len: 0,
        }
    }

    /// Adds an error; the rules add at most one per field, so this never overflows.
    pub(crate) fn push(&mut self, error: FieldError) {
        if let Some(slot) = self.items.get_mut(usize::from(self.len)) {
            *slot = error;
            self.len += 1;
        }
    }

    /// The errors as a slice, in field order.
    pub fn as_slice(&self) -> &[FieldError] {
        &self.items[..usize::from(self.len)]
    }

    /// Iterates over the errors in field order.
    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.as_slice().iter()
    }

    /// How many fields failed.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// True when no field failed (never the case for an `Err` from [`crate::validate`]).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The messages in field order: the `message` array of the API's 400 body.
    pub fn messages(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.iter().map(|error| error.message())
    }

    /// The error of `field`, if it failed.
    pub fn get(&self, field: Field) -> Option<FieldError> {
        self.iter().copied().find(|error| error.field == field)
    }
}

impl fmt::Debug for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, message) in self.messages().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            f.write_str(message)?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

impl<'e> IntoIterator for &'e Errors {
    type Item = &'e FieldError;
    type IntoIter = std::slice::Iter<'e, FieldError>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}
