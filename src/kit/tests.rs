//! Unit tests of the chain check and the import rules.
