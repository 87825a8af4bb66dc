//! The data folder's side: the ledger's chain and the clock against its last entry, the
//! permissions of the folder and the key, each library folder.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{Check, Status};
use crate::config::Settings;
use crate::ledger::{
    Ledger, LedgerClock, LedgerError, CLOCK_SUSPECT_FIELD, KEY_FILE, LOG_FILE, NOT_AFTER,
    NOT_BEFORE,
};

/// A clock this far behind the last entry is an error (entries are stamped to the second;
/// a little slack for a clock stepped by NTP).
const CLOCK_SLACK_SECS: i64 = 120;

/// Verifies the ledger read-only (beside a running server) and compares the clock with
/// its last entry.
pub fn ledger_and_clock(settings: &Settings) -> Vec<Check> {
    let dir = settings.ledger_dir();
    if !dir.join(LOG_FILE).exists() {
        return vec![Check::new(
            "ledger",
            Status::Ok,
            "账本还没有记录（服务器首次启动时创建）。",
            format!("{} does not exist yet", dir.join(LOG_FILE).display()),
        )];
    }
    let ledger = match Ledger::open_read_only(&dir) {
        Ok(l) => l,
        Err(e) => return vec![broken_ledger(&dir, &e)],
    };
    let mut checks = vec![match ledger.verify() {
        Ok(v) => Check::new(
            "ledger",
            Status::Ok,
            format!("账本完好：{} 条记录，哈希链逐条核对无误。", v.len),
            format!(
                "{}: {} entries, chain verified, head {}",
                dir.display(),
                v.len,
                v.head
            ),
        ),
        Err(e) => broken_ledger(&dir, &e),
    }];
    if ledger.public_key().is_none() && !ledger.is_empty() {
        checks.push(Check::new(
            "ledger_key",
            Status::Action,
            "账本的签名密钥不见了：无法再给县里出具签名检查点。请从备份恢复 ledger.key。",
            format!("{} is missing", dir.join(KEY_FILE).display()),
        ));
    }
    checks.push(clock(&ledger));
    checks
}

fn broken_ledger(dir: &Path, e: &LedgerError) -> Check {
    let summary = match e {
        LedgerError::Damaged { seq, .. } => format!(
            "账本第 {seq} 条记录被改动或损坏（之前的记录完好）。请不要再启动服务器写入，先用 dianjiao restore 从备份恢复，并向县里报告。"
        ),
        _ => "账本无法读取或核对。请检查磁盘，必要时从备份恢复。".to_owned(),
    };
    let mut detail = format!("{}: {e}", dir.display());
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        detail.push_str(&format!(": {c}"));
        cause = c.source();
    }
    Check::new("ledger", Status::Action, summary, detail)
}

/// The system clock must not be behind the last entry: new entries would be stamped
/// earlier than old ones, and reports would put showings in the wrong month.
fn clock(ledger: &Ledger) -> Check {
    let now = OffsetDateTime::now_utc();
    let last = ledger
        .len()
        .checked_sub(1)
        .and_then(|seq| ledger.iter(seq).ok()?.next()?.ok());
    let Some(last) = last else {
        if let Some(check) = implausible(now) {
            return check;
        }
        return Check::new(
            "clock",
            Status::Ok,
            "系统时钟：账本还没有记录可比较。",
            format!("now {now}"),
        );
    };
    let Ok(at) = OffsetDateTime::parse(&last.at, &Rfc3339) else {
        return Check::new(
            "clock",
            Status::Action,
            "账本最后一条记录的时间无法读取。",
            format!("entry {} has at = {:?}", last.seq, last.at),
        );
    };
    let behind = (at - now).whole_seconds();
    let detail = format!(
        "system clock {}; last ledger entry (seq {}) at {}",
        now.format(&Rfc3339).unwrap_or_default(),
        last.seq,
        last.at
    );
    if let Some(check) = implausible(now) {
        return check;
    }
    if behind > CLOCK_SLACK_SECS {
        let summary = format!(
            "系统时钟比账本最后一条记录还早约 {} 分钟：新记录的时间会错。请校正时间（开启 NTP 对时：timedatectl set-ntp true）后再启动服务器。",
            (behind + 59) / 60
        );
        Check::new("clock", Status::Action, summary, detail)
    } else if last.payload.get(CLOCK_SUSPECT_FIELD).is_some() {
        Check::new(
            "clock",
            Status::Warn,
            "系统时钟现在正常，但账本最后一条记录是在时钟可疑时写下的（标有“时钟可疑”，其时间是按账本顺延估计的）。服务器下次记账时自动恢复。(the last entry was made while the clock was suspect; the clock looks right now)",
            format!("{detail}; {CLOCK_SUSPECT_FIELD}: {}", last.payload[CLOCK_SUSPECT_FIELD]),
        )
    } else {
        Check::new(
            "clock",
            Status::Ok,
            "系统时钟正常（不早于账本最后一条记录）。",
            detail,
        )
    }
}

