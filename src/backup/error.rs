//! What can go wrong in a backup or a restore, worded for the township's operator.

use std::path::{Path, PathBuf};

use crate::ledger::{CheckpointError, KeyError, LedgerError};

/// Why a backup or a restore failed; worded for the township's operator.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("无法写入 {path}（cannot write the backup or the new data folder）")]
    Target {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("无法读取 {path}（cannot read from the data folder or the backup）")]
    Source {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("服务器的控制接口 {path} 无法使用：请以服务器的账户运行备份（cannot talk to the running server over its control socket; run the backup as the server's user）")]
    Control {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("数据文件夹被另一个进程占用，但它没有回应备份请求：请先升级或重启服务器（the data folder is in use by a process that does not answer on control.sock: restart the server with this version）")]
    NoControl,
    #[error("服务器没能做出快照：{0}（the server could not make the snapshot）")]
    Server(String),
    #[error("无法打开数据文件夹")]
    Open(#[from] crate::app::OpenError),
    #[error("数据库读写出错（database error）")]
    Db(#[from] sled::Error),
    #[error("账本出错（ledger error）")]
    Ledger(#[from] LedgerError),
    #[error("账本签名密钥出错（ledger key error）")]
    Key(#[from] KeyError),
    #[error("备份中的账本检查点不对（the backup's ledger checkpoint does not check out）")]
    Checkpoint(#[from] CheckpointError),
    #[error("复制的账本有 {found} 条，检查点说 {expected} 条（the copied ledger does not match its checkpoint）")]
    LedgerMismatch { expected: u64, found: u64 },
    #[error("账本没有接续上次备份的内容：第 {seq} 条与上次备份不同，或账本变短了；请先查明原因，不会覆盖上次的备份（the ledger does not extend the one in the last backup at seq {seq}; the last backup is kept）")]
    LedgerDiverged { seq: u64 },
    #[error("数据库快照写出失败（cannot write the database dump）")]
    DumpWrite(#[source] std::io::Error),
    #[error("数据库快照读入失败（cannot read the database dump）")]
    DumpRead(#[source] std::io::Error),
    #[error("数据库快照格式不对（the database dump is not valid JSON Lines）")]
    DumpFormat(#[source] serde_json::Error),
    #[error("数据库快照不完整：{0}（the database dump is broken）")]
    DumpBroken(&'static str),
    #[error("{0} 不是 dianjiao 的备份文件夹，也不是空文件夹（not a dianjiao backup folder, and not empty: nothing was written）")]
    NotABackup(PathBuf),
    #[error("备份由更新版本的 dianjiao 制作（格式版本 {0}），请用新版本恢复（made by a newer dianjiao; restore it with that version）")]
    TooNew(u32),
    #[error("备份文件夹 {backup} 和数据文件夹 {data} 不能互相包含：请把备份放在数据文件夹之外，最好在另一块磁盘上（the backup folder and the data folder must not contain each other）")]
    Nested { data: PathBuf, backup: PathBuf },
    #[error(
        "{0} 不是空文件夹：恢复只写入新的空文件夹（restore writes only into a new, empty folder）"
    )]
    NotEmpty(PathBuf),
    #[error("备份说明文件无法读写（cannot read or write the manifest）")]
    Manifest(#[source] serde_json::Error),
    #[error("无法整理片库记录（cannot update the catalog of the restored folder）")]
    Catalog(#[from] media_catalog::CatalogError),
}

impl BackupError {
    pub(crate) fn target(path: &Path, source: std::io::Error) -> Self {
        BackupError::Target {
            path: path.to_owned(),
            source,
        }
    }

    pub(crate) fn source(path: &Path, source: std::io::Error) -> Self {
        BackupError::Source {
            path: path.to_owned(),
            source,
        }
    }
}
