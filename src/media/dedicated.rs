//! A worker process of its own for one long request that its owner may stop at any moment
//! (a just-in-time producer): started outside the pool, so it never keeps a probe or a
//! preparation waiting, and killed — not asked — when it is no longer wanted.

use std::io::{self, Write};
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use super::pool::{spawn_worker, PoolConfig, Worker};
use super::protocol::{Reply, Request};

/// A worker carrying out one request; dropping it kills and reaps the process.
#[derive(Debug)]
pub struct Dedicated {
    worker: Worker,
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
    pub fn start(cfg: &PoolConfig, req: &Request) -> io::Result<Dedicated> {
        let mut worker = spawn_worker(cfg)?;
        let mut line = serde_json::to_vec(req).map_err(io::Error::other)?;
        line.push(b'\n');
        worker.stdin.write_all(&line)?;
        worker.stdin.flush()?;
        Ok(Dedicated { worker })
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
