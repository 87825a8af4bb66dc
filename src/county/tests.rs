//! The county's verification on real ledgers in temporary folders.
