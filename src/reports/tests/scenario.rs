//! A scripted year: three stations (one pastoral), showings with gaps (no showing some
//! months, two in one), sign-ins, plans, productions and pastoral sessions, written
//! through a ledger whose clock the test moves; the matrix, the 季报 and the year view are
//! checked against numbers worked out by hand below.

use serde_json::json;

use super::Script;
use crate::ledger::{Draft, EntryKind};
use crate::reports::{print, Period, RegisterKind, Tabular};

struct Year {
    s: Script,
    a: String,
    b: String,
    c: String,
}

/// Station A: 11 showings (none in April — one aborted play — nor in September, whose
/// showing is corrected away; two in May), sign-ins, 电教信息, plans for Q2 and Q3.
fn station_a(s: &Script, a: &str, m: &[String]) {
    let day = |month: u32, d: u32| format!("2025-{month:02}-{d:02}T02:00:00Z");
    s.viewing(a, "a1", "f1", &day(1, 10), 3000, true);
    s.signin(a, "a1", "f1", &m[0], "2025-01-10");
    s.signin(a, "a1", "f1", &m[1], "2025-01-10");
    let wrong = s.signin(a, "a1", "f1", &m[2], "2025-01-10");
    s.at("2025-01-12T02:00:00Z");
    s.ledger
        .append(Draft::correction(wrong, "签错了人", Some(a)))
        .expect("correction");
    s.at("2025-02-01T02:00:00Z");
    s.append(
        EntryKind::Plan,
        Some(a),
        json!({"year": 2025, "quarter": 2, "items": [
        {"month": 4, "film_id": "f5", "film_title": "影片f5"}]}),
    );
    s.viewing(a, "a2", "f2", &day(2, 10), 1200, true);
    for d in [15, 20] {
        s.at(&day(2, d));
        s.append(
            EntryKind::InfoReport,
            Some(a),
            json!({"title": "简报", "text": "放映情况", "entered_date": format!("2025-02-{d}")}),
        );
    }
    s.viewing(a, "a3", "f3", &day(3, 10), 1200, true);
    station_a_spring(s, a, m);
}

/// Station A from the Q2 plan (made in March) to December.
fn station_a_spring(s: &Script, a: &str, m: &[String]) {
    let day = |month: u32, d: u32| format!("2025-{month:02}-{d:02}T02:00:00Z");
    s.at("2025-03-15T02:00:00Z");
    s.append(
        EntryKind::Plan,
        Some(a),
        json!({"year": 2025, "quarter": 2, "items": [
        {"month": 4, "film_id": "f1", "film_title": "影片f1"},
        {"month": 5, "film_id": "f2", "film_title": "影片f2"},
        {"month": 6, "film_id": "f3", "film_title": "影片f3"}]}),
    );
    // 17:00 UTC on 31 March is 1 April in the township.
    s.at("2025-03-31T17:00:00Z");
    s.append(
        EntryKind::InfoReport,
        Some(a),
        json!({"title": "四月", "text": "……", "entered_date": "2025-04-01"}),
    );
    s.viewing(a, "a4x", "f1", &day(4, 10), 30, false);
    s.viewing(a, "a5", "f2", &day(5, 10), 1800, true);
    s.signin(a, "a5", "f2", &m[0], "2025-05-10");
    s.signin(a, "a5", "f2", &m[1], "2025-05-10");
    s.viewing(a, "a5b", "f1", &day(5, 20), 2400, true);
    s.signin(a, "a5b", "f1", &m[1], "2025-05-20");
    s.signin(a, "a5b", "f1", &m[3], "2025-05-20");
    s.viewing(a, "a6", "f4", &day(6, 10), 1500, true);
    s.at("2025-06-15T02:00:00Z");
    s.append(
        EntryKind::Plan,
        Some(a),
        json!({"year": 2025, "quarter": 3, "items": [
        {"month": 7, "film_id": "f1", "film_title": "影片f1"},
        {"month": 8, "film_id": "f2", "film_title": "影片f2"}]}),
    );
    for (month, play) in [(7, "a7"), (8, "a8")] {
        s.viewing(a, play, "f1", &day(month, 10), 1200, true);
    }
    let ghost = s.viewing(a, "a9", "f3", &day(9, 10), 1200, true);
    s.at("2025-09-20T02:00:00Z");
    s.ledger
        .append(Draft::correction(ghost, "误记：当天停电未放映", Some(a)))
        .expect("correction");
    for month in 10..=12 {
        s.viewing(a, &format!("a{month}"), "f1", &day(month, 10), 1200, true);
    }
}

/// Station B: one 600 s showing a month, none in July, two in August (12 in the year);
/// member n0 signs in at each.
fn station_b(s: &Script, b: &str, n: &[String]) {
    for (month, count) in (1..=12u32).map(|m| {
        (
            m,
            if m == 7 {
                0
            } else if m == 8 {
                2
            } else {
                1
            },
        )
    }) {
        for k in 0..count {
            let play = format!("b{month}-{k}");
            let date = format!("2025-{month:02}-{:02}", 5 + k);
            s.viewing(b, &play, "f2", &format!("{date}T01:00:00Z"), 600, true);
            s.signin(b, &play, "f2", &n[0], &date);
        }
    }
}

