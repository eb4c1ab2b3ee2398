//! The limits the rules enforce, for building forms (`maxlength`) and documentation.

/// How many fields the rules check (the body counts as one, but fails alone).
pub const FIELDS: usize = 6;

/// The longest first or last name, in Unicode scalar values after trimming.
pub const NAME_MAX_CHARS: usize = 100;

/// The longest phone number, in characters after trimming.
pub const PHONE_MAX_CHARS: usize = 20;

/// The longest email address, in characters after trimming.
pub const EMAIL_MAX_CHARS: usize = 255;
