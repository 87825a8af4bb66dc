//! `dianjiao bench xlsx`: a year's 收看情况登记薄 of 100,000 viewing entries of one station
//! as an XLSX workbook (the register read from the ledger through the report indexes, then
//! written), against the JSON of the same register and the plain ledger export of the same
//! log as references, in the same run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{cleanup, tempdir};
use dianjiao::cli::{CliError, LedgerCliError};
use dianjiao::ledger::{Draft, EntryKind, Ledger, LedgerOptions};
use dianjiao::records::Days;
use dianjiao::reports::{xlsx, Period, RegisterKind, Reports, ReportsError, Tabular};
use dianjiao::stations::{NewStation, StationKind, Stations};

/// Writers filling the ledger (group commit shares their syncs).
const FILL_WRITERS: u64 = 64;

/// Runs the benchmark and prints the report README quotes.
pub fn xlsx(entries: u64) -> Result<(), CliError> {
    let tmp = tempdir();
    let result = run(&tmp, entries);
    cleanup(&tmp);
    result.map_err(|e| CliError::Ledger(LedgerCliError::Reports(e)))
}

/// One viewing of the bench station, spread over 2025 (local dates).
fn viewing(station: &str, n: u64) -> Draft {
    let started = format!(
        "2025-{:02}-{:02}T02:{:02}:00Z",
        n % 12 + 1,
        n % 28 + 1,
        n % 60
    );
    let payload = json!({
        "play_id": format!("bench-{n}"), "station_id": station, "film_id": format!("{:016x}", n % 500),
        "film_title": format!("党章电视教材 第{}集", n % 500 + 1), "started_at": started,
        "ended_at": started, "watched_s": 1200 + n % 1800, "furthest_position_s": 3000,
        "duration_s": 3000, "source": "tv_ui", "inferred": false, "signins": 0,
        "status": if n.is_multiple_of(10) { "aborted" } else { "showing" },
    });
    Draft::new(EntryKind::Viewing, Some(station), payload)
}

/// Appends `entries` viewings from many writers; returns how long it took.
fn fill(ledger: &Ledger, station: &str, entries: u64) -> Duration {
    let filled = Instant::now();
    std::thread::scope(|s| {
        for w in 0..FILL_WRITERS {
            s.spawn(move || {
                for n in (w..entries).step_by(FILL_WRITERS as usize) {
                    ledger
                        .append(viewing(station, n))
                        .expect("fill the bench ledger");
                }
            });
        }
    });
    filled.elapsed()
}

fn run(tmp: &std::path::Path, entries: u64) -> Result<(), ReportsError> {
    let options = LedgerOptions {
        name: Some("bench".into()),
        ..LedgerOptions::default()
    };
    let ledger = Arc::new(Ledger::open_with(&tmp.join("ledger"), options)?);
    let db = sled::open(tmp.join("db"))?;
    let stations = Arc::new(Stations::open(&db, ledger.clone(), "基准乡")?);
    let new = NewStation {
        code: "B01".into(),
        name: "基准村".into(),
        kind: StationKind::Village,
        township: None,
        broadcaster: Some("张播放".into()),
    };
    let station = stations.create(new)?.id;
    let filled = fill(&ledger, &station, entries);
    let started = Instant::now();
    let reports = Reports::open(&db, ledger.clone(), stations, Days::new(480))?;
    let catch_up = started.elapsed();
    let period = Period::months(2025, 1, 12).expect("2025");
    // The first query after a catch-up also pays for sled consolidating the pages it just
    // wrote; reported on its own line, the second query is the steady state.
    let started = Instant::now();
    reports.registers(&[RegisterKind::Viewing], &station, period)?;
    let indexed = (catch_up, started.elapsed());
    let started = Instant::now();
    let registers = reports.registers(&[RegisterKind::Viewing], &station, period)?;
    let read = started.elapsed();
    let rows = registers[0].rows.len();
    let started = Instant::now();
    let book = xlsx::workbook(&registers).map_err(|e| ReportsError::Invalid(e.to_string()))?;
    let written = started.elapsed();
    let started = Instant::now();
    let json = serde_json::to_vec(&registers).map_err(|e| ReportsError::Invalid(e.to_string()))?;
    let json_time = started.elapsed();
    let started = Instant::now();
    ledger.export(0, &mut std::io::sink())?;
    let export = started.elapsed();
    print_report(
        entries,
        filled,
        rows,
        indexed,
        read,
        written,
        book.len(),
        json_time,
        json.len(),
        export,
        registers.file_stem(),
    );
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn print_report(
    entries: u64,
    filled: Duration,
    rows: usize,
    indexed: (Duration, Duration),
    read: Duration,
    written: Duration,
    book: usize,
    json_time: Duration,
    json: usize,
    export: Duration,
    stem: String,
) {
    let s = |d: Duration| d.as_secs_f64();
    let mb = |b: usize| b as f64 / 1e6;
    println!("xlsx benchmark: {entries} viewing entries of one station over 2025 ({rows} register rows, filled in {:.2} s); {stem}.xlsx", s(filled));
    println!(
        "  once       index catch-up from the log (5 trees, every entry):       {:>7.3} s",
        s(indexed.0)
    );
    println!(
        "  once       first register query after it (sled consolidating pages): {:>7.3} s",
        s(indexed.1)
    );
    println!(
        "  reference  ledger export of the same log (chain checked, to /dev/null): {:>7.3} s",
        s(export)
    );
    println!(
        "  reference  JSON of the register ({:.1} MB), after reading it:           {:>7.3} s",
        mb(json),
        s(json_time)
    );
    println!(
        "  dianjiao   register read from the ledger via the indexes (2nd query):  {:>7.3} s",
        s(read)
    );
    println!(
        "  dianjiao   XLSX written ({:.1} MB):                                    {:>7.3} s",
        mb(book),
        s(written)
    );
    let total = read + written;
    let met = if total < Duration::from_secs(2) {
        "met"
    } else {
        "NOT met"
    };
    println!(
        "  total      register → XLSX: {:.3} s; target < 2 s: {met}",
        s(total)
    );
}
