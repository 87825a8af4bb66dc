//! Per-client counters for what a client may do in an hour (start plays, write discussion
//! and feedback), on the plays' own clock so tests can script it. Hand-written rather than a
//! rate-limiting crate: those keep their own monotonic clock, and the plays' rules (the
//! same-day window, idle closing) are all on the scripted ledger clock.

use std::collections::HashMap;
use std::sync::Mutex;

/// One hour, in milliseconds: the window every counter counts in.
const WINDOW_MS: i64 = 3_600_000;

/// Counters past this many clients are pruned of finished windows first; if every one is
/// still live the oldest go (memory stays bounded whatever the LAN sends).
const MAX_CLIENTS: usize = 20_000;

/// Fixed one-hour windows per client key.
#[derive(Default)]
pub(super) struct HourlyCounter(Mutex<HashMap<String, (i64, u32)>>);

impl HourlyCounter {
    /// Counts one more for `key` at `now_ms`; `Err(retry_after_secs)` when the key already
    /// has `limit` in its current window (nothing is counted then).
    pub(super) fn take(&self, key: &str, limit: u32, now_ms: i64) -> Result<(), u64> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_CLIENTS && !map.contains_key(key) {
            map.retain(|_, (since, _)| now_ms - *since < WINDOW_MS);
            if map.len() >= MAX_CLIENTS {
                let oldest = map.iter().min_by_key(|(_, (since, _))| *since);
                if let Some(k) = oldest.map(|(k, _)| k.clone()) {
                    map.remove(&k);
                }
            }
        }
        let (since, n) = map.entry(key.to_owned()).or_insert((now_ms, 0));
        if now_ms - *since >= WINDOW_MS || now_ms < *since {
            *since = now_ms;
            *n = 0;
        }
        if *n >= limit {
            let left_ms = (*since + WINDOW_MS - now_ms).max(1000);
            return Err((left_ms as u64).div_ceil(1000));
        }
        *n += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_limit_per_hour_and_is_told_when_to_come_back() {
        let c = HourlyCounter::default();
        for _ in 0..3 {
            assert!(c.take("a", 3, 0).is_ok());
        }
        assert_eq!(c.take("a", 3, 600_000), Err(3000));
        assert!(
            c.take("b", 3, 600_000).is_ok(),
            "another client counts apart"
        );
        assert!(c.take("a", 3, WINDOW_MS).is_ok(), "a new hour starts over");
    }
}
