//! Registers and reports read from the ledger: the four registers (三薄一册) per station and
//! period, the monthly matrix (月查), the quarterly report (季报) and the year view, as JSON,
//! XLSX and printable A4 HTML.
//!
//! Reports never keep their own numbers: they read ledger entries through derived sled
//! indexes (`index.rs`) that catch up from the log before each answer, so nothing hooks
//! into appends and `dianjiao ledger reindex` can always rebuild them from the log alone.

pub mod index;
mod load;
mod matrix;
pub mod print;
mod quarterly;
mod register_kind;
mod register_table;
mod registers;
mod table;
#[cfg(test)]
mod tests;
pub mod xlsx;
mod yearly;

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Serialize;

pub use index::{Checked, Index};
pub use load::{item_of, Corrected, Item, Record};
pub use matrix::{build as build_matrix, percent, Matrix, MatrixCell, MatrixRow};
pub use quarterly::{Fulfilment, Quarterly};
pub use registers::{Register, RegisterKind, RegisterRow};
pub use table::{Cell, Table, Tabular};
pub use yearly::{YearStation, YearView};

use crate::ledger::{Ledger, LedgerError};
use crate::records::{Days, LocalDate};
use crate::stations::{Station, StationKind, Stations, StationsError};

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportsError {
    #[error("报表索引读写失败（index storage failed）")]
    Store(#[from] sled::Error),
    #[error("读取账本失败（cannot read the ledger）")]
    Ledger(#[from] LedgerError),
    #[error("读取站点失败（cannot read the stations）")]
    Stations(#[from] StationsError),
    /// A query a clerk gave is not usable; the sentence says why.
    #[error("{0}")]
    Invalid(String),
    #[error("找不到该站点（unknown station {0}）")]
    UnknownStation(String),
    /// `reindex` found the indexes disagreeing with the log.
    #[error("索引与账本不一致（the indexes disagree with the ledger）: {}", .0.join("; "))]
    IndexMismatch(Vec<String>),
}

/// A span of local dates, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: LocalDate,
    pub to: LocalDate,
}

impl Period {
    /// From `from`/`to` (`YYYY-MM-DD`) or `year`+`month`.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        year: Option<i32>,
        month: Option<u8>,
    ) -> Result<Period, ReportsError> {
        let bad = |s: &str| {
            ReportsError::Invalid(format!("日期 {s:?} 不对，应为 YYYY-MM-DD（bad date）"))
        };
        let period = match (from, to, year, month) {
            (Some(f), Some(t), None, None) => Period {
                from: LocalDate::parse(f).ok_or_else(|| bad(f))?,
                to: LocalDate::parse(t).ok_or_else(|| bad(t))?,
            },
            (None, None, Some(y), Some(m)) => Period::month(y, m).ok_or_else(|| {
                ReportsError::Invalid(format!("年月 {y}-{m} 不对（bad year and month）"))
            })?,
            _ => return Err(ReportsError::Invalid(
                "请给出 from 和 to（YYYY-MM-DD），或 year 和 month（give from+to, or year+month）"
                    .into(),
            )),
        };
        if period.from > period.to {
            return Err(ReportsError::Invalid(
                "开始日期晚于结束日期（from is after to）".into(),
            ));
        }
        Ok(period)
    }

    /// One calendar month.
    pub fn month(year: i32, month: u8) -> Option<Period> {
        let m = time::Month::try_from(month).ok()?;
        let from = time::Date::from_calendar_date(year, m, 1).ok()?;
        let to = time::Date::from_calendar_date(year, m, m.length(year)).ok()?;
        Some(Period {
            from: LocalDate(from),
            to: LocalDate(to),
        })
    }

    /// Months `first..=last` of one year.
    pub fn months(year: i32, first: u8, last: u8) -> Option<Period> {
        Some(Period {
            from: Period::month(year, first)?.from,
            to: Period::month(year, last)?.to,
        })
    }

    pub fn contains(&self, d: LocalDate) -> bool {
        self.from <= d && d <= self.to
    }
}

/// A station as printed at the head of a report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StationHead {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: StationKind,
    pub kind_label: &'static str,
    pub township: String,
    pub broadcaster: Option<String>,
    pub retired: bool,
}

impl StationHead {
    fn of(s: &Station) -> StationHead {
        StationHead {
            id: s.id.clone(),
            code: s.code.clone(),
            name: s.name.clone(),
            kind: s.kind,
            kind_label: s.kind.label(),
            township: s.township.clone(),
            broadcaster: s.broadcaster.clone(),
            retired: s.is_retired(),
        }
    }

    /// `站点：name（code，村）  乡镇：…  期间：from 至 to`.
    pub fn header(&self, from: LocalDate, to: LocalDate) -> String {
        format!(
            "站点：{}（{}，{}）  乡镇：{}  期间：{} 至 {}",
            self.name, self.code, self.kind_label, self.township, from, to
        )
    }
}

