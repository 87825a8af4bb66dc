//! The ledger's part of a backup: the log copied up to its durable extent with the key
//! files and the signed checkpoint, and the checks that the copy is that checkpoint's
//! chain and extends the previous backup's.

use std::fs;
use std::io::{Read, Seek};
use std::path::Path;

use super::{write_synced, BackupError, Extent, Manifest, CHECKPOINT_FILE};
use crate::ledger::{Checkpoint, Ledger, VerifierKey, KEY_FILE, LOG_FILE, PUBLIC_KEY_FILE};

/// Copies `ledger.log` up to `extent.end` and the key files into `dest`, writes the
/// checkpoint beside them and checks the copy against it.
pub(super) fn copy_ledger(
    src: &Path,
    dest: &Path,
    extent: &Extent,
) -> Result<Checkpoint, BackupError> {
    let log = src.join(LOG_FILE);
    let mut input = fs::File::open(&log).map_err(|e| BackupError::source(&log, e))?;
    input.rewind().map_err(|e| BackupError::source(&log, e))?;
    let out_path = dest.join(LOG_FILE);
    let mut out = fs::File::create(&out_path).map_err(|e| BackupError::target(&out_path, e))?;
    let copied = std::io::copy(&mut (&mut input).take(extent.end), &mut out)
        .map_err(|e| BackupError::target(&out_path, e))?;
    if copied != extent.end {
        return Err(BackupError::LedgerMismatch {
            expected: extent.end,
            found: copied,
        });
    }
    out.sync_all()
        .map_err(|e| BackupError::target(&out_path, e))?;
    for name in [KEY_FILE, PUBLIC_KEY_FILE] {
        let (from, to) = (src.join(name), dest.join(name));
        let bytes = fs::read(&from).map_err(|e| BackupError::source(&from, e))?;
        write_synced(&to, &bytes)?;
    }
    write_synced(&dest.join(CHECKPOINT_FILE), extent.checkpoint.as_bytes())?;
    check_ledger_copy(dest)
}

/// Checks a copied ledger folder: the checkpoint is signed by its key and names exactly
/// the chain the log holds (every frame and link checked on the way).
pub(crate) fn check_ledger_copy(dir: &Path) -> Result<Checkpoint, BackupError> {
    let read = |name: &str| {
        let path = dir.join(name);
        fs::read_to_string(&path).map_err(|e| BackupError::source(&path, e))
    };
    let key: VerifierKey = read(PUBLIC_KEY_FILE)?.parse()?;
    let checkpoint = Checkpoint::open(&read(CHECKPOINT_FILE)?, &key)?;
    let ledger = Ledger::open_read_only(dir)?;
    if ledger.len() != checkpoint.size() || ledger.head() != checkpoint.root() {
        return Err(BackupError::LedgerMismatch {
            expected: checkpoint.size(),
            found: ledger.len(),
        });
    }
    Ok(checkpoint)
}

/// The new copy must extend the last backup's ledger: same entry at its last seq.
pub(super) fn check_extends(dir: &Path, previous: &Manifest) -> Result<(), BackupError> {
    if previous.ledger_len == 0 {
        return Ok(());
    }
    let seq = previous.ledger_len - 1;
    let ledger = Ledger::open_read_only(dir)?;
    if ledger.len() < previous.ledger_len {
        return Err(BackupError::LedgerDiverged { seq });
    }
    match ledger.iter(seq)?.next() {
        Some(Ok(entry)) if entry.hash.to_string() == previous.ledger_head => Ok(()),
        _ => Err(BackupError::LedgerDiverged { seq }),
    }
}
