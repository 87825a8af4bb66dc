//! The quarterly report (季报) of one station: the quarter's showings with totals, the plan
//! it made for the next quarter (the latest `plan` entry for it), and how far this
//! quarter's plan was fulfilled (each planned film shown in its month, or at least in the
//! quarter).

use std::collections::BTreeSet;

use serde::Serialize;

use super::load::{Item, Record};
use super::registers::{attendees_by_play, minutes};
use super::table::{Cell, Table, Tabular};
use super::{Period, StationHead};
use crate::records::{LocalDate, PlanItem, ViewingStatus};

/// One showing of the quarter.
#[derive(Clone, Debug, Serialize)]
pub struct QuarterShowing {
    pub seq: u64,
    pub date: LocalDate,
    pub film_id: String,
    pub film_title: String,
    pub watched_min: u64,
    pub attendees: usize,
}

/// A plan as entered.
#[derive(Clone, Debug, Serialize)]
pub struct PlanView {
    /// The `plan` entry's seq.
    pub seq: u64,
    pub at: String,
    pub year: i32,
    pub quarter: u8,
    pub items: Vec<PlanItem>,
}

/// One planned film, checked.
#[derive(Clone, Debug, Serialize)]
pub struct PlanCheck {
    pub month: u8,
    pub film_id: String,
    pub film_title: String,
    pub shown_in_month: bool,
    pub shown_in_quarter: bool,
}

/// How far a quarter's plan was fulfilled.
#[derive(Clone, Debug, Serialize)]
pub struct Fulfilment {
    pub planned: usize,
    /// Shown in the planned month.
    pub in_month: usize,
    /// Shown in the quarter (in the planned month or another).
    pub in_quarter: usize,
    /// in_quarter / planned, percent with one decimal.
    pub percent: f64,
    /// in_month / planned, percent with one decimal.
    pub percent_in_month: f64,
    pub items: Vec<PlanCheck>,
}

/// The 季报.
#[derive(Clone, Debug, Serialize)]
pub struct Quarterly {
    pub station: StationHead,
    pub year: i32,
    pub quarter: u8,
    pub from: LocalDate,
    pub to: LocalDate,
    pub showings: Vec<QuarterShowing>,
    pub total_showings: usize,
    pub total_minutes: u64,
    /// Sign-ins over all showings (a member at two showings counts twice).
    pub total_attendances: usize,
    /// This quarter's plan and its fulfilment (`None`: no plan was made for it).
    pub plan: Option<PlanView>,
    pub fulfilment: Option<Fulfilment>,
    /// The plan made for the next quarter (`None`: not made yet).
    pub next_plan: Option<PlanView>,
}

/// Builds the report from the station's items of the quarter and all its plan entries.
pub fn build(
    station: StationHead,
    year: i32,
    quarter: u8,
    period: Period,
    items: &[Item],
    plans: &[Item],
) -> Quarterly {
    let attendees = attendees_by_play(items);
    let mut total_watched = 0;
    let showings: Vec<QuarterShowing> = items
        .iter()
        .filter(|i| i.counts() && period.contains(i.date))
        .filter_map(|i| match &i.record {
            Record::Viewing(v) if v.status == ViewingStatus::Showing => {
                total_watched += v.watched_s;
                Some(QuarterShowing {
                    seq: i.seq,
                    date: i.date,
                    film_id: v.film_id.clone(),
                    film_title: v.film_title.clone(),
                    watched_min: minutes(v.watched_s),
                    attendees: attendees.get(&v.play_id).copied().unwrap_or(0),
                })
            }
            _ => None,
        })
        .collect();
    let (ny, nq) = if quarter == 4 {
        (year + 1, 1)
    } else {
        (year, quarter + 1)
    };
    let plan = latest_plan(plans, year, quarter);
    let fulfilment = plan.as_ref().map(|p| fulfil(p, &showings));
    Quarterly {
        station,
        year,
        quarter,
        from: period.from,
        to: period.to,
        total_showings: showings.len(),
        total_minutes: minutes(total_watched),
        total_attendances: showings.iter().map(|s| s.attendees).sum(),
        showings,
        plan,
        fulfilment,
        next_plan: latest_plan(plans, ny, nq),
    }
}

