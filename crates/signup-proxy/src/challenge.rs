//! The proof of work a browser shows before each create: ALTCHA Proof-of-Work v2 (the `altcha`
//! crate), so that spending the Devdraft quota costs a bot CPU on every create.
//!
//! `GET /api/challenge` answers a fresh challenge: PBKDF2/SHA-256 with `cost` iterations per
//! attempt, in deterministic mode (the server picks the counter the solver must reach, below
//! [`ATTEMPTS`], and signs the derived key, so checking a solution is two HMACs, never a
//! derivation), signed with the deployment's secret and expiring after [`ChallengeConfig::lifetime`].
//! `POST /api/customers` then wants `x-altcha`: base64 of `{"challenge", "solution"}`.
//!
//! One solution, one create: a solution is recorded with the idempotency key it first came
//! with until its challenge expires (in this instance's memory, and in Redis with `--redis`),
//! so it is accepted again only for a retry of that same create.
//!
//! The cost rises with the upstream budget's use in the current window (×4 past half, ×16
//! from 80%), and falls back when a new window starts. It is a parameter of the signed
//! challenge, so no client can lower it.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use altcha::{Challenge, CreateChallengeOptions, Payload, VerifySolutionOptions};
use axum::http::HeaderValue;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::store::RedisStore;

/// The key derivation every challenge uses: native WebCrypto in every browser.
pub const ALGORITHM: &str = "PBKDF2/SHA-256";

/// The counter a solver must reach is drawn uniformly below this, so a solve takes
/// `ATTEMPTS / 2` derivations on average and never more than `ATTEMPTS`.
pub const ATTEMPTS: u32 = 600;

/// The header a create carries its solution in.
pub const HEADER: &str = "x-altcha";

/// How the challenge is set up.
#[derive(Clone)]
pub struct ChallengeConfig {
    /// PBKDF2 iterations per attempt at the base level (ALTCHA's `cost`).
    pub cost: u32,
    /// How long after it is issued a challenge may be used.
    pub lifetime: Duration,
    /// The secret challenges are signed with (`SIGNUP_CHALLENGE_SECRET`); `None` derives one
    /// from the idempotency secret or the client secret, the same in every instance.
    pub secret: Option<String>,
}

impl std::fmt::Debug for ChallengeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChallengeConfig")
            .field("cost", &self.cost)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl Default for ChallengeConfig {
    /// 5,000 iterations per attempt, five minutes to use it, a derived secret.
    fn default() -> Self {
        ChallengeConfig {
            cost: DEFAULT_COST,
            lifetime: Duration::from_secs(300),
            secret: None,
        }
    }
}

/// `--challenge-cost`'s default.
pub const DEFAULT_COST: u32 = 5_000;

/// Why a create's solution was refused: each has a stable code for clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No `x-altcha` header.
    Required,
    /// Not base64 of the payload JSON, not signed by us, or not a solution.
    Invalid,
    /// Its challenge expired.
    Expired,
    /// Already used for another create.
    Used,
}

impl Refusal {
    /// The stable code in the answer's `code`.
    pub const fn code(self) -> &'static str {
        match self {
            Refusal::Required => "challenge_required",
            Refusal::Invalid => "challenge_invalid",
            Refusal::Expired => "challenge_expired",
            Refusal::Used => "challenge_used",
        }
    }

    /// What the answer's `message` says.
    pub const fn message(self) -> &'static str {
        match self {
            Refusal::Required => {
                "Solve a challenge from GET /api/challenge and send the solution in the x-altcha header"
            }
            Refusal::Invalid => "The x-altcha header is not a valid solution of our challenge",
            Refusal::Expired => "The challenge expired; solve a new one",
            Refusal::Used => {
                "This solution was already used for another customer; solve a new challenge"
            }
        }
    }
}

/// The cost multiplier for an upstream budget of `budget` per window with `spent` used: 1,
/// 4 past half of it, 16 from 80%; 1 without a budget.
pub fn level(spent: u64, budget: u32) -> u32 {
    let budget = u64::from(budget);
    if budget == 0 {
        1
    } else if spent * 10 >= budget * 8 {
        16
    } else if spent * 2 > budget {
        4
    } else {
        1
    }
}

/// Issues challenges and checks solutions; one per worker, sharing [`UsedSolutions`].
pub struct Challenges {
    config: ChallengeConfig,
    /// Signs challenges (hex of a derived secret).
    signature_secret: String,
    /// Signs derived keys, so a solution is checked without a derivation.
    key_secret: String,
    used: Arc<UsedSolutions>,
}

