//! An async client for `POST /api/v0/customers` that retries safely.
//!
//! Every attempt of one create carries the same idempotency key, so retrying after a timeout,
//! a dropped connection, a 5xx, a 429 or a 409 "key in use" can replay but never create a
//! second customer. A duplicate email, a validation error, a key mismatch and bad credentials
//! are answers, never retried.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::{
    client::legacy::{Client as HyperClient, connect::HttpConnector},
    rt::TokioExecutor,
};

use crate::{
    CreateCustomerRequest, Customer, HttpErrorBody, IdempotencyErrorBody, ValidationErrorBody,
    headers, paths,
};

// Built at compile time: a name given as text is checked and copied on every request.
const CLIENT_KEY: HeaderName = HeaderName::from_static(headers::CLIENT_KEY);
const CLIENT_SECRET: HeaderName = HeaderName::from_static(headers::CLIENT_SECRET);
const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static(headers::IDEMPOTENCY_KEY);
const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// How hard to try.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// The most attempts for one create.
    pub max_attempts: u32,
    /// The first backoff; it doubles each time (with full jitter).
    pub base_delay: Duration,
    /// The longest backoff between attempts (a server's `Retry-After` is waited in full).
    pub max_delay: Duration,
    /// The whole create, every attempt and wait included, must end within this.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            deadline: Duration::from_secs(10),
        }
    }
}

/// Where the client connects and how long it waits.
#[derive(Clone)]
pub struct ClientConfig {
    /// The API's base URL, e.g. `https://api.devdraft.ai`.
    pub base_url: String,
    /// `x-client-key`.
    pub client_key: String,
    /// `x-client-secret`. Never logged: `Debug` redacts it.
    pub client_secret: String,
    /// Connection timeout.
    pub connect_timeout: Duration,
    /// Timeout of one attempt.
    pub request_timeout: Duration,
    /// Retries.
    pub retry: RetryPolicy,
    /// Told of every attempt (the proxy's metrics); `None` by default.
    pub observer: Option<std::sync::Arc<dyn Observer>>,
}

/// Told of every attempt a create makes, as it ends.
pub trait Observer: Send + Sync {
    /// One attempt ended.
    fn attempt(&self, report: &AttemptReport);
}

/// One attempt of a create, as an [`Observer`] hears of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptReport {
    /// 0 for the first attempt, 1 for the first retry, ...
    pub number: u32,
    /// The answer's status, or `None` when none came (then `failure` says why).
    pub status: Option<u16>,
    /// What the attempt left to retry, if anything.
    pub failure: Option<Failure>,
    /// From sending the request to reading the whole answer (or giving up).
    pub elapsed: Duration,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("client_key", &self.client_key)
            .field("client_secret", &"<redacted>")
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ClientConfig {
    /// Defaults: 2 s to connect, 5 s per attempt, [`RetryPolicy::default`].
    pub fn new(
        base_url: impl Into<String>,
        client_key: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        ClientConfig {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            client_key: client_key.into(),
            client_secret: client_secret.into(),
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
            observer: None,
        }
    }
}

/// What became of a create.
#[derive(Debug, Clone, PartialEq)]
pub enum CreateOutcome {
    /// Created (or replayed): the customer.
    Created(Box<Customer>),
    /// Created (a 2xx), but the body is not the customer as documented: its id, if any.
    CreatedUnreadable {
        /// The `id` field of the body, when there is one.
        id: Option<String>,
    },
    /// The API refused the body (400).
    Invalid(ValidationErrorBody),
    /// The app already has a customer with this email (409).
    DuplicateEmail,
    /// The idempotency key was used with another body (422).
    IdempotencyMismatch,
    /// No answer worth passing on, after every retry allowed.
    Failed(Failure),
}

/// Why a create failed for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Still rate-limited (429) or the key still in use (409) at the deadline.
    Busy,
    /// The last attempt timed out.
    Timeout,
    /// The last attempt got a 5xx, a dropped connection or a body that made no sense.
    Unavailable,
    /// The API refused the credentials (401/403): configuration, not a retry, fixes this.
    Unauthorized,
}

fn parsed<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<T> {
    serde_json::from_slice(body).ok()
}

/// One attempt's verdict: done, or worth another try after a wait.
enum Attempt {
    Done(CreateOutcome),
    Retry {
        failure: Failure,
        after: Option<Duration>,
    },
}

/// The rate-limit window an API response reported (`X-RateLimit-*` headers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateWindow {
    /// Requests allowed per window.
    pub limit: u32,
    /// Requests left in the window when the response was sent.
    pub remaining: u32,
    /// When the window resets (unix seconds).
    pub reset_unix: u64,
}

