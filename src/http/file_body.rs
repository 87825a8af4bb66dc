//! Sending a file's bytes: opening it with the metadata its validators come from, and a
//! response body that sends only the planned spans. A small file is read whole in the
//! blocking step that opens it and kept in the [`HotCache`] once it has settled, so the
//! next request for it is answered from memory after one `stat`. A large file is read one
//! 256 KiB chunk at a time, off the async threads, only when the connection asks for one,
//! so a client that goes away (the body is dropped) stops the reading.

use std::collections::VecDeque;
use std::fs::{File, Metadata};
use std::future::Future;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::SystemTime;

use actix_web::body::{BodySize, MessageBody};
use actix_web::web::Bytes;
use tokio::task::JoinHandle;

use crate::error::AppError;
use crate::media::safe_open::{OpenRefused, Wanted};
use crate::metrics::Metrics;
use crate::streaming::{ByteRange, FileVersion, HotCache, Piece, Validators};

/// Bytes read from disk per step.
const CHUNK: u64 = 256 * 1024;
/// Bytes handed to the connection per poll. actix copies each into the connection's write
/// buffer and frees that buffer after a write that grew it past 128 KiB; smaller slices let
/// one buffer serve a connection's every response.
const SLICE: usize = 64 * 1024;

/// A file opened for serving, with its length and validators.
pub(crate) struct OpenFile {
    source: Source,
    pub len: u64,
    pub validators: Validators,
}

/// Where a body's bytes come from.
#[derive(Clone)]
enum Source {
    /// The whole file, already in memory (shared with the cache when it is kept there).
    Memory(Bytes),
    /// An open file, read as the body is sent.
    Disk(Arc<File>),
}

impl OpenFile {
    fn new(source: Source, version: FileVersion) -> Self {
        OpenFile {
            source,
            len: version.len,
            validators: Validators::new(version.inode, version.len, version.modified),
        }
    }
}

/// Opens a regular file under the rule `wanted` sets (see [`safe_open`]), from `cache` when
/// it holds the current version. One that is gone is [`AppError::FileMissing`]; a catalogued
/// file that something else has replaced is [`AppError::FileChanged`].
pub(crate) async fn open(cache: &Arc<HotCache>, wanted: Wanted) -> Result<OpenFile, AppError> {
    if let Some(hit) = cached(cache, wanted.path()) {
        return Ok(hit);
    }
    let cache = cache.clone();
    // open(2), fstat(2) and the read of a small file can block on a slow or sleeping disk
    // (never on a FIFO: the open does not block).
    tokio::task::spawn_blocking(move || open_and_read_small(&cache, &wanted)).await?
}

/// The cached bytes of `path`, if they are still its content. They were read through a
/// checked open; a file swapped in since has another inode, length or time, and misses.
fn cached(cache: &HotCache, path: &Path) -> Option<OpenFile> {
    if !cache.holds(path) {
        return None;
    }
    // One stat here on the async thread rather than a trip to the blocking pool: the cache
    // holds this file's bytes, so the kernel almost surely still holds its inode and the
    // stat is a lookup in memory.
    let version = match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => version(&meta).ok()?,
        _ => {
            cache.forget(path);
            return None;
        }
    };
    let bytes = cache.get(path, &version)?;
    Some(OpenFile::new(
        Source::Memory(Bytes::from_owner(bytes)),
        version,
    ))
}

/// Opens the file; a small one is read whole at once and offered to the cache.
fn open_and_read_small(cache: &HotCache, wanted: &Wanted) -> Result<OpenFile, AppError> {
    let file = wanted.open().map_err(|e| refused(wanted, e))?;
    let meta = file.metadata()?;
    let path = wanted.path().to_owned();
    let version = version(&meta)?;
    if !cache.fits(version.len) {
        return Ok(OpenFile::new(Source::Disk(Arc::new(file)), version));
    }
    let bytes = read_whole(&file, version.len)?;
    cache.insert(path, version, bytes.clone(), SystemTime::now());
    Ok(OpenFile::new(
        Source::Memory(Bytes::from_owner(bytes)),
        version,
    ))
}

fn version(meta: &Metadata) -> io::Result<FileVersion> {
    Ok(FileVersion {
        inode: meta.ino(),
        len: meta.len(),
        modified: meta.modified()?,
    })
}

/// Reads the first `len` bytes of `file` into one shared allocation; a file that shrank
/// under us is an error, since the length is promised in `Content-Length`.
fn read_whole(file: &File, len: u64) -> io::Result<Arc<[u8]>> {
    let n = usize::try_from(len).map_err(io::Error::other)?;
    // Collected straight into the allocation the cache keeps: no second copy.
    let mut bytes: Arc<[u8]> = std::iter::repeat_n(0, n).collect();
    let buf = Arc::get_mut(&mut bytes).expect("a new allocation is not shared");
    file.read_exact_at(buf, 0)?;
    Ok(bytes)
}

