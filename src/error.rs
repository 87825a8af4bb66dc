//! The one error table. Every refusal the server answers has a [`Code`], and its row here
//! says the machine code (public: `docs/API.md`), the HTTP status, the clerk's sentence when
//! it is always the same, and whether `Retry-After` is sent. The match is exhaustive: a new
//! code does not compile until it has a row. Each error the HTTP layer answers says its row
//! through [`Coded`] — [`AppError`] in `error/app.rs`, the domain errors it wraps in
//! `error/rows.rs` and `error/office.rs` — again in exhaustive matches, so a new error does
//! not compile until it has a row either.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, HttpResponseBuilder};
use serde::Serialize;

mod app;
mod office;
mod rows;
pub use app::AppError;

/// A row of the error table (several rows may share a code string, e.g. `busy`, when the
/// status or the sentence differs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    // Anyone, anywhere.
    NotFound,
    BadRequest,
    Unauthenticated,
    Forbidden,
    CrossSite,
    UnknownHost,
    BodyTimeout,
    TooLarge,
    Invalid,
    Exists,
    Internal,
    DiskFull,
    LedgerStopped,
    // Films and playback.
    FileMissing,
    FileChanged,
    FilmRejected,
    PreparationFailed,
    NotReady,
    Busy,
    TooManySeeks,
    TimeSeekUnsupported,
    RangeNotSatisfiable,
    AlreadyPrepared,
    NotPreparable,
    // Accounts.
    InvalidCredentials,
    TooManyAttempts,
    SignInBusy,
    BadName,
    WeakPassword,
    // Stations, plays, photos.
    BadRoster,
    BadPairingCode,
    AddressTaken,
    Retired,
    PlayEnded,
    InferredPlay,
    NoStation,
    OtherStation,
    NotYourPlay,
    EntriesClosed,
    PlayClosing,
    TooManyPlays,
    NotAPhoto,
    // TVs' DLNA renderers.
    RendererUnreachable,
    RendererSlow,
    RendererUnsupportedFile,
    RendererFileNotFound,
    RendererRefused,
    RendererBadAnswer,
    TooManyCommands,
    NoVolume,
    AddressNotRegistered,
    RendererDescription,
    TooManyRenderers,
    NothingPushed,
    // Field kits.
    KitNotPastoral,
    KitFilmNotReady,
    KitNoPlan,
    KitOutDirRefused,
    KitOutDirMissing,
    KitNotRecords,
    KitUnknown,
    KitChainBroken,
    KitRecordRefused,
    KitBusy,
    KitTooManyImports,
    KitWriteFailed,
    // The county.
    NoCountyUrl,
    CountyUnknownKey,
    CountyBadKey,
    CountyKeyTaken,
    CountyFingerprintMismatch,
    CountyUnconfirmed,
    CountyBadCheckpoint,
    CountyRefused,
    CountyGap,
    CountyBadImport,
    CountyBadSignature,
    CountyReplay,
    // Uploads (tus).
    WrongOffset,
    UploadBusy,
    TusVersion,
    TusContentType,
    Stalled,
}

/// What a row says: code string, status, a fixed sentence (else the error words it) and
/// whether `Retry-After` is sent.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// The machine code in the JSON body's `error`.
    pub code: &'static str,
    /// The HTTP status.
    pub status: StatusCode,
    /// The sentence when it is always the same; `None`: the error says it.
    pub sentence: Option<&'static str>,
    /// Whether and how long the client is told to wait.
    pub retry_after: RetryAfter,
}

/// `Retry-After` as a row decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// No header.
    Never,
    /// Always this many seconds.
    Secs(u64),
    /// The seconds the error says (its limit's own clock).
    AsSaid,
}

const fn row(code: &'static str, status: StatusCode) -> Row {
    Row {
        code,
        status,
        sentence: None,
        retry_after: RetryAfter::Never,
    }
}

impl Row {
    const fn says(mut self, sentence: &'static str) -> Row {
        self.sentence = Some(sentence);
        self
    }

    const fn retry(mut self, retry_after: RetryAfter) -> Row {
        self.retry_after = retry_after;
        self
    }
}

