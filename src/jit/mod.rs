//! Just-in-time playback of films not yet prepared. Their playlists are written from the
//! preparation plan (every segment listed from the start, so players can seek anywhere);
//! a segment is produced when first asked for, by a dedicated worker that then carries on
//! through the film. Viewers of a film share its producer; a request far from where the
//! producer is restarts it there (a seek); a producer nobody fetches from stops. At most
//! `jit_max` producers that encode run at once: beyond that the answer is "busy, try again
//! in N minutes". Segments are kept (they stand in for the prepared ones until the
//! preparation is done) in `<data>/jit/<film>/<version>/<rung>/`.

mod plan;
mod producer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use media_catalog::{Film, FilmId};

pub use self::plan::JitPlan;
use self::producer::{Limits, Producer};
use crate::media::prepare::playlist::segment_uri;
use crate::media::protocol::PrepareJob;
use crate::media::PoolConfig;

/// A request this many segments or fewer ahead of a producer waits for it; further ahead
/// (or behind where it started) restarts it there.
const AHEAD: usize = 2;
/// The longest a request waits for its producer to make progress.
const WAIT: Duration = Duration::from_secs(60);
/// How often a waiting request tells its producer it is still wanted.
const WAITING_TICK: Duration = Duration::from_millis(200);
/// The longest [`Jit::stop`] waits for a producer's worker to go.
const STOP_WAIT: Duration = Duration::from_secs(5);
/// Producers a request may start or join before it gives up.
const RETRIES: usize = 3;