impl Challenges {
    /// Challenges signed with `config.secret`, else with secrets derived from `base`.
    pub fn new(config: ChallengeConfig, base: &[u8], used: Arc<UsedSolutions>) -> Self {
        let base = config.secret.as_deref().map_or(base, str::as_bytes);
        let secret = |purpose: &[u8]| {
            let mut mac =
                Hmac::<Sha256>::new_from_slice(base).expect("HMAC takes keys of any length");
            mac.update(purpose);
            mac.finalize()
                .into_bytes()
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect()
        };
        let signature_secret = secret(b"signup challenge signature v1");
        let key_secret = secret(b"signup challenge key signature v1");
        Challenges {
            config,
            signature_secret,
            key_secret,
            used,
        }
    }

    /// A fresh challenge at `level` times the base cost, expiring `lifetime` after `now_unix`.
    /// Takes one derivation at that cost: call it off the request threads.
    pub fn issue(&self, level: u32, now_unix: u64) -> Result<Challenge, altcha::Error> {
        let expires = now_unix.saturating_add(self.config.lifetime.as_secs());
        altcha::create_challenge(CreateChallengeOptions {
            algorithm: ALGORITHM.to_owned(),
            cost: self.config.cost.saturating_mul(level),
            // The one secret of a deterministic challenge: from the system's secure generator
            // (a UUID v4's random bits), so no solved challenge tells the next counter.
            counter: Some(secure_u32() % ATTEMPTS),
            expires_at: Some(i64::try_from(expires).unwrap_or(i64::MAX)),
            hmac_signature_secret: Some(self.signature_secret.clone()),
            hmac_key_signature_secret: Some(self.key_secret.clone()),
            ..CreateChallengeOptions::default()
        })
    }

    /// Whether `header` holds a solution of one of our challenges, unexpired, at least as costly
    /// as challenges at `level` are, and unused except by the same create (`key`, the request's
    /// idempotency key). Records it as used.
    pub async fn check(
        &self,
        header: Option<&HeaderValue>,
        key: Option<uuid::Uuid>,
        level: u32,
    ) -> Result<(), Refusal> {
        let header = header.ok_or(Refusal::Required)?;
        let payload = base64::engine::general_purpose::STANDARD
            .decode(header.as_bytes().trim_ascii())
            .ok()
            .and_then(|json| serde_json::from_slice::<Payload>(&json).ok())
            .ok_or(Refusal::Invalid)?;
        let result = altcha::verify_solution(VerifySolutionOptions {
            hmac_key_signature_secret: Some(self.key_secret.clone()),
            ..VerifySolutionOptions::new(
                &payload.challenge,
                &payload.solution,
                self.signature_secret.as_str(),
            )
        })
        .map_err(|_| Refusal::Invalid)?;
        if result.expired {
            return Err(Refusal::Expired);
        }
        let (true, Some(signature)) = (result.verified, payload.challenge.signature.as_deref())
        else {
            return Err(Refusal::Invalid);
        };
        // Issued before the upstream budget ran low: cheaper than challenges are now, so it
        // cannot be spent while the cost is raised (the widget fetches a new one).
        if payload.challenge.parameters.cost < self.config.cost.saturating_mul(level) {
            return Err(Refusal::Expired);
        }
        let expires = payload
            .challenge
            .parameters
            .expires_at
            .and_then(|at| u64::try_from(at).ok())
            .ok_or(Refusal::Invalid)?;
        let key = key.map(|key| key.to_string()).unwrap_or_default();
        match self.used.record(signature, &key, expires).await {
            None => Ok(()),
            // The same create, retried: a request without a key is never the same create.
            Some(earlier) if !key.is_empty() && earlier == key => Ok(()),
            Some(_) => Err(Refusal::Used),
        }
    }
}

/// The solutions used so far, each with the idempotency key it came with, until its challenge
/// expires: in Redis when there is one (every instance sees them), and always in this
/// instance's memory (which answers while Redis cannot).
#[derive(Debug, Default)]
pub struct UsedSolutions {
    store: Option<Arc<RedisStore>>,
    /// By challenge signature: the key, and when the challenge expires (unix seconds).
    memory: Mutex<Memory>,
}

#[derive(Debug, Default)]
struct Memory {
    used: HashMap<String, (String, u64)>,
    /// The size past which expired entries are dropped.
    prune_at: usize,
}

impl UsedSolutions {
    /// Solutions recorded in `store` (and in memory), or in memory alone.
    pub fn new(store: Option<Arc<RedisStore>>) -> Self {
        UsedSolutions {
            store,
            memory: Mutex::default(),
        }
    }

