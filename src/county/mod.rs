//! The county's side of issue 18 (`serve --county`): registered townships and the ledger
//! entries of theirs the county has verified, kept in the county server's own sled database
//! (trees `county_townships`, `county_entries`, `county_nonces`), and the township's side:
//! the [`sender`] that pushes new entries up.
//!
//! Nothing is taken on trust. An import — a push or a file — must *extend* what the county
//! holds: the same entries up to the county's length, the chain intact, and it ends in a
//! checkpoint signed by the key the county admin registered (and confirmed by fingerprint).
//! A township whose history differs is `refused`, naming the first differing seq it can see,
//! and nothing of that import is merged; it stays refused (red on the dashboard) until the
//! county looks into it. The county's pages are built only from verified entries ([`view`]).

pub mod auth;
pub mod sender;
mod store;
mod tables;
#[cfg(test)]
mod tests;
mod verify;
pub mod view;

pub use store::{County, ImportOutcome, Refusal, Township, TownshipState};
pub use verify::Problem;

use crate::ledger::{CheckpointError, KeyError};

/// Why a county operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CountyError {
    #[error("县级数据读写失败（county storage failed）")]
    Store(#[from] sled::Error),
    #[error("县级记录无法解读（a county record is unreadable）")]
    Record(#[from] serde_json::Error),
    #[error("这台服务器不是县级服务器（this server is not a county server: start it with serve --county）")]
    NotCounty,
    #[error("找不到该乡镇（no township {0} is registered at the county）")]
    UnknownTownship(String),
    #[error("没有登记过这把账本密钥的乡镇（no registered township has this ledger key: register it at the county first）")]
    UnknownKey,
    #[error(
        "公钥格式不对（not a ledger public key: paste the line `dianjiao ledger key` prints）"
    )]
    BadKey(#[source] KeyError),
    #[error("这把密钥已登记为乡镇 {0}（this key is already registered, as township {0}）")]
    KeyTaken(String),
    #[error("乡镇名称应为 1 到 40 个字（a township's name is 1 to 40 characters）")]
    BadName,
    #[error("指纹不符：登记的密钥指纹是 {expected}（the fingerprint does not match the registered key's, {expected}: check the key with the township）")]
    FingerprintMismatch { expected: String },
    #[error("乡镇 {0} 的密钥指纹还没有确认，县里暂不接收它的数据（township {0}'s key fingerprint is not confirmed yet: the county admin confirms it once）")]
    NotConfirmed(String),
    #[error("检查点不是该乡镇登记的密钥签的（the checkpoint is not signed by the township's registered key）")]
    Checkpoint(#[source] CheckpointError),
    #[error("乡镇 {township} 已被拒收：{}（township {township} is refused: its history differs from what the county verified; nothing more is merged）", .refusal.reason)]
    Refused { township: String, refusal: Refusal },
    #[error("{0}")]
    Rejected(Problem),
    #[error("签名不对（the request's signature does not verify: {0}）")]
    BadSignature(&'static str),
    #[error("请求已过期或重复（the request is stale or was already used: {0}）")]
    Replay(&'static str),
    #[error("{0}")]
    Invalid(String),
}
