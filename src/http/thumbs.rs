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
    let file = small_file::open(&path)
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
    use std::path::Path;

    pub struct Small {
        pub bytes: Vec<u8>,
        pub len: u64,
        pub mtime: u64,
    }

    pub async fn open(path: &Path) -> std::io::Result<Small> {
        let meta = tokio::fs::metadata(path).await?;
        let mtime = meta
            .modified()?
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let bytes = tokio::fs::read(path).await?;
        Ok(Small {
            len: bytes.len() as u64,
            bytes,
            mtime,
        })
    }
}