    /// Records `key` for `signature` until `expires`: `None` when it is new, else the key it
    /// was first recorded with, in Redis or here (a solution this instance saw while Redis was
    /// out counts as used too). What Redis recorded first is what this instance remembers.
    async fn record(&self, signature: &str, key: &str, expires: u64) -> Option<String> {
        let shared = match &self.store {
            Some(store) => store.record_once("solution", signature, key, expires).await,
            None => None,
        };
        match shared {
            Some(Some(earlier)) => {
                self.record_here(signature, &earlier, expires);
                Some(earlier)
            }
            // New to Redis, or Redis out: what this instance saw decides.
            _ => self.record_here(signature, key, expires),
        }
    }

    /// Records `key` for `signature` here unless something is recorded already: `None` when it
    /// is new, else what was there.
    fn record_here(&self, signature: &str, key: &str, expires: u64) -> Option<String> {
        let mut memory = self
            .memory
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((earlier, _)) = memory.used.get(signature) {
            return Some(earlier.clone());
        }
        if memory.used.len() >= memory.prune_at {
            // Amortized: expired entries go when the map has doubled since the last sweep.
            let now = devdraft_api::rate_limit::now_unix();
            memory.used.retain(|_, (_, expires)| *expires >= now);
            memory.prune_at = (memory.used.len() * 2).max(1024);
        }
        memory
            .used
            .insert(signature.to_owned(), (key.to_owned(), expires));
        None
    }
}

/// 32 bits from the system's secure random generator.
fn secure_u32() -> u32 {
    let bytes = *uuid::Uuid::new_v4().as_bytes();
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenges() -> Challenges {
        let config = ChallengeConfig {
            cost: 10,
            ..ChallengeConfig::default()
        };
        Challenges::new(config, b"base", Arc::new(UsedSolutions::new(None)))
    }

    fn header_of(challenge: &Challenge) -> HeaderValue {
        let solution = altcha::solve_challenge(altcha::SolveChallengeOptions::new(challenge))
            .unwrap()
            .unwrap();
        let payload = serde_json::to_vec(&Payload {
            challenge: challenge.clone(),
            solution,
        })
        .unwrap();
        HeaderValue::from_str(&base64::engine::general_purpose::STANDARD.encode(payload)).unwrap()
    }

    #[test]
    fn the_level_follows_the_budget() {
        assert_eq!(level(99, 0), 1);
        assert_eq!(level(50, 100), 1);
        assert_eq!(level(51, 100), 4);
        assert_eq!(level(79, 100), 4);
        assert_eq!(level(80, 100), 16);
        assert_eq!(level(500, 100), 16);
    }

    #[tokio::test]
    async fn accepts_a_solution_once_per_create() {
        let challenges = challenges();
        let now = devdraft_api::rate_limit::now_unix();
        let challenge = challenges.issue(4, now).unwrap();
        assert_eq!(challenge.parameters.cost, 40);
        assert_eq!(challenge.parameters.algorithm, ALGORITHM);
        let header = header_of(&challenge);
        let key = Some(uuid::Uuid::new_v4());
        assert_eq!(challenges.check(Some(&header), key, 1).await, Ok(()));
        assert_eq!(
            challenges.check(Some(&header), key, 1).await,
            Ok(()),
            "a retry"
        );
        let other = Some(uuid::Uuid::new_v4());
        assert_eq!(
            challenges.check(Some(&header), other, 1).await,
            Err(Refusal::Used)
        );
        assert_eq!(
            challenges.check(Some(&header), None, 1).await,
            Err(Refusal::Used)
        );
        // A cheaper challenge than the level asks for now is refused, unused.
        let cheap = header_of(&challenges.issue(1, now).unwrap());
        assert_eq!(
            challenges.check(Some(&cheap), key, 4).await,
            Err(Refusal::Expired)
        );
        assert_eq!(challenges.check(Some(&cheap), key, 1).await, Ok(()));
    }

    #[tokio::test]
    async fn refuses_what_is_missing_malformed_foreign_or_expired() {
        let challenges = challenges();
        let now = devdraft_api::rate_limit::now_unix();
        assert_eq!(
            challenges.check(None, None, 1).await,
            Err(Refusal::Required)
        );
        let garbage = HeaderValue::from_static("not base64!");
        assert_eq!(
            challenges.check(Some(&garbage), None, 1).await,
            Err(Refusal::Invalid)
        );
        let foreign = Challenges::new(
            ChallengeConfig {
                cost: 10,
                ..ChallengeConfig::default()
            },
            b"another deployment",
            Arc::new(UsedSolutions::new(None)),
        );
        let theirs = header_of(&foreign.issue(1, now).unwrap());
        assert_eq!(
            challenges.check(Some(&theirs), None, 1).await,
            Err(Refusal::Invalid)
        );
        let expired = header_of(&challenges.issue(1, now - 600).unwrap());
        assert_eq!(
            challenges.check(Some(&expired), None, 1).await,
            Err(Refusal::Expired)
        );
    }
}
