//! The state several instances share: counts per one-minute window, and the proof-of-work
//! solutions used so far, in Redis.
//!
//! Every call is bounded by a short timeout (`--redis-timeout`, 50 ms by default). The first
//! call that fails or times out marks the store out of use, logs that once, and wakes a
//! background task that probes Redis every half second (the connection manager reconnecting
//! underneath); while out of use no request waits on Redis, and the limiters count in this
//! instance's memory. The first probe answered in time (a request's own `INCR`, on a probe
//! key) puts the store back in use, logged once too.
//! So Redis trouble costs a create at most one timeout, and never its answer.
//!
//! Keys are `PREFIX:KIND:WINDOW:HASH`: HASH is the first 16 bytes of HMAC-SHA256 of what is
//! counted or recorded (a client IP, the Devdraft client key, a challenge's signature) keyed
//! with the deployment's secret, so no key holds an address or a credential. Counts expire a
//! minute after their window ends; a used solution (window 0, its value the idempotency key it
//! came with, which is no secret) a minute after its challenge. One call touches one key,
//! hence one slot of a Redis Cluster. Recording solutions needs Redis 7.0 (`SET NX GET`).

use std::{
    fmt::Write as _,
    sync::{
        Arc, Weak,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use devdraft_api::rate_limit::window_start;
use hmac::{Hmac, Mac};
use prometheus_client::metrics::gauge::Gauge;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sha2::Sha256;

/// How often a store out of use pings Redis to come back.
const PING_EVERY: Duration = Duration::from_millis(500);
/// How long connecting may take (the first probe, and each attempt to reconnect).
const PING_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a key outlives its window, for instances whose clocks run behind.
const KEY_GRACE: u64 = 60;

/// Where the shared state is and how long to wait for it.
#[derive(Clone)]
pub struct RedisConfig {
    /// `redis://[:password@]host[:port][/db]`, `rediss://...` or `unix:///path/to.sock`.
    pub url: String,
    /// The first part of every key, so deployments can share one Redis.
    pub prefix: String,
    /// How long a request waits for Redis before counting in memory instead.
    pub timeout: Duration,
}

impl std::fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password.
        f.debug_struct("RedisConfig")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisConfig {
    /// `url` with the default prefix (`signup`) and timeout (50 ms).
    pub fn new(url: impl Into<String>) -> Self {
        RedisConfig {
            url: url.into(),
            prefix: "signup".to_owned(),
            timeout: Duration::from_millis(50),
        }
    }
}

/// Why the store could not be set up (an unreachable Redis is not such a reason).
#[derive(Debug)]
pub struct StoreError(String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

/// Redis, shared by the instances of one deployment; see the module doc.
pub struct RedisStore {
    connection: ConnectionManager,
    /// Whether requests ask Redis (true) or count in memory (false).
    in_use: AtomicBool,
    /// Wakes the background task when the store falls out of use.
    lost: tokio::sync::Notify,
    /// Held while `in_use` and the gauge change together.
    transition: std::sync::Mutex<()>,
    /// `signup_redis_in_use`, 1 or 0.
    gauge: Gauge,
    hasher: Hmac<Sha256>,
    prefix: String,
    timeout: Duration,
    /// Where Redis is, without credentials, for the logs.
    address: String,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("address", &self.address)
            .field("in_use", &self.in_use())
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store for `config`, hashing what it counts with `secret`, and its background task on
    /// the current runtime. Redis need not be up: until it answers, the limiters count in
    /// memory. Only a URL that cannot be used is an error.
    pub async fn connect(
        config: &RedisConfig,
        secret: &[u8],
        gauge: Gauge,
    ) -> Result<Arc<RedisStore>, StoreError> {
        let client = redis::Client::open(config.url.as_str())
            .map_err(|error| StoreError(format!("invalid Redis URL: {error}")))?;
        let address = client.get_connection_info().addr().to_string();
        let manager = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(PING_TIMEOUT))
            .set_response_timeout(Some(PING_TIMEOUT))
            // Few and quick: the background task's pings start the next reconnection anyway.
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(200));
        let connection = ConnectionManager::new_lazy_with_config(client, manager)
            .map_err(|error| StoreError(format!("cannot set up the Redis client: {error}")))?;
        let store = Arc::new(RedisStore {
            connection,
            in_use: AtomicBool::new(false),
            lost: tokio::sync::Notify::new(),
            transition: std::sync::Mutex::new(()),
            gauge,
            hasher: Hmac::new_from_slice(secret).expect("HMAC takes keys of any length"),
            prefix: config.prefix.clone(),
            timeout: config.timeout,
            address,
        });
        // The first connection is made here, on the caller's runtime, which then runs its
        // I/O for every worker.
        // The first probe also connects: it may take longer than a request may wait.
        if store.probe(PING_TIMEOUT).await {
            store.set_in_use(true);
            tracing::info!(redis = %store.address, "limits are shared through Redis");
        } else {
            tracing::warn!(
                redis = %store.address,
                "Redis does not answer: each instance counts its limits alone until it does"
            );
        }
        tokio::spawn(watch(Arc::downgrade(&store)));
        Ok(store)
    }

    /// Whether requests are counted in Redis now (else in this instance's memory).
    pub fn in_use(&self) -> bool {
        self.in_use.load(Ordering::Relaxed)
    }

    /// Counts one event of `id` under `kind` in the one-minute window of `now_unix`: the count
    /// in the window so far, this one included, or `None` when Redis is out of use or did not
    /// answer in time.
    pub async fn count_in_window(&self, kind: &str, id: &str, now_unix: u64) -> Option<u64> {
        let key = self.key(kind, id, window_start(now_unix));
        self.ask(self.count_at(&key, now_unix)).await
    }

    /// How many events of `id` under `kind` the window of `now_unix` holds, counting none:
    /// `None` when Redis is out of use or did not answer in time.
    pub async fn peek_in_window(&self, kind: &str, id: &str, now_unix: u64) -> Option<u64> {
        let key = self.key(kind, id, window_start(now_unix));
        self.ask(async move {
            let mut connection = self.connection.clone();
            redis::cmd("GET")
                .arg(&key)
                .query_async::<Option<u64>>(&mut connection)
                .await
                .map(Option::unwrap_or_default)
        })
        .await
    }

    /// Records `value` under `kind` and `id` until `expire_at` (unix seconds) unless something
    /// is recorded there already: `Some(None)` when this call recorded it, `Some(Some(earlier))`
    /// when `earlier` was there first, `None` when Redis is out of use or did not answer in
    /// time. One round trip (`SET key value NX GET EXAT`), atomic across instances.
    pub async fn record_once(
        &self,
        kind: &str,
        id: &str,
        value: &str,
        expire_at: u64,
    ) -> Option<Option<String>> {
        let key = self.key(kind, id, 0);
        self.ask(async move {
            let mut connection = self.connection.clone();
            redis::cmd("SET")
                .arg(&key)
                .arg(value)
                .arg("NX")
                .arg("GET")
                .arg("EXAT")
                // Kept past the end for instances whose clocks run behind Redis's.
                .arg(expire_at.saturating_add(KEY_GRACE))
                .query_async::<Option<String>>(&mut connection)
                .await
        })
        .await
    }

    /// `call`'s answer while the store is in use and Redis answers in time; else `None`, and
    /// a failure takes the store out of use.
    async fn ask<T>(&self, call: impl Future<Output = redis::RedisResult<T>>) -> Option<T> {
        if !self.in_use() {
            return None;
        }
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(answer)) => Some(answer),
            Ok(Err(error)) => {
                self.lose(&error);
                None
            }
            Err(_) => {
                self.lose(&"no answer in time");
                None
            }
        }
    }

    /// One round trip: `INCR key` and its expiry after the window of `now_unix`, atomically.
    async fn count_at(&self, key: &str, now_unix: u64) -> redis::RedisResult<u64> {
        let expire_at = i64::try_from(window_start(now_unix) + 60 + KEY_GRACE).unwrap_or(i64::MAX);
        let mut connection = self.connection.clone();
        let mut pipe = redis::pipe();
        pipe.atomic()
            .incr(key, 1)
            .expire_at(key, expire_at)
            .ignore();
        let (count,) = pipe.query_async::<(u64,)>(&mut connection).await?;
        Ok(count)
    }

    /// The key of `id` under `kind` in the window starting at `window` (0 for records).
    fn key(&self, kind: &str, id: &str, window: u64) -> String {
        let mut mac = self.hasher.clone();
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(id.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut key = String::with_capacity(self.prefix.len() + kind.len() + 48);
        let _ = write!(key, "{}:{kind}:{window}:", self.prefix);
        for byte in &digest[..16] {
            let _ = write!(key, "{byte:02x}");
        }
        key
    }

    /// Whether Redis would count a request now: the same command as a request's (so a Redis
    /// that answers PING but refuses writes, read-only or out of memory, is not taken back),
    /// on a probe key, within a request's timeout (so a Redis too slow for requests is not
    /// either). Probes are the background task's, once every half second at most.
    async fn ping(&self) -> bool {
        self.probe(self.timeout).await
    }

    /// [`RedisStore::ping`] within `timeout`.
    async fn probe(&self, timeout: Duration) -> bool {
        let now = devdraft_api::rate_limit::now_unix();
        let key = format!("{}:probe", self.prefix);
        let probe = self.count_at(&key, now);
        matches!(tokio::time::timeout(timeout, probe).await, Ok(Ok(_)))
    }

    fn set_in_use(&self, in_use: bool) {
        // The flag and the gauge change together: a loss racing a return cannot leave the
        // gauge saying 1 while requests count alone.
        let _transition = self
            .transition
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.in_use.store(in_use, Ordering::Relaxed);
        self.gauge.set(i64::from(in_use));
    }

    /// Takes the store out of use after a failed call: logged and reported once, by the
    /// request that saw it first.
    fn lose(&self, error: &dyn std::fmt::Display) {
        let transition = self
            .transition
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.in_use.swap(false, Ordering::Relaxed) {
            self.gauge.set(0);
            drop(transition);
            tracing::warn!(
                redis = %self.address,
                %error,
                "Redis failed: each instance counts its limits alone until it answers again"
            );
            self.lost.notify_one();
        }
    }
}

