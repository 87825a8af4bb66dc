//! Durable appends with group commit. An appender seals its entry under the lock and queues
//! its frame; the first appender to find no write in progress becomes the leader, writes
//! every queued frame in one `write` and one `fdatasync`, and wakes the others: concurrent
//! appenders share one sync, and each returns only once its own frame is synced. After a
//! failed write or sync nothing more is taken (fail closed): after an `fsync` error the
//! kernel may already have dropped the unwritten pages, so a retry could report success for
//! data that is gone.
//!
//! **Reserve.** The committer keeps `reserve` bytes allocated past the end of the log
//! (`fallocate` with `FALLOC_FL_KEEP_SIZE`: the file's length is unchanged, its blocks are
//! the ledger's). Appends write into blocks already theirs, so a disk filled by films (or by
//! anything else) does not stop the record of showings; the allocation is topped up after a
//! sync once half of it is used, and a top-up the full disk refuses is only logged. Why a
//! reserve and a floor for bulk writers both: see `crate::disk`.

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
    /// Allocates `len` bytes from `offset` without changing the file's length.
    fn reserve(&mut self, _offset: u64, _len: u64) -> io::Result<()> {
        Ok(())
    }
}

impl LogFile for File {
    fn write_frames(&mut self, bytes: &[u8]) -> io::Result<()> {
        io::Write::write_all(self, bytes)
    }

    fn sync_frames(&mut self) -> io::Result<()> {
        self.sync_data()
    }

    fn reserve(&mut self, offset: u64, len: u64) -> io::Result<()> {
        use rustix::fs::{fallocate, FallocateFlags};
        fallocate(&*self, FallocateFlags::KEEP_SIZE, offset, len).map_err(io::Error::from)
    }
}

/// The log file whose syncs fail after `left` more succeed, as a dying disk's would: the
/// seam `ledger_debug_fail_sync_after` opens for black-box tests of failing closed.
pub(crate) struct FailingSync {
    pub file: File,
    pub left: u64,
}

impl LogFile for FailingSync {
    fn write_frames(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_frames(bytes)
    }

    fn sync_frames(&mut self) -> io::Result<()> {
        if self.left == 0 {
            return Err(io::Error::other(
                "EIO (injected by ledger_debug_fail_sync_after)",
            ));
        }
        self.left -= 1;
        self.file.sync_frames()
    }

    fn reserve(&mut self, offset: u64, len: u64) -> io::Result<()> {
        self.file.reserve(offset, len)
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
    /// The log's blocks are allocated up to here (its length or past it).
    allocated: u64,
}

pub(crate) struct Committer {
    state: Mutex<State>,
    synced: Condvar,
    group: bool,
    clock: LedgerClock,
    /// Bytes kept allocated past the end of the log.
    reserve: u64,
}

impl Committer {
    /// `file` is `None` for a read-only ledger. `tip` and `index` come from the scan.
    pub(crate) fn new(
        mut file: Option<Box<dyn LogFile>>,
        tip: Tip,
        index: Vec<u64>,
        (group, reserve): (bool, u64),
        clock: LedgerClock,
    ) -> Self {
        let allocated = match file.as_mut() {
            Some(file) => top_up(file.as_mut(), tip.end, tip.end, reserve),
            None => tip.end,
        };
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
            allocated,
        };
        Committer {
            state: Mutex::new(state),
            synced: Condvar::new(),
            group,
            clock,
            reserve,
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
        let allocated = st.allocated;
        let write = |file: &mut dyn LogFile| {
            write_and_sync(file, &batch).map(|()| top_up(file, target.end, allocated, self.reserve))
        };
        let result = if self.group {
            drop(st);
            let result = write(file.as_mut());
            st = self.lock();
            result
        } else {
            // The reference: one sync per entry, the lock held throughout.
            write(file.as_mut())
        };
        st.file = Some(file);
        st.writing = false;
        match result {
            Ok(allocated) => {
                st.durable = target;
                st.syncs += 1;
                st.allocated = allocated;
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

/// Allocates `reserve` bytes past `end` once less than half of it is left before
/// `allocated`; returns how far the log is allocated now. A refusal (the disk is full, the
/// file system cannot) is logged and tried again after another half.
fn top_up(file: &mut dyn LogFile, end: u64, allocated: u64, reserve: u64) -> u64 {
    if reserve == 0 || allocated.saturating_sub(end) >= reserve / 2 {
        return allocated;
    }
    match file.reserve(end, reserve) {
        Ok(()) => end.saturating_add(reserve),
        Err(e) => {
            tracing::warn!(error = %e, reserve, "the ledger cannot allocate its reserve");
            end.saturating_add(reserve / 2).max(allocated)
        }
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
