//! `GET /media/{id}/thumb.jpg` — the poster frame or title card made at scan time.

use actix_web::{web, HttpRequest, HttpResponse};
use media_catalog::FilmId;

use super::serve::{send, Audience, Described};
use crate::app::App;
use crate::error::AppError;
use crate::media::safe_open::Wanted;

/// Serves the film's poster; 404 while it has not been made yet.
pub async fn get(
    app: web::Data<App>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let not_found = || AppError::NotFound { what: "缩略图" };
    let id = FilmId::parse(&id).map_err(|_| not_found())?;
    // The path comes from the server-made id, never from the request's text; a link or a
    // FIFO put in the thumbnails folder is refused, never followed or waited on.
    let wanted = Wanted::Beneath {
        root: app.settings.thumbs_dir(),
        path: app.library.thumb_path(&id),
    };
    let described = Described {
        content_type: "image/jpeg",
        cache_control: "public, max-age=3600",
        audience: Audience::Posters,
    };
    match send(&app, &req, wanted, described).await {
        Err(AppError::FileMissing | AppError::Io(_)) => Err(not_found()),
        answer => answer,
    }
}
