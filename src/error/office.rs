//! Which row the office's record errors answer with: stations, plays, entries, reports,
//! the TV home screen, photos and uploads. Every match is exhaustive; most say the domain error's own words.

use super::app::not_found;
use super::{internal, Answer, AppError, Code, Coded};

impl Coded for crate::stations::StationsError {
    fn answer(&self) -> Answer {
        use crate::stations::StationsError as S;
        let said = |code| Answer::said(code, self.to_string());
        match self {
            S::UnknownStation(_) => not_found("站点"),
            S::UnknownMember(_) => not_found("党员"),
            S::UnknownDevice(_) => not_found("电视"),
            S::UnknownAddress(_) => not_found("站点登记的地址"),
            S::UnknownChecklistItem(_) => not_found("六有项目"),
            S::Invalid(_) => said(Code::Invalid),
            S::BadRoster(_) => said(Code::BadRoster),
            S::Code(_) => said(Code::BadPairingCode),
            S::CodeTaken(_) | S::MemberTaken(_) => said(Code::Exists),
            S::AddressTaken { .. } => said(Code::AddressTaken),
            S::Retired(_) => said(Code::Retired),
            S::Throttled { retry_after_secs } | S::PairingPaused { retry_after_secs } => {
                said(Code::TooManyAttempts).retry_after(*retry_after_secs)
            }
            S::Ledger(e) => e.answer(),
            S::Store(_) | S::Record(_) => internal(self),
        }
    }
}

impl Coded for crate::plays::PlaysError {
    fn answer(&self) -> Answer {
        use crate::plays::PlaysError as P;
        let said = |code| Answer::said(code, self.to_string());
        match self {
            P::UnknownFilm(_) => not_found("影片"),
            P::UnknownPlay(_) => not_found("播放记录"),
            P::Ended(_) => said(Code::PlayEnded),
            P::NotReported(_) => said(Code::InferredPlay),
            P::NoStation(_) => said(Code::NoStation),
            P::OtherStation { .. } => said(Code::OtherStation),
            P::Invalid(_) => said(Code::Invalid),
            P::StationNotYours => Answer::row(Code::Forbidden),
            P::NotYours(_) => said(Code::NotYourPlay),
            P::EntriesClosed { .. } => said(Code::EntriesClosed),
            P::Closing(_) => said(Code::PlayClosing),
            P::TooMany {
                retry_after_secs, ..
            } => said(Code::TooManyPlays).retry_after(*retry_after_secs),
            P::Photo(e) => e.answer(),
            P::Stations(e) => e.answer(),
            P::Ledger(e) => e.answer(),
            P::Catalog(_) | P::Store(_) | P::Record(_) => internal(self),
        }
    }
}

impl Coded for crate::entries::EntriesError {
    fn answer(&self) -> Answer {
        use crate::entries::EntriesError as E;
        use crate::ledger::LedgerError;
        match self {
            E::Invalid(_) | E::Ledger(LedgerError::Draft(_)) => Answer::said(
                Code::Invalid,
                match self.draft() {
                    Some(d) => d.to_string(),
                    None => self.to_string(),
                },
            ),
            E::UnknownStation(_) => not_found("站点"),
            E::UnknownFilm(_) => not_found("影片"),
            E::Stations(e) => e.answer(),
            E::Ledger(e) => e.answer(),
            E::Catalog(_) | E::Encode(_) => internal(self),
        }
    }
}

impl Coded for crate::reports::ReportsError {
    fn answer(&self) -> Answer {
        use crate::reports::ReportsError as R;
        match self {
            R::Invalid(_) => Answer::said(Code::Invalid, self.to_string()),
            R::UnknownStation(_) => not_found("站点"),
            R::Stations(e) => e.answer(),
            R::Ledger(e) => e.answer(),
            R::Store(_) | R::IndexMismatch(_) => internal(self),
        }
    }
}

/// The TV home screen's rows: what its parts say.
impl Coded for crate::tv::TvError {
    fn answer(&self) -> Answer {
        use crate::tv::TvError as T;
        match self {
            T::Plays(e) => e.answer(),
            T::Reports(e) => e.answer(),
            T::Catalog(e) => internal(e),
        }
    }
}

impl Coded for crate::photos::PhotoError {
    fn answer(&self) -> Answer {
        use crate::photos::PhotoError as P;
        match self {
            P::NotAPhoto => Answer::said(Code::NotAPhoto, self.to_string()),
            P::TooLarge { .. } => Answer::said(Code::TooLarge, self.to_string()),
            P::Io(_) => internal(self),
        }
    }
}

/// An upload refused (tus: `src/http/uploads.rs` adds the protocol's own headers).
impl Coded for crate::uploads::UploadError {
    fn answer(&self) -> Answer {
        use crate::uploads::UploadError as U;
        match self {
            U::NotFound(_) => not_found("上传（可能已过期或被取消），请重新上传"),
            U::TooLarge { max, .. } => Answer::said(
                Code::TooLarge,
                format!("文件太大：最大允许 {}", human_size(*max)),
            ),
            U::PastLength { length } => Answer::said(
                Code::TooLarge,
                format!("上传的数据超过了声明的 {length} 字节，这次的数据未保存"),
            ),
            U::WrongOffset { expected, .. } => Answer::said(
                Code::WrongOffset,
                format!("续传位置不对：服务器已收到 {expected} 字节"),
            ),
            U::Busy => Answer::row(Code::UploadBusy),
            U::Meta(m) => AppError::BadRequest(m.to_string()).answer(),
            U::DiskFull(_) => Answer::row(Code::DiskFull),
            U::Io { .. }
            | U::Store(_)
            | U::Record(_)
            | U::Catalog(_)
            | U::Library(_)
            | U::Entries(_) => internal(self),
        }
    }
}

/// A size as a clerk reads it.
fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / f64::from(1u32 << 30)),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1u32 << 20)),
        b => format!("{b} 字节"),
    }
}
