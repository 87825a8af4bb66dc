//! Signed checkpoints in the C2SP tlog-checkpoint format: a signed note whose body is the
//! origin line, the tree size in decimal and the base64 root hash, then a blank line and the
//! signature line `— <key name> <base64(key id ‖ Ed25519 signature)>`. The signature covers
//! the body including its final newline.
//!
//! The ledger is a hash chain, not a Merkle tree: its **root hash** at size `n` is the `hash`
//! of entry `n - 1`, which commits to every entry before it; an empty ledger's root is 32 zero
//! bytes. The origin line is the key's name (`dianjiao-ledger/<host or configured name>`).

use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

use super::entry::ChainHash;
use super::keys::{Signer, VerifierKey};

/// The signature line's first characters: an em dash (U+2014) and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// A checkpoint whose signature has been made or checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: ChainHash,
    note: String,
}

/// Why a checkpoint was not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CheckpointError {
    #[error("检查点格式不对（not a checkpoint: {0}）")]
    Malformed(&'static str),
    #[error("检查点不是这把密钥签的（the checkpoint carries no signature by key {key})")]
    NotSignedBy { key: String },
    #[error(
        "检查点签名无效（the checkpoint's signature by {key} is not valid: the note was changed）"
    )]
    BadSignature { key: String },
    #[error("检查点来源不符（the checkpoint is for {found}, the key is {expected}'s）")]
    OriginMismatch { found: String, expected: String },
}

impl Checkpoint {
    /// Signs size and root with the ledger's key.
    pub(crate) fn sign(signer: &Signer, size: u64, root: ChainHash) -> Checkpoint {
        let origin = signer.name().to_owned();
        let body = body_text(&origin, size, root);
        let mut raw = signer.key_id().to_vec();
        raw.extend_from_slice(&signer.sign(body.as_bytes()));
        let note = format!(
            "{body}\n{SIG_PREFIX}{} {}\n",
            signer.name(),
            B64.encode(raw)
        );
        Checkpoint {
            origin,
            size,
            root,
            note,
        }
    }

    /// Reads a checkpoint note and checks that `key` signed it and that it is that key's
    /// ledger (origin = key name). Other signature lines (a witness's) are ignored.
    pub fn open(text: &str, key: &VerifierKey) -> Result<Checkpoint, CheckpointError> {
        let mut text = text.to_owned();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        let split = text.rfind("\n\n").ok_or(CheckpointError::Malformed(
            "no blank line before the signatures",
        ))?;
        let (body, signatures) = (&text[..split + 1], &text[split + 2..]);
        let mut lines = body.lines();
        let origin = lines.next().filter(|l| !l.is_empty());
        let origin = origin.ok_or(CheckpointError::Malformed("no origin line"))?;
        let size_line = lines.next().unwrap_or("");
        let size: u64 = size_line
            .parse()
            .ok()
            .filter(|n: &u64| n.to_string() == size_line)
            .ok_or(CheckpointError::Malformed(
                "the second line is not a tree size",
            ))?;
        let root = lines
            .next()
            .and_then(|l| B64.decode(l).ok())
            .and_then(|raw| <[u8; 32]>::try_from(raw).ok())
            .map(ChainHash)
            .ok_or(CheckpointError::Malformed(
                "the third line is not a base64 SHA-256 root",
            ))?;
        let signature = find_signature(signatures, key)?;
        if !key.verifies(body.as_bytes(), &signature) {
            let key = key.name().to_owned();
            return Err(CheckpointError::BadSignature { key });
        }
        if origin != key.name() {
            let (found, expected) = (origin.to_owned(), key.name().to_owned());
            return Err(CheckpointError::OriginMismatch { found, expected });
        }
        let origin = origin.to_owned();
        Ok(Checkpoint {
            origin,
            size,
            root,
            note: text,
        })
    }

    /// The origin line: which ledger this is.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// How many entries it covers (seq 0 to size − 1).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The hash of entry `size - 1` (zero when `size` is 0).
    pub fn root(&self) -> ChainHash {
        self.root
    }

    /// The whole signed note, as written to a file or served.
    pub fn as_note(&self) -> &str {
        &self.note
    }
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.note)
    }
}

fn body_text(origin: &str, size: u64, root: ChainHash) -> String {
    format!("{origin}\n{size}\n{}\n", B64.encode(root.0))
}

/// The signature by `key` among the signature lines.
fn find_signature(lines: &str, key: &VerifierKey) -> Result<[u8; 64], CheckpointError> {
    if lines.is_empty() {
        return Err(CheckpointError::Malformed("no signature line"));
    }
    for line in lines.lines() {
        let rest = line
            .strip_prefix(SIG_PREFIX)
            .ok_or(CheckpointError::Malformed(
                "a signature line must start with an em dash",
            ))?;
        let (name, sig) = rest.split_once(' ').ok_or(CheckpointError::Malformed(
            "a signature line needs a name and a signature",
        ))?;
        let raw = B64
            .decode(sig)
            .map_err(|_| CheckpointError::Malformed("a signature is not base64"))?;
        if name != key.name() || raw.len() < 4 || raw[..4] != key.key_id() {
            continue;
        }
        return <[u8; 64]>::try_from(&raw[4..]).map_err(|_| CheckpointError::BadSignature {
            key: key.name().to_owned(),
        });
    }
    Err(CheckpointError::NotSignedBy {
        key: key.name().to_owned(),
    })
}
