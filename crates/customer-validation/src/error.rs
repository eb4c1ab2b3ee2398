//! Failed validation as data: a code per field, its message, and the list of them.

use std::fmt;

use crate::{Field, limits};

/// The enums' values as their messages list them (a test checks them against the enums).
macro_rules! customer_types {
    () => {
        "Individual, Startup, Small Business, Medium Business, Enterprise, Non-Profit, Government"
    };
}
macro_rules! statuses {
    () => {
        "ACTIVE, BLACKLISTED, DEACTIVATED"
    };
}

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
    /// Every error the rules report, in field order and then code order: the keys a locale
    /// pack translates.
    pub const ALL: [FieldError; 20] = {
        use Code::*;
        use Field::*;
        [
            FieldError::new(Body, InvalidBody),
            FieldError::new(FirstName, Required),
            FieldError::new(FirstName, NotAString),
            FieldError::new(FirstName, TooLong),
            FieldError::new(FirstName, InvalidCharacters),
            FieldError::new(LastName, Required),
            FieldError::new(LastName, NotAString),
            FieldError::new(LastName, TooLong),
            FieldError::new(LastName, InvalidCharacters),
            FieldError::new(PhoneNumber, Required),
            FieldError::new(PhoneNumber, NotAString),
            FieldError::new(PhoneNumber, TooLong),
            FieldError::new(PhoneNumber, InvalidCharacters),
            FieldError::new(PhoneNumber, MissingCountryCode),
            FieldError::new(PhoneNumber, InvalidPhone),
            FieldError::new(Email, NotAString),
            FieldError::new(Email, TooLong),
            FieldError::new(Email, InvalidEmail),
            FieldError::new(CustomerType, InvalidEnum),
            FieldError::new(Status, InvalidEnum),
        ]
    };

    pub(crate) const fn new(field: Field, code: Code) -> FieldError {
        FieldError { field, code }
    }

    /// The key of this error's text in a locale pack or an embedder's messages (whose
    /// placeholders `{max}` and `{values}` stand for [`FieldError::limit`] and
    /// [`FieldError::values`]):
    /// `field.code` (`first_name.too_long`), or the code alone for the body.
    pub fn key(self) -> String {
        match self.field {
            Field::Body => self.code.as_str().to_owned(),
            field => format!("{}.{}", field.name(), self.code),
        }
    }

    /// The number this error's message states: the field's length limit for
    /// [`Code::TooLong`], written `{max}` in a translated message.
    pub const fn limit(self) -> Option<usize> {
        match (self.code, self.field) {
            (Code::TooLong, Field::FirstName | Field::LastName) => Some(limits::NAME_MAX_CHARS),
            (Code::TooLong, Field::PhoneNumber) => Some(limits::PHONE_MAX_CHARS),
            (Code::TooLong, Field::Email) => Some(limits::EMAIL_MAX_CHARS),
            _ => None,
        }
    }

    /// The allowed values this error's message lists ([`Code::InvalidEnum`]), as it lists them,
    /// written `{values}` in a translated message.
    pub const fn values(self) -> Option<&'static str> {
        match (self.code, self.field) {
            (Code::InvalidEnum, Field::CustomerType) => Some(customer_types!()),
            (Code::InvalidEnum, Field::Status) => Some(statuses!()),
            _ => None,
        }
    }

    /// The error whose message is `message`, if any: reads an API 400 body back into fields.
    pub fn from_message(message: &str) -> Option<FieldError> {
        FieldError::ALL
            .into_iter()
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
                concat!("Customer type must be one of: ", customer_types!())
            }
            (Status, InvalidEnum) => concat!("Status must be one of: ", statuses!()),
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
