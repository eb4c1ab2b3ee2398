//! The rate limit: a fixed one-minute window per client key, as Devdraft documents it.

use std::{collections::HashMap, sync::Mutex};

/// The state of a caller's window after counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Requests allowed per window.
    pub limit: u32,
    /// Requests left in this window.
    pub remaining: u32,
    /// When this window ends (unix seconds).
    pub reset: u64,
    /// Whether this request is over the limit.
    pub limited: bool,
}

/// Counts requests per client key in fixed windows of 60 seconds.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    /// The current window's start, and the count per key in it.
    windows: Mutex<(u64, HashMap<String, u32>)>,
}

impl RateLimiter {
    /// A limiter of `limit` requests per minute per key (0: no limit).
    pub fn new(limit: u32) -> Self {
        RateLimiter {
            limit,
            windows: Mutex::new((0, HashMap::new())),
        }
    }

    /// Counts one request of `key` at `now` (unix seconds); `None` when there is no limit.
    pub fn hit(&self, key: &str, now: u64) -> Option<Window> {
        if self.limit == 0 {
            return None;
        }
        let start = now - now % 60;
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.0 != start {
            // Windows are aligned to the minute, so a new one makes every count stale; keys
            // are counted before authentication, so this is what bounds the map.
            *windows = (start, HashMap::new());
        }
        let count = windows.1.entry(key.to_owned()).or_insert(0);
        *count = count.saturating_add(1);
        let count = *count;
        Some(Window {
            limit: self.limit,
            remaining: self.limit.saturating_sub(count),
            reset: start + 60,
            limited: count > self.limit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_limit_per_minute_then_refuses_until_the_window_resets() {
        let limiter = RateLimiter::new(3);
        let at = 1_700_000_040;
        let windows: Vec<Window> = (0..4).map(|_| limiter.hit("k", at).unwrap()).collect();
        assert_eq!(
            windows.iter().map(|w| w.remaining).collect::<Vec<_>>(),
            [2, 1, 0, 0]
        );
        assert_eq!(
            windows.iter().map(|w| w.limited).collect::<Vec<_>>(),
            [false, false, false, true]
        );
        assert_eq!(windows[0].reset, 1_700_000_100);
        assert!(!limiter.hit("other key", at).unwrap().limited);
        assert!(!limiter.hit("k", at + 60).unwrap().limited);
        assert_eq!(RateLimiter::new(0).hit("k", at), None);
    }
}
