//! Reading the entries an index query named: runs of nearby seqs are read in one pass of
//! the log, each entry decoded into its record type and marked with its corrections.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::index::{report_date, Index};
use super::ReportsError;
use crate::ledger::{Entry, EntryKind, Ledger};
use crate::records::{
    Days, Discussion, Feedback, InfoReport, LocalDate, PastoralSession, Photo, Plan,
    ProductionDelivered, Signin, Viewing,
};

/// Seqs this far apart are read in one pass rather than by seeking again.
const GAP: u64 = 2048;
/// From this many entries a query reads (and a register makes its rows from) two halves on
/// two threads. Unit tests use both halves on their small scripted year; the black-box
/// tests the single pass.
pub const PARALLEL_FROM: usize = if cfg!(test) { 4 } else { 20_000 };

/// An entry's payload, decoded.
#[derive(Clone, Debug)]
pub enum Record {
    Viewing(Viewing),
    Signin(Signin),
    Discussion(Discussion),
    Feedback(Feedback),
    InfoReport(InfoReport),
    Plan(Plan),
    Production(ProductionDelivered),
    Pastoral(PastoralSession),
    Photo(Photo),
    /// Another kind, or a payload that does not decode.
    Other,
}

/// A later `correction` entry that withdraws this one: shown 已更正, never counted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Corrected {
    /// The correction's seq.
    pub by: u64,
    pub reason: String,
}

/// One ledger entry as the reports see it.
#[derive(Clone, Debug)]
pub struct Item {
    pub seq: u64,
    /// The entry's `at` (RFC 3339 UTC).
    pub at: String,
    pub station: Option<String>,
    /// The local date the entry is reported under.
    pub date: LocalDate,
    pub record: Record,
    pub corrected: Option<Corrected>,
    /// The payload's `origin` mark (`field_kit` for records imported from a field kit,
    /// `demo` for the demo year), if any.
    pub origin: Option<String>,
}

impl Item {
    /// Counted in totals: not withdrawn by a correction.
    pub fn counts(&self) -> bool {
        self.corrected.is_none()
    }
}

/// Reads the entries `seqs` (ascending) from the log and decodes them.
pub fn load(
    ledger: &Ledger,
    index: &Index,
    days: &Days,
    seqs: &BTreeSet<u64>,
) -> Result<Vec<Item>, ReportsError> {
    let corrections = corrections(ledger, index, seqs)?;
    if seqs.len() < PARALLEL_FROM {
        return decoded(ledger, days, seqs, &corrections);
    }
    // Reading is checking every hash and parsing every entry: two halves on two threads.
    let half = seqs.len() / 2;
    let first: BTreeSet<u64> = seqs.iter().take(half).copied().collect();
    let second: BTreeSet<u64> = seqs.iter().skip(half).copied().collect();
    let (a, b) = std::thread::scope(|s| {
        let other = s.spawn(|| decoded(ledger, days, &second, &corrections));
        let mine = decoded(ledger, days, &first, &corrections);
        (mine, other.join())
    });
    let mut items = a?;
    items.extend(
        b.map_err(|_| ReportsError::Invalid("读取线程失败（a reading thread failed）".into()))??,
    );
    Ok(items)
}

fn decoded(
    ledger: &Ledger,
    days: &Days,
    seqs: &BTreeSet<u64>,
    corrections: &HashMap<u64, Corrected>,
) -> Result<Vec<Item>, ReportsError> {
    let mut items = Vec::with_capacity(seqs.len());
    read_each(ledger, seqs, |entry| {
        if let Some(date) = report_date(&entry, days) {
            items.push(Item {
                origin: origin_of(&entry),
                seq: entry.seq,
                corrected: corrections.get(&entry.seq).cloned(),
                date,
                record: decode(entry.kind, entry.seq, entry.payload),
                at: entry.at,
                station: entry.station,
            });
        }
    })?;
    Ok(items)
}

