//! The county's store: registered townships (`county_townships`: id → record) and their
//! verified entries (`county_entries`: township id ‖ 0 ‖ seq (big-endian) → the entry's JSON
//! line as the township's ledger wrote it). One import at a time, so two pushes of one
//! township cannot both extend the same length.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::verify::{self, Extension, Held, Problem};
use super::view::CountyYear;
use super::CountyError;
use crate::ledger::{ChainHash, Checkpoint, VerifierKey};

/// Whether the county takes a township's entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TownshipState {
    /// Registered; its key's fingerprint is not confirmed yet: nothing is taken.
    Unconfirmed,
    /// Everything it sent extended what the county holds.
    Ok,
    /// Its history differs from what the county verified: nothing more is merged.
    Refused,
}

/// Why a township was refused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refusal {
    /// The first differing seq the county could see.
    pub seq: u64,
    pub reason: String,
    /// When (RFC 3339 UTC).
    pub at: String,
}

/// A registered township.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Township {
    /// County-made (`tw_` + 10 hex digits).
    pub id: String,
    pub name: String,
    /// Its ledger's verifier key, as `dianjiao ledger key` prints it.
    pub key: String,
    pub fingerprint: String,
    pub state: TownshipState,
    /// Entries verified and held (seq 0 to len − 1).
    pub verified_len: u64,
    /// The hash of entry `verified_len − 1` (zeros when none).
    pub root: ChainHash,
    /// The last checkpoint taken (signed note).
    pub checkpoint: Option<String>,
    pub refusal: Option<Refusal>,
    pub registered_at: String,
    pub last_import_at: Option<String>,
}

impl Township {
    /// The last verified seq, if any.
    pub fn last_verified_seq(&self) -> Option<u64> {
        self.verified_len.checked_sub(1)
    }

    fn verifier(&self) -> Result<VerifierKey, CountyError> {
        self.key.parse().map_err(CountyError::BadKey)
    }
}

/// What an import did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImportOutcome {
    pub township: String,
    /// Entries added by this import.
    pub added: u64,
    pub verified_len: u64,
    /// The first seq the import held.
    pub from_seq: Option<u64>,
}

/// The county's townships and their verified entries.
pub struct County {
    townships: sled::Tree,
    entries: sled::Tree,
    pub(super) nonces: sled::Tree,
    db: sled::Db,
    import: Mutex<()>,
    /// Bumped by every change of the entries or states: the view's cache key.
    generation: AtomicU64,
    /// Views of a year, with the generation they were made at.
    pub(super) cache: Mutex<HashMap<i32, (u64, Arc<CountyYear>)>>,
}

/// Now, RFC 3339 UTC to the second.
pub(super) fn now() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

pub(super) fn entry_key(township: &str, seq: u64) -> Vec<u8> {
    [township.as_bytes(), b"\0", &seq.to_be_bytes()].concat()
}

impl County {
    /// Opens the county trees of `db`.
    pub fn open(db: &sled::Db) -> Result<County, CountyError> {
        Ok(County {
            townships: db.open_tree("county_townships")?,
            entries: db.open_tree("county_entries")?,
            nonces: db.open_tree("county_nonces")?,
            db: db.clone(),
            import: Mutex::new(()),
            generation: AtomicU64::new(1),
            cache: Mutex::default(),
        })
    }

