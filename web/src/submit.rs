//! Sending a customer to the proxy exactly once, through `network.js`: an idempotency key per
//! payload kept in sessionStorage until the customer exists, a proof of work, and bounded
//! retries of what may succeed later.

use customer_validation::{CustomerType, Field};
use js_sys::Promise;
use wasm_bindgen::{JsValue, prelude::wasm_bindgen};
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/network.js")]
extern "C" {
    /// Starts solving the proof of work for the next create at `endpoint` (`renew`: a new one).
    pub fn proof(endpoint: &str, renew: bool) -> Promise;
    /// Whether the proof for `endpoint` is ready.
    pub fn solved(endpoint: &str) -> bool;
    /// Posts with retries: a promise of `{status, body, refused}`.
    fn send(endpoint: &str, payload: &str, key: &str) -> Promise;
    /// Field `name` of the submission to `endpoint` a reload interrupted (empty: none).
    #[wasm_bindgen(js_name = saved)]
    fn saved_text(endpoint: &str, name: &str) -> String;
    /// The idempotency key for `payload`: the one kept for it, else a new one, kept.
    #[wasm_bindgen(js_name = keyFor)]
    pub fn key_for(endpoint: &str, payload: &str) -> String;
    /// Forgets the pending submission to `endpoint`.
    pub fn forget(endpoint: &str);
    /// `value[key]`: `undefined` when it is not there or `value` is no object.
    pub fn get(value: &JsValue, key: &str) -> JsValue;
    /// Focuses the element with this id, if any.
    pub fn focus(id: &str);
    /// Focuses the first element of `form` marked `aria-invalid="true"`, once the render
    /// effects queued now have run.
    #[wasm_bindgen(js_name = focusInvalid)]
    pub fn focus_invalid(form: &JsValue);
    /// A new, empty create payload.
    pub fn payload() -> JsValue;
    /// Sets the payload's field `name` to `value`.
    pub fn set(payload: &JsValue, name: &str, value: &str);
    /// The payload as JSON text.
    pub fn json(payload: &JsValue) -> String;
    /// Dispatches a bubbling, composed `name` event with `detail` on `target`.
    pub fn dispatch(target: &JsValue, name: &str, detail: &JsValue);
    /// The text under `key` (else `fallback`) in `messages`, else in `pack`, its `{max}`
    /// (when `max` is not 0) and `{values}` (when given) filled.
    pub fn text(
        messages: &JsValue,
        pack: &JsValue,
        key: &str,
        fallback: Option<&str>,
        max: u32,
        values: Option<&str>,
    ) -> Option<String>;
    /// A `customer-error` event's detail: `{status, message, errors, body}` (the answer's
    /// `errors` list and the whole answer).
    pub fn failure(status: u16, message: &str, body: &JsValue) -> JsValue;
}

/// The value `field` had in the submission to `endpoint` a reload interrupted, so submitting
/// again reuses its key: empty when there is none, the default for the customer type.
pub fn saved(endpoint: &str, field: Field) -> String {
    let text = saved_text(endpoint, field.name());
    if text.is_empty() && field == Field::CustomerType {
        return CustomerType::default().as_str().to_owned();
    }
    text
}

/// How a submission ended.
pub enum Outcome {
    /// 201: the customer, as the server returned it.
    Created(JsValue),
    /// A final answer other than 201 (4xx, or 5xx/429 after the last retry), with its JSON body
    /// (`undefined` when it had none).
    Answered {
        /// The HTTP status.
        status: u16,
        /// The parsed body.
        body: JsValue,
    },
    /// No answer at all on any attempt.
    Unreachable {
        /// The server answers, but not to this page: its origin is not allowed.
        origin_refused: bool,
    },
}

/// Posts `payload` (JSON) to `endpoint` with the idempotency key `key` and a proof of work,
/// retrying network errors, 5xx and 429 with the same key (see `network.js`).
pub async fn submit(endpoint: &str, payload: &str, key: &str) -> Outcome {
    let answer = JsFuture::from(send(endpoint, payload, key))
        .await
        .unwrap_or(JsValue::UNDEFINED);
    let body = get(&answer, "body");
    match get(&answer, "status").as_f64().unwrap_or(0.0) as u16 {
        0 => Outcome::Unreachable {
            origin_refused: get(&answer, "refused").is_truthy(),
        },
        201 => Outcome::Created(body),
        status => Outcome::Answered { status, body },
    }
}
