//! Scenario tests live in tests/ (see `scenario.rs`).
