//! Test support: generated media fixtures, a running server with request helpers, and a
//! settable clock.

pub mod app;
pub mod clock;
pub mod faults;
pub mod fixtures;
pub mod node;
pub mod plays;
pub mod requests;
pub mod shaper;

pub use app::{spawn_app, spawn_app_on_clock, spawn_app_with, TestApp, PASSWORD};
pub use requests::send;
