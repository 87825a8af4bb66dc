//! Throttling of failed attempts (sign-ins, and TV pairing codes), per (account, client
//! address) and per client address, in memory: a restart clears it, which is acceptable for a
//! LAN server and avoids a write per failed attempt.
//!
//! An attempt is *reserved* before its secret is checked: under the lock it is counted as a
//! failure in flight, so a burst of concurrent guesses gets no more checks than the limit.
//! A success gives its reservation back and clears the (account, address) count. The lock is
//! per (account, address), so guesses from one address never lock an account out elsewhere
//! (the office PC); the per-address limit stops one address from trying many accounts.

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
    /// Failures, including reserved attempts still being checked.
    failures: u32,
    since: Instant,
}

/// One reserved attempt: a failure unless [`Reservation::succeeded`] or
/// [`Reservation::release`] says otherwise before it is dropped.
#[must_use = "a reservation counts as a failure unless told otherwise"]
pub struct Reservation<'a> {
    throttle: &'a Throttle,
    keys: [String; 2],
}

impl Throttle {
    /// `per_account` failures on one account from one address, or `per_address` failures
    /// from one address on any accounts, within `lockout` lock that key for `lockout`.
    pub fn new(per_account: u32, per_address: u32, lockout: Duration) -> Self {
        Throttle {
            per_account,
            per_address,
            lockout,
            state: Mutex::new(HashMap::new()),
        }
    }

    fn keys(name: &str, from: IpAddr) -> [String; 2] {
        // Real names have at most 32 characters; a longer one is a guess, and a megabyte
        // of it must not be kept as a key.
        let name: String = name.chars().take(33).collect();
        [format!("user:{from}:{name}"), format!("addr:{from}")]
    }

    /// Reserves one attempt on `name` from `from`, counting it as a failure until told
    /// otherwise; refuses when the (account, address) or the address has no tries left.
    pub fn reserve(&self, name: &str, from: IpAddr) -> Result<Reservation<'_>, AccountsError> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        state.retain(|_, e| now.duration_since(e.since) < self.lockout);
        let keys = Self::keys(name, from);
        let limits = [self.per_account, self.per_address];
        for (key, limit) in keys.iter().zip(limits) {
            if let Some(e) = state.get(key) {
                if e.failures >= limit {
                    let left = self.lockout.saturating_sub(now.duration_since(e.since));
                    return Err(AccountsError::Throttled {
                        retry_after_secs: left.as_secs().max(1),
                    });
                }
            }
        }
        for key in &keys {
            let e = state.entry(key.clone()).or_insert(Entry {
                failures: 0,
                since: now,
            });
            e.failures += 1;
        }
        Ok(Reservation {
            throttle: self,
            keys,
        })
    }

    fn give_back(&self, keys: &[String; 2], clear_account: bool) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let [user_key, addr_key] = keys;
        if clear_account {
            state.remove(user_key);
        } else if let Some(e) = state.get_mut(user_key) {
            e.failures = e.failures.saturating_sub(1);
        }
        if let Some(e) = state.get_mut(addr_key) {
            e.failures = e.failures.saturating_sub(1);
        }
    }
}

impl Reservation<'_> {
    /// The secret was right: the attempt is not a failure and the (account, address) count
    /// starts again. The address keeps its other failures.
    pub fn succeeded(self) {
        self.throttle.give_back(&self.keys, true);
    }

    /// No secret was checked (the server was busy, the request was malformed): the attempt
    /// counts for nothing.
    pub fn release(self) {
        self.throttle.give_back(&self.keys, false);
    }

    /// The secret was wrong: the reservation stays counted (the same as dropping it).
    pub fn failed(self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_account_is_locked_for_one_address_after_the_allowed_failures() {
        let t = Throttle::new(3, 100, Duration::from_secs(60));
        for _ in 0..3 {
            t.reserve("zhang", ip("10.0.0.2")).unwrap().failed();
        }
        assert!(matches!(
            t.reserve("zhang", ip("10.0.0.2")),
            Err(AccountsError::Throttled { .. })
        ));
        t.reserve("li", ip("10.0.0.2")).unwrap().release();
        t.reserve("zhang", ip("10.0.0.5")).unwrap().succeeded();
    }

    #[test]
    fn reservations_in_flight_count_until_they_are_given_back() {
        let t = Throttle::new(2, 100, Duration::from_secs(60));
        let a = t.reserve("zhang", ip("10.0.0.2")).unwrap();
        let b = t.reserve("zhang", ip("10.0.0.2")).unwrap();
        assert!(t.reserve("zhang", ip("10.0.0.2")).is_err(), "two in flight");
        a.release();
        b.succeeded();
        t.reserve("zhang", ip("10.0.0.2")).unwrap().failed();
        t.reserve("zhang", ip("10.0.0.2")).unwrap().failed();
        assert!(t.reserve("zhang", ip("10.0.0.2")).is_err());
    }

    #[test]
    fn an_address_is_locked_after_failures_across_many_accounts() {
        let t = Throttle::new(100, 4, Duration::from_secs(60));
        for i in 0..4 {
            t.reserve(&format!("u{i}"), ip("10.0.0.3"))
                .unwrap()
                .failed();
        }
        assert!(t.reserve("fresh", ip("10.0.0.3")).is_err());
        assert!(t.reserve("fresh", ip("10.0.0.4")).is_ok());
    }
}
