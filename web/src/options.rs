//! What an embedder can set: where to submit, the hidden status, the consent checkbox and the
//! wording of every message, and the locale pack `signup-form.js` loaded for the visitor.

use customer_validation::{Code, CustomerType, Field, FieldError};
use wasm_bindgen::JsValue;

use crate::{get, submit::text};

/// Where submissions go unless the embedder says otherwise: the proxy's create route.
const DEFAULT_ENDPOINT: &str = "/api/customers";

/// The form's options, read once when it is mounted.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The URL the form posts to (`/api/customers` by default).
    pub endpoint: Option<String>,
    /// A `status` to send with every customer; the form shows no control for it.
    pub status: Option<String>,
    /// The text of the consent checkbox shown once an email is entered (empty: the default,
    /// [`Text::Consent`]); no checkbox when unset.
    pub consent: Option<String>,
    /// Replacement texts, a JavaScript object of strings: for a rule, keyed by `field.code`
    /// (`first_name.required`) or by code alone (`required`); for the form's own words, by
    /// the keys of [`Text`]; for a customer type's option, `type.VALUE`. A rule's text may
    /// say `{max}` and `{values}`, filled from the rules. Read when a text is needed, never
    /// copied.
    pub messages: JsValue,
    /// The texts of a locale pack (`locales/TAG.json`, the same keys as `messages`), which
    /// `messages` override. `signup-form.js` loads it, and sets the form's `lang` and `dir`.
    pub pack: JsValue,
}

/// The form's own words, each replaceable through [`Options::messages`] under its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    /// `first_name` label.
    FirstName,
    /// `last_name` label.
    LastName,
    /// `phone_number` label.
    Phone,
    /// `phone_number` hint.
    PhoneHint,
    /// `email` label.
    Email,
    /// `customer_type` label.
    CustomerType,
    /// The submit button.
    Submit,
    /// The button while a submission is in flight.
    Submitting,
    /// The status while the proof of work is still being solved after a submit.
    Verifying,
    /// The error summary's heading.
    Summary,
    /// The confirmation after a customer was created.
    Success,
    /// Shown when the consent checkbox is needed but not ticked.
    ConsentRequired,
    /// The network failed on every attempt.
    Network,
    /// The server refused this page's origin (cross-origin embedding not allowed).
    Origin,
    /// The server or Devdraft was unavailable on every attempt.
    Unavailable,
    /// Anything else the server refused.
    Failed,
    /// The consent checkbox's text when the embedder asks for the checkbox without wording it.
    Consent,
}

/// Codes the proxy sends that the rules do not report, as a pack keys them; their English is
/// the proxy's own message.
pub const SERVER_KEYS: [&str; 1] = ["email.duplicate_email"];

impl Text {
    /// Every text, in the order a pack lists them.
    pub const ALL: [Text; 17] = [
        Text::FirstName,
        Text::LastName,
        Text::Phone,
        Text::PhoneHint,
        Text::Email,
        Text::CustomerType,
        Text::Consent,
        Text::ConsentRequired,
        Text::Submit,
        Text::Submitting,
        Text::Verifying,
        Text::Summary,
        Text::Success,
        Text::Network,
        Text::Origin,
        Text::Unavailable,
        Text::Failed,
    ];

