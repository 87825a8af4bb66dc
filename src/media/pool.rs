//! A small pool of long-lived `dianjiao-worker` processes and the blocking call that hands
//! one a [`Request`] over its stdin and waits, with a time limit, for its [`Reply`] on its
//! stdout. A worker that overruns is killed; one that dies is reaped; either is replaced, so
//! one hostile file costs one worker, never the server.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::protocol::{Envelope, Expected, FailureKind, MediaFailure, Reply, Request};
use super::worker::WorkerOptions;

mod process;
pub(super) use process::{spawn, spawn_worker, worker_command, Worker};

/// Tries to deliver one request before giving up (a worker may have died while idle).
const SEND_ATTEMPTS: usize = 3;

/// The worker's executable name. The server starts it from the folder it runs from itself:
/// it is a program of its own so that the server process never maps FFmpeg's libraries
/// (see [`crate::media`]).
pub const WORKER_PROGRAM: &str = "dianjiao-worker";

/// The worker executable beside `server_exe` (the running `dianjiao`, or a test's build of
/// it): the same folder, named [`WORKER_PROGRAM`].
pub fn worker_beside(server_exe: &Path) -> PathBuf {
    server_exe.with_file_name(WORKER_PROGRAM)
}

/// How to start and supervise the workers.
#[derive(Clone, Debug)]
pub struct PoolConfig {
    /// The worker executable ([`WORKER_PROGRAM`], see [`worker_beside`]); workers run as
    /// `<exe> <options>`.
    pub exe: PathBuf,
    /// Number of worker processes.
    pub size: usize,
    /// Longest a worker may spend on one request before it is killed; for
    /// [`WorkerPool::call_with_progress`], the longest it may go without reporting progress.
    pub timeout: Duration,
    /// Limits each worker applies to itself, passed on its command line.
    pub worker: WorkerOptions,
}

/// A running pool of worker processes. Share it in an [`Arc`]; [`WorkerPool::call`] blocks,
/// so async code calls it from `spawn_blocking`.
#[derive(Debug)]
pub struct WorkerPool {
    cfg: PoolConfig,
    state: Mutex<State>,
    /// Signalled when a worker goes back to the idle list or a slot frees up.
    freed: Condvar,
    restarts: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    idle: Vec<Worker>,
    /// Workers alive or being started, idle or busy.
    live: usize,
    /// Process ids of the live workers.
    pids: Vec<u32>,
}

impl WorkerPool {
    /// The configuration the workers were started with.
    pub fn config(&self) -> &PoolConfig {
        &self.cfg
    }

