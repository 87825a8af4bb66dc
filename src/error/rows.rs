//! Which row each domain error answers with: accounts, the ledger, renderers, field kits and
//! the county here; the office's records (stations, plays, entries, reports, photos, uploads)
//! in `office.rs`. Every match is exhaustive.

use super::app::not_found;
use super::{internal, Answer, Code, Coded};

impl Coded for crate::accounts::AccountsError {
    fn answer(&self) -> Answer {
        use crate::accounts::AccountsError as A;
        match self {
            A::InvalidCredentials => Answer::row(Code::InvalidCredentials),
            A::Throttled { retry_after_secs } => Answer::said(
                Code::TooManyAttempts,
                format!(
                    "登录失败次数过多，请 {} 分钟后再试",
                    retry_after_secs.div_ceil(60)
                ),
            )
            .retry_after(*retry_after_secs),
            A::Busy { retry_after_secs } => {
                Answer::row(Code::SignInBusy).retry_after(*retry_after_secs)
            }
            A::BadName(_) => Answer::said(Code::BadName, self.to_string()),
            A::WeakPassword => Answer::row(Code::WeakPassword),
            A::Exists(name) => Answer::said(Code::Exists, format!("用户 {name} 已存在")),
            A::UnknownUser(_) => not_found("用户"),
            A::Store(_) | A::Record(_) | A::Hash(_) => internal(self),
        }
    }
}

/// A ledger that stopped after a disk error says so (503); a full disk is 507; the rest is
/// the server's own fault.
impl Coded for crate::ledger::LedgerError {
    fn answer(&self) -> Answer {
        use crate::ledger::LedgerError as L;
        match self {
            L::Failed { source, .. } if crate::disk::is_full(source) => Answer::row(Code::DiskFull),
            L::Failed { .. } | L::Stopped { .. } => Answer::said(
                Code::LedgerStopped,
                format!("{self}；这条记录没有保存，请联系管理员"),
            ),
            L::Io { .. }
            | L::InUse(_)
            | L::LogMissing(_)
            | L::NotALedger(_)
            | L::Damaged { .. }
            | L::Draft(_)
            | L::ReadOnly
            | L::NoSuchSeq { .. }
            | L::Key(_)
            | L::ExportWrite(_) => internal(self),
        }
    }
}

/// What went wrong with a TV's renderer, said for the broadcaster.
impl Coded for crate::dlna::renderers::avt::CallError {
    fn answer(&self) -> Answer {
        use crate::dlna::renderers::avt::CallError as C;
        match self {
            C::Unreachable(_) => Answer::row(Code::RendererUnreachable),
            C::Slow => Answer::row(Code::RendererSlow),
            C::Fault(714) => Answer::row(Code::RendererUnsupportedFile),
            C::Fault(716) => Answer::row(Code::RendererFileNotFound),
            C::Fault(code) => Answer::said(
                Code::RendererRefused,
                format!("电视拒绝了这个操作（错误 {code}）（the TV refused the command）"),
            ),
            C::Malformed => Answer::row(Code::RendererBadAnswer),
        }
    }
}

/// A field kit refused, said for the clerk (codes `kit_*`).
impl Coded for crate::kit::KitError {
    fn answer(&self) -> Answer {
        use crate::kit::KitError as K;
        let said = |code| Answer::said(code, self.to_string());
        match self {
            K::Invalid(_) => said(Code::Invalid),
            K::UnknownStation(_) => not_found("站点"),
            K::UnknownFilm(_) => not_found("影片"),
            K::NotPastoral(_) => said(Code::KitNotPastoral),
            K::FilmNotReady(_) => said(Code::KitFilmNotReady),
            K::NoPlan { .. } => said(Code::KitNoPlan),
            K::OutDirRefused => said(Code::KitOutDirRefused),
            K::OutDirMissing(_) => said(Code::KitOutDirMissing),
            K::NotRecords => said(Code::KitNotRecords),
            K::UnknownKit(_) => said(Code::KitUnknown),
            K::ChainBroken(_) => said(Code::KitChainBroken),
            K::Refused(_) => said(Code::KitRecordRefused),
            K::Busy => said(Code::KitBusy),
            K::TooMany { retry_after_secs } => {
                said(Code::KitTooManyImports).retry_after(*retry_after_secs)
            }
            K::Write { .. } => said(Code::KitWriteFailed),
            K::Stations(_)
            | K::Catalog(_)
            | K::Reports(_)
            | K::Ledger(_)
            | K::Store(_)
            | K::Encode(_) => internal(self),
        }
    }
}

/// What went wrong at the county, with the sentence as the error says it.
impl Coded for crate::county::CountyError {
    fn answer(&self) -> Answer {
        use crate::county::{CountyError as C, Problem as P};
        let code = match self {
            C::NotCounty | C::UnknownTownship(_) => Code::NotFound,
            C::UnknownKey => Code::CountyUnknownKey,
            C::BadKey(_) => Code::CountyBadKey,
            C::KeyTaken(_) => Code::CountyKeyTaken,
            C::BadName | C::Invalid(_) => Code::Invalid,
            C::FingerprintMismatch { .. } => Code::CountyFingerprintMismatch,
            C::NotConfirmed(_) => Code::CountyUnconfirmed,
            C::Checkpoint(_) => Code::CountyBadCheckpoint,
            C::Refused { .. } | C::Rejected(P::Differs { .. }) => Code::CountyRefused,
            C::Rejected(P::Gap { .. }) => Code::CountyGap,
            C::Rejected(P::BadImport { .. }) => Code::CountyBadImport,
            C::BadSignature(_) => Code::CountyBadSignature,
            C::Replay(_) => Code::CountyReplay,
            C::Store(_) | C::Record(_) => return internal(self),
        };
        Answer::said(code, self.to_string())
    }
}
