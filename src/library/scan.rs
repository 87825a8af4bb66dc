//! One scan of one folder: walk, plan, probe in parallel, record, make posters.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Instant;

use media_catalog::scan::{walk_library, ProbeTask};
use media_catalog::{Film, FilmState};

use super::{Library, LibraryError, Progress, ScanSummary};
use crate::media::protocol::Expected;
use crate::media::{FailureKind, Reply, Request};

/// Counts shared by the probing threads.
#[derive(Default)]
pub(super) struct Tally {
    probed: usize,
    rejected: usize,
    failed: usize,
}

pub(super) fn run(
    lib: &Library,
    root: &Path,
    progress: &dyn Progress,
) -> Result<ScanSummary, LibraryError> {
    let started = Instant::now();
    let walk = walk_library(root);
    let plan = lib.catalog.plan_scan(&walk)?;
    progress.begin("probing", plan.to_probe.len() as u64);
    let tally = Mutex::new(Tally::default());
    let next = Mutex::new(plan.to_probe.iter());
    let first_error = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..lib.pool.size() {
            s.spawn(|| loop {
                let Some(task) = next.lock().unwrap_or_else(|p| p.into_inner()).next() else {
                    break;
                };
                if let Err(e) = probe_one(lib, task, &tally) {
                    first_error
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .get_or_insert(e);
                }
                progress.advance(&task.found.name);
            });
        }
    });
    progress.end();
    if let Some(e) = first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    lib.catalog.commit()?;
    lib.metrics.scans.fetch_add(1, Ordering::Relaxed);
    let t = tally.into_inner().unwrap_or_else(|p| p.into_inner());
    Ok(ScanSummary {
        root: root.to_owned(),
        found: walk.files.len(),
        probed: t.probed,
        rejected: t.rejected,
        failed: t.failed,
        unchanged: plan.unchanged,
        updated: plan.updated,
        relinked: plan.relinked,
        newly_missing: plan.newly_missing,
        skipped_symlinks: walk.skipped_symlinks,
        returned: plan.returned,
        redescribed: plan.redescribed,
        problems: walk
            .problems
            .iter()
            .cloned()
            .chain(plan.problems.iter().map(|p| error_chain(p)))
            .collect(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Probes one file in a worker and records the outcome (the film, playable or not); then
/// makes its poster.
pub(super) fn probe_one(
    lib: &Library,
    task: &ProbeTask,
    tally: &Mutex<Tally>,
) -> Result<Film, LibraryError> {
    // The file the fingerprint was taken of, and no other, is probed.
    let path = &task.found.path;
    let expect = Expected::of(path, task.fingerprint.identity);
    let request = Request::Probe { path: path.clone() };
    let reply = lib.pool.call_checked(&request, &expect, None);
    let failure = match reply {
        Reply::Probed { report } => {
            let film = lib.catalog.record_probe(task, &report)?;
            lib.metrics.files_probed.fetch_add(1, Ordering::Relaxed);
            lock(tally).probed += 1;
            make_poster(lib, &film);
            return Ok(film);
        }
        Reply::Failed { failure } => failure,
        Reply::Done | Reply::Progress { .. } | Reply::Segment { .. } | Reply::Prepared { .. } => {
            crate::media::MediaFailure {
                kind: FailureKind::WorkerCrashed,
                detail: "worker answered a probe with an unexpected reply".into(),
            }
        }
    };
    tracing::warn!(file = %task.found.path.display(), kind = ?failure.kind, detail = %failure.detail, "file not catalogued");
    if matches!(
        failure.kind,
        FailureKind::WorkerCrashed | FailureKind::TimedOut
    ) {
        lib.metrics.worker_restarts.fetch_add(1, Ordering::Relaxed);
    }
    let state = if failure.kind.is_rejection() {
        lib.metrics.files_rejected.fetch_add(1, Ordering::Relaxed);
        lock(tally).rejected += 1;
        FilmState::Rejected
    } else {
        lib.metrics.files_failed.fetch_add(1, Ordering::Relaxed);
        lock(tally).failed += 1;
        FilmState::Failed
    };
    Ok(lib
        .catalog
        .record_failure(task, state, failure.kind.clerk_message())?)
}

/// A poster frame, or a title card for audio-only films. A failure leaves the film without
/// a poster (logged); it never fails the scan.
fn make_poster(lib: &Library, film: &Film) {
    let Some(media) = &film.media else { return };
    let out = lib.thumb_path(&film.id);
    let source = &film.source;
    let expect = Expected::of(&source.path, source.fingerprint.identity);
    let request = if media.is_audio_only() {
        Request::TitleCard {
            title: film.title.clone(),
            subtitle: Some("音频 · 讲座".into()),
            out,
        }
    } else {
        Request::Poster {
            path: film.source.path.clone(),
            out,
            duration_s: media.duration_s,
        }
    };
    if let Reply::Failed { failure } = lib.pool.call_checked(&request, &expect, None) {
        tracing::warn!(film = %film.id, kind = ?failure.kind, detail = %failure.detail, "no poster made");
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// An error and its causes on one line, for a clerk-facing summary.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}
