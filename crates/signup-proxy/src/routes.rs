//! The proxy's HTTP surface: `POST /api/customers`, `GET /api/challenge`, `GET /health`, the
//! static files.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use axum::{
    BoxError, Json, Router,
    body::Bytes,
    error_handling::HandleErrorLayer,
    extract::{
        ConnectInfo, DefaultBodyLimit, FromRequest, Request, State, rejection::BytesRejection,
    },
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use customer_validation::{Field, FieldError, RawCustomer, validate};
use devdraft_api::rate_limit::now_unix;
use devdraft_api::{
    CreateCustomerRequest, DUPLICATE_EMAIL, HttpErrorBody, IdempotencyErrorBody,
    ValidationErrorBody,
    client::{CreateOutcome, Failure},
    error_response,
};
use serde_json::{Value, json};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use tower::ServiceBuilder;
use tower_http::{services::ServeDir, set_header::SetResponseHeaderLayer};

use crate::{
    Proxy, audit::Entry, audit::mask_email, challenge::Refusal, client_ip::client_ip,
    limit::Verdict, origin::OriginPolicyLayer,
};

type Shared = Arc<Proxy>;

/// How long a browser or cache keeps a locale pack.
const PACK_CACHE: &str = "public, max-age=3600";

/// The header that names a request in the audit trail (built at compile time).
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The largest body `POST /api/customers` takes.
pub const MAX_BODY: usize = 16 * 1024;

/// The content security policy of every response: no inline script or style, WebAssembly
/// allowed (`wasm-unsafe-eval`), nothing from other origins, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
                       img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; \
                       form-action 'self'; object-src 'none'";

/// The content security policy of the API's JSON answers: nothing in them may load or run
/// anything, or be framed.
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// The proxy's routes.
pub fn app(proxy: Arc<Proxy>) -> Router {
    // One `layer` call per router: each wraps every route in a boxed service again, which the
    // create path then pays on every request.
    let api = Router::new()
        .route(
            "/api/customers",
            post(create).options(|| async { StatusCode::NO_CONTENT }),
        )
        .route("/api/challenge", get(challenge))
        .layer(
            ServiceBuilder::new()
                // An answer may hold a customer's data: never kept by a browser or a cache.
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("no-store"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(API_CSP),
                ))
                // Even a shed request's 503 carries CORS headers, so the browser can read it.
                .layer(OriginPolicyLayer::new(&proxy.config.allow_origins))
                // Turn "overloaded" into a 503, shed what is over the limit, limit.
                .layer(HandleErrorLayer::new(|_: BoxError| async {
                    error_response(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "The server is busy; retry in a moment",
                    )
                }))
                .load_shed()
                .concurrency_limit(proxy.config.max_concurrency.max(1))
                .layer(DefaultBodyLimit::max(MAX_BODY)),
        );
    let router = Router::new()
        .merge(api)
        .route("/health", get(|| async { Json(json!({"status": "ok"})) }));
    let router = match &proxy.config.static_dir {
        // The widget's files are public and meant for other sites' pages (a module script and
        // its wasm are fetched with CORS), so any origin may read them. The API above is what
        // the origin policy guards.
        Some(dir) => {
            // The widget's locale packs (`locales/TAG.json`) change only with the widget:
            // browsers and caches keep one for an hour (and then revalidate it by date), so a
            // visitor fetches a language once. A missing pack is not kept.
            let pack_cache = SetResponseHeaderLayer::overriding(
                header::CACHE_CONTROL,
                |response: &Response<_>| {
                    response
                        .status()
                        .is_success()
                        .then_some(HeaderValue::from_static(PACK_CACHE))
                },
            );
            let files = Router::new()
                .nest_service(
                    "/locales",
                    ServiceBuilder::new()
                        .layer(pack_cache)
                        .service(ServeDir::new(dir.join("locales"))),
                )
                .fallback_service(ServeDir::new(dir))
                .layer(SetResponseHeaderLayer::overriding(
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    HeaderValue::from_static("*"),
                ));
            router.merge(files)
        }
        None => router.fallback(|| async { error_response(StatusCode::NOT_FOUND, "Not found") }),
    };
    // The security headers every response carries, unless a route set its own (the API sets
    // a stricter CSP).
    let header =
        |name, value| SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value));
    router.with_state(proxy).layer(
        ServiceBuilder::new()
            .layer(header(header::CONTENT_SECURITY_POLICY, CSP))
            .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .layer(header(header::REFERRER_POLICY, "no-referrer"))
            .layer(header(header::X_FRAME_OPTIONS, "DENY")),
    )
}