/// A clock before 2020 or after 2060 is wrong whatever the ledger holds.
fn implausible(now: OffsetDateTime) -> Option<Check> {
    if (NOT_BEFORE..=NOT_AFTER).contains(&now) {
        return None;
    }
    let said = now.format(&Rfc3339).unwrap_or_default();
    Some(Check::new(
        "clock",
        Status::Action,
        format!("时钟可能不准：系统时钟显示 {said}，不可能是现在（主板电池没电、停电后时间常被重置到 2000 年）。请校正时间（timedatectl set-ntp true 或 date -s）。(the system clock reads {said}: set it right)"),
        format!("system clock {said}; plausible from {NOT_BEFORE} to {NOT_AFTER}"),
    ))
}

/// The running server's clock, as its watch sees it: suspect, with the sentence, or fine.
pub fn live_clock(clock: &LedgerClock) -> Check {
    let now = clock.now();
    match clock.suspect() {
        Some(s) => Check::new(
            "clock",
            Status::Action,
            s.sentence(),
            format!(
                "system clock {}; entries use {} (suspect since {}, {:?}), marked {CLOCK_SUSPECT_FIELD}",
                s.system_at.format(&Rfc3339).unwrap_or_default(),
                s.used_at.format(&Rfc3339).unwrap_or_default(),
                s.since.format(&Rfc3339).unwrap_or_default(),
                s.fault
            ),
        ),
        None => Check::new(
            "clock",
            Status::Ok,
            "系统时钟正常：没有倒退，也没有突然跳到将来。",
            format!("server clock {}", now.format(&Rfc3339).unwrap_or_default()),
        ),
    }
}

/// The data folder and the ledger key are the server's account's only, and it owns them.
pub fn permissions(settings: &Settings) -> Vec<Check> {
    let me = // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() };
    let mut checks = Vec::new();
    let private = [
        ("data_folder", settings.data.clone(), 0o700, "数据文件夹"),
        (
            "ledger_key",
            settings.ledger_dir().join(KEY_FILE),
            0o600,
            "账本签名密钥",
        ),
    ];
    for (id, path, want, what) in private {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let mode = meta.permissions().mode() & 0o777;
        let detail = format!(
            "{}: mode {mode:o} (want {want:o}), owner uid {} (this process {me})",
            path.display(),
            meta.uid()
        );
        let check = if meta.uid() != me && me != 0 {
            let summary = format!("{what}不属于运行检查的账户：服务器可能无法写入。请用服务器的账户运行，或改正所有者（chown）。");
            Check::new(id, Status::Action, summary, detail)
        } else if mode & 0o077 != 0 {
            let summary = format!("{what}其他用户也能读取（密码摘要、签名密钥会泄露）。请执行 chmod {want:o} {}（服务器启动时也会改正）。", path.display());
            Check::new(id, Status::Action, summary, detail)
        } else {
            Check::new(
                id,
                Status::Ok,
                format!("{what}只有服务器的账户能访问。"),
                detail,
            )
        };
        checks.push(check);
    }
    checks
}

/// Each library folder can be listed.
pub fn libraries(settings: &Settings) -> Vec<Check> {
    settings
        .library
        .iter()
        .map(|dir| {
            let id = format!("library:{}", dir.display());
            match std::fs::read_dir(dir) {
                Ok(entries) => Check::new(
                    id,
                    Status::Ok,
                    format!("片库文件夹可以读取：{}", dir.display()),
                    format!("{}: {} entries", dir.display(), entries.count()),
                ),
                Err(e) => Check::new(
                    id,
                    Status::Action,
                    format!(
                        "片库文件夹无法读取：{}。其中的影片不会入库，也无法播放。请检查它是否存在、U 盘或硬盘是否挂载，以及服务器账户的读取权限。",
                        dir.display()
                    ),
                    format!("{}: {e}", dir.display()),
                ),
            }
        })
        .collect()
}
