//! Closing plays: the viewing entry, the sweep that applies queued media requests and
//! closes idle plays, the sweeper thread, and loading the open plays on start.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::{viewing, Ended, Play, PlayKind, Plays, PlaysError, State};
use crate::ledger::{Draft, EntryKind};
use crate::records::Viewing;

/// Plays one sweep closes at most; the rest wait for the next sweep (about a second).
const CLOSE_BATCH: usize = 64;

impl Plays {
    /// Closes open play `id` as of `ended_ms` (its TV's end, a revoked TV): records its
    /// end, then stores it ended. Called with the state lock held, so it happens once.
    pub(super) fn close(
        &self,
        st: &mut State,
        id: &str,
        ended_ms: i64,
    ) -> Result<Ended, PlaysError> {
        if st.closing.contains(id) {
            return Err(PlaysError::Closing(id.to_owned()));
        }
        let Some(play) = st.open.get_mut(id) else {
            return Err(PlaysError::UnknownPlay(id.to_owned()));
        };
        if play.closing_from.is_none() && play.station_id.is_some() {
            play.closing_from = Some(self.deps.ledger.len());
            let marked = play.clone();
            self.put(&marked, true)?;
        }
        let play = play.clone();
        let ended = self.record_end(&play, ended_ms)?;
        self.finish(st, id, ended.clone(), true);
        Ok(ended)
    }

    /// What a play's end leaves behind: the viewing entry (durable) for a play with a
    /// station; statistics for one without, which makes no record.
    fn record_end(&self, play: &Play, ended_ms: i64) -> Result<Ended, PlaysError> {
        let record = viewing(play, ended_ms, self.cfg.min_secs);
        let seq = match record.station_id.as_deref() {
            Some(station) => {
                let payload = serde_json::to_value(&record)?;
                let draft = Draft::new(EntryKind::Viewing, Some(station), payload);
                Some(self.deps.ledger.append(draft)?.seq)
            }
            None => {
                self.note_unregistered(play, &record, ended_ms);
                None
            }
        };
        Ok(Ended {
            seq,
            ended_ms,
            viewing: record,
        })
    }

    /// Moves a play whose end is recorded out of the open ones and stores it ended
    /// (`durable`: flush now; else the caller flushes once for many).
    fn finish(&self, st: &mut State, id: &str, ended: Ended, durable: bool) {
        st.closing.remove(id);
        st.superseded.remove(id);
        let Some(mut play) = st.open.remove(id) else {
            return;
        };
        let ended_ms = ended.ended_ms;
        play.ended = Some(ended);
        st.dirty.remove(id);
        st.inferred.retain(|_, v| v != id);
        if let Err(e) = self.put(&play, durable) {
            // The entry is in the ledger; on restart `closing_from` finds it there.
            tracing::error!(error = ?e, play = id, "ended play not stored");
        }
        if play.kind == PlayKind::Reported {
            st.recent.push((play, ended_ms));
        }
    }

    /// Applies queued media requests, then closes up to `CLOSE_BATCH` (64) plays idle past
    /// the limit (or replaced by a newer play of the same client). The closing itself (the
    /// ledger's fsyncs) runs outside the plays lock, so play requests never wait on a
    /// sweep of many plays. Returns how many plays it closed.
    pub fn sweep(&self) -> usize {
        let batch = self.pick_idle();
        // The marks must be durable before any entry is appended: a crash in between then
        // finds the entry in the ledger instead of making a second one.
        let marked: Vec<&Play> = batch
            .iter()
            .map(|(p, _)| p)
            .filter(|p| p.closing_from.is_some())
            .collect();
        let stored = marked.iter().try_for_each(|p| self.put(p, false));
        let flushed = stored.and_then(|()| {
            if !marked.is_empty() {
                self.deps.db.flush()?;
            }
            Ok(())
        });
        if let Err(e) = flushed {
            tracing::error!(error = ?e, "the plays store failed; idle plays close later");
            self.lock().closing.clear();
            return 0;
        }
        let ends: Vec<(String, Result<Ended, PlaysError>)> = batch
            .into_iter()
            .map(|(p, last_seen)| (p.id.clone(), self.record_end(&p, last_seen)))
            .collect();
        let mut st = self.lock();
        let mut closed = 0;
        for (id, ended) in ends {
            match ended {
                Ok(ended) => {
                    self.finish(&mut st, &id, ended, false);
                    closed += 1;
                }
                Err(e) => {
                    st.closing.remove(&id);
                    tracing::error!(error = ?e, play = %id, "closing an idle play failed");
                }
            }
        }
        let open = st.open.len() as u64;
        drop(st);
        if closed > 0 {
            if let Err(e) = self.deps.db.flush() {
                tracing::error!(error = ?e, "ended plays not flushed (the ledger has them)");
            }
        }
        self.deps
            .metrics
            .active_plays
            .store(open, Ordering::Relaxed);
        self.prune_now_and_then();
        closed
    }

    /// Under the lock: applies queued media requests, saves what changed, and picks the
    /// plays to close now, marked closing (with the ledger length, for a crash mid-close).
    fn pick_idle(&self) -> Vec<(Play, i64)> {
        let hits = std::mem::take(&mut *self.hits.lock().unwrap_or_else(|e| e.into_inner()));
        let now = self.now_ms();
        let idle_ms = self.idle_ms();
        let mut st = self.lock();
        for hit in hits {
            self.apply(&mut st, hit);
        }
        let mut due: Vec<(String, i64)> = st
            .open
            .values()
            .filter(|p| !st.closing.contains(&p.id))
            .filter(|p| now - p.last_seen_ms > idle_ms || st.superseded.contains(&p.id))
            .map(|p| (p.id.clone(), p.last_seen_ms))
            .collect();
        due.sort_by_key(|(_, last_seen)| *last_seen);
        due.truncate(CLOSE_BATCH);
        let mut batch = Vec::with_capacity(due.len());
        for (id, last_seen) in due {
            let ledger_len = self.deps.ledger.len();
            let Some(play) = st.open.get_mut(&id) else {
                continue;
            };
            if play.closing_from.is_none() && play.station_id.is_some() {
                play.closing_from = Some(ledger_len);
            }
            batch.push((play.clone(), last_seen));
            // New media requests of the same client and film start a new play.
            st.inferred.retain(|_, v| *v != id);
            st.closing.insert(id);
        }
        // A TV may read on after its reported play closed (heartbeats lost, the film still
        // playing): its reads of that film stay the closed play's until the film could have
        // played to its end from the start (plus the idle time), so one showing never
        // becomes a second, inferred record.
        st.recent.retain(|(p, ended)| {
            let film_ms = (p.duration_s.max(0.0) * 1000.0) as i64;
            now - ended <= idle_ms
                || now <= p.started_ms.saturating_add(film_ms).saturating_add(idle_ms)
        });
        self.save_dirty(&mut st);
        batch
    }

    /// Prunes old statistics about once an hour.
    fn prune_now_and_then(&self) {
        let now = self.now_ms();
        let last = self.pruned_ms.load(Ordering::Relaxed);
        if now - last < 3_600_000 {
            return;
        }
        self.pruned_ms.store(now, Ordering::Relaxed);
        if let Err(e) = self.prune_unregistered() {
            tracing::warn!(error = ?e, "pruning old viewer statistics failed");
        }
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
                    seq: Some(entry.seq),
                    ended_ms,
                    viewing: v,
                }));
            }
        }
        Ok(None)
    }
}
