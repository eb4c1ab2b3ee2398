//! Rate limits behind one small trait: counted in this process's memory for one instance
//! ([`MemoryRateLimiter`]), or in Redis when several instances must share them
//! ([`RedisRateLimiter`]).
//!
//! Two limits use it: creates (and, counted apart, proof-of-work challenges) per client IP
//! (`--rate-limit`) and creates sent upstream per Devdraft client key (`--upstream-budget`),
//! whose use so far also sets the challenges' cost. Both count Devdraft's fixed one-minute windows,
//! aligned to the minute, so a window here is a window there.

use std::{future::Future, pin::Pin, sync::Arc, time::Duration};

use devdraft_api::rate_limit::Window;

use crate::{Config, store::RedisStore};

/// A limiter, or `None` for no limit: a limit that is off costs a request nothing (no key
/// formatted, no clock read).
pub type Limiter = Option<Arc<dyn RateLimiter>>;

/// A limiter in this process's memory of `per_minute` requests per key; `None` for 0 (off).
pub fn in_memory(per_minute: u32) -> Limiter {
    (per_minute > 0).then(|| Arc::new(MemoryRateLimiter::new(per_minute)) as Arc<dyn RateLimiter>)
}

/// The two limits of one instance, which all its workers share.
#[derive(Clone)]
pub struct Limits {
    /// Creates per client IP.
    pub per_ip: Limiter,
    /// Creates sent upstream per Devdraft client key.
    pub budget: Limiter,
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits")
            .field("per_ip", &self.per_ip.is_some())
            .field("budget", &self.budget.is_some())
            .finish()
    }
}

impl Limits {
    /// `config`'s limits counted in this process alone.
    pub fn in_memory(config: &Config) -> Limits {
        Limits {
            per_ip: in_memory(config.rate_limit),
            budget: in_memory(config.upstream_budget),
        }
    }

    /// `config`'s limits counted in `store`, shared with every instance using it (each falls
    /// back to its own counts while the store cannot answer).
    pub fn shared(config: &Config, store: &Arc<RedisStore>) -> Limits {
        let limiter = |kind, per_minute| {
            (per_minute > 0).then(|| {
                Arc::new(RedisRateLimiter::new(Arc::clone(store), kind, per_minute))
                    as Arc<dyn RateLimiter>
            })
        };
        Limits {
            per_ip: limiter("ip", config.rate_limit),
            budget: limiter("budget", config.upstream_budget),
        }
    }
}

/// The key a client IP is counted under: the address, or for IPv6 its /64 (one host can
/// rotate through a whole /64, so counting addresses would let it through).
pub fn ip_key(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(ip) => ip.to_string(),
        std::net::IpAddr::V6(ip) => {
            let [a, b, c, d, ..] = ip.segments();
            format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
        }
    }
}

/// A verdict on one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead.
    Allow,
    /// Over the limit: retry after this long.
    Deny {
        /// When the window resets.
        retry_after: Duration,
    },
}

impl Verdict {
    /// The verdict on a request that left `window` (none: no limit), the same for every
    /// limiter: denied past the limit, until the window resets.
    fn of(window: Option<Window>, now_unix: u64) -> Verdict {
        match window {
            Some(window) if window.limited => Verdict::Deny {
                retry_after: Duration::from_secs(window.retry_after(now_unix)),
            },
            _ => Verdict::Allow,
        }
    }
}

/// A verdict to come: a shared store answers over the network.
pub type Check<'a> = Pin<Box<dyn Future<Output = Verdict> + Send + 'a>>;

/// A count to come.
pub type Count<'a> = Pin<Box<dyn Future<Output = u64> + Send + 'a>>;

/// Counts requests per key in fixed windows.
pub trait RateLimiter: Send + Sync {
    /// Counts one request of `key` at `now_unix` (seconds).
    fn check<'a>(&'a self, key: &'a str, now_unix: u64) -> Check<'a>;

    /// How many requests `key` has made in the window of `now_unix`, counting none.
    fn spent<'a>(&'a self, key: &'a str, now_unix: u64) -> Count<'a>;

