//! Who is watching through one producer: the clients it served segments to, how many and
//! how lately. A client playing on through a producer (two segments or more, lately) holds
//! it: another viewer's seek starts a producer of its own rather than move this one away.
//! A client that only landed there (one segment: it may be skimming) holds nothing.

use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Clients remembered per producer at most (the oldest is forgotten first).
const MAX_VIEWERS: usize = 64;
/// Segments a client must have had from a producer to hold it.
const PLAYING_ON: u32 = 2;

/// The clients a producer served.
#[derive(Debug, Default)]
pub struct Viewers {
    seen: Vec<Viewer>,
}

#[derive(Debug)]
struct Viewer {
    client: Option<IpAddr>,
    segments: u32,
    last: Instant,
}

impl Viewers {
    /// Notes a segment served (or about to be) to `client` at `now`.
    pub fn served(&mut self, client: Option<IpAddr>, now: Instant) {
        let client = client.map(|ip| ip.to_canonical());
        if let Some(v) = self.seen.iter_mut().find(|v| v.client == client) {
            v.segments = v.segments.saturating_add(1);
            v.last = now;
            return;
        }
        if self.seen.len() >= MAX_VIEWERS {
            if let Some(oldest) = (0..self.seen.len()).min_by_key(|&i| self.seen[i].last) {
                self.seen.swap_remove(oldest);
            }
        }
        self.seen.push(Viewer {
            client,
            segments: 1,
            last: now,
        });
    }

    /// True when `client` was served by it.
    pub fn includes(&self, client: Option<IpAddr>) -> bool {
        let client = client.map(|ip| ip.to_canonical());
        self.seen.iter().any(|v| v.client == client)
    }

    /// True when a client other than `client` plays on through it: two segments or more,
    /// the last less than `lately` before `now`.
    pub fn held_by_other(&self, client: Option<IpAddr>, lately: Duration, now: Instant) -> bool {
        let client = client.map(|ip| ip.to_canonical());
        self.seen.iter().any(|v| {
            v.client != client
                && v.segments >= PLAYING_ON
                && now.saturating_duration_since(v.last) < lately
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("an address"))
    }

    #[test]
    fn a_client_playing_on_holds_the_producer_against_others_only() {
        let t0 = Instant::now();
        let lately = Duration::from_secs(30);
        let mut v = Viewers::default();
        v.served(ip("10.0.0.1"), t0);
        assert!(
            !v.held_by_other(ip("10.0.0.2"), lately, t0),
            "one segment: skimming"
        );
        v.served(ip("10.0.0.1"), t0);
        assert!(v.held_by_other(ip("10.0.0.2"), lately, t0));
        assert!(
            !v.held_by_other(ip("10.0.0.1"), lately, t0),
            "not against itself"
        );
        assert!(
            !v.held_by_other(ip("::ffff:10.0.0.1"), lately, t0),
            "mapped IPv4"
        );
        assert!(
            !v.held_by_other(ip("10.0.0.2"), lately, t0 + lately),
            "a viewer gone quiet holds nothing"
        );
        assert!(v.includes(ip("10.0.0.1")) && !v.includes(ip("10.0.0.2")));
    }

    #[test]
    fn the_list_stays_bounded() {
        let t0 = Instant::now();
        let mut v = Viewers::default();
        for i in 0..1000u32 {
            v.served(
                Some(IpAddr::V4(i.into())),
                t0 + Duration::from_millis(i.into()),
            );
        }
        assert!(v.seen.len() <= MAX_VIEWERS);
        assert!(v.includes(Some(IpAddr::V4(999u32.into()))));
    }
}
