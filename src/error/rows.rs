//! The error table's rows for the larger domain errors (renderers, field kits, the county,
//! the ledger, a full disk): code, status and the sentence, each match exhaustive.

use actix_web::http::StatusCode;

use super::internal;

/// What went wrong with a TV's renderer, said for the broadcaster.
pub(super) fn renderer_error(
    e: &crate::dlna::renderers::avt::CallError,
) -> (&'static str, StatusCode, String) {
    use crate::dlna::renderers::avt::CallError as C;
    match e {
        C::Unreachable(_) => (
            "renderer_unreachable",
            StatusCode::BAD_GATEWAY,
            "电视没有应答，请确认电视已打开、连在网上（the TV cannot be reached）".into(),
        ),
        C::Slow => (
            "renderer_slow",
            StatusCode::GATEWAY_TIMEOUT,
            "电视没有按时回答，这次操作没有完成；请确认电视开着、没有卡住，再试一次（the TV did not answer in time）".into(),
        ),
        C::Fault(714) => (
            "renderer_refused_film",
            StatusCode::UNPROCESSABLE_ENTITY,
            "电视说它不支持这种文件（错误 714），请换一台电视或换一部影片（the TV does not support this kind of file）".into(),
        ),
        C::Fault(716) => (
            "renderer_refused_film",
            StatusCode::UNPROCESSABLE_ENTITY,
            "电视说它找不到这个文件（错误 716），请确认电视能连上服务器后再试（the TV could not find the file）".into(),
        ),
        C::Fault(code) => (
            "renderer_refused",
            StatusCode::BAD_GATEWAY,
            format!("电视拒绝了这个操作（错误 {code}）（the TV refused the command）"),
        ),
        C::Malformed => (
            "renderer_bad_answer",
            StatusCode::BAD_GATEWAY,
            "电视的回答无法识别（the TV's answer could not be read）".into(),
        ),
    }
}

/// A field kit refused, said for the clerk (codes `kit_*`).
pub(super) fn kit_error(e: &crate::kit::KitError) -> (&'static str, StatusCode, String) {
    use crate::kit::KitError as K;
    let m = e.to_string();
    match e {
        K::Invalid(_) => ("invalid", StatusCode::UNPROCESSABLE_ENTITY, m),
        K::UnknownStation(_) => ("not_found", StatusCode::NOT_FOUND, "找不到该站点".into()),
        K::UnknownFilm(_) => ("not_found", StatusCode::NOT_FOUND, "找不到该影片".into()),
        K::NotPastoral(_) => ("kit_not_pastoral", StatusCode::UNPROCESSABLE_ENTITY, m),
        K::FilmNotReady(_) => ("kit_film_not_ready", StatusCode::CONFLICT, m),
        K::NoPlan { .. } => ("kit_no_plan", StatusCode::UNPROCESSABLE_ENTITY, m),
        K::OutDirRefused => ("kit_out_dir_refused", StatusCode::FORBIDDEN, m),
        K::OutDirMissing(_) => ("kit_out_dir_missing", StatusCode::CONFLICT, m),
        K::NotRecords => ("kit_not_records", StatusCode::UNPROCESSABLE_ENTITY, m),
        K::UnknownKit(_) => ("kit_unknown", StatusCode::NOT_FOUND, m),
        K::ChainBroken(_) => ("kit_chain_broken", StatusCode::UNPROCESSABLE_ENTITY, m),
        K::Refused(_) => ("kit_record_refused", StatusCode::UNPROCESSABLE_ENTITY, m),
        K::Busy => ("kit_busy", StatusCode::CONFLICT, m),
        K::TooMany { .. } => ("kit_too_many_imports", StatusCode::TOO_MANY_REQUESTS, m),
        K::Write { .. } => ("kit_write_failed", StatusCode::INTERNAL_SERVER_ERROR, m),
        K::Stations(_)
        | K::Catalog(_)
        | K::Reports(_)
        | K::Ledger(_)
        | K::Store(_)
        | K::Encode(_) => internal(),
    }
}

/// What went wrong at the county, with the sentence as the error says it.
pub(super) fn county_error(e: &crate::county::CountyError) -> (&'static str, StatusCode, String) {
    use crate::county::{CountyError as C, Problem as P};
    let (code, status) = match e {
        C::NotCounty => ("not_found", StatusCode::NOT_FOUND),
        C::UnknownTownship(_) => ("not_found", StatusCode::NOT_FOUND),
        C::UnknownKey => ("county_unknown_key", StatusCode::UNAUTHORIZED),
        C::BadKey(_) => ("county_bad_key", StatusCode::UNPROCESSABLE_ENTITY),
        C::KeyTaken(_) => ("county_key_taken", StatusCode::CONFLICT),
        C::BadName => ("invalid", StatusCode::UNPROCESSABLE_ENTITY),
        C::Invalid(_) => ("invalid", StatusCode::UNPROCESSABLE_ENTITY),
        C::FingerprintMismatch { .. } => (
            "county_fingerprint_mismatch",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        C::NotConfirmed(_) => ("county_unconfirmed", StatusCode::FORBIDDEN),
        C::Checkpoint(_) => ("county_bad_checkpoint", StatusCode::UNPROCESSABLE_ENTITY),
        C::Refused { .. } => ("county_refused", StatusCode::CONFLICT),
        C::Rejected(P::Gap { .. }) => ("county_gap", StatusCode::CONFLICT),
        C::Rejected(P::BadImport { .. }) => ("county_bad_import", StatusCode::UNPROCESSABLE_ENTITY),
        C::Rejected(P::Differs { .. }) => ("county_refused", StatusCode::CONFLICT),
        C::BadSignature(_) => ("county_bad_signature", StatusCode::UNAUTHORIZED),
        C::Replay(_) => ("county_replay", StatusCode::UNAUTHORIZED),
        C::Store(_) | C::Record(_) => return internal(),
    };
    (code, status, e.to_string())
}

pub(super) fn disk_full() -> (&'static str, StatusCode, String) {
    (
        "disk_full",
        StatusCode::INSUFFICIENT_STORAGE,
        "服务器磁盘空间不足，这次的数据没有保存。请管理员删除不用的影片或上传、腾出空间后再试；放映记录仍照常记录（the server's disk is full: nothing was saved; free some space and try again）".into(),
    )
}

/// A ledger that stopped after a disk error says so (503); a full disk is 507; the rest is
/// the server's own fault.
pub(super) fn ledger_error(e: &crate::ledger::LedgerError) -> (&'static str, StatusCode, String) {
    use crate::ledger::LedgerError as L;
    match e {
        L::Failed { source, .. } if crate::disk::is_full(source) => disk_full(),
        L::Failed { .. } | L::Stopped { .. } => (
            "ledger_stopped",
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{e}；这条记录没有保存，请联系管理员"),
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
        | L::ExportWrite(_) => internal(),
    }
}
