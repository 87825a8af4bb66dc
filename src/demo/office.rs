//! What the township office and the broadcasters enter by hand in the demo year, through
//! the manual-entry service: each station's plan for the next quarter, the monthly 电教信息,
//! the pastoral point's hours on the herding grounds (one entered late: 补记), the local
//! productions, and one correction of a sign-in.

use time::OffsetDateTime;

use super::cast::Point;
use super::texts::{self, pick};
use super::year::Calendar;
use super::DemoError;
use crate::app::App;
use crate::entries::{
    CorrectionRequest, InfoReportRequest, PastoralRequest, PlanItemRequest, PlanRequest,
    ProductionRequest,
};
use crate::records::Production;
use crate::stations::StationKind;

/// One manual entry.
#[derive(Clone, Debug)]
pub enum Task {
    /// Point `point`'s plan for `quarter` of `year`.
    Plan {
        point: usize,
        year: i32,
        quarter: u8,
    },
    /// Point `point`'s 电教信息 of window month `month`.
    Info { point: usize, month: usize },
    /// Hours at the herding grounds, held on `held` (`YYYY-MM-DD`).
    Pastoral {
        point: usize,
        held: String,
        hours: f64,
        place: usize,
    },
    /// A local production received.
    Production(Production),
}

/// The office's view of the demo: stations, the films and the local productions.
pub struct Office<'a> {
    app: &'a App,
    points: &'a [Point],
    reels: &'a [super::showings::Reel],
    local: Local,
}

/// The local productions' film ids, when the demo library has them.
#[derive(Clone, Debug, Default)]
pub struct Local {
    pub party_news: Option<String>,
    pub feature: Option<String>,
}

/// The film planned for month `ym` at point `p` (an index into the reels).
pub fn planned_reel(p: usize, ym: (i32, u8), reels: usize) -> usize {
    let n = usize::try_from(ym.0 * 12 + i32::from(ym.1)).unwrap_or(0);
    (p * 2 + n) % reels.max(1)
}

/// Every manual entry of the window with its time.
pub fn tasks(calendar: &Calendar, points: &[Point]) -> Vec<(OffsetDateTime, Task)> {
    let mut out = Vec::new();
    let mut add = |at: Option<OffsetDateTime>, task| {
        if let Some(at) = at {
            out.push((at, task));
        }
    };
    for (p, point) in points.iter().enumerate() {
        let (y0, m0) = calendar.month(0);
        let first = Task::Plan {
            point: p,
            year: y0,
            quarter: (m0 - 1) / 3 + 1,
        };
        add(calendar.at(0, 2, 10, 30), first);
        for i in 0..Calendar::MONTHS {
            let (y, m) = calendar.month(i);
            if m % 3 == 0 {
                let (year, quarter) = if m == 12 { (y + 1, 1) } else { (y, m / 3 + 1) };
                let plan = Task::Plan {
                    point: p,
                    year,
                    quarter,
                };
                add(calendar.at(i, 20, 10, 30), plan);
            }
            let skipped = point.kind == StationKind::Community && (i == 3 || i == 8);
            if !skipped {
                add(calendar.at(i, 25, 16, 0), Task::Info { point: p, month: i });
            }
            if point.kind == StationKind::Pastoral && (5..=9).contains(&m) {
                for (k, day) in [5u8, 19].into_iter().enumerate() {
                    // The August 19 session is entered two days late (补记).
                    let entered = if m == 8 && day == 19 { day + 2 } else { day };
                    let task = Task::Pastoral {
                        point: p,
                        held: format!("{y:04}-{m:02}-{day:02}"),
                        hours: if k == 0 { 4.0 } else { 3.5 },
                        place: i + k,
                    };
                    add(calendar.at(i, entered, 18, 0), task);
                }
            }
        }
    }
    add(
        calendar.at(10, 15, 11, 0),
        Task::Production(Production::PartyNews),
    );
    add(
        calendar.at(11, 12, 11, 0),
        Task::Production(Production::Feature),
    );
    out
}

impl<'a> Office<'a> {
    pub fn new(
        app: &'a App,
        points: &'a [Point],
        reels: &'a [super::showings::Reel],
        local: Local,
    ) -> Office<'a> {
        Office {
            app,
            points,
            reels,
            local,
        }
    }

    /// Makes one entry (at the scripted now).
    pub fn run(&self, task: &Task) -> Result<(), DemoError> {
        let entries = &self.app.entries;
        match task {
            Task::Plan {
                point,
                year,
                quarter,
            } => self.plan(*point, *year, *quarter)?,
            Task::Info { point, month } => {
                let (title, text) =
                    texts::INFO_REPORTS[(point + month) % texts::INFO_REPORTS.len()];
                let req = InfoReportRequest {
                    title: title.into(),
                    text: text.into(),
                };
                entries.info_report(&self.points[*point].id, req)?;
            }
            Task::Pastoral {
                point,
                held,
                hours,
                place,
            } => {
                let req = PastoralRequest {
                    date: held.clone(),
                    hours: *hours,
                    place: pick(texts::PASTURES, *place).into(),
                    note: Some("放映电教片并讲解党的政策，牧民党员和群众参加".into()),
                };
                entries.pastoral(&self.points[*point].id, req)?;
            }
            Task::Production(production) => self.production(*production)?,
        }
        Ok(())
    }

    /// Point `p`'s plan for a quarter: the film planned for each of its months.
    fn plan(&self, p: usize, year: i32, quarter: u8) -> Result<(), DemoError> {
        let items = (quarter * 3 - 2..=quarter * 3)
            .map(|month| PlanItemRequest {
                month,
                film_id: self.reels[planned_reel(p, (year, month), self.reels.len())]
                    .id
                    .clone(),
            })
            .collect();
        let req = PlanRequest {
            year,
            quarter,
            items,
        };
        self.app.entries.plan(&self.points[p].id, req)?;
        Ok(())
    }

    fn production(&self, production: Production) -> Result<(), DemoError> {
        let film = match production {
            Production::PartyNews => &self.local.party_news,
            Production::Feature => &self.local.feature,
        };
        if let Some(film_id) = film {
            let req = ProductionRequest {
                film_id: film_id.clone(),
                production,
                year: Some(self.app.days.date_of(self.app.ledger.now()).year()),
            };
            self.app.entries.production(req)?;
        }
        Ok(())
    }

    /// Corrects the sign-in `seq` (the member was signed in by mistake).
    pub fn correct(&self, seq: u64) -> Result<(), DemoError> {
        let req = CorrectionRequest {
            corrects: seq,
            reason: "签错了人：该党员当天外出务工，未参加收看".into(),
        };
        self.app.entries.correction(req)?;
        Ok(())
    }
}
