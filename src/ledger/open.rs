//! Opening a ledger folder: the exclusive lock, the scan, the torn-tail cut, the key.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::path::Path;

use super::commit::{Committer, LogFile, Tip};
use super::error::LedgerError;
use super::frame::{self, MAGIC};
use super::keys;
use super::{Ledger, LedgerOptions, LOG_FILE};

/// Opens for appending; `wrap` turns the log file into what the committer writes to (the
/// file itself, or a test's failing stand-in).
pub(crate) fn read_write(
    dir: &Path,
    options: &LedgerOptions,
    wrap: impl FnOnce(File) -> Box<dyn LogFile>,
) -> Result<Ledger, LedgerError> {
    let log_path = dir.join(LOG_FILE);
    let io_err = |what, source| LedgerError::Io {
        what,
        path: log_path.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|source| LedgerError::Io {
        what: "create the folder",
        path: dir.to_owned(),
        source,
    })?;
    let existed = log_path.exists();
    if !existed && dir.join(keys::KEY_FILE).exists() {
        // A key without its log: the history was lost or moved, never start it afresh.
        return Err(LedgerError::LogMissing(log_path));
    }
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(&log_path)
        .map_err(|e| io_err("open", e))?;
    lock_exclusive(&file).map_err(|e| match e.kind() {
        io::ErrorKind::WouldBlock => LedgerError::InUse(dir.to_owned()),
        _ => io_err("lock", e),
    })?;
    let scanned = frame::scan(&log_path, None)?;
    if scanned.end < scanned.file_len {
        tracing::warn!(
            "ledger: cutting a torn final frame of {} bytes after entry {} (an append interrupted by a crash, never acknowledged)",
            scanned.file_len - scanned.end,
            scanned.len
        );
        file.set_len(scanned.end)
            .map_err(|e| io_err("cut the torn tail of", e))?;
        file.sync_all().map_err(|e| io_err("sync", e))?;
    }
    let mut end = scanned.end;
    if end < MAGIC.len() as u64 {
        // New, or torn while being created: (re)write the header.
        file.set_len(0).map_err(|e| io_err("write", e))?;
        file.write_all(MAGIC).map_err(|e| io_err("write", e))?;
        file.sync_all().map_err(|e| io_err("sync", e))?;
        end = MAGIC.len() as u64;
    }
    if !existed {
        keys::sync_dir(dir).map_err(|e| io_err("sync the folder of", e))?;
    }
    let name = options.name.clone().unwrap_or_else(keys::host_name);
    let signer = keys::load_or_create(dir, &keys::origin_for(&name))?;
    let tip = Tip {
        len: scanned.len,
        head: scanned.head,
        end,
    };
    let committer = Committer::new(
        Some(wrap(file)),
        tip,
        scanned.index,
        (options.group_commit, options.reserve_bytes),
        options.clock.clone(),
    );
    Ok(Ledger {
        log_path,
        signer: Some(signer),
        committer,
        origin: options.origin.clone(),
    })
}

/// Opens without a lock and without writing anything.
pub(crate) fn read_only(dir: &Path) -> Result<Ledger, LedgerError> {
    let log_path = dir.join(LOG_FILE);
    let scanned = frame::scan(&log_path, None)?;
    let signer = keys::load(dir)?;
    let tip = Tip {
        len: scanned.len,
        head: scanned.head,
        end: scanned.end,
    };
    Ok(Ledger {
        log_path,
        signer,
        committer: Committer::new(
            None,
            tip,
            scanned.index,
            (true, 0),
            super::LedgerClock::default(),
        ),
        origin: super::OriginMark::default(),
    })
}

/// `flock(LOCK_EX | LOCK_NB)`: one appending process per ledger; released when the file
/// closes, so a killed server leaves no stale lock.
fn lock_exclusive(file: &File) -> io::Result<()> {
    // SAFETY: flock only reads the descriptor number, which `file` keeps open for the call.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
