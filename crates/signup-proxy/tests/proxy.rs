//! The proxy over real HTTP on 127.0.0.1, in front of the emulator.

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use devdraft_api::client::{ClientConfig, RetryPolicy};
use devdraft_emulator::{Config as EmulatorConfig, Emulator, Faults};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use signup_proxy::{ChallengeConfig, Config, Proxy, app};

const KEY: &str = "proxy-test-key";
const SECRET: &str = "proxy-test-secret-do-not-leak";

struct Setup {
    proxy: String,
    emulator: String,
    db: PathBuf,
    audit: PathBuf,
    http: Client,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Setup {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("signup-proxy-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An emulator (file database) and a proxy in front of it; `tune` adjusts both configs.
async fn setup(name: &str, tune: impl FnOnce(&mut EmulatorConfig, &mut Config)) -> Setup {
    let dir = temp(name);
    let mut emulator_config = EmulatorConfig::new(KEY, SECRET);
    emulator_config.rate_limit = 0;
    let emulator_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let emulator = format!("http://{}", emulator_listener.local_addr().unwrap());
    let mut upstream = ClientConfig::new(&emulator, KEY, SECRET);
    upstream.retry = RetryPolicy {
        max_attempts: 10,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(100),
        deadline: Duration::from_secs(10),
    };
    upstream.request_timeout = Duration::from_secs(2);
    let mut config = Config::new(upstream);
    config.rate_limit = 0;
    config.audit_log = Some(dir.join("audit.jsonl"));
    tune(&mut emulator_config, &mut config);
    let db = dir.join("emulator.sqlite3");
    let emulator_app =
        devdraft_emulator::app(Arc::new(Emulator::open(emulator_config, &db).unwrap()));
    let proxy_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = format!("http://{}", proxy_listener.local_addr().unwrap());
    let proxy_app = app(Arc::new(Proxy::new(config).unwrap()))
        .into_make_service_with_connect_info::<SocketAddr>();
    let tasks = vec![
        tokio::spawn(async move {
            let _ = devdraft_emulator::serve(emulator_listener, emulator_app).await;
        }),
        tokio::spawn(async move {
            let _ = axum::serve(proxy_listener, proxy_app).await;
        }),
    ];
    Setup {
        proxy,
        emulator,
        db,
        audit: dir.join("audit.jsonl"),
        http: Client::new(),
        tasks,
    }
}

impl Setup {
    fn post(&self) -> reqwest::RequestBuilder {
        self.http.post(format!("{}/api/customers", self.proxy))
    }

    /// Submits `body` with `idempotency-key: key`.
    async fn submit_keyed(&self, key: &str, body: &Value) -> Response {
        self.post()
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// A browser's preflight of a create from a page of `origin` sending `headers`.
    async fn preflight(&self, origin: &str, headers: &str) -> Response {
        self.http
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/api/customers", self.proxy),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", headers)
            .send()
            .await
            .unwrap()
    }

    /// Submits `body` from a page of `origin` (the browser's `Origin` header).
    async fn submit_with_origin(&self, origin: impl AsRef<str>, body: &Value) -> Response {
        self.post()
            .header("origin", origin.as_ref())
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Submits `body` as if through a proxy that sent `x-forwarded-for: forwarded`.
    async fn submit_from(&self, forwarded: impl AsRef<str>, body: &Value) -> Response {
        self.post()
            .header("x-forwarded-for", forwarded.as_ref())
            .json(body)
            .send()
            .await
            .unwrap()
    }

    async fn submit(&self, body: &Value) -> Response {
        self.post().json(body).send().await.unwrap()
    }

    /// How many customers the emulator holds.
    async fn upstream_total(&self) -> u64 {
        let list: Value = self
            .http
            .get(format!("{}/api/v0/customers?take=1", self.emulator))
            .header("x-client-key", KEY)
            .header("x-client-secret", SECRET)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list["total"].as_u64().unwrap()
    }

    fn upstream_attempts(&self, status: u16) -> u64 {
        let connection = rusqlite::Connection::open(&self.db).unwrap();
        connection
            .query_row(
                "SELECT count(*) FROM audit WHERE status = ?1",
                [status],
                |row| row.get(0),
            )
            .unwrap()
    }
}

fn customer(i: usize) -> Value {
    json!({"first_name": format!(" Ann{i} "), "last_name": "Lee", "phone_number": "+1-555-123-4567",
           "email": format!("Ann{i}@Example.com")})
}

/// Everything a browser can see of a response, to check no secret is in it.
async fn visible(response: Response) -> (StatusCode, String) {
    let status = response.status();
    let headers = format!("{:?}", response.headers());
    (
        status,
        format!("{headers}\n{}", response.text().await.unwrap()),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_exactly_once_under_upstream_faults() {
    let setup = setup("faults", |emulator, _| {
        emulator.faults = Some(
            Faults::parse("drop-after-commit=0.15,error-500=0.1,delay-ms=50@0.1,seed=11").unwrap(),
        );
    })
    .await;
    let setup = Arc::new(setup);
    let submissions: Vec<_> = (0..200)
        .map(|i| {
            let setup = Arc::clone(&setup);
            tokio::spawn(async move {
                let key = uuid::Uuid::new_v4().to_string();
                let response = setup.submit_keyed(&key, &customer(i)).await;
                response.status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for submission in submissions {
        statuses.push(submission.await.unwrap());
    }
    assert!(
        statuses.iter().all(|status| *status == StatusCode::CREATED),
        "{statuses:?}"
    );
    // About a third of first attempts fail (dropped after commit, 500, delayed): without the
    // retries with one key, submissions fail; with retries but a new key, customers double.
    assert_eq!(
        setup.upstream_total().await,
        200,
        "exactly one customer per submission"
    );
}

#[tokio::test]
async fn forwards_only_the_normalized_fields_and_passes_the_customer_through() {
    let setup = setup("normalized", |_, _| {}).await;
    let response = setup.submit(&json!({"first_name": "  John ", "last_name": "Doe", "phone_number": " +1-555-123-4567 ",
        "email": " John.Doe@Example.COM ", "role": "admin", "phone_e164": "+1", "last_spent": 99})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        (body["first_name"].as_str(), body["email"].as_str()),
        (Some("John"), Some("john.doe@example.com"))
    );
    assert_eq!(body["phone_number"], "+1-555-123-4567");
    assert_eq!(
        body["last_spent"], 0,
        "unknown fields never reach Devdraft (the emulator refuses them)"
    );
}

#[tokio::test]
async fn sends_the_e164_form_when_asked() {
    let setup = setup("e164", |_, config| {
        config.phone_format = devdraft_api::PhoneFormat::E164
    })
    .await;
    let body: Value = setup.submit(&customer(1)).await.json().await.unwrap();
    assert_eq!(body["phone_number"], "+15551234567");
}

#[tokio::test]
async fn replays_a_retried_submission_instead_of_creating_again() {
    let setup = setup("replay", |_, _| {}).await;
    let key = uuid::Uuid::new_v4().to_string();
    let first: Value = setup
        .submit_keyed(&key, &customer(1))
        .await
        .json()
        .await
        .unwrap();
    let again = setup.submit_keyed(&key, &customer(1)).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
    assert_eq!(setup.upstream_total().await, 1);
    let changed = setup.submit_keyed(&key, &customer(2)).await;
    assert_eq!(changed.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn maps_a_duplicate_email_to_the_email_field_without_retrying() {
    let setup = setup("duplicate", |_, _| {}).await;
    assert_eq!(
        setup.submit(&customer(1)).await.status(),
        StatusCode::CREATED
    );
    let response = setup.submit(&customer(1)).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"],
        json!([{"field": "email", "code": "duplicate_email", "message": "Customer with the same email already exists"}])
    );
    assert_eq!(
        setup.upstream_attempts(409),
        1,
        "one attempt upstream, never retried"
    );
}

#[tokio::test]
async fn answers_400_in_devdraft_format_with_errors_by_field() {
    let setup = setup("invalid", |_, _| {}).await;
    let response = setup.submit(&json!({"first_name": "   ", "last_name": "Doe", "email": "not-an-email", "phone_number": "+1-555-123-4567-0000-99"})).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["statusCode"], 400);
    assert_eq!(body["error"], "Bad Request");
    assert_eq!(
        body["message"],
        json!([
            "First name is required",
            "Phone number cannot exceed 20 characters",
            "Please provide a valid email address"
        ])
    );
    assert_eq!(
        body["errors"][1],
        json!({"field": "phone_number", "code": "too_long", "message": "Phone number cannot exceed 20 characters"})
    );
    assert_eq!(setup.upstream_total().await, 0);
}

#[tokio::test]
async fn refuses_what_is_not_json_too_large_or_badly_keyed() {
    let setup = setup("refuses", |_, _| {}).await;
    let response = setup
        .post()
        .header("content-type", "text/plain")
        .body("first_name=John")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let response = setup
        .post()
        .body(r#"{"first_name":"John"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "no content type is not JSON"
    );
    let big = json!({"first_name": "x".repeat(17 * 1024)});
    let response = setup.submit(&big).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.json::<Value>().await.unwrap()["statusCode"], 413);
    let response = setup
        .post()
        .header("idempotency-key", "retry-1")
        .json(&customer(1))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("idempotency-key header must be a UUID")
    );
    let response = setup
        .post()
        .header("content-type", "application/json; charset=utf-8")
        .body(customer(2).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "a charset parameter is fine"
    );
}

#[tokio::test]
async fn answers_hostile_input_with_4xx_and_a_clear_message() {
    let setup = setup("hostile", |_, _| {}).await;
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let nested_object = format!(
        "{{\"first_name\": {}1{}}}",
        "{\"a\":".repeat(3000),
        "}".repeat(3000)
    );
    let bodies: Vec<Vec<u8>> = vec![
        deep.into_bytes(),
        nested_object.into_bytes(),
        format!(r#"{{"first_name": "{}"}}"#, "é".repeat(8000)).into_bytes(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"\"John\"".to_vec(),
        b"42".to_vec(),
        b"".to_vec(),
        b"{".to_vec(),
        br#"{"first_name": null, "last_name": null, "phone_number": null, "email": null}"#.to_vec(),
        br#"{"first_name": 1, "last_name": true, "phone_number": [], "email": {}, "customer_type": 2, "status": null}"#.to_vec(),
        b"{\"first_name\": \"Jo\xffhn\", \"last_name\": \"Doe\", \"phone_number\": \"+15551234567\"}".to_vec(),
        br#"{"first_name": "Jo\u0000hn", "last_name": "D\u202eoe", "phone_number": "+1\u0007555"}"#.to_vec(),
        br#"{"first_name": "\ud800", "last_name": "Doe", "phone_number": "+15551234567"}"#.to_vec(),
        br#"{"__proto__": {"admin": true}, "constructor": 1}"#.to_vec(),
    ];
    for body in bodies {
        let shown = String::from_utf8_lossy(&body)
            .chars()
            .take(60)
            .collect::<String>();
        let response = setup
            .post()
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert!(status.is_client_error(), "{shown}: {status}");
        let answer: Value = response.json().await.expect("every answer is JSON");
        assert!(
            answer["message"].is_string()
                || answer["message"].as_array().is_some_and(|m| !m.is_empty()),
            "{shown}: {answer}"
        );
    }
    assert_eq!(setup.upstream_total().await, 0);
}

#[tokio::test]
async fn allows_same_origin_and_listed_origins_and_refuses_others() {
    let setup = setup("cors", |_, config| {
        config.allow_origins = vec!["https://shop.example".into()]
    })
    .await;
    let host = setup.proxy.trim_start_matches("http://").to_owned();
    let response = setup
        .submit_with_origin(format!("http://{host}"), &customer(1))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED, "same origin");
    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin")
    );

    let response = setup
        .submit_with_origin("https://shop.example", &customer(2))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://shop.example"
    );
    assert!(
        response.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .contains("retry-after")
    );

    let preflight = setup
        .preflight("https://shop.example", "content-type, idempotency-key")
        .await;
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://shop.example"
    );
    assert!(
        preflight.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("idempotency-key")
    );

    for origin in [
        "https://evil.example",
        "null",
        "https://shop.example.evil.example",
    ] {
        let response = setup.submit_with_origin(origin, &customer(3)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{origin}");
        assert!(
            !response
                .headers()
                .contains_key("access-control-allow-origin")
        );
        let preflight = setup
            .http
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/api/customers", setup.proxy),
            )
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(preflight.status(), StatusCode::FORBIDDEN, "{origin}");
    }
    assert_eq!(setup.upstream_total().await, 2);
}

#[tokio::test]
async fn rate_limits_per_client_ip_and_a_spoofed_header_buys_nothing() {
    let setup = setup("limit", |_, config| {
        config.rate_limit = 3;
        config.trusted_proxies = 1;
    })
    .await;
    for i in 0..3 {
        let response = setup
            .submit_from(format!("198.51.100.{i}, 203.0.113.7"), &customer(i))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let response = setup
        .submit_from("198.51.100.99, 203.0.113.7", &customer(9))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "a new spoofed left hop is the same client"
    );
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    let response = setup.submit_from("203.0.113.8", &customer(10)).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "another client has its own bucket"
    );

    let direct = setup_direct_limit().await;
    for i in 0..2 {
        let response = direct
            .submit_from(format!("198.51.100.{i}"), &customer(i))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let response = direct.submit_from("198.51.100.77", &customer(7)).await;
    assert_eq!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "with no trusted proxy the header is ignored"
    );
}

async fn setup_direct_limit() -> Setup {
    setup("limit-direct", |_, config| config.rate_limit = 2).await
}

#[tokio::test]
async fn answers_502_with_a_clear_error_when_devdraft_is_down_or_refuses_the_key() {
    let setup = setup("down", |_, config| {
        config.upstream.base_url = "http://127.0.0.1:9".into();
        config.upstream.retry.deadline = Duration::from_millis(300);
    })
    .await;
    let (status, text) = visible(setup.submit(&customer(1)).await).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(
        text.contains("retry with the same idempotency key"),
        "{text}"
    );

    let setup = setup_wrong_secret().await;
    let (status, text) = visible(setup.submit(&customer(1)).await).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(!text.contains("wrong-secret"), "{text}");
    assert!(
        !text.contains("Invalid or missing client credentials"),
        "upstream bodies are not echoed: {text}"
    );
}

#[tokio::test]
async fn answers_504_when_devdraft_does_not_answer_in_time() {
    let slow = || Some(Faults::parse("delay-ms=3000@1").unwrap());
    // The whole create's deadline cuts an attempt that the request timeout would still wait for.
    let deadline = setup("deadline", |emulator, config| {
        emulator.faults = slow();
        config.upstream.request_timeout = Duration::from_secs(30);
        config.upstream.retry.deadline = Duration::from_millis(300);
    })
    .await;
    let (status, text) = visible(deadline.submit(&customer(1)).await).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{text}");
    assert!(text.contains("did not answer in time"), "{text}");
    // Each attempt times out, and the attempts run out before the deadline.
    let attempts = setup("attempt-timeout", |emulator, config| {
        emulator.faults = slow();
        config.upstream.request_timeout = Duration::from_millis(100);
        config.upstream.retry.max_attempts = 2;
    })
    .await;
    let (status, text) = visible(attempts.submit(&customer(2)).await).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{text}");
}

async fn setup_wrong_secret() -> Setup {
    setup("wrong-secret", |_, config| {
        config.upstream.client_secret = "wrong-secret".into()
    })
    .await
}

#[tokio::test]
async fn never_shows_the_secret_and_audits_each_attempt_masked() {
    let setup = setup("secret", |_, config| {
        config.allow_origins = vec!["https://shop.example".into()]
    })
    .await;
    let mut seen = Vec::new();
    for request in [
        setup.post().json(&customer(1)),
        setup.post().json(&customer(1)),
        setup.post().json(&json!({"first_name": ""})),
        setup
            .post()
            .header("origin", "https://evil.example")
            .json(&customer(2)),
        setup.http.get(format!("{}/health", setup.proxy)),
        setup.http.get(format!("{}/api/v0/customers", setup.proxy)),
        setup.http.get(format!("{}/api/customers", setup.proxy)),
    ] {
        seen.push(visible(request.send().await.unwrap()).await);
    }
    for (status, text) in &seen {
        assert!(
            !text.contains(SECRET) && !text.contains(KEY),
            "{status}: {text}"
        );
    }
    assert_eq!(seen[5].0, StatusCode::NOT_FOUND, "no read of customer data");
    assert_eq!(seen[6].0, StatusCode::METHOD_NOT_ALLOWED);
    let audit = std::fs::read_to_string(&setup.audit).unwrap();
    assert!(!audit.contains(SECRET) && !audit.contains(KEY));
    assert!(
        !audit.contains("ann1@example.com") && !audit.contains("+1-555"),
        "{audit}"
    );
    let lines: Vec<Value> = audit
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        3,
        "one line per create attempt that reached the handler"
    );
    assert_eq!(
        (lines[0]["outcome"].as_str(), lines[0]["email"].as_str()),
        (Some("created"), Some("a***@example.com"))
    );
    assert_eq!(lines[1]["outcome"], "duplicate_email");
    assert_eq!(lines[2]["outcome"], "invalid");
    for line in &lines {
        assert!(
            line["request_id"].is_string()
                && line["client_ip"] == "127.0.0.1"
                && line["time"].is_string()
        );
    }
}

#[tokio::test]
async fn serves_static_files_with_security_headers() {
    let dir = temp("static");
    std::fs::write(dir.join("index.html"), "<!doctype html><title>form</title>").unwrap();
    let setup = setup("static-proxy", |_, config| {
        config.static_dir = Some(dir.clone())
    })
    .await;
    let response = setup
        .http
        .get(format!("{}/", setup.proxy))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("'wasm-unsafe-eval'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("<title>form</title>")
    );
    // The API's answers, created or refused, hold customer data or say why not: never
    // cached, and allowed to load nothing.
    let created = setup.submit(&customer(1)).await;
    let refused = setup
        .submit_with_origin("https://evil.example", &customer(2))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    for response in [created, refused] {
        let headers = response.headers();
        assert_eq!(headers["cache-control"], "no-store");
        assert_eq!(
            headers["content-security-policy"],
            "default-src 'none'; frame-ancestors 'none'"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
    }
}

#[tokio::test]
async fn serves_widget_files_to_any_origin_but_keeps_the_api_guarded() {
    let dir = temp("static-cors");
    std::fs::write(dir.join("signup-form.js"), "export {};").unwrap();
    std::fs::create_dir_all(dir.join("locales")).unwrap();
    std::fs::write(dir.join("locales/fr.json"), r#"{"submit": "S’inscrire"}"#).unwrap();
    let setup = setup("static-cors-proxy", |_, config| {
        config.static_dir = Some(dir.clone())
    })
    .await;
    // What a third-party page fetches from the widget's origin (a CORS request).
    let fetch = |path: &'static str| {
        setup
            .http
            .get(format!("{}{path}", setup.proxy))
            .header("origin", "https://shop.example")
            .send()
    };
    // The module script, from any origin.
    let response = fetch("/signup-form.js").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    // So are its locale packs, kept by the browser for an hour; a missing one is not kept.
    let response = fetch("/locales/fr.json").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert_eq!(response.headers()["cache-control"], "public, max-age=3600");
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(response.headers().contains_key("last-modified"));
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"submit": "S’inscrire"}"#
    );
    let response = fetch("/locales/xx.json").await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert!(!response.headers().contains_key("cache-control"));
    // The API still refuses that origin, which is not in --allow-origin.
    let response = setup
        .submit_with_origin("https://shop.example", &customer(1))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin")
    );
}

#[tokio::test]
async fn keeps_within_the_upstream_budget_with_503_and_retry_after() {
    let setup = setup("budget", |_, config| config.upstream_budget = 2).await;
    for i in 0..2 {
        assert_eq!(
            setup.submit(&customer(i)).await.status(),
            StatusCode::CREATED
        );
    }
    let response = setup.submit(&customer(3)).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(
        setup.upstream_total().await,
        2,
        "nothing sent past the budget"
    );
}

/// The proxy with the proof of work on, at `cost` iterations per attempt (cheap for tests).
async fn setup_challenge(name: &str, cost: u32, tune: impl FnOnce(&mut Config)) -> Setup {
    setup(name, |_, config| {
        config.challenge = Some(ChallengeConfig {
            cost,
            ..ChallengeConfig::default()
        });
        tune(config);
    })
    .await
}

impl Setup {
    /// `GET /api/challenge`.
    async fn challenge(&self) -> Response {
        self.challenge_request().send().await.unwrap()
    }

