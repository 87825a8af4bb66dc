//! Closing plays: the viewing entry, the sweep that applies queued media requests and
//! closes idle plays, the sweeper thread, and loading the open plays on start.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::{viewing, Ended, Play, PlayKind, Plays, PlaysError, State};
use crate::ledger::{Draft, EntryKind};
use crate::records::Viewing;

impl Plays {
    /// Closes open play `id` as of `ended_ms`: appends its viewing entry (durable), then
    /// stores it ended. Called with the state lock held, so it happens once.
    pub(super) fn close(
        &self,
        st: &mut State,
        id: &str,
        ended_ms: i64,
    ) -> Result<Ended, PlaysError> {
        let Some(play) = st.open.get_mut(id) else {
            return Err(PlaysError::UnknownPlay(id.to_owned()));
        };
        let record = viewing(play, ended_ms, self.cfg.min_secs);
        if play.closing_from.is_none() {
            play.closing_from = Some(self.deps.ledger.len());
            let marked = play.clone();
            self.put(&marked, true)?;
        }
        let payload = serde_json::to_value(&record)?;
        let entry = self.deps.ledger.append(Draft::new(
            EntryKind::Viewing,
            record.station_id.as_deref(),
            payload,
        ))?;
        let Some(mut play) = st.open.remove(id) else {
            return Err(PlaysError::UnknownPlay(id.to_owned()));
        };
        let ended = Ended {
            seq: entry.seq,
            ended_ms,
            viewing: record,
        };
        play.ended = Some(ended.clone());
        st.dirty.remove(id);
        st.inferred.retain(|_, v| v != id);
        if let Err(e) = self.put(&play, true) {
            // The entry is in the ledger; on restart `closing_from` finds it there.
            tracing::error!(error = ?e, play = id, "ended play not stored");
        }
        if play.kind == PlayKind::Reported {
            st.recent.push((play, ended_ms));
        }
        Ok(ended)
    }

    /// Applies queued media requests, closes plays idle past the limit, saves what changed.
    /// Returns how many plays it closed.
    pub fn sweep(&self) -> usize {
        let hits = std::mem::take(&mut *self.hits.lock().unwrap_or_else(|e| e.into_inner()));
        let now = self.now_ms();
        let idle_ms = self.idle_ms();
        let mut st = self.lock();
        for hit in hits {
            self.apply(&mut st, hit);
        }
        let idle: Vec<(String, i64)> = st
            .open
            .values()
            .filter(|p| now - p.last_seen_ms > idle_ms)
            .map(|p| (p.id.clone(), p.last_seen_ms))
            .collect();
        let mut closed = 0;
        for (id, last_seen) in idle {
            match self.close(&mut st, &id, last_seen) {
                Ok(_) => closed += 1,
                Err(e) => tracing::error!(error = ?e, play = %id, "closing an idle play failed"),
            }
        }
        st.recent.retain(|(_, ended)| now - ended <= idle_ms);
        self.save_dirty(&mut st);
        let open = st.open.len() as u64;
        drop(st);
        self.deps
            .metrics
            .active_plays
            .store(open, Ordering::Relaxed);
        closed
    }

    /// Writes changed open plays to the store (sled flushes them within half a second).
    fn save_dirty(&self, st: &mut State) {
        for id in std::mem::take(&mut st.dirty) {
            if let Some(play) = st.open.get(&id) {
                if let Err(e) = self.put(play, false) {
                    tracing::error!(error = ?e, play = %id, "saving a play failed");
                }
            }
        }
    }

    /// Applies what is queued and saves open plays (on shutdown; nothing is closed).
    pub fn flush(&self) {
        let hits = std::mem::take(&mut *self.hits.lock().unwrap_or_else(|e| e.into_inner()));
        let mut st = self.lock();
        for hit in hits {
            self.apply(&mut st, hit);
        }
        self.save_dirty(&mut st);
    }

    /// Starts the sweeper thread once: every second (or a quarter of the idle time when
    /// that is shorter). It holds the plays weakly and stops when they are gone.
    pub fn start_sweeper(self: &Arc<Self>) {
        if self.sweeping.swap(true, Ordering::SeqCst) {
            return;
        }
        let every = Duration::from_millis((self.idle_ms() / 4).clamp(50, 1000) as u64);
        let plays: Weak<Plays> = Arc::downgrade(self);
        // A thread, not a task: closing a play waits on the ledger's fsync.
        let spawned = std::thread::Builder::new()
            .name("plays-sweeper".into())
            .spawn(move || loop {
                let Some(plays) = plays.upgrade() else { return };
                plays.sweep();
                drop(plays);
                std::thread::sleep(every);
            });
        if let Err(e) = spawned {
            self.sweeping.store(false, Ordering::SeqCst);
            tracing::error!(error = ?e, "the plays sweeper did not start");
        }
    }

    pub(super) fn idle_ms(&self) -> i64 {
        (self.cfg.idle_secs.max(1) as i64).saturating_mul(1000)
    }

    /// The open plays in the store. One whose close was under way is looked up in the
    /// ledger: if its entry is there, it is stored ended instead.
    pub(super) fn load(&self) -> Result<State, PlaysError> {
        let mut st = State::default();
        for kv in self.tree.iter() {
            let (_, v) = kv?;
            let mut play: Play = match serde_json::from_slice(&v) {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!(error = ?e, "an unreadable play record was skipped");
                    continue;
                }
            };
            if !play.is_open() {
                continue;
            }
            if let Some(from) = play.closing_from {
                if let Some(ended) = self.find_viewing(&play.id, from)? {
                    play.ended = Some(ended);
                    self.put(&play, true)?;
                    continue;
                }
            }
            if let (PlayKind::Inferred, Some(group)) = (play.kind, &play.group) {
                st.inferred
                    .insert((group.clone(), play.film_id.clone()), play.id.clone());
            }
            st.open.insert(play.id.clone(), play);
        }
        Ok(st)
    }

    /// The viewing entry of play `id` at or after `from`, if the ledger has one.
    fn find_viewing(&self, id: &str, from: u64) -> Result<Option<Ended>, PlaysError> {
        let from = from.min(self.deps.ledger.len());
        for entry in self.deps.ledger.iter(from)? {
            let entry = entry?;
            if entry.kind != EntryKind::Viewing {
                continue;
            }
            let Ok(v) = serde_json::from_value::<Viewing>(entry.payload.clone()) else {
                continue;
            };
            if v.play_id == id {
                let ended_ms = time::OffsetDateTime::parse(
                    &v.ended_at,
                    &time::format_description::well_known::Rfc3339,
                )
                .map_or(0, |t| t.unix_timestamp() * 1000);
                return Ok(Some(Ended {
                    seq: entry.seq,
                    ended_ms,
                    viewing: v,
                }));
            }
        }
        Ok(None)
    }
}