/// One entry as the reports see it, read from somewhere other than this server's ledger
/// (the county's verified copies of a township's entries); `None` without a report date.
pub fn item_of(entry: Entry, days: &Days, corrected: Option<Corrected>) -> Option<Item> {
    let date = report_date(&entry, days)?;
    Some(Item {
        origin: origin_of(&entry),
        seq: entry.seq,
        corrected,
        date,
        record: decode(entry.kind, entry.seq, entry.payload),
        at: entry.at,
        station: entry.station,
    })
}

/// The payload's `origin` mark, if it has one.
fn origin_of(entry: &Entry) -> Option<String> {
    entry.payload[crate::ledger::ORIGIN_FIELD]
        .as_str()
        .map(str::to_owned)
}

/// The entries `seqs`, in order.
pub fn read(ledger: &Ledger, seqs: &BTreeSet<u64>) -> Result<Vec<Entry>, ReportsError> {
    let mut out = Vec::with_capacity(seqs.len());
    read_each(ledger, seqs, |e| out.push(e))?;
    Ok(out)
}

/// Hands the entries `seqs` to `each`, in order, as they are read.
fn read_each(
    ledger: &Ledger,
    seqs: &BTreeSet<u64>,
    mut each: impl FnMut(Entry),
) -> Result<(), ReportsError> {
    let mut wanted = seqs
        .iter()
        .copied()
        .filter(|&s| s < ledger.len())
        .peekable();
    while let Some(&first) = wanted.peek() {
        let mut iter = ledger.iter(first)?;
        let mut at = first;
        while let Some(&next) = wanted.peek() {
            if next - at > GAP {
                break;
            }
            wanted.next();
            for entry in iter.by_ref() {
                let entry = entry?;
                at = entry.seq;
                if entry.seq == next {
                    each(entry);
                    break;
                }
            }
        }
    }
    Ok(())
}

/// The latest correction of each of `seqs` that has one.
fn corrections(
    ledger: &Ledger,
    index: &Index,
    seqs: &BTreeSet<u64>,
) -> Result<HashMap<u64, Corrected>, ReportsError> {
    let (Some(&first), Some(&last)) = (seqs.first(), seqs.last()) else {
        return Ok(HashMap::new());
    };
    let latest = index.corrections_in(first, last)?;
    let wanted: BTreeSet<u64> = latest
        .iter()
        .filter(|(corrected, _)| seqs.contains(corrected))
        .map(|(_, by)| *by)
        .collect();
    let reasons: HashMap<u64, String> = read(ledger, &wanted)?
        .into_iter()
        .map(|e| (e.seq, e.payload["reason"].as_str().unwrap_or("").to_owned()))
        .collect();
    Ok(latest
        .into_iter()
        .filter_map(|(corrected, by)| {
            let reason = reasons.get(&by)?.clone();
            Some((corrected, Corrected { by, reason }))
        })
        .collect())
}

fn decode(kind: EntryKind, seq: u64, payload: serde_json::Value) -> Record {
    fn de<T: serde::de::DeserializeOwned>(seq: u64, payload: serde_json::Value) -> Option<T> {
        // By value: the payload's strings move into the record.
        match T::deserialize(payload) {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::warn!(seq, error = %e, "ledger payload not in the records vocabulary");
                None
            }
        }
    }
    let record = match kind {
        EntryKind::Viewing => de(seq, payload).map(Record::Viewing),
        EntryKind::Signin => de(seq, payload).map(Record::Signin),
        EntryKind::Discussion => de(seq, payload).map(Record::Discussion),
        EntryKind::Feedback => de(seq, payload).map(Record::Feedback),
        EntryKind::InfoReport => de(seq, payload).map(Record::InfoReport),
        EntryKind::Plan => de(seq, payload).map(Record::Plan),
        EntryKind::ProductionDelivered => de(seq, payload).map(Record::Production),
        EntryKind::PastoralSession => de(seq, payload).map(Record::Pastoral),
        EntryKind::Photo => de(seq, payload).map(Record::Photo),
        EntryKind::StationChange | EntryKind::Correction | EntryKind::FieldKit => None,
    };
    record.unwrap_or(Record::Other)
}
