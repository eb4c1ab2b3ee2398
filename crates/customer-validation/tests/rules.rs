//! The rules, checked against the shared vectors, per-rule tables, validator.js's own verdicts
//! on emails and (natively) properties. The same file runs in headless Chromium as
//! wasm-bindgen tests: `cargo test -p customer-validation --target wasm32-unknown-unknown`.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use customer_validation::{
    Code, CustomerType, Field, FieldError, Input, RawCustomer, Status, limits, normalize_phone,
    validate, validate_field,
};
use serde_json::{Value, json};

const VECTORS: &str = include_str!("../../../../shared/vectors/customers.json");
const EMAIL_CASES: &str = include_str!("email_cases.json");
const DOC_ERROR_400: &str = include_str!("../../../../shared/fixtures/devdraft/error-400.json");

/// Validates `input` and renders the outcome compactly: `ok` or `field:code field:code`.
fn outcome(input: &Value) -> String {
    let raw = RawCustomer::deserialize_from(input);
    match validate(&raw) {
        Ok(_) => "ok".to_owned(),
        Err(errors) => errors
            .iter()
            .map(|error| format!("{}:{}", error.field, error.code))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// The one helper of the tables: a valid base body with `field` set to `value` must give
/// `expected` (`ok` or `field:code`).
#[track_caller]
fn check(field: &str, value: Value, expected: &str) {
    let mut body =
        json!({"first_name": "John", "last_name": "Doe", "phone_number": "+1-555-123-4567"});
    body[field] = value.clone();
    let got = outcome(&body);
    assert_eq!(got, expected, "{field} = {value}");
    // The per-field entry point agrees with the whole-request one.
    let field = Field::from_name(field).unwrap();
    let single = validate_field(field, input_of(&value)).map(|e| format!("{}:{}", e.field, e.code));
    assert_eq!(
        single.as_deref().unwrap_or("ok"),
        expected,
        "validate_field({field}, {value})"
    );
}

fn input_of(value: &Value) -> Input<'_> {
    match value {
        Value::Null => Input::Null,
        Value::Bool(_) => Input::Bool,
        Value::Number(_) => Input::Number,
        Value::String(text) => Input::Str(text),
        Value::Array(_) => Input::Array,
        Value::Object(_) => Input::Object,
    }
}

trait DeserializeFrom<'a> {
    fn deserialize_from(value: &'a Value) -> Self;
}

impl<'a> DeserializeFrom<'a> for RawCustomer<'a> {
    fn deserialize_from(value: &'a Value) -> Self {
        serde::Deserialize::deserialize(value).expect("every JSON value reads as a RawCustomer")
    }
}

#[test]
fn passes_every_shared_vector() {
    let vectors: Value = serde_json::from_str(VECTORS).unwrap();
    let cases = vectors["cases"].as_array().unwrap();
    assert!(cases.len() >= 50, "the shared vectors were not all read");
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let raw = RawCustomer::deserialize_from(&case["input"]);
        match (validate(&raw), case["valid"].as_bool().unwrap()) {
            (Ok(customer), true) => {
                assert_eq!(
                    serde_json::to_value(&customer).unwrap(),
                    case["value"],
                    "{name}"
                );
            }
            (Err(errors), false) => {
                let got: Vec<Value> = errors
                    .iter()
                    .map(|e| json!({"field": e.field.name(), "code": e.code.as_str()}))
                    .collect();
                assert_eq!(Value::Array(got), case["errors"], "{name}");
            }
            (Ok(customer), false) => panic!("{name}: expected errors, got {customer:?}"),
            (Err(errors), true) => panic!("{name}: expected valid, got {errors:?}"),
        }
    }
}

