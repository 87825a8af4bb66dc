//! `GET|HEAD /media/{id}/original` — a film's original file as it sits in the library, with
//! byte ranges, validators and caching, open to LAN TV apps (CORS) and DLNA renderers.

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use media_catalog::{Film, FilmId, FilmState};

use super::blocking;
use super::serve::{send, Audience, Described};
use crate::app::App;
use crate::error::AppError;
use crate::media::safe_open::Wanted;
use crate::streaming::content;

/// How long players and caches may keep the file before asking again (the ETag still
/// revalidates it cheaply afterwards).
const CACHE_CONTROL: &str = "public, max-age=3600";

/// Serves the original file of a film, whole or in ranges; HEAD gets the headers alone.
pub async fn original(
    app: web::Data<App>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let film = find_film(&app, &id).await?;
    // The path comes from the catalog record of a server-made id, never from the request;
    // the file opened must be the one its scan recorded.
    let wanted = Wanted::Catalogued {
        path: playable_path(&film)?,
        identity: film.source.fingerprint.identity,
    };
    let described = Described {
        content_type: content::for_file_name(&film.source.name),
        cache_control: CACHE_CONTROL,
        audience: Audience::Players {
            name: &film.source.name,
        },
    };
    let res = send(&app, &req, wanted, described).await;
    if matches!(res, Err(AppError::FileChanged)) {
        blocking(&app, move |app| -> Result<_, AppError> {
            app.library.file_swapped(&film.id);
            Ok(())
        })
        .await?;
    }
    super::observe::observe(&app, &req, &id, super::observe::Media::File, res)
}

pub(super) async fn find_film(app: &Arc<App>, id: &str) -> Result<Film, AppError> {
    let id = FilmId::parse(id).map_err(|_| AppError::NotFound { what: "影片" })?;
    blocking(app, move |app| app.catalog.get(&id))
        .await?
        .ok_or(AppError::NotFound { what: "影片" })
}

/// The film's file, unless the catalog already knows it is gone or refused.
fn playable_path(film: &Film) -> Result<std::path::PathBuf, AppError> {
    if film.state == FilmState::Rejected {
        return Err(AppError::FilmRejected {
            reason: film.reason.clone(),
        });
    }
    if film.missing {
        return Err(AppError::FileMissing);
    }
    Ok(film.source.path.clone())
}
