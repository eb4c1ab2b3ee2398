//! The registration form: fields with live checks, the error summary, and submission.

use std::sync::atomic::{AtomicU32, Ordering};

use customer_validation::{
    CustomerType, Field, Input, RawCustomer, limits, validate, validate_field,
};
use js_sys::Array;
use leptos::{ev, html, prelude::*, task::spawn_local};
use wasm_bindgen::{JsCast, JsValue};

use crate::{
    get,
    options::{Options, Text},
    submit::{Outcome, forget, key_for, proof, saved, solved, submit},
};

/// How a text field looks: its label, input type, autofill hint and length limit.
struct Spec {
    field: Field,
    label: Text,
    kind: &'static str,
    autocomplete: &'static str,
    max: usize,
    hint: Option<Text>,
}

const TEXT_FIELDS: [Spec; 4] = [
    Spec {
        field: Field::FirstName,
        label: Text::FirstName,
        kind: "text",
        autocomplete: "given-name",
        max: limits::NAME_MAX_CHARS,
        hint: None,
    },
    Spec {
        field: Field::LastName,
        label: Text::LastName,
        kind: "text",
        autocomplete: "family-name",
        max: limits::NAME_MAX_CHARS,
        hint: None,
    },
    Spec {
        field: Field::PhoneNumber,
        label: Text::Phone,
        kind: "tel",
        autocomplete: "tel",
        max: limits::PHONE_MAX_CHARS,
        hint: Some(Text::PhoneHint),
    },
    Spec {
        field: Field::Email,
        label: Text::Email,
        kind: "email",
        autocomplete: "email",
        max: limits::EMAIL_MAX_CHARS,
        hint: None,
    },
];

/// One text field's state.
#[derive(Clone, Copy)]
struct FieldState {
    field: Field,
    value: RwSignal<String>,
    /// Left once (blur) or submitted: from then on it is checked as the user types.
    touched: RwSignal<bool>,
    /// What the server said about the value (empty: nothing), until the user edits it.
    server: RwSignal<String>,
}

impl FieldState {
    fn new(field: Field, value: String) -> FieldState {
        FieldState {
            field,
            value: RwSignal::new(value),
            touched: RwSignal::new(false),
            server: RwSignal::new(String::new()),
        }
    }

    /// The message to show now, if any.
    fn error(&self, options: &Options) -> Option<String> {
        let server = self.server.get();
        if !server.is_empty() {
            return Some(server);
        }
        if !self.touched.get() {
            return None;
        }
        let value = self.value.read();
        validate_field(self.field, Input::Str(&value)).map(|error| options.message(error))
    }

    fn reset(&self) {
        self.value.set(String::new());
        self.touched.set(false);
        self.server.set(String::new());
    }
}

static INSTANCES: AtomicU32 = AtomicU32::new(0);

