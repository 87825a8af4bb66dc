//! The one error → HTTP table. Every error the HTTP layer can return is an `AppError`; its
//! status and its clerk-readable message are decided here, in one exhaustive match, so a new
//! error does not compile until someone decides both.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use media_catalog::CatalogError;
use serde::Serialize;

use crate::accounts::AccountsError;

mod rows;
use rows::{county_error, disk_full, kit_error, ledger_error, renderer_error};

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
    /// The request is well formed but names something unusable (unknown member, a sign-in
    /// for another station's roster…): 422, nothing written.
    #[error("unprocessable: {message}")]
    Unprocessable { code: &'static str, message: String },
    /// The request conflicts with what exists (a station code taken, a heartbeat after the
    /// end): 409, nothing written.
    #[error("conflict: {message}")]
    Conflict { code: &'static str, message: String },
    /// A DLNA player asked for a time range (`TimeSeekRange.dlna.org`) of a file that
    /// seeks by bytes only: 406, as the DLNA guidelines want.
    #[error("time-based seeking is not supported")]
    TimeSeekUnsupported,
    /// The request body is over a limit (a roster file, an upload): 413, nothing kept.
    #[error("too large: {message}")]
    TooLarge { message: String },
    /// Too many wrong tries from one address (pairing codes): 429 with `Retry-After`.
    #[error("too many attempts; retry after {retry_after_secs} s")]
    TooManyAttempts {
        message: String,
        retry_after_secs: u64,
    },
    /// The caller may use the route but not this thing (another TV's play): 403 with its
    /// own code and sentence.
    #[error("refused: {message}")]
    Refused { code: &'static str, message: String },
    /// A per-client limit was reached (plays open, entries an hour): 429 with `Retry-After`.
    #[error("limited: {message}")]
    Limited {
        code: &'static str,
        message: String,
        retry_after_secs: u64,
    },
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
    /// Making a field kit or importing its records (`src/kit`).
    #[error("field kit: {0}")]
    Kit(#[from] crate::kit::KitError),
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: String,
}

impl AppError {
    /// Machine code, status and the sentence shown to people.
    fn describe(&self) -> (&'static str, StatusCode, String) {
        use AccountsError as A;
        match self {
            AppError::NotFound { what } => (
                "not_found",
                StatusCode::NOT_FOUND,
                format!("找不到该{what}"),
            ),
            AppError::BadRequest(why) => (
                "bad_request",
                StatusCode::BAD_REQUEST,
                format!("请求有误：{why}"),
            ),
            AppError::Unauthenticated => (
                "unauthenticated",
                StatusCode::UNAUTHORIZED,
                "请先登录（sign in first）".into(),
            ),
            AppError::Forbidden => (
                "forbidden",
                StatusCode::FORBIDDEN,
                "您的账号没有这项权限（not allowed for your role）".into(),
            ),
            AppError::CrossSite => (
                "cross_site",
                StatusCode::FORBIDDEN,
                "请求来自其他网站，已拒绝（cross-site request refused）".into(),
            ),
            AppError::UnknownHost { host } => (
                "unknown_host",
                StatusCode::MISDIRECTED_REQUEST,
                format!(
                    "本服务器不使用“{host}”这个名字。请用服务器的地址访问（例如 http://192.168.1.10:8080），或请管理员把这个名字加入设置 host_names（unknown host name: use the server's address, or add the name to host_names）"
                ),
            ),
            AppError::BodyTimeout => (
                "body_timeout",
                StatusCode::REQUEST_TIMEOUT,
                "请求内容传得太慢，已中断，请检查网络后重试（the request body arrived too slowly）"
                    .into(),
            ),
            AppError::FileMissing => (
                "file_missing",
                StatusCode::NOT_FOUND,
                "该影片的文件已不在片库文件夹中，请检查片库（the film's file is gone from the library）"
                    .into(),
            ),
            AppError::FileChanged => (
                "file_changed",
                StatusCode::CONFLICT,
                "该影片的文件在扫描后被替换或改动，已暂停播放并安排重新扫描，请稍后再试（the film's file changed since it was scanned; it will be rescanned）"
                    .into(),
            ),
            AppError::FilmRejected { reason } => (
                "film_rejected",
                StatusCode::NOT_FOUND,
                format!(
                    "该文件不是可播放的影片：{}",
                    reason.as_deref().unwrap_or("无法识别的文件")
                ),
            ),
            AppError::TimeSeekUnsupported => (
                "time_seek_unsupported",
                StatusCode::NOT_ACCEPTABLE,
                "此文件只能按字节跳转，不能按时间跳转（time-based seeking is not supported; use byte ranges）".into(),
            ),
            AppError::NotReady => (
                "not_ready",
                StatusCode::SERVICE_UNAVAILABLE,
                "影片正在准备中，请稍后再播放（the film is still being prepared）".into(),
            ),
            AppError::Busy {
                running,
                retry_after_s,
            } => (
                "busy",
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "服务器正忙：已有 {running} 部未准备好的影片正在边转码边播放。本片正在准备，约 {} 分钟后再试（server busy, try again later）",
                    retry_after_s.div_ceil(60).max(1)
                ),
            ),
            AppError::PreparationFailed { reason } => (
                "preparation_failed",
                StatusCode::NOT_FOUND,
                format!(
                    "该影片准备失败：{}",
                    reason.as_deref().unwrap_or("原因不明，请查看服务器日志")
                ),
            ),
            AppError::RangeNotSatisfiable { len } => (
                "range_not_satisfiable",
                StatusCode::RANGE_NOT_SATISFIABLE,
                format!("请求的片段超出了文件范围（文件共 {len} 字节）"),
            ),
            AppError::Unprocessable { code, message } => {
                (code, StatusCode::UNPROCESSABLE_ENTITY, message.clone())
            }
            AppError::Conflict { code, message } => (code, StatusCode::CONFLICT, message.clone()),
            AppError::TooLarge { message } => {
                ("too_large", StatusCode::PAYLOAD_TOO_LARGE, message.clone())
            }
            AppError::Refused { code, message } => (code, StatusCode::FORBIDDEN, message.clone()),
            AppError::Renderer(e) => renderer_error(e),
            AppError::Kit(e) => kit_error(e),
            AppError::Limited { code, message, .. } => {
                (code, StatusCode::TOO_MANY_REQUESTS, message.clone())
            }
            AppError::TooManyAttempts { message, .. } => (
                "too_many_attempts",
                StatusCode::TOO_MANY_REQUESTS,
                message.clone(),
            ),
            AppError::TooManySeeks { retry_after_s } => (
                "too_many_seeks",
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "拖动进度太频繁：这部影片还没准备好，每次跳转服务器都要重新转码。请 {retry_after_s} 秒后再跳转，或从当前位置继续播放（too many seeks, try again shortly）"
                ),
            ),
            AppError::Accounts(e) => match e {
                A::InvalidCredentials => (
                    "invalid_credentials",
                    StatusCode::UNAUTHORIZED,
                    "用户名或密码不正确".into(),
                ),
                A::Throttled { retry_after_secs } => (
                    "too_many_attempts",
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "登录失败次数过多，请 {} 分钟后再试",
                        retry_after_secs.div_ceil(60)
                    ),
                ),
                A::Busy { .. } => (
                    "busy",
                    StatusCode::SERVICE_UNAVAILABLE,
                    "同时登录的人太多，服务器正忙，请稍等几秒再试（too many sign-ins at once, try again shortly）"
                        .into(),
                ),
                A::BadName(_) => ("bad_name", StatusCode::BAD_REQUEST, format!("{e}")),
                A::WeakPassword => (
                    "weak_password",
                    StatusCode::BAD_REQUEST,
                    "密码太短，至少 8 个字符".into(),
                ),
                A::Exists(name) => (
                    "exists",
                    StatusCode::CONFLICT,
                    format!("用户 {name} 已存在"),
                ),
                A::UnknownUser(_) => (
                    "not_found",
                    StatusCode::NOT_FOUND,
                    "找不到该用户".into(),
                ),
                A::Store(_) | A::Record(_) | A::Hash(_) => internal(),
            },
            AppError::County(e) => county_error(e),
            AppError::DiskFull => disk_full(),
            AppError::Ledger(e) => ledger_error(e),
            AppError::Catalog(_)
            | AppError::Preparation(_)
            | AppError::Io(_)
            | AppError::RendererStore(_)
            | AppError::Task(_) => match crate::disk::full_disk_behind(self) {
                true => disk_full(),
                false => internal(),
            },
        }
    }
}

