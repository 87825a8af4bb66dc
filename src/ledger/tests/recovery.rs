//! Crashes and disk failures: the torn tail is cut, other damage refuses the open naming the
//! seq, and a failed write or sync stops the ledger (fail closed).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use super::super::commit::LogFile;
use super::super::frame::{self, FRAME_HEADER, MAGIC};
use super::super::open;
use super::*;

fn append_raw(dir: &Path, bytes: &[u8]) {
    let mut f = OpenOptions::new()
        .append(true)
        .open(dir.join(LOG_FILE))
        .expect("log");
    f.write_all(bytes).expect("write");
}

/// Offsets of every frame (by reading the lengths).
fn frame_offsets(dir: &Path) -> Vec<u64> {
    let bytes = std::fs::read(dir.join(LOG_FILE)).expect("log");
    let mut at = MAGIC.len();
    let mut out = Vec::new();
    while at + 8 <= bytes.len() {
        out.push(at as u64);
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4")) as usize;
        at += FRAME_HEADER as usize + len;
    }
    out
}

fn rewrite_frame(dir: &Path, seq: usize, entry: &Entry) {
    let path = dir.join(LOG_FILE);
    let mut bytes = std::fs::read(&path).expect("log");
    let offsets = frame_offsets(dir);
    let start = offsets[seq] as usize;
    let end = offsets.get(seq + 1).map_or(bytes.len(), |&o| o as usize);
    let mut frame_bytes = Vec::new();
    frame::encode(entry, &mut frame_bytes);
    bytes.splice(start..end, frame_bytes);
    std::fs::write(&path, bytes).expect("write");
}

fn damaged_seq(result: Result<Ledger, LedgerError>) -> (u64, Damage) {
    match result {
        Err(LedgerError::Damaged { seq, damage, .. }) => (seq, damage),
        Err(e) => panic!("expected damage, got {e:?}"),
        Ok(l) => panic!("expected damage, opened with {} entries", l.len()),
    }
}

#[test]
fn a_torn_final_frame_is_cut_on_open_and_appending_goes_on() {
    let tails: [&[u8]; 4] = [
        b"\x07\x00",                                   // half a length
        b"\xff\x01\x00\x00\xde\xad\xbe\xef{\"seq\":5", // a body running past the end
        &[0u8; 40],                                    // a file extended without its data
        b"\x10\x00\x00\x00\x00\x00\x00",               // length, half a CRC
    ];
    for tail in tails {
        let dir = tempfile::tempdir().expect("dir");
        drop(ledger_with(dir.path(), 5));
        let good_len = log_len(dir.path());
        append_raw(dir.path(), tail);
        let ledger = Ledger::open(dir.path()).expect("open cuts the tail");
        assert_eq!(ledger.len(), 5);
        assert_eq!(log_len(dir.path()), good_len, "tail {tail:?} cut");
        assert_eq!(ledger.append(viewing(5)).expect("append").seq, 5);
        drop(ledger);
        assert_eq!(Ledger::open(dir.path()).expect("reopen").len(), 6);
    }
}

#[test]
fn a_real_frame_cut_short_by_a_crash_is_cut() {
    let dir = tempfile::tempdir().expect("dir");
    drop(ledger_with(dir.path(), 3));
    let offsets = frame_offsets(dir.path());
    let path = dir.path().join(LOG_FILE);
    let full = std::fs::read(&path).expect("log");
    std::fs::write(&path, &full[..full.len() - 10]).expect("truncate");
    let ledger = Ledger::open(dir.path()).expect("open");
    assert_eq!(ledger.len(), 2);
    assert_eq!(log_len(dir.path()), offsets[2]);
}

#[test]
fn a_bad_crc_in_the_middle_refuses_the_open_naming_the_seq() {
    let dir = tempfile::tempdir().expect("dir");
    drop(ledger_with(dir.path(), 6));
    let path = dir.path().join(LOG_FILE);
    let mut bytes = std::fs::read(&path).expect("log");
    let at = bytes
        .windows(10)
        .position(|w| w == b"note-00003")
        .expect("entry 3");
    bytes[at + 6] ^= 0x01;
    std::fs::write(&path, &bytes).expect("write");
    let (seq, damage) = damaged_seq(Ledger::open(dir.path()));
    assert_eq!(seq, 3);
    assert!(matches!(damage, Damage::BadCrc));
    let (seq, _) = damaged_seq(Ledger::open_read_only(dir.path()));
    assert_eq!(seq, 3, "read-only open names it too");
    assert_eq!(std::fs::read(&path).expect("log"), bytes, "nothing was cut");
}

