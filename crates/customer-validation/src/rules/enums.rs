//! `customer_type` and `status`: exactly one of the API's values (case-sensitive, untrimmed),
//! or the default when absent or null.

use crate::{Code, CustomerType, Input, Status};

/// Checks `customer_type`.
pub(crate) fn customer_type(input: Input<'_>) -> Result<CustomerType, Code> {
    choice(input, CustomerType::parse)
}

/// Checks `status`.
pub(crate) fn status(input: Input<'_>) -> Result<Status, Code> {
    choice(input, Status::parse)
}

fn choice<T: Default>(input: Input<'_>, parse: fn(&str) -> Option<T>) -> Result<T, Code> {
    match input {
        Input::Missing | Input::Null => Ok(T::default()),
        Input::Str(text) => parse(text).ok_or(Code::InvalidEnum),
        // The enum message lists the allowed values, which says more than "must be a string".
        _ => Err(Code::InvalidEnum),
    }
}