/// Station C (pastoral): one showing in June; 30.5 h of sessions in 2025 (the August one
/// entered five days late) and 5 h in December 2024.
fn station_c(s: &Script, c: &str) {
    let session =
        |held: &str, entered: &str, hours: f64| {
            s.at(&format!("{entered}T04:00:00Z"));
            s.append(EntryKind::PastoralSession, Some(c), json!({
            "hours": hours, "place": "夏季牧场", "showing_date": held, "entered_date": entered,
            "late": held != entered,
        }));
        };
    session("2024-12-20", "2024-12-20", 5.0);
    session("2025-06-10", "2025-06-10", 8.0);
    s.viewing(c, "c6", "f1", "2025-06-12T02:00:00Z", 900, true);
    session("2025-07-15", "2025-07-15", 10.5);
    session("2025-08-20", "2025-08-25", 12.0);
}

/// The township's productions: the 党建类新闻 on time, the 专题片 only in January.
fn productions(s: &Script) {
    let delivered = |at: &str, film: &str, production: &str| {
        s.at(at);
        s.append(
            EntryKind::ProductionDelivered,
            None,
            json!({
                "film_id": film, "film_title": format!("本地{film}"), "production": production,
                "township": "青山乡", "year": 2025,
            }),
        );
    };
    delivered("2025-11-20T02:00:00Z", "p1", "party_news");
    delivered("2026-01-05T02:00:00Z", "p2", "feature");
}

fn year() -> Year {
    let s = Script::new();
    let (a, m) = s.station("A01", "东村", "village", &["甲", "乙", "丙", "丁"]);
    let (b, n) = s.station("B01", "西村", "village", &["子", "丑"]);
    let (c, _) = s.station("C01", "草原牧业点", "pastoral", &[]);
    station_a(&s, &a, &m);
    station_b(&s, &b, &n);
    station_c(&s, &c);
    productions(&s);
    Year { s, a, b, c }
}