/// One of the API's error bodies plus our `errors` list (`{field, code, message}` each).
fn with_errors(body: impl serde::Serialize, errors: Value) -> Value {
    let mut body = json!(body);
    body["errors"] = errors;
    body
}

/// What one create produced: the status, the body, and what the audit trail says.
struct Answer {
    status: StatusCode,
    body: Body,
    outcome: &'static str,
    customer_id: Option<String>,
    retry_after: Option<Duration>,
}

/// An answer's JSON: built as a value, or already serialized (the created customer, which goes
/// straight from its type to bytes).
enum Body {
    Value(Value),
    Bytes(Vec<u8>),
}

impl Answer {
    fn new(status: StatusCode, outcome: &'static str, body: Value) -> Answer {
        Answer {
            status,
            body: Body::Value(body),
            outcome,
            customer_id: None,
            retry_after: None,
        }
    }

    /// The same answer, telling the client when to retry.
    fn retry_after(mut self, wait: Duration) -> Answer {
        self.retry_after = Some(wait);
        self
    }

    fn error(status: StatusCode, outcome: &'static str, message: &str) -> Answer {
        Answer::new(
            status,
            outcome,
            json!(HttpErrorBody::for_status(status, message)),
        )
    }

    /// A refused proof of work: 403 with the refusal's stable `code`.
    fn refused(refusal: Refusal) -> Answer {
        let mut answer = Answer::error(StatusCode::FORBIDDEN, refusal.code(), refusal.message());
        if let Body::Value(body) = &mut answer.body {
            body["code"] = json!(refusal.code());
        }
        answer
    }

    /// A 400 in Devdraft's format plus the errors by field.
    fn invalid(errors: &[FieldError], extra: &[&str]) -> Answer {
        let messages = errors
            .iter()
            .map(|error| error.message())
            .chain(extra.iter().copied())
            .map(str::to_owned)
            .collect();
        let body = with_errors(ValidationErrorBody::new(messages), json!(errors));
        Answer::new(StatusCode::BAD_REQUEST, "invalid", body)
    }
}

/// `GET /api/challenge`: a fresh proof-of-work challenge, costlier while the upstream budget
/// runs low; counted by the per-IP limit (in counts of its own, so fetching a challenge does
/// not halve the creates a person may make).
async fn challenge(State(proxy): State<Shared>, request: Request) -> Response {
    if proxy.challenges.is_none() {
        return error_response(
            StatusCode::NOT_FOUND,
            "This server asks for no proof of work: send creates without x-altcha",
        );
    }
    let ip = client_ip(
        peer(&request),
        request.headers(),
        proxy.config.trusted_proxies,
    );
    let now = now_unix();
    if let Some(limiter) = &proxy.limits.per_ip {
        let key = format!("challenge {}", crate::limit::ip_key(ip));
        if let Verdict::Deny { retry_after } = limiter.check(&key, now).await {
            proxy.metrics.denied("ip");
            let mut response = error_response(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests; retry later",
            );
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after.as_secs().max(1)),
            );
            return response;
        }
    }
    let level = challenge_level(&proxy, now).await;
    // One key derivation at the challenge's cost: on the blocking pool, not a worker's loop.
    let issuer = Arc::clone(&proxy);
    let issued = tokio::task::spawn_blocking(move || {
        issuer
            .challenges
            .as_ref()
            .map(|challenges| challenges.issue(level, now))
    })
    .await;
    match issued {
        Ok(Some(Ok(challenge))) => {
            proxy.metrics.challenge(level);
            Json(challenge).into_response()
        }
        failed => {
            let error = match failed {
                Ok(Some(Err(error))) => error.to_string(),
                Err(error) => error.to_string(),
                _ => "no challenge configured".to_owned(),
            };
            tracing::error!(%error, "could not issue a challenge");
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Could not issue a challenge; retry in a moment",
            )
        }
    }
}

