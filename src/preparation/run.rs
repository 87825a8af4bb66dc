//! Running one preparation: claim a queued film, plan it, let a worker write the renditions
//! into a temporary folder, then sync and rename that folder into place and mark the film.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use media_catalog::{Film, FilmId, FilmState};

use super::failed::{no_room, not_written, refused, Failed};
use super::order::{self, Place};
use super::outcome::{self, Outcome};
use super::queue;
use super::reuse::{self, Reusable};
use super::{Preparation, PrepareError, Progress};
use crate::jit::JitPlan;
use crate::media::prepare::{decide, Action, Plan};
use crate::media::protocol::{Expected, PrepareJob, PreparedOutputs};
use crate::media::{MediaFailure, Reply, Request};
use crate::metrics::Metrics;

/// Claiming is serialised so that two runners never take the same film (and "先准备这部"
/// never meets a film half-claimed).
pub(super) static CLAIM: Mutex<()> = Mutex::new(());

/// Puts interrupted preparations back in the queue and removes their partial output.
pub(super) fn recover(prep: &Preparation) -> Result<(), PrepareError> {
    for mut film in prep.catalog.films()? {
        if film.state == FilmState::Preparing {
            film.state = FilmState::Queued;
            prep.catalog.put(&film)?;
        }
    }
    prep.catalog.commit()?;
    let entries = fs::read_dir(&prep.dir).map_err(|source| io(&prep.dir, source))?;
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().ends_with(".partial") {
            tracing::info!(path = %entry.path().display(), "removing an interrupted preparation");
            fs::remove_dir_all(entry.path()).map_err(|source| io(&entry.path(), source))?;
        }
    }
    Ok(())
}

/// The film at the front of the queue that is due (not waiting for a later try), marked
/// `preparing`.
pub(super) fn next_queued(prep: &Preparation) -> Result<Option<Film>, PrepareError> {
    let _claim = CLAIM.lock().unwrap_or_else(|p| p.into_inner());
    let now = queue::now_ms();
    let next = in_order(prep)?
        .into_iter()
        .find(|p| p.film.state == FilmState::Queued && !p.waiting(now));
    let Some(Place { mut film, .. }) = next else {
        return Ok(None);
    };
    film.state = FilmState::Preparing;
    film.reason = None;
    prep.catalog.put(&film)?;
    prep.catalog.commit()?;
    Ok(Some(film))
}

/// The queue in order (see `order.rs`).
pub(super) fn in_order(prep: &Preparation) -> Result<Vec<Place>, PrepareError> {
    let signals = prep.signals.get().map(|hook| hook()).unwrap_or_default();
    let entries = queue::all(&prep.queue)?;
    Ok(order::order(prep.catalog.films()?, &entries, &signals))
}

/// Queues a film again, its tries counted afresh.
pub(super) fn requeue(prep: &Preparation, id: &FilmId) -> Result<bool, PrepareError> {
    let Some(mut film) = prep.catalog.get(id)? else {
        return Ok(false);
    };
    if film.state == FilmState::Rejected || film.missing {
        return Ok(false);
    }
    let mut entry = queue::current(&prep.queue, &film)?;
    entry.failures.clear();
    entry.retry_at_ms = None;
    queue::put(&prep.queue, id, &entry)?;
    film.state = FilmState::Queued;
    prep.catalog.put(&film)?;
    prep.catalog.commit()?;
    prep.notify();
    Ok(true)
}

