//! The pieces [`App::open_with`](super::App::open_with) puts together: private folders, the
//! uploads and play sessions with their settings, and the limits derived from settings.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::*;

/// Makes the data folder 0700 and the files of the database and the ledger 0600 (password
/// hashes, sessions, the signing key), noting each one that was readable by others. The
/// server's umask (set in `main`) keeps new files private; this mends folders made before.
pub(super) fn keep_private(settings: &Settings) {
    let mut mended = 0;
    let mut set = |path: &std::path::Path, mode: u32| {
        let Ok(meta) = std::fs::symlink_metadata(path) else {
            return;
        };
        if meta.file_type().is_symlink() || meta.permissions().mode() & 0o777 == mode {
            return;
        }
        match std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
            Ok(()) => mended += 1,
            Err(e) => tracing::warn!(path = %path.display(), error = %e, "cannot make private"),
        }
    };
    set(&settings.data, 0o700);
    for dir in [settings.db_dir(), settings.ledger_dir()] {
        for entry in walkdir::WalkDir::new(&dir).into_iter().flatten() {
            let mode = if entry.file_type().is_dir() {
                0o700
            } else {
                0o600
            };
            set(entry.path(), mode);
        }
    }
    if mended > 0 {
        tracing::warn!(
            data = %settings.data.display(),
            mended,
            "the data folder was readable by other local users; made private to the server (0700/0600)"
        );
    }
}

/// The uploads, writing under the data folder.
pub(super) fn open_uploads(
    settings: &Settings,
    db: &sled::Db,
    library: &Arc<Library>,
    catalog: &Arc<Catalog>,
    entries: &Arc<Entries>,
) -> Result<Arc<Uploads>, UploadError> {
    let hours = settings.upload_expire_hours.max(0.0);
    let cfg = UploadsConfig {
        dir: settings.uploads_dir(),
        media_dir: settings.media_dir(),
        max_bytes: settings.upload_max_bytes,
        expire: Duration::try_from_secs_f64(hours * 3600.0).unwrap_or(Duration::MAX),
        township: settings.township.clone(),
        reserve: crate::disk::Reserve::mb(settings.disk_reserve_mb),
    };
    let deps = UploadsDeps {
        db: db.clone(),
        library: library.clone(),
        catalog: catalog.clone(),
        entries: entries.clone(),
    };
    Uploads::open(cfg, deps)
}

/// The play sessions, on the server's clock.
pub(super) fn open_plays(
    settings: &Settings,
    db: &sled::Db,
    ledger: &Arc<Ledger>,
    stations: &Arc<Stations>,
    catalog: &Arc<Catalog>,
    metrics: &Arc<Metrics>,
    (preparation, jit): (&Arc<Preparation>, &Arc<Jit>),
) -> Result<Arc<Plays>, PlaysError> {
    let prepared = preparation.clone();
    let (planner, films) = (jit.clone(), catalog.clone());
    let deps = crate::plays::Deps {
        db: db.clone(),
        ledger: ledger.clone(),
        stations: stations.clone(),
        catalog: catalog.clone(),
        metrics: metrics.clone(),
        days: Days::new(settings.utc_offset_minutes),
        film_dir: Box::new(move |id| prepared.film_dir(id)),
        planned_segments: Box::new(move |id| {
            let film = films.get(id).ok().flatten()?;
            let plan = planner.plan(&film, || {
                films.keyframes(id).ok().flatten().unwrap_or_default()
            })?;
            Some(
                plan.segments
                    .iter()
                    .map(|s| (s.start_s, s.end_s()))
                    .collect(),
            )
        }),
    };
    let cfg = PlaysConfig {
        idle_secs: settings.play_idle_secs,
        min_secs: settings.play_min_secs,
        clock: ledger.clock(),
        limits: PlayLimits {
            entry_grace_secs: settings.play_entry_grace_mins.saturating_mul(60),
            open_per_client: settings.plays_open_per_client.max(1),
            starts_per_hour: settings.plays_started_per_hour.max(1),
            entries_per_hour: settings.play_entries_per_hour.max(1),
            unregistered_keep_days: settings.unregistered_keep_days.max(1),
        },
    };
    Ok(Arc::new(Plays::open(deps, cfg)?))
}

/// Opens the data folder's database, after checking the folder's format is one this
/// version reads.
pub fn open_db(settings: &Settings) -> Result<sled::Db, OpenError> {
    crate::data_format::check(&settings.data)?;
    let path = settings.db_dir();
    sled::Config::new()
        .path(&path)
        // The catalog is small; sled's 1 GiB default cache would dominate the server's memory.
        .cache_capacity(16 * 1024 * 1024)
        .open()
        .map_err(|source| match source {
            // sled reports a held lock as an `Other` I/O error with this text.
            sled::Error::Io(ref io) if io.to_string().contains("could not acquire lock") => {
                OpenError::DataInUse(settings.data.clone())
            }
            source => OpenError::Store { path, source },
        })
}

/// How the just-in-time service limits its producers, from the settings.
pub(super) fn jit_limits(settings: &Settings) -> JitLimits {
    JitLimits {
        max_transcodes: settings.jit_max,
        idle: Duration::from_secs(settings.jit_idle_secs.max(1)),
        nice: settings.jit_nice,
        seeks_per_minute: settings.jit_seeks_per_minute,
        seek_burst: settings.jit_seek_burst,
    }
}

/// The worker pool's configuration from the settings; `exe` is the server's executable,
/// the workers' is the one beside it ([`crate::media::pool::worker_beside`]).
pub fn pool_config(settings: &Settings, exe: PathBuf) -> PoolConfig {
    PoolConfig {
        exe: crate::media::pool::worker_beside(&exe),
        size: settings.workers.max(1),
        timeout: Duration::from_secs(settings.worker_timeout_secs.max(1)),
        worker: WorkerOptions {
            memory_mb: settings.worker_memory_mb,
            nice: settings.worker_nice,
            limits: settings.media_limits.clone(),
            debug_delay_ms: settings.worker_debug_delay_ms,
        },
    }
}

/// `prepare_retry_after_secs` as the preparation's retry waits.
pub(super) fn prepare_retries(settings: &Settings) -> crate::preparation::Retries {
    crate::preparation::Retries {
        after: settings
            .prepare_retry_after_secs
            .iter()
            .filter_map(|&s| Duration::try_from_secs_f64(s).ok())
            .collect(),
    }
}

/// At the county, its store; at a township with `county_url`, the sender.
#[allow(clippy::type_complexity)]
pub(super) fn open_county(
    settings: &Settings,
    db: &sled::Db,
    ledger: &Arc<Ledger>,
) -> Result<
    (
        Option<Arc<crate::county::County>>,
        Option<Arc<crate::county::sender::Sender>>,
    ),
    OpenError,
> {
    if settings.county {
        return Ok((Some(Arc::new(crate::county::County::open(db)?)), None));
    }
    let sender = crate::county::sender::Sender::new(
        ledger.clone(),
        &settings.county_url,
        settings.county_push_batch,
    );
    Ok((None, sender.map(Arc::new)))
}
