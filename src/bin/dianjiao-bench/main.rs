//! `dianjiao-bench` (also run as `dianjiao bench …`): the benchmarks whose numbers README
//! reports, each run side by side with a named reference (ffprobe per file, a `find` stat
//! walk, the ffmpeg command line, nginx). Speed is measured here, never asserted in tests.
//! A program of its own so that the server (`dianjiao`) carries no benchmark code; it
//! starts `dianjiao serve` and the worker pool from the folder it runs from.

use clap::{Parser, Subcommand};
use dianjiao::cli::CliError;
use dianjiao::config::Settings;

mod copy;
mod county;
mod dlna;
mod drive;
mod jit;
mod ledger;
mod load;
mod prepare;
mod rss;
mod scan;
mod serve;
mod support;
mod xlsx;

/// Benchmarks against named references (results go into README).
#[derive(Parser, Debug)]
#[command(name = "dianjiao bench", version)]
struct Cli {
    #[command(subcommand)]
    command: BenchCommand,
}

/// `dianjiao bench …`
#[derive(Subcommand, Debug)]
enum BenchCommand {
    /// Probe throughput against ffprobe spawned once per file.
    Probe {
        #[arg(long, default_value_t = 500)]
        files: usize,
    },
    /// Unchanged rescan against a `find` stat walk.
    Rescan {
        #[arg(long, default_value_t = 10_000)]
        files: usize,
    },
    /// Idle resident memory of the server holding this many films.
    Rss {
        #[arg(long, default_value_t = 1_000)]
        films: usize,
    },
    /// Remux and ladder transcode of a 40 s clip against the ffmpeg command line.
    Prepare,
    /// The copy path (picture copied, sound encoded) of 60 s H.264 + AC-3 and H.264 + MP2
    /// films against their full ladder transcode and the ffmpeg command line.
    Copy,
    /// First-segment wait of films played before they are prepared, against the ffmpeg
    /// command line making that segment.
    Jit {
        /// Length of the long film the seek case uses, hours.
        #[arg(long, default_value_t = 2.0)]
        hours: f64,
        /// Measurements of each side per case (taken in turn); the median is reported.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
    /// Durable ledger appends per second, group commit against one fdatasync per entry,
    /// and the export of 100,000 entries against a plain copy of the log.
    Ledger {
        /// Concurrent writers.
        #[arg(long, default_value_t = 8)]
        writers: usize,
        /// Seconds each append run lasts.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Entries in the exported ledger.
        #[arg(long, default_value_t = 100_000)]
        entries: u64,
    },
    /// A 收看情况登记薄 of this many viewing entries as XLSX, against its JSON and the
    /// ledger export of the same log.
    Xlsx {
        #[arg(long, default_value_t = 100_000)]
        entries: u64,
    },
    /// DLNA Browse of a folder of this many films, paged by 50, against the JSON listing of
    /// the same films (p50/p99 per request).
    Dlna {
        #[arg(long, default_value_t = 2_000)]
        films: usize,
    },
    /// A generated county (townships × points × years of entries) imported into a county
    /// store, then the dashboard's year view queried: import time, query time, memory.
    County {
        #[arg(long, default_value_t = 30)]
        townships: usize,
        #[arg(long, default_value_t = 40)]
        points: usize,
        #[arg(long, default_value_t = 3)]
        years: i32,
    },
    /// Requests per second for one HLS segment against nginx (needs nginx and wrk).
    Serve {
        #[arg(long, default_value_t = 64)]
        connections: u32,
        #[arg(long, default_value_t = 10)]
        seconds: u32,
    },
    /// Viewers fetching HLS at a player's pace, paired TVs reporting plays and a clerk
    /// reading the ledger, against `dianjiao serve` on loopback.
    Load {
        /// Simulated viewers.
        #[arg(long, default_value_t = 200)]
        viewers: usize,
        /// Paired TVs reporting plays.
        #[arg(long, default_value_t = 10)]
        tvs: usize,
        /// Seconds of load.
        #[arg(long, default_value_t = 60.0)]
        seconds: f64,
        /// Seconds between a TV's heartbeats.
        #[arg(long, default_value_t = 10.0)]
        heartbeat: f64,
    },
}

fn main() -> std::process::ExitCode {
    // The same file-creation mask as the server: benchmark data folders hold keys too.
    // SAFETY: umask only sets this process's file-creation mask; it cannot fail.
    unsafe { libc::umask(0o077) };
    let cli = Cli::parse();
    // The server's log level (DIANJIAO_LOG, default info), as when this ran inside it.
    let log =
        Settings::load(None, std::env::vars()).map_or_else(|_| Settings::default().log, |s| s.log);
    dianjiao::telemetry_init(&log);
    match run(cli.command) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dianjiao bench: {:#}", anyhow::Error::new(e));
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(command: BenchCommand) -> Result<(), CliError> {
    match command {
        BenchCommand::Probe { files } => scan::probe(files),
        BenchCommand::Rescan { files } => scan::rescan(files),
        BenchCommand::Rss { films } => rss::rss(films),
        BenchCommand::Prepare => prepare::prepare(),
        BenchCommand::Copy => copy::copy(),
        BenchCommand::Xlsx { entries } => xlsx::xlsx(entries),
        BenchCommand::County {
            townships,
            points,
            years,
        } => county::county(county::Shape {
            townships,
            points,
            years: years.clamp(1, 20),
        }),
        BenchCommand::Jit { hours, rounds } => jit::jit(hours, rounds),
        BenchCommand::Dlna { films } => dlna::dlna(films),
        BenchCommand::Serve {
            connections,
            seconds,
        } => serve::serve(connections, seconds),
        BenchCommand::Load {
            viewers,
            tvs,
            seconds,
            heartbeat,
        } => load::load(drive::Plan {
            viewers,
            tvs,
            seconds,
            heartbeat_s: heartbeat,
        }),
        BenchCommand::Ledger {
            writers,
            seconds,
            entries,
        } => ledger::ledger(writers, seconds, entries),
    }
}
