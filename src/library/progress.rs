//! Progress reporting for long scans: a terminal bar for the CLI, nothing for the server.

/// Receives a scan's progress.
pub trait Progress: Sync {
    /// A phase starts with `total` steps.
    fn begin(&self, phase: &str, total: u64);
    /// One step of the phase is done.
    fn advance(&self, item: &str);
    /// The phase is over.
    fn end(&self);
}

/// Reports nothing.
pub struct Quiet;

impl Progress for Quiet {
    fn begin(&self, _: &str, _: u64) {}
    fn advance(&self, _: &str) {}
    fn end(&self) {}
}