fn internal() -> (&'static str, StatusCode, String) {
    (
        "internal",
        StatusCode::INTERNAL_SERVER_ERROR,
        "服务器内部错误，请联系管理员查看日志（internal error, see the server log）".into(),
    )
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.describe().1
    }

    fn error_response(&self) -> HttpResponse {
        let (code, status, message) = self.describe();
        if status.is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
        let mut resp = HttpResponse::build(status);
        if let AppError::Accounts(
            AccountsError::Throttled { retry_after_secs }
            | AccountsError::Busy { retry_after_secs },
        ) = self
        {
            resp.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        if let AppError::TooManyAttempts {
            retry_after_secs, ..
        } = self
        {
            resp.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        if let AppError::Kit(crate::kit::KitError::TooMany { retry_after_secs }) = self {
            resp.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        if let AppError::Limited {
            retry_after_secs, ..
        } = self
        {
            resp.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        if let AppError::TooManySeeks { retry_after_s } = self {
            resp.insert_header((header::RETRY_AFTER, retry_after_s.to_string()));
        }
        if let AppError::NotReady = self {
            resp.insert_header((header::RETRY_AFTER, "60"));
        }
        if let AppError::Busy { retry_after_s, .. } = self {
            resp.insert_header((header::RETRY_AFTER, retry_after_s.to_string()));
        }
        if let AppError::RangeNotSatisfiable { len } = self {
            resp.insert_header((header::CONTENT_RANGE, format!("bytes */{len}")));
        }
        resp.json(ErrorBody {
            error: code,
            message,
        })
    }
}
