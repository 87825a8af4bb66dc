//! One just-in-time producer: a dedicated worker writing a film's segments from a given
//! index on, watched by a thread that passes on each finished segment and kills the worker
//! when nobody has fetched anything for a while or when it goes silent. Told to stop, it
//! kills its worker at once. It counts as alive until its worker process is reaped. A
//! producer behind another of the same film stops once it reaches the segments that one
//! makes (its fence): from there the one ahead serves both viewers.

use std::net::IpAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::media::dedicated::{Dedicated, Heard, KillSwitch, Spare};
use crate::media::protocol::{Expected, PrepareJob, Reply, Request};

use super::viewers::Viewers;

/// How often the watching thread looks at the stop flag and the idle clock.
const TICK: Duration = Duration::from_millis(250);
/// The longest a request waits for its producer to make progress.
const WAIT: Duration = Duration::from_secs(60);
/// How often a waiting request tells its producer it is still wanted.
const WAITING_TICK: Duration = Duration::from_millis(200);

/// How far a producer has got.
#[derive(Clone, Debug, PartialEq)]
pub struct Produced {
    /// Segments `first..next` are written.
    pub next: usize,
    /// Set when the producer has ended: Ok at the film's end, else why it stopped.
    pub end: Option<Result<(), String>>,
}

/// A running (or ended) producer.
#[derive(Debug)]
pub struct Producer {
    /// The segment it started at.
    pub first: usize,
    /// True when it encodes (counted by admission control).
    pub transcodes: bool,
    produced: watch::Sender<Produced>,
    last_fetch: Mutex<Instant>,
    stop: AtomicBool,
    kill: KillSwitch,
    viewers: Mutex<Viewers>,
    /// The nearest producer of the same film starting after this one (kept after it
    /// ends: what it made still fences this one).
    fence: Mutex<Option<Arc<Producer>>>,
    counts: Arc<Counts>,
}

/// What the producers have done since the server started (shown at `/metrics`).
#[derive(Debug, Default)]
pub struct Counts {
    /// Producers started.
    pub started: AtomicU64,
    /// Segments announced (written in every rung) by producers.
    pub segments: AtomicU64,
    /// Producers whose worker was a spare started ahead.
    pub warm: AtomicU64,
}

/// When a producer stops on its own.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Nobody fetched a segment or playlist of the film for this long.
    pub idle: Duration,
    /// The worker wrote nothing for this long.
    pub silent: Duration,
}

impl Producer {
    /// Hands `job` (its `first_segment` is where it starts) to the spare worker or a new
    /// one, and starts a thread watching it.
    pub fn start(
        spare: &Spare,
        job: PrepareJob,
        expect: &[Expected],
        transcodes: bool,
        limits: Limits,
        counts: Arc<Counts>,
    ) -> std::io::Result<Arc<Producer>> {
        let first = job.first_segment;
        let worker = Dedicated::start(spare, &Request::Prepare { job }, expect)?;
        let producer = Arc::new(Producer {
            first,
            transcodes,
            produced: watch::Sender::new(Produced {
                next: first,
                end: None,
            }),
            last_fetch: Mutex::new(Instant::now()),
            stop: AtomicBool::new(false),
            kill: worker.kill_switch(),
            viewers: Mutex::new(Viewers::default()),
            fence: Mutex::new(None),
            counts,
        });
        producer.counts.started.fetch_add(1, Ordering::Relaxed);
        if worker.was_warm() {
            producer.counts.warm.fetch_add(1, Ordering::Relaxed);
        }
        let watched = producer.clone();
        std::thread::Builder::new()
            .name(format!("jit-{}", worker.pid()))
            .spawn(move || watched.watch(worker, limits))?;
        Ok(producer)
    }

    /// True until it has ended: its worker process is reaped.
    pub fn alive(&self) -> bool {
        self.produced.borrow().end.is_none()
    }

    /// How far it has got.
    pub fn produced(&self) -> Produced {
        self.produced.borrow().clone()
    }

    /// Follows its progress.
    pub fn subscribe(&self) -> watch::Receiver<Produced> {
        self.produced.subscribe()
    }