/// Why a segment could not be had just in time.
#[derive(Debug, thiserror::Error)]
pub enum JitError {
    #[error("{running} just-in-time transcodes are running, the most allowed")]
    Busy { running: usize },
    #[error("no such segment or rendition")]
    NoSuchSegment,
    #[error("the just-in-time producer failed: {0}")]
    Failed(String),
    #[error("cannot start a just-in-time producer")]
    Start(#[source] std::io::Error),
}

/// The just-in-time service.
pub struct Jit {
    root: PathBuf,
    pool: PoolConfig,
    max_transcodes: usize,
    limits: Limits,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    plans: HashMap<FilmId, Arc<JitPlan>>,
    producers: HashMap<FilmId, Arc<Producer>>,
}

impl Jit {
    /// A service keeping its segments under `root`, starting workers as `pool` says but at
    /// normal priority: a viewer is waiting for them, unlike for a background preparation.
    pub fn new(root: PathBuf, mut pool: PoolConfig, max_transcodes: usize, idle: Duration) -> Jit {
        pool.worker.nice = pool.worker.nice.min(0);
        let limits = Limits {
            idle,
            silent: pool.timeout,
        };
        Jit {
            root,
            pool,
            max_transcodes,
            limits,
            state: Mutex::new(State::default()),
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
        let state = self.lock();
        if let Some(p) = state.producers.get(&plan.film).filter(|p| p.alive()) {
            p.touch();
            return Ok(());
        }
        self.check_slots(&state, plan)
    }

    /// The path of segment `index` of `rung`, produced first if need be. Waits (at most a
    /// minute of producer silence) for it.
    pub async fn segment(
        &self,
        plan: &Arc<JitPlan>,
        rung: &str,
        index: usize,
    ) -> Result<PathBuf, JitError> {
        if !plan.has_rung(rung) || index >= plan.segments.len() {
            return Err(JitError::NoSuchSegment);
        }
        let path = plan.dir(&self.root).join(rung).join(segment_uri(index));
        if path.exists() {
            self.keep_going(plan, index);
            return Ok(path);
        }
        // A producer replaced by another viewer's seek ends without this segment: ask
        // again (the new one may be close enough to wait for).
        let mut ended = String::new();
        for _ in 0..RETRIES {
            let producer = self.producer_for(plan, index)?;
            match wait_for(&producer, &path, index).await {
                Waited::Written => return Ok(path),
                Waited::Ended(why) => ended = why,
                Waited::TimedOut => {
                    return Err(JitError::Failed("timed out waiting for the segment".into()))
                }
            }
        }
        Err(JitError::Failed(ended))
    }

    /// Notes a fetch of the film (keeps its producer from stopping as idle).
    pub fn touch(&self, film: &FilmId) {
        if let Some(p) = self.lock().producers.get(film) {
            p.touch();
        }
    }

    /// Just-in-time transcodes running now.
    pub fn running_transcodes(&self) -> usize {
        count_transcodes(&self.lock())
    }

    /// Stops the film's producer (if any) and waits until its worker is gone; what it made
    /// stays.
    pub fn stop(&self, film: &FilmId) {
        let producer = self.lock().producers.remove(film);
        if let Some(p) = producer {
            p.stop();
            let until = std::time::Instant::now() + STOP_WAIT;
            while p.alive() && std::time::Instant::now() < until {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// Stops the film's producer and removes its segments (the film is prepared, or gone).
    pub fn forget(&self, film: &FilmId) {
        self.stop(film);
        self.lock().plans.remove(film);
        let dir = self.root.join(film.as_str());
        if let Err(e) = std::fs::remove_dir_all(&dir) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(path = %dir.display(), error = %e, "cannot remove just-in-time segments");
            }
        }
    }

    /// On start: removes the segments of films `keep` says no longer need them (prepared, or
    /// gone from the catalog) and the half-written files a crash left. (Segments of an older
    /// version of a changed film stay until that film is prepared.)
    pub fn clean(&self, keep: impl Fn(&FilmId) -> bool) {
        let Ok(films) = std::fs::read_dir(&self.root) else {
            return;
        };
        for entry in films.flatten() {
            let name = entry.file_name();
            let id = FilmId::parse(&name.to_string_lossy()).ok();
            if !id.as_ref().is_some_and(&keep) {
                let _ = std::fs::remove_dir_all(entry.path());
                continue;
            }
            remove_partials(&entry.path());
        }
    }

    /// Serving a segment that exists: when nothing produces the film, start producing the
    /// next missing one so the viewer does not wait for it (best effort: not when busy).
    fn keep_going(&self, plan: &Arc<JitPlan>, index: usize) {
        if let Some(p) = self.lock().producers.get(&plan.film).filter(|p| p.alive()) {
            // Someone else's producer: leave it where that viewer needs it.
            p.touch();
            return;
        }
        let next = index + 1;
        if next >= plan.segments.len() {
            return;
        }
        let Some(rung) = plan.plan.ladder.last() else {
            return;
        };
        if plan
            .dir(&self.root)
            .join(&rung.name)
            .join(segment_uri(next))
            .exists()
        {
            return;
        }
        let _ = self.producer_for(plan, next);
    }

    /// The producer that will write segment `index`: the running one if it is at most
    /// [`AHEAD`] segments short of it, else a new one starting there (the old one stopped).
    fn producer_for(&self, plan: &Arc<JitPlan>, index: usize) -> Result<Arc<Producer>, JitError> {
        let mut state = self.lock();
        if let Some(p) = state.producers.get(&plan.film) {
            let now = p.produced();
            if now.end.is_none() && p.first <= index && index <= now.next + AHEAD {
                p.touch();
                return Ok(p.clone());
            }
            p.stop();
            state.producers.remove(&plan.film);
        }
        self.check_slots(&state, plan)?;
        let job = PrepareJob {
            source: plan.source.clone(),
            plan: plan.plan.clone(),
            keyframes: plan.keyframes.clone(),
            out_dir: plan.dir(&self.root),
            first_segment: index,
            jit: true,
        };
        std::fs::create_dir_all(&job.out_dir).map_err(JitError::Start)?;
        let producer = Producer::start(&self.pool, job, plan.transcodes(), self.limits)
            .map_err(JitError::Start)?;
        tracing::info!(film = %plan.film, from = index, transcodes = plan.transcodes(), "just-in-time producer started");
        state.producers.insert(plan.film.clone(), producer.clone());
        Ok(producer)
    }

    fn check_slots(&self, state: &State, plan: &JitPlan) -> Result<(), JitError> {
        let running = count_transcodes(state);
        if plan.transcodes() && running >= self.max_transcodes {
            return Err(JitError::Busy { running });
        }
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Jit {
    /// Stops every producer (the server is shutting down).
    fn drop(&mut self) {
        for p in self.lock().producers.values() {
            p.stop();
        }
    }
}

enum Waited {
    Written,
    Ended(String),
    TimedOut,
}

/// Waits until `producer` has written segment `index` at `path`, or has ended.
async fn wait_for(producer: &Producer, path: &Path, index: usize) -> Waited {
    let mut progress = producer.subscribe();
    let mut waited = Duration::ZERO;
    loop {
        if path.exists() {
            return Waited::Written;
        }
        let now = progress.borrow_and_update().clone();
        if now.next > index {
            // Announced, so renamed into place; look once more.
            return if path.exists() {
                Waited::Written
            } else {
                Waited::Ended("the segment was announced but is missing".into())
            };
        }
        match now.end {
            Some(Ok(())) => return Waited::Ended("the segment was not written".into()),
            Some(Err(why)) => return Waited::Ended(why),
            None => {}
        }
        // A viewer waiting keeps the producer from stopping as idle.
        producer.touch();
        if tokio::time::timeout(WAITING_TICK, progress.changed())
            .await
            .is_err()
        {
            waited += WAITING_TICK;
            if waited >= WAIT {
                return Waited::TimedOut;
            }
        } else {
            waited = Duration::ZERO;
        }
    }
}

fn count_transcodes(state: &State) -> usize {
    state
        .producers
        .values()
        .filter(|p| p.transcodes && p.alive())
        .count()
}

/// Deletes `*.part` files below `dir`.
fn remove_partials(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            remove_partials(&path);
        } else if path.extension().is_some_and(|e| e == "part") {
            let _ = std::fs::remove_file(&path);
        }
    }
}
