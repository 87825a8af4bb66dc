//! The county view of one year, built only from verified entries: every township's points ×
//! months (the same matrix a township's own 月查 shows, by the same code), the points below
//! the 12-a-year floor for follow-up, and each township's tasks — info reports (2 a
//! quarter), productions (1 party-news item + 1 feature a year), pastoral hours — and its
//! field-kit records. A township's stations come from its `station_change` entries (made,
//! renamed, retired, members added), so the county needs nothing but the ledger.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::Serialize;

use super::{County, CountyError, Refusal, Township, TownshipState};
use crate::ledger::{Entry, EntryKind};
use crate::records::{Days, LocalDate, Production, StationChange};
use crate::reports::{build_matrix, item_of, Corrected, Item, MatrixRow, Record};
use crate::stations::{Station, StationKind};

/// Showings a point owes a year (one a month).
pub const FLOOR_PER_YEAR: u32 = 12;
/// 电教信息 a township owes a quarter.
pub const INFO_REPORTS_PER_QUARTER: u32 = 2;

/// One year at the county.
#[derive(Clone, Debug, Serialize)]
pub struct CountyYear {
    pub year: i32,
    pub townships: Vec<TownshipYear>,
    /// Points below the floor, every township's, for follow-up.
    pub follow_up: Vec<FollowUp>,
}

/// One township's year, from its verified entries.
#[derive(Clone, Debug, Serialize)]
pub struct TownshipYear {
    pub id: String,
    pub name: String,
    pub state: TownshipState,
    pub refusal: Option<Refusal>,
    pub fingerprint: String,
    pub verified_len: u64,
    /// Its points × months, as the township's own `GET /api/v1/reports/monthly` has them.
    pub rows: Vec<MatrixRow>,
    pub showings: u32,
    /// Distinct members signed in over the year / members on the rosters.
    pub participation_rate: Option<f64>,
    /// 电教信息 per quarter (2 due each).
    pub info_reports_by_quarter: [u32; 4],
    pub party_news: u32,
    pub features: u32,
    pub pastoral_hours: f64,
    /// Entries made by a field kit (`source` or `origin` `field_kit`) in the year.
    pub field_kit_entries: u64,
}

/// A point below the floor.
#[derive(Clone, Debug, Serialize)]
pub struct FollowUp {
    pub township_id: String,
    pub township: String,
    pub station_id: String,
    pub code: String,
    pub name: String,
    pub showings: u32,
    /// Months over and without a showing.
    pub months_below_floor: Vec<u8>,
}

impl County {
    /// The county's view of `year` (cached until the next import).
    pub fn year(&self, year: i32, days: &Days) -> Result<Arc<CountyYear>, CountyError> {
        if !(2000..=2100).contains(&year) {
            return Err(CountyError::Invalid(format!(
                "年份 {year} 不对，应在 2000 到 2100 之间（bad year）"
            )));
        }
        let generation = self.generation();
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((g, view)) = cache.get(&year) {
            if *g == generation {
                return Ok(view.clone());
            }
        }
        let mut townships = Vec::new();
        for t in self.list()? {
            townships.push(self.township_year(&t, year, days)?);
        }
        let over = LocalDate::parse(&format!("{year}-12-31")).is_some_and(|d| d < days.today());
        let follow_up = townships.iter().flat_map(|t| follow_ups(t, over)).collect();
        let view = Arc::new(CountyYear {
            year,
            townships,
            follow_up,
        });
        cache.insert(year, (generation, view.clone()));
        Ok(view)
    }

    fn township_year(
        &self,
        t: &Township,
        year: i32,
        days: &Days,
    ) -> Result<TownshipYear, CountyError> {
        let mut read = Reading::default();
        self.each_entry(&t.id, |line| {
            let entry: Entry = serde_json::from_slice(line)?;
            read.take(entry, year, days);
            Ok(())
        })?;
        Ok(read.finish(t, year, days))
    }
}

/// What one pass over a township's entries keeps.
#[derive(Default)]
struct Reading {
    stations: BTreeMap<String, Station>,
    rosters: HashMap<String, usize>,
    /// corrected seq → its latest correction.
    corrections: HashMap<u64, Corrected>,
    /// Entries reported in the year, and productions (any date) for it.
    kept: Vec<(Entry, LocalDate)>,
    field_kit: u64,
}

impl Reading {
    fn take(&mut self, entry: Entry, year: i32, days: &Days) {
        match entry.kind {
            EntryKind::StationChange => self.station_change(&entry),
            EntryKind::Correction => {
                if let Some(corrects) = entry.payload["corrects"].as_u64() {
                    let reason = entry.payload["reason"].as_str().unwrap_or("").to_owned();
                    let by = entry.seq;
                    self.corrections.insert(corrects, Corrected { by, reason });
                }
            }
            _ => {}
        }
        let Some(date) = crate::reports::index::report_date(&entry, days) else {
            return;
        };
        let production = entry.kind == EntryKind::ProductionDelivered
            && entry.payload["year"].as_i64() == Some(i64::from(year));
        if date.year() != year && !production {
            return;
        }
        let p = &entry.payload;
        if p["source"] == "field_kit" || p["origin"] == "field_kit" {
            self.field_kit += 1;
        }
        self.kept.push((entry, date));
    }

