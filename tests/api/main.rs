//! Black-box tests: the real binary, real FFmpeg on generated media, real HTTP on loopback.

mod browser;
mod catalog;
mod cli;
mod hostile;
mod jit;
mod ledger;
mod ledger_http;
mod prepare;
mod prepare_crash;
mod prepare_remux;
mod probe;
mod ranges;
mod reports;
mod reports_cli;
mod reports_print;
mod routes;
mod session;
mod support;
mod watch;
