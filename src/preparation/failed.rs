//! Why one try at preparing a film failed, in a clerk's words, and whether it is tried
//! again: the file's own fault (refused), a full disk, or an output that could not be
//! written.

use std::path::Path;

use media_catalog::Film;

/// Why a try failed, in a clerk's words; `refused` when the file itself is unusable (it
/// is not tried again on its own); `no_room` when only the disk was short, which does not
/// count as a try (a disk full for a day must not fail every film in the queue for good).
pub(super) struct Failed {
    pub why: String,
    pub refused: bool,
    pub no_room: bool,
}

/// The disk holding the renditions is (nearly) full: tried again later, as any failure
/// that is not the file's fault.
pub(super) fn no_room() -> Failed {
    Failed {
        why: "服务器磁盘空间不足，腾出空间后会自动再试（the disk is full）".into(),
        refused: false,
        no_room: true,
    }
}

/// A rendition folder could not be made, synced or put in place (a full disk, a failing
/// one): the try fails with the partial output removed, and the film is not left
/// `preparing`.
pub(super) fn not_written(film: &Film, path: &Path, source: std::io::Error) -> Failed {
    tracing::warn!(film = %film.id, path = %path.display(), error = %source, "cannot write renditions");
    if crate::disk::is_full(&source) {
        return no_room();
    }
    Failed {
        why: "写入转码文件失败，请检查服务器磁盘（cannot write the renditions）".into(),
        refused: false,
        no_room: false,
    }
}

pub(super) fn refused(why: &str) -> Failed {
    Failed {
        why: why.to_owned(),
        refused: true,
        no_room: false,
    }
}
