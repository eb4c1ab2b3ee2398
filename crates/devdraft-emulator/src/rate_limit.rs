//! The rate limit: a fixed one-minute window per client key, as Devdraft documents it.

use devdraft_api::rate_limit::{Hit, MinuteWindows};

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

/// Counts requests per client key in Devdraft's fixed one-minute windows.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    windows: MinuteWindows,
}

impl RateLimiter {
    /// A limiter of `limit` requests per minute per key (0: no limit).
    pub fn new(limit: u32) -> Self {
        RateLimiter {
            limit,
            windows: MinuteWindows::new(),
        }
    }

    /// Counts one request of `key` at `now` (unix seconds); `None` when there is no limit.
    pub fn hit(&self, key: &str, now: u64) -> Option<Window> {
        if self.limit == 0 {
            return None;
        }
        // Keys are counted before authentication; the windows bound the memory this takes.
        let Hit { count, reset } = self.windows.hit(key, now);
        Some(Window {
            limit: self.limit,
            remaining: self.limit.saturating_sub(count),
            reset,
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
