//! The year view: each station's showings against the 12-a-year floor, each township's
//! production task (one 党建类新闻 and one 专题片 delivered for the year by 31 December),
//! and pastoral hours (per herding point and in all) against 30 hours: `pastoral_session`
//! entries (teaching sessions, from the office or a field kit) plus the watched time of
//! showings recorded in the field by a kit (`source: field_kit`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::load::{Item, Record};
use super::table::{Cell, Table, Tabular};
use super::StationHead;
use crate::records::{Days, LocalDate, Production, Source, ViewingStatus};
use crate::stations::{Station, StationKind};

/// Showings a station must hold in a year.
pub const SHOWINGS_FLOOR: u32 = 12;
/// Hours of teaching and showing at herding points a year.
pub const PASTORAL_HOURS_TARGET: f64 = 30.0;

/// One station's year.
#[derive(Clone, Debug, Serialize)]
pub struct YearStation {
    pub station: StationHead,
    pub showings: u32,
    pub floor: u32,
    pub meets_floor: bool,
    /// Pastoral points only.
    pub pastoral_hours: Option<f64>,
}

/// One delivered production.
#[derive(Clone, Debug, Serialize)]
pub struct Delivery {
    pub seq: u64,
    pub film_id: String,
    pub film_title: String,
    /// Local date it was recorded.
    pub date: LocalDate,
    /// Recorded by 31 December of the task year.
    pub on_time: bool,
}

/// One township's production task.
#[derive(Clone, Debug, Serialize)]
pub struct ProductionTask {
    pub township: String,
    /// The first on-time 党建类新闻, else the first late one.
    pub party_news: Option<Delivery>,
    pub feature: Option<Delivery>,
    /// Both delivered on time.
    pub done: bool,
}

/// The year view.
#[derive(Clone, Debug, Serialize)]
pub struct YearView {
    pub year: i32,
    pub stations: Vec<YearStation>,
    pub productions: Vec<ProductionTask>,
    pub pastoral_hours: f64,
    pub pastoral_target: f64,
    pub pastoral_met: bool,
}

/// Builds the view from the year's items and every `production_delivered` entry.
pub fn build(
    year: i32,
    stations: &[Station],
    items: &[Item],
    productions: &[Item],
    days: &Days,
) -> YearView {
    let mut showings: HashMap<&str, u32> = HashMap::new();
    let mut hours: HashMap<&str, f64> = HashMap::new();
    for item in items.iter().filter(|i| i.counts() && i.date.year() == year) {
        let Some(station) = item.station.as_deref() else {
            continue;
        };
        match &item.record {
            Record::Viewing(v) if v.status == ViewingStatus::Showing => {
                *showings.entry(station).or_default() += 1;
                // A showing recorded in the field by a kit counts toward the 30 hours too.
                if v.source == Source::FieldKit {
                    *hours.entry(station).or_default() += v.watched_s as f64 / 3600.0;
                }
            }
            Record::Pastoral(p) => *hours.entry(station).or_default() += p.hours,
            _ => {}
        }
    }
    let rows: Vec<YearStation> = stations
        .iter()
        .filter(|s| {
            !s.is_retired()
                || showings.contains_key(s.id.as_str())
                || hours.contains_key(s.id.as_str())
        })
        .map(|s| {
            let n = showings.get(s.id.as_str()).copied().unwrap_or(0);
            let pastoral = s.kind == StationKind::Pastoral || hours.contains_key(s.id.as_str());
            YearStation {
                station: StationHead::of(s),
                showings: n,
                floor: SHOWINGS_FLOOR,
                meets_floor: n >= SHOWINGS_FLOOR,
                pastoral_hours: pastoral.then(|| hours.get(s.id.as_str()).copied().unwrap_or(0.0)),
            }
        })
        .collect();
    let total: f64 = rows.iter().filter_map(|r| r.pastoral_hours).sum();
    let townships: BTreeSet<String> = stations.iter().map(|s| s.township.clone()).collect();
    YearView {
        year,
        productions: tasks(year, townships, productions, days),
        stations: rows,
        pastoral_hours: total,
        pastoral_target: PASTORAL_HOURS_TARGET,
        pastoral_met: total >= PASTORAL_HOURS_TARGET,
    }
}