impl Code {
    /// The table.
    pub const fn row(self) -> Row {
        use Code as C;
        use RetryAfter::{AsSaid, Secs};
        use StatusCode as S;
        match self {
            C::NotFound => row("not_found", S::NOT_FOUND),
            C::BadRequest => row("bad_request", S::BAD_REQUEST),
            C::Unauthenticated => row("unauthenticated", S::UNAUTHORIZED)
                .says("请先登录（sign in first）"),
            C::Forbidden => row("forbidden", S::FORBIDDEN)
                .says("您的账号没有这项权限（not allowed for your role）"),
            C::CrossSite => row("cross_site", S::FORBIDDEN)
                .says("请求来自其他网站，已拒绝（cross-site request refused）"),
            C::UnknownHost => row("unknown_host", S::MISDIRECTED_REQUEST),
            C::BodyTimeout => row("body_timeout", S::REQUEST_TIMEOUT)
                .says("请求内容传得太慢，已中断，请检查网络后重试（the request body arrived too slowly）"),
            C::TooLarge => row("too_large", S::PAYLOAD_TOO_LARGE),
            C::Invalid => row("invalid", S::UNPROCESSABLE_ENTITY),
            C::Exists => row("exists", S::CONFLICT),
            C::Internal => row("internal", S::INTERNAL_SERVER_ERROR)
                .says("服务器内部错误，请联系管理员查看日志（internal error, see the server log）"),
            C::DiskFull => row("disk_full", S::INSUFFICIENT_STORAGE)
                .says("服务器磁盘空间不足，这次的数据没有保存。请管理员删除不用的影片或上传、腾出空间后再试；放映记录仍照常记录（the server's disk is full: nothing was saved; free some space and try again）"),
            C::LedgerStopped => row("ledger_stopped", S::SERVICE_UNAVAILABLE),
            C::FileMissing => row("file_missing", S::NOT_FOUND)
                .says("该影片的文件已不在片库文件夹中，请检查片库（the film's file is gone from the library）"),
            C::FileChanged => row("file_changed", S::CONFLICT)
                .says("该影片的文件在扫描后被替换或改动，已暂停播放并安排重新扫描，请稍后再试（the film's file changed since it was scanned; it will be rescanned）"),
            C::FilmRejected => row("film_rejected", S::NOT_FOUND),
            C::PreparationFailed => row("preparation_failed", S::NOT_FOUND),
            C::NotReady => row("not_ready", S::SERVICE_UNAVAILABLE)
                .says("影片正在准备中，请稍后再播放（the film is still being prepared）")
                .retry(Secs(60)),
            C::Busy => row("busy", S::SERVICE_UNAVAILABLE).retry(AsSaid),
            C::TooManySeeks => row("too_many_seeks", S::TOO_MANY_REQUESTS).retry(AsSaid),
            C::TimeSeekUnsupported => row("time_seek_unsupported", S::NOT_ACCEPTABLE)
                .says("此文件只能按字节跳转，不能按时间跳转（time-based seeking is not supported; use byte ranges）"),
            C::RangeNotSatisfiable => row("range_not_satisfiable", S::RANGE_NOT_SATISFIABLE),
            C::AlreadyPrepared => row("already_prepared", S::CONFLICT),
            C::NotPreparable => row("not_preparable", S::CONFLICT),
            C::InvalidCredentials => row("invalid_credentials", S::UNAUTHORIZED)
                .says("用户名或密码不正确"),
            C::TooManyAttempts => row("too_many_attempts", S::TOO_MANY_REQUESTS).retry(AsSaid),
            C::SignInBusy => row("busy", S::SERVICE_UNAVAILABLE)
                .says("同时登录的人太多，服务器正忙，请稍等几秒再试（too many sign-ins at once, try again shortly）")
                .retry(AsSaid),
            C::BadName => row("bad_name", S::BAD_REQUEST),
            C::WeakPassword => row("weak_password", S::BAD_REQUEST).says("密码太短，至少 8 个字符"),
            C::BadRoster => row("bad_roster", S::UNPROCESSABLE_ENTITY),
            C::BadPairingCode => row("bad_pairing_code", S::UNPROCESSABLE_ENTITY),
            C::AddressTaken => row("address_taken", S::CONFLICT),
            C::Retired => row("retired", S::CONFLICT),
            C::PlayEnded => row("play_ended", S::CONFLICT),
            C::InferredPlay => row("inferred_play", S::CONFLICT),
            C::NoStation => row("no_station", S::UNPROCESSABLE_ENTITY),
            C::OtherStation => row("other_station", S::UNPROCESSABLE_ENTITY),
            C::NotYourPlay => row("not_your_play", S::FORBIDDEN),
            C::EntriesClosed => row("entries_closed", S::CONFLICT),
            C::PlayClosing => row("play_closing", S::CONFLICT),
            C::TooManyPlays => row("too_many_plays", S::TOO_MANY_REQUESTS).retry(AsSaid),
            C::NotAPhoto => row("not_a_photo", S::UNPROCESSABLE_ENTITY),
            C::RendererUnreachable => row("renderer_unreachable", S::BAD_GATEWAY)
                .says("电视没有应答，请确认电视已打开、连在网上（the TV cannot be reached）"),
            C::RendererSlow => row("renderer_slow", S::GATEWAY_TIMEOUT)
                .says("电视没有按时回答，这次操作没有完成；请确认电视开着、没有卡住，再试一次（the TV did not answer in time）"),
            C::RendererUnsupportedFile => row("renderer_refused_film", S::UNPROCESSABLE_ENTITY)
                .says("电视说它不支持这种文件（错误 714），请换一台电视或换一部影片（the TV does not support this kind of file）"),
            C::RendererFileNotFound => row("renderer_refused_film", S::UNPROCESSABLE_ENTITY)
                .says("电视说它找不到这个文件（错误 716），请确认电视能连上服务器后再试（the TV could not find the file）"),
            C::RendererRefused => row("renderer_refused", S::BAD_GATEWAY),
            C::RendererBadAnswer => row("renderer_bad_answer", S::BAD_GATEWAY)
                .says("电视的回答无法识别（the TV's answer could not be read）"),
            C::TooManyCommands => row("too_many_commands", S::TOO_MANY_REQUESTS).retry(AsSaid),
            C::NoVolume => row("no_volume", S::UNPROCESSABLE_ENTITY),
            C::AddressNotRegistered => row("address_not_registered", S::UNPROCESSABLE_ENTITY),
            C::RendererDescription => row("renderer_description", S::UNPROCESSABLE_ENTITY),
            C::TooManyRenderers => row("too_many_renderers", S::CONFLICT),
            C::NothingPushed => row("nothing_pushed", S::CONFLICT),
            C::KitNotPastoral => row("kit_not_pastoral", S::UNPROCESSABLE_ENTITY),
            C::KitFilmNotReady => row("kit_film_not_ready", S::CONFLICT),
            C::KitNoPlan => row("kit_no_plan", S::UNPROCESSABLE_ENTITY),
            C::KitOutDirRefused => row("kit_out_dir_refused", S::FORBIDDEN),
            C::KitOutDirMissing => row("kit_out_dir_missing", S::CONFLICT),
            C::KitNotRecords => row("kit_not_records", S::UNPROCESSABLE_ENTITY),
            C::KitUnknown => row("kit_unknown", S::NOT_FOUND),
            C::KitChainBroken => row("kit_chain_broken", S::UNPROCESSABLE_ENTITY),
            C::KitRecordRefused => row("kit_record_refused", S::UNPROCESSABLE_ENTITY),
            C::KitBusy => row("kit_busy", S::CONFLICT),
            C::KitTooManyImports => row("kit_too_many_imports", S::TOO_MANY_REQUESTS).retry(AsSaid),
            C::KitWriteFailed => row("kit_write_failed", S::INTERNAL_SERVER_ERROR),
            C::NoCountyUrl => row("no_county_url", S::UNPROCESSABLE_ENTITY),
            C::CountyUnknownKey => row("county_unknown_key", S::UNAUTHORIZED),
            C::CountyBadKey => row("county_bad_key", S::UNPROCESSABLE_ENTITY),
            C::CountyKeyTaken => row("county_key_taken", S::CONFLICT),
            C::CountyFingerprintMismatch => row("county_fingerprint_mismatch", S::UNPROCESSABLE_ENTITY),
            C::CountyUnconfirmed => row("county_unconfirmed", S::FORBIDDEN),
            C::CountyBadCheckpoint => row("county_bad_checkpoint", S::UNPROCESSABLE_ENTITY),
            C::CountyRefused => row("county_refused", S::CONFLICT),
            C::CountyGap => row("county_gap", S::CONFLICT),
            C::CountyBadImport => row("county_bad_import", S::UNPROCESSABLE_ENTITY),
            C::CountyBadSignature => row("county_bad_signature", S::UNAUTHORIZED),
            C::CountyReplay => row("county_replay", S::UNAUTHORIZED),
            C::WrongOffset => row("wrong_offset", S::CONFLICT),
            C::UploadBusy => row("busy", S::CONFLICT)
                .says("该文件正在由另一个请求上传，请稍后再试"),
            C::TusVersion => row("tus_version", S::PRECONDITION_FAILED)
                .says("只支持 tus 1.0.0 协议（Tus-Resumable: 1.0.0）"),
            C::TusContentType => row("content_type", S::UNSUPPORTED_MEDIA_TYPE)
                .says("上传数据的类型必须是 application/offset+octet-stream"),
            C::Stalled => row("stalled", S::REQUEST_TIMEOUT),
        }
    }
}

