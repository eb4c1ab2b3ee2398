//! The HTTP surface: the customers routes (behind the rate limit and auth), `/health`, and
//! JSON 404/405 for everything else.

use std::{collections::HashMap, sync::Arc};

use axum::{
    Extension, Json, Router,
    body::Bytes,
    extract::{Path, Query, Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use customer_validation::{Field, RawCustomer, Status, validate};
use devdraft_api::rate_limit::now_unix;
use devdraft_api::{
    Customer, CustomerList, HttpErrorBody, IdempotencyErrorBody, RateLimitBody,
    ValidationErrorBody, error_response, headers, paths,
};
use serde_json::{Value, json};
use time::{OffsetDateTime, format_description::BorrowedFormatItem, macros::format_description};

/// ISO 8601 in UTC with milliseconds, as the API's bodies show times.
const TIMESTAMP: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

use crate::{
    Emulator,
    faults::{FAULT_HEADER, Plan},
    serve::{Hangup, Peer},
    store::{Audit, Filter, IdempotencyRecord, Inserted, NewCustomer, StoreError, Stored},
};

type Shared = Arc<Emulator>;

/// The emulator's routes over `emulator`.
pub fn app(emulator: Arc<Emulator>) -> Router {
    let customers = Router::new()
        .route(paths::CUSTOMERS, post(create).get(list))
        .route(&format!("{}/{{id}}", paths::CUSTOMERS), get(get_one))
        // Outermost first: count the request against its key, then check the credentials.
        .layer(middleware::from_fn_with_state(
            Arc::clone(&emulator),
            authenticate,
        ))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&emulator),
            rate_limit,
        ));
    Router::new()
        .merge(customers)
        .route("/health", get(|| async { Json(json!({"status": "ok"})) }))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(emulator)
}

fn json_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}

fn bad_request(messages: Vec<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(ValidationErrorBody::new(messages)),
    )
        .into_response()
}

fn internal_error(error: StoreError) -> Response {
    if error.is_full() {
        // A limit of the emulator, not a fault: said so, with what to do.
        return error_response(
            StatusCode::INSUFFICIENT_STORAGE,
            "The emulator's database is full: run it with a file database (--db PATH)",
        );
    }
    tracing::error!(%error, "emulator failure");
    error_response(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
}

async fn not_found(method: Method, uri: Uri) -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        format!("Cannot {method} {}", uri.path()),
    )
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("Cannot {method} {}", uri.path()),
    )
}

/// The client key a request authenticated with.
#[derive(Debug, Clone)]
struct ClientKey(String);

async fn rate_limit(State(emulator): State<Shared>, request: Request, next: Next) -> Response {
    let now = now_unix();
    // The key is borrowed from the request only while it is counted.
    let key = request
        .headers()
        .get(headers::CLIENT_KEY)
        .and_then(|key| key.to_str().ok())
        .unwrap_or("");
    let Some(window) = emulator.limiter.hit(key, now) else {
        return next.run(request).await;
    };
    let mut response = if window.limited {
        let retry_after = window.retry_after(now);
        let mut response = (
            StatusCode::TOO_MANY_REQUESTS,
            Json(RateLimitBody::new(retry_after)),
        )
            .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        response
    } else {
        next.run(request).await
    };
    let values = [
        (headers::RATE_LIMIT_LIMIT, u64::from(window.limit)),
        (headers::RATE_LIMIT_REMAINING, u64::from(window.remaining)),
        (headers::RATE_LIMIT_RESET, window.reset),
    ];
    for (name, value) in values {
        response
            .headers_mut()
            .insert(HeaderName::from_static(name), HeaderValue::from(value));
    }
    response
}

async fn authenticate(
    State(emulator): State<Shared>,
    mut request: Request,
    next: Next,
) -> Response {
    let known = {
        let header = |name| {
            request
                .headers()
                .get(name)
                .and_then(|value: &HeaderValue| value.to_str().ok())
        };
        let (key, secret) = (header(headers::CLIENT_KEY), header(headers::CLIENT_SECRET));
        let clients = &emulator.config.clients;
        clients
            .iter()
            .find(|(k, s)| Some(k.as_str()) == key && Some(s.as_str()) == secret)
            .map(|(key, _)| key.clone())
    };
    match known {
        Some(key) => {
            request.extensions_mut().insert(ClientKey(key));
            next.run(request).await
        }
        None => error_response(
            StatusCode::UNAUTHORIZED,
            "Invalid or missing client credentials",
        ),
    }
}

