//! `GET /hls/{id}/master.m3u8`, `GET /hls/{id}/{rung}/{file}` and `GET|HEAD /media/{id}/tv.mp4`:
//! a ready film's prepared renditions, as static files. Names in the URL are checked against
//! the shapes the server writes (`480p`, `index.m3u8`, `seg-00012.ts`); nothing else is
//! ever joined to a path. Renditions of a film that was prepared before and is being
//! prepared again stay served until the new ones replace them. A film not prepared yet is
//! streamed just in time ([`super::jit`]).

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use media_catalog::{FilmId, FilmState};

use super::media_files::find_film;
use super::serve::{send_file, FileSpec};
use super::{jit, observe};
use crate::app::App;
use crate::error::AppError;

/// Segments never change once written: a re-preparation writes a new folder.
const SEGMENT_CACHE: &str = "public, max-age=31536000, immutable";
/// Playlists and tv.mp4 are revalidated (ETag), so a re-prepared film is seen at once.
const REVALIDATE: &str = "public, no-cache";

/// The master playlist: a ready film's, else one for just-in-time playback.
pub async fn master(
    app: web::Data<App>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let prepared = send_top_level(
        &app,
        &req,
        &id,
        "master.m3u8",
        "application/vnd.apple.mpegurl",
    )
    .await;
    match prepared {
        Err(AppError::NotReady) => jit::master(&app, &id).await,
        other => other,
    }
}

/// A file at the top of a film's rendition folder, revalidated on every use.
async fn send_top_level(
    app: &Arc<App>,
    req: &HttpRequest,
    id: &str,
    name: &'static str,
    content_type: &'static str,
) -> Result<HttpResponse, AppError> {
    let film = parse_id(id)?;
    let spec = FileSpec {
        path: app.preparation.film_dir(&film).join(name),
        name,
        content_type,
        cache_control: REVALIDATE,
    };
    send_prepared(app, req, id, spec).await
}

/// Sends a prepared file. A film's rendition folder appears only complete (it is renamed
/// into place after it was synced), so the file's presence is proof enough and the hot path
/// needs no catalog read; the catalog is asked only to explain a file that is not there.
async fn send_prepared(
    app: &Arc<App>,
    req: &HttpRequest,
    id: &str,
    spec: FileSpec<'_>,
) -> Result<HttpResponse, AppError> {
    match send_file(app, req, spec).await {
        Err(AppError::FileMissing) => {
            ready_film(app, id).await?;
            Err(AppError::NotFound { what: "分片" })
        }
        other => other,
    }
}

fn parse_id(id: &str) -> Result<FilmId, AppError> {
    FilmId::parse(id).map_err(|_| AppError::NotFound { what: "影片" })
}

/// A variant playlist or one of its segments: a ready film's, else made just in time.
pub async fn variant_file(
    app: web::Data<App>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, rung, file) = path.into_inner();
    let segment = segment_index(&file);
    let (content_type, cache_control) = match (file.as_str(), segment) {
        ("index.m3u8", _) => ("application/vnd.apple.mpegurl", REVALIDATE),
        (_, Some(_)) => ("video/mp2t", SEGMENT_CACHE),
        _ => return Err(AppError::NotFound { what: "分片" }),
    };
    if !is_rung_name(&rung) {
        return Err(AppError::NotFound { what: "分片" });
    }
    let film = parse_id(&id)?;
    let spec = FileSpec {
        path: app.preparation.film_dir(&film).join(&rung).join(&file),
        name: &file,
        content_type,
        cache_control,
    };
    let res = match (send_prepared(&app, &req, &id, spec).await, segment) {
        (Err(AppError::NotReady), Some(index)) => {
            jit::segment(&app, &req, &id, &rung, &file, index).await
        }
        (Err(AppError::NotReady), None) => jit::media_playlist(&app, &id, &rung).await,
        (other, _) => other,
    };
    let media = observe::Media::Segment {
        rung: &rung,
        index: segment,
    };
    observe::observe(&app, &req, &id, media, res)
}

/// The progressive MP4 for DLNA TVs and plain players, with byte ranges.
pub async fn tv_mp4(
    app: web::Data<App>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let res = send_top_level(&app, &req, &id, "tv.mp4", "video/mp4").await;
    observe::observe(&app, &req, &id, observe::Media::File, res)
}

/// The id of a film whose renditions are ready.
async fn ready_film(app: &Arc<App>, id: &str) -> Result<FilmId, AppError> {
    let film = find_film(app, id).await?;
    match film.state {
        FilmState::Ready => Ok(film.id),
        FilmState::Queued | FilmState::Preparing => Err(AppError::NotReady),
        FilmState::Failed => Err(AppError::PreparationFailed {
            reason: film.reason,
        }),
        FilmState::Rejected => Err(AppError::FilmRejected {
            reason: film.reason,
        }),
    }
}

/// `720p`, `480p`, `288p`, `audio`: a few lowercase letters and digits.
fn is_rung_name(s: &str) -> bool {
    (1..=12).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// 12 from `seg-00012.ts`; None for any other name.
fn segment_index(s: &str) -> Option<usize> {
    s.strip_prefix("seg-")
        .and_then(|rest| rest.strip_suffix(".ts"))
        .filter(|n| (5..=6).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_names_the_server_writes_pass() {
        assert!(is_rung_name("480p") && is_rung_name("audio"));
        for bad in [
            "",
            "..",
            "480P",
            "a/b",
            "480p.",
            "%2e%2e",
            "verylongrungname",
        ] {
            assert!(!is_rung_name(bad), "{bad}");
        }
        assert_eq!(segment_index("seg-00012.ts"), Some(12));
        for bad in [
            "seg-1.ts",
            "seg-00012.ts.bak",
            "../seg-00012.ts",
            "seg-0001a.ts",
            "x.ts",
        ] {
            assert_eq!(segment_index(bad), None, "{bad}");
        }
    }
}
