//! Scan bookkeeping: walking a library folder, fingerprinting files and deciding which need
//! probing. The server does the probing; this module decides what is new, changed, moved,
//! gone or back.
//!
//! A rescan of an unchanged library only stats files: a file whose size and modification
//! time match its film's fingerprint is neither read nor hashed.

mod plan;
mod walk;

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::folder_meta::MetaError;
use crate::model::{FileIdentity, FilmId, Fingerprint};

pub(crate) use plan::plan;
pub use walk::walk_library;

/// How much of each end of a file the fingerprint hashes.
const FINGERPRINT_SPAN: u64 = 1 << 20;

/// Extensions of the files a library scan catalogues: VCD/DVD files, the old Windows and
/// RealMedia formats county stations still hand out, current containers and audio.
const MEDIA_EXTENSIONS: [&str; 29] = [
    "dat", "mpg", "mpeg", "m1v", "m2v", "vob", "avi", "wmv", "asf", "rm", "rmvb", "flv", "f4v",
    "mp4", "m4v", "mov", "mkv", "webm", "ts", "m2ts", "mts", "3gp", "mp3", "wav", "m4a", "aac",
    "wma", "ogg", "flac",
];

/// A media file found by a walk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundFile {
    /// The path under the (canonical) library root; through a symlink, the link's path.
    pub path: PathBuf,
    /// The file name as text (decoded as GB18030 when it is not UTF-8; `path` keeps the
    /// bytes).
    pub name: String,
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: i128,
}

/// What a walk of one library folder found.
#[derive(Clone, Debug, Default)]
pub struct WalkReport {
    /// The library folder, canonicalised (as given when it cannot be opened).
    pub root: PathBuf,
    /// Media files, sorted by path.
    pub files: Vec<FoundFile>,
    /// Symlinks not followed: their target is outside the library folder, or does not exist.
    pub skipped_symlinks: usize,
    /// Folders or names that could not be read, in words for the log and the clerk.
    pub problems: Vec<String>,
}

/// A file the server must probe, then report with `Catalog::record_probe` or
/// `Catalog::record_failure`.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeTask {
    pub found: FoundFile,
    pub fingerprint: Fingerprint,
    /// The film at this path whose content changed; `None` for a new file.
    pub existing: Option<FilmId>,
}

/// A file a plan could not take into account.
#[derive(Debug, thiserror::Error)]
pub enum ScanProblem {
    #[error("cannot read {}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Meta(#[from] MetaError),
}

/// What a rescan decided. The counts of found files (`unchanged`, `updated`, `relinked`,
/// `to_probe`) do not overlap; `returned` counts films no longer missing, whichever way.
#[derive(Debug, Default)]
pub struct ScanPlan {
    /// New files and files whose content changed.
    pub to_probe: Vec<ProbeTask>,
    /// Same size and modification time as recorded: not read.
    pub unchanged: usize,
    /// Touched but identical (same size and hash): only the fingerprint was updated.
    pub updated: usize,
    /// Files found at a new path whose content is a missing film's: the film was moved.
    pub relinked: usize,
    /// Films under this root whose file is gone, now marked missing.
    pub newly_missing: usize,
    /// Missing films whose file is back.
    pub returned: usize,
    /// Films already catalogued whose description changed because their `catalog.toml` is
    /// new or was edited since it was last applied.
    pub redescribed: usize,
    /// Files that could not be read and `catalog.toml` files that could not be used. An
    /// unreadable file's film is left as it was.
    pub problems: Vec<ScanProblem>,
}

/// True for file names with a media extension (case-insensitive).
pub fn is_media_name(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && MEDIA_EXTENSIONS.iter().any(|m| m.eq_ignore_ascii_case(ext))
    })
}

/// Size, modification time and the SHA-256 of the first and the last MiB (the whole file
/// when it is under 2 MiB): cheap enough for a library of large films, and a changed
/// header, trailer or length shows. Also the device and inode of the very file hashed, which
/// the server later checks before it serves the file. Opened without blocking and refused
/// unless it is a regular file, so a FIFO swapped in cannot stall a scan.
pub fn fingerprint(path: &Path, size: u64, mtime_ns: i128) -> io::Result<Fingerprint> {
    let mut file = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let identity = Some(FileIdentity {
        dev: meta.dev(),
        ino: meta.ino(),
    });
    let mut hasher = Sha256::new();
    let head = size.min(FINGERPRINT_SPAN);
    io::copy(&mut (&mut file).take(head), &mut hasher)?;
    if size > head {
        let tail_start = size.saturating_sub(FINGERPRINT_SPAN).max(head);
        file.seek(SeekFrom::Start(tail_start))?;
        io::copy(&mut file.take(size - tail_start), &mut hasher)?;
    }
    Ok(Fingerprint {
        size,
        mtime_ns,
        head_tail_sha256: hex::encode(hasher.finalize()),
        identity,
    })
}
