//! How many commands (pause, resume, seek, stop, volume) one caller may send to TVs a
//! minute: a TV's small UPnP stack is easily swamped, and a stuck button on a phone should
//! not keep the server talking to it. Fixed one-minute windows per caller key, on the
//! monotonic clock (unlike the plays' limits, nothing here is on the ledger's clock).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);
/// Keys past this many are pruned of finished windows, then cleared (memory stays bounded).
const MAX_KEYS: usize = 20_000;

/// Per-caller command counts.
#[derive(Default)]
pub struct CommandBudget(Mutex<HashMap<String, (Instant, u32)>>);

impl CommandBudget {
    /// Counts one command for `key`; `Err(retry_after_secs)` when it has had `per_minute`
    /// in this window already (nothing is counted then). `per_minute` 0: no limit.
    pub fn take(&self, key: &str, per_minute: u32) -> Result<(), u64> {
        self.take_at(key, per_minute, Instant::now())
    }

    fn take_at(&self, key: &str, per_minute: u32, now: Instant) -> Result<(), u64> {
        if per_minute == 0 {
            return Ok(());
        }
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_KEYS && !map.contains_key(key) {
            map.retain(|_, (since, _)| now.saturating_duration_since(*since) < WINDOW);
            if map.len() >= MAX_KEYS {
                map.clear();
            }
        }
        let (since, n) = map.entry(key.to_owned()).or_insert((now, 0));
        if now.saturating_duration_since(*since) >= WINDOW {
            (*since, *n) = (now, 0);
        }
        if *n >= per_minute {
            let left = WINDOW.saturating_sub(now.saturating_duration_since(*since));
            return Err(left.as_secs().max(1));
        }
        *n += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_gets_its_commands_a_minute_and_is_told_when_to_come_back() {
        let b = CommandBudget::default();
        let t0 = Instant::now();
        let at = |s| t0 + Duration::from_secs(s);
        for _ in 0..3 {
            assert!(b.take_at("device:a", 3, at(0)).is_ok());
        }
        assert_eq!(b.take_at("device:a", 3, at(20)), Err(40));
        assert!(
            b.take_at("device:b", 3, at(20)).is_ok(),
            "another caller counts apart"
        );
        assert!(
            b.take_at("device:a", 3, at(60)).is_ok(),
            "a new minute starts over"
        );
        assert!(b.take_at("x", 0, at(60)).is_ok(), "0: no limit");
    }
}
