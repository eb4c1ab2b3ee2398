//! Every body in `../shared/fixtures/devdraft/` round-trips through its wire type unchanged.

use devdraft_api::{
    CreateCustomerRequest, Customer, HttpErrorBody, IdempotencyErrorBody, RateLimitBody,
    ValidationErrorBody,
};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../../shared/fixtures/devdraft/", $name))
    };
}

/// Parses `text` as `T`, writes it back, and checks nothing was lost or added.
#[track_caller]
fn round_trips<T: Serialize + DeserializeOwned>(text: &str) -> T {
    let typed: T = serde_json::from_str(text).expect("the fixture parses as its wire type");
    let original: Value = serde_json::from_str(text).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), original);
    typed
}

#[test]
fn create_request_round_trips() {
    let request: CreateCustomerRequest = round_trips(fixture!("create-request.json"));
    assert_eq!(request.first_name, "John");
}

#[test]
fn created_customer_round_trips() {
    let customer: Customer = round_trips(fixture!("create-201.json"));
    assert_eq!(customer.app_id, customer.app_id_camel);
    assert_eq!(customer.last_purchase_date, None);
}

#[test]
fn error_bodies_round_trip() {
    let bad: ValidationErrorBody = round_trips(fixture!("error-400.json"));
    assert_eq!(bad, ValidationErrorBody::new(bad.message.clone()));
    let duplicate: HttpErrorBody = round_trips(fixture!("error-409-duplicate-email.json"));
    assert_eq!(duplicate, HttpErrorBody::duplicate_email());
    assert!(duplicate.is_duplicate_email());
    let in_use: IdempotencyErrorBody = round_trips(fixture!("error-409-idempotency-in-use.json"));
    assert_eq!(in_use, IdempotencyErrorBody::in_use());
    let mismatch: IdempotencyErrorBody =
        round_trips(fixture!("error-422-idempotency-mismatch.json"));
    assert_eq!(mismatch, IdempotencyErrorBody::mismatch());
    let limited: RateLimitBody = round_trips(fixture!("error-429.json"));
    assert_eq!(limited, RateLimitBody::new(45));
}

#[test]
fn recognises_key_in_use_by_its_code_alone() {
    let bare: IdempotencyErrorBody = serde_json::from_str(
        r#"{"error":{"type":"idempotency_error","code":"idempotency_key_in_use"}}"#,
    )
    .unwrap();
    assert!(bare.is_in_use());
    assert!(!IdempotencyErrorBody::mismatch().is_in_use());
}
