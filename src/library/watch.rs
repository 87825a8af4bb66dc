//! Watching library folders: the OS watcher (inotify) triggers a rescan shortly after files
//! change. If the watcher cannot start or fails (e.g. the inotify watch limit is reached on
//! a big library), periodic rescans take over; `/metrics` and the log say so.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use super::Library;

/// Quiet time after the last change before rescanning, so a file being copied in is
/// scanned once, when the copy is over.
const SETTLE: Duration = Duration::from_secs(3);

/// Starts a thread that scans `roots` now, then keeps them scanned: on changes, and every
/// `every` (the only trigger when the OS watcher is unavailable).
pub fn watch(library: Arc<Library>, roots: Vec<PathBuf>, use_os_watcher: bool, every: Duration) {
    if roots.is_empty() {
        return;
    }
    std::thread::Builder::new()
        .name("library-watch".into())
        .spawn(move || run(&library, &roots, use_os_watcher, every))
        .map_err(|e| tracing::error!(error = %e, "cannot start the library watcher"))
        .ok();
}

fn run(library: &Library, roots: &[PathBuf], use_os_watcher: bool, every: Duration) {
    let (tx, rx) = channel();
    let watcher = if use_os_watcher {
        notify::recommended_watcher(tx)
            .and_then(|mut w| {
                for root in roots {
                    w.watch(root, RecursiveMode::Recursive)?;
                }
                Ok(w)
            })
            .map_err(|e| e.to_string())
    } else {
        drop(tx);
        Err("file watching is turned off in the settings (watch_files = false)".to_owned())
    };
    let _watcher = match watcher {
        Ok(w) => {
            library.set_watcher_mode("watching");
            Some(w)
        }
        Err(why) => {
            fall_back(library, &why);
            None
        }
    };
    // Catch up with whatever changed while the server was down.
    library.scan_all(roots);
    let mut dirty = false;
    loop {
        let wait = if dirty { SETTLE } else { every };
        match rx.recv_timeout(wait) {
            Ok(Ok(_event)) => dirty = true,
            Ok(Err(e)) => {
                // Events may have been lost (queue overflow, limit): rescan now, then rely
                // on the periodic rescans.
                fall_back(library, &e.to_string());
                dirty = true;
            }
            Err(RecvTimeoutError::Timeout) => {
                library.scan_all(roots);
                dirty = false;
            }
            // No watcher: periodic rescans only.
            Err(RecvTimeoutError::Disconnected) => {
                std::thread::sleep(every);
                library.scan_all(roots);
            }
        }
    }
}

fn fall_back(library: &Library, why: &str) {
    tracing::warn!(
        reason = why,
        "file watching unavailable; falling back to periodic rescans"
    );
    library.metrics.watcher_fallback.store(1, Ordering::Relaxed);
    library.set_watcher_mode("periodic");
}
