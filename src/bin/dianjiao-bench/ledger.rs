//! `dianjiao bench ledger`: durable appends per second from concurrent writers with group
//! commit, against the same ledger syncing each entry on its own (the reference), in the
//! same run on the same disk; then the export of a large ledger against a plain copy of its
//! log file, and the county's check of that export against its checkpoint.

use std::io::BufReader;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::prepare::load_average;
use crate::support::{cleanup, tempdir};
use dianjiao::cli::{CliError, LedgerCliError};
use dianjiao::ledger::{
    verify_export, Checkpoint, Draft, EntryKind, Ledger, LedgerError, LedgerOptions, LOG_FILE,
};

/// Alternating rounds of (reference, group commit); each side's best round is reported.
const ROUNDS: usize = 2;
/// Writers used to fill the export ledger quickly (group commit shares their syncs).
const FILL_WRITERS: u64 = 64;
/// The appends-per-second target of the issue.
const TARGET_PER_S: f64 = 5_000.0;

/// Runs both benchmarks and prints the report README quotes.
pub fn ledger(writers: usize, seconds: f64, entries: u64) -> Result<(), CliError> {
    let tmp = tempdir();
    let run = Duration::from_secs_f64(seconds.max(0.1));
    println!(
        "ledger append benchmark: {writers} writers, {seconds} s per run, best of {ROUNDS}, log in {}, load average {}",
        tmp.display(),
        load_average()
    );
    let mut reference = Rate::default();
    let mut group = Rate::default();
    for round in 0..ROUNDS {
        reference = reference.max(appends(
            &tmp.join(format!("ref-{round}")),
            false,
            writers,
            run,
        )?);
        group = group.max(appends(
            &tmp.join(format!("group-{round}")),
            true,
            writers,
            run,
        )?);
    }
    println!(
        "  reference  one fdatasync per entry (lock held through write + sync): {:>7.0} appends/s  ({:.2} entries per sync)",
        reference.per_s(), reference.per_sync()
    );
    println!(
        "  dianjiao   group commit (leader writes + syncs every queued frame):   {:>7.0} appends/s  ({:.2} entries per sync)",
        group.per_s(), group.per_sync()
    );
    let met = if group.per_s() >= TARGET_PER_S {
        "met"
    } else {
        "NOT met"
    };
    println!(
        "  ratio      group / reference = {:.1}x; target >= {TARGET_PER_S:.0} appends/s: {met}",
        group.per_s() / reference.per_s().max(f64::MIN_POSITIVE)
    );
    export(&tmp.join("export"), entries)?;
    cleanup(&tmp);
    Ok(())
}

/// Appends, syncs and time of one run.
#[derive(Clone, Copy, Default)]
struct Rate {
    appends: u64,
    syncs: u64,
    elapsed: Duration,
}

