//! The demo year: the 12 months before this one and this month so far, laid out as events
//! (showings, sign-ins, plans, 电教信息, pastoral sessions, a correction, the local
//! productions), each written at its own time on the scripted clock through the same
//! plays, entries and stations APIs the server's routes call.
//!
//! Every station shows at least one film a month except 东风社区, which misses two months
//! (red in the monthly matrix, and short of 12 in the year); 七里村 has extra showings and
//! one stopped after 40 s; 草原牧业点 logs its summer hours on the herding grounds.

use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use super::cast::{cast, Point};
use super::office::{self, Local, Office};
use super::script::{Running, Script};
use super::showings::{show, How, Reel, Showing};
use super::texts::{self, pick};
use super::DemoError;
use crate::app::App;
use crate::stations::StationKind;

/// What happens, when.
#[derive(Clone, Debug)]
pub enum Event {
    /// A showing at station `point`, in window month `month` (0 = the first).
    Show {
        point: usize,
        month: usize,
        how: How,
        extra: bool,
    },
    /// The office's correction of a sign-in at 七里村's showing in window month 2.
    Correct,
    Office(office::Task),
}

/// The window: its first month and the times events may have.
pub struct Calendar {
    offset: UtcOffset,
    first: (i32, u8),
    /// Nothing is scripted later than this (two hours before the real now).
    until: OffsetDateTime,
}

impl Calendar {
    pub fn new(utc_offset_minutes: i32, now: OffsetDateTime) -> Calendar {
        let offset = UtcOffset::from_whole_seconds(utc_offset_minutes.saturating_mul(60))
            .unwrap_or_else(|_| UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC));
        let today = now.to_offset(offset).date();
        let months = i32::from(u8::from(today.month())) - 1 + today.year() * 12 - 12;
        Calendar {
            offset,
            first: (months.div_euclid(12), (months.rem_euclid(12) + 1) as u8),
            until: now - Duration::hours(2),
        }
    }

    /// Months in the window: the first through this one.
    pub const MONTHS: usize = 13;

    /// Year and month (1–12) of window month `i`.
    pub fn month(&self, i: usize) -> (i32, u8) {
        let n = self.first.0 * 12 + i32::from(self.first.1) - 1 + i as i32;
        (n.div_euclid(12), (n.rem_euclid(12) + 1) as u8)
    }

    /// Local `day` (clamped to the month's length) of window month `i` at `h:m`, as UTC;
    /// `None` when that is not before [`Calendar::until`].
    pub fn at(&self, i: usize, day: u8, h: u8, m: u8) -> Option<OffsetDateTime> {
        let (y, mo) = self.month(i);
        let month = Month::try_from(mo).ok()?;
        let day = day.clamp(1, month.length(y));
        let date = Date::from_calendar_date(y, month, day).ok()?;
        let at = PrimitiveDateTime::new(date, Time::from_hms(h, m, 0).ok()?)
            .assume_offset(self.offset)
            .to_offset(UtcOffset::UTC);
        (at < self.until).then_some(at)
    }

    /// The start: the first of the window's first month, 08:00 local.
    pub fn start(&self) -> Option<OffsetDateTime> {
        self.at(0, 1, 8, 0)
    }
}

/// Writes the demo year: makes the stations at its start, then every event in time order.
pub fn write(app: &App, script: &Script, reels: &[Reel], local: Local) -> Result<(), DemoError> {
    let calendar = Calendar::new(app.settings.utc_offset_minutes, OffsetDateTime::now_utc());
    let start = calendar.start().ok_or(DemoError::NoTime)?;
    let run = script.run(start);
    super::ensure_stations(&app.stations)?;
    let points = cast(&app.stations)?;
    let mut events = events(&calendar, &points);
    events.sort_by_key(|(at, _)| *at);
    let office = Office::new(app, &points, reels, local);
    let mut to_correct = None;
    let mut month_shown = usize::MAX;
    for (at, event) in &events {
        run.at(*at);
        let month = month_of(&calendar, *at);
        if month != month_shown {
            month_shown = month;
            let (y, m) = calendar.month(month);
            println!(
                "演示数据：正在写入 {y}年{m}月（{}/{}，making the demo year）",
                month + 1,
                Calendar::MONTHS
            );
        }
        match event {
            Event::Show {
                point,
                month,
                how,
                extra,
            } => {
                let ym = calendar.month(*month);
                let showing = showing(&points, reels, *point, ym, *how, *extra);
                let seq = show(app, &run, &showing)?;
                if points[*point].kind == StationKind::Village && *month == 2 && !*extra {
                    to_correct = seq;
                }
            }
            Event::Correct => {
                if let Some(seq) = to_correct.take() {
                    office.correct(seq)?;
                }
            }
            Event::Office(task) => office.run(task)?,
        }
    }
    settle(app, &run);
    Ok(())
}

