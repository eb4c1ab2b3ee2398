//! Who may call the API from a browser: the page's own origin, and `--allow-origin` ones, which
//! get CORS headers and preflight answers. Any other `Origin` is refused with 403.
//!
//! A tower layer rather than `axum::middleware::from_fn`: that one boxes the rest of the stack
//! and its future on every request, about 5% of the create path's CPU.

use std::{
    convert::Infallible,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll, ready},
};

use axum::{
    extract::Request,
    http::{HeaderValue, Method, StatusCode, header},
    response::Response,
};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

/// Applies the origin policy to the service it wraps.
#[derive(Debug, Clone)]
pub(crate) struct OriginPolicyLayer {
    /// Allowed origins, without a trailing slash (as browsers send them).
    allowed: Arc<[String]>,
}

impl OriginPolicyLayer {
    pub(crate) fn new(allowed: &[String]) -> Self {
        // Browsers send `Origin` without a trailing slash; the configured ones are trimmed to
        // that form once here rather than on every request.
        let allowed = allowed
            .iter()
            .map(|origin| origin.trim_end_matches('/').to_owned())
            .collect();
        OriginPolicyLayer { allowed }
    }
}

impl<S> Layer<S> for OriginPolicyLayer {
    type Service = OriginPolicy<S>;

    fn layer(&self, inner: S) -> OriginPolicy<S> {
        OriginPolicy {
            inner,
            allowed: Arc::clone(&self.allowed),
        }
    }
}

/// See [`OriginPolicyLayer`].
#[derive(Debug, Clone)]
pub(crate) struct OriginPolicy<S> {
    inner: S,
    allowed: Arc<[String]>,
}

/// What an allowed cross-site request's response gets.
struct Cors {
    origin: HeaderValue,
    preflight: bool,
}

/// The verdict on one request.
enum Verdict {
    /// No `Origin` (not a browser's cross-site call: browsers send it with every POST), or the
    /// page's own origin.
    Pass,
    /// A listed origin: passes, and its response carries CORS headers.
    Cors(Cors),
    /// Any other origin.
    Refuse,
}

fn verdict(allowed: &[String], request: &Request) -> Verdict {
    let headers = request.headers();
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Verdict::Pass;
    };
    // No browser sends an origin that is not visible ASCII: refused, never compared.
    let Ok(text) = origin.to_str() else {
        return Verdict::Refuse;
    };
    if allowed.iter().any(|allowed| allowed == text) {
        return Verdict::Cors(Cors {
            origin: origin.clone(),
            preflight: request.method() == Method::OPTIONS,
        });
    }
    let same_origin = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .is_some_and(|host| {
            text.split_once("://")
                .is_some_and(|(_, authority)| authority == host)
        });
    if same_origin {
        Verdict::Pass
    } else {
        Verdict::Refuse
    }
}

impl<S> Service<Request> for OriginPolicy<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = PolicyFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let cors = match verdict(&self.allowed, &request) {
            Verdict::Pass => None,
            Verdict::Cors(cors) => Some(cors),
            Verdict::Refuse => {
                return PolicyFuture::Refused {
                    response: Some(devdraft_api::error_response(
                        StatusCode::FORBIDDEN,
                        "This origin is not allowed to call the API",
                    )),
                };
            }
        };
        PolicyFuture::Inner {
            future: self.inner.call(request),
            cors,
        }
    }
}

pin_project! {
    /// The response of [`OriginPolicy`].
    #[project = PolicyProjection]
    pub(crate) enum PolicyFuture<F> {
        Refused { response: Option<Response> },
        Inner { #[pin] future: F, cors: Option<Cors> },
    }
}

impl<F> Future for PolicyFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            PolicyProjection::Refused { response } => {
                Poll::Ready(Ok(response.take().expect("polled after completion")))
            }
            PolicyProjection::Inner { future, cors } => {
                let Ok(mut response) = ready!(future.poll(cx));
                if let Some(cors) = cors.take() {
                    add_cors_headers(&mut response, cors);
                }
                Poll::Ready(Ok(response))
            }
        }
    }
}

fn add_cors_headers(response: &mut Response, cors: Cors) {
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, cors.origin);
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    // What a widget on another site needs to read: when to retry, and the id to quote.
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("retry-after, x-request-id"),
    );
    if cors.preflight {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type, idempotency-key, x-altcha"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
    }
}
