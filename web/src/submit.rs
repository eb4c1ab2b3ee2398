//! Sending a customer to the proxy exactly once, through `network.js`: an idempotency key per
//! payload kept in sessionStorage until the customer exists, a proof of work, and bounded
//! retries of what may succeed later.

use js_sys::Promise;
use wasm_bindgen::{JsValue, prelude::wasm_bindgen};
use wasm_bindgen_futures::JsFuture;

use crate::get;

#[wasm_bindgen(module = "/network.js")]
extern "C" {
    /// Starts solving the proof of work for the next create at `endpoint` (`renew`: a new one).
    pub fn proof(endpoint: &str, renew: bool) -> Promise;
    /// Whether the proof for `endpoint` is ready.
    pub fn solved(endpoint: &str) -> bool;
    /// Posts with retries: a promise of `{status, body, refused}`.
    fn send(endpoint: &str, payload: &str, key: &str) -> Promise;
    /// The payload of a submission to `endpoint` a reload interrupted, if any.
    #[wasm_bindgen(js_name = pendingPayload)]
    pub fn pending_payload(endpoint: &str) -> Option<String>;
    /// The idempotency key for `payload`: the one kept for it, else a new one, kept.
    #[wasm_bindgen(js_name = keyFor)]
    pub fn key_for(endpoint: &str, payload: &str) -> String;
    /// Forgets the pending submission to `endpoint`.
    pub fn forget(endpoint: &str);
    /// Focuses the element with this id, if any.
    pub fn focus(id: &str);
    /// A new, empty create payload.
    pub fn payload() -> JsValue;
    /// Sets the payload's field `name` to `value`.
    pub fn set(payload: &JsValue, name: &str, value: &str);
    /// The payload as JSON text.
    pub fn json(payload: &JsValue) -> String;
    /// Dispatches a bubbling, composed `name` event with `detail` on `target`.
    pub fn dispatch(target: &JsValue, name: &str, detail: &JsValue);
    /// A `customer-error` event's detail: `{status, message, errors}`.
    pub fn failure(status: u16, message: &str, errors: &JsValue) -> JsValue;
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