/// Removes an idempotency key from the in-flight set when its request ends, however it ends.
struct InFlight<'a> {
    emulator: &'a Emulator,
    key: (String, String),
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut in_flight = self
            .emulator
            .in_flight
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        in_flight.remove(&self.key);
    }
}

async fn create(
    State(emulator): State<Shared>,
    Extension(ClientKey(client_key)): Extension<ClientKey>,
    peer: Option<Extension<Peer>>,
    hangup: Option<Extension<Hangup>>,
    request_headers: HeaderMap,
    body: Bytes,
) -> Response {
    // NestJS reads a missing body as `{}`.
    let value: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(value) => value,
            Err(error) => {
                return bad_request(vec![format!("Invalid JSON in request body: {error}")]);
            }
        }
    };
    let idempotency_key = match request_headers
        .get(headers::IDEMPOTENCY_KEY)
        .map(HeaderValue::to_str)
    {
        None => None,
        Some(Ok(key)) if uuid::Uuid::try_parse(key).is_ok_and(|key| key.get_version_num() == 4) => {
            Some(key.to_owned())
        }
        Some(_) => return bad_request(vec!["idempotency-key must be a UUID v4".to_owned()]),
    };
    // Keys are sorted in serde_json's map, so equal bodies give equal text.
    let canonical = if idempotency_key.is_some() {
        value.to_string()
    } else {
        String::new()
    };
    let now = now_unix();
    let ttl = i64::try_from(emulator.config.idempotency_ttl.as_secs()).unwrap_or(i64::MAX);

    let _in_flight = match &idempotency_key {
        None => None,
        Some(key) => {
            let entry = (client_key.clone(), key.clone());
            let fresh = emulator
                .in_flight
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .insert(entry.clone());
            if !fresh {
                return (StatusCode::CONFLICT, Json(IdempotencyErrorBody::in_use()))
                    .into_response();
            }
            Some(InFlight {
                emulator: &emulator,
                key: entry,
            })
        }
    };
    if let Some(key) = &idempotency_key {
        let record = IdempotencyRecord {
            client_key: client_key.clone(),
            key: key.clone(),
            request: canonical.clone(),
        };
        match emulator.store.lookup(record, now as i64, ttl).await {
            Ok(None) => {}
            Ok(Some(Stored::Replay { status, body })) => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
                let mut response = json_response(status, body);
                response
                    .headers_mut()
                    .insert("idempotent-replayed", HeaderValue::from_static("true"));
                return response;
            }
            Ok(Some(Stored::Mismatch)) => {
                return (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Json(IdempotencyErrorBody::mismatch()),
                )
                    .into_response();
            }
            Err(error) => return internal_error(error),
        }
    }

    let plan = match &emulator.config.faults {
        None => Plan::default(),
        Some(faults) => faults.plan(
            request_headers
                .get(FAULT_HEADER)
                .and_then(|value| value.to_str().ok()),
        ),
    };
    if plan.error_500 {
        return error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error (injected fault)",
        );
    }
    if let Some(delay) = plan.delay {
        tokio::time::sleep(delay).await;
    }

    let new = match new_customer(&value, &emulator.config.app_id) {
        Ok(new) => new,
        // Failed validation is not stored against the key: fixing the body and retrying works.
        Err(messages) => return bad_request(messages),
    };
    let audit = Audit {
        client_key: client_key.clone(),
        ip: peer.map(|Extension(Peer(peer))| peer.ip().to_string()),
        user_agent: request_headers
            .get(header::USER_AGENT)
            .and_then(|agent| agent.to_str().ok())
            .map(str::to_owned),
        idempotency_key: idempotency_key.clone(),
    };
    let record = idempotency_key.map(|key| IdempotencyRecord {
        client_key,
        key,
        request: canonical,
    });
    let (inserted, body) = match emulator
        .store
        .insert(new, record, audit, now as i64, respond)
        .await
    {
        Ok(inserted) => inserted,
        Err(error) => return internal_error(error),
    };
    if plan.drop_after_commit {
        match hangup {
            Some(Extension(hangup)) => hangup.now().await,
            None => {
                return error_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "drop-after-commit needs a real connection",
                );
            }
        }
    }
    let status = match inserted {
        Inserted::Created(_) => StatusCode::CREATED,
        Inserted::DuplicateEmail => StatusCode::CONFLICT,
    };
    json_response(status, body)
}