/// Prepares one claimed film and records the result on it.
pub(super) fn prepare_one(
    prep: &Preparation,
    film: Film,
    on_progress: &dyn Fn(&FilmId, &Progress),
) -> Result<(), PrepareError> {
    let Some(media) = &film.media else {
        return finish(
            prep,
            &film.id,
            Err(refused("没有可用的媒体信息，请重新扫描")),
        );
    };
    let plan = decide(media);
    if plan.decision.action == Action::Unplayable {
        let why = plan.decision.reasons.first().map(|r| r.zh.as_str());
        return finish(prep, &film.id, Err(refused(why.unwrap_or("无法播放"))));
    }
    let started = Instant::now();
    let partial = prep.partial_dir(&film.id);
    // Renditions take about as much as the source; a disk without that much above the
    // reserve is not touched (the try fails and comes again once space is freed).
    if let Err(short) = prep.reserve.check(&prep.dir, film.source.fingerprint.size) {
        tracing::warn!(film = %film.id, %short, "no room to prepare");
        return finish(prep, &film.id, Err(no_room()));
    }
    if let Err(source) = fs::create_dir_all(&partial) {
        return finish(prep, &film.id, Err(not_written(&film, &partial, source)));
    }
    let keyframes = prep.catalog.keyframes(&film.id)?.unwrap_or_default();
    // A remux above 480p streams its source rung alone just in time: its lower rungs were
    // never made, so it is prepared from scratch (the copy is the cheap part).
    let made_before = JitPlan::of(&film, keyframes.clone())
        .filter(|jit| jit.plan.ladder == plan.ladder)
        .and_then(|jit| Some((reuse::find(&prep.jit_root, &jit)?, jit)));
    let mut reused = 0;
    let reply = made_before
        .and_then(|(found, jit)| {
            let reply = prepare_reusing(prep, &film, &jit, &found, &partial, on_progress)?;
            reused = found.count;
            Some(reply)
        })
        .unwrap_or_else(|| {
            let job = PrepareJob {
                source: film.source.path.clone(),
                keyframes,
                plan: plan.clone(),
                out_dir: partial.clone(),
                first_segment: 0,
                jit: false,
            };
            run_job(prep, &film, job, on_progress)
        });
    prep.progress
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&film.id);
    match reply {
        Reply::Prepared { outputs } => {
            if let Err(e) = put_in_place(prep, &film.id, &partial) {
                let _ = fs::remove_dir_all(&partial);
                let failed = match e {
                    PrepareError::Io { path, source } => not_written(&film, &path, source),
                    other => return Err(other),
                };
                return finish(prep, &film.id, Err(failed));
            }
            let mut outcome = describe(&plan, &outputs, started.elapsed().as_secs_f64());
            outcome.reused_segments = reused;
            outcome::put(&prep.outcomes, &film.id, outcome)?;
            Metrics::inc(&prep.metrics.films_prepared);
            finish(prep, &film.id, Ok(()))?;
            if let Some(hook) = prep.after_ready.get() {
                hook(&film.id);
            }
            Ok(())
        }
        Reply::Failed { failure } => {
            let _ = fs::remove_dir_all(&partial);
            log_failure(&film, &failure);
            Metrics::inc(&prep.metrics.prepare_failures);
            let full = failure.kind == crate::media::FailureKind::Output
                && prep.reserve.check(&prep.dir, 0).is_err();
            let failed = match full {
                true => no_room(),
                false => Failed {
                    why: failure.kind.clerk_message().into(),
                    refused: failure.kind.is_rejection(),
                    no_room: false,
                },
            };
            finish(prep, &film.id, Err(failed))
        }
        other => {
            let _ = fs::remove_dir_all(&partial);
            tracing::error!(film = %film.id, reply = ?other, "unexpected reply to a preparation");
            let failed = Failed {
                why: "准备过程出错".into(),
                refused: false,
                no_room: false,
            };
            finish(prep, &film.id, Err(failed))
        }
    }
}

/// Prepares a film from the segments made just in time from its start: a worker makes only
/// the rest (none when all exist), then the playlists are written and `tv.mp4` assembled
/// from the top rendition's segments. None when the segments do not add up to the plan
/// (the worker cut the film differently): then the film is prepared from scratch.
fn prepare_reusing(
    prep: &Preparation,
    film: &Film,
    jit: &JitPlan,
    found: &Reusable,
    partial: &Path,
    on_progress: &dyn Fn(&FilmId, &Progress),
) -> Option<Reply> {
    tracing::info!(film = %film.id, reused = found.count, of = found.total, "preparing from segments made just in time");
    if found.count < found.total {
        let job = PrepareJob {
            source: film.source.path.clone(),
            keyframes: jit.keyframes.clone(),
            plan: jit.plan.clone(),
            out_dir: partial.to_owned(),
            first_segment: found.count,
            jit: true,
        };
        match run_job(prep, film, job, on_progress) {
            Reply::Prepared { .. } => {}
            other => return Some(other),
        }
    }
    if let Err(e) = reuse::take(found, &jit.plan, partial) {
        return Some(Reply::Failed {
            failure: reuse::output_failure(e),
        });
    }
    if !reuse::complete(&jit.plan, partial, found.total) {
        tracing::warn!(film = %film.id, "segments made just in time do not match the plan; preparing from scratch");
        if let Err(e) = fs::remove_dir_all(partial).and_then(|()| fs::create_dir_all(partial)) {
            return Some(Reply::Failed {
                failure: reuse::output_failure(e),
            });
        }
        return None;
    }
    let pictures = jit.plan.ladder.first().is_some_and(|r| r.video.is_some());
    if pictures {
        let req = Request::Assemble {
            segments: reuse::top_segments(&jit.plan, partial, found.total),
            out: partial.join("tv.mp4"),
        };
        match prep.pool.call(&req) {
            Reply::Done => {}
            other => return Some(other),
        }
    }
    Some(match reuse::write_playlists(jit, partial, pictures) {
        Ok(outputs) => Reply::Prepared { outputs },
        Err(e) => Reply::Failed {
            failure: reuse::output_failure(e),
        },
    })
}