    /// The key an embedder uses to replace this text.
    pub const fn key(self) -> &'static str {
        match self {
            Text::FirstName => "label.first_name",
            Text::LastName => "label.last_name",
            Text::Phone => "label.phone_number",
            Text::PhoneHint => "hint.phone_number",
            Text::Email => "label.email",
            Text::CustomerType => "label.customer_type",
            Text::Submit => "submit",
            Text::Submitting => "submitting",
            Text::Verifying => "verifying",
            Text::Summary => "summary",
            Text::Success => "success",
            Text::ConsentRequired => "consent_required",
            Text::Network => "network_error",
            Text::Origin => "origin_refused",
            Text::Unavailable => "unavailable",
            Text::Failed => "failed",
            Text::Consent => "consent",
        }
    }

    /// The English default.
    pub const fn default_text(self) -> &'static str {
        match self {
            Text::FirstName => "First name",
            Text::LastName => "Last name",
            Text::Phone => "Phone number",
            Text::PhoneHint => "With the country code, like +1 555 123 4567",
            Text::Email => "Email (optional)",
            Text::CustomerType => "Customer type",
            Text::Submit => "Register",
            Text::Submitting => "Registering…",
            Text::Verifying => "Securing your registration…",
            Text::Summary => "Please correct the following:",
            Text::Success => "Thank you, you are registered.",
            Text::ConsentRequired => "Please agree before we store your email address",
            Text::Network => {
                "We could not reach the registration service. Check your connection and try again."
            }
            Text::Origin => "This site is not allowed to use the registration service.",
            Text::Unavailable => {
                "The registration service is busy or unavailable. Please try again in a moment."
            }
            Text::Failed => "Registration failed. Please try again later.",
            Text::Consent => {
                "I agree that my email address is stored to contact me about my account."
            }
        }
    }
}

impl Options {
    /// Reads options from a JavaScript object (`mount(element, options)`); anything missing or
    /// of the wrong type keeps its default, so a typo never breaks the form.
    pub fn from_js(value: &JsValue) -> Options {
        let string = |key: &str| {
            get(value, key)
                .as_string()
                .filter(|value| !value.trim().is_empty())
        };
        let consent = get(value, "consent");
        Options {
            endpoint: string("endpoint"),
            status: string("status"),
            // `consent: true`, or the attribute without a value: the checkbox with its default text.
            consent: match consent.as_bool() {
                Some(true) => Some(String::new()),
                _ => consent.as_string(),
            },
            messages: get(value, "messages"),
            pack: get(value, "pack"),
        }
    }

    /// The URL to post to.
    pub fn endpoint(&self) -> &str {
        self.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT)
    }

    /// The text under `key` in the embedder's messages, else in the pack.
    fn lookup(&self, key: &str) -> Option<String> {
        text(&self.messages, &self.pack, key, None, 0, None)
    }

    /// One of the form's own texts, as the embedder or the pack words it.
    pub fn text(&self, text: Text) -> String {
        self.lookup(text.key())
            .unwrap_or_else(|| text.default_text().to_owned())
    }

    /// A customer type's option label (`type.Individual`); the API's value when none is given.
    pub fn type_label(&self, kind: CustomerType) -> String {
        let mut key = String::from("type.");
        key.push_str(kind.as_str());
        self.lookup(&key)
            .unwrap_or_else(|| kind.as_str().to_owned())
    }

    /// The consent checkbox's text, when the form has one.
    pub fn consent_text(&self) -> Option<String> {
        let consent = self.consent.as_deref()?;
        Some(if consent.trim().is_empty() {
            self.text(Text::Consent)
        } else {
            consent.to_owned()
        })
    }

    /// The message for a failed rule: the embedder's for `field.code`, else for `code`, else
    /// the pack's, else the rules' own.
    pub fn message(&self, error: FieldError) -> String {
        self.message_for(error.field, error.code.as_str())
            .unwrap_or_else(|| error.message().to_owned())
    }

    /// The embedder's (or pack's) text for a code the server sent (which may be one the rules
    /// do not know, like `duplicate_email`); for a rule's code, `{max}` and `{values}` filled
    /// from the rules.
    pub fn message_for(&self, field: Field, code: &str) -> Option<String> {
        let error = Code::ALL
            .into_iter()
            .find(|known| known.as_str() == code)
            .map(|code| FieldError { field, code });
        let mut key = String::from(field.name());
        key.push('.');
        key.push_str(code);
        text(
            &self.messages,
            &self.pack,
            &key,
            Some(code),
            error.and_then(FieldError::limit).unwrap_or_default() as u32,
            error.and_then(FieldError::values),
        )
    }
}
