//! Several `signup serve` processes in front of one emulator, sharing one `redis-server`: the
//! per-IP limit and the upstream budget hold across them, Redis trouble never fails a create,
//! Redis keys hold nothing secret or personal; and what `/metrics` shows.

use std::{
    fs::File,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Stdio},
    time::{Duration, Instant},
};

use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};

use super::common::{
    emulator_args, proof, sample, signup, start, temp_dir, total, wait_for_window, with_credentials,
};
use super::redis_server::RedisServer;

const KEY: &str = "instances-key";
const SECRET: &str = "instances-secret-never-in-redis";

/// One `signup serve` process; its standard error goes to a file the test reads.
struct Instance {
    child: Child,
    base: String,
    metrics: String,
    stderr: PathBuf,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Instance {
    fn post(&self, http: &Client, forwarded_for: &str, customer: &Value) -> Response {
        http.post(format!("{}/api/customers", self.base))
            .header("x-forwarded-for", forwarded_for)
            .json(customer)
            .send()
            .unwrap()
    }

    fn scrape(&self) -> String {
        reqwest::blocking::get(&self.metrics)
            .unwrap()
            .text()
            .unwrap()
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap()
    }
}

/// The emulator the instances share (no rate limit of its own: the budget is what is tested).
struct Upstream {
    child: Child,
    base: String,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Upstream {
    fn start(dir: &Path) -> Upstream {
        let command = emulator_args(
            with_credentials(KEY, SECRET),
            &dir.join("emulator.sqlite3"),
            &["--rate-limit", "0"],
        );
        let (child, base, _) = start(command);
        Upstream { child, base }
    }

    fn customers(&self) -> u64 {
        total(&self.base, KEY, SECRET, "")
    }
}

/// `count` instances in front of `upstream`, sharing `redis`, behind one trusted proxy, with
/// `flags` added; without a proof of work unless `flags` set `--challenge`.
fn instances(
    dir: &Path,
    upstream: &Upstream,
    redis: &RedisServer,
    count: usize,
    flags: &[&str],
) -> Vec<Instance> {
    (0..count)
        .map(|index| {
            let stderr = dir.join(format!("instance-{index}.stderr"));
            let mut command = with_credentials(KEY, SECRET);
            command
                .args(["serve", "--listen", "127.0.0.1:0", "--workers", "2"])
                .args(["--metrics-listen", "127.0.0.1:0", "--trusted-proxies", "1"])
                .args(["--upstream", &upstream.base, "--redis", &redis.url()])
                .args(flags)
                .args(if flags.contains(&"--challenge") {
                    &[][..]
                } else {
                    &["--challenge", "off"][..]
                })
                .current_dir(dir)
                .stdout(Stdio::piped())
                .stderr(File::create(&stderr).unwrap());
            let mut child = command.spawn().unwrap();
            let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
            let mut line = || lines.next().unwrap().unwrap();
            let base = line()
                .strip_prefix("listening on ")
                .expect("the first line says where it listens")
                .to_owned();
            let _forwarding = line();
            let metrics = line()
                .strip_prefix("metrics on ")
                .expect("then where its metrics are")
                .to_owned();
            let shared = line();
            assert_eq!(shared, "rate limits shared through Redis");
            // Read to the last line: a closed pipe would fail the instance's writes.
            let _challenge = line();
            Instance {
                child,
                base,
                metrics,
                stderr,
            }
        })
        .collect()
}

fn customer(n: usize) -> Value {
    json!({
        "first_name": "Ada",
        "last_name": format!("Instance{n}"),
        "phone_number": "+1-555-123-4567",
        "email": format!("ada.{n}@example.com"),
    })
}

/// Sends `requests` (instance index, X-Forwarded-For, customer) from four threads at once;
/// each answer's status and Retry-After, in order.
fn send_all(
    instances: &[Instance],
    requests: Vec<(usize, String, Value)>,
) -> Vec<(u16, Option<u64>)> {
    let chunks: Vec<_> = requests.chunks(requests.len().div_ceil(4)).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    let http = Client::new();
                    chunk
                        .iter()
                        .map(|(index, forwarded, customer)| {
                            let response = instances[*index].post(&http, forwarded, customer);
                            let retry_after = response
                                .headers()
                                .get("retry-after")
                                .and_then(|value| value.to_str().ok()?.parse().ok());
                            (response.status().as_u16(), retry_after)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().unwrap())
            .collect()
    })
}

fn count(answers: &[(u16, Option<u64>)], status: u16) -> usize {
    answers.iter().filter(|(s, _)| *s == status).count()
}

#[test]
fn three_instances_share_one_rate_limit_per_ip_and_keep_no_secret_in_redis() {
    let dir = temp_dir("instances-ip");
    let redis = RedisServer::start(&dir);
    let upstream = Upstream::start(&dir);
    let instances = instances(&dir, &upstream, &redis, 3, &["--rate-limit", "10"]);
    wait_for_window(Duration::from_secs(10));
    let ip = "198.51.100.23";
    let requests = (0..60)
        .map(|n| (n % 3, format!("203.0.113.9, {ip}"), customer(n)))
        .collect();
    let answers = send_all(&instances, requests);
    assert_eq!(count(&answers, 201), 10, "{answers:?}");
    assert_eq!(count(&answers, 429), 50, "{answers:?}");
    assert!(
        answers
            .iter()
            .filter(|(status, _)| *status == 429)
            .all(|(_, retry)| retry.is_some_and(|seconds| (1..=60).contains(&seconds))),
        "every 429 says when the window ends: {answers:?}"
    );
    assert_eq!(upstream.customers(), 10);

    // Nothing in Redis names the client key, the secret, an email or an address, and every
    // key expires on its own.
    let mut connection = redis.connection();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut connection).unwrap();
    assert!(!keys.is_empty());
    for key in &keys {
        assert!(
            ["signup:ip:", "signup:budget:", "signup:probe"]
                .iter()
                .any(|prefix| key.starts_with(prefix)),
            "{key}"
        );
        for secret in [KEY, SECRET, ip, "203.0.113.9", "example.com", "ada."] {
            assert!(!key.contains(secret), "{key} contains {secret}");
        }
        let ttl: i64 = redis::cmd("TTL").arg(key).query(&mut connection).unwrap();
        assert!((1..=120).contains(&ttl), "{key} expires in {ttl} s");
        let value: String = redis::cmd("GET").arg(key).query(&mut connection).unwrap();
        assert!(
            value.parse::<u64>().is_ok(),
            "{key} holds a count, not {value}"
        );
    }
    let denied: f64 = instances
        .iter()
        .map(|instance| {
            sample(
                &instance.scrape(),
                r#"signup_limiter_denials_total{limiter="ip"}"#,
            )
            .unwrap_or(0.0)
        })
        .sum();
    assert_eq!(denied, 50.0);
}