    fn station_change(&mut self, entry: &Entry) {
        let (Some(id), Ok(change)) = (
            entry.station.clone(),
            serde_json::from_value::<StationChange>(entry.payload.clone()),
        ) else {
            return;
        };
        let detail = &change.detail;
        let station = self.stations.entry(id.clone()).or_insert_with(|| Station {
            id: id.clone(),
            code: change.code.clone(),
            name: change.name.clone(),
            kind: StationKind::Village,
            township: String::new(),
            broadcaster: None,
            created_at: entry.at.clone(),
            retired_at: None,
        });
        station.code = change.code.clone();
        station.name = change.name.clone();
        match change.action.as_str() {
            "created" => {
                if let Ok(kind) = serde_json::from_value(detail["kind"].clone()) {
                    station.kind = kind;
                }
                station.township = detail["township"].as_str().unwrap_or("").to_owned();
                station.created_at = entry.at.clone();
            }
            "updated" => {
                let after = &detail["after"];
                station.broadcaster = after["broadcaster"].as_str().map(str::to_owned);
                if let Some(t) = after["township"].as_str() {
                    station.township = t.to_owned();
                }
            }
            "retired" => station.retired_at = Some(entry.at.clone()),
            "member_added" => *self.rosters.entry(id).or_default() += 1,
            "roster_imported" => {
                let added = detail["added"].as_u64().unwrap_or(0) as usize;
                *self.rosters.entry(id).or_default() += added;
            }
            _ => {}
        }
    }

    fn finish(self, t: &Township, year: i32, days: &Days) -> TownshipYear {
        let Reading {
            stations,
            rosters,
            corrections,
            kept,
            field_kit,
        } = self;
        let items: Vec<Item> = kept
            .into_iter()
            .filter_map(|(e, _)| {
                let corrected = corrections.get(&e.seq).cloned();
                item_of(e, days, corrected)
            })
            .collect();
        let stations: Vec<Station> = stations.into_values().collect();
        let created = stations
            .iter()
            .filter_map(|s| Some((s.id.clone(), days.date_of_stamp(&s.created_at)?)))
            .collect();
        let matrix = build_matrix(year, &stations, &rosters, &created, &items, days.today());
        let mut view = TownshipYear {
            id: t.id.clone(),
            name: t.name.clone(),
            state: t.state,
            refusal: t.refusal.clone(),
            fingerprint: t.fingerprint.clone(),
            verified_len: t.verified_len,
            showings: matrix.rows.iter().map(|r| r.year.showings).sum(),
            participation_rate: None,
            info_reports_by_quarter: [0; 4],
            party_news: 0,
            features: 0,
            pastoral_hours: 0.0,
            field_kit_entries: field_kit,
            rows: Vec::new(),
        };
        let (attendees, roster) = matrix.rows.iter().fold((0, 0), |(a, r), row| {
            (a + row.year.attendees, r + row.roster)
        });
        view.participation_rate = (roster > 0).then(|| attendees as f64 / roster as f64);
        for item in items.iter().filter(|i| i.counts()) {
            match &item.record {
                Record::InfoReport(_) if item.date.year() == year => {
                    let q = usize::from((item.date.month() - 1) / 3);
                    view.info_reports_by_quarter[q] += 1;
                }
                Record::Production(p) if p.year == year => match p.production {
                    Production::PartyNews => view.party_news += 1,
                    Production::Feature => view.features += 1,
                },
                Record::Pastoral(p) if item.date.year() == year => view.pastoral_hours += p.hours,
                _ => {}
            }
        }
        view.rows = matrix.rows;
        view
    }
}

/// The points of one township below the floor: a month over without a showing, or, once
/// the year is over, fewer than 12 showings in it.
fn follow_ups(t: &TownshipYear, year_over: bool) -> Vec<FollowUp> {
    t.rows
        .iter()
        .filter(|r| r.months_below_floor > 0 || (year_over && r.year.showings < FLOOR_PER_YEAR))
        .filter(|r| r.months.iter().any(|c| !c.not_applicable))
        .map(|r| FollowUp {
            township_id: t.id.clone(),
            township: t.name.clone(),
            station_id: r.station.id.clone(),
            code: r.station.code.clone(),
            name: r.station.name.clone(),
            showings: r.year.showings,
            months_below_floor: r
                .months
                .iter()
                .filter(|c| c.below_floor)
                .map(|c| c.month)
                .collect(),
        })
        .collect()
}
