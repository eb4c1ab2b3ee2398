//! What an embedder can set: where to submit, the hidden status, the consent checkbox and the
//! wording of every message.

use customer_validation::{Field, FieldError};
use wasm_bindgen::JsValue;

use crate::get;

/// Where submissions go unless the embedder says otherwise: the proxy's create route.
const DEFAULT_ENDPOINT: &str = "/api/customers";

/// The form's options, read once when it is mounted.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The URL the form posts to (`/api/customers` by default).
    pub endpoint: Option<String>,
    /// A `status` to send with every customer; the form shows no control for it.
    pub status: Option<String>,
    /// The text of the consent checkbox shown once an email is entered; no checkbox when unset.
    pub consent: Option<String>,
    /// Replacement texts, a JavaScript object of strings: for a rule, keyed by `field.code`
    /// (`first_name.required`) or by code alone (`required`); for the form's own words, by
    /// the keys of [`Text`]. Read when a text is needed, never copied.
    pub messages: JsValue,
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
}

impl Text {
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
        Options {
            endpoint: string("endpoint"),
            status: string("status"),
            consent: string("consent"),
            messages: get(value, "messages"),
        }
    }

    /// The URL to post to.
    pub fn endpoint(&self) -> &str {
        self.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT)
    }

    fn lookup(&self, key: &str) -> Option<String> {
        if !self.messages.is_object() {
            return None;
        }
        get(&self.messages, key).as_string()
    }

    /// One of the form's own texts, as the embedder worded it.
    pub fn text(&self, text: Text) -> String {
        self.lookup(text.key())
            .unwrap_or_else(|| text.default_text().to_owned())
    }

    /// The message for a failed rule: the embedder's for `field.code`, else for `code`, else
    /// the rules' own.
    pub fn message(&self, error: FieldError) -> String {
        self.message_for(error.field, error.code.as_str())
            .unwrap_or_else(|| error.message().to_owned())
    }

    /// The embedder's message for a code the server sent (which may be one the rules do not
    /// know, like `duplicate_email`).
    pub fn message_for(&self, field: Field, code: &str) -> Option<String> {
        if !self.messages.is_object() {
            return None;
        }
        let mut specific = String::with_capacity(field.name().len() + 1 + code.len());
        specific.push_str(field.name());
        specific.push('.');
        specific.push_str(code);
        self.lookup(&specific).or_else(|| self.lookup(code))
    }
}
