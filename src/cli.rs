//! The command line (`../shared/API.md`): argument definitions and what each command does.

mod bench;
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
    /// Benchmarks against named references (results go into README): runs the
    /// `dianjiao-bench` program beside this one (`dianjiao bench --help` lists them).
    #[command(hide = true, disable_help_flag = true)]
    Bench {
        /// The benchmark and its options, passed on to `dianjiao-bench` as they are.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<std::ffi::OsString>,
    },
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
