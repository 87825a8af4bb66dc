//! What can go wrong with the ledger log, worded for a township clerk (Chinese, then English).

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use super::entry::DraftError;
use super::keys::KeyError;

/// Why a ledger operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("账本文件无法读写（cannot {what} {path}）")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("账本正被另一个 dianjiao 进程使用（the ledger in {0} is in use by another dianjiao process; stop the server first）")]
    InUse(PathBuf),
    #[error("账本文件 {0} 不见了，但它的签名密钥还在：请从备份恢复，不会另起一本空账（the ledger log {0} is missing but its signing key is there: restore the log from the backup; a new, empty ledger is not started over lost history）")]
    LogMissing(PathBuf),
    #[error("{0} 不是电教账本文件（not a dianjiao ledger log: its header is wrong）")]
    NotALedger(PathBuf),
    /// Found on open or by `verify`: the entries before `seq` are intact.
    #[error("账本第 {seq} 条损坏，之前的条目完好（ledger entry seq {seq} is damaged, at byte {offset} of the log; the entries before it are intact）")]
    Damaged {
        seq: u64,
        offset: u64,
        #[source]
        damage: Damage,
    },
    #[error("条目无效，未写入（the entry was refused, nothing was written）")]
    Draft(#[from] DraftError),
    /// The append that met the disk error; every later one gets `Stopped`.
    #[error("账本{during}失败，已停止接收新条目，重启服务后才能继续（the ledger could not {during_en} its log and takes no more entries until restart）")]
    Failed {
        during: &'static str,
        during_en: &'static str,
        #[source]
        source: Arc<io::Error>,
    },
    #[error("账本因之前的磁盘错误已停止写入，请检查磁盘后重启服务（the ledger stopped taking entries after a disk error; check the disk and restart the server）")]
    Stopped {
        #[source]
        source: Arc<io::Error>,
    },
    #[error("只读打开的账本不能写入（this ledger was opened read-only）")]
    ReadOnly,
    #[error("账本只有 {len} 条，没有第 {seq} 条（no entry with seq {seq}: the ledger has {len}）")]
    NoSuchSeq { seq: u64, len: u64 },
    #[error("账本签名密钥有问题（the ledger's signing key）")]
    Key(#[from] KeyError),
    #[error("导出文件写入失败（cannot write the export）")]
    ExportWrite(#[source] io::Error),
}

/// What is wrong with a damaged frame of the log.
#[derive(Debug, thiserror::Error)]
pub enum Damage {
    #[error("校验和不符（its checksum (CRC-32) does not match its bytes）")]
    BadCrc,
    #[error("帧长度不可能（impossible frame length {0}）")]
    BadLength(u32),
    #[error("内容无法解读（the entry cannot be read）")]
    Unreadable(#[source] serde_json::Error),
    #[error("序号不符（it holds seq {found}）")]
    WrongSeq { found: u64 },
    #[error("与前一条的链接断了（its prev_hash is not the previous entry's hash）")]
    BrokenLink,
    #[error("哈希与内容不符（its hash does not match its contents: the entry was changed）")]
    Altered,
    #[error("文件比运行中的账本短（the log file ends before this entry, which the running ledger had written）")]
    Missing,
    #[error("链条不再以本账本封存的哈希结尾（the chain no longer ends in the hash this ledger sealed: entries were rewritten）")]
    Rewritten,
}
