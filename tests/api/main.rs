//! Black-box tests: the real binary, real FFmpeg on generated media, real HTTP on loopback.

mod browser;
mod catalog;
mod cli;
mod hostile;
mod jit;
mod ledger;
mod ledger_crash;
mod ledger_http;
mod plays;
mod plays_devices;
mod plays_inferred;
mod prepare;
mod prepare_crash;
mod prepare_remux;
mod probe;
mod ranges;
mod routes;
mod session;
mod stations;
mod stations_addresses;
mod stations_devices;
mod stations_roster;
mod support;
mod uploads;
mod uploads_media;
mod watch;
