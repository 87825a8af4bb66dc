//! Durable appends with group commit. An appender seals its entry under the lock and queues
//! its frame; the first appender to find no write in progress becomes the leader, writes
//! every queued frame in one `write` and one `fdatasync`, and wakes the others: concurrent
//! appenders share one sync, and each returns only once its own frame is synced. After a
//! failed write or sync nothing more is taken (fail closed): after an `fsync` error the
//! kernel may already have dropped the unwritten pages, so a retry could report success for
//! data that is gone.

use std::fs::File;
use std::io;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::entry::{ChainHash, Draft, Entry};
use super::error::LedgerError;
use super::frame::{self, INDEX_STRIDE};
use super::LedgerClock;

/// The log file as the committer uses it: the seam where tests inject disk failures.
pub(crate) trait LogFile: Send {
    /// Writes every byte at the end of the log.
    fn write_frames(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// `fdatasync`.
    fn sync_frames(&mut self) -> io::Result<()>;
}

impl LogFile for File {
    fn write_frames(&mut self, bytes: &[u8]) -> io::Result<()> {
        io::Write::write_all(self, bytes)
    }

    fn sync_frames(&mut self) -> io::Result<()> {
        self.sync_data()
    }
}

/// The end of the chain: how many entries, the last hash, the byte after the last frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tip {
    pub len: u64,
    pub head: ChainHash,
    pub end: u64,
}

/// The disk error that stopped the ledger.
#[derive(Clone)]
struct Failure {
    during: &'static str,
    during_en: &'static str,
    error: Arc<io::Error>,
}

struct State {
    /// `None` while the leader writes, and always for a read-only ledger.
    file: Option<Box<dyn LogFile>>,
    read_only: bool,
    /// Frames sealed but not yet written.
    queued: Vec<u8>,
    /// The tip including queued frames.
    sealed: Tip,
    /// The tip of what is synced; only this is ever read back or signed.
    durable: Tip,
    /// Offsets of entries 0, `INDEX_STRIDE`, … (sealed ones included).
    index: Vec<u64>,
    writing: bool,
    failed: Option<Failure>,
    syncs: u64,
}

pub(crate) struct Committer {
    state: Mutex<State>,
    synced: Condvar,
    group: bool,
    clock: LedgerClock,
}

impl Committer {
    /// `file` is `None` for a read-only ledger. `tip` and `index` come from the scan.
    pub(crate) fn new(
        file: Option<Box<dyn LogFile>>,
        tip: Tip,
        index: Vec<u64>,
        group: bool,
        clock: LedgerClock,
    ) -> Self {
        let state = State {
            read_only: file.is_none(),
            file,
            queued: Vec::new(),
            sealed: tip,
            durable: tip,
            index,
            writing: false,
            failed: None,
            syncs: 0,
        };
        Committer {
            state: Mutex::new(state),
            synced: Condvar::new(),
            group,
            clock,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The durable tip.
    pub(crate) fn tip(&self) -> Tip {
        self.lock().durable
    }

    /// The clock that stamps entries.
    pub(crate) fn clock(&self) -> &LedgerClock {
        &self.clock
    }

    /// How many syncs have been made.
    pub(crate) fn syncs(&self) -> u64 {
        self.lock().syncs
    }

    /// The indexed entry at or before `seq` and its offset, within the durable tip.
    pub(crate) fn start_for(&self, seq: u64) -> (u64, u64) {
        let st = self.lock();
        let slot = (seq / INDEX_STRIDE) as usize;
        match st.index.get(slot) {
            Some(&offset) => (slot as u64 * INDEX_STRIDE, offset),
            None => (0, frame::MAGIC.len() as u64),
        }
    }

    /// Validates, seals and durably writes one entry.
    pub(crate) fn append(&self, mut draft: Draft) -> Result<Entry, LedgerError> {
        draft.check()?;
        let mut st = self.lock();
        if let Some(f) = &st.failed {
            return Err(LedgerError::Stopped {
                source: f.error.clone(),
            });
        }
        if st.read_only {
            return Err(LedgerError::ReadOnly);
        }
        draft.check_against(st.sealed.len)?;
        let at = self.clock.stamp(&mut draft.payload);
        let entry = Entry::seal(draft, st.sealed.len, at, st.sealed.head);
        let before = st.queued.len();
        frame::encode(&entry, &mut st.queued);
        if entry.seq.is_multiple_of(INDEX_STRIDE) {
            let at = st.sealed.end;
            st.index.push(at);
        }
        st.sealed = Tip {
            len: entry.seq + 1,
            head: entry.hash,
            end: st.sealed.end + (st.queued.len() - before) as u64,
        };
        let mine = st.sealed.len;
        loop {
            if st.durable.len >= mine {
                return Ok(entry);
            }
            if let Some(f) = &st.failed {
                return Err(LedgerError::Failed {
                    during: f.during,
                    during_en: f.during_en,
                    source: f.error.clone(),
                });
            }
            if st.writing {
                st = self.synced.wait(st).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            st = self.lead(st);
        }
    }

    /// Writes and syncs everything queued; with group commit the lock is let go meanwhile,
    /// so that others can queue their frames for the next sync.
    fn lead<'a>(&'a self, mut st: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        let Some(mut file) = st.file.take() else {
            return st;
        };
        st.writing = true;
        if self.group {
            // The appenders the last sync released are coming back with their next entries;
            // letting them queue first makes the batches even (8 writers: ~4 → ~6 per sync, measured).
            drop(st);
            std::thread::yield_now();
            st = self.lock();
        }
        let batch = std::mem::take(&mut st.queued);
        let target = st.sealed;
        let result = if self.group {
            drop(st);
            let result = write_and_sync(file.as_mut(), &batch);
            st = self.lock();
            result
        } else {
            // The reference: one sync per entry, the lock held throughout.
            write_and_sync(file.as_mut(), &batch)
        };
        st.file = Some(file);
        st.writing = false;
        match result {
            Ok(()) => {
                st.durable = target;
                st.syncs += 1;
            }
            Err(failure) => {
                tracing::error!(
                    "ledger {} failed, no more entries are taken until restart: {}",
                    failure.during_en,
                    failure.error
                );
                st.failed = Some(failure);
            }
        }
        self.synced.notify_all();
        st
    }
}

fn write_and_sync(file: &mut dyn LogFile, batch: &[u8]) -> Result<(), Failure> {
    let fail = |during, during_en, e| Failure {
        during,
        during_en,
        error: Arc::new(e),
    };
    file.write_frames(batch)
        .map_err(|e| fail("写入", "write", e))?;
    file.sync_frames()
        .map_err(|e| fail("同步到磁盘", "sync", e))
}
