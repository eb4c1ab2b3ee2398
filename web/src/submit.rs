//! Sending a customer to the proxy exactly once: an idempotency key per payload kept in
//! sessionStorage until the customer exists; `network.js` posts it with a proof of work and
//! bounded retries of what may succeed later.

use js_sys::Promise;
use wasm_bindgen::{JsValue, prelude::wasm_bindgen};
use wasm_bindgen_futures::JsFuture;
use web_sys::Storage;

use crate::get;

#[wasm_bindgen(module = "/network.js")]
extern "C" {
    /// Starts solving the proof of work for the next create at `endpoint` (`renew`: a new one).
    pub fn proof(endpoint: &str, renew: bool) -> Promise;
    /// Whether the proof for `endpoint` is ready.
    pub fn solved(endpoint: &str) -> bool;
    /// Posts with retries: a promise of `{status, body, refused}`.
    fn send(endpoint: &str, payload: &str, key: &str) -> Promise;
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

/// The idempotency key of a payload, remembered in sessionStorage until the customer exists so
/// that a retry, or a submit after a reload, reuses it.
pub struct PendingKey {
    storage: Option<Storage>,
    key_name: String,
    payload_name: String,
}

impl PendingKey {
    /// The pending submission to `endpoint` (one per endpoint and tab).
    pub fn new(endpoint: &str) -> PendingKey {
        let storage = web_sys::window().and_then(|window| window.session_storage().ok().flatten());
        PendingKey {
            storage,
            key_name: format!("signup-form:{endpoint}:key"),
            payload_name: format!("signup-form:{endpoint}:payload"),
        }
    }

    /// The payload of a submission that has not been confirmed, if any.
    pub fn payload(&self) -> Option<String> {
        self.storage
            .as_ref()?
            .get_item(&self.payload_name)
            .ok()
            .flatten()
    }

    /// The key for `payload`: the remembered one when the payload is the same, else a new one
    /// (remembered from now on).
    pub fn key_for(&self, payload: &str) -> String {
        let remembered = self
            .storage
            .as_ref()
            .filter(|_| self.payload().as_deref() == Some(payload))
            .and_then(|storage| storage.get_item(&self.key_name).ok().flatten());
        if let Some(key) = remembered {
            return key;
        }
        let key = uuid_v4();
        if let Some(storage) = &self.storage {
            // Without storage (private modes may refuse it) the key still covers this page's
            // retries.
            let _ = storage.set_item(&self.key_name, &key);
            let _ = storage.set_item(&self.payload_name, payload);
        }
        key
    }

    /// Forgets the pending submission: it succeeded, or its key can no longer be used.
    pub fn clear(&self) {
        if let Some(storage) = &self.storage {
            let _ = storage.remove_item(&self.key_name);
            let _ = storage.remove_item(&self.payload_name);
        }
    }
}

/// A random UUID v4 from the browser's cryptographic generator.
fn uuid_v4() -> String {
    let mut bytes = [0u8; 16];
    // Every browser that runs this wasm has Web Crypto. Were it missing, keys would repeat:
    // a different customer under a used key gets a 422 (mismatch), never a wrong customer.
    if let Some(crypto) = web_sys::window().and_then(|window| window.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(36);
    for (index, byte) in bytes.iter().enumerate() {
        if matches!(index, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        text.push(HEX[usize::from(byte >> 4)] as char);
        text.push(HEX[usize::from(byte & 0x0f)] as char);
    }
    text
}