#[test]
fn a_bad_crc_on_the_complete_final_frame_is_damage_not_a_torn_tail() {
    let dir = tempfile::tempdir().expect("dir");
    drop(ledger_with(dir.path(), 3));
    let path = dir.path().join(LOG_FILE);
    let mut bytes = std::fs::read(&path).expect("log");
    let last = bytes.len() - 3;
    bytes[last] ^= 0x20;
    std::fs::write(&path, &bytes).expect("write");
    assert_eq!(damaged_seq(Ledger::open(dir.path())).0, 2);
}

#[test]
fn a_rewritten_entry_with_a_valid_crc_is_caught_by_its_hash_and_its_link() {
    let dir = tempfile::tempdir().expect("dir");
    drop(ledger_with(dir.path(), 5));
    let entries: Vec<Entry> = Ledger::open_read_only(dir.path())
        .expect("read")
        .iter(0)
        .expect("iter")
        .map(|e| e.expect("entry"))
        .collect();
    let mut changed = entries[2].clone();
    changed.payload["watched_s"] = json!(99999);
    rewrite_frame(dir.path(), 2, &changed);
    let (seq, damage) = damaged_seq(Ledger::open(dir.path()));
    assert_eq!(seq, 2);
    assert!(matches!(damage, Damage::Altered), "{damage:?}");
    // Recomputing its hash only moves the break to the next link.
    changed.hash = changed.computed_hash();
    rewrite_frame(dir.path(), 2, &changed);
    let (seq, damage) = damaged_seq(Ledger::open(dir.path()));
    assert_eq!(seq, 3);
    assert!(matches!(damage, Damage::BrokenLink), "{damage:?}");
}

#[test]
fn a_removed_frame_is_named_by_the_seq_that_went_missing() {
    let dir = tempfile::tempdir().expect("dir");
    drop(ledger_with(dir.path(), 5));
    let path = dir.path().join(LOG_FILE);
    let bytes = std::fs::read(&path).expect("log");
    let offsets = frame_offsets(dir.path());
    let mut cut = bytes[..offsets[1] as usize].to_vec();
    cut.extend_from_slice(&bytes[offsets[2] as usize..]);
    std::fs::write(&path, cut).expect("write");
    let (seq, damage) = damaged_seq(Ledger::open(dir.path()));
    assert_eq!(seq, 1);
    assert!(
        matches!(damage, Damage::WrongSeq { found: 2 }),
        "{damage:?}"
    );
}

#[test]
fn verify_notices_the_log_changed_under_a_running_ledger() {
    let dir = tempfile::tempdir().expect("dir");
    let ledger = ledger_with(dir.path(), 4);
    let path = dir.path().join(LOG_FILE);
    let mut bytes = std::fs::read(&path).expect("log");
    let at = bytes
        .windows(10)
        .position(|w| w == b"note-00001")
        .expect("entry 1");
    bytes[at] = b'N';
    std::fs::write(&path, &bytes).expect("write");
    match ledger.verify() {
        Err(LedgerError::Damaged {
            seq: 1,
            damage: Damage::BadCrc,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_lost_log_beside_its_key_is_not_started_afresh() {
    let dir = tempfile::tempdir().expect("dir");
    drop(ledger_with(dir.path(), 2));
    std::fs::remove_file(dir.path().join(LOG_FILE)).expect("lose the log");
    assert!(matches!(
        Ledger::open(dir.path()),
        Err(LedgerError::LogMissing(_))
    ));
    assert!(!dir.path().join(LOG_FILE).exists());
}

#[test]
fn a_file_that_is_not_a_ledger_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join(LOG_FILE), b"SQLite format 3\0").expect("write");
    assert!(matches!(
        Ledger::open(dir.path()),
        Err(LedgerError::NotALedger(_))
    ));
}

/// A log file whose next write or sync fails on request: 0 works, 1 fails the sync, 2 writes
/// half and fails.
struct Flaky {
    file: File,
    mode: Arc<AtomicU8>,
}

impl LogFile for Flaky {
    fn write_frames(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.mode.load(Ordering::SeqCst) == 2 {
            Write::write_all(&mut self.file, &bytes[..bytes.len() / 2])?;
            return Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "no space left (injected)",
            ));
        }
        Write::write_all(&mut self.file, bytes)
    }

    fn sync_frames(&mut self) -> io::Result<()> {
        if self.mode.load(Ordering::SeqCst) == 1 {
            return Err(io::Error::other("EIO (injected)"));
        }
        self.file.sync_data()
    }
}

