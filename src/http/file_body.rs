//! Sending a file's bytes: opening it with the metadata its validators come from, and a
//! response body that reads only the planned spans, one 256 KiB chunk at a time, off the
//! async threads. The body reads a chunk only when the connection asks for one, so a client
//! that goes away (the body is dropped) stops the reading.

use std::collections::VecDeque;
use std::fs::File;
use std::future::Future;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::web::Bytes;
use tokio::task::JoinHandle;

use crate::error::AppError;
use crate::metrics::Metrics;
use crate::streaming::{ByteRange, Piece, Validators};

/// Bytes read from disk per step.
const CHUNK: u64 = 256 * 1024;

/// A file opened for serving, with its length and validators.
pub(crate) struct OpenFile {
    file: Arc<File>,
    pub len: u64,
    pub validators: Validators,
}

/// Opens a regular file; one that is gone (or is not a file) is [`AppError::FileMissing`].
pub(crate) async fn open(path: PathBuf) -> Result<OpenFile, AppError> {
    // open(2) and fstat(2) can block on a slow or sleeping disk.
    super::blocking(move || {
        let file = File::open(&path).map_err(missing_or_io)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(AppError::FileMissing);
        }
        Ok(OpenFile {
            validators: Validators::new(meta.ino(), meta.len(), meta.modified()?),
            len: meta.len(),
            file: Arc::new(file),
        })
    })
    .await
}

fn missing_or_io(e: io::Error) -> AppError {
    match e.kind() {
        io::ErrorKind::NotFound => AppError::FileMissing,
        _ => AppError::Io(e),
    }
}

/// A response body streamed from [`Piece`]s of one file, with its exact size announced.
pub(crate) struct FileBody {
    file: Arc<File>,
    pieces: VecDeque<Piece>,
    size: u64,
    reading: Option<JoinHandle<io::Result<Bytes>>>,
    metrics: Arc<Metrics>,
}

impl FileBody {
    /// A body of `pieces` of `file`.
    pub(crate) fn new(file: &OpenFile, pieces: Vec<Piece>, metrics: Arc<Metrics>) -> Self {
        FileBody {
            file: file.file.clone(),
            size: pieces.iter().map(Piece::size).sum(),
            pieces: pieces.into(),
            reading: None,
            metrics,
        }
    }

    /// The same size announced, nothing sent: the answer to HEAD.
    pub(crate) fn headers_only(mut self) -> Self {
        self.pieces.clear();
        self
    }

    /// Starts reading the next chunk of `span`; what is left of it goes back to the front.
    fn start_read(&mut self, span: ByteRange) {
        let n = span.size().min(CHUNK);
        if let Some(rest) = ByteRange::new(span.start() + n, span.end_inclusive()) {
            self.pieces.push_front(Piece::Span(rest));
        }
        let file = self.file.clone();
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
        if let Some(reading) = this.reading.as_mut() {
            let done = ready!(Pin::new(reading).poll(cx));
            this.reading = None;
            let chunk = done.map_err(io::Error::other).and_then(|read| read);
            if let Ok(bytes) = &chunk {
                this.metrics
                    .bytes_served
                    .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            }
            return Poll::Ready(Some(chunk));
        }
        match this.pieces.pop_front() {
            None => Poll::Ready(None),
            Some(Piece::Text(text)) => Poll::Ready(Some(Ok(Bytes::from(text)))),
            Some(Piece::Span(span)) => {
                this.start_read(span);
                // Poll the new read at once, so its waker is registered.
                Pin::new(this).poll_next(cx)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;

    use super::*;

    /// A file of `len` bytes where byte i is `i % 251`, and it opened for serving.
    async fn numbered_file(len: usize) -> (tempfile::TempDir, OpenFile, Vec<u8>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("film.mp4");
        let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).expect("write");
        let file = open(path).await.expect("opens");
        (dir, file, bytes)
    }

    fn span(start: u64, end: u64) -> Piece {
        Piece::Span(ByteRange::new(start, end).expect("span"))
    }

    #[tokio::test]
    async fn a_body_sends_exactly_its_pieces_across_chunk_boundaries() {
        let (_dir, file, bytes) = numbered_file(600 * 1024).await;
        let pieces = vec![
            Piece::Text("head".into()),
            span(1, 600 * 1024 - 2),
            Piece::Text("tail".into()),
        ];
        let metrics = Arc::new(Metrics::default());
        let body = FileBody::new(&file, pieces, metrics.clone());
        assert_eq!(body.size(), BodySize::Sized(8 + 600 * 1024 - 2));
        let sent = actix_web::body::to_bytes(body).await.expect("body");
        let mut expected = b"head".to_vec();
        expected.extend_from_slice(&bytes[1..600 * 1024 - 1]);
        expected.extend_from_slice(b"tail");
        assert!(sent == expected, "bytes differ");
        let served = metrics.bytes_served.load(Ordering::Relaxed);
        assert_eq!(served, 600 * 1024 - 2);
    }

    #[tokio::test]
    async fn a_body_delivers_one_chunk_per_poll_and_nothing_once_dropped() {
        let (_dir, file, _) = numbered_file(1024 * 1024).await;
        let metrics = Arc::new(Metrics::default());
        let whole = vec![span(0, 1024 * 1024 - 1)];
        let mut body = Box::pin(FileBody::new(&file, whole, metrics.clone()));
        let first = poll_fn(|cx| body.as_mut().poll_next(cx)).await;
        assert_eq!(first.expect("a chunk").expect("read").len() as u64, CHUNK);
        drop(body);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert_eq!(metrics.bytes_served.load(Ordering::Relaxed), CHUNK);
    }

    #[tokio::test]
    async fn a_head_body_announces_the_size_and_sends_nothing() {
        let (_dir, file, _) = numbered_file(1000).await;
        let metrics = Arc::new(Metrics::default());
        let body = FileBody::new(&file, vec![span(0, 999)], metrics).headers_only();
        assert_eq!(body.size(), BodySize::Sized(1000));
        let sent = actix_web::body::to_bytes(body).await.expect("body");
        assert!(sent.is_empty());
    }

    #[tokio::test]
    async fn a_missing_path_or_a_folder_is_a_missing_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let gone = open(dir.path().join("gone.mp4")).await;
        assert!(matches!(gone, Err(AppError::FileMissing)));
        let folder = open(dir.path().to_owned()).await;
        assert!(matches!(folder, Err(AppError::FileMissing)));
    }
}
