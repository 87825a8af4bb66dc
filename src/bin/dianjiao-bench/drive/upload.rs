//! The office's upload during the load: the clerk's tus client sends a film (the bytes of
//! one of the prepared films' originals, under a new name) in small chunks spread over the
//! run, then the next, until the time is up — as a township clerk uploading a local
//! production while the villages watch.

use std::time::{Duration, Instant};

use base64::Engine;
use reqwest::Method;

use super::client::Http;
use super::Tally;

/// Bytes per PATCH, and the pause between two (a slow office link, not a saturating one).
const CHUNK: usize = 64 * 1024;
const PAUSE: Duration = Duration::from_millis(500);

/// What the uploader did.
#[derive(Debug, Default)]
pub(super) struct Uploaded {
    /// Uploads created, and those whose last byte the server acknowledged.
    pub started: u64,
    pub completed: u64,
    pub bytes: u64,
}

/// Uploads `film`'s original again and again until `deadline`.
pub(super) async fn uploader(admin: Http, film: String, deadline: Instant) -> (Tally, Uploaded) {
    let mut tally = Tally::default();
    let mut done = Uploaded::default();
    let Some(bytes) = tally.get(&admin, &format!("/media/{film}/original")).await else {
        return (tally, done);
    };
    while Instant::now() + PAUSE < deadline {
        done.started += 1;
        let name = format!("负载测试上传 第{}集.mp4", done.started);
        let Some(at) = create(&admin, &mut tally, &name, bytes.len()).await else {
            break;
        };
        let mut offset = 0;
        for chunk in bytes.chunks(CHUNK) {
            tokio::time::sleep(PAUSE).await;
            let headers = [
                ("Content-Type", "application/offset+octet-stream".to_owned()),
                ("Upload-Offset", offset.to_string()),
            ];
            tally.requests += 1;
            match admin
                .tus(Method::PATCH, &at, &headers, chunk.to_vec())
                .await
            {
                Ok((204, _)) => {
                    offset += chunk.len();
                    done.bytes += chunk.len() as u64;
                }
                Ok((status, _)) => {
                    tally.errors.push(format!("PATCH {at}: {status}"));
                    return (tally, done);
                }
                Err(e) => {
                    tally.errors.push(format!("PATCH {at}: {e}"));
                    return (tally, done);
                }
            }
        }
        done.completed += 1;
    }
    (tally, done)
}

/// Creates an upload of `len` bytes named `name`; its path.
async fn create(admin: &Http, tally: &mut Tally, name: &str, len: usize) -> Option<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let headers = [
        ("Upload-Length", len.to_string()),
        ("Upload-Metadata", format!("filename {}", b64.encode(name))),
    ];
    tally.requests += 1;
    match admin
        .tus(Method::POST, "/api/v1/uploads", &headers, Vec::new())
        .await
    {
        Ok((201, Some(at))) => Some(at),
        Ok((status, _)) => tally.fail(format!("POST /api/v1/uploads: {status}")),
        Err(e) => tally.fail(format!("POST /api/v1/uploads: {e}")),
    }
}
