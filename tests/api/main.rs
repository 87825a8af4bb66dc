//! Black-box tests: the real binary, real FFmpeg on generated media, real HTTP on loopback.

mod catalog;
mod routes;
mod support;
