//! A worker process of its own for one long request that its owner may stop at any moment
//! (a just-in-time producer): started outside the pool, so it never keeps a probe or a
//! preparation waiting, and killed — not asked — when it is no longer wanted: at once,
//! from any thread, through its [`KillSwitch`].

use std::io::{self, Write};
use std::os::unix::process::CommandExt;
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::pool::{spawn, worker_command, PoolConfig, Worker};
use super::protocol::{Envelope, Expected, Reply, Request};

/// A worker carrying out one request; dropping it kills and reaps the process.
#[derive(Debug)]
pub struct Dedicated {
    switch: KillSwitch,
    worker: Worker,
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
    /// Starts a worker as the pool would (same limits and priority) and hands it `req`.
    pub fn start(cfg: &PoolConfig, req: &Request, expect: &[Expected]) -> io::Result<Dedicated> {
        let mut command = worker_command(cfg);
        let nice = cfg.worker.nice;
        // Someone is waiting for this worker, and a storm of them must not outrun streaming:
        // it runs at its niceness from its first instruction (the worker sets it again).
        // SAFETY: the closure runs in the forked child before exec and makes only the
        // async-signal-safe setpriority call on that single-threaded child.
        unsafe {
            command.pre_exec(move || {
                libc::setpriority(libc::PRIO_PROCESS, 0, nice);
                Ok(())
            });
        }
        let mut worker = spawn(&mut command)?;
        let envelope = Envelope {
            request: req.clone(),
            expect: expect.to_vec(),
        };
        let mut line = serde_json::to_vec(&envelope).map_err(io::Error::other)?;
        line.push(b'\n');
        worker.stdin.write_all(&line)?;
        worker.stdin.flush()?;
        let switch = KillSwitch {
            pid: Arc::new(Mutex::new(Some(worker.pid))),
        };
        Ok(Dedicated { switch, worker })
    }

    /// A handle that kills the worker from elsewhere.
    pub fn kill_switch(&self) -> KillSwitch {
        self.switch.clone()
    }

    /// The worker's process id.
    pub fn pid(&self) -> u32 {
        self.worker.pid
    }

    /// Waits at most `wait` for the worker's next line.
    pub fn next(&self, wait: Duration) -> Heard {
        match self.worker.replies.recv_timeout(wait) {
            Ok(bytes) => match serde_json::from_slice::<Reply>(&bytes) {
                Ok(reply) => Heard::Reply(reply),
                Err(e) => Heard::Gone(format!("worker wrote a bad reply: {e}")),
            },
            Err(RecvTimeoutError::Timeout) => Heard::Silence,
            Err(RecvTimeoutError::Disconnected) => Heard::Gone("worker exited".into()),
        }
    }
}

impl Drop for Dedicated {
    /// Disarms the kill switch; the worker field, dropped next, kills and reaps the process.
    fn drop(&mut self) {
        self.switch.disarm();
    }
}
