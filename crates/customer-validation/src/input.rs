//! The request as the rules see it: each field's JSON type and, for strings, the text.

use std::borrow::Cow;

use crate::Field;

/// One field's value as the rules see it: absent, null, a string, or another JSON type.
///
/// The rules only ever need the text of strings; for every other type the type alone decides
/// the error, so callers reading JavaScript objects or other formats can build this cheaply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Input<'a> {
    /// The field is not in the body.
    #[default]
    Missing,
    /// JSON `null`.
    Null,
    /// A string.
    Str(&'a str),
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
    /// An array.
    Array,
    /// An object.
    Object,
}

/// An owned-or-borrowed [`Input`], as kept by [`RawCustomer`].
///
/// Strings are borrowed from the source text when it has no escapes, so reading a request
/// allocates only for escaped strings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RawValue<'a> {
    /// The field is not in the body.
    #[default]
    Missing,
    /// JSON `null`.
    Null,
    /// A string.
    Str(Cow<'a, str>),
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl RawValue<'_> {
    /// The value as the rules read it.
    pub fn as_input(&self) -> Input<'_> {
        match self {
            RawValue::Missing => Input::Missing,
            RawValue::Null => Input::Null,
            RawValue::Str(text) => Input::Str(text),
            RawValue::Bool => Input::Bool,
            RawValue::Number => Input::Number,
            RawValue::Array => Input::Array,
            RawValue::Object => Input::Object,
        }
    }
}

impl<'a> From<&'a str> for RawValue<'a> {
    fn from(text: &'a str) -> Self {
        RawValue::Str(Cow::Borrowed(text))
    }
}

/// A create-customer request body before validation: whether it is an object, and the six API
/// fields; anything else in the body is dropped on reading.
///
/// With the `serde` feature it deserializes from any JSON value (never failing on a
/// well-formed document): `serde_json::from_str::<RawCustomer>(text)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawCustomer<'a> {
    /// False when the body is not a JSON object (an array, a string, `null`, ...).
    pub is_object: bool,
    /// `first_name`.
    pub first_name: RawValue<'a>,
    /// `last_name`.
    pub last_name: RawValue<'a>,
    /// `phone_number`.
    pub phone_number: RawValue<'a>,
    /// `email`.
    pub email: RawValue<'a>,
    /// `customer_type`.
    pub customer_type: RawValue<'a>,
    /// `status`.
    pub status: RawValue<'a>,
}

impl Default for RawCustomer<'_> {
    /// An empty object: every field missing.
    fn default() -> Self {
        RawCustomer {
            is_object: true,
            first_name: RawValue::Missing,
            last_name: RawValue::Missing,
            phone_number: RawValue::Missing,
            email: RawValue::Missing,
            customer_type: RawValue::Missing,
            status: RawValue::Missing,
        }
    }
}

impl<'a> RawCustomer<'a> {
    /// A body that is not a JSON object.
    pub fn not_an_object() -> Self {
        RawCustomer {
            is_object: false,
            ..RawCustomer::default()
        }
    }

    /// The value of `field` (for [`Field::Body`], [`RawValue::Object`] or [`RawValue::Array`]
    /// standing in for any non-object body).
    pub fn get(&self, field: Field) -> &RawValue<'a> {
        match field {
            Field::Body if self.is_object => &RawValue::Object,
            Field::Body => &RawValue::Array,
            Field::FirstName => &self.first_name,
            Field::LastName => &self.last_name,
            Field::PhoneNumber => &self.phone_number,
            Field::Email => &self.email,
            Field::CustomerType => &self.customer_type,
            Field::Status => &self.status,
        }
    }

    /// Sets `field` to `value`; setting [`Field::Body`] does nothing.
    pub fn set(&mut self, field: Field, value: RawValue<'a>) {
        let slot = match field {
            Field::Body => return,
            Field::FirstName => &mut self.first_name,
            Field::LastName => &mut self.last_name,
            Field::PhoneNumber => &mut self.phone_number,
            Field::Email => &mut self.email,
            Field::CustomerType => &mut self.customer_type,
            Field::Status => &mut self.status,
        };
        *slot = value;
    }

    /// Sets `field` to `value` (builder form of [`RawCustomer::set`]).
    pub fn with(mut self, field: Field, value: impl Into<RawValue<'a>>) -> Self {
        self.set(field, value.into());
        self
    }
}
