//! The command line (`../shared/API.md`): argument definitions and what each command does.

pub mod bench;
mod commands;
mod county;
mod kit;
mod ledger;
mod maint;
mod prepare_bar;
mod scan_bar;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use commands::{run, CliError};
pub use county::CountyCommand;
pub use kit::KitCommand;
pub use ledger::{LedgerCliError, LedgerCommand};

/// dianjiao (电教): township film library, LAN streaming and showing ledger.
#[derive(Parser, Debug)]
#[command(name = "dianjiao", version, about)]
pub struct Cli {
    /// A TOML settings file (every key is shown in deploy/dianjiao.toml).
    #[arg(long, global = true, env = "DIANJIAO_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// The data folder option shared by most commands.
#[derive(Args, Debug, Clone, Default)]
pub struct DataArg {
    /// Data folder (default ./data).
    #[arg(long)]
    pub data: Option<PathBuf>,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Start the server.
    Serve {
        #[command(flatten)]
        data: DataArg,
        /// A library folder to scan in place and watch (repeatable).
        #[arg(long)]
        library: Vec<PathBuf>,
        /// Address and port to listen on (default 0.0.0.0:8080).
        #[arg(long)]
        listen: Option<String>,
        /// On first start, make a small demo library.
        #[arg(long)]
        demo: bool,
        /// Run as the county's server: townships push their verified ledger entries here.
        #[arg(long)]
        county: bool,
    },
    /// Scan a library folder now, with a progress bar.
    Scan {
        #[command(flatten)]
        data: DataArg,
        /// The folder to scan.
        #[arg(long)]
        library: PathBuf,
    },
    /// Prepare queued films now (TV renditions), with a progress bar.
    Prepare {
        #[command(flatten)]
        data: DataArg,
        /// Prepare (again) only this film.
        #[arg(long)]
        film: Option<String>,
    },
    /// Rebuild the search index from the catalog.
    Reindex {
        #[command(flatten)]
        data: DataArg,
    },
    /// Manage office accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// The ledger of record: verify it or an export, export it, print a signed checkpoint.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// The county's side: import a township's export (see also `serve --county`).
    #[command(subcommand)]
    County(CountyCommand),
    /// Back up the data folder while the server runs (a consistent snapshot; later runs
    /// copy only new or changed files).
    Backup {
        #[command(flatten)]
        data: DataArg,
        /// The backup folder (made if missing; a previous backup there is brought up to date).
        #[arg(long)]
        to: PathBuf,
        /// Keep the prepared renditions too (otherwise they are made again after a restore).
        #[arg(long)]
        renditions: bool,
    },
    /// Rebuild a data folder from a backup; refuses a folder that is not empty.
    Restore {
        /// The backup folder.
        #[arg(long)]
        from: PathBuf,
        /// The new data folder (missing or empty).
        #[arg(long)]
        data: PathBuf,
    },
    /// Check the installation and the data folder; prints plain words, exits 1 when
    /// something needs action.
    Doctor {
        #[command(flatten)]
        data: DataArg,
        /// A library folder to check (repeatable; added to the configured ones).
        #[arg(long)]
        library: Vec<PathBuf>,
        /// Print the checks as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Pastoral field kits: make one for a USB stick, import the records it brings home.
    #[command(subcommand)]
    Kit(KitCommand),
    /// Benchmarks against named references (results go into README).
    #[command(hide = true, subcommand)]
    Bench(BenchCommand),
}

/// `dianjiao user …`
#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add an account. The password is asked for (or read as one line from stdin), never
    /// taken from the command line.
    Add {
        #[command(flatten)]
        data: DataArg,
        /// Make an admin (otherwise a clerk).
        #[arg(long)]
        admin: bool,
        /// Read the password as one line from standard input.
        #[arg(long)]
        password_stdin: bool,
        /// The account name.
        name: String,
    },
}

/// `dianjiao bench …`
#[derive(Subcommand, Debug)]
pub enum BenchCommand {
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
