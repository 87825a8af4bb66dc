//! A dedicated worker started before it is needed. A new `dianjiao-worker` spends about
//! 40 ms of CPU loading FFmpeg's libraries before it can read a request — time a viewer
//! waiting for the first segment of a film nobody has prepared would otherwise spend
//! watching a spinner. One spare waits at most. The one taken is replaced once it has
//! written its first segment (or replied its result), so that starting the replacement
//! does not compete for the two cores with the work a viewer is waiting for.

use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::super::pool::{spawn, worker_command, PoolConfig, Worker};

/// At most one waiting worker for dedicated requests, all started alike.
/// Clones share the one spare.
#[derive(Clone, Debug)]
pub struct Spare {
    cfg: Arc<PoolConfig>,
    slot: Arc<Mutex<Slot>>,
}

#[derive(Debug, Default)]
struct Slot {
    worker: Option<Worker>,
    /// [`Spare::warm`] was called: a taken spare is replaced.
    kept: bool,
}

impl Spare {
    /// Workers started as `cfg` says, at its niceness from their first instruction. None
    /// waits until [`Spare::warm`] is called: a command-line tool or a test that never
    /// streams starts no process it will not use.
    pub fn new(cfg: PoolConfig) -> Spare {
        Spare {
            cfg: Arc::new(cfg),
            slot: Arc::default(),
        }
    }

    /// How its workers are started.
    pub fn config(&self) -> &PoolConfig {
        &self.cfg
    }

    /// Keeps a spare from now on, and starts one unless one is waiting. A worker that
    /// cannot start is logged; the next request starts its own.
    pub fn warm(&self) {
        let mut slot = lock(&self.slot);
        slot.kept = true;
        self.fill(&mut slot);
    }

    /// Starts a spare into `slot` unless one waits there.
    fn fill(&self, slot: &mut Slot) {
        if slot.worker.is_none() {
            match start(&self.cfg) {
                Ok(worker) => slot.worker = Some(worker),
                Err(e) => tracing::warn!(error = %e, "cannot start a spare media worker"),
            }
        }
    }

    /// The process id of the waiting spare, if one waits (tests, metrics).
    pub fn waiting(&self) -> Option<u32> {
        lock(&self.slot).worker.as_ref().map(|w| w.pid)
    }

    /// The waiting worker when it is still alive; one that died while waiting is reaped.
    pub(in crate::media) fn take(&self) -> Option<Worker> {
        let mut taken = lock(&self.slot).worker.take();
        if taken.as_mut().is_some_and(Worker::exited) {
            taken = None;
        }
        taken
    }

    /// Starts a replacement on a thread of its own when spares are kept and none waits.
    /// The slot stays locked while it starts, so [`Spare::waiting`] never misses a spare
    /// that is already running.
    pub(in crate::media) fn refill(&self) {
        let spare = self.clone();
        let started = std::thread::Builder::new()
            .name("spare-worker".into())
            .spawn(move || {
                let mut slot = lock(&spare.slot);
                if slot.kept {
                    spare.fill(&mut slot);
                }
            });
        if let Err(e) = started {
            tracing::warn!(error = %e, "cannot start a spare media worker");
        }
    }
}

/// Starts a dedicated worker: the pool's command line, at the pool's niceness from the
/// first instruction (a storm of them must not outrun streaming; the worker sets it
/// again).
pub(in crate::media) fn start(cfg: &PoolConfig) -> io::Result<Worker> {
    use std::os::unix::process::CommandExt;
    let mut command = worker_command(cfg);
    let nice = cfg.worker.nice;
    // SAFETY: the closure runs in the forked child before exec and makes only the
    // async-signal-safe setpriority call on that single-threaded child.
    unsafe {
        command.pre_exec(move || {
            libc::setpriority(libc::PRIO_PROCESS, 0, nice);
            Ok(())
        });
    }
    spawn(&mut command)
}

fn lock(slot: &Mutex<Slot>) -> MutexGuard<'_, Slot> {
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}
