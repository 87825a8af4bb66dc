//! Black-box tests: the real binary, real FFmpeg on generated media, real HTTP on loopback.

mod catalog;
mod cli;
mod hostile;
mod probe;
mod ranges;
mod routes;
mod session;
mod support;
mod watch;
