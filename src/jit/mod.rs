//! Just-in-time playback of films not yet prepared. Their playlists are written from the
//! preparation plan (every segment listed from the start, so players can seek anywhere);
//! a segment is produced when first asked for, by a dedicated worker that then carries on
//! through the film. Viewers near each other share a producer; a viewer far from every
//! producer of the film gets one of its own — its own earlier one restarted there (a seek),
//! a new one while the slots allow, else one nobody plays on through, moved there. Where a
//! producer reaches the segments of the one ahead, it stops and that one serves both. A
//! producer nobody fetches from stops. At most
//! `jit_max` producers that encode run at once (one more while one is being replaced: a
//! stopped producer holds its slot until its worker is reaped): beyond that the answer is
//! "busy, try again in N minutes". Each client may seek only so often (`jit_seeks_per_minute`).
//! Producers run at `jit_nice`: below streaming, above background preparation. Segments are
//! kept (they stand in for the prepared ones until the preparation is done) in
//! `<data>/jit/<film>/<version>/<rung>/`.

mod choose;
mod files;
mod plan;
mod producer;
mod seeks;
mod slots;
mod viewers;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use media_catalog::{Film, FilmId};

pub use self::plan::JitPlan;
use self::producer::{wait_for, Counts, Limits, Producer, Waited};
use self::seeks::SeekLimit;
use self::slots::{NoRoom, State};
use crate::media::dedicated::Spare;
use crate::media::prepare::playlist::segment_uri;
use crate::media::PoolConfig;

/// A request this many segments or fewer ahead of a producer waits for it; further ahead
/// (or behind where it started) restarts it there.
const AHEAD: usize = 2;
/// The longest [`Jit::stop`], or a request needing a stopped producer's slot, waits for its
/// worker to be reaped.
const STOP_WAIT: Duration = Duration::from_secs(5);
/// Producers a request may start or join before it gives up.
const RETRIES: usize = 3;

/// Why a segment could not be had just in time.
#[derive(Debug, thiserror::Error)]
pub enum JitError {
    #[error("{running} just-in-time transcodes are running, the most allowed")]
    Busy { running: usize },
    #[error("this client seeks too often; next seek in {retry_after:?}")]
    TooManySeeks { retry_after: Duration },
    #[error("no such segment or rendition")]
    NoSuchSegment,
    #[error("the just-in-time producer failed: {0}")]
    Failed(String),
    #[error("cannot start a just-in-time producer")]
    Start(#[source] std::io::Error),
}

/// How the service limits its producers.
#[derive(Clone, Copy, Debug)]
pub struct JitLimits {
    /// Most transcoding producers at once (`jit_max`).
    pub max_transcodes: usize,
    /// A producer nobody fetches from for this long stops.
    pub idle: Duration,
    /// Niceness of producer workers; kept between 0 (streaming) and the pool's niceness.
    pub nice: i32,
    /// Seeks one client may make per minute (0: no limit), and in a quick run.
    pub seeks_per_minute: u32,
    pub seek_burst: u32,
}

/// The just-in-time service.
pub struct Jit {
    root: PathBuf,
    /// Producers' workers: one waits ready once the server serves ([`Jit::keep_spare`]).
    spare: Spare,
    max_transcodes: usize,
    limits: Limits,
    state: Mutex<State>,
    counts: Arc<Counts>,
}

/// What the producers have done since the server started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JitCounts {
    /// Producers started (at a viewer's request, a seek, or to keep a viewer going).
    pub producers_started: u64,
    /// Segments written (in every rendition) by producers.
    pub segments_made: u64,
    /// Producers that found a worker started ahead waiting (see [`Jit::keep_spare`]).
    pub producers_warm: u64,
}

/// Who asks for a producer, and whether it may move the film's running one.
#[derive(Clone, Copy)]
struct Asker {
    client: Option<IpAddr>,
    may_move: bool,
}

impl Jit {
    /// A service keeping its segments under `root`, starting workers as `pool` says but at
    /// `limits.nice`: a viewer is waiting for them, unlike for a background preparation,
    /// yet streaming files to other viewers comes first.
    pub fn new(root: PathBuf, mut pool: PoolConfig, limits: JitLimits) -> Jit {
        let nice = limits.nice.clamp(0, pool.worker.nice.max(0));
        if nice != limits.nice {
            tracing::warn!(
                jit_nice = limits.nice,
                used = nice,
                "jit_nice must lie between 0 and worker_nice"
            );
        }
        pool.worker.nice = nice;
        let seeks = SeekLimit::new(limits.seeks_per_minute, limits.seek_burst);
        Jit {
            root,
            limits: Limits {
                idle: limits.idle,
                silent: pool.timeout,
            },
            spare: Spare::new(pool),
            max_transcodes: limits.max_transcodes,
            state: Mutex::new(State::new(seeks)),
            counts: Arc::default(),
        }
    }

    /// The film's plan (cached while the film record is unchanged); None when the film
    /// cannot be streamed before it is prepared. `keyframes` is called only on a miss.
    pub fn plan(
        &self,
        film: &Film,
        keyframes: impl FnOnce() -> media_catalog::KeyframeIndex,
    ) -> Option<Arc<JitPlan>> {
        if let Some(plan) = self.lock().plans.get(&film.id) {
            if plan.updated_at == film.updated_at {
                return Some(plan.clone());
            }
        }
        let plan = Arc::new(JitPlan::of(film, keyframes())?);
        self.lock().plans.insert(film.id.clone(), plan.clone());
        Some(plan)
    }