/// The latest uncorrected plan for (year, quarter).
fn latest_plan(plans: &[Item], year: i32, quarter: u8) -> Option<PlanView> {
    plans
        .iter()
        .filter(|i| i.counts())
        .filter_map(|i| match &i.record {
            Record::Plan(p) if p.year == year && p.quarter == quarter => Some(PlanView {
                seq: i.seq,
                at: i.at.clone(),
                year: p.year,
                quarter: p.quarter,
                items: p.items.clone(),
            }),
            _ => None,
        })
        .max_by_key(|p| p.seq)
}

fn fulfil(plan: &PlanView, showings: &[QuarterShowing]) -> Fulfilment {
    let shown: BTreeSet<(&str, u8)> = showings
        .iter()
        .map(|s| (s.film_id.as_str(), s.date.month()))
        .collect();
    let items: Vec<PlanCheck> = plan
        .items
        .iter()
        .map(|p| PlanCheck {
            month: p.month,
            film_id: p.film_id.clone(),
            film_title: p.film_title.clone(),
            shown_in_month: shown.contains(&(p.film_id.as_str(), p.month)),
            shown_in_quarter: shown.iter().any(|(f, _)| *f == p.film_id),
        })
        .collect();
    let planned = items.len();
    let in_month = items.iter().filter(|c| c.shown_in_month).count();
    let in_quarter = items.iter().filter(|c| c.shown_in_quarter).count();
    let pct = |n: usize| match planned {
        0 => 0.0,
        _ => (n as f64 * 1000.0 / planned as f64).round() / 10.0,
    };
    Fulfilment {
        planned,
        in_month,
        in_quarter,
        percent: pct(in_quarter),
        percent_in_month: pct(in_month),
        items,
    }
}

impl Tabular for Quarterly {
    fn tables(&self) -> Vec<Table> {
        let header = self.station.header(self.from, self.to);
        vec![
            self.showings_table(header.clone()),
            self.fulfilment_table(header.clone()),
            self.next_plan_table(header),
        ]
    }

    fn file_stem(&self) -> String {
        format!(
            "季报-{}-{}年第{}季度",
            self.station.code, self.year, self.quarter
        )
    }
}

impl Quarterly {
    fn showings_table(&self, header: String) -> Table {
        let title = format!("{} 年第 {} 季度播放情况（季报）", self.year, self.quarter);
        let mut shows = Table::new(
            "本季放映",
            &title,
            header,
            &["序号", "日期", "影片", "收看分钟", "签到人数"],
        );
        for s in &self.showings {
            shows.rows.push(vec![
                Cell::num(s.seq as f64),
                Cell::text(s.date.to_string()),
                Cell::text(s.film_title.clone()),
                Cell::num(s.watched_min as f64),
                Cell::num(s.attendees as f64),
            ]);
        }
        shows.footer.push(format!(
            "合计：放映 {} 场，收看 {} 分钟，签到 {} 人次",
            self.total_showings, self.total_minutes, self.total_attendances
        ));
        shows
    }

    fn fulfilment_table(&self, header: String) -> Table {
        let mut done = Table::new(
            "计划完成",
            "本季度播放计划完成情况",
            header,
            &["月份", "影片", "当月已放映", "本季已放映"],
        );
        let yes = |b: bool| Cell::text(if b { "是" } else { "否" });
        match &self.fulfilment {
            Some(f) => {
                for c in &f.items {
                    done.rows.push(vec![
                        Cell::text(format!("{}月", c.month)),
                        Cell::text(c.film_title.clone()),
                        yes(c.shown_in_month),
                        yes(c.shown_in_quarter),
                    ]);
                }
                done.footer.push(format!(
                    "计划 {} 部，按月完成 {} 部（{:.1}%），本季完成 {} 部（{:.1}%）",
                    f.planned, f.in_month, f.percent_in_month, f.in_quarter, f.percent
                ));
            }
            None => done
                .footer
                .push("本季度没有播放计划（no plan was made for this quarter）".into()),
        }
        done
    }

    fn next_plan_table(&self, header: String) -> Table {
        let mut next = Table::new("下季计划", "下季度播放计划", header, &["月份", "影片"]);
        match &self.next_plan {
            Some(p) => {
                for i in &p.items {
                    next.rows.push(vec![
                        Cell::text(format!("{}月", i.month)),
                        Cell::text(i.film_title.clone()),
                    ]);
                }
                next.footer.push(format!(
                    "{} 年第 {} 季度计划，登记于 {}（第 {} 条）",
                    p.year, p.quarter, p.at, p.seq
                ));
            }
            None => next
                .footer
                .push("尚未制定下季度播放计划（no plan for the next quarter yet）".into()),
        }
        next
    }
}
