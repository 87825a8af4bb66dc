//! `GET /media/{id}/thumb.jpg` — the poster frame or title card made at scan time.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use media_catalog::FilmId;

use crate::app::App;
use crate::error::AppError;

/// Serves the film's poster; 404 while it has not been made yet.
pub async fn get(
    app: web::Data<App>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = FilmId::parse(&id).map_err(|_| AppError::NotFound { what: "缩略图" })?;
    // The path comes from the server-made id, never from the request's text.
    let path = app.library.thumb_path(&id);
    let file = small_file::open(&app.settings.thumbs_dir(), &path)
        .await
        .map_err(|_| AppError::NotFound { what: "缩略图" })?;
    let etag = format!("\"{}-{}\"", file.len, file.mtime);
    if req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag)
    {
        return Ok(HttpResponse::NotModified().finish());
    }
    Ok(HttpResponse::Ok()
        .content_type("image/jpeg")
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(file.bytes))
}

/// Small-file reading for posters (tens of KiB: read whole, no range support needed).
mod small_file {
    use std::io::Read;
    use std::path::Path;

    use crate::media::safe_open::open_beneath;

    pub struct Small {
        pub bytes: Vec<u8>,
        pub len: u64,
        pub mtime: u64,
    }

    /// Reads a poster under `root` (the thumbnails folder) through a checked open: a link
    /// or a FIFO put there is refused, never followed or waited on.
    pub async fn open(root: &Path, path: &Path) -> std::io::Result<Small> {
        let (root, path) = (root.to_owned(), path.to_owned());
        // open(2) and the read can block on a slow disk: off the async threads.
        tokio::task::spawn_blocking(move || {
            let mut file = open_beneath(&root, &path).map_err(std::io::Error::other)?;
            let meta = file.metadata()?;
            let mtime = meta
                .modified()?
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let mut bytes = Vec::with_capacity(meta.len().min(1 << 24) as usize);
            file.read_to_end(&mut bytes)?;
            Ok(Small {
                len: bytes.len() as u64,
                bytes,
                mtime,
            })
        })
        .await
        .map_err(std::io::Error::other)?
    }
}
