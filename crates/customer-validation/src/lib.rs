//! The create-customer rules of the Devdraft API, written once.
//!
//! Every part of signup (the browser widget, the JavaScript package, the proxy, the emulator
//! and the command line) checks a `POST /api/v0/customers` body through this crate, so they
//! accept exactly the same requests and say exactly the same thing about the rest.
//!
//! [`validate`] checks a whole body: it returns the normalized [`Customer`] or every failed
//! field ([`Errors`], at most one per field, in field order). [`validate_field`] checks one
//! field, for live checks in a form. Failed validation is data, not a panic: any input, however
//! malformed, gets an answer.
//!
//! ```
//! use customer_validation::{Code, Field, RawCustomer, validate};
//!
//! let body = r#"{"first_name": " John ", "last_name": "Doe",
//!                "phone_number": "+1-555-123-4567", "email": "John.Doe@Example.com"}"#;
//! let raw: RawCustomer<'_> = serde_json::from_str(body).unwrap();
//! let customer = validate(&raw).unwrap();
//! assert_eq!(customer.first_name, "John");
//! assert_eq!(customer.email.unwrap().normalized(), "john.doe@example.com");
//! assert_eq!(customer.phone_e164.as_str(), "+15551234567");
//! assert_eq!(customer.customer_type.as_str(), "Individual");
//!
//! let raw: RawCustomer<'_> = serde_json::from_str(r#"{"first_name": "  ", "phone_number": "555"}"#).unwrap();
//! let errors = validate(&raw).unwrap_err();
//! assert_eq!(errors.get(Field::PhoneNumber).unwrap().code, Code::MissingCountryCode);
//! assert_eq!(
//!     errors.messages().collect::<Vec<_>>(),
//!     ["First name is required", "Last name is required", "Phone number must start with + and a country code"],
//! );
//! ```

mod customer;
#[cfg(feature = "serde")]
mod de;
mod error;
mod field;
mod input;
pub mod limits;
mod rules;
#[cfg(feature = "serde")]
mod ser;

use std::borrow::Cow;

pub use crate::{
    customer::{Customer, CustomerType, E164, Email, Status},
    error::{Code, Errors, FieldError},
    field::Field,
    input::{Input, RawCustomer, RawValue},
};

/// Where the table of country calling codes and possible phone number lengths comes from
/// (package and version), for reports and documentation.
pub const PHONE_TABLE_SOURCE: &str = rules::phone_table::SOURCE;

/// Checks a whole create-customer body: the normalized customer, or every failed field.
///
/// A body that is not an object fails alone, with [`Field::Body`] and [`Code::InvalidBody`].
pub fn validate<'a>(raw: &'a RawCustomer<'_>) -> Result<Customer<'a>, Errors> {
    let mut errors = Errors::new();
    if !raw.is_object {
        errors.push(FieldError::new(Field::Body, Code::InvalidBody));
        return Err(errors);
    }
    let mut fail = |field, code| errors.push(FieldError::new(field, code));
    let first_name =
        rules::name::check(raw.first_name.as_input()).map_err(|code| fail(Field::FirstName, code));
    let last_name =
        rules::name::check(raw.last_name.as_input()).map_err(|code| fail(Field::LastName, code));
    let phone = rules::phone::check(raw.phone_number.as_input())
        .map_err(|code| fail(Field::PhoneNumber, code));
    let email = rules::email::check(raw.email.as_input()).map_err(|code| fail(Field::Email, code));
    let customer_type = rules::enums::customer_type(raw.customer_type.as_input())
        .map_err(|code| fail(Field::CustomerType, code));
    let status =
        rules::enums::status(raw.status.as_input()).map_err(|code| fail(Field::Status, code));
    match (first_name, last_name, phone, email, customer_type, status) {
        (
            Ok(first_name),
            Ok(last_name),
            Ok((phone_number, phone_e164)),
            Ok(email),
            Ok(customer_type),
            Ok(status),
        ) => Ok(Customer {
            first_name: Cow::Borrowed(first_name),
            last_name: Cow::Borrowed(last_name),
            phone_number: Cow::Borrowed(phone_number),
            customer_type,
            status,
            phone_e164,
            email: email.map(|email| Email(Cow::Borrowed(email))),
        }),
        _ => Err(errors),
    }
}

/// Checks one field on its own, as a form does while the user types: `None` when it passes.
///
/// The result for a field is the same as its entry in [`validate`]'s errors. For
/// [`Field::Body`], the check is that the input is an object.
pub fn validate_field(field: Field, input: Input<'_>) -> Option<FieldError> {
    let result = match field {
        Field::Body => match input {
            Input::Object => Ok(()),
            _ => Err(Code::InvalidBody),
        },
        Field::FirstName | Field::LastName => rules::name::check(input).map(drop),
        Field::PhoneNumber => rules::phone::check(input).map(drop),
        Field::Email => rules::email::check(input).map(drop),
        Field::CustomerType => rules::enums::customer_type(input).map(drop),
        Field::Status => rules::enums::status(input).map(drop),
    };
    result.err().map(|code| FieldError::new(field, code))
}

/// The E.164 form of a phone number (`+1 (555) 123-4567` gives `+15551234567`), or `None` when
/// it is not a valid phone number by the `phone_number` rule.
pub fn normalize_phone(text: &str) -> Option<E164> {
    rules::phone::check(Input::Str(text))
        .ok()
        .map(|(_, e164)| e164)
}
