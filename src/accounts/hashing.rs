//! A small fixed pool of threads for password checks. Each argon2 check takes about 19 MiB
//! for its duration; run on whatever thread asked, a flood of sign-ins held that much per
//! request at once (measured: 200 at once took the server from 0.34 to 2.54 GB, and the
//! allocator kept it). Here at most `threads` checks run at once, always on the same few
//! threads (so the allocator's per-thread arenas stay few), a bounded queue waits, and
//! anyone beyond the queue is told the server is busy rather than waiting without bound.

use std::cell::RefCell;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use argon2::Block;

use super::AccountsError;

type Job = Box<dyn FnOnce() + Send>;

/// How many checks may wait for a thread, per thread.
const QUEUE_PER_THREAD: usize = 8;
/// What a caller turned away is told to wait, in seconds.
const BUSY_RETRY_SECS: u64 = 5;

/// Runs password checks on `threads` threads with a bounded queue.
pub struct HashPool {
    jobs: SyncSender<Job>,
}

impl HashPool {
    /// Starts `threads` (at least 1) threads; they end when the pool is dropped.
    pub fn new(threads: usize) -> HashPool {
        let threads = threads.max(1);
        let (jobs, queue) = mpsc::sync_channel::<Job>(threads * QUEUE_PER_THREAD);
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-check-{i}"))
                .spawn(move || work(&queue));
            if let Err(e) = spawned {
                // With no thread at all every sign-in answers busy; the log says why.
                tracing::error!(error = %e, "cannot start a password-check thread");
            }
        }
        HashPool { jobs }
    }

    /// Runs `check` on a pool thread and waits for it; `Busy` when the queue is full.
    pub fn run<T: Send + 'static>(
        &self,
        check: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AccountsError> {
        let (reply, answer) = mpsc::sync_channel(1);
        let job: Job = Box::new(move || {
            let _ = reply.send(check());
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                return Err(AccountsError::Busy {
                    retry_after_secs: BUSY_RETRY_SECS,
                })
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(AccountsError::Hash("no password-check thread".into()))
            }
        }
        answer
            .recv()
            .map_err(|_| AccountsError::Hash("the password check stopped".into()))
    }
}

thread_local! {
    /// This thread's argon2 memory, allocated once and reused by every check: memory stays
    /// flat whatever the allocator would do with many large freed blocks.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with `blocks` argon2 memory blocks of this thread's reusable memory (grown on
/// first use; on the pool's threads, the pool bounds how many such memories exist).
pub(super) fn with_memory<R>(blocks: usize, f: impl FnOnce(&mut [Block]) -> R) -> R {
    MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        f(&mut memory[..blocks])
    })
}

fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        // Hold the lock only to take one job, not while running it.
        let job = {
            let queue = queue.lock().unwrap_or_else(|p| p.into_inner());
            queue.recv()
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;

    #[test]
    fn beyond_the_running_and_queued_checks_callers_are_told_busy() {
        let pool = Arc::new(HashPool::new(1));
        let gate = Arc::new(Barrier::new(2));
        let started = Arc::new(Barrier::new(2));
        let (g, s) = (gate.clone(), started.clone());
        let p = pool.clone();
        let running = std::thread::spawn(move || {
            p.run(move || {
                s.wait();
                g.wait();
            })
        });
        started.wait();
        // The one thread is busy: fill the queue behind it with jobs that say when they ran.
        let (ran, done) = mpsc::channel();
        let mut queued = 0;
        loop {
            let ran = ran.clone();
            if pool
                .jobs
                .try_send(Box::new(move || ran.send(()).unwrap()))
                .is_err()
            {
                break;
            }
            queued += 1;
        }
        assert_eq!(queued, QUEUE_PER_THREAD);
        assert!(matches!(pool.run(|| 2), Err(AccountsError::Busy { .. })));
        gate.wait();
        running.join().unwrap().unwrap();
        // Once the queued jobs have run, the queue is empty.
        for _ in 0..queued {
            done.recv().unwrap();
        }
        assert_eq!(pool.run(|| 3).unwrap(), 3, "free again");
    }
}
