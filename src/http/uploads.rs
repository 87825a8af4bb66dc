//! tus 1.0.0 resumable uploads (core + creation, termination, expiration):
//! `OPTIONS|POST /api/v1/uploads`, `HEAD|PATCH|DELETE /api/v1/uploads/{id}`, and
//! `GET /api/v1/uploads/{id}` — a JSON view (not tus) the admin page follows to `ready`.
//! Thin: headers are parsed here, the uploads domain does the rest. Every refusal has its row
//! in the one error table (`src/error.rs`), tus's own too (412, 415, 408); only the headers
//! tus adds to them (`Tus-Version`, the kept `Upload-Offset`) are added here.

use std::pin::Pin;
use std::time::{Duration, SystemTime};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, ResponseError};
use futures_core::Stream;

use super::blocking;
use super::gate::Caller;
use crate::accounts::Principal;
use crate::app::App;
use crate::error::{Answer, AppError, Code, Coded};
use crate::uploads::record::parse_meta;
use crate::uploads::{Upload, UploadError, UploadState};

/// The one protocol version spoken.
const TUS_VERSION: &str = "1.0.0";
/// What `Tus-Extension` lists.
const TUS_EXTENSIONS: &str = "creation,termination,expiration";
/// The body type of a PATCH.
const OFFSET_STREAM: &str = "application/offset+octet-stream";
/// Body pieces in flight between the socket and the disk writer (memory stays flat).
const PIECES_IN_FLIGHT: usize = 8;

/// Why a tus request was refused; each has its row in the one error table.
#[derive(Debug, thiserror::Error)]
pub enum TusError {
    #[error("Tus-Resumable missing or not 1.0.0")]
    Version,
    #[error("PATCH body must be application/offset+octet-stream")]
    ContentType,
    #[error("the body stalled")]
    Stalled(Box<Upload>),
    /// A refusal with a row of its own (the uploads domain's too: `AppError::Upload`).
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<UploadError> for TusError {
    fn from(e: UploadError) -> TusError {
        TusError::App(e.into())
    }
}

impl Coded for TusError {
    fn answer(&self) -> Answer {
        match self {
            TusError::Version => Answer::row(Code::TusVersion),
            TusError::ContentType => Answer::row(Code::TusContentType),
            TusError::Stalled(up) => Answer::said(
                Code::Stalled,
                format!(
                    "上传数据中断太久，已保存前 {} 字节，可以继续上传",
                    up.offset
                ),
            ),
            TusError::App(e) => e.answer(),
        }
    }
}

impl ResponseError for TusError {
    fn status_code(&self) -> StatusCode {
        self.code().row().status
    }

    fn error_response(&self) -> HttpResponse {
        if let TusError::App(e) = self {
            return e.error_response();
        }
        // tus's own refusals (412, 415, 408) are never the server's fault: nothing to log.
        self.answer().respond(|res| match self {
            TusError::Version => {
                res.insert_header(("Tus-Version", TUS_VERSION));
            }
            TusError::Stalled(up) => {
                offset_headers(res, up);
                res.insert_header((header::CONNECTION, "close"));
            }
            TusError::ContentType | TusError::App(_) => {}
        })
    }
}

/// Adds `Tus-Resumable` to every answer under `/api/v1/uploads`, the gate's refusals too
/// (those arrive as errors: their response is made here and carried in a new error).
pub async fn tus_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let tus = req.path().starts_with("/api/v1/uploads");
    let version = (
        header::HeaderName::from_static("tus-resumable"),
        HeaderValue::from_static(TUS_VERSION),
    );
    match next.call(req).await {
        Ok(mut res) => {
            if tus {
                res.headers_mut().insert(version.0, version.1);
            }
            Ok(res)
        }
        Err(e) if tus => {
            let mut res = e.error_response();
            res.headers_mut().insert(version.0, version.1);
            Err(InternalError::from_response(e.to_string(), res).into())
        }
        Err(e) => Err(e),
    }
}

/// `OPTIONS /api/v1/uploads`: what this server speaks.
pub async fn options(app: web::Data<App>) -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header(("Tus-Version", TUS_VERSION))
        .insert_header(("Tus-Extension", TUS_EXTENSIONS))
        .insert_header(("Tus-Max-Size", app.uploads.max_bytes().to_string()))
        .finish()
}

