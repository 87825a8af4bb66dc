//! The ledger's Ed25519 key, made on first open, in the text forms of the C2SP signed-note
//! spec: `ledger.key` (mode 0600) holds `PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 ‖
//! seed)>`, `ledger.pub` beside it the verifier key `<name>+<key id hex>+<base64(0x01 ‖
//! public key)>` that the county keeps. The key id is the first 4 bytes of
//! `SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)`. The name is fixed when the key is made; it is
//! also the checkpoints' origin line.

use std::fmt;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// The private key file's name inside the ledger folder.
pub const KEY_FILE: &str = "ledger.key";
/// The verifier key file's name inside the ledger folder.
pub const PUBLIC_KEY_FILE: &str = "ledger.pub";
/// What every signature over a request to the county starts with (see
/// [`Ledger::sign_request`](super::Ledger::sign_request)).
pub const REQUEST_CONTEXT: &[u8] = b"dianjiao-county-request/v1\n";
/// The signed-note algorithm byte for Ed25519.
const ED25519: u8 = 0x01;

/// Why a key could not be made, read or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("密钥文件无法读写（cannot {what} {path}）")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("密钥格式不对（{0} is not a key in the signed-note format）")]
    Malformed(String),
    #[error("还没有签名密钥（no signing key in {0} yet: start the server once, or run a ledger command without the server running）")]
    Missing(PathBuf),
}

/// A verifier key: checks checkpoints signed by one ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    id: [u8; 4],
    key: VerifyingKey,
}

impl VerifierKey {
    /// The key's name, which is also its checkpoints' origin line.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 4-byte key id that starts each signature made by this key.
    pub fn key_id(&self) -> [u8; 4] {
        self.id
    }

    /// The key's fingerprint, to read aloud or compare by eye when a township is registered
    /// at the county: `SHA256:` and the first 16 bytes of the SHA-256 of the verifier key
    /// text, in groups of four hex digits.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::digest(self.to_string().as_bytes());
        let hex = hex::encode(&digest[..16]);
        let groups: Vec<&str> = (0..hex.len()).step_by(4).map(|i| &hex[i..i + 4]).collect();
        format!("SHA256:{}", groups.join("-"))
    }

    /// Checks a request signature made by [`Ledger::sign_request`](super::Ledger::sign_request).
    pub fn verifies_request(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        self.verifies(&[REQUEST_CONTEXT, message].concat(), signature)
    }

    /// Strict Ed25519 verification of `signature` over `message`.
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let signature = Signature::from_bytes(signature);
        self.key.verify_strict(message, &signature).is_ok()
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut raw = vec![ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        write!(
            f,
            "{}+{}+{}",
            self.name,
            hex::encode(self.id),
            B64.encode(raw)
        )
    }
}

impl FromStr for VerifierKey {
    type Err = KeyError;

    /// Parses `<name>+<key id hex>+<base64(0x01 ‖ public key)>`.
    fn from_str(text: &str) -> Result<VerifierKey, KeyError> {
        let bad = || KeyError::Malformed("the verifier key".into());
        // A name holds no `+`; base64 may.
        let mut parts = text.trim().splitn(3, '+');
        let (name, id, raw) = (parts.next(), parts.next(), parts.next());
        let (Some(raw), Some(id), Some(name)) = (raw, id, name) else {
            return Err(bad());
        };
        let raw = B64.decode(raw).map_err(|_| bad())?;
        let [ED25519, key @ ..] = raw.as_slice() else {
            return Err(bad());
        };
        let key: [u8; 32] = key.try_into().map_err(|_| bad())?;
        let key = VerifyingKey::from_bytes(&key).map_err(|_| bad())?;
        if !valid_name(name) || hex::encode(key_id(name, &key)) != id {
            return Err(bad());
        }
        let id = key_id(name, &key);
        let name = name.to_owned();
        Ok(VerifierKey { name, id, key })
    }
}

/// The signing half, kept by the ledger only.
pub(crate) struct Signer {
    name: String,
    id: [u8; 4],
    key: SigningKey,
}

impl Signer {
    fn generate(name: &str) -> Signer {
        Signer::from_parts(name, SigningKey::generate(&mut rand::rngs::OsRng))
    }

