//! Bringing field records home: parse the file, check the chain and the rules, then append
//! each record not imported before as its own entry, and one `field_kit` entry for the
//! import. All checks run before the first append: a refused file appends nothing.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::chain::{self, FieldRecord, RecordsFile, RECORDS_FORMAT};
use super::manifest::Manifest;
use super::rules::{self, Accepted, Span};
use super::{KitError, Kits};
use crate::ledger::{Draft, EntryKind, ORIGIN_FIELD};
use crate::records::{
    Discussion, PastoralSession, SameDay, Signin, Source, Viewing, ViewingStatus,
};

/// The `origin` of field records.
pub const FIELD_KIT: &str = "field_kit";

/// What an import did.
#[derive(Clone, Debug, Serialize)]
pub struct ImportReport {
    pub kit_id: String,
    pub station_id: String,
    /// Records in the file.
    pub records: usize,
    /// Records appended now.
    pub added: usize,
    /// Records imported before (skipped).
    pub already: usize,
    /// The entries appended for the records, in order.
    pub entries: Vec<u64>,
    /// The `field_kit` entry of this import (none when nothing was added).
    pub import_seq: Option<u64>,
}

/// What the register keeps per imported record (`kit_records`: kit id, NUL, record hash).
#[derive(Serialize, Deserialize)]
struct Imported {
    seq: u64,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
}

impl Kits {
    /// Imports a records file (its bytes). One import at a time; `kit_imports_per_hour`.
    pub fn import(&self, bytes: &[u8]) -> Result<ImportReport, KitError> {
        let mut recent = self.imports.lock().unwrap_or_else(|p| p.into_inner());
        let hour = Duration::from_secs(3600);
        while recent.front().is_some_and(|t| t.elapsed() > hour) {
            recent.pop_front();
        }
        if recent.len() >= self.settings.imports_per_hour.max(1) as usize {
            let wait = recent
                .front()
                .map_or(hour, |t| hour.saturating_sub(t.elapsed()));
            return Err(KitError::TooMany {
                retry_after_secs: wait.as_secs().max(1),
            });
        }
        recent.push_back(Instant::now());
        self.import_locked(bytes)
    }

    fn import_locked(&self, bytes: &[u8]) -> Result<ImportReport, KitError> {
        let file: RecordsFile = serde_json::from_slice(bytes).map_err(|_| KitError::NotRecords)?;
        if file.format != RECORDS_FORMAT {
            return Err(KitError::NotRecords);
        }
        let stored = self
            .get(&file.kit_id)?
            .ok_or_else(|| KitError::UnknownKit(file.kit_id.chars().take(64).collect()))?;
        // The register's copy must be the one signed when the kit was made.
        let kit = stored
            .manifest()
            .filter(|m| {
                super::manifest::signature_holds(
                    &m.public_key,
                    &stored.manifest_json,
                    &stored.signature,
                )
            })
            .ok_or_else(|| KitError::UnknownKit(file.kit_id.chars().take(64).collect()))?;
        let records = chain::verify(&kit.kit_id, &file.records).map_err(KitError::ChainBroken)?;
        let (done, prior) = self.imported_before(&kit.kit_id)?;
        let accepted =
            rules::check(&kit, &records, &prior, self.ledger.now()).map_err(KitError::Refused)?;
        let mut report = ImportReport {
            kit_id: kit.kit_id.clone(),
            station_id: kit.station_id.clone(),
            records: records.len(),
            added: 0,
            already: 0,
            entries: Vec::new(),
            import_seq: None,
        };
        for (record, ok) in &accepted {
            if done.contains(&record.hash) {
                report.already += 1;
                continue;
            }
            let seq = self.append_record(&kit, record, ok)?;
            report.entries.push(seq);
            report.added += 1;
        }
        if report.added > 0 {
            report.import_seq = Some(self.append_import(&kit, bytes, &records, &report)?);
        }
        Ok(report)
    }

    /// The hashes imported before from `kit_id`, and the spans of its showings and sessions.
    fn imported_before(&self, kit_id: &str) -> Result<(HashSet<String>, Vec<Span>), KitError> {
        let prefix = [kit_id.as_bytes(), b"\0"].concat();
        let (mut hashes, mut spans) = (HashSet::new(), Vec::new());
        for item in self.imported.scan_prefix(&prefix) {
            let (k, v) = item?;
            let hash = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
            let rec: Imported = serde_json::from_slice(&v)?;
            let parse = |s: &Option<String>| {
                s.as_deref().and_then(|s| {
                    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
                })
            };
            if let (Some(start), Some(end)) = (parse(&rec.start), parse(&rec.end)) {
                spans.push(Span {
                    hash: hash.clone(),
                    start,
                    end,
                });
            }
            hashes.insert(hash);
        }
        Ok((hashes, spans))
    }

