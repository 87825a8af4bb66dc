//! Free space on the data folder's disk and the reserve that bulk writers leave alone.
//!
//! A township server's disk fills with films: uploads and renditions are gigabytes, the
//! ledger and the database a few bytes per showing. Two things keep showings recordable on
//! a disk full of films:
//!
//! * **A floor for bulk writes** (`disk_reserve_mb`): an upload and a preparation refuse
//!   (HTTP 507, or a failed try that is retried later) rather than bring the free space of
//!   their disk below the reserve. What is left is for the database (play sessions, sign-ins)
//!   and the ledger. This is checked with `statvfs` before and while they write.
//! * **The ledger's own allocation** (`ledger_reserve_mb`, see `ledger/commit.rs`): the log
//!   keeps blocks allocated ahead of its end (`fallocate` with `FALLOC_FL_KEEP_SIZE`), so an
//!   append never needs a new block from the disk, even when something outside dianjiao
//!   (another program, the system's logs) has taken the floor as well.
//!
//! A floor alone cannot protect the ledger from writers that are not ours; an allocation
//! alone would keep the ledger writable but let the database (which every showing also
//! writes) fail. Both are cheap, so both are kept.

use std::io;
use std::path::Path;

/// Bytes free for unprivileged writers on the disk holding `path` (the nearest existing
/// ancestor is asked when `path` does not exist yet).
pub fn free_bytes(path: &Path) -> io::Result<u64> {
    let mut probe = path;
    while !probe.exists() {
        match probe.parent() {
            Some(parent) => probe = parent,
            None => break,
        }
    }
    let stat = rustix::fs::statvfs(probe).map_err(io::Error::from)?;
    Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
}

/// The disk ran out of space (or the user's quota): `ENOSPC`, `EDQUOT`.
pub fn is_full(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::StorageFull
        || e.kind() == io::ErrorKind::QuotaExceeded
        || matches!(e.raw_os_error(), Some(libc::ENOSPC | libc::EDQUOT))
}

/// Whether a full disk is what failed, however deep in the causes (an `io::Error` wrapping
/// a store's error wrapping `ENOSPC`): the clerk is then told to free space, not to read
/// the log.
pub fn full_disk_behind(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if is_full(io) || io.get_ref().is_some_and(|inner| full_disk_behind(inner)) {
                return true;
            }
        }
        if let Some(sled::Error::Io(io)) = e.downcast_ref::<sled::Error>() {
            if is_full(io) {
                return true;
            }
        }
        next = e.source();
    }
    false
}

/// Why a bulk write was refused: writing `wanted` more bytes would leave less than the
/// reserve free.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{free} bytes free, {wanted} wanted, {reserve} kept in reserve")]
pub struct Short {
    pub free: u64,
    pub wanted: u64,
    pub reserve: u64,
}

/// The floor bulk writers keep free on their disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reserve {
    /// Bytes left free for the database and the ledger.
    pub bytes: u64,
}

impl Reserve {
    /// A reserve of `mb` MiB.
    pub fn mb(mb: u64) -> Reserve {
        Reserve {
            bytes: mb.saturating_mul(1 << 20),
        }
    }

    /// Whether `wanted` more bytes fit on the disk of `path` above the reserve. A disk whose
    /// free space cannot be read is let through: the write itself will then tell.
    pub fn check(&self, path: &Path, wanted: u64) -> Result<(), Short> {
        let Ok(free) = free_bytes(path) else {
            return Ok(());
        };
        if free >= wanted.saturating_add(self.bytes) {
            return Ok(());
        }
        Err(Short {
            free,
            wanted,
            reserve: self.bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reserve_larger_than_any_disk_refuses_and_none_lets_through() {
        let dir = tempfile::tempdir().expect("dir");
        let short = Reserve {
            bytes: u64::MAX / 2,
        }
        .check(dir.path(), 1)
        .expect_err("no disk is that large");
        assert_eq!(short.wanted, 1);
        Reserve { bytes: 0 }
            .check(&dir.path().join("not/yet/made"), 1)
            .expect("a byte fits");
    }

    #[test]
    fn a_full_disk_is_found_behind_wrapped_store_errors() {
        let enospc = io::Error::from_raw_os_error(libc::ENOSPC);
        let store = sled::Error::Io(enospc);
        let wrapped = io::Error::other(store);
        assert!(full_disk_behind(&wrapped));
        let eio = io::Error::other(sled::Error::Io(io::Error::from_raw_os_error(libc::EIO)));
        assert!(!full_disk_behind(&eio));
    }

    #[test]
    fn enospc_and_edquot_are_a_full_disk_and_eio_is_not() {
        assert!(is_full(&io::Error::from_raw_os_error(libc::ENOSPC)));
        assert!(is_full(&io::Error::from_raw_os_error(libc::EDQUOT)));
        assert!(!is_full(&io::Error::from_raw_os_error(libc::EIO)));
    }
}