/// Closes what is still open (an inferred play's idle time) before the clock goes back to
/// the system's.
fn settle(app: &App, run: &Running) {
    run.advance(Duration::seconds(app.settings.play_idle_secs as i64 + 5));
    app.plays.sweep();
}

/// The window month an instant falls in.
fn month_of(calendar: &Calendar, at: OffsetDateTime) -> usize {
    let d = at.to_offset(calendar.offset).date();
    let n = d.year() * 12 + i32::from(u8::from(d.month())) - 1;
    let first = calendar.first.0 * 12 + i32::from(calendar.first.1) - 1;
    usize::try_from(n - first).unwrap_or(0)
}

/// Every event of the window with its time.
fn events(calendar: &Calendar, points: &[Point]) -> Vec<(OffsetDateTime, Event)> {
    let mut out = Vec::new();
    for (p, point) in points.iter().enumerate() {
        for i in 0..Calendar::MONTHS {
            for (day, h, m, how, extra) in showings_of(point.kind, i) {
                if let Some(at) = calendar.at(i, day, h, m) {
                    out.push((
                        at,
                        Event::Show {
                            point: p,
                            month: i,
                            how,
                            extra,
                        },
                    ));
                }
            }
        }
        if point.kind == StationKind::Village {
            if let Some(at) = calendar.at(2, 27, 10, 0) {
                out.push((at, Event::Correct));
            }
        }
    }
    out.extend(
        office::tasks(calendar, points)
            .into_iter()
            .map(|(at, t)| (at, Event::Office(t))),
    );
    out
}

/// The showings of a station of `kind` in window month `i`: (day, hour, minute, how, extra).
fn showings_of(kind: StationKind, i: usize) -> Vec<(u8, u8, u8, How, bool)> {
    let v = i as u8;
    match kind {
        // 七里村: evening showings on the paired TV, some pushed from the office; a second
        // one fetched by the old DLNA TV every third month; one stopped after 40 s.
        StationKind::Village => {
            let day = 6 + (v * 5) % 15;
            let how = if i % 4 == 2 { How::Push } else { How::Tv };
            let mut list = vec![(day, 19, 30, how, false)];
            if i % 3 == 1 {
                list.push((day + 7, 19, 30, How::Dlna, true));
            }
            if i == 5 {
                list.push((day - 2, 20, 0, How::Stopped, true));
            }
            list
        }
        // 东风社区: the party day's morning showing; none in two months.
        StationKind::Community | StationKind::Enterprise | StationKind::Organ => {
            if i == 3 || i == 8 {
                return Vec::new();
            }
            let how = if i % 3 == 2 { How::Direct } else { How::Tv };
            vec![(3 + (v * 3) % 7, 9, 0, how, false)]
        }
        // 草原牧业点: afternoons, mostly on its DLNA TV; two in the busy summer months.
        StationKind::Pastoral => {
            let day = 10 + (v * 4) % 9;
            let how = if i.is_multiple_of(3) {
                How::Tv
            } else {
                How::Dlna
            };
            let mut list = vec![(day, 14, 30, how, false)];
            if i % 6 == 4 {
                list.push((day + 8, 14, 30, How::Tv, true));
            }
            list
        }
    }
}

/// The showing `how` at point `p` in month `ym`: the film planned for the month (another
/// one for an extra showing, and now and then instead of the plan), most of it watched,
/// members in turn.
fn showing<'a>(
    points: &'a [Point],
    reels: &'a [Reel],
    p: usize,
    ym: (i32, u8),
    how: How,
    extra: bool,
) -> Showing<'a> {
    let point = &points[p];
    let i = usize::from(ym.1) + p;
    // Another film than planned: far enough from the plan's next ones not to repeat them.
    let step = match (extra, i % 5 == 4) {
        (true, _) => 4,
        (false, true) => 6,
        (false, false) => 0,
    };
    let planned = office::planned_reel(p, ym, reels.len());
    let reel = &reels[(planned + step) % reels.len()];
    let roster = point.members.len();
    let share_of_roster = 0.6 + ((i * 7 + p * 3) % 5) as f64 * 0.1;
    let turn = i + p;
    Showing {
        point,
        reel,
        how,
        share: 0.86 + (turn % 4) as f64 * 0.045,
        attendees: ((roster as f64 * share_of_roster).round() as usize).max(1),
        first_member: i,
        discussion: (turn % 7 != 3).then(|| pick(texts::DISCUSSIONS, i * 3 + p)),
        feedback: turn.is_multiple_of(3).then(|| pick(texts::FEEDBACK, i + p)),
    }
}
