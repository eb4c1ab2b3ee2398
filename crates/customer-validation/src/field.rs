//! The fields of the create-customer request.

use std::fmt;

/// A field of the create-customer request, in the order the checks run.
///
/// [`Field::Body`] stands for the request body itself; its name is the empty string, as in the
/// error reports (`{"field": "", "code": "invalid_body"}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// The request body as a whole.
    Body,
    /// `first_name`: required, 1 to 100 characters.
    FirstName,
    /// `last_name`: required, 1 to 100 characters.
    LastName,
    /// `phone_number`: required, international format with a country code.
    PhoneNumber,
    /// `email`: optional, an address validator.js `isEmail()` accepts.
    Email,
    /// `customer_type`: optional, one of [`crate::CustomerType`], `Individual` by default.
    CustomerType,
    /// `status`: optional, one of [`crate::Status`], `ACTIVE` by default.
    Status,
}

impl Field {
    /// The six API fields, in check order (without [`Field::Body`]).
    pub const API: [Field; 6] = [
        Field::ALL[1],
        Field::ALL[2],
        Field::ALL[3],
        Field::ALL[4],
        Field::ALL[5],
        Field::ALL[6],
    ];

    /// Every field: the body, then the six API fields in check order.
    pub const ALL: [Field; 7] = [
        Field::Body,
        Field::FirstName,
        Field::LastName,
        Field::PhoneNumber,
        Field::Email,
        Field::CustomerType,
        Field::Status,
    ];

    /// The field's name in the API (`first_name`, ...); `""` for the body.
    pub const fn name(self) -> &'static str {
        match self {
            Field::Body => "",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::PhoneNumber => "phone_number",
            Field::Email => "email",
            Field::CustomerType => "customer_type",
            Field::Status => "status",
        }
    }

    /// The field named `name` in the API, if it is one of the six (the body has no name to look up).
    pub fn from_name(name: &str) -> Option<Field> {
        Field::API.into_iter().find(|field| field.name() == name)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
