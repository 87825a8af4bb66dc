//! A terminal progress bar for `dianjiao scan`.

use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Mutex;

use crate::library::Progress;

/// Shows an indicatif bar per scan phase.
pub struct ScanBar {
    bar: Mutex<Option<ProgressBar>>,
}

impl ScanBar {
    pub fn new() -> Self {
        ScanBar {
            bar: Mutex::new(None),
        }
    }
}

impl Progress for ScanBar {
    fn begin(&self, phase: &str, total: u64) {
        let bar = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template(
            "{prefix} [{bar:30}] {pos}/{len} {per_sec} eta {eta} {wide_msg}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(phase.to_owned());
        *self.bar.lock().unwrap_or_else(|p| p.into_inner()) = Some(bar);
    }

    fn advance(&self, item: &str) {
        if let Some(bar) = &*self.bar.lock().unwrap_or_else(|p| p.into_inner()) {
            bar.set_message(item.to_owned());
            bar.inc(1);
        }
    }

    fn end(&self) {
        if let Some(bar) = self.bar.lock().unwrap_or_else(|p| p.into_inner()).take() {
            bar.finish_and_clear();
        }
    }
}