/// What one error answers: its row, its own words where the row has no sentence, and its
/// seconds where the row sends them as `Retry-After`.
#[derive(Debug)]
pub struct Answer {
    code: Code,
    words: Option<String>,
    retry_after_secs: Option<u64>,
}

impl Answer {
    /// The row's own sentence.
    pub fn row(code: Code) -> Answer {
        Answer {
            code,
            words: None,
            retry_after_secs: None,
        }
    }

    /// The error's words, for a row without a fixed sentence.
    pub fn said(code: Code, words: impl Into<String>) -> Answer {
        Answer {
            words: Some(words.into()),
            ..Answer::row(code)
        }
    }

    /// How long the client should wait, for a row that sends `Retry-After` as said.
    pub fn retry_after(self, secs: u64) -> Answer {
        Answer {
            retry_after_secs: Some(secs),
            ..self
        }
    }

    /// The row.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The response: status, `Retry-After` as the row decides, `{"error", "message"}`;
    /// `headers` adds what only the error knows (`Content-Range`, tus's `Upload-Offset`).
    pub fn respond(self, headers: impl FnOnce(&mut HttpResponseBuilder)) -> HttpResponse {
        let row = self.code.row();
        debug_assert!(
            row.sentence.is_some() != self.words.is_some(),
            "{:?}: a row's sentence or the error's words, exactly one",
            self.code
        );
        let mut resp = HttpResponse::build(row.status);
        let wait = match row.retry_after {
            RetryAfter::Never => None,
            RetryAfter::Secs(secs) => Some(secs),
            RetryAfter::AsSaid => Some(self.retry_after_secs.unwrap_or(60)),
        };
        if let Some(secs) = wait {
            resp.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        headers(&mut resp);
        let message = match (self.words, row.sentence) {
            (Some(words), _) => words,
            (None, sentence) => sentence.unwrap_or_default().to_owned(),
        };
        resp.json(ErrorBody {
            error: row.code,
            message,
        })
    }
}

#[derive(Serialize)]
struct ErrorBody {
    error: &'static str,
    message: String,
}

/// An error with a row in the table. Implemented with one exhaustive match per error type,
/// so a new variant does not compile until it says its row.
pub trait Coded {
    /// Its row, its words, its wait.
    fn answer(&self) -> Answer;

    /// Its row.
    fn code(&self) -> Code {
        self.answer().code
    }
}

/// The server's own failure (500), or a full disk behind it (507): the clerk is then told to
/// free space rather than to read the log.
pub fn internal(e: &(dyn std::error::Error + 'static)) -> Answer {
    match crate::disk::full_disk_behind(e) {
        true => Answer::row(Code::DiskFull),
        false => Answer::row(Code::Internal),
    }
}

#[cfg(test)]
mod tests;