    /// The requests allowed per key and window.
    fn per_minute(&self) -> u32;
}

/// [`RateLimiter`] in this process's memory: Devdraft's fixed one-minute windows.
#[derive(Debug)]
pub struct MemoryRateLimiter(devdraft_api::rate_limit::RateLimiter);

impl MemoryRateLimiter {
    /// `per_minute` requests per key per minute; 0 allows everything.
    pub fn new(per_minute: u32) -> Self {
        MemoryRateLimiter(devdraft_api::rate_limit::RateLimiter::new(per_minute))
    }

    /// The verdict, at once.
    fn verdict(&self, key: &str, now_unix: u64) -> Verdict {
        Verdict::of(self.0.hit(key, now_unix), now_unix)
    }
}

impl RateLimiter for MemoryRateLimiter {
    fn check<'a>(&'a self, key: &'a str, now_unix: u64) -> Check<'a> {
        Box::pin(std::future::ready(self.verdict(key, now_unix)))
    }

    fn spent<'a>(&'a self, key: &'a str, now_unix: u64) -> Count<'a> {
        Box::pin(std::future::ready(u64::from(self.0.count(key, now_unix))))
    }

    fn per_minute(&self) -> u32 {
        self.0.limit()
    }
}

/// [`RateLimiter`] in Redis: every instance sharing the store counts into the same window.
///
/// Each check is one round trip (INCR and EXPIREAT in one MULTI) on a key that names the
/// limit, the window and a keyed hash of what is counted, never the IP or client key itself.
/// This instance's own count is kept in memory as well, so when Redis cannot answer in time
/// the verdict comes from it (each instance then allows the whole limit alone) and a fallback
/// in mid-window starts from what this instance already let through.
pub struct RedisRateLimiter {
    store: Arc<RedisStore>,
    /// The limit's name in its keys: `ip` or `budget`.
    kind: &'static str,
    per_minute: u32,
    local: MemoryRateLimiter,
}

impl RedisRateLimiter {
    /// `per_minute` requests per key per minute (more than 0), counted in `store` under
    /// `kind`.
    pub fn new(store: Arc<RedisStore>, kind: &'static str, per_minute: u32) -> Self {
        RedisRateLimiter {
            store,
            kind,
            per_minute,
            local: MemoryRateLimiter::new(per_minute),
        }
    }
}

impl RateLimiter for RedisRateLimiter {
    fn check<'a>(&'a self, key: &'a str, now_unix: u64) -> Check<'a> {
        Box::pin(async move {
            let local = self.local.verdict(key, now_unix);
            match self.store.count_in_window(self.kind, key, now_unix).await {
                Some(count) => Verdict::of(
                    Some(Window::after(count, self.per_minute, now_unix)),
                    now_unix,
                ),
                None => local,
            }
        })
    }

    fn spent<'a>(&'a self, key: &'a str, now_unix: u64) -> Count<'a> {
        Box::pin(async move {
            match self.store.peek_in_window(self.kind, key, now_unix).await {
                Some(count) => count,
                None => self.local.spent(key, now_unix).await,
            }
        })
    }

    fn per_minute(&self) -> u32 {
        self.per_minute
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(limiter: &MemoryRateLimiter, key: &str, now: u64) -> Verdict {
        limiter.verdict(key, now)
    }

    #[test]
    fn counts_an_ipv6_host_by_its_64_and_forgets_old_windows() {
        let a: std::net::IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: std::net::IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(ip_key(a), ip_key(b));
        assert_eq!(ip_key("203.0.113.7".parse().unwrap()), "203.0.113.7");
        let limiter = MemoryRateLimiter::new(1);
        assert_eq!(check(&limiter, &ip_key(a), 120), Verdict::Allow);
        assert!(matches!(
            check(&limiter, &ip_key(b), 121),
            Verdict::Deny { .. }
        ));
        assert_eq!(
            check(&limiter, &ip_key(b), 180),
            Verdict::Allow,
            "a new window"
        );
        // That old windows' keys are forgotten is the shared limiter's test, in devdraft-api.
    }
}