/// `POST /api/v1/uploads`: starts an upload (`Upload-Length`, `Upload-Metadata`).
pub async fn create(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, TusError> {
    require_version(&req)?;
    let length = number(&req, "upload-length")?.ok_or_else(|| bad_header("Upload-Length"))?;
    let meta = parse_meta(text(&req, "upload-metadata")).map_err(UploadError::from)?;
    let owner = match caller.0 {
        Principal::User { name, .. } => name,
        Principal::Device { .. } | Principal::Anonymous => String::new(),
    };
    let up = blocking(&app, move |app| app.uploads.create(length, meta, &owner)).await?;
    let mut res = HttpResponse::Created();
    res.insert_header((header::LOCATION, format!("/api/v1/uploads/{}", up.id)));
    offset_headers(&mut res, &up);
    Ok(res.finish())
}

/// `HEAD /api/v1/uploads/{id}`: how far it got.
pub async fn head(
    app: web::Data<App>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, TusError> {
    require_version(&req)?;
    let up = blocking(&app, move |app| app.uploads.get(&id)).await?;
    let mut res = HttpResponse::Ok();
    res.insert_header(("Upload-Length", up.length.to_string()));
    if !up.meta.raw.is_empty() {
        res.insert_header(("Upload-Metadata", up.meta.raw.clone()));
    }
    offset_headers(&mut res, &up);
    Ok(res.finish())
}

/// `PATCH /api/v1/uploads/{id}`: appends the body at `Upload-Offset`, streamed to disk.
pub async fn patch(
    app: web::Data<App>,
    req: HttpRequest,
    id: web::Path<String>,
    mut body: web::Payload,
) -> Result<HttpResponse, TusError> {
    require_version(&req)?;
    let essence = text(&req, "content-type").and_then(|c| c.split(';').next());
    if essence.map(str::trim) != Some(OFFSET_STREAM) {
        return Err(TusError::ContentType);
    }
    let offset = number(&req, "upload-offset")?.ok_or_else(|| bad_header("Upload-Offset"))?;
    let declared = number(&req, "content-length")?;
    let writer = blocking(&app, move |app| {
        app.uploads.begin_patch(&id, offset, declared)
    })
    .await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(PIECES_IN_FLIGHT);
    // Disk writes and the final sync block: a blocking thread drains the channel.
    let writing = tokio::task::spawn_blocking(move || writer.run(rx));
    let stall = Duration::from_secs(app.settings.upload_body_timeout_secs.max(1));
    let stalled = pump(&mut body, &tx, stall).await;
    drop(tx);
    let up = writing.await.map_err(AppError::from)??;
    if stalled {
        return Err(TusError::Stalled(Box::new(up)));
    }
    let mut res = HttpResponse::NoContent();
    offset_headers(&mut res, &up);
    Ok(res.finish())
}

/// Feeds body pieces to the writer until the body ends, breaks (the client went away: what
/// arrived is kept), the writer stops (an error), or no piece comes for `stall`. Returns
/// whether it stalled.
async fn pump(
    body: &mut web::Payload,
    tx: &tokio::sync::mpsc::Sender<Bytes>,
    stall: Duration,
) -> bool {
    loop {
        let next = std::future::poll_fn(|cx| Pin::new(&mut *body).poll_next(cx));
        match tokio::time::timeout(stall, next).await {
            Err(_) => return true,
            Ok(Some(Ok(piece))) => {
                if tx.send(piece).await.is_err() {
                    return false;
                }
            }
            Ok(Some(Err(e))) => {
                tracing::info!(error = %e, "upload body broke off; keeping what arrived");
                return false;
            }
            Ok(None) => return false,
        }
    }
}

/// `DELETE /api/v1/uploads/{id}`: termination.
pub async fn delete(
    app: web::Data<App>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, TusError> {
    require_version(&req)?;
    blocking(&app, move |app| app.uploads.terminate(&id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/uploads/{id}`: progress and, once catalogued, the film's state.
pub async fn status(app: web::Data<App>, id: web::Path<String>) -> Result<HttpResponse, TusError> {
    let view = blocking(&app, move |app| app.uploads.view(&id)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(view))
}

/// `Upload-Offset`, `Cache-Control: no-store` and, while unfinished, `Upload-Expires`.
fn offset_headers(res: &mut HttpResponseBuilder, up: &Upload) {
    res.insert_header(("Upload-Offset", up.offset.to_string()));
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    if up.state == UploadState::Uploading {
        let at: SystemTime = up.expires_at();
        res.insert_header(("Upload-Expires", httpdate::fmt_http_date(at)));
    }
}

/// A required numeric header that is missing or not a number: 400.
fn bad_header(name: &str) -> TusError {
    TusError::App(AppError::BadRequest(format!(
        "请求头 {name} 缺失或不是数字"
    )))
}

fn require_version(req: &HttpRequest) -> Result<(), TusError> {
    match text(req, "tus-resumable") {
        Some(TUS_VERSION) => Ok(()),
        _ => Err(TusError::Version),
    }
}

fn text<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// A numeric header: absent is `None`, present but not a number is an error.
fn number(req: &HttpRequest, name: &'static str) -> Result<Option<u64>, TusError> {
    text(req, name)
        .map(|v| crate::uploads::record::parse_tus_number(v).ok_or_else(|| bad_header(name)))
        .transpose()
}
