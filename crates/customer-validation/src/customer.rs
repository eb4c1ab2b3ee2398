//! The normalized, valid create-customer request.

use std::{borrow::Cow, fmt};

/// A valid create-customer request, normalized: names and phone trimmed, email trimmed and
/// lower-cased (absent when empty), enums defaulted, the phone also in E.164 form.
///
/// Strings borrow from the input where normalization left them unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Customer<'a> {
    /// First name, trimmed.
    pub first_name: Cow<'a, str>,
    /// Last name, trimmed.
    pub last_name: Cow<'a, str>,
    /// Phone number as entered, trimmed (`+1-555-123-4567`).
    pub phone_number: Cow<'a, str>,
    /// Customer type, `Individual` when not given.
    pub customer_type: CustomerType,
    /// Status, `ACTIVE` when not given.
    pub status: Status,
    /// The phone number in E.164 form (`+15551234567`). Not an API field: never send it upstream.
    pub phone_e164: E164,
    /// Email, trimmed; `None` when absent, null or blank. Its normalized form is lower-case:
    /// see [`Email::normalized`] (serialization writes that form).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub email: Option<Email<'a>>,
}

/// A checked email address, trimmed. Its normalized form, the one to store and send, is
/// lower-cased; lower-casing is done on demand so that callers which can do it themselves (the
/// JavaScript package, with the engine's `toLowerCase`) do not carry Unicode case tables.
#[derive(Clone, PartialEq, Eq)]
pub struct Email<'a>(pub(crate) Cow<'a, str>);

impl<'a> Email<'a> {
    /// The address as entered, trimmed.
    pub fn as_entered(&self) -> &str {
        &self.0
    }

    /// Whether [`Email::normalized`] may differ from [`Email::as_entered`]: an ASCII capital or
    /// any non-ASCII character (which may or may not have a lower-case form).
    pub fn may_need_lowercasing(&self) -> bool {
        self.0
            .bytes()
            .any(|byte| byte.is_ascii_uppercase() || !byte.is_ascii())
    }

    /// The normalized address: lower-cased (Unicode default case mapping). Borrowed when it
    /// already is.
    pub fn normalized(&self) -> Cow<'_, str> {
        if self.may_need_lowercasing() {
            Cow::Owned(self.0.to_lowercase())
        } else {
            Cow::Borrowed(&self.0)
        }
    }
}

impl fmt::Debug for Email<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.normalized(), f)
    }
}

impl fmt::Display for Email<'_> {
    /// Writes the normalized address.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.normalized())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Email<'_> {
    /// Writes the normalized address.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.normalized())
    }
}

/// Defines a closed string enum: variants, their API spelling, `ALL`, parsing and serde.
macro_rules! api_enum {
    ($(#[$meta:meta])* $name:ident, { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in the order of the API documentation.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The value as the API spells it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The value spelled exactly `text` (case-sensitive, no trimming).
            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <Cow<'de, str>>::deserialize(deserializer)?;
                $name::parse(&text).ok_or_else(|| {
                    serde::de::Error::unknown_variant(&text, &[$($text,)+])
                })
            }
        }
    };
}

api_enum! {
    /// What kind of customer this is.
    CustomerType, {
        /// `Individual` (the default).
        #[default]
        Individual = "Individual",
        /// `Startup`.
        Startup = "Startup",
        /// `Small Business`.
        SmallBusiness = "Small Business",
        /// `Medium Business`.
        MediumBusiness = "Medium Business",
        /// `Enterprise`.
        Enterprise = "Enterprise",
        /// `Non-Profit`.
        NonProfit = "Non-Profit",
        /// `Government`.
        Government = "Government",
    }
}

api_enum! {
    /// The customer's account status.
    Status, {
        /// `ACTIVE` (the default).
        #[default]
        Active = "ACTIVE",
        /// `BLACKLISTED`.
        Blacklisted = "BLACKLISTED",
        /// `DEACTIVATED`.
        Deactivated = "DEACTIVATED",
    }
}

/// A phone number in E.164 form: `+` and at most 15 digits, stored inline (no allocation).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct E164 {
    bytes: [u8; E164::MAX_DIGITS + 1],
    len: u8,
}

impl E164 {
    /// The most digits E.164 allows.
    pub const MAX_DIGITS: usize = 15;

    /// `+`, the calling code's ASCII digits, then the national number's; `None` past 15 digits.
    pub(crate) fn from_parts(code: &[u8], national: &[u8]) -> Option<E164> {
        let len = 1 + code.len() + national.len();
        let mut bytes = [0; E164::MAX_DIGITS + 1];
        let (plus, digits) = bytes.get_mut(..len)?.split_at_mut(1);
        plus.copy_from_slice(b"+");
        let (head, tail) = digits.split_at_mut(code.len());
        head.copy_from_slice(code);
        tail.copy_from_slice(national);
        debug_assert!(bytes[1..len].iter().all(u8::is_ascii_digit));
        Some(E164 {
            bytes,
            len: u8::try_from(len).ok()?,
        })
    }

    /// The digits, without the `+`.
    pub fn digits(&self) -> &str {
        self.as_str().strip_prefix('+').unwrap_or_default()
    }

    /// The number as text: `+15551234567`.
    pub fn as_str(&self) -> &str {
        // Only `+` and ASCII digits are ever stored, so this never falls back.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("+")
    }
}

impl fmt::Debug for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for E164 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}
