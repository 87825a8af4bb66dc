//! Which producer makes the segment a viewer asks for: one of the film's producers near
//! enough to wait for; else the viewer's own producer restarted there (a seek); else a new
//! one beside the others while `jit_max` allows; else one nobody plays on through, moved
//! there. A producer somebody else plays on through is never moved away: the newcomer is
//! told the server is busy instead, so two viewers of one film never take turns killing
//! each other's producer.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use super::producer::Producer;
use super::slots::{NoRoom, State};
use super::{Asker, Jit, JitError, JitPlan, Start, AHEAD};
use crate::media::prepare::playlist::segment_uri;
use crate::media::protocol::{Expected, PrepareJob};

impl Jit {
    /// The producer that will write segment `index` for `asker` (see the module's note).
    pub(super) fn producer_for(
        &self,
        plan: &Arc<JitPlan>,
        index: usize,
        asker: Asker,
    ) -> Result<Arc<Producer>, Start> {
        let mut state = self.lock();
        let running = state.alive(&plan.film);
        if let Some(p) = covering(&running, index) {
            p.served(asker.client);
            return Ok(p);
        }
        let replacing = self.to_replace(&mut state, plan, &running, asker);
        self.room(&mut state, plan, replacing.as_deref())
            .map_err(|no| match no {
                NoRoom::Busy { running } => Start::Refused(JitError::Busy { running }),
                NoRoom::Reaping(p) => Start::Reaping(p),
            })?;
        // Charged only now, when a producer will start: joining or being refused is free.
        let now = Instant::now();
        state
            .seeks
            .check(asker.client, now)
            .map_err(|retry_after| Start::Refused(JitError::TooManySeeks { retry_after }))?;
        state.seeks.take(asker.client, now);
        if let Some(old) = &replacing {
            state.retire_one(&plan.film, old);
        }
        let producer = self
            .start(&mut state, plan, index)
            .map_err(Start::Refused)?;
        producer.served(asker.client);
        Ok(producer)
    }

    /// The film's producer a new one at another position replaces, if any: the asker's own
    /// (it seeks); none while a slot is free; else one nobody else plays on through. An
    /// asker whose producer was just replaced (`may_move` false) replaces none.
    fn to_replace(
        &self,
        state: &mut State,
        plan: &JitPlan,
        running: &[Arc<Producer>],
        asker: Asker,
    ) -> Option<Arc<Producer>> {
        if !asker.may_move {
            return None;
        }
        let client = asker.client;
        let unheld = |p: &&Arc<Producer>| !p.held_by_other(client, self.limits.idle);
        if let Some(own) = running.iter().filter(unheld).find(|p| p.serves(client)) {
            return Some(own.clone());
        }
        // A slot is free, or will be once a stopped producer is reaped.
        if !matches!(self.room(state, plan, None), Err(NoRoom::Busy { .. })) {
            return None;
        }
        running.iter().find(unheld).cloned()
    }

    /// Serving segment `index`, which exists, to `client`: notes the client with the
    /// producer that makes what follows; when none does, starts one at the next missing
    /// segment so the viewer does not wait for it (best effort: only in a free slot, and
    /// not while the client has a producer of the film elsewhere — its next request
    /// decides where that one goes).
    pub(super) fn keep_going(&self, plan: &Arc<JitPlan>, index: usize, client: Option<IpAddr>) {
        let next = index + 1;
        let mut state = self.lock();
        let running = state.alive(&plan.film);
        if let Some(p) = covering(&running, next) {
            p.served(client);
            return;
        }
        if next >= plan.segments.len() || running.iter().any(|p| p.serves(client)) {
            return;
        }
        let Some(rung) = plan.plan.ladder.last() else {
            return;
        };
        let made = plan
            .dir(&self.root)
            .join(&rung.name)
            .join(segment_uri(next));
        if made.exists() {
            return;
        }
        if self.room(&mut state, plan, None).is_ok() {
            if let Ok(p) = self.start(&mut state, plan, next) {
                p.served(client);
            }
        }
    }

    /// Starts a producer of the film at segment `index` (room was made for it), fenced by
    /// the nearest producer after it and fencing those before it.
    pub(super) fn start(
        &self,
        state: &mut State,
        plan: &Arc<JitPlan>,
        index: usize,
    ) -> Result<Arc<Producer>, JitError> {
        let job = PrepareJob {
            source: plan.source.clone(),
            plan: plan.plan.clone(),
            keyframes: plan.keyframes.clone(),
            out_dir: plan.dir(&self.root),
            first_segment: index,
            jit: true,
        };
        std::fs::create_dir_all(&job.out_dir).map_err(JitError::Start)?;
        let expect = Expected::of(&plan.source, plan.source_identity);
        let producer = Producer::start(
            &self.spare,
            job,
            &expect,
            plan.transcodes(),
            self.limits,
            self.counts.clone(),
        )
        .map_err(JitError::Start)?;
        tracing::info!(film = %plan.film, from = index, transcodes = plan.transcodes(), "just-in-time producer started");
        for other in state.alive(&plan.film) {
            other.fence_at(&producer);
            producer.fence_at(&other);
        }
        state.add(&plan.film, producer.clone());
        Ok(producer)
    }
}

/// The producer that will soon write segment `index`: it started at or before it and is
/// at most [`AHEAD`] segments short of it; the latest starting such one.
fn covering(running: &[Arc<Producer>], index: usize) -> Option<Arc<Producer>> {
    running
        .iter()
        .filter(|p| p.first <= index && index <= p.produced().next + AHEAD)
        .max_by_key(|p| p.first)
        .cloned()
}
