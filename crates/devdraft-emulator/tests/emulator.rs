//! The emulator over real HTTP on 127.0.0.1, one server per test.

use std::{path::PathBuf, sync::Arc, time::Duration};

use devdraft_api::{HttpErrorBody, IdempotencyErrorBody};
use devdraft_emulator::{Config, Emulator, Faults, spawn_on_loopback};
use reqwest::{Client, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

const KEY: &str = "test-key";
const SECRET: &str = "test-secret";

struct Server {
    base: String,
    client: Client,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn start_with(config: Config, db: &std::path::Path) -> Server {
    let emulator = Emulator::open(config, db).unwrap();
    let (address, task) = spawn_on_loopback(emulator).await.unwrap();
    Server {
        base: format!("http://{address}"),
        client: Client::new(),
        task,
    }
}

async fn start(config: Config) -> Server {
    start_with(config, ":memory:".as_ref()).await
}

fn config() -> Config {
    Config::new(KEY, SECRET)
}

fn temp_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("devdraft-emulator-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("emulator.sqlite3")
}

impl Server {
    fn post(&self) -> RequestBuilder {
        self.client
            .post(format!("{}/api/v0/customers", self.base))
            .header("x-client-key", KEY)
            .header("x-client-secret", SECRET)
    }

    fn get(&self, path: &str) -> RequestBuilder {
        self.client
            .get(format!("{}{path}", self.base))
            .header("x-client-key", KEY)
            .header("x-client-secret", SECRET)
    }

    async fn create_keyed(&self, key: &str, body: &Value) -> Response {
        self.post()
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// `GET /api/v0/customers?QUERY`: its status and body.
    async fn list(&self, query: &str) -> (StatusCode, Value) {
        let response = self
            .get(&format!("/api/v0/customers?{query}"))
            .send()
            .await
            .unwrap();
        (response.status(), response.json().await.unwrap())
    }

    /// The body of `GET /api/v0/customers?QUERY`.
    async fn page(&self, query: &str) -> Value {
        self.list(query).await.1
    }

    async fn create(&self, body: &Value) -> Response {
        self.post().json(body).send().await.unwrap()
    }

    async fn total(&self) -> u64 {
        let list: Value = self
            .get("/api/v0/customers")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list["total"].as_u64().unwrap()
    }
}

fn john(email: &str) -> Value {
    json!({"first_name": "John", "last_name": "Doe", "phone_number": "+1-555-123-4567", "email": email})
}

fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[tokio::test]
async fn creates_a_customer_with_defaults_and_the_documented_body() {
    let server = start(config()).await;
    let response = server
        .create(
            &json!({"first_name": " John ", "last_name": "Doe", "phone_number": "+1-555-123-4567"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    let documented: Value = serde_json::from_str(include_str!(
        "../../../../shared/fixtures/devdraft/create-201.json"
    ))
    .unwrap();
    let keys = |value: &Value| {
        value
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&body), keys(&documented));
    assert_eq!(body["first_name"], "John");
    assert_eq!(body["email"], Value::Null);
    assert_eq!(
        (body["customer_type"].as_str(), body["status"].as_str()),
        (Some("Individual"), Some("ACTIVE"))
    );
    assert_eq!(
        (body["last_spent"].as_u64(), &body["last_purchase_date"]),
        (Some(0), &Value::Null)
    );
    assert_eq!(body["appId"], body["app_id"]);
    assert!(uuid::Uuid::try_parse(body["id"].as_str().unwrap()).is_ok());
    let fetched: Value = server
        .get(&format!(
            "/api/v0/customers/{}",
            body["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched, body);
    // The doc's own request, E.164 too: both phone formats are accepted.
    let doc = include_str!("../../../../shared/fixtures/devdraft/create-request.json");
    let response = server
        .post()
        .header("content-type", "application/json")
        .body(doc)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let e164 = json!({"first_name": "A", "last_name": "B", "phone_number": "+15551234567"});
    assert_eq!(server.create(&e164).await.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn answers_400_in_nestjs_format_with_unknown_properties() {
    let server = start(config()).await;
    let response = server
        .create(
            &json!({"first_name": "   ", "last_name": "Doe", "email": "not-an-email",
        "phone_number": "+1-555-123-4567-0000-99", "role": "admin"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"statusCode": 400, "error": "Bad Request", "message": [
        "First name is required", "Phone number cannot exceed 20 characters",
        "Please provide a valid email address", "property role should not exist"]})
    );
    let only_unknown = json!({"first_name": "A", "last_name": "B", "phone_number": "+15551234567", "phone_e164": "+15551234567"});
    let body: Value = server.create(&only_unknown).await.json().await.unwrap();
    assert_eq!(
        body["message"],
        json!(["property phone_e164 should not exist"])
    );
    let response = server.post().body("{not json").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(server.total().await, 0);
}

#[tokio::test]
async fn refuses_missing_or_wrong_credentials_on_every_customers_route() {
    let server = start(config()).await;
    let url = |path: &str| format!("{}{path}", server.base);
    let id = "/api/v0/customers/550e8400-e29b-41d4-a716-446655440000";
    for credentials in [None, Some((KEY, "wrong")), Some(("wrong", SECRET))] {
        for request in [
            server
                .client
                .post(url("/api/v0/customers"))
                .json(&john("a@b.co")),
            server.client.get(url("/api/v0/customers")),
            server.client.get(url(id)),
        ] {
            let request = match credentials {
                Some((key, secret)) => request
                    .header("x-client-key", key)
                    .header("x-client-secret", secret),
                None => request,
            };
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["statusCode"], 401);
        }
    }
    assert_eq!(server.total().await, 0);
}

#[tokio::test]
async fn refuses_a_duplicate_email_in_any_case() {
    let server = start(config()).await;
    assert_eq!(
        server.create(&john("john@example.com")).await.status(),
        StatusCode::CREATED
    );
    let response = server.create(&john(" John@EXAMPLE.com")).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body: HttpErrorBody = response.json().await.unwrap();
    assert!(body.is_duplicate_email());
    // No email is no conflict.
    let no_email = json!({"first_name": "A", "last_name": "B", "phone_number": "+15551234567"});
    assert_eq!(server.create(&no_email).await.status(), StatusCode::CREATED);
    assert_eq!(server.create(&no_email).await.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn replays_the_original_response_for_the_same_idempotency_key() {
    let server = start(config()).await;
    let key = new_key();
    let first = server.create_keyed(&key, &john("j@example.com")).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first = first.text().await.unwrap();
    let again = server.create_keyed(&key, &john("j@example.com")).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.text().await.unwrap(), first);
    assert_eq!(server.total().await, 1);
    // A stored duplicate-email 409 replays as well.
    let other = new_key();
    let conflict = server.create_keyed(&other, &john("J@example.com")).await;
    assert_eq!(conflict.status(), StatusCode::CONFLICT);
    let replayed = server.create_keyed(&other, &john("J@example.com")).await;
    assert_eq!(replayed.status(), StatusCode::CONFLICT);
    assert_eq!(replayed.headers()["idempotent-replayed"], "true");
}

#[tokio::test]
async fn refuses_a_reused_key_with_another_body() {
    let server = start(config()).await;
    let key = new_key();
    server.create_keyed(&key, &john("a@example.com")).await;
    let response = server.create_keyed(&key, &john("b@example.com")).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        response.json::<IdempotencyErrorBody>().await.unwrap(),
        IdempotencyErrorBody::mismatch()
    );
    let response = server
        .post()
        .header("idempotency-key", "not-a-uuid")
        .json(&john("c@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(server.total().await, 1);
}

#[tokio::test]
async fn answers_409_while_the_first_request_with_a_key_is_in_flight() {
    let mut config = config();
    config.faults = Some(Faults::parse("").unwrap());
    let server = Arc::new(start(config).await);
    let key = new_key();
    let slow = {
        let (server, key) = (Arc::clone(&server), key.clone());
        tokio::spawn(async move {
            server
                .post()
                .header("idempotency-key", key)
                .header("x-emulator-fault", "delay-ms=400")
                .json(&john("a@example.com"))
                .send()
                .await
                .unwrap()
                .status()
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let response = server.create_keyed(&key, &john("a@example.com")).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(
        response.json::<IdempotencyErrorBody>().await.unwrap(),
        IdempotencyErrorBody::in_use()
    );
    assert_eq!(slow.await.unwrap(), StatusCode::CREATED);
    let replay = server.create_keyed(&key, &john("a@example.com")).await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(server.total().await, 1);
}

#[tokio::test]
async fn does_not_store_failed_validation_against_the_key() {
    let server = start(config()).await;
    let key = new_key();
    let bad = json!({"first_name": "", "last_name": "Doe", "phone_number": "+1-555-123-4567"});
    let response = server.create_keyed(&key, &bad).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = server.create_keyed(&key, &john("a@example.com")).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "the fixed body is not a mismatch"
    );
}

#[tokio::test]
async fn forgets_keys_after_their_time_to_live() {
    let mut config = config();
    config.idempotency_ttl = Duration::from_secs(1);
    let server = start(config).await;
    let key = new_key();
    server.create_keyed(&key, &john("a@example.com")).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let response = server.create_keyed(&key, &john("b@example.com")).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "an expired key is free again"
    );
    assert_eq!(server.total().await, 2);
}

#[tokio::test]
async fn purges_expired_idempotency_records_by_itself() {
    let mut config = config();
    config.idempotency_ttl = Duration::from_secs(1);
    let db = temp_db("purge");
    let server = start_with(config, &db).await;
    for email in ["a@example.com", "b@example.com", "c@example.com"] {
        let response = server.create_keyed(&new_key(), &john(email)).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let records = || {
        rusqlite::Connection::open(&db)
            .unwrap()
            .query_row("SELECT count(*) FROM idempotency", [], |row| {
                row.get::<_, i64>(0)
            })
            .unwrap()
    };
    assert_eq!(records(), 3);
    // Looked for once a second, each at least a second old: gone within a few seconds, with
    // no request to trigger it.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while records() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "still {} records",
            records()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(server.total().await, 3, "the customers stay");
}

#[tokio::test]
async fn scopes_idempotency_keys_per_client_key() {
    let mut config = config();
    config
        .clients
        .push(("other-key".into(), "other-secret".into()));
    let server = start(config).await;
    let key = new_key();
    let first = server.create_keyed(&key, &john("a@example.com")).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let other = server
        .client
        .post(format!("{}/api/v0/customers", server.base))
        .header("x-client-key", "other-key")
        .header("x-client-secret", "other-secret")
        .header("idempotency-key", &key)
        .json(&john("b@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        other.status(),
        StatusCode::CREATED,
        "another client's key is another key"
    );
    assert_eq!(server.total().await, 2);
}

#[tokio::test]
async fn rate_limits_per_client_key_with_headers_on_every_response() {
    let mut config = config();
    config.rate_limit = 3;
    config
        .clients
        .push(("other-key".into(), "other-secret".into()));
    let server = start(config).await;
    let mut remaining = Vec::new();
    for i in 0..3 {
        let response = server.create(&john(&format!("{i}@example.com"))).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers()["x-ratelimit-limit"], "3");
        assert!(response.headers().contains_key("x-ratelimit-reset"));
        remaining.push(
            response.headers()["x-ratelimit-remaining"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let limited = server.get("/api/v0/customers").send().await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    let body: Value = limited.json().await.unwrap();
    assert_eq!(
        body,
        json!({"statusCode": 429, "message": "Rate limit exceeded", "retryAfter": retry_after})
    );
    let other = server
        .client
        .get(format!("{}/api/v0/customers", server.base))
        .header("x-client-key", "other-key")
        .header("x-client-secret", "other-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(
        other.status(),
        StatusCode::OK,
        "another key has its own window"
    );
    // Health is not counted.
    assert_eq!(
        server
            .client
            .get(format!("{}/health", server.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

/// time, client key, ip, user agent, idempotency key, customer id, status
type AuditRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    u16,
);

#[tokio::test]
async fn writes_an_audit_row_per_create_and_never_the_secret() {
    let db = temp_db("audit");
    let server = start_with(config(), &db).await;
    let key = new_key();
    let created: Value = server
        .post()
        .header("idempotency-key", &key)
        .header("user-agent", "audit-test/1.0")
        .json(&john("a@example.com"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    server.create(&john("A@example.com")).await; // a 409 is audited too
    drop(server);
    let connection = rusqlite::Connection::open(&db).unwrap();
    let rows: Vec<AuditRow> = connection
        .prepare("SELECT time, client_key, ip, user_agent, idempotency_key, customer_id, status FROM audit ORDER BY seq").unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?))).unwrap()
        .collect::<Result<_, _>>().unwrap();
    assert_eq!(rows.len(), 2);
    let (time, client, ip, agent, idempotency, customer, status) = &rows[0];
    assert!(time.starts_with("20"));
    assert_eq!(
        (client.as_str(), ip.as_deref(), agent.as_deref()),
        (KEY, Some("127.0.0.1"), Some("audit-test/1.0"))
    );
    assert_eq!(
        (idempotency.as_deref(), customer.as_deref(), *status),
        (Some(key.as_str()), created["id"].as_str(), 201)
    );
    assert_eq!((rows[1].5.as_deref(), rows[1].6), (None, 409));
    drop(connection);
    for file in std::fs::read_dir(db.parent().unwrap()).unwrap() {
        let bytes = std::fs::read(file.unwrap().path()).unwrap();
        assert!(
            !bytes
                .windows(SECRET.len())
                .any(|window| window == SECRET.as_bytes()),
            "the secret is stored"
        );
    }
}

#[tokio::test]
async fn injects_faults_only_when_asked() {
    let server = start(config()).await;
    let response = server
        .post()
        .header("x-emulator-fault", "error-500")
        .json(&john("a@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "without --faults the header does nothing"
    );

    let mut config = config();
    config.faults = Some(Faults::parse("").unwrap());
    let server = start(config).await;
    let response = server
        .post()
        .header("x-emulator-fault", "error-500")
        .json(&john("a@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(server.total().await, 0, "an injected 500 creates nothing");

    let key = new_key();
    let dropped = server
        .post()
        .header("idempotency-key", &key)
        .header("x-emulator-fault", "drop-after-commit")
        .json(&john("a@example.com"))
        .send()
        .await;
    assert!(
        dropped.is_err(),
        "the connection closes without a response: {dropped:?}"
    );
    assert_eq!(server.total().await, 1, "but the customer was committed");
    let retry = server.create_keyed(&key, &john("a@example.com")).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(server.total().await, 1);
}

#[tokio::test]
async fn injects_random_faults_at_their_rates() {
    let mut config = config();
    config.rate_limit = 0;
    config.faults = Some(Faults::parse("error-500=0.5,seed=3").unwrap());
    let server = start(config).await;
    let mut errors = 0;
    for i in 0..200 {
        if server
            .create(&john(&format!("{i}@example.com")))
            .await
            .status()
            == StatusCode::INTERNAL_SERVER_ERROR
        {
            errors += 1;
        }
    }
    assert!((70..130).contains(&errors), "{errors} of 200");
    assert_eq!(server.total().await, 200 - errors);
}

#[tokio::test]
async fn keeps_customers_and_keys_across_restarts() {
    let db = temp_db("restart");
    let key = new_key();
    let server = start_with(config(), &db).await;
    let created: Value = server
        .create_keyed(&key, &john("a@example.com"))
        .await
        .json()
        .await
        .unwrap();
    drop(server);
    let server = start_with(config(), &db).await;
    let id = created["id"].as_str().unwrap();
    let fetched: Value = server
        .get(&format!("/api/v0/customers/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched, created);
    let replay = server.create_keyed(&key, &john("a@example.com")).await;
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.json::<Value>().await.unwrap(), created);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_one_customer_for_32_concurrent_requests_with_one_key() {
    let server = Arc::new(start(config()).await);
    let key = new_key();
    let requests = (0..32).map(|_| {
        let (server, key) = (Arc::clone(&server), key.clone());
        tokio::spawn(async move {
            server
                .create_keyed(&key, &john("a@example.com"))
                .await
                .status()
        })
    });
    let statuses: Vec<StatusCode> = futures_join(requests).await;
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    assert!(statuses.contains(&StatusCode::CREATED));
    assert_eq!(server.total().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_one_customer_for_50_concurrent_requests_with_one_email() {
    let server = Arc::new(start(config()).await);
    let requests = (0..50).map(|_| {
        let server = Arc::clone(&server);
        tokio::spawn(async move {
            server
                .create_keyed(&new_key(), &john("same@example.com"))
                .await
                .status()
        })
    });
    let statuses: Vec<StatusCode> = futures_join(requests).await;
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        49
    );
    assert_eq!(server.total().await, 1);
}

async fn futures_join<T>(tasks: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut results = Vec::new();
    for task in tasks.collect::<Vec<_>>() {
        results.push(task.await.unwrap());
    }
    results
}

#[tokio::test]
async fn lists_with_filters_and_pagination() {
    let mut config = config();
    config.rate_limit = 0;
    let server = start(config).await;
    for i in 0..15 {
        let status = if i % 5 == 0 { "BLACKLISTED" } else { "ACTIVE" };
        let body = json!({"first_name": if i < 3 { "Zoë" } else { "John" }, "last_name": format!("Doe{i}"),
            "phone_number": "+15551234567", "email": format!("user{i}@example.com"), "status": status});
        assert_eq!(server.create(&body).await.status(), StatusCode::CREATED);
    }
    let list = |query: &'static str| server.list(query);
    let (_, page) = list("").await;
    assert_eq!(
        (
            page["total"].as_u64(),
            page["skip"].as_u64(),
            page["take"].as_u64()
        ),
        (Some(15), Some(0), Some(10))
    );
    assert_eq!(page["data"].as_array().unwrap().len(), 10);
    let (_, page) = list("skip=10&take=100").await;
    assert_eq!(page["data"].as_array().unwrap().len(), 5);
    assert_eq!(page["data"][0]["last_name"], "Doe10", "creation order");
    let (_, page) = list("take=20.0").await;
    assert_eq!(
        page["data"].as_array().unwrap().len(),
        15,
        "whole floats, as the generated SDK sends them"
    );
    let (_, page) = list("status=BLACKLISTED").await;
    assert_eq!(page["total"], 3);
    let (_, page) = list("name=zOË").await;
    assert_eq!(page["total"], 3, "partial, case-insensitive, Unicode");
    let (_, page) = list("name=doe1").await;
    assert_eq!(page["total"], 6);
    let (_, page) = list("email=USER7@Example.COM").await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["data"][0]["email"], "user7@example.com");
    // Each filter runs on its own index (trigrams from three characters on, a scan below);
    // the answers are the same as a scan's.
    for (query, total, first) in [
        ("name=zo", 3, Some("Doe0")),
        ("name=O%C3%AB%20d", 3, Some("Doe0")),
        ("name=e1", 6, Some("Doe1")),
        ("name=a%22b", 0, None),
        ("name=doe1&status=BLACKLISTED", 1, Some("Doe10")),
        ("email=user7@example.com&status=BLACKLISTED", 0, None),
        ("email=user7@example.com&name=doe7", 1, Some("Doe7")),
        ("email=user7@example.com&name=doe8", 0, None),
        ("status=ACTIVE&skip=10&take=5", 12, Some("Doe13")),
        ("name=doe1&skip=5", 6, Some("Doe14")),
    ] {
        let (status, page) = list(query).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert_eq!(page["total"], total, "{query}");
        assert_eq!(
            page["data"][0]["last_name"].as_str(),
            first,
            "{query}: creation order"
        );
    }
    for (query, message) in [
        ("take=0", "take must not be less than 1"),
        ("take=101", "take must not be greater than 100"),
        ("skip=-1", "skip must not be less than 0"),
        ("take=ten", "take must be an integer number"),
        (
            "status=DELETED",
            "status must be one of the following values: ACTIVE, BLACKLISTED, DEACTIVATED",
        ),
    ] {
        let (status, body) = list(query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(body["message"], json!([message]), "{query}");
    }
    let response = server
        .get("/api/v0/customers/550e8400-e29b-41d4-a716-446655440000")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn indexes_a_database_written_before_the_name_index_and_counts() {
    let db = temp_db("migrate");
    {
        // The customers table as the emulator wrote it before schema version 1.
        let old = rusqlite::Connection::open(&db).unwrap();
        old.execute_batch(
            "CREATE TABLE customers (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
                 app_id TEXT NOT NULL, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
                 name_lower TEXT NOT NULL, email TEXT, email_lower TEXT,
                 phone_number TEXT NOT NULL, customer_type TEXT NOT NULL, status TEXT NOT NULL,
                 created_at TEXT NOT NULL, updated_at TEXT NOT NULL);",
        )
        .unwrap();
        for (i, status) in ["ACTIVE", "ACTIVE", "DEACTIVATED"].iter().enumerate() {
            old.execute(
                "INSERT INTO customers VALUES (NULL, ?1, ?2, 'Grace', ?3, ?4, NULL, NULL,
                     '+15551234567', 'Individual', ?5, '2026-01-01T00:00:00.000Z',
                     '2026-01-01T00:00:00.000Z')",
                rusqlite::params![
                    format!("00000000-0000-4000-8000-00000000000{i}"),
                    config().app_id,
                    format!("Hopper{i}"),
                    format!("grace hopper{i}"),
                    status
                ],
            )
            .unwrap();
        }
    }
    let server = start_with(config(), &db).await;
    let list = |query: &'static str| server.page(query);
    assert_eq!(list("").await["total"], 3);
    assert_eq!(list("status=ACTIVE").await["total"], 2);
    assert_eq!(list("name=hopper2").await["total"], 1);
    let body =
        json!({"first_name": "Grace", "last_name": "Hopper3", "phone_number": "+15551234567"});
    assert_eq!(server.create(&body).await.status(), StatusCode::CREATED);
    assert_eq!(
        list("").await["total"],
        4,
        "counted after the migration too"
    );
    assert_eq!(list("name=grace%20hop").await["total"], 4);
}

#[tokio::test]
async fn seeds_customers_in_bulk_that_every_read_then_finds() {
    let db = temp_db("seed");
    assert_eq!(
        devdraft_emulator::seed(&db, &config().app_id, 1000).unwrap(),
        1000
    );
    assert_eq!(
        devdraft_emulator::seed(&db, &config().app_id, 10).unwrap(),
        1010,
        "numbered on"
    );
    let server = start_with(config(), &db).await;
    let list = |query: &'static str| server.page(query);
    assert_eq!(list("").await["total"], 1010);
    assert_eq!(list("status=BLACKLISTED").await["total"], 101);
    // customer99 and customer990..=999.
    assert_eq!(list("name=CUSTOMER99").await["total"], 11);
    let page = list("email=Seed1005@example.com").await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["data"][0]["last_name"], "Customer1005");
}

#[tokio::test]
async fn answers_unknown_routes_with_json_and_reports_health() {
    let server = start(config()).await;
    let response = server
        .client
        .get(format!("{}/api/v0/invoices", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"statusCode": 404, "message": "Cannot GET /api/v0/invoices", "error": "Not Found"})
    );
    let response = server
        .client
        .delete(format!("{}/api/v0/customers", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.json::<Value>().await.unwrap()["statusCode"], 405);
    let health: Value = server
        .client
        .get(format!("{}/health", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health, json!({"status": "ok"}));
}