impl Rate {
    fn per_s(self) -> f64 {
        self.appends as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn per_sync(self) -> f64 {
        self.appends as f64 / self.syncs.max(1) as f64
    }

    fn max(self, other: Rate) -> Rate {
        if other.per_s() > self.per_s() {
            other
        } else {
            self
        }
    }
}

fn viewing(writer: u64, n: u64) -> Draft {
    // The shape of a real viewing record (API.md), so frames have a realistic size.
    let payload = json!({
        "play_id": format!("p-{writer:02}-{n:08}"),
        "station_id": format!("st-{:03}", n % 120),
        "film_id": "3e9eaac451952da1",
        "started_at": "2026-05-01T08:00:00Z",
        "ended_at": "2026-05-01T08:42:13Z",
        "watched_s": 2533,
        "furthest_position_s": 2533.4,
        "duration_s": 2610.0,
        "source": "tv_ui",
        "inferred": false,
        "signins": 14,
    });
    Draft::new(EntryKind::Viewing, Some("st-七里村"), payload)
}

/// `writers` threads appending for `run`.
fn appends(
    dir: &Path,
    group_commit: bool,
    writers: usize,
    run: Duration,
) -> Result<Rate, LedgerCliError> {
    let options = LedgerOptions {
        name: Some("bench".into()),
        group_commit,
        ..LedgerOptions::default()
    };
    let ledger = Ledger::open_with(dir, options)?;
    let started = Instant::now();
    let deadline = started + run;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..writers.max(1) as u64)
            .map(|w| {
                let ledger = &ledger;
                s.spawn(move || -> Result<(), LedgerError> {
                    let mut n = 0;
                    while Instant::now() < deadline {
                        ledger.append(viewing(w, n))?;
                        n += 1;
                    }
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().unwrap_or(Ok(())))
    })?;
    let elapsed = started.elapsed();
    let stats = ledger.stats();
    ledger.verify()?;
    Ok(Rate {
        appends: stats.len,
        syncs: stats.syncs,
        elapsed,
    })
}

/// Export of `entries` entries: ours (CRC and chain checked while reading, JSON Lines +
/// checkpoint) against copying the log file, then `verify_export` against the checkpoint.
fn export(dir: &Path, entries: u64) -> Result<(), LedgerCliError> {
    let ledger = Ledger::open_with(
        dir,
        LedgerOptions {
            name: Some("bench".into()),
            group_commit: true,
            ..LedgerOptions::default()
        },
    )?;
    let filled = Instant::now();
    std::thread::scope(|s| {
        for w in 0..FILL_WRITERS {
            let ledger = &ledger;
            s.spawn(move || {
                for n in (w..entries).step_by(FILL_WRITERS as usize) {
                    ledger.append(viewing(w, n)).expect("fill the bench ledger");
                }
            });
        }
    });
    let filled = filled.elapsed();
    let log = dir.join(LOG_FILE);
    let log_bytes = std::fs::metadata(&log).map_or(0, |m| m.len());
    let copy_path = dir.join("copy.log");
    let out_path = dir.join("export.jsonl");
    let write_err = |source| LedgerCliError::Write {
        what: "the bench export".into(),
        source,
    };
    // Warm the page cache the same way for both sides.
    std::fs::copy(&log, &copy_path).map_err(write_err)?;
    let started = Instant::now();
    std::fs::copy(&log, &copy_path).map_err(write_err)?;
    let copy = started.elapsed();
    let started = Instant::now();
    let mut out = std::fs::File::create(&out_path).map_err(write_err)?;
    let checkpoint = ledger.export(0, &mut out)?;
    let ours = started.elapsed();
    let export_bytes = std::fs::metadata(&out_path).map_or(0, |m| m.len());
    let started = Instant::now();
    let key = ledger
        .public_key()
        .expect("an appending ledger has its key");
    let cp = Checkpoint::open(checkpoint.as_note(), &key)?;
    let file = std::fs::File::open(&out_path).map_err(write_err)?;
    let report = verify_export(BufReader::new(file), Some(&cp))?;
    let verify = started.elapsed();
    assert_eq!(report.extends, Some(entries), "the bench export verifies");
    let mb = |b: u64| b as f64 / 1e6;
    println!(
        "ledger export benchmark: {entries} entries ({:.1} MB log, {:.1} MB JSON Lines; filled by {FILL_WRITERS} writers in {:.2} s), page cache warm",
        mb(log_bytes), mb(export_bytes), filled.as_secs_f64()
    );
    println!(
        "  reference  copy of the log file (no checks):                         {:>7.3} s",
        copy.as_secs_f64()
    );
    println!(
        "  dianjiao   export (CRC, seq and chain checked; JSON Lines + checkpoint): {:>7.3} s",
        ours.as_secs_f64()
    );
    println!(
        "  dianjiao   verify_export of that file against its checkpoint:        {:>7.3} s",
        verify.as_secs_f64()
    );
    let met = if ours < Duration::from_secs(2) {
        "met"
    } else {
        "NOT met"
    };
    println!("  target     export < 2 s: {met}");
    Ok(())
}