    /// Starts `cfg.size` workers.
    pub fn start(cfg: PoolConfig) -> Result<Arc<WorkerPool>, io::Error> {
        if cfg.size == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "worker pool size is 0",
            ));
        }
        let pool = WorkerPool {
            cfg,
            state: Mutex::new(State::default()),
            freed: Condvar::new(),
            restarts: AtomicU64::new(0),
        };
        for _ in 0..pool.cfg.size {
            // On error `pool` is dropped here, which kills the workers already started.
            let worker = spawn_worker(&pool.cfg)?;
            let mut st = pool.lock();
            st.live += 1;
            st.pids.push(worker.pid);
            st.idle.push(worker);
        }
        Ok(Arc::new(pool))
    }

    /// Sends `req` to a free worker (waiting for one) and returns its reply. Never panics:
    /// a timeout becomes `Failed{TimedOut}`, a dead worker `Failed{WorkerCrashed}`.
    pub fn call(&self, req: &Request) -> Reply {
        self.send(req, &[], None)
    }

    /// [`WorkerPool::call`] (or, with `on_progress`, [`WorkerPool::call_with_progress`])
    /// for a request whose input files must be the ones the catalog recorded: the worker
    /// refuses an input whose device and inode are not those in `expect`.
    pub fn call_checked(
        &self,
        req: &Request,
        expect: &[Expected],
        on_progress: Option<&mut dyn FnMut(f64)>,
    ) -> Reply {
        self.send(req, expect, on_progress)
    }

    /// Like [`WorkerPool::call`] for a long request (`Prepare`) whose worker reports
    /// `Progress` as it goes: each one is passed to `on_progress` (position in seconds)
    /// and restarts the clock, so the time limit is how long a worker may stay *silent*,
    /// not how long the whole request may take.
    pub fn call_with_progress(&self, req: &Request, on_progress: &mut dyn FnMut(f64)) -> Reply {
        self.send(req, &[], Some(on_progress))
    }

    /// Delivers `req` to a worker (retrying on workers that died while idle) and waits.
    fn send(
        &self,
        req: &Request,
        expect: &[Expected],
        mut on_progress: Option<&mut dyn FnMut(f64)>,
    ) -> Reply {
        let envelope = Envelope {
            request: req.clone(),
            expect: expect.to_vec(),
        };
        let mut line = match serde_json::to_vec(&envelope) {
            Ok(line) => line,
            Err(e) => {
                return failed(
                    FailureKind::WorkerCrashed,
                    format!("cannot encode request: {e}"),
                )
            }
        };
        line.push(b'\n');
        let mut last_error = String::new();
        for _ in 0..SEND_ATTEMPTS {
            let mut worker = match self.acquire() {
                Ok(w) => w,
                Err(e) => {
                    return failed(
                        FailureKind::WorkerCrashed,
                        format!("cannot start a worker: {e}"),
                    )
                }
            };
            match worker
                .stdin
                .write_all(&line)
                .and_then(|()| worker.stdin.flush())
            {
                // The worker died while idle; the request never reached it, so try another.
                Err(e) => {
                    last_error = format!("worker {} did not take the request: {e}", worker.pid);
                    self.retire(worker);
                }
                Ok(()) => return self.await_reply(worker, on_progress.take()),
            }
        }
        failed(FailureKind::WorkerCrashed, last_error)
    }

    /// Process ids of the live workers (for tests and the status page).
    pub fn worker_pids(&self) -> Vec<u32> {
        self.lock().pids.clone()
    }

    /// How many workers have been started to replace ones that died or were killed.
    pub fn restarts(&self) -> u64 {
        self.restarts.load(Ordering::Relaxed)
    }

    /// The number of workers the pool keeps.
    pub fn size(&self) -> usize {
        self.cfg.size
    }

    /// Waits for the final reply to the request just sent to `worker`. Without
    /// `on_progress` the time limit covers the whole request and `Progress` lines are
    /// skipped; with it, each `Progress` line is handed on and restarts the limit.
    fn await_reply(&self, worker: Worker, mut on_progress: Option<&mut dyn FnMut(f64)>) -> Reply {
        let pid = worker.pid;
        let limit = self.cfg.timeout;
        let deadline = Instant::now() + limit;
        loop {
            let wait = match on_progress {
                Some(_) => limit,
                None => deadline.saturating_duration_since(Instant::now()),
            };
            let bytes = match worker.replies.recv_timeout(wait) {
                Ok(bytes) => bytes,
                Err(e) => return self.lost(worker, e),
            };
            match serde_json::from_slice::<Reply>(&bytes) {
                Ok(Reply::Progress { position_s }) => {
                    if let Some(report) = on_progress.as_mut() {
                        report(position_s);
                    }
                }
                // Only just-in-time jobs announce segments; they do not end the request.
                Ok(Reply::Segment { .. }) => {}
                Ok(reply) => {
                    self.release(worker);
                    return reply;
                }
                Err(e) => {
                    self.retire(worker);
                    return failed(
                        FailureKind::WorkerCrashed,
                        format!("worker {pid} wrote a bad reply: {e}"),
                    );
                }
            }
        }
    }

    /// Retires a worker that went silent for too long or died, and says which.
    fn lost(&self, worker: Worker, why: RecvTimeoutError) -> Reply {
        let pid = worker.pid;
        match why {
            RecvTimeoutError::Timeout => {
                self.retire(worker);
                let limit = self.cfg.timeout.as_secs_f64();
                failed(
                    FailureKind::TimedOut,
                    format!("worker {pid} was silent for longer than {limit:.1} s; killed"),
                )
            }
            RecvTimeoutError::Disconnected => {
                let status = self.retire(worker);
                failed(
                    FailureKind::WorkerCrashed,
                    format!("worker {pid} died mid-request ({status})"),
                )
            }
        }
    }

    /// Takes an idle, healthy worker, starting one if a slot is free, else waits.
    fn acquire(&self) -> io::Result<Worker> {
        let mut st = self.lock();
        let mut found_dead = 0;
        loop {
            if let Some(worker) = st.idle.pop() {
                match worker.replies.try_recv() {
                    Err(TryRecvError::Empty) => return Ok(worker),
                    // Dead while idle, or wrote a line nobody asked for: replace it.
                    Ok(_) | Err(TryRecvError::Disconnected) => {
                        drop(st);
                        self.retire(worker);
                        found_dead += 1;
                        if found_dead > self.cfg.size {
                            return Err(io::Error::other("workers exit as soon as they start"));
                        }
                        st = self.lock();
                        continue;
                    }
                }
            }
            if st.live < self.cfg.size {
                st.live += 1;
                drop(st);
                return self.start_replacement();
            }
            st = self.freed.wait(st).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Puts a worker that answered back on the idle list.
    fn release(&self, worker: Worker) {
        self.lock().idle.push(worker);
        self.freed.notify_one();
    }

    /// Kills and reaps a worker, then starts one in its place (best effort: if that fails,
    /// the next call tries again). Returns how the old worker ended.
    fn retire(&self, worker: Worker) -> String {
        let (pid, mut worker) = (worker.pid, worker);
        let status = worker.kill_and_reap();
        drop(worker);
        tracing::warn!(pid, %status, "media worker retired");
        {
            let mut st = self.lock();
            st.pids.retain(|p| *p != pid);
        }
        match self.start_replacement() {
            Ok(fresh) => self.release(fresh),
            Err(e) => tracing::error!(error = %e, "could not start a media worker"),
        }
        status
    }

    /// Starts a worker for a slot already counted in `live` (freed again on failure).
    fn start_replacement(&self) -> io::Result<Worker> {
        match spawn_worker(&self.cfg) {
            Ok(worker) => {
                self.lock().pids.push(worker.pid);
                self.restarts.fetch_add(1, Ordering::Relaxed);
                Ok(worker)
            }
            Err(e) => {
                self.lock().live -= 1;
                self.freed.notify_one();
                Err(e)
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        let st = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        // Busy workers cannot exist here: `call` borrows the pool. Dropping kills and reaps.
        st.idle.clear();
        st.pids.clear();
    }
}

fn failed(kind: FailureKind, detail: String) -> Reply {
    Reply::Failed {
        failure: MediaFailure { kind, detail },
    }
}