    /// Someone fetched part of the film: keeps it from stopping as idle.
    pub fn touch(&self) {
        *self.last_fetch.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }

    /// A segment is served (or waited for) by `client` through it: it is touched and the
    /// client noted as its viewer.
    pub fn served(&self, client: Option<IpAddr>) {
        self.touch();
        lock(&self.viewers).served(client, Instant::now());
    }

    /// True when it served `client`.
    pub fn serves(&self, client: Option<IpAddr>) -> bool {
        lock(&self.viewers).includes(client)
    }

    /// True when a client other than `client` plays on through it (fetched within `lately`).
    pub fn held_by_other(&self, client: Option<IpAddr>, lately: Duration) -> bool {
        lock(&self.viewers).held_by_other(client, lately, Instant::now())
    }

    /// Makes `next` (a producer of the same film starting after this one) its fence, unless
    /// it has a nearer one alive.
    pub fn fence_at(&self, next: &Arc<Producer>) {
        if next.first <= self.first {
            return;
        }
        let mut fence = lock(&self.fence);
        let nearer = fence
            .as_ref()
            .is_some_and(|f| f.alive() && f.first <= next.first);
        if !nearer {
            *fence = Some(next.clone());
        }
    }

    /// True when segment `index` is its fence's: that producer started there or has made
    /// it.
    fn fenced(&self, index: usize) -> bool {
        let Some(next) = lock(&self.fence).clone() else {
            return false;
        };
        next.first <= index && (next.alive() || index < next.produced().next)
    }

    /// Stops it: its worker is killed now and reaped by the watching thread (which
    /// then marks it ended).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        self.kill.kill();
    }

    /// True when it was told to stop (replaced by a seek, or stopped), rather than ended
    /// on its own.
    pub fn was_stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Waits (at most `limit`) until it has ended; says whether it has.
    pub async fn ended(&self, limit: Duration) -> bool {
        let mut progress = self.subscribe();
        tokio::time::timeout(limit, progress.wait_for(|p| p.end.is_some()))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    fn idle_for(&self) -> Duration {
        self.last_fetch
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .elapsed()
    }

    /// The watching thread: passes on segments until the worker ends or must be stopped;
    /// returning drops (kills) the worker.
    fn watch(&self, mut worker: Dedicated, limits: Limits) {
        let pid = worker.pid();
        let mut heard_at = Instant::now();
        let end = loop {
            if self.stop.load(Ordering::Relaxed) {
                break Err("stopped".into());
            }
            if self.idle_for() > limits.idle {
                break Err("nobody is watching".into());
            }
            if heard_at.elapsed() > limits.silent {
                break Err(format!("worker {pid} went silent"));
            }
            match worker.next(TICK) {
                Heard::Silence => continue,
                Heard::Gone(_) if self.stop.load(Ordering::Relaxed) => break Err("stopped".into()),
                Heard::Gone(why) => break Err(why),
                Heard::Reply(reply) => {
                    heard_at = Instant::now();
                    match reply {
                        Reply::Segment { index } => {
                            self.counts.segments.fetch_add(1, Ordering::Relaxed);
                            self.produced
                                .send_modify(|p| p.next = p.next.max(index + 1));
                            if self.fenced(index + 1) {
                                break Err("the next segments come from another producer".into());
                            }
                        }
                        Reply::Progress { .. } => {}
                        Reply::Prepared { .. } => break Ok(()),
                        Reply::Failed { failure } => {
                            tracing::warn!(pid, kind = ?failure.kind, detail = %failure.detail, "just-in-time producer failed");
                            break Err(failure.kind.clerk_message().to_owned());
                        }
                        other => break Err(format!("unexpected reply {other:?}")),
                    }
                }
            }
        };
        tracing::debug!(pid, first = self.first, ?end, "just-in-time producer ended");
        drop(worker);
        self.produced.send_modify(|p| p.end = Some(end));
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What waiting for a segment gave.
pub enum Waited {
    Written,
    Ended(String),
    TimedOut,
}

/// Waits until `producer` has written segment `index` at `path`, or has ended.
pub async fn wait_for(producer: &Producer, path: &Path, index: usize) -> Waited {
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
