//! Test support: generated media fixtures and a running server.

pub mod fixtures;
