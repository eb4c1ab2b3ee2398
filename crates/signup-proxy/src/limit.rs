//! Rate limits behind one small trait, so state can move to a shared store (Redis is planned)
//! when the proxy runs as several instances; in memory today.

use std::{sync::Arc, time::Duration};

/// A limiter, or `None` for no limit: a limit that is off costs a request nothing (no key
/// formatted, no clock read).
pub type Limiter = Option<Arc<dyn RateLimiter>>;

/// A limiter in this process's memory of `per_minute` requests per key; `None` for 0 (off).
pub fn in_memory(per_minute: u32) -> Limiter {
    (per_minute > 0).then(|| Arc::new(MemoryRateLimiter::new(per_minute)) as Arc<dyn RateLimiter>)
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

/// Counts requests per key in fixed windows.
pub trait RateLimiter: Send + Sync {
    /// Counts one request of `key` at `now_unix` (seconds).
    fn check(&self, key: &str, now_unix: u64) -> Verdict;
}

/// [`RateLimiter`] in this process's memory: Devdraft's fixed one-minute windows.
#[derive(Debug)]
pub struct MemoryRateLimiter(devdraft_api::rate_limit::RateLimiter);

impl MemoryRateLimiter {
    /// `per_minute` requests per key per minute; 0 allows everything.
    pub fn new(per_minute: u32) -> Self {
        MemoryRateLimiter(devdraft_api::rate_limit::RateLimiter::new(per_minute))
    }
}

impl RateLimiter for MemoryRateLimiter {
    fn check(&self, key: &str, now_unix: u64) -> Verdict {
        match self.0.hit(key, now_unix) {
            Some(window) if window.limited => Verdict::Deny {
                retry_after: Duration::from_secs(window.retry_after(now_unix)),
            },
            _ => Verdict::Allow,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_an_ipv6_host_by_its_64_and_forgets_old_windows() {
        let a: std::net::IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: std::net::IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(ip_key(a), ip_key(b));
        assert_eq!(ip_key("203.0.113.7".parse().unwrap()), "203.0.113.7");
        let limiter = MemoryRateLimiter::new(1);
        assert_eq!(limiter.check(&ip_key(a), 120), Verdict::Allow);
        assert!(matches!(
            limiter.check(&ip_key(b), 121),
            Verdict::Deny { .. }
        ));
        assert_eq!(
            limiter.check(&ip_key(b), 180),
            Verdict::Allow,
            "a new window"
        );
        // That old windows' keys are forgotten is the shared limiter's test, in devdraft-api.
    }
}