#[test]
fn gives_the_documented_messages_for_the_doc_error_example() {
    let body = json!({"first_name": "   ", "last_name": "Doe", "email": "not-an-email",
                      "phone_number": "+1-555-123-4567-0000-99"});
    let raw = RawCustomer::deserialize_from(&body);
    let errors = validate(&raw).unwrap_err();
    let mut ours: Vec<&str> = errors.messages().collect();
    let doc: Value = serde_json::from_str(DOC_ERROR_400).unwrap();
    let mut documented: Vec<&str> = doc["message"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    // The doc lists them in another order; ours follow field order (first_name, phone, email).
    assert_eq!(
        ours,
        [
            "First name is required",
            "Phone number cannot exceed 20 characters",
            "Please provide a valid email address"
        ]
    );
    ours.sort_unstable();
    documented.sort_unstable();
    assert_eq!(ours, documented);
}

#[test]
fn every_error_has_its_designed_message() {
    let table = [
        (
            Field::Body,
            Code::InvalidBody,
            "Request body must be a JSON object",
        ),
        (Field::FirstName, Code::Required, "First name is required"),
        (
            Field::FirstName,
            Code::NotAString,
            "First name must be a string",
        ),
        (
            Field::FirstName,
            Code::TooLong,
            "First name cannot exceed 100 characters",
        ),
        (
            Field::FirstName,
            Code::InvalidCharacters,
            "First name contains invalid characters",
        ),
        (Field::LastName, Code::Required, "Last name is required"),
        (
            Field::LastName,
            Code::NotAString,
            "Last name must be a string",
        ),
        (
            Field::LastName,
            Code::TooLong,
            "Last name cannot exceed 100 characters",
        ),
        (
            Field::LastName,
            Code::InvalidCharacters,
            "Last name contains invalid characters",
        ),
        (
            Field::PhoneNumber,
            Code::Required,
            "Phone number is required",
        ),
        (
            Field::PhoneNumber,
            Code::NotAString,
            "Phone number must be a string",
        ),
        (
            Field::PhoneNumber,
            Code::TooLong,
            "Phone number cannot exceed 20 characters",
        ),
        (
            Field::PhoneNumber,
            Code::InvalidCharacters,
            "Phone number may contain only digits, spaces, hyphens and parentheses",
        ),
        (
            Field::PhoneNumber,
            Code::MissingCountryCode,
            "Phone number must start with + and a country code",
        ),
        (
            Field::PhoneNumber,
            Code::InvalidPhone,
            "Please provide a valid phone number",
        ),
        (Field::Email, Code::NotAString, "Email must be a string"),
        (
            Field::Email,
            Code::TooLong,
            "Email cannot exceed 255 characters",
        ),
        (
            Field::Email,
            Code::InvalidEmail,
            "Please provide a valid email address",
        ),
        (
            Field::CustomerType,
            Code::InvalidEnum,
            "Customer type must be one of: Individual, Startup, Small Business, Medium Business, Enterprise, Non-Profit, Government",
        ),
        (
            Field::Status,
            Code::InvalidEnum,
            "Status must be one of: ACTIVE, BLACKLISTED, DEACTIVATED",
        ),
    ];
    for (field, code, message) in table {
        assert_eq!(FieldError { field, code }.message(), message);
    }
    let error = serde_json::to_value(FieldError {
        field: Field::Body,
        code: Code::InvalidBody,
    })
    .unwrap();
    assert_eq!(
        error,
        json!({"field": "", "code": "invalid_body", "message": "Request body must be a JSON object"})
    );
}

#[test]
fn rejects_every_non_object_body_alone() {
    for body in [
        json!([]),
        json!("x"),
        json!(null),
        json!(1),
        json!(true),
        json!([{"first_name": "John"}]),
    ] {
        assert_eq!(outcome(&body), ":invalid_body", "{body}");
    }
    assert_eq!(
        validate_field(Field::Body, Input::Array).unwrap().code,
        Code::InvalidBody
    );
    assert_eq!(validate_field(Field::Body, Input::Object), None);
}

#[test]
fn checks_names() {
    for field in ["first_name", "last_name"] {
        let e = |code: &str| format!("{field}:{code}");
        check(field, json!("Zoë"), "ok");
        check(field, json!(" \t John \n"), "ok");
        check(field, json!("O'Brien-Smith Jr."), "ok");
        check(field, json!("x".repeat(100)), "ok");
        check(field, json!(format!("  {}  ", "x".repeat(100))), "ok");
        check(field, json!("é".repeat(100)), "ok");
        check(field, json!("😀".repeat(100)), "ok");
        check(field, json!("😀".repeat(101)), &e("too_long"));
        check(field, json!("x".repeat(101)), &e("too_long"));
        check(field, Value::Null, &e("required"));
        check(field, json!(""), &e("required"));
        check(field, json!(" \u{3000}\t"), &e("required"));
        check(field, json!(1), &e("not_a_string"));
        check(field, json!(false), &e("not_a_string"));
        check(field, json!(["John"]), &e("not_a_string"));
        check(field, json!({"name": "John"}), &e("not_a_string"));
        check(field, json!("Jo\u{7}hn"), &e("invalid_characters"));
        check(field, json!("Jo\nhn"), &e("invalid_characters"));
        check(field, json!("Jo\u{85}hn"), &e("invalid_characters"));
        check(field, json!("Jo\u{7f}hn"), &e("invalid_characters"));
        for bidi in [
            '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}',
        ] {
            check(
                field,
                json!(format!("Doe{bidi}gnp.exe")),
                &e("invalid_characters"),
            );
        }
        // Marks used by real names and scripts are not overrides.
        check(field, json!("\u{200f}שרה"), "ok");
        check(field, json!("Zoe\u{301}"), "ok");
        // Too long wins over invalid characters: checks run in table order.
        check(
            field,
            json!(format!("{}\u{0}", "x".repeat(101))),
            &e("too_long"),
        );
    }
    let body = json!({"first_name": "   ", "last_name": "Doe", "phone_number": "+15551234567"});
    assert_eq!(outcome(&body), "first_name:required");
}

#[test]
fn checks_phone_numbers() {
    let e = |code: &str| format!("phone_number:{code}");
    for ok in [
        "+1-555-123-4567",
        "+1 (555) 010-9999",
        "+15551234567",
        "+44 20 7946 0958",
        "+44 7911 123456",
        "+33 1 42 86 83 26",
        "+49 30 901820",
        "+81 3-1234-5678",
        "+86 139 1234 5678",
        "+91 98765 43210",
        "+7 495 123-45-67",
        "+61 2 1234 5678",
        "+55 11 91234-5678",
        "+234 802 123 4567",
        "+800 1234 5678",
        "+ 1 555 123 4567",
        "+1 ((555)) 123 4567",
        "  +15551234567\t",
        "+44 (20) 7946-0958 ",
    ] {
        check("phone_number", json!(ok), "ok");
    }
    for (bad, code) in [
        (Value::Null, "required"),
        (json!(""), "required"),
        (json!("   "), "required"),
        (json!(15551234567u64), "not_a_string"),
        (json!(["+15551234567"]), "not_a_string"),
        (json!("+1 555 123 4567 890 12"), "too_long"),
        (json!("+1-555-123-4567-0000-99"), "too_long"),
        (json!("+1 555 1234 x9"), "invalid_characters"),
        (json!("+1.555.123.4567"), "invalid_characters"),
        (json!("+1/555/123/4567"), "invalid_characters"),
        (json!("+1\t555 123 4567"), "invalid_characters"),
        (json!("+١٥٥٥١٢٣٤٥٦٧"), "invalid_characters"),
        (json!("＋15551234567"), "invalid_characters"),
        (json!("++15551234567"), "invalid_characters"),
        (json!("1+5551234567"), "invalid_characters"),
        (json!("15551234567"), "missing_country_code"),
        (json!("(555) 123-4567"), "missing_country_code"),
        (json!("+"), "invalid_phone"),
        (json!("+ - ()"), "invalid_phone"),
        (json!("+1"), "invalid_phone"),
        (json!("+1 555 123 456"), "invalid_phone"),
        (json!("+1 555 123 45678"), "invalid_phone"),
        (json!("+0 555 123 4567"), "invalid_phone"),
        (json!("+01 555 123 4567"), "invalid_phone"),
        (json!("+999 123 456 789"), "invalid_phone"),
        (json!("+1234567890123456"), "invalid_phone"),
        (json!("+1 (555 123-4567"), "invalid_phone"),
        (json!("+1 555) 123-(4567"), "invalid_phone"),
        (json!("+44 20 7946 09"), "invalid_phone"),
    ] {
        check("phone_number", bad.clone(), &e(code));
    }
}

#[test]
fn normalizes_phone_numbers_to_e164() {
    assert_eq!(
        normalize_phone("+1 (555) 123-4567").unwrap().as_str(),
        "+15551234567"
    );
    assert_eq!(
        normalize_phone(" +44 20 7946 0958 ").unwrap().as_str(),
        "+442079460958"
    );
    assert_eq!(
        normalize_phone("+44 20 7946 0958").unwrap().digits(),
        "442079460958"
    );
    assert_eq!(normalize_phone("555-123-4567"), None);
    assert_eq!(normalize_phone("+1 555"), None);
    // A national prefix after the calling code is read as libphonenumber reads it: stripped
    // when the rest is a possible number, and never in the E.164 form.
    for (entered, e164) in [
        ("+44 (0)20 7946 0958", "+442079460958"),
        ("+7 8 495 123 4567", "+74951234567"),
        ("+86 010 1234 5678", "+861012345678"),
        ("+1 1 555 123 4567", "+15551234567"),
        ("+33 0 1 23 45 67 89", "+33123456789"),
        ("+49 030 123456", "+4930123456"),
        ("+54 011 15 1234 5678", "+5491112345678"),
        ("+39 06 1234 5678", "+390612345678"),
    ] {
        assert_eq!(
            normalize_phone(entered).map(|e164| e164.as_str().to_owned()),
            Some(e164.to_owned()),
            "{entered}"
        );
    }
    // Lengths only a local number has (no area code) are not possible numbers.
    for local in [
        "+1 555 1234",
        "+44 1624 12345",
        "+290 81234",
        "+599 3123 4567",
    ] {
        assert_eq!(normalize_phone(local), None, "{local}");
    }
    // E.164 allows 15 digits, whatever libphonenumber-js says of longer ones.
    assert_eq!(normalize_phone("+49 1512 3456789 0123"), None);
}

#[test]
fn checks_emails() {
    let e = |code: &str| format!("email:{code}");
    check("email", Value::Null, "ok");
    check("email", json!(""), "ok");
    check("email", json!(" \n "), "ok");
    check("email", json!("john@example.com"), "ok");
    check("email", json!("  John@Example.COM "), "ok");
    check("email", json!(42), &e("not_a_string"));
    check("email", json!(true), &e("not_a_string"));
    check("email", json!(["a@b.co"]), &e("not_a_string"));
    let local = "a".repeat(64);
    let long = format!("{local}@{}.com", "b".repeat(187));
    assert_eq!(long.chars().count(), 256);
    check("email", json!(long), &e("too_long"));
    check("email", json!(format!("  {local}@example.com  ")), "ok");
    check(
        "email",
        json!(format!("{}@example.com", "a".repeat(65))),
        &e("invalid_email"),
    );
    check("email", json!("john@localhost"), &e("invalid_email"));
    check(
        "email",
        json!("John Doe <john@example.com>"),
        &e("invalid_email"),
    );
}

#[test]
fn lower_cases_and_trims_emails() {
    let body = json!({"first_name": "A", "last_name": "B", "phone_number": "+15551234567",
                      "email": "  ÉLODIE.Dupont@Exämple.FR "});
    let raw = RawCustomer::deserialize_from(&body);
    let customer = validate(&raw).unwrap();
    let email = customer.email.unwrap();
    assert_eq!(email.as_entered(), "ÉLODIE.Dupont@Exämple.FR");
    assert!(email.may_need_lowercasing());
    assert_eq!(email.normalized(), "élodie.dupont@exämple.fr");
}

#[test]
fn accepts_exactly_the_emails_validator_js_accepts() {
    let cases: Value = serde_json::from_str(EMAIL_CASES).unwrap();
    let cases = cases["cases"].as_array().unwrap();
    assert!(cases.len() >= 300);
    let mut disagreements = Vec::new();
    for case in cases {
        let (email, accepted) = (case[0].as_str().unwrap(), case[1].as_bool().unwrap());
        let error = validate_field(Field::Email, Input::Str(email));
        // Blank means "no email" to us; too long is reported before the isEmail check.
        let ours = match error {
            None => email.trim().is_empty() || accepted,
            Some(error) => !accepted && matches!(error.code, Code::InvalidEmail | Code::TooLong),
        };
        let agree = if email.trim().is_empty() {
            error.is_none()
        } else {
            ours && (error.is_none() == accepted)
        };
        if !agree {
            disagreements.push(format!(
                "{email:?}: validator.js says {accepted}, we say {error:?}"
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[test]
fn checks_enums_exactly() {
    for value in CustomerType::ALL {
        check("customer_type", json!(value.as_str()), "ok");
    }
    for value in Status::ALL {
        check("status", json!(value.as_str()), "ok");
    }
    assert_eq!(CustomerType::ALL.len(), 7);
    assert_eq!(Status::ALL.len(), 3);
    for (field, bad) in [
        ("customer_type", json!("individual")),
        ("customer_type", json!(" Startup")),
        ("customer_type", json!("Business")),
        ("customer_type", json!("")),
        ("customer_type", json!(1)),
        ("customer_type", json!(["Startup"])),
        ("status", json!("active")),
        ("status", json!("DELETED")),
        ("status", json!("ACTIVE ")),
        ("status", json!(false)),
    ] {
        check(field, bad, &format!("{field}:invalid_enum"));
    }
}

#[test]
fn defaults_enums_and_drops_unknown_fields() {
    let body = json!({"first_name": "A", "last_name": "B", "phone_number": "+15551234567",
                      "customer_type": null, "role": "admin", "phone_e164": "+1", "id": 7});
    let raw = RawCustomer::deserialize_from(&body);
    let customer = validate(&raw).unwrap();
    assert_eq!(customer.customer_type, CustomerType::Individual);
    assert_eq!(customer.status, Status::Active);
    assert_eq!(
        serde_json::to_value(&customer).unwrap(),
        json!({"first_name": "A", "last_name": "B", "phone_number": "+15551234567",
               "customer_type": "Individual", "status": "ACTIVE", "phone_e164": "+15551234567"})
    );
}

#[test]
fn reports_one_error_per_field_in_field_order() {
    let body = json!({"status": 1, "customer_type": "x", "email": "@", "phone_number": "12",
                      "last_name": 5, "first_name": ""});
    assert_eq!(
        outcome(&body),
        "first_name:required last_name:not_a_string phone_number:missing_country_code \
         email:invalid_email customer_type:invalid_enum status:invalid_enum"
    );
}

#[test]
fn keeps_the_last_of_repeated_keys_like_json_parse() {
    let raw: RawCustomer<'_> = serde_json::from_str(
        r#"{"first_name": 1, "first_name": "Ann", "last_name": "B", "phone_number": "+15551234567"}"#,
    )
    .unwrap();
    assert_eq!(validate(&raw).unwrap().first_name, "Ann");
}

#[test]
fn reads_escaped_strings() {
    let raw: RawCustomer<'_> = serde_json::from_str(
        r#"{"first_name": "Jo\u00e9", "last_name": "D\"oe", "phone_number": "+1\u0020555 123 4567"}"#,
    )
    .unwrap();
    let customer = validate(&raw).unwrap();
    assert_eq!(
        (&*customer.first_name, &*customer.last_name),
        ("Joé", "D\"oe")
    );
}

#[test]
fn exposes_the_limits_forms_need() {
    assert_eq!(
        (
            limits::NAME_MAX_CHARS,
            limits::PHONE_MAX_CHARS,
            limits::EMAIL_MAX_CHARS
        ),
        (100, 20, 255)
    );
}

#[test]
fn lists_every_error_once_with_its_own_message_and_key() {
    let mut keys = Vec::new();
    for error in FieldError::ALL {
        assert_eq!(FieldError::from_message(error.message()), Some(error));
        keys.push(error.key());
    }
    assert_eq!(
        keys[..4],
        [
            "invalid_body",
            "first_name.required",
            "first_name.not_a_string",
            "first_name.too_long"
        ]
    );
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), FieldError::ALL.len());
    // Every check table above produces only listed errors; so does the property test below.
    for (field, value) in [
        ("first_name", json!("")),
        ("email", json!("x")),
        ("status", json!("x")),
    ] {
        let body = json!({ field: value });
        let raw = RawCustomer::deserialize_from(&body);
        for error in validate(&raw).unwrap_err().iter() {
            assert!(FieldError::ALL.contains(error), "{error:?}");
        }
    }
}

#[test]
fn states_its_limits_and_values_as_the_placeholders_of_translations() {
    for error in FieldError::ALL {
        // The English message is its own template with the rules' number or values written in.
        let mut template = error.message().to_owned();
        if let Some(limit) = error.limit() {
            assert_eq!(template.matches(&limit.to_string()).count(), 1, "{error:?}");
            template = template.replace(&limit.to_string(), "{max}");
        }
        if let Some(values) = error.values() {
            assert!(template.ends_with(&format!(": {values}")), "{error:?}");
        }
        assert_eq!(error.limit().is_some(), error.code == Code::TooLong);
        assert_eq!(error.values().is_some(), error.code == Code::InvalidEnum);
    }
    let join = |values: Vec<&str>| values.join(", ");
    let customer_type = FieldError::ALL[18];
    assert_eq!(
        customer_type.values(),
        Some(
            join(
                CustomerType::ALL
                    .iter()
                    .map(|value| value.as_str())
                    .collect()
            )
            .as_str()
        )
    );
    let status = FieldError::ALL[19];
    assert_eq!(
        status.values(),
        Some(join(Status::ALL.iter().map(|value| value.as_str()).collect()).as_str())
    );
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<String>().prop_map(Value::from),
            "[+ 0-9()-]{0,24}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::from),
                prop::collection::hash_map(
                    prop_oneof![
                        Just("first_name".to_owned()),
                        Just("last_name".to_owned()),
                        Just("phone_number".to_owned()),
                        Just("email".to_owned()),
                        Just("customer_type".to_owned()),
                        Just("status".to_owned()),
                        any::<String>(),
                    ],
                    inner,
                    0..8
                )
                .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    /// Bodies that are mostly valid, with the variety the rules care about.
    fn customer_like() -> impl Strategy<Value = Value> {
        (
            "[ \t]{0,2}[\\p{L} '.-]{1,100}[ \t]{0,2}",
            "[ \t]{0,2}\\PC{1,100}",
            prop_oneof![
                "\\+1[ -]?[2-9][0-9]{2}[ -]?[0-9]{3}[ -]?[0-9]{4}",
                "\\+44 ?[1-9][0-9]{9}",
                "\\+49[0-9]{5,13}",
                "\\+[0-9 ()-]{1,19}",
            ],
            prop_oneof![
                Just(Value::Null),
                "[A-Za-z0-9._%+-]{1,20}@[A-Za-z0-9-]{1,20}\\.[A-Za-z]{2,6}".prop_map(Value::from),
                "[ ]{0,2}\\PC{0,30}".prop_map(Value::from),
            ],
            prop::sample::select(CustomerType::ALL),
            prop::sample::select(Status::ALL),
        )
            .prop_map(|(first, last, phone, email, customer_type, status)| {
                json!({"first_name": first, "last_name": last, "phone_number": phone, "email": email,
                       "customer_type": customer_type.as_str(), "status": status.as_str()})
            })
    }

    proptest! {
        #[test]
        fn never_panics_on_any_json_value(value in any_json()) {
            let raw = RawCustomer::deserialize_from(&value);
            // Every error reported is one a locale pack translates.
            for error in validate(&raw).err().iter().flatten() {
                prop_assert!(FieldError::ALL.contains(error), "{error:?} is not in FieldError::ALL");
            }
            // And the same from text, the way the proxy and the CLI read it.
            let text = serde_json::to_string(&value).unwrap();
            let raw: RawCustomer<'_> = serde_json::from_str(&text).unwrap();
            let _ = validate(&raw);
        }

        #[test]
        fn validating_a_normalized_value_returns_it_unchanged(body in customer_like()) {
            let raw = RawCustomer::deserialize_from(&body);
            if let Ok(customer) = validate(&raw) {
                let normalized = serde_json::to_value(&customer).unwrap();
                let again = RawCustomer::deserialize_from(&normalized);
                let customer_again = validate(&again).expect("a normalized customer is valid");
                prop_assert_eq!(serde_json::to_value(&customer_again).unwrap(), normalized);
            }
        }

        #[test]
        fn per_field_checks_agree_with_the_whole_request(body in customer_like()) {
            let raw = RawCustomer::deserialize_from(&body);
            let whole = validate(&raw).err();
            for field in Field::API {
                let single = validate_field(field, raw.get(field).as_input());
                prop_assert_eq!(single, whole.and_then(|errors| errors.get(field)));
            }
        }
    }
}

/// libphonenumber-js's own verdicts (`isPossiblePhoneNumber`) and E.164 forms on some 20,000
/// numbers of every calling code, written by `cargo xtask gen-phone`.
const PHONE_CORPUS: &str = include_str!("data/phone_corpus.tsv");

#[test]
fn reads_every_phone_number_of_the_corpus_as_libphonenumber_js_does() {
    let mut checked = 0;
    let mut disagreements = Vec::new();
    for line in PHONE_CORPUS.lines() {
        let mut columns = line.split('\t');
        let (Some(input), Some(possible), Some(e164)) =
            (columns.next(), columns.next(), columns.next())
        else {
            panic!("corpus line {line:?} is not INPUT<TAB>0|1<TAB>E164");
        };
        // Possible for libphonenumber-js, and within E.164's 15 digits.
        let expected = (possible == "1" && e164.len() <= 1 + 15).then_some(e164);
        let got = normalize_phone(input);
        if got.as_ref().map(|e164| e164.as_str()) != expected {
            disagreements.push(format!(
                "{input:?}: {got:?}, libphonenumber-js {expected:?}"
            ));
        }
        checked += 1;
    }
    assert!(checked >= 20_000, "the corpus has {checked} numbers");
    assert!(
        disagreements.is_empty(),
        "{} of {checked} disagree, first: {:#?}",
        disagreements.len(),
        &disagreements[..disagreements.len().min(25)]
    );
}
