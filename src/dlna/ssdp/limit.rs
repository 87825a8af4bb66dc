//! The search limits: a few searches per window per address, in a bounded map, and a cap on
//! all sources together, so one host — or a flood with made-up on-link source addresses —
//! cannot turn the server into a datagram amplifier.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Searches one address may have answered per window.
pub const SEARCHES_PER_WINDOW: u32 = 10;
/// The window of the per-address limit.
pub const WINDOW: Duration = Duration::from_secs(10);
/// Searches answered per window from all addresses together.
pub const ALL_SOURCES_PER_WINDOW: u32 = 300;
/// Addresses remembered at once; when full, searches from new addresses are not answered
/// until old windows end (on-link and registered hosts are far fewer than this).
pub const MAX_SOURCES: usize = 4096;

/// Counts searches per source address.
#[derive(Default)]
pub struct SearchLimit {
    seen: HashMap<IpAddr, (Instant, u32)>,
    /// The window of all sources together: when it began, how many were answered.
    all: Option<(Instant, u32)>,
}

impl SearchLimit {
    /// Whether a search from `ip` at `now` may be answered (and counts it).
    pub fn allow(&mut self, ip: IpAddr, now: Instant) -> bool {
        if !self.seen.contains_key(&ip) && self.seen.len() >= MAX_SOURCES {
            self.seen
                .retain(|_, (start, _)| now.saturating_duration_since(*start) < WINDOW);
            if self.seen.len() >= MAX_SOURCES {
                return false;
            }
        }
        let (start, count) = self.seen.entry(ip).or_insert((now, 0));
        if now.saturating_duration_since(*start) >= WINDOW {
            (*start, *count) = (now, 0);
        }
        *count += 1;
        if *count > SEARCHES_PER_WINDOW {
            return false;
        }
        let (start, total) = self.all.get_or_insert((now, 0));
        if now.saturating_duration_since(*start) >= WINDOW {
            (*start, *total) = (now, 0);
        }
        *total += 1;
        *total <= ALL_SOURCES_PER_WINDOW
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn an_address_gets_ten_answers_per_window_then_more_in_the_next() {
        let mut limit = SearchLimit::default();
        let ip = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9));
        let t0 = Instant::now();
        let allowed = (0..200).filter(|_| limit.allow(ip, t0)).count();
        assert_eq!(allowed, SEARCHES_PER_WINDOW as usize);
        let other = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 10));
        assert!(limit.allow(other, t0), "another address has its own count");
        assert!(limit.allow(ip, t0 + WINDOW), "a new window starts afresh");
    }

    #[test]
    fn all_sources_together_are_capped_too() {
        let mut limit = SearchLimit::default();
        let t0 = Instant::now();
        let answered = (0..1000u32)
            .filter(|i| limit.allow(IpAddr::V4(Ipv4Addr::from(i / 5 + 1)), t0))
            .count();
        assert_eq!(answered, ALL_SOURCES_PER_WINDOW as usize);
        assert!(limit.allow(IpAddr::V4(Ipv4Addr::new(10, 9, 9, 9)), t0 + WINDOW));
    }

    #[test]
    fn the_map_is_bounded_and_makes_room_when_windows_end() {
        let mut limit = SearchLimit::default();
        let t0 = Instant::now();
        for i in 0..MAX_SOURCES as u32 {
            limit.allow(IpAddr::V4(Ipv4Addr::from(i + 1)), t0);
        }
        let late = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
        assert!(!limit.allow(late, t0), "full: a new source waits");
        assert_eq!(limit.seen.len(), MAX_SOURCES);
        assert!(!limit.seen.contains_key(&late), "and is not remembered");
        assert!(limit.allow(late, t0 + WINDOW), "old windows ended");
        assert_eq!(limit.seen.len(), 1);
    }
}
