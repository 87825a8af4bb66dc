//! dianjiao (电教): a township's party-education film library, LAN streaming server and
//! tamper-evident record of every showing.

pub mod accounts;
pub mod app;
pub mod backup;
pub mod cli;
pub mod config;
pub mod county;
pub mod data_format;
pub mod demo;
pub mod disk;
pub mod dlna;
pub mod doctor;
pub mod entries;
pub mod error;
pub mod http;
pub mod jit;
pub mod kit;
pub mod ledger;
pub mod library;
pub mod media;
pub mod metrics;
pub mod photos;
pub mod plays;
pub mod preparation;
pub mod records;
pub mod reports;
pub mod startup;
pub mod stations;
pub mod streaming;
pub mod tv;
pub mod uploads;

/// Starts logging to stderr with the given filter (`RUST_LOG` wins when set); colour codes
/// only when stderr is a terminal (not in journald, a pipe or a file).
pub fn telemetry_init(filter: &str) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
