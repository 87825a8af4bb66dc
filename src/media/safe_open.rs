//! Opening the files the server serves or hands to a worker so that what is opened is what
//! was meant: never a FIFO or a device (opened without blocking, then `fstat`ed), never a
//! symlink out of the server's own folders (`openat2` with `RESOLVE_BENEATH`), and, for a
//! catalogued library file, the very file the scan recorded (same device and inode). A file
//! swapped in a library folder after the scan is refused, whatever it now is.

use std::fs::File;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use media_catalog::FileIdentity;
use rustix::fs::{Mode, OFlags, ResolveFlags};

/// Why a file was not opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenRefused {
    /// Nothing at the path (or a folder on the way is gone).
    #[error("no file at {0}")]
    Missing(PathBuf),
    /// A FIFO, a device, a socket or a folder where a file should be.
    #[error("{} is not a regular file", .0.display())]
    NotRegular(PathBuf),
    /// The path goes through a symlink, or out of the folder it must stay in.
    #[error("{} leads through a symlink or out of its folder", .0.display())]
    Escapes(PathBuf),
    /// A regular file, but not the one the catalog recorded (another device or inode).
    #[error("{} is not the file the scan recorded", .0.display())]
    Changed(PathBuf),
    #[error("cannot open {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl OpenRefused {
    /// True when something else now sits at the path: the film should be scanned again.
    pub fn is_swapped(&self) -> bool {
        match self {
            OpenRefused::NotRegular(_) | OpenRefused::Escapes(_) | OpenRefused::Changed(_) => true,
            OpenRefused::Missing(_) | OpenRefused::Io { .. } => false,
        }
    }
}

/// A file the server means to open, and the rule it must pass.
#[derive(Clone, Debug)]
pub enum Wanted {
    /// A library file as catalogued (see [`open_catalogued`]).
    Catalogued {
        path: PathBuf,
        identity: Option<FileIdentity>,
    },
    /// A file the server made under `root` (see [`open_beneath`]).
    Beneath { root: PathBuf, path: PathBuf },
    /// A file of the server's installation (the web pages in `web_dir`), wherever its
    /// symlinks lead (see [`open_regular`]).
    Installed { path: PathBuf },
}

impl Wanted {
    /// The path asked for.
    pub fn path(&self) -> &Path {
        match self {
            Wanted::Catalogued { path, .. }
            | Wanted::Beneath { path, .. }
            | Wanted::Installed { path } => path,
        }
    }

    /// Opens it under its rule. Blocking (a slow disk), but never on a FIFO.
    pub fn open(&self) -> Result<File, OpenRefused> {
        match self {
            Wanted::Catalogued { path, identity } => open_catalogued(path, *identity),
            Wanted::Beneath { root, path } => open_beneath(root, path),
            Wanted::Installed { path } => open_regular(path),
        }
    }
}

/// Flags of every open here: read-only, no blocking on a FIFO's missing writer, never a
/// controlling terminal, never inherited by a child process.
fn read_flags() -> OFlags {
    OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC
}

/// Opens a catalogued library file. With the `identity` its scan recorded, the path may go
/// through symlinks that stay in the library (the scan allows those), but the file opened
/// must be that device and inode. Without one (a record older than identities), the last
/// component must not be a symlink at all, and any regular file passes.
pub fn open_catalogued(path: &Path, identity: Option<FileIdentity>) -> Result<File, OpenRefused> {
    let flags = match identity {
        Some(_) => read_flags(),
        None => read_flags() | OFlags::NOFOLLOW,
    };
    let fd = rustix::fs::open(path, flags, Mode::empty()).map_err(|e| refused(path, e))?;
    checked(fd, path, identity)
}

/// Opens whatever regular file `path` leads to (symlinks followed), without blocking: a
/// worker's input for which the server sent no identity (a job built before one was known),
/// or a file of the server's installation.
pub fn open_regular(path: &Path) -> Result<File, OpenRefused> {
    let fd = rustix::fs::open(path, read_flags(), Mode::empty()).map_err(|e| refused(path, e))?;
    checked(fd, path, None)
}

/// Opens a file the server made under `root` (renditions, segments, posters): no symlink
/// anywhere below `root`, nothing outside it, a regular file only.
pub fn open_beneath(root: &Path, path: &Path) -> Result<File, OpenRefused> {
    let rel = path
        .strip_prefix(root)
        .map_err(|_| OpenRefused::Escapes(path.to_owned()))?;
    let dir_flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let dir = rustix::fs::open(root, dir_flags, Mode::empty()).map_err(|e| refused(path, e))?;
    let how = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
    let fd = match rustix::fs::openat2(&dir, rel, read_flags(), Mode::empty(), how) {
        Err(rustix::io::Errno::NOSYS) => walk_beneath(dir, rel, path)?,
        other => other.map_err(|e| refused(path, e))?,
    };
    checked(fd, path, None)
}

/// `openat2`'s rule by hand, for kernels before 5.6: one component at a time, none of them
/// a symlink, no `..`.
fn walk_beneath(mut dir: OwnedFd, rel: &Path, path: &Path) -> Result<OwnedFd, OpenRefused> {
    let mut names = Vec::new();
    for part in rel.components() {
        match part {
            Component::Normal(name) => names.push(name),
            Component::CurDir => {}
            _ => return Err(OpenRefused::Escapes(path.to_owned())),
        }
    }
    let Some((last, folders)) = names.split_last() else {
        return Err(OpenRefused::NotRegular(path.to_owned()));
    };
    let dir_flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    for name in folders {
        dir = rustix::fs::openat(&dir, *name, dir_flags, Mode::empty())
            .map_err(|e| refused(path, e))?;
    }
    rustix::fs::openat(&dir, *last, read_flags() | OFlags::NOFOLLOW, Mode::empty())
        .map_err(|e| refused(path, e))
}

/// The checks on the opened file itself (no race with the path): a regular file, the
/// expected one when known; then blocking reads again.
fn checked(fd: OwnedFd, path: &Path, identity: Option<FileIdentity>) -> Result<File, OpenRefused> {
    let file = File::from(fd);
    let io_err = |source| OpenRefused::Io {
        path: path.to_owned(),
        source,
    };
    let meta = file.metadata().map_err(io_err)?;
    if !meta.is_file() {
        return Err(OpenRefused::NotRegular(path.to_owned()));
    }
    if identity.is_some_and(|id| id.dev != meta.dev() || id.ino != meta.ino()) {
        return Err(OpenRefused::Changed(path.to_owned()));
    }
    let flags = rustix::fs::fcntl_getfl(&file).map_err(|e| io_err(e.into()))?;
    rustix::fs::fcntl_setfl(&file, flags - OFlags::NONBLOCK).map_err(|e| io_err(e.into()))?;
    Ok(file)
}

/// What an `open` error means here.
fn refused(path: &Path, e: rustix::io::Errno) -> OpenRefused {
    use rustix::io::Errno;
    let path = path.to_owned();
    match e {
        Errno::NOENT | Errno::NOTDIR => OpenRefused::Missing(path),
        // ELOOP: a symlink where none may be; EXDEV: resolution left the root.
        Errno::LOOP | Errno::XDEV => OpenRefused::Escapes(path),
        // ENXIO: a socket, or a FIFO opened for writing; ENODEV: a device with no driver.
        Errno::NXIO | Errno::NODEV | Errno::ISDIR => OpenRefused::NotRegular(path),
        e => OpenRefused::Io {
            path,
            source: e.into(),
        },
    }
}

#[cfg(test)]
mod tests;
