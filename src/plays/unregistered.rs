//! Viewers with no station: plays at addresses no station has registered, and anonymous
//! viewers. They make no ledger entry (only stations make records); what they watched is
//! kept here as statistics per address, for a limited time, so the office sees who is
//! watching and can register the address to its village. Owns the sled tree
//! `unregistered_viewers`.

use serde::{Deserialize, Serialize};

use super::{stamp, Play, Plays, PlaysError};
use crate::records::Viewing;

/// Addresses kept at most; past this the longest unseen go first.
const MAX_ADDRESSES: usize = 1000;

/// An ended play with no station stays readable (a repeated end answers the same) this
/// long, then leaves the plays tree: unix milliseconds.
const KEEP_ENDED_MS: i64 = 24 * 3_600_000;

/// What one address with no station has watched.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnregisteredViewer {
    pub address: String,
    /// Plays closed from this address.
    pub plays: u64,
    /// Film time they earned, seconds.
    pub watched_s: u64,
    pub first_seen: String,
    pub last_seen: String,
    pub last_film_title: String,
    /// `last_seen` as unix milliseconds (retention).
    pub last_seen_ms: i64,
}

impl Plays {
    /// Counts a closed play with no station under its address (nothing when it has none).
    pub(super) fn note_unregistered(&self, play: &Play, record: &Viewing, ended_ms: i64) {
        let Some(ip) = play.client else { return };
        let key = ip.to_string();
        let tree = &self.unregistered;
        let update = |old: Option<&[u8]>| -> Option<Vec<u8>> {
            let mut v = old
                .and_then(|b| serde_json::from_slice::<UnregisteredViewer>(b).ok())
                .unwrap_or_else(|| UnregisteredViewer {
                    address: key.clone(),
                    plays: 0,
                    watched_s: 0,
                    first_seen: play.started_at.clone(),
                    last_seen: String::new(),
                    last_film_title: String::new(),
                    last_seen_ms: 0,
                });
            v.plays += 1;
            v.watched_s += record.watched_s;
            v.last_seen = stamp(ended_ms);
            v.last_seen_ms = ended_ms;
            v.last_film_title = play.film_title.clone();
            serde_json::to_vec(&v).ok()
        };
        // Statistics: sled writes them out within half a second; no fsync of their own.
        if let Err(e) = tree.update_and_fetch(key.as_bytes(), update) {
            tracing::warn!(error = ?e, "unregistered viewer statistics not kept");
        }
    }

    /// The addresses with no station that watched within the retention time, most recently
    /// seen first.
    pub fn unregistered(&self) -> Result<Vec<UnregisteredViewer>, PlaysError> {
        let mut all = Vec::new();
        for kv in self.unregistered.iter() {
            let (_, v) = kv?;
            if let Ok(v) = serde_json::from_slice::<UnregisteredViewer>(&v) {
                all.push(v);
            }
        }
        let horizon = self.now_ms() - self.keep_ms();
        all.retain(|v| v.last_seen_ms >= horizon);
        // An address registered since is a station's TV now: nothing left to do about it.
        let stations = &self.deps.stations;
        let registered = |v: &UnregisteredViewer| {
            v.address
                .parse()
                .ok()
                .and_then(|ip| stations.station_for_address(ip).ok().flatten())
                .is_some()
        };
        all.retain(|v| !registered(v));
        all.sort_by_key(|v| std::cmp::Reverse(v.last_seen_ms));
        Ok(all)
    }

    /// Forgets addresses unseen past the retention time (and the longest unseen past
    /// [`MAX_ADDRESSES`]), and ended plays with no station older than a day.
    pub(super) fn prune_unregistered(&self) -> Result<(), PlaysError> {
        let now = self.now_ms();
        let mut seen = Vec::new();
        for kv in self.unregistered.iter() {
            let (k, v) = kv?;
            let last =
                serde_json::from_slice::<UnregisteredViewer>(&v).map_or(0, |v| v.last_seen_ms);
            seen.push((last, k));
        }
        seen.sort_by_key(|(last, _)| std::cmp::Reverse(*last));
        for (i, (last, key)) in seen.into_iter().enumerate() {
            if i >= MAX_ADDRESSES || now - last > self.keep_ms() {
                self.unregistered.remove(key)?;
            }
        }
        for kv in self.tree.iter() {
            let (k, v) = kv?;
            let Ok(play) = serde_json::from_slice::<Play>(&v) else {
                continue;
            };
            let old = play
                .ended
                .as_ref()
                .is_some_and(|e| now - e.ended_ms > KEEP_ENDED_MS);
            if play.station_id.is_none() && old {
                self.tree.remove(k)?;
            }
        }
        Ok(())
    }

    fn keep_ms(&self) -> i64 {
        let days = self.cfg.limits.unregistered_keep_days.clamp(1, 3650) as i64;
        days * 24 * 3_600_000
    }
}