fn tasks(
    year: i32,
    mut townships: BTreeSet<String>,
    productions: &[Item],
    days: &Days,
) -> Vec<ProductionTask> {
    let mut found: BTreeMap<(String, bool), Vec<Delivery>> = BTreeMap::new();
    for item in productions.iter().filter(|i| i.counts()) {
        let Record::Production(p) = &item.record else {
            continue;
        };
        if p.year != year {
            continue;
        }
        let date = days.date_of_stamp(&item.at).unwrap_or(item.date);
        townships.insert(p.township.clone());
        let delivery = Delivery {
            seq: item.seq,
            film_id: p.film_id.clone(),
            film_title: p.film_title.clone(),
            on_time: date.year() <= year,
            date,
        };
        found
            .entry((p.township.clone(), p.production == Production::PartyNews))
            .or_default()
            .push(delivery);
    }
    let pick = |t: &str, news: bool| {
        let list = found.get(&(t.to_owned(), news))?;
        list.iter().find(|d| d.on_time).or(list.first()).cloned()
    };
    townships
        .into_iter()
        .map(|t| {
            let (party_news, feature) = (pick(&t, true), pick(&t, false));
            let on_time = |d: &Option<Delivery>| d.as_ref().is_some_and(|d| d.on_time);
            ProductionTask {
                done: on_time(&party_news) && on_time(&feature),
                township: t,
                party_news,
                feature,
            }
        })
        .collect()
}

impl Tabular for YearView {
    fn tables(&self) -> Vec<Table> {
        let header = format!("{} 年度", self.year);
        vec![
            self.floor_table(header.clone()),
            self.production_table(header),
        ]
    }

    fn file_stem(&self) -> String {
        format!("年度情况-{}", self.year)
    }
}

impl YearView {
    fn floor_table(&self, header: String) -> Table {
        let mut floor = Table::new(
            "全年放映",
            "全年放映场次（每站每年不少于 12 场）",
            header,
            &[
                "站点",
                "编号",
                "类型",
                "放映场次",
                "标准",
                "是否达标",
                "牧区小时",
            ],
        );
        for r in &self.stations {
            floor.rows.push(vec![
                Cell::text(r.station.name.clone()),
                Cell::text(r.station.code.clone()),
                Cell::text(r.station.kind_label),
                Cell::num(r.showings),
                Cell::num(r.floor),
                Cell::text(if r.meets_floor { "达标" } else { "未达标" }),
                r.pastoral_hours.map(Cell::num).unwrap_or(Cell::Empty),
            ]);
        }
        floor.footer.push(format!(
            "牧区教学放映合计 {:.1} 小时，目标 {:.0} 小时：{}",
            self.pastoral_hours,
            self.pastoral_target,
            if self.pastoral_met {
                "已完成"
            } else {
                "未完成"
            }
        ));
        floor
    }

    fn production_table(&self, header: String) -> Table {
        let mut prod = Table::new(
            "本地制作",
            "本地制作任务（党建类新闻 1 条 + 专题片 1 部，12 月 31 日前）",
            header,
            &["乡镇", "党建类新闻", "专题片", "是否完成"],
        );
        let show = |d: &Option<Delivery>| match d {
            Some(d) if d.on_time => Cell::text(format!("{}（{}）", d.film_title, d.date)),
            Some(d) => Cell::text(format!("{}（{}，逾期）", d.film_title, d.date)),
            None => Cell::text("未交"),
        };
        for t in &self.productions {
            prod.rows.push(vec![
                Cell::text(t.township.clone()),
                show(&t.party_news),
                show(&t.feature),
                Cell::text(if t.done { "已完成" } else { "未完成" }),
            ]);
        }
        prod
    }
}