fn flaky_ledger(dir: &Path) -> (Ledger, Arc<AtomicU8>) {
    let mode = Arc::new(AtomicU8::new(0));
    let m = mode.clone();
    let ledger = open::read_write(dir, &LedgerOptions::default(), move |file| {
        Box::new(Flaky { file, mode: m })
    })
    .expect("open");
    (ledger, mode)
}

#[test]
fn after_a_failed_sync_every_append_is_refused_until_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let (ledger, mode) = flaky_ledger(dir.path());
    for i in 0..3 {
        ledger.append(viewing(i)).expect("append");
    }
    mode.store(1, Ordering::SeqCst);
    match ledger.append(viewing(3)) {
        Err(LedgerError::Failed {
            during_en: "sync", ..
        }) => {}
        other => panic!("{other:?}"),
    }
    mode.store(0, Ordering::SeqCst);
    for i in 4..6 {
        let err = ledger.append(viewing(i)).expect_err("closed");
        assert!(matches!(err, LedgerError::Stopped { .. }), "{err:?}");
        assert!(std::error::Error::source(&err).is_some_and(|s| s.to_string().contains("EIO")));
    }
    assert_eq!(ledger.len(), 3, "only acknowledged entries count");
    ledger.checkpoint().expect("reading and signing still work");
    drop(ledger);
    let reopened = Ledger::open(dir.path()).expect("restart");
    assert!(reopened.len() >= 3);
    reopened.verify().expect("intact");
    reopened
        .append(viewing(9))
        .expect("appends again after restart");
}

#[test]
fn after_a_failed_write_the_torn_half_frame_is_cut_on_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let (ledger, mode) = flaky_ledger(dir.path());
    ledger.append(viewing(0)).expect("append");
    mode.store(2, Ordering::SeqCst);
    match ledger.append(viewing(1)) {
        Err(LedgerError::Failed {
            during_en: "write", ..
        }) => {}
        other => panic!("{other:?}"),
    }
    mode.store(0, Ordering::SeqCst);
    assert!(matches!(
        ledger.append(viewing(2)),
        Err(LedgerError::Stopped { .. })
    ));
    drop(ledger);
    let reopened = Ledger::open(dir.path()).expect("restart");
    assert_eq!(reopened.len(), 1);
    assert_eq!(reopened.append(viewing(1)).expect("append").seq, 1);
}

#[test]
fn concurrent_appenders_in_a_failed_sync_all_get_the_error() {
    let dir = tempfile::tempdir().expect("dir");
    let (ledger, mode) = flaky_ledger(dir.path());
    ledger.append(viewing(0)).expect("append");
    mode.store(1, Ordering::SeqCst);
    let results: Vec<Result<Entry, LedgerError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                s.spawn({
                    let ledger = &ledger;
                    move || ledger.append(viewing(i + 1))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    assert!(results.iter().all(|r| matches!(
        r,
        Err(LedgerError::Failed { .. } | LedgerError::Stopped { .. })
    )));
    assert_eq!(ledger.len(), 1);
}

#[test]
fn the_log_keeps_its_reserve_allocated_past_its_end_without_growing() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().expect("dir");
    let options = LedgerOptions {
        reserve_bytes: 1 << 20,
        ..LedgerOptions::default()
    };
    let ledger = Ledger::open_with(dir.path(), options).expect("open");
    for i in 0..3 {
        ledger.append(viewing(i)).expect("append");
    }
    let meta = std::fs::metadata(dir.path().join(LOG_FILE)).expect("log");
    assert!(
        meta.blocks() * 512 >= meta.len() + (1 << 19),
        "{} bytes allocated for a log of {}",
        meta.blocks() * 512,
        meta.len()
    );
    drop(ledger);
    let reopened = Ledger::open(dir.path()).expect("reopen");
    assert_eq!(reopened.len(), 3, "the allocation past the end is no entry");
    reopened.verify().expect("intact");
}

#[test]
fn the_sync_seam_fails_after_the_given_number_and_the_ledger_stops() {
    let dir = tempfile::tempdir().expect("dir");
    let options = LedgerOptions {
        fail_sync_after: Some(2),
        ..LedgerOptions::default()
    };
    let ledger = Ledger::open_with(dir.path(), options).expect("open");
    ledger.append(viewing(0)).expect("first");
    ledger.append(viewing(1)).expect("second");
    assert!(matches!(
        ledger.append(viewing(2)),
        Err(LedgerError::Failed {
            during_en: "sync",
            ..
        })
    ));
    assert!(matches!(
        ledger.append(viewing(3)),
        Err(LedgerError::Stopped { .. })
    ));
    assert_eq!(ledger.len(), 2);
}
