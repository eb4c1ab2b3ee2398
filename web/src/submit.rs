//! Sending a customer to the proxy exactly once: an idempotency key per payload kept in
//! sessionStorage until the customer exists, and bounded retries of what may succeed later.

use js_sys::Promise;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, RequestMode, Response, Storage};

/// Attempts per submission: the first and up to three retries.
const ATTEMPTS: u32 = 4;
/// The first retry waits about this long; each later one twice as long (with jitter).
const BACKOFF_MS: f64 = 500.0;
/// A `Retry-After` longer than this ends the retries: the user is told to try again later
/// rather than left waiting.
const RETRY_AFTER_MAX_S: f64 = 30.0;

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

/// Posts `payload` (JSON) to `endpoint` with the idempotency key `key`, retrying network
/// errors, 5xx and 429 with the same key.
pub async fn submit(endpoint: &str, payload: &str, key: &str) -> Outcome {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let last = attempt == ATTEMPTS;
        let backoff =
            BACKOFF_MS * f64::from(1u32 << (attempt - 1)) * (0.5 + js_sys::Math::random());
        let response = match post(endpoint, payload, key).await {
            Ok(response) => response,
            Err(_) if cross_origin(endpoint) && reachable(endpoint).await => {
                // The server is up, so the failure is CORS: retrying cannot help.
                return Outcome::Unreachable {
                    origin_refused: true,
                };
            }
            Err(_) if last => {
                return Outcome::Unreachable {
                    origin_refused: false,
                };
            }
            Err(_) => {
                sleep(backoff).await;
                continue;
            }
        };
        let status = response.status();
        let retryable = status == 429 || status >= 500;
        let wait = match response.headers().get("retry-after").ok().flatten() {
            Some(seconds) => seconds
                .trim()
                .parse::<u32>()
                .ok()
                .map(|s| f64::from(s) * 1000.0),
            None => Some(backoff),
        };
        match wait {
            Some(wait) if retryable && !last && wait <= RETRY_AFTER_MAX_S * 1000.0 => {
                sleep(wait).await;
            }
            _ => {
                let body = match response.json() {
                    Ok(promise) => JsFuture::from(promise).await.unwrap_or(JsValue::UNDEFINED),
                    Err(_) => JsValue::UNDEFINED,
                };
                return if status == 201 {
                    Outcome::Created(body)
                } else {
                    Outcome::Answered { status, body }
                };
            }
        }
    }
}

async fn post(endpoint: &str, payload: &str, key: &str) -> Result<Response, JsValue> {
    let headers = Headers::new()?;
    headers.append("content-type", "application/json")?;
    headers.append("idempotency-key", key)?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(payload));
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    JsFuture::from(window.fetch_with_str_and_init(endpoint, &init))
        .await?
        .dyn_into()
}

/// Whether `endpoint` is on another origin than the page.
fn cross_origin(endpoint: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let Ok(page) = window.location().href() else {
        return false;
    };
    web_sys::Url::new_with_base(endpoint, &page)
        .ok()
        .zip(window.location().origin().ok())
        .is_some_and(|(url, origin)| url.origin() != origin)
}

/// Whether the server answers at all, CORS aside (an opaque `no-cors` request succeeds).
async fn reachable(endpoint: &str) -> bool {
    let init = RequestInit::new();
    init.set_mode(RequestMode::NoCors);
    let Some(window) = web_sys::window() else {
        return false;
    };
    JsFuture::from(window.fetch_with_str_and_init(endpoint, &init))
        .await
        .is_ok()
}

async fn sleep(ms: f64) {
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            // Milliseconds fit an i32 for every wait this module makes (at most 30 s).
            let _ =
                window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
        }
    });
    let _ = JsFuture::from(promise).await;
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