#[test]
fn three_instances_never_send_more_than_the_budget_upstream() {
    let dir = temp_dir("instances-budget");
    let redis = RedisServer::start(&dir);
    let upstream = Upstream::start(&dir);
    let instances = instances(
        &dir,
        &upstream,
        &redis,
        3,
        &["--rate-limit", "10", "--upstream-budget", "20"],
    );
    wait_for_window(Duration::from_secs(10));
    let requests = (0..100)
        .map(|n| (n % 3, format!("198.51.100.{n}"), customer(n)))
        .collect();
    let answers = send_all(&instances, requests);
    assert_eq!(count(&answers, 201), 20, "{answers:?}");
    assert_eq!(count(&answers, 503), 80, "{answers:?}");
    assert!(
        answers
            .iter()
            .filter(|(status, _)| *status == 503)
            .all(|(_, retry)| retry.is_some_and(|seconds| (1..=60).contains(&seconds))),
        "{answers:?}"
    );
    assert_eq!(upstream.customers(), 20, "the emulator received the budget");
    let mut connection = redis.connection();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("signup:budget:*")
        .query(&mut connection)
        .unwrap();
    assert_eq!(keys.len(), 1, "one client key, one window: {keys:?}");
    assert!(!keys[0].contains(KEY));
}

#[test]
fn a_redis_outage_or_stall_fails_no_create_and_sharing_comes_back_by_itself() {
    let dir = temp_dir("instances-outage");
    let mut redis = RedisServer::start(&dir);
    let upstream = Upstream::start(&dir);
    let instances = instances(&dir, &upstream, &redis, 3, &["--rate-limit", "5"]);
    wait_for_window(Duration::from_secs(15));
    let http = Client::new();
    let mut sent = 0;
    // Round robin, so every instance sees each phase.
    let mut send = |from: &str| {
        sent += 1;
        let response = instances[sent % 3].post(&http, from, &customer(sent));
        response.status().as_u16()
    };
    let in_use = |wanted: f64| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while instances
            .iter()
            .any(|instance| sample(&instance.scrape(), "signup_redis_in_use") != Some(wanted))
        {
            assert!(
                Instant::now() < deadline,
                "signup_redis_in_use is not {wanted}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    in_use(1.0);
    // Traffic from many addresses (none reaches its limit) before and during a crash of
    // Redis, long enough for the instances' pings to fail too.
    for n in 0..25 {
        if n == 10 {
            redis.stop();
        }
        assert_eq!(send(&format!("192.0.2.{n}")), 201, "create {n}");
        if n >= 10 {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    in_use(0.0);
    redis.restart();
    // Back within seconds, each instance by itself.
    in_use(1.0);
    // Shared again: nine creates from one address over three instances, five allowed.
    let statuses: Vec<u16> = (0..9).map(|_| send("192.0.2.200")).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        4,
        "{statuses:?}"
    );
    // A Redis that stalls (stopped, its socket still open) costs a create one timeout.
    redis.pause();
    for n in 0..9 {
        assert_eq!(
            send(&format!("192.0.2.{}", 100 + n)),
            201,
            "create {n} while stalled"
        );
    }
    in_use(0.0);
    redis.resume();
    in_use(1.0);
    for instance in &instances {
        let stderr = instance.stderr();
        // Each change of state logged once, whatever the traffic: two outages, two returns.
        assert_eq!(stderr.matches("Redis failed").count(), 2, "{stderr}");
        assert_eq!(stderr.matches("Redis answers again").count(), 2, "{stderr}");
        assert!(stderr.contains("no answer in time"), "{stderr}");
        assert!(!stderr.contains(SECRET));
    }
}

#[test]
fn metrics_count_what_happened_and_stay_off_the_public_listener() {
    let dir = temp_dir("metrics");
    let mut command = signup();
    command.current_dir(&dir).args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--metrics-listen",
        "127.0.0.1:0",
        "--rate-limit",
        "5",
        "--challenge",
        "off",
    ]);
    let (mut child, base, mut lines) = start(command);
    let _emulator = lines.next().unwrap().unwrap();
    let metrics = lines
        .next()
        .unwrap()
        .unwrap()
        .strip_prefix("metrics on ")
        .unwrap()
        .to_owned();
    let http = Client::new();
    let post = |body: &Value| {
        http.post(format!("{base}/api/customers"))
            .json(body)
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    let statuses = [
        post(&customer(1)),
        post(&customer(2)),
        post(&customer(3)),
        post(&json!({"first_name": "", "last_name": "X", "phone_number": "+1 555 123 4567"})),
        post(&customer(1)),
        post(&customer(4)),
    ];
    assert_eq!(statuses, [201, 201, 201, 400, 409, 429]);
    let scrape = http.get(&metrics).send().unwrap().text().unwrap();
    let expect = [
        (r#"signup_creates_total{outcome="created"}"#, 3.0),
        (r#"signup_creates_total{outcome="invalid"}"#, 1.0),
        (r#"signup_creates_total{outcome="duplicate_email"}"#, 1.0),
        (r#"signup_creates_total{outcome="rate_limited"}"#, 1.0),
        (r#"signup_limiter_denials_total{limiter="ip"}"#, 1.0),
        (r#"signup_upstream_attempts_total{status="201"}"#, 3.0),
        (r#"signup_upstream_attempts_total{status="409"}"#, 1.0),
        ("signup_upstream_retries_total", 0.0),
        ("signup_upstream_duration_seconds_count", 4.0),
        ("signup_requests_in_flight", 0.0),
        ("signup_redis_in_use", 0.0),
    ];
    for (name, value) in expect {
        assert_eq!(sample(&scrape, name), Some(value), "{name} in\n{scrape}");
    }
    let public = http.get(format!("{base}/metrics")).send().unwrap();
    assert_eq!(public.status(), 404);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_solution_buys_one_create_across_instances() {
    let dir = temp_dir("solution-once");
    let redis = RedisServer::start(&dir);
    let upstream = Upstream::start(&dir);
    let instances = instances(&dir, &upstream, &redis, 2, &["--challenge", "on"]);
    let http = Client::new();
    let solution = proof(&instances[0].base);
    let post = |instance: &Instance, key: &str, n: usize| {
        http.post(format!("{}/api/customers", instance.base))
            .header("x-forwarded-for", "198.51.100.7")
            .header("idempotency-key", key)
            .header("x-altcha", &solution)
            .json(&customer(n))
            .send()
            .unwrap()
    };
    let key = uuid_like(1);
    assert_eq!(post(&instances[0], &key, 1).status(), 201);
    // Replayed at the other instance for another customer: Redis remembers it.
    let replay = post(&instances[1], &uuid_like(2), 2);
    assert_eq!(replay.status(), 403);
    assert_eq!(replay.json::<Value>().unwrap()["code"], "challenge_used");
    // The same create retried at the other instance: accepted, and still one customer.
    assert_eq!(post(&instances[1], &key, 1).status(), 201);
    assert_eq!(upstream.customers(), 1);
}

/// A fixed UUID (the idempotency key's form) numbered `n`.
fn uuid_like(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}
