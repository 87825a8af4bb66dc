//! Watched time as a union of film-time intervals: a rewatch or a seek back adds nothing
//! already counted, a seek forward skips. Also the rule that turns two position reports of
//! the TV UI into credited film time, by the server's clock only.

use serde::{Deserialize, Serialize};

/// Disjoint, sorted intervals of film time (seconds), merged as they are added.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Spans(Vec<(f64, f64)>);

impl Spans {
    /// Adds `[from, to]`; empty, reversed or non-finite intervals add nothing.
    pub fn add(&mut self, from: f64, to: f64) {
        if !(from.is_finite() && to.is_finite()) || to <= from {
            return;
        }
        let (mut lo, mut hi) = (from, to);
        let mut kept = Vec::with_capacity(self.0.len() + 1);
        for &(a, b) in &self.0 {
            if b < lo || a > hi {
                kept.push((a, b));
            } else {
                lo = lo.min(a);
                hi = hi.max(b);
            }
        }
        kept.push((lo, hi));
        kept.sort_by(|x, y| x.0.total_cmp(&y.0));
        self.0 = kept;
    }

    /// Total length of the union, seconds.
    pub fn total(&self) -> f64 {
        self.0.iter().map(|(a, b)| b - a).sum()
    }

    /// The end of the last interval (0 when empty).
    pub fn end(&self) -> f64 {
        self.0.last().map_or(0.0, |&(_, b)| b)
    }

    /// How many disjoint intervals (a seek makes a new one).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Slack allowed on top of the server time between two reports (network, player buffers).
const SLACK_S: f64 = 2.0;
/// How much faster than real time a player may seem to advance (reports are not exact).
const PACE: f64 = 1.5;

/// The film time credited by going from report `p1` to `p2` when `elapsed_s` server seconds
/// passed in between: `[p1, p2]` when `0 < p2 − p1 ≤ elapsed × 1.5 + 2`, else nothing (a
/// seek, forward or back, or a client whose positions run ahead of the clock).
pub fn credit(p1: f64, p2: f64, elapsed_s: f64) -> Option<(f64, f64)> {
    let advanced = p2 - p1;
    let allowed = elapsed_s.max(0.0) * PACE + SLACK_S;
    (advanced > 0.0 && advanced <= allowed).then_some((p1, p2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(list: &[(f64, f64)]) -> Spans {
        let mut s = Spans::default();
        for &(a, b) in list {
            s.add(a, b);
        }
        s
    }

    #[test]
    fn a_rewatch_adds_nothing_and_a_seek_forward_skips() {
        let s = spans(&[(0.0, 10.0), (5.0, 10.0), (0.0, 4.0)]);
        assert_eq!(s.total(), 10.0);
        assert_eq!(s.len(), 1);
        let s = spans(&[(0.0, 10.0), (30.0, 40.0)]);
        assert_eq!(s.total(), 20.0);
        assert_eq!(s.len(), 2);
        assert_eq!(s.end(), 40.0);
    }

    #[test]
    fn overlapping_and_touching_intervals_merge() {
        let s = spans(&[(30.0, 40.0), (0.0, 10.0), (10.0, 20.0), (15.0, 35.0)]);
        assert_eq!(s.total(), 40.0);
        assert_eq!(s.len(), 1);
        let s = spans(&[(0.0, 4.0), (8.0, 12.0), (2.0, 9.0)]);
        assert_eq!(s.total(), 12.0);
    }

    #[test]
    fn nonsense_intervals_add_nothing() {
        let s = spans(&[
            (5.0, 5.0),
            (6.0, 2.0),
            (f64::NAN, 3.0),
            (0.0, f64::INFINITY),
        ]);
        assert!(s.is_empty());
        assert_eq!(s.total(), 0.0);
    }

    #[test]
    fn reports_credit_only_what_the_server_clock_allows() {
        // 10 s of server time: up to 17 s of film may pass.
        assert_eq!(credit(0.0, 10.0, 10.0), Some((0.0, 10.0)));
        assert_eq!(credit(0.0, 17.0, 10.0), Some((0.0, 17.0)));
        assert_eq!(credit(0.0, 17.5, 10.0), None, "a seek forward");
        assert_eq!(credit(20.0, 5.0, 10.0), None, "a seek back");
        assert_eq!(credit(5.0, 5.0, 10.0), None, "paused");
        // Reports in quick succession: only the slack.
        assert_eq!(credit(0.0, 2.0, 0.0), Some((0.0, 2.0)));
        assert_eq!(credit(0.0, 2.5, 0.0), None);
        // A clock that went backwards counts as no time.
        assert_eq!(credit(0.0, 3.0, -50.0), None);
    }
}
