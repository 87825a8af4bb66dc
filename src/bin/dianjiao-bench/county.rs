//! `dianjiao bench county`: a generated county — `townships` × `points` playback points ×
//! `years` years of showings (two a month, a few points missing months), sign-ins, 电教信息,
//! productions and roster imports, each township in its own real ledger — imported whole
//! into a county store (the same `County::import` a push or `county import` runs), then the
//! dashboard's year view queried cold and cached. References in the same run: the bare chain
//! check of the same exports (`verify_export`) and a bare read of every stored entry.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{cleanup, tempdir};
use dianjiao::cli::CliError;
use dianjiao::config::Settings;
use dianjiao::county::{County, CountyError};
use dianjiao::ledger::{verify_export, Draft, EntryKind, Ledger, LedgerClock, LedgerOptions};
use dianjiao::records::Days;

/// Writers filling one township's ledger (group commit shares their syncs).
const WRITERS: usize = 40;
/// Members on each point's roster, and sign-ins per showing.
const ROSTER: u64 = 20;
const SIGNINS: u64 = 4;

/// The size of the generated county.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub townships: usize,
    pub points: usize,
    pub years: i32,
}

/// Runs the benchmark and prints the figures README quotes.
pub fn county(shape: Shape) -> Result<(), CliError> {
    let tmp = tempdir();
    let result = run(&tmp, shape);
    cleanup(&tmp);
    result
}