/// The reports service. Share it (`Arc`); every method takes `&self`.
pub struct Reports {
    index: Index,
    ledger: Arc<Ledger>,
    stations: Arc<Stations>,
    days: Days,
}

impl Reports {
    /// Opens the index trees in `db` and catches them up with the ledger.
    pub fn open(
        db: &sled::Db,
        ledger: Arc<Ledger>,
        stations: Arc<Stations>,
        days: Days,
    ) -> Result<Reports, ReportsError> {
        let reports = Reports {
            index: Index::open(db)?,
            ledger,
            stations,
            days,
        };
        reports.catch_up()?;
        Ok(reports)
    }

    /// Indexes what was appended since; returns how many entries.
    pub fn catch_up(&self) -> Result<u64, ReportsError> {
        self.index.catch_up(&self.ledger, &self.days)
    }

    /// The registers `kinds` of one station for `period`.
    pub fn registers(
        &self,
        kinds: &[RegisterKind],
        station: &str,
        period: Period,
    ) -> Result<Vec<Register>, ReportsError> {
        self.catch_up()?;
        let head = self.station(station)?;
        let items = self.station_items(station, period)?;
        Ok(registers::build(kinds, &head, period, &items))
    }

    /// The stations × months matrix of `year`.
    pub fn monthly(&self, year: i32) -> Result<Matrix, ReportsError> {
        self.catch_up()?;
        let period = year_period(year)?;
        let items = self.items(
            self.index
                .months(&index::month_key(period.from), &index::month_key(period.to))?,
        )?;
        let stations = self.stations.list()?;
        let rosters = stations
            .iter()
            .map(|s| Ok((s.id.clone(), self.stations.members(&s.id)?.len())))
            .collect::<Result<_, ReportsError>>()?;
        let created = stations
            .iter()
            .filter_map(|s| Some((s.id.clone(), self.days.date_of_stamp(&s.created_at)?)))
            .collect();
        Ok(matrix::build(
            year,
            &stations,
            &rosters,
            &created,
            &items,
            self.days.today(),
        ))
    }

    /// The 季报 of one station.
    pub fn quarterly(
        &self,
        station: &str,
        year: i32,
        quarter: u8,
    ) -> Result<Quarterly, ReportsError> {
        self.catch_up()?;
        if !(1..=4).contains(&quarter) {
            return Err(ReportsError::Invalid(
                "季度应为 1 到 4（quarter must be 1 to 4）".into(),
            ));
        }
        let head = self.station(station)?;
        year_period(year)?;
        let period = Period::months(year, quarter * 3 - 2, quarter * 3)
            .ok_or_else(|| ReportsError::Invalid(format!("年份 {year} 不对（bad year）")))?;
        let items = self.station_items(station, period)?;
        let plans = self.items(
            self.index
                .kind(crate::ledger::EntryKind::Plan, Some(station))?,
        )?;
        Ok(quarterly::build(
            head, year, quarter, period, &items, &plans,
        ))
    }

    /// The year view: showings against the floor, production task, pastoral hours.
    pub fn yearly(&self, year: i32) -> Result<YearView, ReportsError> {
        self.catch_up()?;
        let period = year_period(year)?;
        let items = self.items(
            self.index
                .months(&index::month_key(period.from), &index::month_key(period.to))?,
        )?;
        let productions = self.items(
            self.index
                .kind(crate::ledger::EntryKind::ProductionDelivered, None)?,
        )?;
        let stations = self.stations.list()?;
        Ok(yearly::build(
            year,
            &stations,
            &items,
            &productions,
            &self.days,
        ))
    }

    fn station(&self, id: &str) -> Result<StationHead, ReportsError> {
        match self.stations.get(id)? {
            Some(s) => Ok(StationHead::of(&s)),
            None => Err(ReportsError::UnknownStation(id.to_owned())),
        }
    }

    fn station_items(&self, station: &str, period: Period) -> Result<Vec<Item>, ReportsError> {
        let (from, to) = (index::month_key(period.from), index::month_key(period.to));
        self.items(self.index.station_months(station, &from, &to)?)
    }

    fn items(&self, seqs: BTreeSet<u64>) -> Result<Vec<Item>, ReportsError> {
        load::load(&self.ledger, &self.index, &self.days, &seqs)
    }
}

fn year_period(year: i32) -> Result<Period, ReportsError> {
    if !(2000..=2100).contains(&year) {
        return Err(ReportsError::Invalid(format!(
            "年份 {year} 不对，应在 2000 到 2100 之间（bad year）"
        )));
    }
    Period::months(year, 1, 12).ok_or_else(|| ReportsError::Invalid("年份不对（bad year）".into()))
}