    /// Changes so far (the view's cache key).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Registers a township by its ledger's public key; its fingerprint must then be
    /// confirmed once ([`County::confirm`]) before anything of it is taken.
    pub fn register(&self, name: &str, key: &str) -> Result<Township, CountyError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 40 || name.chars().any(char::is_control) {
            return Err(CountyError::BadName);
        }
        let key: VerifierKey = key.trim().parse().map_err(CountyError::BadKey)?;
        let _one = self.import.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = self.list()?.into_iter().find(|t| t.key == key.to_string()) {
            return Err(CountyError::KeyTaken(t.id));
        }
        let township = Township {
            id: format!("tw_{}", hex::encode(rand::random::<[u8; 5]>())),
            name: name.to_owned(),
            key: key.to_string(),
            fingerprint: key.fingerprint(),
            state: TownshipState::Unconfirmed,
            verified_len: 0,
            root: ChainHash::ZERO,
            checkpoint: None,
            refusal: None,
            registered_at: now(),
            last_import_at: None,
        };
        self.put(&township)?;
        Ok(township)
    }

    /// Confirms a township's key by its fingerprint, as read out by the township.
    pub fn confirm(&self, id: &str, fingerprint: &str) -> Result<Township, CountyError> {
        let _one = self.import.lock().unwrap_or_else(|p| p.into_inner());
        let mut t = self.require(id)?;
        let normal = |s: &str| s.trim().to_ascii_lowercase().replace([' ', '-', ':'], "");
        if normal(fingerprint) != normal(&t.fingerprint) {
            return Err(CountyError::FingerprintMismatch {
                expected: t.fingerprint,
            });
        }
        if t.state == TownshipState::Unconfirmed {
            t.state = TownshipState::Ok;
            self.put(&t)?;
        }
        Ok(t)
    }

    /// Every registered township, by name.
    pub fn list(&self) -> Result<Vec<Township>, CountyError> {
        let mut all = self
            .townships
            .iter()
            .values()
            .map(|v| Ok(serde_json::from_slice(&v?)?))
            .collect::<Result<Vec<Township>, CountyError>>()?;
        all.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(all)
    }

    /// One township.
    pub fn get(&self, id: &str) -> Result<Option<Township>, CountyError> {
        match self.townships.get(id.as_bytes())? {
            Some(v) => Ok(Some(serde_json::from_slice(&v)?)),
            None => Ok(None),
        }
    }

    fn require(&self, id: &str) -> Result<Township, CountyError> {
        self.get(id)?
            .ok_or_else(|| CountyError::UnknownTownship(id.to_owned()))
    }

    /// The township whose registered key is exactly `key` (a verifier key's text).
    pub fn by_key(&self, key: &str) -> Result<Township, CountyError> {
        let key: VerifierKey = key.trim().parse().map_err(CountyError::BadKey)?;
        let key = key.to_string();
        self.list()?
            .into_iter()
            .find(|t| t.key == key)
            .ok_or(CountyError::UnknownKey)
    }

    /// The township that signed `note` (a file's checkpoint): the one whose key opens it.
    pub fn by_checkpoint(&self, note: &str) -> Result<(Township, Checkpoint), CountyError> {
        let mut last = CountyError::UnknownKey;
        for t in self.list()? {
            match Checkpoint::open(note, &t.verifier()?) {
                Ok(cp) => return Ok((t, cp)),
                Err(e @ crate::ledger::CheckpointError::BadSignature { .. }) => {
                    last = CountyError::Checkpoint(e)
                }
                Err(_) => {}
            }
        }
        Err(last)
    }

    fn put(&self, t: &Township) -> Result<(), CountyError> {
        self.townships
            .insert(t.id.as_bytes(), serde_json::to_vec(t)?)?;
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// Verifies an import of township `id` — JSON Lines `lines` ending at the signed
    /// checkpoint `note` — and merges what it adds. A history that differs refuses the
    /// township (stored) and returns [`CountyError::Refused`]; nothing of it is merged.
    pub fn import(&self, id: &str, lines: &[u8], note: &str) -> Result<ImportOutcome, CountyError> {
        let _one = self.import.lock().unwrap_or_else(|p| p.into_inner());
        let mut t = self.require(id)?;
        match t.state {
            TownshipState::Unconfirmed => return Err(CountyError::NotConfirmed(t.id)),
            TownshipState::Refused => return Err(refused(&t)),
            TownshipState::Ok => {}
        }
        let checkpoint = Checkpoint::open(note, &t.verifier()?).map_err(CountyError::Checkpoint)?;
        let held = HeldOf {
            county: self,
            township: &t,
        };
        let ext: Extension = match verify::check(&held, lines, &checkpoint)? {
            Ok(ext) => ext,
            Err(Problem::Differs { seq, why }) => {
                let reason = Problem::Differs { seq, why }.to_string();
                t.state = TownshipState::Refused;
                t.refusal = Some(Refusal {
                    seq,
                    reason,
                    at: now(),
                });
                self.put(&t)?;
                self.db.flush()?;
                tracing::warn!(township = %t.id, seq, "township refused: its history differs");
                return Err(refused(&t));
            }
            Err(other) => return Err(CountyError::Rejected(other)),
        };
        let added = ext.new.len() as u64;
        let mut batch = sled::Batch::default();
        for (seq, line) in &ext.new {
            batch.insert(entry_key(&t.id, *seq), line.as_slice());
        }
        self.entries.apply_batch(batch)?;
        if ext.len > t.verified_len {
            t.verified_len = ext.len;
            t.root = ext.root;
            t.checkpoint = Some(checkpoint.as_note().to_owned());
        }
        t.last_import_at = Some(now());
        self.put(&t)?;
        // Verified entries are the county's record: durable before the township hears "ok".
        self.db.flush()?;
        Ok(ImportOutcome {
            township: t.id,
            added,
            verified_len: t.verified_len,
            from_seq: ext.first,
        })
    }

    /// Township `id`'s verified entries (JSON lines), oldest first, to `each`.
    pub fn each_entry(
        &self,
        id: &str,
        mut each: impl FnMut(&[u8]) -> Result<(), CountyError>,
    ) -> Result<(), CountyError> {
        let prefix = [id.as_bytes(), b"\0"].concat();
        for kv in self.entries.scan_prefix(prefix) {
            let (_, v) = kv?;
            each(&v)?;
        }
        Ok(())
    }
}

fn refused(t: &Township) -> CountyError {
    let refusal = t.refusal.clone().unwrap_or(Refusal {
        seq: t.verified_len,
        reason: String::new(),
        at: String::new(),
    });
    CountyError::Refused {
        township: t.id.clone(),
        refusal,
    }
}

/// What the county holds of one township, for [`verify::check`].
struct HeldOf<'a> {
    county: &'a County,
    township: &'a Township,
}

impl Held for HeldOf<'_> {
    fn len(&self) -> u64 {
        self.township.verified_len
    }

    fn root(&self) -> ChainHash {
        self.township.root
    }

    fn hash_at(&self, seq: u64) -> Result<Option<ChainHash>, CountyError> {
        #[derive(Deserialize)]
        struct HashOnly {
            hash: ChainHash,
        }
        let key = entry_key(&self.township.id, seq);
        match self.county.entries.get(key)? {
            Some(v) => Ok(Some(serde_json::from_slice::<HashOnly>(&v)?.hash)),
            None => Ok(None),
        }
    }
}