    fn append_record(
        &self,
        kit: &Manifest,
        record: &FieldRecord,
        ok: &Accepted<'_>,
    ) -> Result<u64, KitError> {
        let (kind, mut payload, span) = self.payload(kit, ok)?;
        if let Value::Object(fields) = &mut payload {
            fields.insert(ORIGIN_FIELD.into(), json!(FIELD_KIT));
            fields.insert("kit_id".into(), json!(kit.kit_id));
            fields.insert("kit_seq".into(), json!(record.seq));
            fields.insert("kit_hash".into(), json!(record.hash));
        }
        let entry = self
            .ledger
            .append(Draft::new(kind, Some(&kit.station_id), payload))?;
        let imported = Imported {
            seq: entry.seq,
            start: span.map(|s| rules::stamp(s.0)),
            end: span.map(|s| rules::stamp(s.1)),
        };
        let key = [kit.kit_id.as_bytes(), b"\0", record.hash.as_bytes()].concat();
        self.imported.insert(key, serde_json::to_vec(&imported)?)?;
        // Flushed per record: an import cut short by a crash is resumed, not repeated.
        self.imported.flush()?;
        Ok(entry.seq)
    }

    #[allow(clippy::type_complexity)]
    fn payload(
        &self,
        kit: &Manifest,
        ok: &Accepted<'_>,
    ) -> Result<(EntryKind, Value, Option<(OffsetDateTime, OffsetDateTime)>), KitError> {
        let day = |t: OffsetDateTime| {
            let d = self.days.date_of(t);
            SameDay::new(d, d)
        };
        let play_id = |showing: &str| format!("{}-{showing}", kit.kit_id);
        Ok(match ok {
            Accepted::Showing {
                id,
                film,
                start,
                end,
                watched_s,
                furthest_s,
                signins,
            } => {
                let status = if *watched_s >= self.settings.play_min_secs {
                    ViewingStatus::Showing
                } else {
                    ViewingStatus::Aborted
                };
                let v = Viewing {
                    play_id: play_id(id),
                    station_id: Some(kit.station_id.clone()),
                    film_id: film.id.clone(),
                    film_title: film.title.clone(),
                    started_at: rules::stamp(*start),
                    ended_at: rules::stamp(*end),
                    watched_s: *watched_s,
                    furthest_position_s: *furthest_s,
                    duration_s: film.duration_s,
                    source: Source::FieldKit,
                    inferred: false,
                    signins: *signins,
                    status,
                    client: None,
                };
                (
                    EntryKind::Viewing,
                    serde_json::to_value(v)?,
                    Some((*start, *end)),
                )
            }
            Accepted::Signin {
                showing,
                film,
                member,
                at,
            } => {
                let s = Signin {
                    play_id: play_id(showing),
                    film_id: film.id.clone(),
                    film_title: film.title.clone(),
                    member_id: member.id.clone(),
                    member_name: member.name.clone(),
                    member_no: member.member_no.clone(),
                    day: day(*at),
                };
                let mut v = serde_json::to_value(s)?;
                v["recorded_at"] = json!(rules::stamp(*at));
                (EntryKind::Signin, v, None)
            }
            Accepted::Discussion {
                showing,
                film,
                text,
                at,
            } => {
                let d = Discussion {
                    play_id: play_id(showing),
                    film_id: film.id.clone(),
                    film_title: film.title.clone(),
                    text: text.clone(),
                    day: day(*at),
                };
                let mut v = serde_json::to_value(d)?;
                v["recorded_at"] = json!(rules::stamp(*at));
                (EntryKind::Discussion, v, None)
            }
            Accepted::Session { start, end, topic } => {
                let secs = (*end - *start).whole_seconds().max(0) as f64;
                let p = PastoralSession {
                    hours: (secs / 3600.0 * 10_000.0).round() / 10_000.0,
                    place: format!("{}（牧区放映包）", kit.station_name),
                    note: if topic.is_empty() {
                        "授课".into()
                    } else {
                        format!("授课：{topic}")
                    },
                    day: day(*start),
                };
                let mut v = serde_json::to_value(p)?;
                v["started_at"] = json!(rules::stamp(*start));
                v["ended_at"] = json!(rules::stamp(*end));
                (EntryKind::PastoralSession, v, Some((*start, *end)))
            }
        })
    }

    fn append_import(
        &self,
        kit: &Manifest,
        bytes: &[u8],
        records: &[FieldRecord],
        report: &ImportReport,
    ) -> Result<u64, KitError> {
        let payload = json!({
            "action": "imported",
            "kit_id": kit.kit_id,
            "file_sha256": hex::encode(Sha256::digest(bytes)),
            "records": report.records,
            "added": report.added,
            "already": report.already,
            "chain_head": records.last().map(|r| r.hash.clone()),
            "first_entry": report.entries.first(),
            "last_entry": report.entries.last(),
        });
        let entry = self.ledger.append(Draft::new(
            EntryKind::FieldKit,
            Some(&kit.station_id),
            payload,
        ))?;
        Ok(entry.seq)
    }
}
