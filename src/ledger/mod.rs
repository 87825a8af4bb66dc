//! The ledger of record: an append-only, hash-chained log of every showing, sign-in,
//! discussion, report and correction, in its own file `<dir>/ledger.log` (not a sled tree:
//! sled's flush is not a full fsync).
//!
//! * **Append only.** The API is append, iterate, verify, len, checkpoint and export; nothing
//!   edits or deletes. A mistake is corrected by a new `correction` entry pointing at it.
//! * **Durable.** [`Ledger::append`] returns only after its frame is `fdatasync`ed;
//!   concurrent appenders share one sync (group commit). After a failed write or sync the
//!   ledger takes no more entries until restart (fail closed).
//! * **Checked on open.** Every frame's CRC and every link of the chain are verified; only a
//!   torn final frame (an append the crash interrupted, never acknowledged) is cut. Any other
//!   damage refuses the open, naming the first bad seq: history is never dropped silently.
//! * **Signed.** An Ed25519 key made on first open signs C2SP tlog-checkpoints (size +
//!   root hash) that let the county check a later export extends an earlier one.
//!
//! What the log alone cannot show: a file cut exactly at a frame boundary (it reads as a
//! shorter ledger) or rewritten whole with every hash recomputed. Checkpoints held
//! elsewhere (the county's) show both; a key found without its log refuses the open.
//!
//! Only the tip (length, head hash, end offset) and one offset per 1,024 entries are held
//! in memory. Entry format and hashing: [`entry`](Entry::canonical_bytes); frames:
//! `frame.rs`; checkpoints: [`Checkpoint`]; exports: [`verify_export`].

mod checkpoint;
mod clock;
mod commit;
mod entry;
mod error;
mod export;
mod frame;
mod keys;
mod open;
mod origin;
mod requests;
#[cfg(test)]
mod tests;

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

pub use checkpoint::{Checkpoint, CheckpointError};
pub use clock::{
    boot_time, ClockFault, ClockSuspect, LedgerClock, CLOCK_SUSPECT_FIELD, NOT_AFTER, NOT_BEFORE,
};
pub use entry::{ChainHash, Draft, DraftError, Entry, EntryKind, MAX_PAYLOAD_BYTES};
pub use error::{Damage, LedgerError};
pub use export::{verify_export, ExportError, ExportReport, Tamper};
pub use keys::{KeyError, VerifierKey, KEY_FILE, PUBLIC_KEY_FILE, REQUEST_CONTEXT};
pub use origin::{OriginMark, ORIGIN_FIELD};

use commit::{Committer, Tip};
use frame::{FrameReader, Next};
use keys::Signer;

/// The log's file name inside the ledger folder.
pub const LOG_FILE: &str = "ledger.log";

/// How a ledger is opened.
#[derive(Clone, Debug)]
pub struct LedgerOptions {
    /// Names the key made on first open, and so the checkpoints' origin
    /// (`dianjiao-ledger/<name>`); default: this machine's host name. Ignored once the key
    /// exists.
    pub name: Option<String>,
    /// Share one sync among concurrent appenders (default). `false` syncs each entry on its
    /// own, holding the lock: the benchmark's reference.
    pub group_commit: bool,
    /// Where `at` comes from: the system clock, except in tests that script a year.
    pub clock: LedgerClock,
    /// Marks appended entries' payloads while set (the demo year); unset by default.
    pub origin: OriginMark,
    /// Bytes kept allocated past the log's end for appends on a full disk (default 16 MiB;
    /// see `commit.rs`). 0: none.
    pub reserve_bytes: u64,
    /// Test seam: syncs fail after this many succeed (a dying disk). `None` in use.
    pub fail_sync_after: Option<u64>,
}

impl Default for LedgerOptions {
    fn default() -> Self {
        LedgerOptions {
            name: None,
            group_commit: true,
            clock: LedgerClock::default(),
            origin: OriginMark::default(),
            reserve_bytes: 16 << 20,
            fail_sync_after: None,
        }
    }
}

/// The ledger in one folder. Share it between threads (`&Ledger` is enough to append).
pub struct Ledger {
    log_path: PathBuf,
    signer: Option<Signer>,
    committer: Committer,
    origin: OriginMark,
}

/// What [`Ledger::verify`] found: the whole log is intact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verified {
    pub len: u64,
    pub head: ChainHash,
}

/// Counters for metrics and the benchmark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LedgerStats {
    /// Durable entries.
    pub len: u64,
    /// `fdatasync` calls made by appends since open.
    pub syncs: u64,
}

impl Ledger {
    /// Opens (or creates) the ledger in `dir` with default options; see [`Ledger::open_with`].
    pub fn open(dir: &Path) -> Result<Ledger, LedgerError> {
        Ledger::open_with(dir, LedgerOptions::default())
    }

