//! The Devdraft customers API on the wire: what `POST /api/v0/customers` and the reads take and
//! return, the error bodies, and the header names. The emulator, the proxy and the clients all
//! speak through these types, so they cannot drift apart; `../shared/fixtures/devdraft/`
//! holds the API's own bodies, and every one of them round-trips through these types.
//!
//! ```
//! use devdraft_api::{CreateCustomerRequest, ValidationErrorBody};
//!
//! let request: CreateCustomerRequest = serde_json::from_str(
//!     r#"{"first_name": "John", "last_name": "Doe", "phone_number": "+1-555-123-4567"}"#,
//! ).unwrap();
//! assert_eq!(request.email, None);
//!
//! let body = ValidationErrorBody::new(vec!["First name is required".into()]);
//! assert_eq!(
//!     serde_json::to_string(&body).unwrap(),
//!     r#"{"statusCode":400,"message":["First name is required"],"error":"Bad Request"}"#,
//! );
//! ```

#[cfg(feature = "client")]
pub mod client;
pub mod rate_limit;
#[cfg(feature = "server")]
mod server;

#[cfg(feature = "server")]
pub use server::error_response;

use customer_validation::{Customer as Normalized, CustomerType, Status};
use serde::{Deserialize, Serialize};

/// Header names, lower-case as HTTP/2 and axum want them.
pub mod headers {
    /// The client key: who is calling.
    pub const CLIENT_KEY: &str = "x-client-key";
    /// The client secret: proof of it. Never logged, never echoed.
    pub const CLIENT_SECRET: &str = "x-client-secret";
    /// A UUID naming one logical create, so that a retry replays instead of creating again.
    pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
    /// The requests allowed per window.
    pub const RATE_LIMIT_LIMIT: &str = "x-ratelimit-limit";
    /// The requests left in the current window.
    pub const RATE_LIMIT_REMAINING: &str = "x-ratelimit-remaining";
    /// When the current window ends, in unix seconds.
    pub const RATE_LIMIT_RESET: &str = "x-ratelimit-reset";
    /// Seconds to wait before retrying (on 429).
    pub const RETRY_AFTER: &str = "retry-after";
}

/// The API's paths.
pub mod paths {
    /// Create (POST) and list (GET) customers.
    pub const CUSTOMERS: &str = "/api/v0/customers";
}

/// The body of `POST /api/v0/customers`: the six API fields and nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateCustomerRequest {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number.
    pub phone_number: String,
    /// Customer type (the API defaults it to `Individual`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_type: Option<CustomerType>,
    /// Status (the API defaults it to `ACTIVE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

/// Which form of the phone number to send upstream (see DESIGN.md: the documentation shows
/// `+1-555-123-4567`, the published OpenAPI pattern wants E.164 digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PhoneFormat {
    /// As the user entered it, trimmed.
    #[default]
    Entered,
    /// E.164: `+15551234567`.
    E164,
}

impl CreateCustomerRequest {
    /// The request for a validated customer: only the six API fields, normalized (so nothing of
    /// ours, like `phone_e164`, ever goes upstream).
    pub fn from_validated(customer: &Normalized<'_>, phone: PhoneFormat) -> Self {
        CreateCustomerRequest {
            first_name: customer.first_name.to_string(),
            last_name: customer.last_name.to_string(),
            email: customer
                .email
                .as_ref()
                .map(|email| email.normalized().into_owned()),
            phone_number: match phone {
                PhoneFormat::Entered => customer.phone_number.to_string(),
                PhoneFormat::E164 => customer.phone_e164.to_string(),
            },
            customer_type: Some(customer.customer_type),
            status: Some(customer.status),
        }
    }
}

/// A customer as the API returns it (201 body, reads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// The customer's id (a UUID).
    pub id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email, or `null`.
    pub email: Option<String>,
    /// Phone number.
    pub phone_number: String,
    /// Customer type.
    pub customer_type: CustomerType,
    /// Status.
    pub status: Status,
    /// Amount last spent (0 for a new customer).
    pub last_spent: serde_json::Number,
    /// When the customer last bought something, or `null`.
    pub last_purchase_date: Option<String>,
    /// The app the customer belongs to.
    #[serde(rename = "appId")]
    pub app_id_camel: String,
    /// The same app id, in snake case (the API sends both).
    pub app_id: String,
    /// Creation time, ISO 8601.
    #[serde(rename = "createdAt")]
    pub created_at: String,
    /// Last update time, ISO 8601.
    #[serde(rename = "updatedAt")]
    pub updated_at: String,
}

