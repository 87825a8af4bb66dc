//! A worker process of its own for one long request that its owner may stop at any moment
//! (a just-in-time producer): started outside the pool, so it never keeps a probe or a
//! preparation waiting, and killed — not asked — when it is no longer wanted: at once,
//! from any thread, through its [`KillSwitch`]. A [`Spare`] started ahead takes the
//! request when one waits.

use std::io::{self, Write};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::pool::Worker;
use super::protocol::{Envelope, Expected, Reply, Request};

mod spare;
pub use spare::Spare;

/// A worker carrying out one request; dropping it kills and reaps the process.
#[derive(Debug)]
pub struct Dedicated {
    switch: KillSwitch,
    worker: Worker,
    /// Replaced once this worker has replied something other than progress: its first
    /// segment, or its result. Not when it dies or is killed first (a viewer seeking
    /// about): a storm of seeks must not turn into a storm of spares.
    spare: Option<Spare>,
    /// The request went to a spare started ahead.
    warm: bool,
}

/// Kills a dedicated worker from another thread without waiting for its owner. It holds
/// the process id only while the process is unreaped (the owner disarms it before
/// reaping), so it never signals a process id the system has given to someone else.
#[derive(Clone, Debug)]
pub struct KillSwitch {
    pid: Arc<Mutex<Option<u32>>>,
}

impl KillSwitch {
    /// Sends SIGKILL to the worker unless it has been reaped already. Its owner still
    /// reaps it (and sees it gone at once: its output closes).
    pub fn kill(&self) {
        let pid = self.pid.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(pid) = *pid {
            // SAFETY: kill(2) with a plain pid and signal. The pid is our unreaped child
            // while the lock is held: `disarm` takes the same lock before reaping.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        }
    }

    fn disarm(&self) {
        *self.pid.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// What waiting for a dedicated worker's next line gave.
#[derive(Debug)]
pub enum Heard {
    /// A reply line: interim (`Progress`, `Segment`) or final.
    Reply(Reply),
    /// Nothing within the time asked.
    Silence,
    /// The process ended or wrote something that is not a reply.
    Gone(String),
}

impl Dedicated {
    /// Hands `req` to the waiting spare worker, or to a new one started as the pool would
    /// (same limits and priority) when none waits or the spare cannot take it.
    pub fn start(spare: &Spare, req: &Request, expect: &[Expected]) -> io::Result<Dedicated> {
        let envelope = Envelope {
            request: req.clone(),
            expect: expect.to_vec(),
        };
        let mut line = serde_json::to_vec(&envelope).map_err(io::Error::other)?;
        line.push(b'\n');
        // A spare that died while it waited shows up here as a broken pipe.
        let ready = spare.take().and_then(|w| hand(w, &line).ok());
        let warm = ready.is_some();
        let worker = match ready {
            Some(worker) => worker,
            None => hand(spare::start(spare.config())?, &line)?,
        };
        let switch = KillSwitch {
            pid: Arc::new(Mutex::new(Some(worker.pid))),
        };
        Ok(Dedicated {
            switch,
            worker,
            spare: Some(spare.clone()),
            warm,
        })
    }

    /// A handle that kills the worker from elsewhere.
    pub fn kill_switch(&self) -> KillSwitch {
        self.switch.clone()
    }

    /// Whether the request went to a spare started ahead (no wait for FFmpeg to load).
    pub fn was_warm(&self) -> bool {
        self.warm
    }

    /// The worker's process id.
    pub fn pid(&self) -> u32 {
        self.worker.pid
    }

    /// Waits at most `wait` for the worker's next line.
    pub fn next(&mut self, wait: Duration) -> Heard {
        let heard = match self.worker.replies.recv_timeout(wait) {
            Ok(bytes) => match serde_json::from_slice::<Reply>(&bytes) {
                Ok(reply) => Heard::Reply(reply),
                Err(e) => Heard::Gone(format!("worker wrote a bad reply: {e}")),
            },
            Err(RecvTimeoutError::Timeout) => return Heard::Silence,
            Err(RecvTimeoutError::Disconnected) => Heard::Gone("worker exited".into()),
        };
        if matches!(&heard, Heard::Reply(r) if !matches!(r, Reply::Progress { .. })) {
            self.refill_spare();
        }
        heard
    }

    /// Has the spare replaced, once.
    fn refill_spare(&mut self) {
        if let Some(spare) = self.spare.take() {
            spare.refill();
        }
    }
}

/// Writes the request line to `worker`'s stdin.
fn hand(mut worker: Worker, line: &[u8]) -> io::Result<Worker> {
    worker.stdin.write_all(line)?;
    worker.stdin.flush()?;
    Ok(worker)
}

impl Drop for Dedicated {
    /// Disarms the kill switch; the worker field, dropped next, kills and reaps the process.
    fn drop(&mut self) {
        self.switch.disarm();
    }
}