#[test]
fn the_monthly_matrix_matches_the_year_cell_by_cell() {
    let y = year();
    let matrix = y.s.reports.monthly(2025).expect("matrix");
    let codes: Vec<&str> = matrix
        .rows
        .iter()
        .map(|r| r.station.code.as_str())
        .collect();
    assert_eq!(codes, ["A01", "B01", "C01"]);
    let (a, b, c) = (&matrix.rows[0], &matrix.rows[1], &matrix.rows[2]);
    assert_eq!(a.station.id, y.a);
    let showings =
        |r: &crate::reports::MatrixRow| r.months.iter().map(|c| c.showings).collect::<Vec<_>>();
    let flagged = |r: &crate::reports::MatrixRow| {
        r.months
            .iter()
            .filter(|c| c.below_floor)
            .map(|c| c.month)
            .collect::<Vec<_>>()
    };
    assert_eq!(showings(a), [1, 1, 1, 0, 2, 1, 1, 1, 0, 1, 1, 1]);
    assert_eq!(
        flagged(a),
        [4, 9],
        "April only aborted, September corrected away"
    );
    assert_eq!(showings(b), [1, 1, 1, 1, 1, 1, 0, 2, 1, 1, 1, 1]);
    assert_eq!(flagged(b), [7]);
    assert_eq!(showings(c), [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(c.months_below_floor, 11);
    let minutes: Vec<u64> = a.months.iter().map(|c| c.minutes).collect();
    assert_eq!(minutes, [50, 20, 20, 0, 70, 25, 20, 20, 0, 20, 20, 20]);
    assert_eq!(a.year.minutes, 285);
    let attendees: Vec<usize> = a.months.iter().map(|c| c.attendees).collect();
    assert_eq!(
        attendees,
        [2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0],
        "丙's sign-in was corrected"
    );
    assert_eq!(a.roster, 4);
    assert_eq!(a.months[0].participation_rate, Some(0.5));
    assert_eq!(a.months[4].participation_rate, Some(0.75));
    assert_eq!(a.months[1].participation_rate, Some(0.0));
    assert_eq!(a.year.attendees, 3);
    let info: Vec<u32> = a.months.iter().map(|c| c.info_reports).collect();
    assert_eq!(info, [0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], "local months");
    assert_eq!(b.months[7].attendees, 1);
    assert_eq!(b.months[7].participation_rate, Some(0.5));
    assert_eq!(b.months[7].minutes, 20);
    assert_eq!(c.months[5].participation_rate, None, "no roster");
    assert_eq!(
        (a.year.showings, b.year.showings, c.year.showings),
        (11, 12, 1)
    );
    assert_eq!((&y.b, &y.c), (&b.station.id, &c.station.id));
}

#[test]
fn the_quarterly_report_lists_showings_and_plan_fulfilment() {
    let y = year();
    let q = y.s.reports.quarterly(&y.a, 2025, 2).expect("q2");
    let films: Vec<(&str, String)> = q
        .showings
        .iter()
        .map(|s| (s.film_id.as_str(), s.date.to_string()))
        .collect();
    assert_eq!(
        films,
        [
            ("f2", "2025-05-10".into()),
            ("f1", "2025-05-20".into()),
            ("f4", "2025-06-10".into())
        ]
    );
    assert_eq!(
        (q.total_showings, q.total_minutes, q.total_attendances),
        (3, 95, 4)
    );
    let plan = q.plan.as_ref().expect("Q2 plan");
    assert_eq!(
        plan.items.len(),
        3,
        "the March plan replaced the February one"
    );
    let f = q.fulfilment.as_ref().expect("fulfilment");
    assert_eq!((f.planned, f.in_month, f.in_quarter), (3, 1, 2));
    assert_eq!((f.percent, f.percent_in_month), (66.7, 33.3));
    let next = q.next_plan.as_ref().expect("Q3 plan");
    assert_eq!((next.year, next.quarter, next.items.len()), (2025, 3, 2));
    let q4 = y.s.reports.quarterly(&y.a, 2025, 4).expect("q4");
    assert_eq!(q4.total_showings, 3);
    assert!(q4.plan.is_none() && q4.fulfilment.is_none() && q4.next_plan.is_none());
    let q3 = y.s.reports.quarterly(&y.a, 2025, 3).expect("q3");
    let f = q3.fulfilment.expect("Q3 fulfilment");
    assert_eq!(
        (f.planned, f.in_month, f.in_quarter, f.percent),
        (2, 1, 1, 50.0),
        "f2 was not shown in Q3"
    );
}

#[test]
fn the_year_view_counts_floor_production_and_pastoral_hours() {
    let y = year();
    let v = y.s.reports.yearly(2025).expect("year");
    let rows: Vec<(&str, u32, bool)> = v
        .stations
        .iter()
        .map(|r| (r.station.code.as_str(), r.showings, r.meets_floor))
        .collect();
    assert_eq!(
        rows,
        [("A01", 11, false), ("B01", 12, true), ("C01", 1, false)]
    );
    assert_eq!(v.stations[2].pastoral_hours, Some(30.5));
    assert_eq!(v.stations[0].pastoral_hours, None);
    assert_eq!((v.pastoral_hours, v.pastoral_met), (30.5, true));
    assert_eq!(v.productions.len(), 1);
    let task = &v.productions[0];
    assert_eq!(task.township, "青山乡");
    assert!(task
        .party_news
        .as_ref()
        .is_some_and(|d| d.on_time && d.film_id == "p1"));
    assert!(task
        .feature
        .as_ref()
        .is_some_and(|d| !d.on_time && d.date.to_string() == "2026-01-05"));
    assert!(!task.done, "the feature came after 31 December");
    let before = y.s.reports.yearly(2024).expect("2024");
    assert_eq!(before.pastoral_hours, 5.0);
    assert!(!before.pastoral_met);
}

#[test]
fn registers_mark_late_corrected_and_unfinished_rows() {
    let y = year();
    let period = Period::parse(Some("2025-04-01"), Some("2025-05-31"), None, None).expect("period");
    let regs =
        y.s.reports
            .registers(&[RegisterKind::Viewing], &y.a, period)
            .expect("viewing");
    let rows = &regs[0].rows;
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].values["status"], "未完成");
    assert!(!rows[0].counted);
    assert_eq!(regs[0].totals["showings"], 2);
    assert_eq!(regs[0].totals["aborted"], 1);
    assert_eq!(regs[0].totals["watched_min"], 70.0);
    assert_eq!(regs[0].totals["attendees"], 4.0);
    assert_eq!(rows[2].values["run_by"], "张播放（电视界面）");
    let jan = Period::month(2025, 1).expect("jan");
    let signins =
        y.s.reports
            .registers(&[RegisterKind::Signin], &y.a, jan)
            .expect("signin");
    let corrected: Vec<_> = signins[0]
        .rows
        .iter()
        .filter_map(|r| r.corrected.as_ref())
        .collect();
    assert_eq!(corrected.len(), 1);
    assert_eq!(corrected[0].reason, "签错了人");
    assert_eq!(signins[0].totals["entries"], 2);
    let aug = Period::month(2025, 8).expect("aug");
    let c =
        y.s.reports
            .registers(&RegisterKind::ALL, &y.c, aug)
            .expect("all");
    assert_eq!(c.len(), 4);
    let late = &c[0].rows[0];
    assert!(late.late);
    let mark = "补记（活动日期 2025-08-20，登记日期 2025-08-25）";
    assert_eq!(late.marks[0], mark);
    let page = print::page(&c);
    assert!(page.contains(mark));
    assert_eq!(page.matches("<section class=\"sheet\">").count(), 4);
    assert_eq!(
        c.tables()[0].rows[0].last().map(|c| c.display()),
        Some(mark.to_owned())
    );
}