    /// Opens (or creates) the ledger in `dir` for appending: takes an exclusive lock on the
    /// log, verifies it, cuts a torn final frame, and makes the signing key on first open.
    pub fn open_with(dir: &Path, options: LedgerOptions) -> Result<Ledger, LedgerError> {
        let fail_after = options.fail_sync_after;
        let ledger = open::read_write(dir, &options, move |file| match fail_after {
            Some(left) => Box::new(commit::FailingSync { file, left }),
            None => Box::new(file),
        })?;
        ledger.clock_after_last_entry()?;
        Ok(ledger)
    }

    /// The clock hands out nothing earlier than the last entry's `at` (see `clock.rs`).
    fn clock_after_last_entry(&self) -> Result<(), LedgerError> {
        let Some(seq) = self.len().checked_sub(1) else {
            return Ok(());
        };
        if let Some(last) = self.iter(seq)?.next().transpose()? {
            let rfc = time::format_description::well_known::Rfc3339;
            if let Ok(at) = time::OffsetDateTime::parse(&last.at, &rfc) {
                self.committer.clock().not_before(at);
            }
        }
        Ok(())
    }

    /// Opens the ledger in `dir` to read, verify, export and sign checkpoints while another
    /// process (the server) may be appending: no lock, nothing written or cut, and nothing
    /// appended after the open is seen. A missing log is an empty ledger.
    pub fn open_read_only(dir: &Path) -> Result<Ledger, LedgerError> {
        open::read_only(dir)
    }

    /// Seals `draft` as the next entry and returns once it is on disk. An invalid draft is
    /// refused before anything is written.
    pub fn append(&self, mut draft: Draft) -> Result<Entry, LedgerError> {
        self.origin.apply(&mut draft);
        self.committer.append(draft)
    }

    /// Now by the clock that stamps this ledger's entries (the system clock, or a scripted
    /// one): what "today" means for an entry made now.
    pub fn now(&self) -> time::OffsetDateTime {
        self.committer.clock().now()
    }

    /// The clock that stamps this ledger's entries, for the services that must agree with
    /// it (play sessions).
    pub fn clock(&self) -> LedgerClock {
        self.committer.clock().clone()
    }