/// The stored status and body of an insert's outcome.
fn respond(inserted: &Inserted) -> (u16, String) {
    match inserted {
        // Written in the struct's field order, as the API documents the body.
        Inserted::Created(customer) => {
            (201, serde_json::to_string(&**customer).unwrap_or_default())
        }
        Inserted::DuplicateEmail => (
            409,
            serde_json::to_string(&HttpErrorBody::duplicate_email()).unwrap_or_default(),
        ),
    }
}

/// The customer a body describes, or the 400 messages: the rules' messages, then one per
/// unknown property (NestJS's `forbidNonWhitelisted`).
fn new_customer(value: &Value, app_id: &str) -> Result<NewCustomer, Vec<String>> {
    let raw: RawCustomer<'_> =
        serde::Deserialize::deserialize(value).map_err(|error| vec![error.to_string()])?;
    let unknown: Vec<String> = value
        .as_object()
        .into_iter()
        .flat_map(|object| object.keys())
        .filter(|key| Field::from_name(key).is_none())
        .map(|key| format!("property {key} should not exist"))
        .collect();
    match validate(&raw) {
        Ok(valid) if unknown.is_empty() => {
            let now = OffsetDateTime::now_utc()
                .format(TIMESTAMP)
                .unwrap_or_default();
            Ok(NewCustomer {
                customer: Customer {
                    id: uuid::Uuid::new_v4().to_string(),
                    first_name: valid.first_name.into_owned(),
                    last_name: valid.last_name.into_owned(),
                    email: valid.email.map(|email| email.as_entered().to_owned()),
                    phone_number: valid.phone_number.into_owned(),
                    customer_type: valid.customer_type,
                    status: valid.status,
                    last_spent: 0.into(),
                    last_purchase_date: None,
                    app_id_camel: app_id.to_owned(),
                    app_id: app_id.to_owned(),
                    created_at: now.clone(),
                    updated_at: now,
                },
            })
        }
        Ok(_) => Err(unknown),
        Err(errors) => Err(errors
            .messages()
            .map(str::to_owned)
            .chain(unknown)
            .collect()),
    }
}

async fn get_one(State(emulator): State<Shared>, Path(id): Path<String>) -> Response {
    match emulator
        .store
        .get(emulator.config.app_id.clone(), id.clone())
        .await
    {
        Ok(Some(customer)) => Json(customer).into_response(),
        Ok(None) => error_response(
            StatusCode::NOT_FOUND,
            format!("Customer with ID {id} not found"),
        ),
        Err(error) => internal_error(error),
    }
}

async fn list(
    State(emulator): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let filter = match filter(&query) {
        Ok(filter) => filter,
        Err(messages) => return bad_request(messages),
    };
    let (skip, take) = (filter.skip, filter.take);
    match emulator
        .store
        .list(emulator.config.app_id.clone(), filter)
        .await
    {
        Ok((data, total)) => Json(CustomerList {
            data,
            total,
            skip,
            take,
        })
        .into_response(),
        Err(error) => internal_error(error),
    }
}

/// Reads the list query as NestJS's class-validator would, with its messages.
fn filter(query: &HashMap<String, String>) -> Result<Filter, Vec<String>> {
    let mut messages = Vec::new();
    // The generated SDK sends numbers as floats (`20.0`): whole values are accepted.
    let number = |name: &str, default: u64, min: u64, max: u64, messages: &mut Vec<String>| {
        let Some(text) = query.get(name) else {
            return default;
        };
        match text.parse::<f64>() {
            Ok(n) if n.fract() == 0.0 && n >= min as f64 && n <= max as f64 => n as u64,
            Ok(n) if n.fract() == 0.0 && n < min as f64 => {
                messages.push(format!("{name} must not be less than {min}"));
                default
            }
            Ok(n) if n.fract() == 0.0 => {
                messages.push(format!("{name} must not be greater than {max}"));
                default
            }
            _ => {
                messages.push(format!("{name} must be an integer number"));
                default
            }
        }
    };
    let skip = number("skip", 0, 0, u64::from(u32::MAX), &mut messages);
    let take = number("take", 10, 1, 100, &mut messages);
    let status = match query.get("status") {
        None => None,
        Some(text) => {
            match Status::parse(text) {
                Some(status) => Some(status.as_str()),
                None => {
                    messages.push("status must be one of the following values: ACTIVE, BLACKLISTED, DEACTIVATED".to_owned());
                    None
                }
            }
        }
    };
    if messages.is_empty() {
        Ok(Filter {
            skip,
            take,
            status,
            name: query.get("name").cloned(),
            email: query.get("email").cloned(),
        })
    } else {
        Err(messages)
    }
}