/// The registration form.
///
/// Every check is customer-validation's; the proxy at `options.endpoint` checks again and
/// creates the customer. On success the form clears, says so in its status region and
/// dispatches `customer-created` (detail: the customer); a failed submission dispatches
/// `customer-error` (detail: `{status, message, errors, body}`); both bubble out of shadow roots.
#[component]
pub fn SignupForm(
    /// Where to submit, the hidden status, consent and wording.
    options: Options,
) -> impl IntoView {
    let options = StoredValue::new_local(options);
    let id = format!("signup-{}", INSTANCES.fetch_add(1, Ordering::Relaxed));
    // A submission a reload interrupted comes back as it was, so submitting again reuses its key.
    let endpoint = options.read_value().endpoint().to_owned();
    let fields = TEXT_FIELDS.map(|spec| FieldState::new(spec.field, saved(&endpoint, spec.field)));
    let email = fields[3];
    let customer_type = RwSignal::new(saved(&endpoint, Field::CustomerType));
    let consent_given = RwSignal::new(false);
    // Errors the form cannot show at a field (an embedder's invalid status, a server message
    // about the body), listed in the summary.
    let general_errors = RwSignal::new(Vec::<String>::new());
    let submitted = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let status_text = RwSignal::new(String::new());
    let alert_text = RwSignal::new(String::new());
    let form_ref = NodeRef::<html::Form>::new();

    let consent_shown =
        move || options.read_value().consent.is_some() && !email.value.read().trim().is_empty();
    // Derived, never stored: clearing the email after a failed submit hides the checkbox and
    // its error together.
    let consent_error = move || submitted.get() && consent_shown() && !consent_given.get();

    let dispatch = move |name: &str, detail: &JsValue| {
        if let Some(form) = form_ref.get_untracked() {
            crate::submit::dispatch(&form, name, detail);
        }
    };

    let fail = move |status: u16, message: String, body: JsValue| {
        alert_text.set(message.clone());
        dispatch(
            "customer-error",
            &crate::submit::failure(status, &message, &body),
        );
    };

    // Once the checks' render effects have run: the first field marked invalid, in page order.
    let focus_first_error = move || {
        if let Some(form) = form_ref.get_untracked() {
            crate::submit::focus_invalid(&form);
        }
    };

    let on_submit = move |event: ev::SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        submitted.set(true);
        status_text.set(String::new());
        alert_text.set(String::new());
        for state in fields {
            state.touched.set(true);
        }
        // The entry, once: the text fields, the customer type and the embedder's status.
        let mut entry: Vec<(Field, String)> = fields
            .iter()
            .map(|state| (state.field, state.value.get_untracked()))
            .collect();
        entry.push((Field::CustomerType, customer_type.get_untracked()));
        entry.extend(
            options
                .read_value()
                .status
                .clone()
                .map(|status| (Field::Status, status)),
        );
        let mut raw = RawCustomer::default();
        for (field, value) in &entry {
            // A blank email is no email to the rules, as in the payload below.
            raw.set(*field, value.as_str().into());
        }
        let errors = validate(&raw).err();
        let options_now = options.read_value();
        general_errors.set(
            errors
                .iter()
                .flat_map(|errors| errors.iter())
                .filter(|error| !fields.iter().any(|state| state.field == error.field))
                .map(|error| options_now.message(*error))
                .collect(),
        );
        drop(options_now);
        if errors.is_some() || untrack(consent_error) {
            focus_first_error();
            return;
        }

        // Valid: the payload is exactly what was typed (the proxy normalizes), so the same
        // entry always gets the same key. Valid, so only the optional email can be blank: it is left out.
        let payload = crate::submit::payload();
        for (field, value) in entry {
            if !value.trim().is_empty() {
                crate::submit::set(&payload, field.name(), &value);
            }
        }
        let payload = crate::submit::json(&payload);
        let endpoint = options.read_value().endpoint().to_owned();
        let key = key_for(&endpoint, &payload);
        busy.set(true);
        if !solved(&endpoint) {
            // The proof of work is not solved yet: say why the button stays busy.
            status_text.set(options.read_value().text(Text::Verifying));
        }
        spawn_local(async move {
            let outcome = submit(&endpoint, &payload, &key).await;
            busy.set(false);
            status_text.set(String::new());
            let options = options.read_value();
            match outcome {
                Outcome::Created(customer) => {
                    forget(&endpoint);
                    for state in fields {
                        state.reset();
                    }
                    customer_type.set(CustomerType::default().as_str().to_owned());
                    consent_given.set(false);
                    submitted.set(false);
                    status_text.set(options.text(Text::Success));
                    dispatch("customer-created", &customer);
                }
                Outcome::Answered { status, body } => {
                    let errors = get(&body, "errors");
                    let mut unplaced = Vec::new();
                    // `Array.from` throws on undefined: only a real list is read.
                    let list = errors.dyn_ref::<Array>().cloned().unwrap_or_default();
                    for error in list.iter() {
                        let (field, code, message) = (
                            get(&error, "field").as_string().unwrap_or_default(),
                            get(&error, "code").as_string().unwrap_or_default(),
                            get(&error, "message").as_string().unwrap_or_default(),
                        );
                        let field = Field::from_name(&field);
                        let state = field
                            .and_then(|field| fields.iter().find(|state| state.field == field));
                        let text = field
                            .and_then(|field| options.message_for(field, &code))
                            .unwrap_or(message);
                        match state {
                            Some(state) => state.server.set(text),
                            None => unplaced.push(text),
                        }
                    }
                    if status == 422 {
                        // The key was used for another payload: never reuse it.
                        forget(&endpoint);
                    }
                    // The server's own words (a 404, a 422, a proof of work refused twice) are
                    // for the developer, in the event's detail (`body`); the person reads the
                    // form's, in the form's language.
                    let message = match status {
                        429 | 500.. => options.text(Text::Unavailable),
                        400 | 409 if Array::is_array(&errors) => options.text(Text::Summary),
                        _ => options.text(Text::Failed),
                    };
                    general_errors.set(unplaced);
                    fail(status, message, body);
                    focus_first_error();
                }
                Outcome::Unreachable { origin_refused } => {
                    let text = if origin_refused {
                        Text::Origin
                    } else {
                        Text::Network
                    };
                    fail(0, options.text(text), JsValue::UNDEFINED);
                }
            }
        });
    };

    let summary_id = id.clone();
    // Empty until a submit shows it: nothing is checked or built for a hidden list.
    let summary = move || {
        if !submitted.get() {
            return Vec::new();
        }
        let id = &summary_id;
        let options = options.read_value();
        let mut items: Vec<(String, String)> = fields
            .iter()
            .filter_map(|state| {
                let message = state.error(&options)?;
                Some((format!("{id}-{}", state.field.name()), message))
            })
            .collect();
        if consent_error() {
            items.push((format!("{id}-consent"), options.text(Text::ConsentRequired)));
        }
        items.extend(
            general_errors
                .get()
                .into_iter()
                .map(|message| (String::new(), message)),
        );
        items
    };
    let summary_shown = {
        let summary = summary.clone();
        move || !summary().is_empty()
    };

    let form_id = id.clone();
    let text_fields = TEXT_FIELDS
        .iter()
        .zip(fields)
        .map(|(spec, state)| {
            let input_id = format!("{form_id}-{}", spec.field.name());
            let error_id = format!("{input_id}-error");
            let hint_id = format!("{input_id}-hint");
            let error = move || state.error(&options.read_value());
            let described_by = {
                let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
                let has_hint = spec.hint.is_some();
                move || match (error().is_some(), has_hint) {
                    (true, true) => Some(format!("{error_id} {hint_id}")),
                    (true, false) => Some(error_id.clone()),
                    (false, true) => Some(hint_id.clone()),
                    (false, false) => None,
                }
            };
            // Every field has a hint element (empty when it has no hint): one shape for all four.
            let hint = spec
                .hint
                .map(|hint| options.read_value().text(hint))
                .unwrap_or_default();
            let hint = view! { <span class="signup-hint" id=hint_id>{hint}</span> };
            view! {
                <div class="signup-field">
                    <label for=input_id.clone()>{options.read_value().text(spec.label)}</label>
                    {hint}
                    <input
                        id=input_id
                        name=spec.field.name()
                        type=spec.kind
                        autocomplete=spec.autocomplete
                        maxlength=spec.max
                        required=spec.field != Field::Email
                        aria-invalid=move || if error().is_some() { "true" } else { "false" }
                        aria-describedby=described_by
                        prop:value=move || state.value.get()
                        on:input=move |event| {
                            state.value.set(event_target_value(&event));
                            state.server.set(String::new());
                        }
                        on:blur=move |_| state.touched.set(true)
                    />
                    <span class="signup-error" id=error_id>{error}</span>
                </div>
            }
        })
        .collect_view();

    let type_id = format!("{id}-customer_type");
    let consent_id = format!("{id}-consent");
    let consent_error_id = format!("{consent_id}-error");

    view! {
        <form
            class="signup-form"
            node_ref=form_ref
            novalidate
            aria-busy=move || if busy.get() { "true" } else { "false" }
            on:focusin=move |_| {
                let _ = proof(options.read_value().endpoint(), false);
            }
            on:submit=on_submit
        >
            <div class="signup-summary" role="alert" hidden=move || !summary_shown()>
                <p class="signup-summary-title">{options.read_value().text(Text::Summary)}</p>
                <ul>
                    {move || {
                        summary()
                            .into_iter()
                            .map(|(target, message)| {
                                view! {
                                    <li>
                                        <a
                                            href=format!("#{target}")
                                            on:click=move |event| {
                                                event.prevent_default();
                                                crate::submit::focus(&target);
                                            }
                                        >
                                            {message}
                                        </a>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </div>
            {text_fields}
            <div class="signup-field">
                <label for=type_id.clone()>{options.read_value().text(Text::CustomerType)}</label>
                <select
                    id=type_id
                    name="customer_type"
                    prop:value=move || customer_type.get()
                    on:change=move |event| customer_type.set(event_target_value(&event))
                >
                    {CustomerType::ALL
                        .iter()
                        .map(|kind| view! { <option value=kind.as_str()>{options.read_value().type_label(*kind)}</option> })
                        .collect_view()}
                </select>
            </div>
            {move || consent_shown().then(|| view! {
                <div class="signup-field signup-consent">
                    <label>
                        <input
                            type="checkbox"
                            name="consent"
                            id=consent_id.clone()
                            aria-invalid=move || if consent_error() { "true" } else { "false" }
                            aria-describedby={
                                let consent_error_id = consent_error_id.clone();
                                move || consent_error().then(|| consent_error_id.clone())
                            }
                            prop:checked=move || consent_given.get()
                            on:change=move |event| {
                                consent_given.set(event_target_checked(&event));
                            }
                        />
                        {options.read_value().consent_text()}
                    </label>
                    <span class="signup-error" id=consent_error_id.clone()>
                        {move || consent_error().then(|| options.read_value().text(Text::ConsentRequired))}
                    </span>
                </div>
            })}
            <button type="submit" class="signup-submit" disabled=move || busy.get()>
                {move || options.read_value().text(if busy.get() { Text::Submitting } else { Text::Submit })}
            </button>
            <p class="signup-status" role="status">{move || status_text.get()}</p>
            <p class="signup-alert" role="alert">{move || alert_text.get()}</p>
        </form>
    }
}
