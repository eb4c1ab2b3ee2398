//! Devdraft's rate limit: fixed one-minute windows, aligned to the minute, counted per key. The
//! emulator enforces it per client key; the proxy applies the same limiter to client IPs and to
//! its own budget of Devdraft's requests.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

/// The time in unix seconds, which every function here takes.
pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// How long, by the system clock, until the next one-minute window starts.
pub fn until_next_window() -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let into = Duration::from_millis(u64::try_from(now.as_millis() % 60_000).unwrap_or(0));
    Duration::from_secs(60).saturating_sub(into)
}

/// The start of the one-minute window `now` falls in (unix seconds); it ends 60 s later.
pub fn window_start(now: u64) -> u64 {
    now - now % 60
}

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

impl Window {
    /// Seconds from `now` until the window resets: at least 1, as `Retry-After` says.
    pub fn retry_after(&self, now: u64) -> u64 {
        self.reset.saturating_sub(now).max(1)
    }
}

/// Counts requests per key in Devdraft's fixed one-minute windows.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    windows: MinuteWindows,
}

impl Window {
    /// The window of `now` after `count` requests (this one included) against `limit`.
    pub fn after(count: u64, limit: u32, now: u64) -> Window {
        Window {
            limit,
            remaining: u32::try_from(u64::from(limit).saturating_sub(count)).unwrap_or(0),
            reset: window_start(now) + 60,
            limited: count > u64::from(limit),
        }
    }
}

impl RateLimiter {
    /// A limiter of `limit` requests per minute per key (0: no limit).
    pub fn new(limit: u32) -> Self {
        RateLimiter {
            limit,
            windows: MinuteWindows::default(),
        }
    }

    /// Counts one request of `key` at `now` (unix seconds); `None` when there is no limit.
    pub fn hit(&self, key: &str, now: u64) -> Option<Window> {
        if self.limit == 0 {
            return None;
        }
        // Keys may be counted before authentication; the windows bound the memory this takes.
        let Hit { count, .. } = self.windows.hit(key, now);
        Some(Window::after(u64::from(count), self.limit, now))
    }

    /// The requests allowed per key and minute (0: no limit).
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// How many requests `key` has made in the window of `now`, counting none.
    pub fn count(&self, key: &str, now: u64) -> u32 {
        self.windows.count(key, now)
    }
}

/// Request counts per key in the current one-minute window.
#[derive(Debug, Default)]
struct MinuteWindows {
    /// The current window's start (unix seconds), and the count per key in it.
    windows: Mutex<(u64, HashMap<String, u32>)>,
}

/// One request counted: how many `key` has made in this window, and when the window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Hit {
    /// Requests of this key in this window, this one included.
    count: u32,
    /// When this window ends (unix seconds).
    reset: u64,
}

impl MinuteWindows {
    /// Counts one request of `key` at `now` (unix seconds).
    fn hit(&self, key: &str, now: u64) -> Hit {
        let start = window_start(now);
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (window, counts) = &mut *windows;
        if *window != start {
            // Windows are aligned to the minute, so a new one makes every count stale: memory
            // stays bounded by one minute's keys (which may be unauthenticated callers).
            *window = start;
            counts.clear();
        }
        let count = match counts.get_mut(key) {
            Some(count) => {
                *count = count.saturating_add(1);
                *count
            }
            None => {
                counts.insert(key.to_owned(), 1);
                1
            }
        };
        Hit {
            count,
            reset: start + 60,
        }
    }

    /// How many requests `key` has made in the window of `now` (0 once it is over).
    fn count(&self, key: &str, now: u64) -> u32 {
        let windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (window, counts) = &*windows;
        if *window == window_start(now) {
            counts.get(key).copied().unwrap_or(0)
        } else {
            0
        }
    }

    /// How many keys the current window holds.
    #[cfg(test)]
    fn keys(&self) -> usize {
        self.windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .1
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_key_within_the_minute_and_forgets_old_windows() {
        let windows = MinuteWindows::default();
        let at = 1_700_000_040;
        assert_eq!(
            windows.hit("a", at),
            Hit {
                count: 1,
                reset: 1_700_000_100
            }
        );
        assert_eq!(windows.hit("a", at + 19).count, 2);
        assert_eq!(windows.hit("b", at).count, 1);
        assert_eq!(windows.hit("a", at + 60).count, 1, "a new minute");
        assert_eq!(windows.keys(), 1, "the old window's keys are gone");
    }

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
