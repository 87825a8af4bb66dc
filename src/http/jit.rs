//! The answers for a film that is not prepared yet: playlists written from its plan and
//! segments made just in time (or taken from its running preparation when that has got
//! there first). Called by the rendition handlers when the prepared file is not there.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use media_catalog::{Film, FilmState};
use std::sync::Arc;

use super::blocking;
use super::gate::client_ip;
use super::media_files::find_film;
use super::serve::{send_file, FileSpec};
use crate::app::App;
use crate::error::AppError;
use crate::jit::{JitError, JitPlan};

/// Playlists of an unprepared film are never cached: the prepared ones replace them.
const NO_STORE: &str = "no-store";
/// A segment made just in time stands for an hour; the prepared one may differ in bytes.
const JIT_SEGMENT_CACHE: &str = "public, max-age=3600";
/// Without a better guess, how long until a busy server may take another viewer.
const DEFAULT_RETRY_S: u64 = 60;
const PLAYLIST_TYPE: &str = "application/vnd.apple.mpegurl";

/// The master playlist of an unprepared film — unless the just-in-time slots are all taken
/// by other films, then 503 "busy" with `Retry-After`.
pub(super) async fn master(app: &Arc<App>, id: &str) -> Result<HttpResponse, AppError> {
    let (film, plan) = unprepared(app, id).await?;
    app.jit.admit(&plan).map_err(|e| refuse(app, &film, e))?;
    Ok(playlist(plan.master_playlist()))
}

/// A rendition's playlist of an unprepared film: every planned segment, from the start.
pub(super) async fn media_playlist(
    app: &Arc<App>,
    id: &str,
    rung: &str,
) -> Result<HttpResponse, AppError> {
    let (_, plan) = unprepared(app, id).await?;
    if !plan.has_rung(rung) {
        return Err(AppError::NotFound { what: "分片" });
    }
    app.jit.touch(&plan.film);
    Ok(playlist(plan.media_playlist()))
}

/// A segment of an unprepared film: from the running preparation if it has written it,
/// else from the just-in-time producer (started, or moved there, if need be).
pub(super) async fn segment(
    app: &Arc<App>,
    req: &HttpRequest,
    id: &str,
    rung: &str,
    file: &str,
    index: usize,
) -> Result<HttpResponse, AppError> {
    let (film, plan) = unprepared(app, id).await?;
    let spec = |path| FileSpec {
        path,
        name: file,
        content_type: "video/mp2t",
        cache_control: JIT_SEGMENT_CACHE,
    };
    if plan.has_rung(rung) {
        let partial = app.preparation.partial_dir(&film.id).join(rung).join(file);
        match send_file(app, req, spec(partial)).await {
            Err(AppError::FileMissing) => {}
            done => {
                app.jit.touch(&film.id);
                return done;
            }
        }
    }
    let client = client_ip(req, &app.settings.trusted_proxies);
    let path = app
        .jit
        .segment(&plan, rung, index, client)
        .await
        .map_err(|e| refuse(app, &film, e))?;
    send_file(app, req, spec(path)).await
}

/// The film and its plan, when it is waiting for or going through its preparation and
/// can be streamed meanwhile; otherwise the error its state calls for.
async fn unprepared(app: &Arc<App>, id: &str) -> Result<(Film, Arc<JitPlan>), AppError> {
    let film = find_film(app, id).await?;
    match film.state {
        FilmState::Queued | FilmState::Preparing => {}
        // The renditions appeared (or went) between the two looks: the player asks again.
        FilmState::Ready => return Err(AppError::NotFound { what: "分片" }),
        FilmState::Failed => {
            return Err(AppError::PreparationFailed {
                reason: film.reason,
            })
        }
        FilmState::Rejected => {
            return Err(AppError::FilmRejected {
                reason: film.reason,
            })
        }
    }
    if film.missing {
        return Err(AppError::FileMissing);
    }
    let found = film.clone();
    let plan = blocking(app, move |app| {
        Ok::<_, AppError>(app.jit.plan(&found, || {
            app.catalog
                .keyframes(&found.id)
                .ok()
                .flatten()
                .unwrap_or_default()
        }))
    })
    .await?;
    let plan = plan.ok_or(AppError::NotReady)?;
    Ok((film, plan))
}

/// A just-in-time refusal in the words of the error table.
fn refuse(app: &App, film: &Film, e: JitError) -> AppError {
    match e {
        JitError::Busy { running } => AppError::Busy {
            running,
            retry_after_s: app
                .preparation
                .progress(&film.id)
                .and_then(|p| p.eta_s)
                .filter(|s| s.is_finite() && *s > 0.0)
                .map_or(DEFAULT_RETRY_S, |s| s.ceil() as u64),
        },
        JitError::TooManySeeks { retry_after } => AppError::TooManySeeks {
            retry_after_s: retry_after.as_secs_f64().ceil().max(1.0) as u64,
        },
        JitError::NoSuchSegment => AppError::NotFound { what: "分片" },
        JitError::Failed(why) => {
            tracing::warn!(film = %film.id, %why, "just-in-time segment failed");
            AppError::PreparationFailed { reason: Some(why) }
        }
        JitError::Start(e) => AppError::Io(e),
    }
}

fn playlist(text: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(PLAYLIST_TYPE)
        .insert_header((header::CACHE_CONTROL, NO_STORE))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(text)
}