    fn parse(text: &str) -> Option<Signer> {
        let rest = text.trim().strip_prefix("PRIVATE+KEY+")?;
        let mut parts = rest.splitn(3, '+');
        let (name, id, raw) = (parts.next()?, parts.next()?, parts.next()?);
        let raw = B64.decode(raw).ok()?;
        let [ED25519, seed @ ..] = raw.as_slice() else {
            return None;
        };
        let key = SigningKey::from_bytes(&seed.try_into().ok()?);
        let signer = Signer::from_parts(name, key);
        (valid_name(name) && hex::encode(signer.id) == id).then_some(signer)
    }

    fn from_parts(name: &str, key: SigningKey) -> Signer {
        let id = key_id(name, &key.verifying_key());
        let name = name.to_owned();
        Signer { name, id, key }
    }

    fn encode(&self) -> String {
        let mut raw = vec![ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        let id = hex::encode(self.id);
        format!("PRIVATE+KEY+{}+{id}+{}\n", self.name, B64.encode(raw))
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn key_id(&self) -> [u8; 4] {
        self.id
    }

    pub(crate) fn verifier(&self) -> VerifierKey {
        let (name, id, key) = (self.name.clone(), self.id, self.key.verifying_key());
        VerifierKey { name, id, key }
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

/// The first 4 bytes of `SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)`.
fn key_id(name: &str, key: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ED25519]);
    h.update(key.as_bytes());
    let digest = h.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// A key name (and origin) per the signed-note spec: non-empty, no space, no `+`.
fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(|c: char| c.is_whitespace() || c == '+')
}

/// `dianjiao-ledger/<name>`, with spaces and `+` in `name` made `-`.
pub(crate) fn origin_for(name: &str) -> String {
    let clean: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_whitespace() || c == '+' {
                '-'
            } else {
                c
            }
        })
        .collect();
    let clean = if clean.is_empty() {
        "localhost".into()
    } else {
        clean
    };
    format!("dianjiao-ledger/{clean}")
}

/// This machine's host name (the default origin's last part).
pub(crate) fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// Reads the key of the ledger in `dir`, if one was made.
pub(crate) fn load(dir: &Path) -> Result<Option<Signer>, KeyError> {
    let path = dir.join(KEY_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(KeyError::Io {
                what: "read",
                path,
                source,
            })
        }
    };
    if let Ok(meta) = std::fs::metadata(&path) {
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                "{} can be read by other users; it should be mode 0600",
                path.display()
            );
        }
    }
    let signer =
        Signer::parse(&text).ok_or_else(|| KeyError::Malformed(path.display().to_string()))?;
    Ok(Some(signer))
}

/// Reads the key of the ledger in `dir`, making it (named `origin`) on first use, and
/// writes the verifier key file beside it when it is missing.
pub(crate) fn load_or_create(dir: &Path, origin: &str) -> Result<Signer, KeyError> {
    let signer = match load(dir)? {
        Some(s) => s,
        None => {
            let s = Signer::generate(origin);
            write_durably(dir, KEY_FILE, s.encode().as_bytes(), 0o600)?;
            s
        }
    };
    if !dir.join(PUBLIC_KEY_FILE).exists() {
        let text = format!("{}\n", signer.verifier());
        write_durably(dir, PUBLIC_KEY_FILE, text.as_bytes(), 0o644)?;
    }
    Ok(signer)
}

/// Writes a file under a temporary name, syncs it, renames it into place, syncs the folder.
fn write_durably(dir: &Path, name: &str, bytes: &[u8], mode: u32) -> Result<(), KeyError> {
    let path = dir.join(name);
    let tmp = dir.join(format!("{name}.new"));
    let io_err = |what, source| KeyError::Io {
        what,
        path: path.clone(),
        source,
    };
    let _ = std::fs::remove_file(&tmp);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&tmp)
        .map_err(|e| io_err("create", e))?;
    file.write_all(bytes).map_err(|e| io_err("write", e))?;
    file.sync_all().map_err(|e| io_err("sync", e))?;
    std::fs::rename(&tmp, &path).map_err(|e| io_err("rename into", e))?;
    sync_dir(dir).map_err(|e| io_err("sync the folder of", e))
}

/// Makes a new or renamed file's directory entry durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}