    /// Durable entries (seqs `0..len`).
    pub fn len(&self) -> u64 {
        self.committer.tip().len
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The hash of the last durable entry (zero when empty): the root a checkpoint signs.
    pub fn head(&self) -> ChainHash {
        self.committer.tip().head
    }

    /// Counters since open.
    pub fn stats(&self) -> LedgerStats {
        LedgerStats {
            len: self.len(),
            syncs: self.committer.syncs(),
        }
    }

    /// The verifier key that checks this ledger's checkpoints (`None` for a read-only
    /// ledger whose key was never made).
    pub fn public_key(&self) -> Option<VerifierKey> {
        self.signer.as_ref().map(Signer::verifier)
    }

    /// Durable entries from `from` on, oldest first, as they are when called.
    pub fn iter(&self, from: u64) -> Result<Iter, LedgerError> {
        self.iter_to(from, self.committer.tip())
    }

    fn iter_to(&self, from: u64, tip: Tip) -> Result<Iter, LedgerError> {
        if from > tip.len {
            return Err(LedgerError::NoSuchSeq {
                seq: from,
                len: tip.len,
            });
        }
        let (start_seq, offset) = self.committer.start_for(from);
        let io_err = |what, source| LedgerError::Io {
            what,
            path: self.log_path.clone(),
            source,
        };
        let mut file = File::open(&self.log_path).map_err(|e| io_err("open", e))?;
        file.seek(SeekFrom::Start(offset))
            .map_err(|e| io_err("read", e))?;
        Ok(Iter {
            frames: FrameReader::new(file, offset, tip.end),
            path: self.log_path.clone(),
            seq: start_seq,
            from,
            end: tip.len,
            prev: None,
        })
    }

    /// Re-reads the whole log from disk and checks every frame and link, and that the chain
    /// still ends in the hash this ledger sealed last. Names the first bad seq.
    pub fn verify(&self) -> Result<Verified, LedgerError> {
        let tip = self.committer.tip();
        let found = frame::scan(&self.log_path, Some(tip.end))?;
        if found.len < tip.len {
            let (seq, offset, damage) = (found.len, found.end, Damage::Missing);
            return Err(LedgerError::Damaged {
                seq,
                offset,
                damage,
            });
        }
        if found.head != tip.head {
            let (seq, offset, damage) = (tip.len - 1, found.end, Damage::Rewritten);
            return Err(LedgerError::Damaged {
                seq,
                offset,
                damage,
            });
        }
        Ok(Verified {
            len: tip.len,
            head: tip.head,
        })
    }

    /// A signed checkpoint of the durable ledger.
    pub fn checkpoint(&self) -> Result<Checkpoint, LedgerError> {
        let tip = self.committer.tip();
        self.sign(tip)
    }

    /// A signed checkpoint of the durable ledger and the byte length of the log that holds
    /// exactly its entries: what a backup copies. The log below that length never changes
    /// (appends go after it; only a torn tail past it is ever cut).
    pub fn durable_extent(&self) -> Result<(Checkpoint, u64), LedgerError> {
        let tip = self.committer.tip();
        Ok((self.sign(tip)?, tip.end))
    }

    pub(super) fn signer_or_missing(&self) -> Result<&Signer, LedgerError> {
        let dir = self.log_path.parent().unwrap_or(Path::new("."));
        Ok(self
            .signer
            .as_ref()
            .ok_or_else(|| KeyError::Missing(dir.to_owned()))?)
    }

    fn sign(&self, tip: Tip) -> Result<Checkpoint, LedgerError> {
        Ok(Checkpoint::sign(
            self.signer_or_missing()?,
            tip.len,
            tip.head,
        ))
    }

    /// Writes entries `from..len` as JSON Lines (each line the entry's stored JSON) and
    /// returns the checkpoint of exactly that `len`, for the county to keep beside the file.
    /// The chain is checked as it is read: nothing unverified is exported.
    pub fn export(&self, from: u64, out: &mut dyn Write) -> Result<Checkpoint, LedgerError> {
        let tip = self.committer.tip();
        let checkpoint = self.sign(tip)?;
        let mut iter = self.iter_to(from, tip)?;
        let mut out = BufWriter::with_capacity(256 * 1024, out);
        while let Some(next) = iter.next_raw() {
            let (_, body) = next?;
            out.write_all(&body).map_err(LedgerError::ExportWrite)?;
            out.write_all(b"\n").map_err(LedgerError::ExportWrite)?;
        }
        out.flush().map_err(LedgerError::ExportWrite)?;
        if iter.prev.is_some_and(|head| head != tip.head) {
            let (seq, offset, damage) = (tip.len - 1, iter.frames.offset(), Damage::Rewritten);
            return Err(LedgerError::Damaged {
                seq,
                offset,
                damage,
            });
        }
        Ok(checkpoint)
    }
}

/// Entries read back from the log, each checked against its CRC, its seq, its own hash and
/// its link to the one before.
pub struct Iter {
    frames: FrameReader,
    path: PathBuf,
    /// The seq of the next frame.
    seq: u64,
    from: u64,
    end: u64,
    prev: Option<ChainHash>,
}

impl Iter {
    fn next_raw(&mut self) -> Option<Result<(Entry, Vec<u8>), LedgerError>> {
        while self.seq < self.end {
            let seq = self.seq;
            let next = match self.frames.next_frame() {
                Ok(n) => n,
                Err(source) => {
                    let path = self.path.clone();
                    self.seq = self.end;
                    return Some(Err(LedgerError::Io {
                        what: "read",
                        path,
                        source,
                    }));
                }
            };
            let checked = match next {
                Next::Frame { offset, body } => self.check(seq, offset, body),
                Next::Bad { offset, damage } => Err(LedgerError::Damaged {
                    seq,
                    offset,
                    damage,
                }),
                Next::End | Next::Torn => Err(LedgerError::Damaged {
                    seq,
                    offset: self.frames.offset(),
                    damage: Damage::Missing,
                }),
            };
            self.seq += 1;
            match checked {
                Ok(_) if seq < self.from => continue,
                Ok(pair) => return Some(Ok(pair)),
                Err(e) => {
                    self.seq = self.end;
                    return Some(Err(e));
                }
            }
        }
        None
    }

    fn check(
        &mut self,
        seq: u64,
        offset: u64,
        body: Vec<u8>,
    ) -> Result<(Entry, Vec<u8>), LedgerError> {
        let damaged = |damage| LedgerError::Damaged {
            seq,
            offset,
            damage,
        };
        let entry: Entry =
            serde_json::from_slice(&body).map_err(|e| damaged(Damage::Unreadable(e)))?;
        let head = self.prev.unwrap_or(entry.prev_hash);
        if let Some(damage) = frame::check_link(&entry, seq, head) {
            return Err(damaged(damage));
        }
        self.prev = Some(entry.hash);
        Ok((entry, body))
    }
}

impl Iterator for Iter {
    type Item = Result<Entry, LedgerError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_raw().map(|r| r.map(|(entry, _)| entry))
    }
}
