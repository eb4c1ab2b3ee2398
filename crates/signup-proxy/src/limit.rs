//! Rate limits behind one small trait, so state can move to a shared store (Redis is planned)
//! when the proxy runs as several instances; in memory today.

use std::{collections::HashMap, sync::Mutex, time::Duration};

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

/// [`RateLimiter`] in this process's memory: fixed one-minute windows.
#[derive(Debug)]
pub struct MemoryRateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<String, (u64, u32)>>,
}

impl MemoryRateLimiter {
    /// `per_minute` requests per key per minute; 0 allows everything.
    pub fn new(per_minute: u32) -> Self {
        MemoryRateLimiter {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }
}

impl RateLimiter for MemoryRateLimiter {
    fn check(&self, key: &str, now_unix: u64) -> Verdict {
        if self.per_minute == 0 {
            return Verdict::Allow;
        }
        let start = now_unix - now_unix % 60;
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > 100_000 {
            // Forget finished windows rather than grow without bound.
            windows.retain(|_, (window, _)| *window == start);
        }
        let entry = windows.entry(key.to_owned()).or_insert((start, 0));
        if entry.0 != start {
            *entry = (start, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        if entry.1 <= self.per_minute {
            Verdict::Allow
        } else {
            Verdict::Deny {
                retry_after: Duration::from_secs((start + 60 - now_unix).max(1)),
            }
        }
    }
}