    /// `GET /api/challenge` from a page of `origin`.
    async fn challenge_from(&self, origin: &str) -> Response {
        self.challenge_request()
            .header("origin", origin)
            .send()
            .await
            .unwrap()
    }

    fn challenge_request(&self) -> reqwest::RequestBuilder {
        self.http.get(format!("{}/api/challenge", self.proxy))
    }

    /// A fresh challenge, as JSON.
    async fn challenge_json(&self) -> Value {
        let response = self.challenge().await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// A challenge solved, as the `x-altcha` header, and the challenge.
    async fn solved(&self) -> (String, Value) {
        let challenge = self.challenge_json().await;
        (solve(&challenge), challenge)
    }

    /// Submits `body` with `idempotency-key: key` and `x-altcha: proof`.
    async fn submit_proved(&self, key: &str, proof: &str, body: &Value) -> Response {
        self.post()
            .header("idempotency-key", key)
            .header("x-altcha", proof)
            .json(body)
            .send()
            .await
            .unwrap()
    }
}

/// Solves `challenge` with the `altcha` crate's solver: base64 of the v2 payload JSON.
fn solve(challenge: &Value) -> String {
    let challenge: altcha::Challenge = serde_json::from_value(challenge.clone()).unwrap();
    let solution = altcha::solve_challenge(altcha::SolveChallengeOptions::new(&challenge))
        .unwrap()
        .unwrap();
    encode(&json!({"challenge": challenge, "solution": solution}))
}

fn encode(payload: &Value) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(payload.to_string())
}

fn decode(proof: &str) -> Value {
    use base64::Engine as _;
    serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(proof)
            .unwrap(),
    )
    .unwrap()
}