/// A page of customers (`GET /api/v0/customers`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerList {
    /// The customers of this page.
    pub data: Vec<Customer>,
    /// How many customers match the filters, over all pages.
    pub total: u64,
    /// How many were skipped.
    pub skip: u64,
    /// The page size asked for.
    pub take: u64,
}

/// The 400 body: NestJS's ValidationPipe format, one message per failed check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationErrorBody {
    /// Always 400.
    pub status_code: u16,
    /// The messages.
    pub message: Vec<String>,
    /// `Bad Request`.
    pub error: String,
}

impl ValidationErrorBody {
    /// A 400 body with these messages.
    pub fn new(message: Vec<String>) -> Self {
        ValidationErrorBody {
            status_code: 400,
            message,
            error: "Bad Request".to_owned(),
        }
    }
}

/// NestJS's `HttpException` body: 401, 404, the duplicate-email 409.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpErrorBody {
    /// The HTTP status.
    pub status_code: u16,
    /// What happened.
    pub message: String,
    /// The status's reason phrase (`Conflict`, `Unauthorized`, ...).
    pub error: String,
}

impl HttpErrorBody {
    /// A body for `status_code` with its reason phrase.
    pub fn new(status_code: u16, error: &str, message: impl Into<String>) -> Self {
        HttpErrorBody {
            status_code,
            message: message.into(),
            error: error.to_owned(),
        }
    }

    /// The 409 for an email already used in the app.
    pub fn duplicate_email() -> Self {
        HttpErrorBody::new(409, "Conflict", DUPLICATE_EMAIL)
    }

    /// Whether this is the duplicate-email 409.
    pub fn is_duplicate_email(&self) -> bool {
        self.status_code == 409 && self.message == DUPLICATE_EMAIL
    }
}

/// The duplicate-email message, as the API documentation words it.
pub const DUPLICATE_EMAIL: &str = "Customer with the same email already exists";

/// The idempotency errors: 409 `idempotency_key_in_use`, 422 `idempotency_key_mismatch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyErrorBody {
    /// The error.
    pub error: IdempotencyError,
}

/// The inside of [`IdempotencyErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyError {
    /// Always `idempotency_error`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `idempotency_key_in_use` or `idempotency_key_mismatch`.
    pub code: String,
    /// What happened and what to do (the wording is ours; Devdraft may send none).
    #[serde(default)]
    pub message: String,
}

impl IdempotencyErrorBody {
    /// Whether this is the 409 "first request still running" (judged by its code alone).
    pub fn is_in_use(&self) -> bool {
        self.error.code == "idempotency_key_in_use"
    }

    /// 409: the first request with this key has not finished.
    pub fn in_use() -> Self {
        Self::new(
            "idempotency_key_in_use",
            "A request with this idempotency key is still being processed; retry later",
        )
    }

    /// 422: the key was used with another body.
    pub fn mismatch() -> Self {
        Self::new(
            "idempotency_key_mismatch",
            "This idempotency key was already used with a different request body",
        )
    }

    fn new(code: &str, message: &str) -> Self {
        IdempotencyErrorBody {
            error: IdempotencyError {
                kind: "idempotency_error".to_owned(),
                code: code.to_owned(),
                message: message.to_owned(),
            },
        }
    }
}

/// The 429 body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimitBody {
    /// Always 429.
    pub status_code: u16,
    /// `Rate limit exceeded`.
    pub message: String,
    /// Seconds until the window resets.
    pub retry_after: u64,
}

impl RateLimitBody {
    /// The 429 body for a wait of `retry_after` seconds.
    pub fn new(retry_after: u64) -> Self {
        RateLimitBody {
            status_code: 429,
            message: "Rate limit exceeded".to_owned(),
            retry_after,
        }
    }
}