fn run_job(
    prep: &Preparation,
    film: &Film,
    job: PrepareJob,
    on_progress: &dyn Fn(&FilmId, &Progress),
) -> Reply {
    let duration = job.plan.duration_s;
    let mut progress = Progress::start();
    prep.progress
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(film.id.clone(), progress.clone());
    tracing::info!(film = %film.id, title = %film.title, action = ?job.plan.decision.action, "preparing");
    // The worker prepares the file the scan recorded, and refuses anything swapped in.
    let expect = Expected::of(&job.source, film.source.fingerprint.identity);
    let mut report = |position_s| {
        progress.at(position_s, duration);
        prep.progress
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(film.id.clone(), progress.clone());
        on_progress(&film.id, &progress);
    };
    let request = Request::Prepare { job };
    prep.pool.call_checked(&request, &expect, Some(&mut report))
}

/// Syncs the finished folder and renames it over any earlier renditions of the film.
fn put_in_place(prep: &Preparation, id: &FilmId, partial: &Path) -> Result<(), PrepareError> {
    sync_tree(partial)?;
    let target = prep.film_dir(id);
    if target.exists() {
        // An older preparation: move it aside first so the rename below is atomic.
        let old = prep.dir.join(format!("{id}.old.partial"));
        fs::rename(&target, &old).map_err(|source| io(&target, source))?;
        fs::remove_dir_all(&old).map_err(|source| io(&old, source))?;
    }
    fs::rename(partial, &target).map_err(|source| io(&target, source))?;
    sync_dir(&prep.dir)
}

/// fsyncs every file and folder below `dir` (the worker synced the files' data already; this
/// makes the directory entries durable too).
fn sync_tree(dir: &Path) -> Result<(), PrepareError> {
    let entries = fs::read_dir(dir).map_err(|source| io(dir, source))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sync_tree(&path)?;
        } else {
            fs::File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(|source| io(&path, source))?;
        }
    }
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<(), PrepareError> {
    fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|source| io(dir, source))
}

fn describe(plan: &Plan, outputs: &PreparedOutputs, seconds: f64) -> Outcome {
    let action = match plan.decision.action {
        Action::Remux => "remux",
        Action::Transcode => "transcode",
        Action::CopyVideo => "copy_video",
        Action::AudioOnly { .. } => "audio_only",
        Action::Unplayable => "unplayable",
    };
    Outcome {
        action: action.into(),
        reasons: plan.decision.reasons.iter().map(|r| r.zh.clone()).collect(),
        rungs: outputs.rungs.iter().map(|r| r.name.clone()).collect(),
        tv_mp4: outputs.tv_mp4,
        prepared_at: now_unix(),
        seconds,
        reused_segments: 0,
    }
}

/// Marks the film ready (its queue record goes), or records the failed try: the film is
/// queued for a later try, or failed, with a reason a clerk understands.
fn finish(prep: &Preparation, id: &FilmId, result: Result<(), Failed>) -> Result<(), PrepareError> {
    let Some(mut film) = prep.catalog.get(id)? else {
        return Ok(());
    };
    match result {
        Ok(()) => {
            queue::forget(&prep.queue, id)?;
            film.state = FilmState::Ready;
            film.reason = None;
        }
        Err(Failed {
            why, no_room: true, ..
        }) => {
            queue::wait_for_room(&prep.queue, &prep.retries, &film, queue::now_ms())?;
            film.state = FilmState::Queued;
            film.reason = Some(why);
        }
        Err(Failed { why, refused, .. }) => {
            let (state, reason) = queue::record_failure(
                &prep.queue,
                &prep.retries,
                &film,
                &why,
                refused,
                queue::now_ms(),
            )?;
            film.state = state;
            film.reason = Some(reason);
        }
    }
    prep.catalog.put(&film)?;
    prep.catalog.commit()?;
    if film.state == FilmState::Queued {
        // Another try is to come: runners idle until then must wake for it.
        prep.notify();
    }
    Ok(())
}

fn log_failure(film: &Film, failure: &MediaFailure) {
    tracing::warn!(film = %film.id, kind = ?failure.kind, detail = %failure.detail, "preparation failed");
}

fn io(path: &Path, source: std::io::Error) -> PrepareError {
    PrepareError::Io {
        path: PathBuf::from(path),
        source,
    }
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
