//! The input files of the request a worker thread is handling, opened and checked (see
//! [`safe_open`](crate::media::safe_open)) before any decoder runs. FFmpeg then reads them through
//! `file:/proc/self/fd/N` — still the `file` protocol, so the protocol whitelist stands —
//! which reopens the very inode checked: a file swapped at the path meanwhile is never read.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::media::protocol::{Expected, FailureKind, MediaFailure, Request};
use crate::media::safe_open::{open_catalogued, open_regular, OpenRefused};

thread_local! {
    /// Inputs checked for the request on this thread (each request has a thread of its own).
    static CHECKED: RefCell<HashMap<PathBuf, Arc<File>>> = RefCell::new(HashMap::new());
}

/// Opens every input of `req` on this thread, checking each one `expect` names against its
/// identity; returns them (the sandbox grants reading these and no other files).
pub fn open_all(req: &Request, expect: &[Expected]) -> Result<Vec<Arc<File>>, MediaFailure> {
    let mut files = Vec::new();
    for path in req.inputs() {
        let identity = expect.iter().find(|e| e.path == path).map(|e| e.identity);
        let file = match identity {
            Some(id) => open_catalogued(path, Some(id)),
            None => open_regular(path),
        };
        let file = Arc::new(file.map_err(refused)?);
        CHECKED.with(|c| c.borrow_mut().insert(path.to_owned(), file.clone()));
        files.push(file);
    }
    Ok(files)
}

/// The checked input at `path`: the one opened for this request, else opened now (without
/// blocking, a regular file only).
pub fn get(path: &Path) -> Result<Arc<File>, MediaFailure> {
    if let Some(file) = CHECKED.with(|c| c.borrow().get(path).cloned()) {
        return Ok(file);
    }
    open_regular(path).map(Arc::new).map_err(refused)
}

/// Up to `n` bytes from the start of `file` (positioned reads: FFmpeg's reopened copy and
/// this one never share an offset).
pub fn head(file: &File, n: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; n];
    let mut got = 0;
    while got < n {
        match file.read_at(&mut buf[got..], got as u64)? {
            0 => break,
            k => got += k,
        }
    }
    buf.truncate(got);
    Ok(buf)
}

/// A refused input: unreadable, not a rejection of the film (a rescan looks again).
fn refused(e: OpenRefused) -> MediaFailure {
    MediaFailure {
        kind: FailureKind::Unreadable,
        detail: format!("input refused: {e}"),
    }
}