/// The status and stable `code` of a refused create.
async fn refusal(response: Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn issues_signed_expiring_uncached_challenges_at_the_base_cost() {
    let setup = setup_challenge("challenge-issue", 1_000, |_| {}).await;
    let response = setup.challenge().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let challenge: Value = response.json().await.unwrap();
    let parameters = &challenge["parameters"];
    assert_eq!(parameters["algorithm"], "PBKDF2/SHA-256");
    assert_eq!(parameters["cost"], 1_000);
    assert_eq!(parameters["keyLength"], 32);
    assert!(parameters["keySignature"].is_string(), "{challenge}");
    assert!(challenge["signature"].is_string(), "{challenge}");
    let now = devdraft_api::rate_limit::now_unix();
    let expires = parameters["expiresAt"].as_u64().unwrap();
    assert!((now + 200..=now + 301).contains(&expires), "{expires}");
    assert_ne!(
        challenge,
        setup.challenge_json().await,
        "every challenge is fresh"
    );
}

#[tokio::test]
async fn refuses_creates_without_a_valid_unused_solution() {
    let setup = setup_challenge("challenge-refusals", 100, |_| {}).await;
    let key = uuid::Uuid::new_v4().to_string();
    let ann = customer(1);

    let missing = setup.submit_keyed(&key, &ann).await;
    assert_eq!(
        refusal(missing).await,
        (StatusCode::FORBIDDEN, "challenge_required".to_owned())
    );
    for garbage in ["%%% not base64", "bm90IGpzb24=", "e30="] {
        assert_eq!(
            refusal(setup.submit_proved(&key, garbage, &ann).await).await,
            (StatusCode::FORBIDDEN, "challenge_invalid".to_owned()),
            "{garbage}"
        );
    }
    let (proof, _) = setup.solved().await;
    // Tampered: the cost lowered, or another counter claimed.
    let mut cheaper = decode(&proof);
    cheaper["challenge"]["parameters"]["cost"] = json!(1);
    let mut wrong = decode(&proof);
    wrong["solution"]["derivedKey"] = json!("00".repeat(32));
    for forged in [cheaper, wrong] {
        assert_eq!(
            refusal(setup.submit_proved(&key, &encode(&forged), &ann).await).await,
            (StatusCode::FORBIDDEN, "challenge_invalid".to_owned()),
            "{forged}"
        );
    }
    assert_eq!(
        setup.upstream_total().await,
        0,
        "nothing refused went upstream"
    );

    let created = setup.submit_proved(&key, &proof, &ann).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    // The same create retried with the same solution: accepted, and the same customer.
    let retried = setup.submit_proved(&key, &proof, &ann).await;
    assert_eq!(retried.status(), StatusCode::CREATED);
    assert_eq!(retried.json::<Value>().await.unwrap()["id"], created["id"]);
    // Another create with that solution: refused.
    let other = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        refusal(setup.submit_proved(&other, &proof, &customer(2)).await).await,
        (StatusCode::FORBIDDEN, "challenge_used".to_owned())
    );
    let unkeyed = setup
        .post()
        .header("x-altcha", &proof)
        .json(&customer(3))
        .send()
        .await
        .unwrap();
    assert_eq!(
        refusal(unkeyed).await,
        (StatusCode::FORBIDDEN, "challenge_used".to_owned())
    );
    assert_eq!(setup.upstream_total().await, 1);
    // A person's mistake costs no solution: the rules answer first.
    let (proof, _) = setup.solved().await;
    let invalid = setup
        .submit_proved(&other, &proof, &json!({"first_name": ""}))
        .await;
    assert_eq!(invalid.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        setup
            .submit_proved(&other, &proof, &customer(4))
            .await
            .status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn refuses_an_expired_challenge() {
    let setup = setup("challenge-expired", |_, config| {
        config.challenge = Some(ChallengeConfig {
            cost: 100,
            lifetime: Duration::from_secs(1),
            ..ChallengeConfig::default()
        });
    })
    .await;
    let (proof, _) = setup.solved().await;
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let key = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        refusal(setup.submit_proved(&key, &proof, &customer(1)).await).await,
        (StatusCode::FORBIDDEN, "challenge_expired".to_owned())
    );
}

#[tokio::test]
async fn counts_challenges_and_refusals_by_the_per_ip_limit_under_the_origin_policy() {
    let setup = setup_challenge("challenge-limits", 100, |config| {
        config.rate_limit = 2;
        config.allow_origins = vec!["https://shop.example".to_owned()];
    })
    .await;
    wait_for_window(Duration::from_secs(10)).await;
    let foreign = setup.challenge_from("https://evil.example").await;
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let listed = setup.challenge_from("https://shop.example").await;
    assert_eq!(listed.status(), StatusCode::OK);
    assert_eq!(
        listed.headers()["access-control-allow-origin"],
        "https://shop.example"
    );
    assert_eq!(setup.challenge().await.status(), StatusCode::OK);
    let limited = setup.challenge().await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    // Creates are counted apart: two refusals, then the limit.
    for _ in 0..2 {
        assert_eq!(
            setup.submit(&customer(1)).await.status(),
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        setup.submit(&customer(1)).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // A browser on a listed origin may send the header.
    let preflight = setup.preflight("https://shop.example", "x-altcha").await;
    let allowed = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap();
    assert!(allowed.contains("x-altcha"), "{allowed}");
}

#[tokio::test]
async fn challenges_cost_more_as_the_upstream_budget_runs_low_and_recover() {
    let setup = setup_challenge("challenge-adaptive", 100, |config| {
        config.upstream_budget = 10;
    })
    .await;
    wait_for_window(Duration::from_secs(30)).await;
    let cost = |challenge: Value| challenge["parameters"]["cost"].as_u64().unwrap();
    assert_eq!(cost(setup.challenge_json().await), 100);
    let mut created = 0;
    for (spent, expected) in [(5, 100), (6, 400), (7, 400), (8, 1_600), (10, 1_600)] {
        while created < spent {
            let (proof, _) = setup.solved().await;
            let key = uuid::Uuid::new_v4().to_string();
            let response = setup.submit_proved(&key, &proof, &customer(created)).await;
            assert_eq!(response.status(), StatusCode::CREATED);
            created += 1;
        }
        assert_eq!(
            cost(setup.challenge_json().await),
            expected,
            "{spent} of 10 spent"
        );
    }
    // A new window: the budget is back, and so is the base cost.
    wait_for_window(Duration::from_secs(60)).await;
    assert_eq!(cost(setup.challenge_json().await), 100);
}

/// Waits for the next one-minute window unless `needed` is left in this one.
async fn wait_for_window(needed: Duration) {
    let left = devdraft_api::rate_limit::until_next_window();
    if left < needed {
        tokio::time::sleep(left + Duration::from_millis(200)).await;
    }
}
