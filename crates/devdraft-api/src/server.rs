//! The one home of an error answer in the API's shape, for both our servers: the emulator
//! answers as Devdraft does, and the proxy answers the browser in the same shape.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};

use crate::HttpErrorBody;

impl HttpErrorBody {
    /// The body for `status`, with its reason phrase (`Not Found`) as `error`.
    pub fn for_status(status: StatusCode, message: impl Into<String>) -> Self {
        HttpErrorBody::new(
            status.as_u16(),
            status.canonical_reason().unwrap_or("Error"),
            message,
        )
    }
}

/// A JSON error response: `{"statusCode", "message", "error"}` with `status`.
pub fn error_response(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(HttpErrorBody::for_status(status, message))).into_response()
}
