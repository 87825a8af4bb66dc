//! The holes a security review found against a running server (issue 11), each reproduced
//! from outside with real requests, many at once where the hole was a race.

mod body;
mod claims;
mod files;
mod host;
pub(crate) mod jit_storm;
mod metrics;
mod pairing;
mod raw;
mod requests;
pub mod signin;
mod traversal;
mod truth;