/// The client: HTTP/1.1 over hyper with a keep-alive pool; `https://` with rustls and the
/// Mozilla roots, `http://` for the emulator.
#[derive(Debug, Clone)]
pub struct Client {
    http: HyperClient<HttpsConnector<HttpConnector>, Full<Bytes>>,
    config: ClientConfig,
    url: http::Uri,
    /// The key and secret as header values, built once (the secret marked sensitive); `None`
    /// when they hold characters a header cannot, which every create then reports.
    credentials: Option<(HeaderValue, HeaderValue)>,
    window: std::sync::Arc<std::sync::Mutex<Option<RateWindow>>>,
    throttled: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// Why a client could not be built.
#[derive(Debug)]
pub struct ClientError(String);

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ClientError {}

impl Client {
    /// A client with its own connection pool.
    pub fn new(config: ClientConfig) -> Result<Client, ClientError> {
        let url: http::Uri = format!("{}{}", config.base_url, paths::CUSTOMERS)
            .parse()
            .map_err(|error| {
                ClientError(format!("invalid upstream URL {}: {error}", config.base_url))
            })?;
        if !matches!(url.scheme_str(), Some("http" | "https")) {
            return Err(ClientError(format!(
                "upstream {} must be an http:// or https:// URL",
                config.base_url
            )));
        }
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(config.connect_timeout));
        connector.set_nodelay(true);
        connector.enforce_http(false);
        let connector = HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let http = HyperClient::builder(TokioExecutor::new())
            .pool_max_idle_per_host(256)
            .build(connector);
        let credentials = HeaderValue::from_str(&config.client_key)
            .ok()
            .zip(HeaderValue::from_str(&config.client_secret).ok())
            .map(|(key, mut secret)| {
                secret.set_sensitive(true);
                (key, secret)
            });
        Ok(Client {
            http,
            config,
            url,
            credentials,
            window: Default::default(),
            throttled: Default::default(),
        })
    }