fn run(tmp: &std::path::Path, shape: Shape) -> Result<(), CliError> {
    let first_year = time::OffsetDateTime::now_utc().year() - shape.years;
    println!(
        "county of {} townships × {} points × {} years ({}–{})",
        shape.townships,
        shape.points,
        shape.years,
        first_year,
        first_year + shape.years - 1
    );
    let started = Instant::now();
    let mut exports = Vec::new();
    for t in 0..shape.townships {
        exports.push(township(tmp, t, shape, first_year)?);
    }
    let entries: u64 = exports.iter().map(|e| e.3).sum();
    let bytes: u64 = exports.iter().map(|e| dir_size(&e.1)).sum();
    println!(
        "  generated {entries} entries ({:.0} MB of JSON Lines) in {:.1} s",
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let reference = time(|| {
        for (_, file, _, _) in &exports {
            let lines = std::fs::read(file).expect("the generated export");
            verify_export(lines.as_slice(), None).expect("the generated exports verify");
        }
    });
    let settings = Settings {
        data: tmp.join("county"),
        ..Settings::default()
    };
    std::fs::create_dir_all(&settings.data).map_err(|source| CliError::ReadFile {
        path: settings.data.clone(),
        source,
    })?;
    let db = dianjiao::app::open_db(&settings)?;
    let county = County::open(&db)?;
    reset_peak();
    let rss_before = rss_kib();
    let import = time(|| {
        for (key, file, note, _) in &exports {
            let lines = std::fs::read(file).expect("the generated export");
            let name = format!("乡镇{}", county.list().map(|l| l.len()).unwrap_or(0) + 1);
            let t = county.register(&name, key).expect("register");
            county.confirm(&t.id, &t.fingerprint).expect("confirm");
            county.import(&t.id, &lines, note).expect("import");
        }
    });
    let days = Days::new(Settings::default().utc_offset_minutes);
    let mut stored = 0;
    let read = time(|| stored = bare_read(&county).expect("read the county store"));
    assert_eq!(stored, entries, "every generated entry was merged");
    let year = first_year + shape.years - 1;
    let mut cold = Duration::ZERO;
    let mut follow_up = 0;
    let mut rows = 0;
    for y in first_year..=year {
        // A new generation each year: every query below is cold.
        let t = Instant::now();
        let view = county.year(y, &days)?;
        cold += t.elapsed();
        follow_up = view.follow_up.len();
        rows = view.townships.iter().map(|t| t.rows.len()).sum();
    }
    let cached = time(|| {
        county.year(year, &days).expect("cached view");
    });
    let peak = peak_kib();
    db.flush().map_err(CountyError::from)?;
    let on_disk = dir_size(&settings.db_dir());
    println!(
        "  import (verify + merge + flush), {} townships: {:.2} s = {:.0} entries/s;  reference, the bare chain check of the same exports: {:.2} s",
        shape.townships,
        import.as_secs_f64(),
        entries as f64 / import.as_secs_f64(),
        reference.as_secs_f64()
    );
    println!(
        "  dashboard year view (all townships × points × months), cold: {:.0} ms per year ({} years); cached: {:.3} ms;  reference, a bare read of every stored entry: {:.0} ms",
        cold.as_secs_f64() * 1000.0 / f64::from(shape.years),
        shape.years,
        cached.as_secs_f64() * 1000.0,
        read.as_secs_f64() * 1000.0
    );
    println!("  last year: {rows} point rows, {follow_up} points listed for follow-up");
    println!(
        "  memory: resident {:.0} MB before the import, peak {:.0} MB during import and queries; county database on disk {:.0} MB",
        rss_before as f64 / 1024.0,
        peak as f64 / 1024.0,
        on_disk as f64 / 1e6
    );
    Ok(())
}

/// One township's ledger: its key, its whole export's file, the checkpoint, the entries.
fn township(
    tmp: &std::path::Path,
    t: usize,
    shape: Shape,
    first_year: i32,
) -> Result<(String, std::path::PathBuf, String, u64), CliError> {
    let start = time::Date::from_calendar_date(first_year, time::Month::January, 1)
        .expect("a date")
        .midnight()
        .assume_utc();
    let options = LedgerOptions {
        name: Some(format!("bench-{t}")),
        clock: LedgerClock::scripted(move || start),
        ..LedgerOptions::default()
    };
    let dir = tmp.join(format!("township-{t}"));
    let ledger = Ledger::open_with(&dir, options).map_err(dianjiao::cli::LedgerCliError::from)?;
    std::thread::scope(|s| {
        for w in 0..WRITERS {
            let ledger = &ledger;
            s.spawn(move || {
                for p in (w..shape.points).step_by(WRITERS) {
                    for draft in point(t, p, shape.years, first_year) {
                        ledger.append(draft).expect("fill the bench ledger");
                    }
                }
            });
        }
    });
    let path = tmp.join(format!("township-{t}.jsonl"));
    let mut file = std::fs::File::create(&path).map_err(|source| CliError::ReadFile {
        path: path.clone(),
        source,
    })?;
    let cp = ledger
        .export(0, &mut file)
        .map_err(dianjiao::cli::LedgerCliError::from)?;
    let key = ledger
        .public_key()
        .map(|k| k.to_string())
        .unwrap_or_default();
    Ok((key, path, cp.as_note().to_owned(), ledger.len()))
}

/// Everything one point writes over the years: made, roster imported, then per month two
/// showings with sign-ins (point 7 of each township skips every third month), and an
/// 电教信息 item every other month.
fn point(t: usize, p: usize, years: i32, first_year: i32) -> Vec<Draft> {
    let station = format!("st_{t:03}{p:07}");
    let change = |action: &str, detail| {
        let payload = json!({"action": action, "code": format!("T{t}-{p:02}"), "name": format!("第{p}村"), "detail": detail});
        Draft::new(EntryKind::StationChange, Some(&station), payload)
    };
    let mut out = vec![
        change(
            "created",
            json!({"kind": "village", "township": format!("乡镇{t}")}),
        ),
        change("roster_imported", json!({"added": ROSTER, "rejected": 0})),
    ];
    for y in first_year..first_year + years {
        for m in 1..=12u8 {
            if p % 10 == 7 && m % 3 == 0 {
                continue;
            }
            for n in 0..2u64 {
                let day = format!("{y}-{m:02}-{:02}", 5 + n * 10);
                let play = format!("bench-{t}-{p}-{y}-{m}-{n}");
                let started = format!("{day}T02:00:00Z");
                out.push(Draft::new(EntryKind::Viewing, Some(&station), json!({
                    "play_id": play, "station_id": station, "film_id": format!("{:016x}", n),
                    "film_title": "党章电视教材", "started_at": started, "ended_at": started,
                    "watched_s": 1800, "furthest_position_s": 1800, "duration_s": 1800,
                    "source": "tv_ui", "inferred": false, "signins": SIGNINS, "status": "showing",
                })));
                for s in 0..SIGNINS {
                    out.push(Draft::new(EntryKind::Signin, Some(&station), json!({
                        "play_id": play, "film_id": format!("{:016x}", n), "film_title": "党章电视教材",
                        "member_id": format!("m_{p:05}{:05}", (s + n) % ROSTER), "member_name": "党员",
                        "member_no": format!("{s}"), "showing_date": day, "entered_date": day, "late": false,
                    })));
                }
            }
            if m % 2 == 0 {
                out.push(Draft::new(EntryKind::InfoReport, Some(&station), json!({
                    "title": "电教信息", "text": "本月放映情况", "entered_date": format!("{y}-{m:02}-20"),
                })));
            }
        }
    }
    out
}

/// Parses every stored entry of every township, doing nothing with it.
fn bare_read(county: &County) -> Result<u64, CountyError> {
    let mut n = 0;
    for t in county.list()? {
        county.each_entry(&t.id, |line| {
            let _: dianjiao::ledger::Entry = serde_json::from_slice(line)?;
            n += 1;
            Ok(())
        })?;
    }
    Ok(n)
}

fn time(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

/// Resets this process's peak resident size (`VmHWM`).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn rss_kib() -> u64 {
    status_kib("VmRSS:")
}

fn peak_kib() -> u64 {
    status_kib("VmHWM:")
}

fn dir_size(dir: &std::path::Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}
