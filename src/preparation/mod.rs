//! Preparation: every catalogued film is made TV-ready once, in the background, in the
//! worker pool. The queue is the catalog's films in state `queued` plus the queue records
//! (tries, hand-made order) in sled, so it survives restarts; a film found `preparing` at
//! start-up was interrupted and is queued again. Films are taken in priority order (see
//! `order.rs`), not catalog order; a failed try is repeated after the waits of
//! [`Retries`], a refused file never. Output is written to a temporary folder, synced, and
//! renamed into place only when complete: a half-written rendition is never served. Owns
//! `renditions/` in the data folder and the sled trees `prepare.outcomes` (what was decided
//! and made, per film) and `prepare.queue` (see `queue.rs`).

mod failed;
mod front;
mod order;
mod outcome;
mod progress;
mod queue;
mod reuse;
mod run;
mod signals;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use media_catalog::{Catalog, CatalogError, FilmId};

use crate::media::WorkerPool;
use crate::metrics::Metrics;

pub use front::Moved;
pub use order::{Place, Signals, SignalsHook, Why};
pub use outcome::Outcome;
pub use progress::Progress;
pub use queue::{now_ms, Entry as QueueEntry, Failure as QueueFailure, First, Retries};
pub use signals::source as signals_source;

/// Why preparation bookkeeping failed (a film's own failure is recorded on the film).
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error("catalog failure during preparation")]
    Catalog(#[from] CatalogError),
    #[error("preparation record storage failed")]
    Store(#[from] sled::Error),
    #[error("a preparation record is unreadable")]
    Record(#[from] serde_json::Error),
    #[error("cannot write renditions in {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The preparation service.
pub struct Preparation {
    catalog: Arc<Catalog>,
    pool: Arc<WorkerPool>,
    metrics: Arc<Metrics>,
    dir: PathBuf,
    outcomes: sled::Tree,
    /// Tries and hand-made order per film (see `queue.rs`).
    queue: sled::Tree,
    retries: Retries,
    /// Says what is planned and watched now (the order's signals); none until set.
    signals: std::sync::OnceLock<SignalsHook>,
    progress: Mutex<std::collections::HashMap<FilmId, Progress>>,
    /// Wakes idle runners when a scan has queued films.
    wake: (Mutex<bool>, Condvar),
    /// Where segments made just in time are kept (a preparation takes those it can use).
    jit_root: PathBuf,
    /// Told the id of each film whose renditions were just put in place.
    after_ready: std::sync::OnceLock<ReadyHook>,
    /// Free space a preparation leaves on the renditions' disk (`disk_reserve_mb`).
    reserve: crate::disk::Reserve,
}

type ReadyHook = Box<dyn Fn(&FilmId) + Send + Sync>;

impl Preparation {
    /// Opens the service; cleans up after an interrupted run (partial folders, films left
    /// `preparing`).
    pub fn open(
        db: &sled::Db,
        catalog: Arc<Catalog>,
        pool: Arc<WorkerPool>,
        metrics: Arc<Metrics>,
        dir: PathBuf,
        jit_root: PathBuf,
    ) -> Result<Self, PrepareError> {
        std::fs::create_dir_all(&dir).map_err(|source| PrepareError::Io {
            path: dir.clone(),
            source,
        })?;
        let prep = Preparation {
            catalog,
            pool,
            metrics,
            outcomes: db.open_tree("prepare.outcomes")?,
            queue: db.open_tree("prepare.queue")?,
            retries: Retries::default(),
            signals: std::sync::OnceLock::new(),
            progress: Mutex::new(Default::default()),
            wake: (Mutex::new(false), Condvar::new()),
            after_ready: std::sync::OnceLock::new(),
            reserve: crate::disk::Reserve { bytes: 0 },
            dir,
            jit_root,
        };
        run::recover(&prep)?;
        Ok(prep)
    }

    /// Sets how often and how soon failed preparations are tried again (before the
    /// service is shared).
    pub fn with_retries(mut self, retries: Retries) -> Self {
        self.retries = retries;
        self
    }

    /// Sets the free space a preparation leaves on its disk (before the service is
    /// shared): a film whose renditions would take the disk below it waits for a later
    /// try.
    pub fn with_reserve(mut self, reserve: crate::disk::Reserve) -> Self {
        self.reserve = reserve;
        self
    }

    /// How often and how soon failed preparations are tried again.
    pub fn retries(&self) -> &Retries {
        &self.retries
    }

    /// Sets where the queue's order learns what is planned and watched (once; later calls
    /// are ignored). Without it, only local productions and recency order the queue.
    pub fn set_signals(&self, hook: SignalsHook) {
        let _ = self.signals.set(hook);
    }

    /// The queue now: films being prepared, then the queued ones in the order they will be
    /// taken, each with why it is there and its tries.
    pub fn queue(&self) -> Result<Vec<Place>, PrepareError> {
        run::in_order(self)
    }

    /// "先准备这部": puts the film at the front of the queue (a failed one back in it, its
    /// tries counted afresh), noting `by` (the office user) in the queue record and the log.
    pub fn first(&self, id: &FilmId, by: &str) -> Result<Moved, PrepareError> {
        front::first(self, id, by)
    }

    /// Where a film's finished renditions live.
    pub fn film_dir(&self, id: &FilmId) -> PathBuf {
        self.dir.join(id.as_str())
    }

    /// Where a running preparation of the film writes (renamed to [`Preparation::film_dir`]
    /// when it is done). Segments appear there only complete.
    pub fn partial_dir(&self, id: &FilmId) -> PathBuf {
        self.dir.join(format!("{id}.partial"))
    }

    /// The renditions folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What was decided and made for a film, once it is ready.
    pub fn outcome(&self, id: &FilmId) -> Result<Option<Outcome>, PrepareError> {
        outcome::get(&self.outcomes, id)
    }

    /// How far a running preparation has got.
    pub fn progress(&self, id: &FilmId) -> Option<Progress> {
        self.progress
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    /// Sets what to do when a film's renditions are in place (once; later calls are
    /// ignored): the just-in-time segments it replaces are removed.
    pub fn on_ready(&self, hook: ReadyHook) {
        let _ = self.after_ready.set(hook);
    }

    /// Tells idle runners to look for queued films now.
    pub fn notify(&self) {
        let (flag, cond) = &self.wake;
        *flag.lock().unwrap_or_else(|p| p.into_inner()) = true;
        cond.notify_all();
    }

    /// Prepares queued films one after another until none is left. Blocking.
    /// `on_progress` sees every progress update (the CLI draws its bar from it).
    /// Films waiting for a later try are left for then.
    pub fn drain(&self, on_progress: &dyn Fn(&FilmId, &Progress)) -> Result<usize, PrepareError> {
        let mut done = 0;
        while self.prepare_next(on_progress)?.is_some() {
            done += 1;
        }
        Ok(done)
    }

    /// Prepares the film at the front of the queue (the first one due), if any; says which.
    /// Blocking.
    pub fn prepare_next(
        &self,
        on_progress: &dyn Fn(&FilmId, &Progress),
    ) -> Result<Option<FilmId>, PrepareError> {
        let Some(film) = run::next_queued(self)? else {
            return Ok(None);
        };
        let id = film.id.clone();
        run::prepare_one(self, film, on_progress)?;
        Ok(Some(id))
    }

    /// Queues one film again (e.g. `dianjiao prepare --film ID`), whatever its state, its
    /// tries counted afresh.
    pub fn requeue(&self, id: &FilmId) -> Result<bool, PrepareError> {
        run::requeue(self, id)
    }

    /// Starts `parallel` background runners that prepare queued films as they appear.
    pub fn start(self: &Arc<Self>, parallel: usize) {
        for n in 0..parallel.max(1) {
            let prep = self.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("prepare-{n}"))
                .spawn(move || loop {
                    if let Err(e) = prep.drain(&|_, _| {}) {
                        tracing::error!(error = ?e, "preparation runner failed; retrying in a minute");
                        std::thread::sleep(Duration::from_secs(60));
                    }
                    prep.wait_for_work(prep.next_retry_in(Duration::from_secs(30)));
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a preparation runner");
            }
        }
    }

    /// How long until the next film waiting for a try again is due, at most `at_most`.
    fn next_retry_in(&self, at_most: Duration) -> Duration {
        let now = queue::now_ms();
        let soonest = queue::all(&self.queue)
            .unwrap_or_default()
            .values()
            .filter_map(|e| e.retry_at_ms)
            .filter(|&at| at > now)
            .min();
        soonest.map_or(at_most, |at| {
            at_most.min(Duration::from_millis((at - now) as u64 + 1))
        })
    }

    fn wait_for_work(&self, at_most: Duration) {
        let (flag, cond) = &self.wake;
        let guard = flag.lock().unwrap_or_else(|p| p.into_inner());
        let (mut guard, _) = cond
            .wait_timeout_while(guard, at_most, |woken| !*woken)
            .unwrap_or_else(|p| p.into_inner());
        *guard = false;
    }
}
