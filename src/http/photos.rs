//! Photos of a showing's room: `POST /api/v1/plays/{id}/photo` (a raw `image/jpeg` or
//! `image/png` body from the play's owner, e.g. the broadcaster's phone) and
//! `GET /api/v1/plays/{id}/photos/{sha256}` (the office reads it back).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::blocking;
use super::gate::CallerAt;
use crate::app::App;
use crate::error::AppError;
use crate::photos::{CheckedPhoto, PhotoError, PhotoType, Photos};
use crate::plays::Actor;

/// Adds a photo to a play → `201` with its `photo` ledger entry (`200` with the first entry
/// when the same photo was already added). The body is the image itself; its own header
/// decides whether it is a JPEG or PNG, whatever `Content-Type` says, but a body declared as
/// something other than an image is refused before it is read.
pub async fn add(
    app: web::Data<App>,
    CallerAt(who, client): CallerAt,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let declared = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if !declared.as_deref().is_some_and(|t| t.starts_with("image/")) {
        return Err(PhotoError::NotAPhoto.into());
    }
    let max = app.settings.photo_max_bytes;
    let length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || AppError::from(PhotoError::TooLarge { max_bytes: max });
    if length.is_some_and(|n| n > max) {
        return Err(too_large());
    }
    let limit = usize::try_from(max).unwrap_or(usize::MAX);
    let Ok(bytes) = payload.to_bytes_limited(limit).await else {
        return Err(too_large());
    };
    let bytes = bytes.map_err(|e| AppError::BadRequest(format!("照片上传中断：{e}")))?;
    let photos = Photos::at(app.settings.photos_dir());
    let added = blocking(&app, move |app| -> Result<_, AppError> {
        // Hashing and checking 8 MB, then an fsync: off the async threads.
        let photo = CheckedPhoto::check(bytes.to_vec(), max)?;
        let actor = Actor { who: &who, client };
        Ok(app.plays.add_photo(&id, actor, &photo, &photos)?)
    })
    .await?;
    let mut res = if added.created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(res.json(added.entry))
}

/// Serves a play's photo by its SHA-256, as the type its entry names (`nosniff`, a
/// sandboxing CSP). 404 unless the play has a photo entry with this SHA-256.
pub async fn get(
    app: web::Data<App>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, sha256) = path.into_inner();
    let photos = Photos::at(app.settings.photos_dir());
    let (bytes, kind) = blocking(&app, move |app| -> Result<_, AppError> {
        let not_found = || AppError::NotFound {
            what: "照片（no such photo of this showing）",
        };
        let entry = app.plays.photo(&id, &sha256)?.ok_or_else(not_found)?;
        let kind = entry.payload["content_type"]
            .as_str()
            .and_then(PhotoType::from_content_type)
            .ok_or_else(not_found)?;
        let file = photos.path(&sha256, kind).ok_or_else(not_found)?;
        let bytes = std::fs::read(&file).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => not_found(),
            _ => AppError::Io(e),
        })?;
        Ok((bytes, kind))
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(kind.content_type())
        .insert_header(("x-content-type-options", "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        .insert_header((header::CACHE_CONTROL, "private, max-age=86400, immutable"))
        .body(bytes))
}