/// The cost multiplier challenges have now: from the upstream budget's use in this window
/// (1 without a budget).
async fn challenge_level(proxy: &Proxy, now: u64) -> u32 {
    match &proxy.limits.budget {
        Some(budget) => {
            let spent = budget.spent(&proxy.config.upstream.client_key, now).await;
            crate::challenge::level(spent, budget.per_minute())
        }
        None => 1,
    }
}

/// The peer address of `request` (unspecified when the server did not record it).
fn peer(request: &Request) -> SocketAddr {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(
            SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
            |info| info.0,
        )
}

async fn create(State(proxy): State<Shared>, request: Request) -> Response {
    // Counted until the answer is built, or the client goes away.
    let _in_flight = proxy.metrics.in_flight();
    // The headers are moved out, not cloned as the `HeaderMap` extractor would; the body limit
    // travels in the extensions.
    let peer = peer(&request);
    let (mut parts, body) = request.into_parts();
    let headers = std::mem::take(&mut parts.headers);
    let body = Bytes::from_request(Request::from_parts(parts, body), &()).await;
    // An id to find a log line by, not a secret: a fast generator, not a system call.
    let request_id = uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid();
    let mut request_id_text = uuid::Uuid::encode_buffer();
    let request_id = &*request_id.hyphenated().encode_lower(&mut request_id_text);
    let ip = client_ip(peer, &headers, proxy.config.trusted_proxies);
    let mut email = None;
    let answer = answer(&proxy, ip, &headers, body, &mut email).await;
    proxy.metrics.create(answer.outcome);
    let text = |name| {
        headers
            .get(name)
            .and_then(|value: &HeaderValue| value.to_str().ok())
    };
    // Without an audit log (the default) nothing below is needed: no time formatted, no
    // address or email copied on the path of every create.
    if proxy.audit.enabled() {
        proxy.audit.record(&Entry {
            time: OffsetDateTime::now_utc()
                .format(&Rfc3339)
                .unwrap_or_default(),
            request_id,
            client_ip: ip.to_string(),
            user_agent: text(header::USER_AGENT),
            origin: text(header::ORIGIN),
            outcome: answer.outcome,
            status: answer.status.as_u16(),
            customer_id: answer.customer_id.as_deref(),
            email: email.as_deref().map(mask_email),
        });
    }
    let mut response = match answer.body {
        Body::Value(value) => (answer.status, Json(value)).into_response(),
        Body::Bytes(bytes) => (
            answer.status,
            [(header::CONTENT_TYPE, "application/json")],
            bytes,
        )
            .into_response(),
    };
    if let Ok(id) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert(REQUEST_ID, id);
    }
    if let Some(wait) = answer.retry_after {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(wait.as_secs().max(1)),
        );
    }
    response
}