/// What a refused open means to a client.
fn refused(wanted: &Wanted, e: OpenRefused) -> AppError {
    match (wanted, e) {
        (_, OpenRefused::Missing(_)) => AppError::FileMissing,
        (_, OpenRefused::Io { source, .. }) => AppError::Io(source),
        (Wanted::Catalogued { .. }, e) => {
            tracing::warn!(error = %e, "a library file was swapped since its scan; refused");
            AppError::FileChanged
        }
        // The server's own folders hold no links, FIFOs or stray folders: one that does is
        // someone else's doing, and is served as nothing at all.
        (Wanted::Beneath { .. }, e) => {
            tracing::warn!(error = %e, "a file in the data folder is not one the server made");
            AppError::FileMissing
        }
        // A folder or a FIFO where a web page was asked for: no such page.
        (Wanted::Installed { .. }, _) => AppError::FileMissing,
    }
}

/// A response body sent from [`Piece`]s of one file, with its exact size announced.
pub(crate) struct FileBody {
    source: Source,
    pieces: VecDeque<Piece>,
    size: u64,
    /// Bytes of the file ready to go, handed out [`SLICE`] by slice.
    ready: Bytes,
    reading: Option<JoinHandle<io::Result<Bytes>>>,
    metrics: Arc<Metrics>,
}

impl FileBody {
    /// A body of `pieces` of `file`.
    pub(crate) fn new(file: &OpenFile, pieces: Vec<Piece>, metrics: Arc<Metrics>) -> Self {
        FileBody {
            source: file.source.clone(),
            size: pieces.iter().map(Piece::size).sum(),
            pieces: pieces.into(),
            ready: Bytes::new(),
            reading: None,
            metrics,
        }
    }

    /// The same size announced, nothing sent: the answer to HEAD.
    pub(crate) fn headers_only(mut self) -> Self {
        self.pieces.clear();
        self
    }

    /// Makes the bytes of `span` ready, or starts reading its next chunk from disk (what is
    /// left of it goes back to the front).
    fn start_span(&mut self, span: ByteRange) {
        let file = match &self.source {
            Source::Memory(all) => {
                let (start, end) = (span.start() as usize, span.end_inclusive() as usize);
                self.ready = all.slice(start..=end);
                return;
            }
            Source::Disk(file) => file.clone(),
        };
        let n = span.size().min(CHUNK);
        if let Some(rest) = ByteRange::new(span.start() + n, span.end_inclusive()) {
            self.pieces.push_front(Piece::Span(rest));
        }
        let at = span.start();
        // A positioned read is a blocking syscall; one chunk per task keeps drops prompt.
        self.reading = Some(tokio::task::spawn_blocking(move || {
            read_chunk(&file, at, n)
        }));
    }
}

/// Reads exactly `n` bytes at `at`; a file that shrank under us is an error, since the
/// length was already promised in `Content-Length`.
fn read_chunk(file: &File, at: u64, n: u64) -> io::Result<Bytes> {
    let mut buf = vec![0u8; usize::try_from(n).map_err(io::Error::other)?];
    file.read_exact_at(&mut buf, at)?;
    Ok(Bytes::from(buf))
}

impl MessageBody for FileBody {
    type Error = io::Error;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.size)
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, io::Error>>> {
        let this = self.get_mut();
        loop {
            if !this.ready.is_empty() {
                let slice = this.ready.split_to(this.ready.len().min(SLICE));
                this.metrics
                    .bytes_served
                    .fetch_add(slice.len() as u64, Ordering::Relaxed);
                return Poll::Ready(Some(Ok(slice)));
            }
            if let Some(reading) = this.reading.as_mut() {
                let done = ready!(Pin::new(reading).poll(cx));
                this.reading = None;
                match done.map_err(io::Error::other).and_then(|read| read) {
                    Ok(chunk) => this.ready = chunk,
                    Err(e) => return Poll::Ready(Some(Err(e))),
                }
                continue;
            }
            match this.pieces.pop_front() {
                None => return Poll::Ready(None),
                Some(Piece::Text(text)) => return Poll::Ready(Some(Ok(Bytes::from(text)))),
                // Loops round to hand out the bytes, or to poll the new read at once so its
                // waker is registered.
                Some(Piece::Span(span)) => this.start_span(span),
            }
        }
    }
}

#[cfg(test)]
mod tests;