    /// Whether a new viewer of this film would be turned away now: it transcodes, nothing
    /// produces it yet, and the transcode slots are full.
    pub fn admit(&self, plan: &JitPlan) -> Result<(), JitError> {
        let mut state = self.lock();
        let running = state.alive(&plan.film);
        if !running.is_empty() {
            running.iter().for_each(|p| p.touch());
            return Ok(());
        }
        match self.room(&mut state, plan, None) {
            // A producer being stopped goes within moments: the segment request waits.
            Ok(()) | Err(NoRoom::Reaping(_)) => Ok(()),
            Err(NoRoom::Busy { running }) => Err(JitError::Busy { running }),
        }
    }

    /// The path of segment `index` of `rung`, produced first if need be, for `client`.
    /// Waits (at most a minute of producer silence) for it.
    pub async fn segment(
        &self,
        plan: &Arc<JitPlan>,
        rung: &str,
        index: usize,
        client: Option<IpAddr>,
    ) -> Result<PathBuf, JitError> {
        if !plan.has_rung(rung) || index >= plan.segments.len() {
            return Err(JitError::NoSuchSegment);
        }
        let path = plan.dir(&self.root).join(rung).join(segment_uri(index));
        if path.exists() {
            self.keep_going(plan, index, client);
            return Ok(path);
        }
        self.produce(plan, &path, index, client).await?;
        Ok(path)
    }

    /// Has segment `index` produced (started, joined, or moved to) and waits until it is
    /// written at `path`.
    async fn produce(
        &self,
        plan: &Arc<JitPlan>,
        path: &Path,
        index: usize,
        client: Option<IpAddr>,
    ) -> Result<(), JitError> {
        // A producer replaced by another viewer's seek ends without this segment: ask
        // again, but only to join (the new one may be close enough to wait for): moving it
        // back would have two viewers take turns killing each other's producer.
        let mut asker = Asker {
            client,
            may_move: true,
        };
        let (mut ended, mut tries, mut waits) = (String::new(), 0, 0);
        let mut replaced = false;
        while tries < RETRIES {
            if path.exists() {
                // Made meanwhile by another of the film's producers.
                return Ok(());
            }
            let producer = match self.producer_for(plan, index, asker) {
                Ok(p) => p,
                Err(Start::Reaping(old)) if waits < RETRIES => {
                    waits += 1;
                    old.ended(STOP_WAIT).await;
                    continue;
                }
                Err(Start::Reaping(_)) => return Err(self.busy()),
                Err(Start::Refused(e)) => return Err(e),
            };
            tries += 1;
            match wait_for(&producer, path, index).await {
                Waited::Written => return Ok(()),
                Waited::Ended(why) => ended = why,
                Waited::TimedOut => {
                    return Err(JitError::Failed("timed out waiting for the segment".into()))
                }
            }
            replaced = producer.was_stopped();
            asker.may_move = false;
        }
        // Other viewers' seeks kept moving the film's producer: the server is busy with
        // this film, nothing failed.
        Err(if replaced {
            self.busy()
        } else {
            JitError::Failed(ended)
        })
    }

    /// Notes a fetch of the film (keeps its producers from stopping as idle).
    pub fn touch(&self, film: &FilmId) {
        self.lock().alive(film).iter().for_each(|p| p.touch());
    }

    /// From now on keeps a worker started and waiting for the next producer (the server
    /// calls it when it starts serving): a viewer's first segment then does not wait for
    /// a new process to load FFmpeg.
    pub fn keep_spare(&self) {
        self.spare.warm();
    }

    /// The process id of the worker waiting for the next producer, if one waits.
    pub fn spare_worker(&self) -> Option<u32> {
        self.spare.waiting()
    }

    /// Producers started and segments they made since the server started.
    pub fn counts(&self) -> JitCounts {
        use std::sync::atomic::Ordering::Relaxed;
        JitCounts {
            producers_started: self.counts.started.load(Relaxed),
            segments_made: self.counts.segments.load(Relaxed),
            producers_warm: self.counts.warm.load(Relaxed),
        }
    }

    /// Just-in-time transcodes running now.
    pub fn running_transcodes(&self) -> usize {
        self.lock().running()
    }

    /// Films a producer is working on now: somebody is watching them before they are
    /// prepared (the preparation queue puts them ahead of films nobody asked for).
    pub fn producing(&self) -> Vec<FilmId> {
        self.lock()
            .producers
            .iter()
            .filter(|(_, all)| all.iter().any(|p| p.alive()))
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Stops the film's producers (if any) and waits until their workers are gone; what
    /// they made stays.
    pub fn stop(&self, film: &FilmId) {
        let producers = self.lock().retire(film);
        let until = std::time::Instant::now() + STOP_WAIT;
        while producers.iter().any(|p| p.alive()) && std::time::Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether a producer of `plan` may start, `replacing` the film's current one; films
    /// that are only remuxed take no slot.
    fn room(
        &self,
        state: &mut State,
        plan: &JitPlan,
        replacing: Option<&Producer>,
    ) -> Result<(), NoRoom> {
        if !plan.transcodes() {
            return Ok(());
        }
        state.room(self.max_transcodes, replacing)
    }

    fn busy(&self) -> JitError {
        JitError::Busy {
            running: self.running_transcodes(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Jit {
    /// Stops every producer (the server is shutting down).
    fn drop(&mut self) {
        self.lock().stop_all();
    }
}

/// Why a request got no producer to wait for.
enum Start {
    Refused(JitError),
    /// A stopped producer holds the slot until its worker is reaped: wait for it.
    Reaping(Arc<Producer>),
}
