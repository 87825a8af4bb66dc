//! Opening, caching and streaming files: ranges, validators, swapped files.
use std::future::poll_fn;
use std::path::PathBuf;
use std::time::Duration;

use super::*;

/// A cache that keeps nothing: every file is read from disk as it is sent.
fn no_cache() -> Arc<HotCache> {
    Arc::new(HotCache::new(0, 0))
}

/// `len` bytes where byte i is `i % 251`.
fn numbered(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// Writes `bytes` to `path`, last modified `age_s` seconds ago.
fn write_aged(path: &Path, bytes: &[u8], age_s: u64) {
    std::fs::write(path, bytes).expect("write");
    let file = File::options().write(true).open(path).expect("reopen");
    let at = SystemTime::now() - Duration::from_secs(age_s);
    file.set_modified(at).expect("set the modification time");
}

/// A numbered file of `len` bytes, settled, and it opened for serving through `cache`.
async fn numbered_file(len: usize, cache: &Arc<HotCache>) -> (tempfile::TempDir, OpenFile) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("film.mp4");
    write_aged(&path, &numbered(len), 60);
    let file = open(cache, made(dir.path(), path)).await.expect("opens");
    (dir, file)
}

/// A file made under `root`, as the renditions are.
fn made(root: &Path, path: PathBuf) -> Wanted {
    Wanted::Beneath {
        root: root.to_owned(),
        path,
    }
}

fn span(start: u64, end: u64) -> Piece {
    Piece::Span(ByteRange::new(start, end).expect("span"))
}

async fn whole_body(file: &OpenFile) -> Bytes {
    let whole = vec![span(0, file.len - 1)];
    let body = FileBody::new(file, whole, Arc::new(Metrics::default()));
    actix_web::body::to_bytes(body).await.expect("body")
}

#[tokio::test]
async fn a_body_sends_exactly_its_pieces_from_disk_or_memory() {
    let len = 600 * 1024;
    for cache in [no_cache(), Arc::default()] {
        let (_dir, file) = numbered_file(len, &cache).await;
        let pieces = vec![
            Piece::Text("head".into()),
            span(1, len as u64 - 2),
            Piece::Text("tail".into()),
        ];
        let metrics = Arc::new(Metrics::default());
        let body = FileBody::new(&file, pieces, metrics.clone());
        assert_eq!(body.size(), BodySize::Sized(8 + len as u64 - 2));
        let sent = actix_web::body::to_bytes(body).await.expect("body");
        let mut expected = b"head".to_vec();
        expected.extend_from_slice(&numbered(len)[1..len - 1]);
        expected.extend_from_slice(b"tail");
        assert!(sent == expected, "bytes differ");
        let served = metrics.bytes_served.load(Ordering::Relaxed);
        assert_eq!(served, len as u64 - 2);
    }
}

#[tokio::test]
async fn a_body_hands_out_one_slice_per_poll_and_nothing_once_dropped() {
    let (_dir, file) = numbered_file(1024 * 1024, &no_cache()).await;
    assert!(matches!(file.source, Source::Disk(_)));
    let metrics = Arc::new(Metrics::default());
    let whole = vec![span(0, 1024 * 1024 - 1)];
    let mut body = Box::pin(FileBody::new(&file, whole, metrics.clone()));
    let first = poll_fn(|cx| body.as_mut().poll_next(cx)).await;
    assert_eq!(first.expect("a slice").expect("read").len(), SLICE);
    drop(body);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(metrics.bytes_served.load(Ordering::Relaxed), SLICE as u64);
}

#[tokio::test]
async fn a_head_body_announces_the_size_and_sends_nothing() {
    let (_dir, file) = numbered_file(1000, &Arc::default()).await;
    let metrics = Arc::new(Metrics::default());
    let body = FileBody::new(&file, vec![span(0, 999)], metrics.clone()).headers_only();
    assert_eq!(body.size(), BodySize::Sized(1000));
    let sent = actix_web::body::to_bytes(body).await.expect("body");
    assert!(sent.is_empty());
    assert_eq!(metrics.bytes_served.load(Ordering::Relaxed), 0);
}

#[tokio::test]
async fn a_missing_path_or_a_folder_is_a_missing_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cache = Arc::default();
    let gone = open(&cache, made(dir.path(), dir.path().join("gone.mp4"))).await;
    assert!(matches!(gone, Err(AppError::FileMissing)));
    let folder = open(&cache, made(dir.path(), dir.path().to_owned())).await;
    assert!(matches!(folder, Err(AppError::FileMissing)));
}

#[tokio::test]
async fn a_settled_small_file_is_served_from_memory_until_it_changes() {
    let cache: Arc<HotCache> = Arc::default();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("seg-00000.ts");
    write_aged(&path, &[1; 1000], 60);
    let first = open(&cache, made(dir.path(), path.clone()))
        .await
        .expect("opens");
    assert_eq!(cache.len(), 1, "kept after the first read");
    let again = open(&cache, made(dir.path(), path.clone()))
        .await
        .expect("a hit");
    assert_eq!(again.validators, first.validators);
    assert!(whole_body(&again).await == [1; 1000][..]);
    // Rewritten in place (same inode): a new length, then only a new time.
    for (bytes, age) in [(vec![2; 1200], 30), (vec![3; 1200], 20)] {
        write_aged(&path, &bytes, age);
        let now = open(&cache, made(dir.path(), path.clone()))
            .await
            .expect("opens");
        assert_ne!(now.validators, first.validators);
        assert!(whole_body(&now).await == bytes, "never the stale bytes");
        assert_eq!(cache.len(), 1);
    }
    std::fs::remove_file(&path).expect("remove");
    let gone = open(&cache, made(dir.path(), path)).await;
    assert!(matches!(gone, Err(AppError::FileMissing)));
    assert!(cache.is_empty(), "a gone file's bytes are dropped");
}

#[tokio::test]
async fn a_fresh_file_is_served_but_not_kept_and_a_big_one_is_streamed() {
    let cache = Arc::new(HotCache::new(1 << 20, 4096));
    let dir = tempfile::tempdir().expect("temp dir");
    let fresh = dir.path().join("index.m3u8");
    std::fs::write(&fresh, "#EXTM3U\n").expect("write");
    let file = open(&cache, made(dir.path(), fresh)).await.expect("opens");
    assert!(whole_body(&file).await == b"#EXTM3U\n"[..]);
    assert!(cache.is_empty(), "still being written, perhaps");
    let big = dir.path().join("tv.mp4");
    write_aged(&big, &numbered(5000), 60);
    let file = open(&cache, made(dir.path(), big)).await.expect("opens");
    assert!(matches!(file.source, Source::Disk(_)));
    assert!(whole_body(&file).await == numbered(5000));
    assert!(cache.is_empty());
}
