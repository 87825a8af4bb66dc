//! How often one client may make the server start a just-in-time producer (a seek): a
//! token bucket per client address. Playing on from where a producer is never costs a
//! token; only a request that needs a new producer at a new position does.
//!
//! Written here rather than taken from a crate: it is twenty lines over a `HashMap`, and the
//! clock is passed in so the tests need no sleeping.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Clients remembered at most; past this, clients whose bucket is full again are forgotten.
const MAX_CLIENTS: usize = 4096;

/// Seek budgets of the clients.
#[derive(Debug)]
pub struct SeekLimit {
    /// Tokens added per second; 0 turns the limit off.
    per_s: f64,
    /// Most tokens a client holds (seeks it may make in a quick run).
    burst: f64,
    clients: HashMap<Client, Bucket>,
}

/// Whom a budget belongs to: an IPv4 address, the /64 network of an IPv6 one (a host picks
/// its own address inside that), or every client whose address is unknown.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
enum Client {
    V4(u32),
    V6Net(u64),
    Unknown,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl SeekLimit {
    /// `per_minute` seeks sustained (0: no limit), `burst` at most in a quick run.
    pub fn new(per_minute: u32, burst: u32) -> SeekLimit {
        SeekLimit {
            per_s: f64::from(per_minute) / 60.0,
            burst: f64::from(burst.max(1)),
            clients: HashMap::new(),
        }
    }

    /// Whether `client` may seek now; Err says how long until it may.
    pub fn check(&mut self, client: Option<IpAddr>, now: Instant) -> Result<(), Duration> {
        if self.per_s <= 0.0 {
            return Ok(());
        }
        let tokens = self.tokens(client_key(client), now);
        if tokens >= 1.0 {
            return Ok(());
        }
        Err(Duration::from_secs_f64((1.0 - tokens) / self.per_s))
    }

    /// Spends one of `client`'s seeks (after [`SeekLimit::check`] allowed it).
    pub fn take(&mut self, client: Option<IpAddr>, now: Instant) {
        if self.per_s <= 0.0 {
            return;
        }
        let key = client_key(client);
        let tokens = self.tokens(key, now);
        if !self.clients.contains_key(&key) && self.clients.len() >= MAX_CLIENTS {
            self.forget_full(now);
        }
        self.clients.insert(
            key,
            Bucket {
                tokens: (tokens - 1.0).max(0.0),
                at: now,
            },
        );
    }

    /// The client's tokens at `now`.
    fn tokens(&self, key: Client, now: Instant) -> f64 {
        self.clients.get(&key).map_or(self.burst, |b| {
            let refill = now.saturating_duration_since(b.at).as_secs_f64() * self.per_s;
            (b.tokens + refill).min(self.burst)
        })
    }

    /// Drops the clients whose bucket has filled up again (they are as if new); should the
    /// list still be full, the oldest half goes (those clients get a fresh budget).
    fn forget_full(&mut self, now: Instant) {
        let (per_s, burst) = (self.per_s, self.burst);
        self.clients.retain(|_, b| {
            b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_s < burst
        });
        if self.clients.len() >= MAX_CLIENTS {
            let mut ages: Vec<Instant> = self.clients.values().map(|b| b.at).collect();
            ages.sort_unstable();
            let cut = ages[ages.len() / 2];
            self.clients.retain(|_, b| b.at > cut);
        }
    }
}

fn client_key(client: Option<IpAddr>) -> Client {
    match client.map(|ip| ip.to_canonical()) {
        Some(IpAddr::V4(v4)) => Client::V4(u32::from(v4)),
        Some(IpAddr::V6(v6)) => Client::V6Net((u128::from(v6) >> 64) as u64),
        None => Client::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("an address"))
    }

    #[test]
    fn a_client_gets_its_burst_then_waits_for_the_next_seek() {
        let mut limit = SeekLimit::new(6, 3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limit.check(ip("10.0.0.5"), t0).is_ok());
            limit.take(ip("10.0.0.5"), t0);
        }
        let wait = limit.check(ip("10.0.0.5"), t0).expect_err("out of seeks");
        assert_eq!(wait, Duration::from_secs(10), "6 a minute: one every 10 s");
        assert!(limit.check(ip("10.0.0.5"), t0 + wait).is_ok());
    }

    #[test]
    fn clients_have_budgets_of_their_own_and_ipv6_hosts_share_their_network() {
        let mut limit = SeekLimit::new(1, 1);
        let t0 = Instant::now();
        limit.take(ip("10.0.0.5"), t0);
        limit.take(ip("fd00::1"), t0);
        assert!(limit.check(ip("10.0.0.5"), t0).is_err());
        assert!(limit.check(ip("10.0.0.6"), t0).is_ok());
        assert!(limit.check(ip("fd00::2"), t0).is_err(), "same /64");
        assert!(limit.check(ip("fd00:0:0:1::1"), t0).is_ok());
        assert!(
            limit.check(ip("::ffff:10.0.0.5"), t0).is_err(),
            "mapped IPv4"
        );
    }

    #[test]
    fn zero_per_minute_means_no_limit() {
        let mut limit = SeekLimit::new(0, 1);
        let t0 = Instant::now();
        for _ in 0..100 {
            limit.take(ip("10.0.0.5"), t0);
        }
        assert!(limit.check(ip("10.0.0.5"), t0).is_ok());
    }

    #[test]
    fn the_client_list_stays_bounded() {
        let mut limit = SeekLimit::new(1, 2);
        let t0 = Instant::now();
        for i in 0..(MAX_CLIENTS as u32 * 3) {
            limit.take(
                Some(IpAddr::V4(i.into())),
                t0 + Duration::from_millis(i.into()),
            );
        }
        assert!(limit.clients.len() <= MAX_CLIENTS);
    }
}
