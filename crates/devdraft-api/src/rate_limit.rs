//! Devdraft's rate-limit arithmetic: fixed one-minute windows, aligned to the minute, counted
//! per key. The emulator enforces it per client key; the proxy applies the same windows to
//! client IPs and to its own budget of Devdraft's requests.

use std::{collections::HashMap, sync::Mutex};

/// Request counts per key in the current one-minute window.
#[derive(Debug, Default)]
pub struct MinuteWindows {
    /// The current window's start (unix seconds), and the count per key in it.
    windows: Mutex<(u64, HashMap<String, u32>)>,
}

/// One request counted: how many `key` has made in this window, and when the window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Requests of this key in this window, this one included.
    pub count: u32,
    /// When this window ends (unix seconds).
    pub reset: u64,
}

impl MinuteWindows {
    /// No requests counted yet.
    pub fn new() -> Self {
        MinuteWindows::default()
    }

    /// Counts one request of `key` at `now` (unix seconds).
    pub fn hit(&self, key: &str, now: u64) -> Hit {
        let start = now - now % 60;
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

    /// How many keys the current window holds.
    pub fn keys(&self) -> usize {
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
        let windows = MinuteWindows::new();
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
}
