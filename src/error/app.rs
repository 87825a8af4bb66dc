//! `AppError`: every error the HTTP layer answers, each variant with its row of the table.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use media_catalog::CatalogError;

use super::{internal, Answer, Code, Coded};
use crate::accounts::AccountsError;

/// An error answered over HTTP as `{"error": code, "message": sentence}`.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("not signed in")]
    Unauthenticated,
    #[error("not allowed for this role")]
    Forbidden,
    #[error("cross-site request refused")]
    CrossSite,
    /// The request names a host this server does not answer to (DNS rebinding): 421.
    #[error("unknown host {host}")]
    UnknownHost { host: String },
    /// The request body did not arrive within `body_timeout_secs`: 408, connection closed.
    #[error("the request body arrived too slowly")]
    BodyTimeout,
    #[error("the film's file is not in the library any more")]
    FileMissing,
    #[error("something else now sits at the film's file path; it will be rescanned")]
    FileChanged,
    #[error("the film was refused as not playable")]
    FilmRejected { reason: Option<String> },
    #[error("the film is not prepared for TVs yet")]
    NotReady,
    #[error("{running} just-in-time transcodes are running, the most allowed")]
    Busy { running: usize, retry_after_s: u64 },
    #[error("the film's preparation failed")]
    PreparationFailed { reason: Option<String> },
    /// A refusal a handler words itself under a row of the table (an unknown category, a
    /// renderer address not registered…): the row gives the code and the status.
    #[error("refused ({code:?}): {message}")]
    Refused { code: Code, message: String },
    /// A per-client limit a handler keeps (renderer commands a minute): 429 with
    /// `Retry-After`.
    #[error("limited ({code:?}): {message}")]
    Limited {
        code: Code,
        message: String,
        retry_after_secs: u64,
    },
    /// A DLNA player asked for a time range (`TimeSeekRange.dlna.org`) of a file that
    /// seeks by bytes only: 406, as the DLNA guidelines want.
    #[error("time-based seeking is not supported")]
    TimeSeekUnsupported,
    /// The request body is over a limit (a roster file, an upload): 413, nothing kept.
    #[error("too large: {message}")]
    TooLarge { message: String },
    /// One client restarted just-in-time transcodes too often (seeks): 429 with
    /// `Retry-After`.
    #[error("too many seeks; retry after {retry_after_s} s")]
    TooManySeeks { retry_after_s: u64 },
    #[error("no requested range starts inside the {len} bytes")]
    RangeNotSatisfiable { len: u64 },
    /// A TV's DLNA renderer did not do what was asked (unreachable, slow, a fault).
    #[error("renderer: {0}")]
    Renderer(#[from] crate::dlna::renderers::avt::CallError),
    /// The store of registered TV locations failed.
    #[error("renderer store: {0}")]
    RendererStore(#[source] crate::dlna::renderers::known::KnownError),
    #[error(transparent)]
    Accounts(#[from] AccountsError),
    /// The county (issue 18): registration, signed pushes, verification.
    #[error(transparent)]
    County(#[from] crate::county::CountyError),
    #[error(transparent)]
    Plays(#[from] crate::plays::PlaysError),
    #[error(transparent)]
    Stations(#[from] crate::stations::StationsError),
    #[error(transparent)]
    Entries(#[from] crate::entries::EntriesError),
    #[error(transparent)]
    Reports(#[from] crate::reports::ReportsError),
    #[error(transparent)]
    Tv(#[from] crate::tv::TvError),
    #[error(transparent)]
    Photo(#[from] crate::photos::PhotoError),
    /// A tus upload refused or failed (`src/http/uploads.rs` adds tus's headers).
    #[error("upload failed")]
    Upload(#[from] crate::uploads::UploadError),
    /// Making a field kit or importing its records (`src/kit`).
    #[error("field kit: {0}")]
    Kit(#[from] crate::kit::KitError),
    #[error("catalog failure")]
    Catalog(#[from] CatalogError),
    #[error("preparation records failure")]
    Preparation(#[from] crate::preparation::PrepareError),
    #[error("ledger failure")]
    Ledger(#[from] crate::ledger::LedgerError),
    /// The disk is full, or a bulk write (an upload, a preparation) would eat into the
    /// reserve kept for recording showings (`disk_reserve_mb`): 507, nothing acknowledged.
    #[error("the disk is full")]
    DiskFull,
    #[error("file access failed")]
    Io(#[from] std::io::Error),
    #[error("background task failed")]
    Task(#[from] tokio::task::JoinError),
    /// The server's own failure (encoding a report, a store's error): 500, logged with its
    /// cause.
    #[error("internal failure")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    /// The server's own failure, its cause kept for the log.
    pub fn internal(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> AppError {
        AppError::Internal(e.into())
    }
}

/// "找不到该…": a thing the request names does not exist.
pub(super) fn not_found(what: &str) -> Answer {
    Answer::said(Code::NotFound, format!("找不到该{what}"))
}

impl Coded for AppError {
    fn answer(&self) -> Answer {
        use AppError as E;
        match self {
            E::NotFound { what } => not_found(what),
            E::BadRequest(why) => Answer::said(Code::BadRequest, format!("请求有误：{why}")),
            E::Unauthenticated => Answer::row(Code::Unauthenticated),
            E::Forbidden => Answer::row(Code::Forbidden),
            E::CrossSite => Answer::row(Code::CrossSite),
            E::UnknownHost { host } => Answer::said(
                Code::UnknownHost,
                format!(
                    "本服务器不使用“{host}”这个名字。请用服务器的地址访问（例如 http://192.168.1.10:8080），或请管理员把这个名字加入设置 host_names（unknown host name: use the server's address, or add the name to host_names）"
                ),
            ),
            E::BodyTimeout => Answer::row(Code::BodyTimeout),
            E::FileMissing => Answer::row(Code::FileMissing),
            E::FileChanged => Answer::row(Code::FileChanged),
            E::FilmRejected { reason } => Answer::said(
                Code::FilmRejected,
                format!(
                    "该文件不是可播放的影片：{}",
                    reason.as_deref().unwrap_or("无法识别的文件")
                ),
            ),
            E::TimeSeekUnsupported => Answer::row(Code::TimeSeekUnsupported),
            E::NotReady => Answer::row(Code::NotReady),
            E::Busy {
                running,
                retry_after_s,
            } => Answer::said(
                Code::Busy,
                format!(
                    "服务器正忙：已有 {running} 部未准备好的影片正在边转码边播放。本片正在准备，约 {} 分钟后再试（server busy, try again later）",
                    retry_after_s.div_ceil(60).max(1)
                ),
            )
            .retry_after(*retry_after_s),
            E::PreparationFailed { reason } => Answer::said(
                Code::PreparationFailed,
                format!(
                    "该影片准备失败：{}",
                    reason.as_deref().unwrap_or("原因不明，请查看服务器日志")
                ),
            ),
            E::RangeNotSatisfiable { len } => Answer::said(
                Code::RangeNotSatisfiable,
                format!("请求的片段超出了文件范围（文件共 {len} 字节）"),
            ),
            E::Refused { code, message } => Answer::said(*code, message.clone()),
            E::Limited {
                code,
                message,
                retry_after_secs,
            } => Answer::said(*code, message.clone()).retry_after(*retry_after_secs),
            E::TooLarge { message } => Answer::said(Code::TooLarge, message.clone()),
            E::TooManySeeks { retry_after_s } => Answer::said(
                Code::TooManySeeks,
                format!(
                    "拖动进度太频繁：这部影片还没准备好，每次跳转服务器都要重新转码。请 {retry_after_s} 秒后再跳转，或从当前位置继续播放（too many seeks, try again shortly）"
                ),
            )
            .retry_after(*retry_after_s),
            E::Renderer(e) => e.answer(),
            E::Accounts(e) => e.answer(),
            E::County(e) => e.answer(),
            E::Plays(e) => e.answer(),
            E::Stations(e) => e.answer(),
            E::Entries(e) => e.answer(),
            E::Reports(e) => e.answer(),
            E::Tv(e) => e.answer(),
            E::Photo(e) => e.answer(),
            E::Upload(e) => e.answer(),
            E::Kit(e) => e.answer(),
            E::Ledger(e) => e.answer(),
            E::DiskFull => Answer::row(Code::DiskFull),
            E::Catalog(_)
            | E::Preparation(_)
            | E::Io(_)
            | E::RendererStore(_)
            | E::Task(_)
            | E::Internal(_) => internal(self),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.code().row().status
    }

    fn error_response(&self) -> HttpResponse {
        let answer = self.answer();
        if answer.code().row().status.is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
        answer.respond(|resp| {
            if let AppError::RangeNotSatisfiable { len } = self {
                resp.insert_header((header::CONTENT_RANGE, format!("bytes */{len}")));
            }
        })
    }
}