/// The background task: while the store is out of use, pings Redis until it answers, then
/// puts the store back in use. Ends with the store.
async fn watch(store: Weak<RedisStore>) {
    loop {
        let Some(strong) = store.upgrade() else {
            return;
        };
        if strong.in_use() {
            // Wait for a loss, looking again every few seconds whether the store is gone.
            let lost = async { strong.lost.notified().await };
            let _ = tokio::time::timeout(Duration::from_secs(5), lost).await;
            continue;
        }
        drop(strong);
        tokio::time::sleep(PING_EVERY).await;
        let Some(strong) = store.upgrade() else {
            return;
        };
        if strong.ping().await {
            strong.set_in_use(true);
            tracing::warn!(redis = %strong.address, "Redis answers again: limits are shared again");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keys_hold_no_counted_value_and_differ_by_kind_window_and_secret() {
        let gauge = Gauge::default();
        // Nothing listens there: the store starts out of use, which is what this test wants.
        let mut config = RedisConfig::new("redis://127.0.0.1:1");
        config.prefix = "test".to_owned();
        let store = RedisStore::connect(&config, b"secret", gauge.clone())
            .await
            .unwrap();
        assert!(!store.in_use());
        assert_eq!(gauge.get(), 0);
        assert_eq!(store.count_in_window("ip", "203.0.113.7", 120).await, None);
        let key = store.key("ip", "203.0.113.7", 120);
        assert!(key.starts_with("test:ip:120:"), "{key}");
        assert!(!key.contains("203.0.113.7"));
        assert_eq!(key.len(), "test:ip:120:".len() + 32);
        assert_ne!(key, store.key("budget", "203.0.113.7", 120));
        assert_ne!(key, store.key("ip", "203.0.113.7", 180));
        let other = RedisStore::connect(&config, b"other", Gauge::default())
            .await
            .unwrap();
        assert_ne!(key, other.key("ip", "203.0.113.7", 120));
    }

    #[tokio::test]
    async fn takes_tls_and_unix_socket_urls() {
        for url in ["rediss://127.0.0.1:1", "unix:///nonexistent/redis.sock"] {
            let store = RedisStore::connect(&RedisConfig::new(url), b"s", Gauge::default()).await;
            assert!(store.is_ok_and(|store| !store.in_use()), "{url}");
        }
    }

    #[tokio::test]
    async fn refuses_a_url_it_cannot_use() {
        let error = RedisStore::connect(&RedisConfig::new("http://x"), b"s", Gauge::default())
            .await
            .unwrap_err();
        assert!(error.to_string().contains("invalid Redis URL"), "{error}");
    }
}