    /// The rate-limit window of the latest response that reported one.
    pub fn rate_window(&self) -> Option<RateWindow> {
        *self
            .window
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// How many 429 answers this client has received.
    pub fn throttled(&self) -> u64 {
        self.throttled.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Creates a customer, retrying with the same `idempotency_key` until an answer, the
    /// attempt limit or the deadline.
    pub async fn create_customer(
        &self,
        request: &CreateCustomerRequest,
        idempotency_key: &str,
    ) -> CreateOutcome {
        let policy = &self.config.retry;
        // The same bytes for every attempt: serialized once.
        let Ok(body) = serde_json::to_vec(request).map(Bytes::from) else {
            return CreateOutcome::Failed(Failure::Unavailable);
        };
        let start = Instant::now();
        let mut last = Failure::Unavailable;
        for attempt in 0..policy.max_attempts.max(1) {
            // The deadline bounds the attempts too, not only the waits between them.
            let left = policy.deadline.saturating_sub(start.elapsed());
            let timeout = self.config.request_timeout.min(left);
            // Boxed: an attempt's state is large, and futures are moved whole as they are
            // wrapped, so this keeps every future above it small.
            let sent = Instant::now();
            let mut status = None;
            let result =
                Box::pin(self.attempt(body.clone(), idempotency_key, timeout, &mut status)).await;
            if let Some(observer) = &self.config.observer {
                observer.attempt(&AttemptReport {
                    number: attempt,
                    status,
                    failure: match &result {
                        Attempt::Retry { failure, .. } => Some(*failure),
                        Attempt::Done(_) => None,
                    },
                    elapsed: sent.elapsed(),
                });
            }
            match result {
                Attempt::Done(outcome) => return outcome,
                Attempt::Retry { failure, after } => {
                    last = failure;
                    // Exponential backoff with full jitter; a server's Retry-After wins, in
                    // full: retrying sooner would only be refused again.
                    let ceiling = policy
                        .base_delay
                        .saturating_mul(1 << attempt.min(16))
                        .min(policy.max_delay);
                    let wait = after.unwrap_or_else(|| ceiling.mul_f64(fastrand::f64()));
                    if start.elapsed().saturating_add(wait) >= policy.deadline {
                        break;
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
        CreateOutcome::Failed(last)
    }

    /// One request and its answer, within `timeout`: the request timeout, or what is left of
    /// the deadline when that is sooner (one timer per attempt, not one for each).
    async fn attempt(
        &self,
        body: Bytes,
        idempotency_key: &str,
        timeout: Duration,
        status: &mut Option<u16>,
    ) -> Attempt {
        let Some((key, secret)) = &self.credentials else {
            return Attempt::Done(CreateOutcome::Failed(Failure::Unauthorized));
        };
        let built = Request::builder()
            .method(Method::POST)
            .uri(self.url.clone())
            .header(header::CONTENT_TYPE, JSON)
            .header(CLIENT_KEY, key)
            .header(CLIENT_SECRET, secret)
            .header(IDEMPOTENCY_KEY, idempotency_key)
            .body(Full::new(body));
        let Ok(built) = built else {
            // Only an idempotency key with characters a header cannot hold gets here (callers
            // pass UUIDs); refused like unusable credentials, as a request we cannot send.
            return Attempt::Done(CreateOutcome::Failed(Failure::Unauthorized));
        };
        let exchange = async {
            let response = self
                .http
                .request(built)
                .await
                .map_err(|_| Failure::Unavailable)?;
            let (parts, body) = response.into_parts();
            // A body cut off mid-way (a dropped connection) is no answer.
            let body = body
                .collect()
                .await
                .map_err(|_| Failure::Unavailable)?
                .to_bytes();
            Ok::<_, Failure>((parts, body))
        };
        let (response, body) = match tokio::time::timeout(timeout, exchange).await {
            Ok(Ok(exchanged)) => exchanged,
            Ok(Err(failure)) => {
                return Attempt::Retry {
                    failure,
                    after: None,
                };
            }
            Err(_) => {
                return Attempt::Retry {
                    failure: Failure::Timeout,
                    after: None,
                };
            }
        };
        *status = Some(response.status.as_u16());
        let status = response.status;
        let number = |name: &str| {
            response
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        if let (Some(limit), Some(remaining), Some(reset_unix)) = (
            number(headers::RATE_LIMIT_LIMIT),
            number(headers::RATE_LIMIT_REMAINING),
            number(headers::RATE_LIMIT_RESET),
        ) {
            let window = RateWindow {
                limit: u32::try_from(limit).unwrap_or(u32::MAX),
                remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
                reset_unix,
            };
            *self
                .window
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(window);
        }
        // An hour at most: anything longer is a broken header, not a plan.
        let retry_after =
            number(headers::RETRY_AFTER).map(|seconds| Duration::from_secs(seconds.min(3600)));
        match status {
            status if status.is_success() => match parsed(&body) {
                Some(customer) => Attempt::Done(CreateOutcome::Created(Box::new(customer))),
                // Created all the same: a body we cannot read must not make us retry (the
                // replay would be just as unreadable) or report a failure.
                None => {
                    let id = parsed::<serde_json::Value>(&body).and_then(|body| {
                        body.get("id").and_then(|id| id.as_str().map(str::to_owned))
                    });
                    Attempt::Done(CreateOutcome::CreatedUnreadable { id })
                }
            },
            StatusCode::BAD_REQUEST => match parsed(&body) {
                Some(invalid) => Attempt::Done(CreateOutcome::Invalid(invalid)),
                None => Attempt::Done(CreateOutcome::Invalid(ValidationErrorBody::new(Vec::new()))),
            },
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                Attempt::Done(CreateOutcome::Failed(Failure::Unauthorized))
            }
            StatusCode::CONFLICT => {
                if parsed(&body)
                    .is_some_and(|conflict: HttpErrorBody| conflict.is_duplicate_email())
                {
                    Attempt::Done(CreateOutcome::DuplicateEmail)
                } else if parsed(&body)
                    .is_some_and(|conflict: IdempotencyErrorBody| conflict.is_in_use())
                {
                    // The first attempt is still running upstream: wait, then replay it.
                    Attempt::Retry {
                        failure: Failure::Busy,
                        after: retry_after,
                    }
                } else {
                    Attempt::Done(CreateOutcome::Failed(Failure::Unavailable))
                }
            }
            StatusCode::UNPROCESSABLE_ENTITY => Attempt::Done(CreateOutcome::IdempotencyMismatch),
            StatusCode::TOO_MANY_REQUESTS => {
                self.throttled
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Attempt::Retry {
                    failure: Failure::Busy,
                    after: retry_after.or(Some(Duration::from_secs(1))),
                }
            }
            status if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT => {
                let failure = if status == StatusCode::GATEWAY_TIMEOUT {
                    Failure::Timeout
                } else {
                    Failure::Unavailable
                };
                Attempt::Retry {
                    failure,
                    after: retry_after,
                }
            }
            _ => Attempt::Done(CreateOutcome::Failed(Failure::Unavailable)),
        }
    }
}
