//! The registration form widget: a Leptos component that checks a new customer with
//! customer-validation as it is typed and submits it once through the signup proxy.
//!
//! Pages embed it without writing Rust: `signup-form.js` (next to the built wasm) defines the
//! `<customer-signup-form>` element and exports `mount(element, options)`, which call
//! [`mount`] here. Rust callers use the [`SignupForm`] component directly:
//!
//! ```no_run
//! use signup_form::{Options, SignupForm};
//! use leptos::prelude::*;
//!
//! let options = Options { endpoint: Some("/api/customers".into()), ..Options::default() };
//! leptos::mount::mount_to_body(move || view! { <SignupForm options /> });
//! ```

mod embed;
mod form;
mod options;
mod submit;

pub use crate::{
    embed::{Handle, mount},
    form::SignupForm,
    options::{Options, SERVER_KEYS, Text},
};

/// A property of a JavaScript object (`undefined` when it is not there or `value` is no object).
pub(crate) use crate::submit::get;
