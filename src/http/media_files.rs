//! `GET|HEAD /media/{id}/original` — a film's original file as it sits in the library, with
//! byte ranges, validators and caching, open to LAN TV apps (CORS) and DLNA renderers.

use std::sync::Arc;

use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder};
use media_catalog::{Film, FilmId, FilmState};

use super::blocking;
use super::file_body::{self, FileBody, OpenFile};
use crate::app::App;
use crate::error::AppError;
use crate::media::safe_open::Wanted;
use crate::streaming::multipart::new_boundary;
use crate::streaming::{content, requested, ByteRange, Multipart, Piece, RangeOutcome};

/// How long players and caches may keep the file before asking again (the ETag still
/// revalidates it cheaply afterwards).
const CACHE_CONTROL: &str = "public, max-age=3600";
/// Streaming allowed, byte seeking only, not a conversion (DLNA guidelines, 7.4.1.3.2).
const DLNA_FEATURES: &str =
    "DLNA.ORG_OP=01;DLNA.ORG_CI=0;DLNA.ORG_FLAGS=01700000000000000000000000000000";

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
    let spec = FileSpec {
        path: wanted.path().to_owned(),
        name: &film.source.name,
        content_type: content::for_file_name(&film.source.name),
        cache_control: CACHE_CONTROL,
    };
    let res = send_wanted(&app, &req, spec, wanted).await;
    if matches!(res, Err(AppError::FileChanged)) {
        blocking(&app, move |app| -> Result<_, AppError> {
            app.library.file_swapped(&film.id);
            Ok(())
        })
        .await?;
    }
    super::observe::observe(&app, &req, &id, super::observe::Media::File, res)
}

/// A file to send and how to describe it.
pub(super) struct FileSpec<'a> {
    /// A path the server built from its own ids, never from request text.
    pub path: std::path::PathBuf,
    /// The name offered in `Content-Disposition`.
    pub name: &'a str,
    pub content_type: &'a str,
    pub cache_control: &'static str,
}

/// Sends a file the server made in its data folder whole or in ranges, with validators, CORS
/// and DLNA headers; HEAD gets the headers alone.
pub(super) async fn send_file(
    app: &Arc<App>,
    req: &HttpRequest,
    spec: FileSpec<'_>,
) -> Result<HttpResponse, AppError> {
    let wanted = Wanted::Beneath {
        root: app.settings.data.clone(),
        path: spec.path.clone(),
    };
    send_wanted(app, req, spec, wanted).await
}

/// [`send_file`] for a file opened under the rule `wanted` sets.
async fn send_wanted(
    app: &Arc<App>,
    req: &HttpRequest,
    spec: FileSpec<'_>,
    wanted: Wanted,
) -> Result<HttpResponse, AppError> {
    // Every file here seeks by bytes only (DLNA.ORG_OP=01): a time seek is refused before
    // the file is opened.
    if req.headers().contains_key("timeseekrange.dlna.org") {
        return Err(AppError::TimeSeekUnsupported);
    }
    let file = file_body::open(&app.hot_files, wanted).await?;
    let content_type = spec.content_type;
    let mut res = HttpResponse::Ok();
    common_headers(&mut res, req, spec.name, &file);
    res.insert_header((header::CACHE_CONTROL, spec.cache_control));
    if file.validators.not_modified(
        text(req, header::IF_NONE_MATCH),
        text(req, header::IF_MODIFIED_SINCE),
    ) {
        return Ok(res.status(StatusCode::NOT_MODIFIED).finish());
    }
    let reply = Reply::for_request(req, &file, content_type)?;
    res.status(reply.status).content_type(reply.content_type);
    if let Some(range) = reply.content_range {
        res.insert_header((header::CONTENT_RANGE, range));
    }
    let body = FileBody::new(&file, reply.pieces, app.metrics.clone());
    Ok(res.body(if req.method() == Method::HEAD {
        body.headers_only()
    } else {
        body
    }))
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

/// Headers every answer carries, 304 included.
fn common_headers(res: &mut HttpResponseBuilder, req: &HttpRequest, name: &str, file: &OpenFile) {
    res.insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::ETAG, file.validators.etag()))
        .insert_header((header::LAST_MODIFIED, file.validators.last_modified()))
        // LAN TV apps load media from their own origin; no credentials are ever allowed.
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            "Accept-Ranges, Content-Length, Content-Range, ETag",
        ))
        .insert_header((
            header::CONTENT_DISPOSITION,
            content::inline_disposition(name),
        ));
    if text(req, "getcontentfeatures.dlna.org").is_some_and(|v| v.trim() == "1") {
        res.insert_header(("contentFeatures.dlna.org", DLNA_FEATURES));
    }
    if req.headers().contains_key("transfermode.dlna.org") {
        res.insert_header(("transferMode.dlna.org", "Streaming"));
    }
}

/// A request header as text; `None` when absent or not visible ASCII.
fn text(req: &HttpRequest, name: impl header::AsHeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Status, type and body of an answer with content.
struct Reply {
    status: StatusCode,
    content_type: String,
    content_range: Option<String>,
    pieces: Vec<Piece>,
}

impl Reply {
    /// Ranges apply to GET only (RFC 9110 §14.2); HEAD describes the whole file.
    fn for_request(req: &HttpRequest, file: &OpenFile, ct: &str) -> Result<Reply, AppError> {
        let outcome = if req.method() == Method::GET {
            let if_range = req.headers().get(header::IF_RANGE).map(|v| v.to_str().ok());
            requested(
                text(req, header::RANGE),
                if_range,
                &file.validators,
                file.len,
            )
        } else {
            RangeOutcome::Full
        };
        let len = file.len;
        match outcome {
            RangeOutcome::Full => Ok(Reply::whole(len, ct)),
            RangeOutcome::Partial(span) => Ok(Reply {
                status: StatusCode::PARTIAL_CONTENT,
                content_type: ct.to_owned(),
                content_range: Some(span.content_range(len)),
                pieces: vec![Piece::Span(span)],
            }),
            RangeOutcome::Multi(spans) => {
                Ok(match Multipart::layout(&spans, len, ct, &new_boundary()) {
                    Some(parts) => Reply {
                        status: StatusCode::PARTIAL_CONTENT,
                        content_type: parts.content_type(),
                        content_range: None,
                        pieces: parts.into_pieces(),
                    },
                    None => Reply::whole(len, ct),
                })
            }
            RangeOutcome::Unsatisfiable => Err(AppError::RangeNotSatisfiable { len }),
        }
    }

    fn whole(len: u64, ct: &str) -> Reply {
        Reply {
            status: StatusCode::OK,
            content_type: ct.to_owned(),
            content_range: None,
            pieces: ByteRange::whole(len).map(Piece::Span).into_iter().collect(),
        }
    }
}
