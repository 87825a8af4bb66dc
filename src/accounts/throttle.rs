//! Throttling of failed sign-ins, per account and per client address, in memory: a restart
//! clears it, which is acceptable for a LAN server and avoids a write per failed attempt.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::AccountsError;

/// Counts failures in a window and locks a key once it has too many.
pub struct Throttle {
    per_account: u32,
    per_address: u32,
    lockout: Duration,
    state: Mutex<HashMap<String, Entry>>,
}

#[derive(Clone, Copy)]
struct Entry {
    failures: u32,
    since: Instant,
}

impl Throttle {
    /// `per_account`/`per_address` failures within `lockout` lock that key for `lockout`.
    pub fn new(per_account: u32, per_address: u32, lockout: Duration) -> Self {
        Throttle {
            per_account,
            per_address,
            lockout,
            state: Mutex::new(HashMap::new()),
        }
    }

    fn keys(name: &str, from: IpAddr) -> [String; 2] {
        [format!("user:{name}"), format!("addr:{from}")]
    }

    /// Refuses when the account or the address is locked.
    pub fn check(&self, name: &str, from: IpAddr) -> Result<(), AccountsError> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        state.retain(|_, e| now.duration_since(e.since) < self.lockout);
        let [user_key, addr_key] = Self::keys(name, from);
        for (key, limit) in [(user_key, self.per_account), (addr_key, self.per_address)] {
            if let Some(e) = state.get(&key) {
                if e.failures >= limit {
                    let left = self.lockout.saturating_sub(now.duration_since(e.since));
                    return Err(AccountsError::Throttled {
                        retry_after_secs: left.as_secs().max(1),
                    });
                }
            }
        }
        Ok(())
    }

    /// Counts a failed attempt against the account and the address.
    pub fn failed(&self, name: &str, from: IpAddr) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        for key in Self::keys(name, from) {
            let e = state.entry(key).or_insert(Entry {
                failures: 0,
                since: Instant::now(),
            });
            e.failures += 1;
        }
    }

    /// Clears the account's count after a good sign-in.
    pub fn succeeded(&self, name: &str) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.remove(&format!("user:{name}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_locked_after_the_allowed_failures_and_others_are_not() {
        let t = Throttle::new(3, 100, Duration::from_secs(60));
        let ip: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..3 {
            t.check("zhang", ip).unwrap();
            t.failed("zhang", ip);
        }
        assert!(matches!(
            t.check("zhang", ip),
            Err(AccountsError::Throttled { .. })
        ));
        t.check("li", ip).unwrap();
    }

    #[test]
    fn an_address_is_locked_after_failures_across_many_accounts() {
        let t = Throttle::new(100, 4, Duration::from_secs(60));
        let ip: IpAddr = "10.0.0.3".parse().unwrap();
        for i in 0..4 {
            t.failed(&format!("u{i}"), ip);
        }
        assert!(t.check("fresh", ip).is_err());
        assert!(t.check("fresh", "10.0.0.4".parse().unwrap()).is_ok());
    }
}