async fn answer(
    proxy: &Proxy,
    ip: IpAddr,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    email: &mut Option<String>,
) -> Answer {
    if let Some(limiter) = &proxy.limits.per_ip
        && let Verdict::Deny { retry_after } =
            limiter.check(&crate::limit::ip_key(ip), now_unix()).await
    {
        proxy.metrics.denied("ip");
        return Answer::error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many requests; retry later",
        )
        .retry_after(retry_after);
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Answer::error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the customer as JSON (Content-Type: application/json)",
        );
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Answer::error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "The request body is larger than 16 KiB",
            );
        }
        Err(_) => {
            return Answer::error(
                StatusCode::BAD_REQUEST,
                "invalid",
                "The request body could not be read",
            );
        }
    };
    let client_key = match headers.get(devdraft_api::headers::IDEMPOTENCY_KEY) {
        None => None,
        Some(value) => match value
            .to_str()
            .ok()
            .and_then(|key| uuid::Uuid::try_parse(key.trim()).ok())
        {
            Some(key) => Some(key),
            None => {
                return Answer::error(
                    StatusCode::BAD_REQUEST,
                    "invalid",
                    "The idempotency-key header must be a UUID",
                );
            }
        },
    };
    let raw: RawCustomer<'_> = match serde_json::from_slice(&body) {
        Ok(raw) => raw,
        Err(_) => {
            let error = FieldError {
                field: Field::Body,
                code: customer_validation::Code::InvalidBody,
            };
            return Answer::invalid(&[error], &[]);
        }
    };
    let customer = match validate(&raw) {
        Ok(customer) => customer,
        Err(errors) => return Answer::invalid(errors.as_slice(), &[]),
    };
    // After the rules: a person's mistake the form did not catch costs no solution.
    if let Some(challenges) = &proxy.challenges {
        let level = challenge_level(proxy, now_unix()).await;
        if let Err(refusal) = challenges
            .check(headers.get(crate::challenge::HEADER), client_key, level)
            .await
        {
            return Answer::refused(refusal);
        }
    }
    let request = CreateCustomerRequest::from_validated(&customer, proxy.config.phone_format);
    if proxy.audit.enabled() {
        // Already normalized (trimmed, lower-cased) for upstream.
        email.clone_from(&request.email);
    }
    if let Some(budget) = &proxy.limits.budget
        && let Verdict::Deny { retry_after } = budget
            .check(&proxy.config.upstream.client_key, now_unix())
            .await
    {
        proxy.metrics.denied("budget");
        return Answer::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "upstream_budget",
            "Devdraft is busy; retry in a moment",
        )
        .retry_after(retry_after);
    }
    // A browser's key is derived, so it cannot name another deployment's request upstream; a
    // key made up here is random already, and deriving it would add nothing.
    let upstream_key = client_key
        .map_or_else(uuid::Uuid::new_v4, |key| proxy.keys.derive(&key))
        .to_string();
    match proxy.client.create_customer(&request, &upstream_key).await {
        CreateOutcome::Created(customer) => {
            let body = Body::Bytes(serde_json::to_vec(&*customer).unwrap_or_default());
            Answer {
                status: StatusCode::CREATED,
                body,
                outcome: "created",
                customer_id: Some(customer.id.clone()),
                retry_after: None,
            }
        }
        CreateOutcome::CreatedUnreadable { id } => {
            tracing::warn!("Devdraft created a customer but answered with an unexpected body");
            let mut answer = Answer::new(StatusCode::CREATED, "created", json!({ "id": id }));
            answer.customer_id = id;
            answer
        }
        CreateOutcome::Invalid(rejected) => {
            // Only messages we know are passed on, each with its field; the rest is summarised.
            let known: Vec<FieldError> = rejected
                .message
                .iter()
                .filter_map(|m| FieldError::from_message(m))
                .collect();
            let unknown = rejected.message.len() - known.len();
            let extra: &[&str] = if unknown > 0 || known.is_empty() {
                &["Devdraft rejected the request"]
            } else {
                &[]
            };
            Answer::invalid(&known, extra)
        }
        CreateOutcome::DuplicateEmail => {
            let error =
                json!({"field": "email", "code": "duplicate_email", "message": DUPLICATE_EMAIL});
            let body = with_errors(HttpErrorBody::duplicate_email(), json!([error]));
            Answer::new(StatusCode::CONFLICT, "duplicate_email", body)
        }
        CreateOutcome::IdempotencyMismatch => Answer::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_mismatch",
            json!(IdempotencyErrorBody::mismatch()),
        ),
        CreateOutcome::Failed(Failure::Busy) => Answer::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "upstream_busy",
            "Devdraft is busy; retry in a moment",
        )
        .retry_after(Duration::from_secs(5)),
        CreateOutcome::Failed(Failure::Timeout) => Answer::error(
            StatusCode::GATEWAY_TIMEOUT,
            "upstream_timeout",
            "Devdraft did not answer in time; retry with the same idempotency key",
        ),
        CreateOutcome::Failed(Failure::Unavailable) => Answer::error(
            StatusCode::BAD_GATEWAY,
            "upstream_unavailable",
            "Devdraft could not be reached; retry with the same idempotency key",
        ),
        CreateOutcome::Failed(Failure::Unauthorized) => {
            tracing::error!(
                "Devdraft refused the proxy's credentials: check DEVDRAFT_CLIENT_KEY and DEVDRAFT_CLIENT_SECRET"
            );
            Answer::error(
                StatusCode::BAD_GATEWAY,
                "upstream_unauthorized",
                "The server is misconfigured; the request was not sent",
            )
        }
    }
}
