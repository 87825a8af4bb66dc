//! The monthly matrix (月查): every station × the 12 months of a year — showings, minutes
//! watched, attendees (distinct members signed in), participation rate (attendees / the
//! current roster) and 电教信息 sent; a month that is over with no showing is flagged
//! below the one-showing floor, unless it ended before the station existed (not applicable).
//! Retired stations appear when they had activity that year.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::load::{Item, Record};
use super::registers::minutes;
use super::table::{Cell, Table, Tabular};
use super::{Period, StationHead};
use crate::records::{LocalDate, ViewingStatus};
use crate::stations::Station;

/// One station's numbers for one month (or the year).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MatrixCell {
    /// 1–12; 0 for the year.
    pub month: u8,
    pub showings: u32,
    /// Minutes watched in those showings.
    pub minutes: u64,
    /// Distinct members signed in.
    pub attendees: usize,
    /// attendees / roster size; `None` with an empty roster.
    pub participation_rate: Option<f64>,
    pub info_reports: u32,
    /// Over and without a showing (months not over yet are never flagged).
    pub below_floor: bool,
    /// The month ended before the station was set up and before its first record: there
    /// was no floor to meet (never `below_floor`).
    pub not_applicable: bool,
}

/// One station's line.
#[derive(Clone, Debug, Serialize)]
pub struct MatrixRow {
    pub station: StationHead,
    /// Members on the roster now.
    pub roster: usize,
    pub months: Vec<MatrixCell>,
    pub year: MatrixCell,
    pub months_below_floor: u32,
}

/// Stations × months of one year.
#[derive(Clone, Debug, Serialize)]
pub struct Matrix {
    pub year: i32,
    pub rows: Vec<MatrixRow>,
}

/// What one station did in one span, before it is a cell.
#[derive(Default)]
struct Tally<'a> {
    /// The earliest date of a record counted here.
    first: Option<LocalDate>,
    showings: u32,
    watched_s: u64,
    members: BTreeSet<&'a str>,
    info_reports: u32,
}

impl Tally<'_> {
    fn cell(&self, month: u8, roster: usize) -> MatrixCell {
        MatrixCell {
            month,
            showings: self.showings,
            minutes: minutes(self.watched_s),
            attendees: self.members.len(),
            participation_rate: (roster > 0).then(|| self.members.len() as f64 / roster as f64),
            info_reports: self.info_reports,
            below_floor: false,
            not_applicable: false,
        }
    }
}

fn add<'a>(tally: &mut Tally<'a>, item: &'a Item) {
    tally.first = Some(tally.first.map_or(item.date, |d| d.min(item.date)));
    match &item.record {
        Record::Viewing(v) if v.status == ViewingStatus::Showing => {
            tally.showings += 1;
            tally.watched_s += v.watched_s;
        }
        Record::Signin(s) => {
            tally.members.insert(&s.member_id);
        }
        Record::InfoReport(_) => tally.info_reports += 1,
        _ => {}
    }
}

/// Builds the matrix from the year's items (`rosters`: station id → members now;
/// `created`: station id → the local date it was set up).
pub fn build(
    year: i32,
    stations: &[Station],
    rosters: &HashMap<String, usize>,
    created: &HashMap<String, LocalDate>,
    items: &[Item],
    today: LocalDate,
) -> Matrix {
    let mut tallies: HashMap<&str, (Vec<Tally>, Tally)> = HashMap::new();
    for item in items.iter().filter(|i| i.counts() && i.date.year() == year) {
        let Some(station) = item.station.as_deref() else {
            continue;
        };
        let (months, whole) = tallies.entry(station).or_insert_with(|| {
            (
                (0..12).map(|_| Tally::default()).collect(),
                Tally::default(),
            )
        });
        add(&mut months[usize::from(item.date.month() - 1)], item);
        add(whole, item);
    }
    let rows = stations
        .iter()
        .filter(|s| !s.is_retired() || tallies.contains_key(s.id.as_str()))
        .map(|s| {
            let roster = rosters.get(&s.id).copied().unwrap_or(0);
            let empty = (Vec::new(), Tally::default());
            let (months, whole) = tallies.get(s.id.as_str()).unwrap_or(&empty);
            // Records entered for the months before a station was added to the server count
            // it as existing from the first of them.
            let start = match (created.get(&s.id).copied(), whole.first) {
                (Some(c), Some(f)) => Some(c.min(f)),
                (c, f) => c.or(f),
            };
            let months: Vec<MatrixCell> = (1..=12u8)
                .map(|m| {
                    let mut cell = match months.get(usize::from(m - 1)) {
                        Some(t) => t.cell(m, roster),
                        None => Tally::default().cell(m, roster),
                    };
                    let period = Period::month(year, m);
                    let over = period.is_some_and(|p| p.to < today);
                    cell.not_applicable =
                        period.is_some_and(|p| start.is_some_and(|start| p.to < start));
                    cell.below_floor = over && !cell.not_applicable && cell.showings < 1;
                    cell
                })
                .collect();
            MatrixRow {
                station: StationHead::of(s),
                roster,
                months_below_floor: months.iter().filter(|c| c.below_floor).count() as u32,
                year: whole.cell(0, roster),
                months,
            }
        })
        .collect();
    Matrix { year, rows }
}

/// A rate as a percentage with one decimal, or — without a roster.
pub fn percent(rate: Option<f64>) -> String {
    rate.map(|r| format!("{:.1}%", r * 100.0))
        .unwrap_or_else(|| "—".into())
}

/// A matrix line's label and how a cell prints on it.
type Metric = (&'static str, fn(&MatrixCell) -> Cell);

impl Tabular for Matrix {
    fn tables(&self) -> Vec<Table> {
        let mut cols = vec!["站点", "党员数", "指标"];
        let months: Vec<String> = (1..=12).map(|m| format!("{m}月")).collect();
        cols.extend(months.iter().map(String::as_str));
        cols.push("全年");
        let header = format!(
            "{} 年  各站点逐月放映情况（不足 1 场的月份标“未达标”；建站以前的月份标“未建站”）",
            self.year
        );
        let mut t = Table::new("月查", "电教播放月查表", header, &cols);
        for row in &self.rows {
            let name = format!("{}（{}）", row.station.name, row.station.code);
            let metrics: [Metric; 5] = [
                ("放映场次", |c| Cell::num(c.showings)),
                ("收看分钟", |c| Cell::num(c.minutes as f64)),
                ("签到人数", |c| Cell::num(c.attendees as f64)),
                ("参与率", |c| Cell::text(percent(c.participation_rate))),
                ("电教信息", |c| Cell::num(c.info_reports)),
            ];
            for (i, (label, value)) in metrics.iter().enumerate() {
                let mut cells = vec![
                    Cell::text(if i == 0 { name.clone() } else { String::new() }),
                    Cell::num(row.roster as f64),
                    Cell::text(*label),
                ];
                for c in &row.months {
                    cells.push(match (i, c.below_floor, c.not_applicable) {
                        (0, _, true) => Cell::text("未建站"),
                        (_, _, true) => Cell::text("—"),
                        (0, true, _) => Cell::text("0 未达标"),
                        _ => value(c),
                    });
                }
                cells.push(value(&row.year));
                t.rows.push(cells);
            }
        }
        let below: u32 = self.rows.iter().map(|r| r.months_below_floor).sum();
        t.footer.push(format!(
            "共 {} 个站点；未达标（当月无放映）{} 个站点月",
            self.rows.len(),
            below
        ));
        vec![t]
    }

    fn file_stem(&self) -> String {
        format!("月查表-{}", self.year)
    }
}
