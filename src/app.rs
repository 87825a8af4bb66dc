//! The running application: settings, stores and services, opened once and shared by the
//! HTTP layer and the command-line tools.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use media_catalog::{Catalog, CatalogError, FilmState};

use crate::accounts::{Accounts, AccountsError, Throttle};
use crate::config::Settings;
use crate::entries::Entries;
use crate::jit::{Jit, JitLimits};
use crate::ledger::{Ledger, LedgerError};
use crate::library::Library;
use crate::media::worker::WorkerOptions;
use crate::media::{PoolConfig, WorkerPool};
use crate::metrics::Metrics;
use crate::plays::{PlayLimits, Plays, PlaysConfig, PlaysError};
use crate::preparation::{Preparation, PrepareError};
use crate::records::Days;
use crate::reports::{Reports, ReportsError};
use crate::stations::{Stations, StationsError, StationsOptions};
use crate::uploads::{UploadError, Uploads, UploadsConfig, UploadsDeps};

/// Everything a request or a command needs.
pub struct App {
    pub settings: Settings,
    pub catalog: Arc<Catalog>,
    pub accounts: Arc<Accounts>,
    pub pool: Arc<WorkerPool>,
    pub metrics: Arc<Metrics>,
    /// Small files served often (HLS segments), kept in memory; bounded, empty at start.
    pub hot_files: Arc<crate::streaming::HotCache>,
    pub library: Arc<Library>,
    pub preparation: Arc<Preparation>,
    pub jit: Arc<Jit>,
    /// The ledger of record (its own fsync'd log in `<data>/ledger/`).
    pub ledger: Arc<Ledger>,
    /// Playback points, rosters, paired TVs.
    pub stations: Arc<Stations>,
    /// The township's calendar (same-day rule, months of reports).
    pub days: Days,
    /// Play sessions (reported and inferred) → viewing entries.
    pub plays: Arc<Plays>,
    /// Resumable uploads of local productions.
    pub uploads: Arc<Uploads>,
    /// Registers and reports over derived indexes of the ledger.
    pub reports: Arc<Reports>,
    /// Manual ledger entries (feedback, plans, pastoral sessions, productions, corrections).
    pub entries: Arc<Entries>,
    /// DLNA MediaServer state: its UUID and the browsable tree.
    pub dlna: crate::dlna::Dlna,
    db: sled::Db,
}

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot create the data folder {path}")]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the data folder {0} is in use by another dianjiao process (stop the server first, or use another --data)")]
    DataInUse(PathBuf),
    #[error("cannot open the database in {path}")]
    Store {
        path: PathBuf,
        #[source]
        source: sled::Error,
    },
    #[error("cannot open the catalog")]
    Catalog(#[from] CatalogError),
    #[error("cannot open the accounts")]
    Accounts(#[from] AccountsError),
    #[error("cannot open the preparation queue")]
    Preparation(#[from] PrepareError),
    #[error("cannot open the stations")]
    Stations(#[from] StationsError),
    #[error("cannot open the ledger")]
    Ledger(#[from] LedgerError),
    #[error("cannot open the play sessions")]
    Plays(#[from] PlaysError),
    #[error("cannot open the uploads")]
    Uploads(#[from] UploadError),
    #[error("cannot open the report indexes")]
    Reports(#[from] ReportsError),
    #[error("cannot open the TV renderers' store")]
    Renderers(#[from] crate::dlna::renderers::known::KnownError),
    #[error("cannot start the media worker processes")]
    Workers(#[source] std::io::Error),
    #[error(transparent)]
    Format(#[from] crate::data_format::FormatError),
}

impl App {
    /// Opens the data folder and starts the worker pool. `exe` is this program's binary,
    /// which the pool runs as `dianjiao worker`.
    pub fn open(settings: Settings, exe: PathBuf) -> Result<App, OpenError> {
        App::open_with(settings, exe, crate::ledger::LedgerOptions::default())
    }

    /// [`App::open`] with the ledger's clock and origin mark from `ledger` (its other
    /// options are ignored): the play sessions and manual entries keep the same clock.
    /// `serve --demo` scripts them to write its demo year; everything else uses the system's.
    pub fn open_with(
        settings: Settings,
        exe: PathBuf,
        ledger: crate::ledger::LedgerOptions,
    ) -> Result<App, OpenError> {
        // First, before any folder is made: a folder from a newer release is left untouched.
        let format = crate::data_format::check(&settings.data)?;
        for dir in [settings.data.clone(), settings.thumbs_dir()] {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&dir)
                .map_err(|source| OpenError::DataDir {
                    path: dir.clone(),
                    source,
                })?;
        }
        let db = open_db(&settings)?;
        keep_private(&settings);
        // After the database: its lock says first whether another server holds the folder.
        let options = crate::ledger::LedgerOptions {
            clock: ledger.clock,
            origin: ledger.origin,
            ..crate::ledger::LedgerOptions::default()
        };
        let ledger = Arc::new(Ledger::open_with(&settings.ledger_dir(), options)?);
        let catalog = Arc::new(Catalog::open(&db, &settings.index_dir())?);
        format.upgrade(&crate::data_format::Stores {
            db: &db,
            catalog: &catalog,
        })?;
        let stations = Arc::new(Stations::open_with(
            &db,
            ledger.clone(),
            StationsOptions {
                pairing_code_hours: settings.pairing_code_hours,
                pairing_lockout: Duration::from_secs(settings.login_lockout_secs),
                pairing_max_wrong_per_hour: settings.pairing_max_wrong_per_hour,
                device_idle: settings.device_idle(),
                ..StationsOptions::new(&settings.township)
            },
        )?);
        let days = Days::new(settings.utc_offset_minutes);
        let reports = Arc::new(Reports::open(&db, ledger.clone(), stations.clone(), days)?);
        let entries = Arc::new(Entries::new(
            ledger.clone(),
            stations.clone(),
            catalog.clone(),
            days,
            &settings.township,
        ));
        let throttle = Throttle::new(
            settings.login_max_failures,
            settings.login_max_failures_per_address,
            Duration::from_secs(settings.login_lockout_secs),
        );
        let ttl = Duration::from_secs(settings.session_hours * 3600);
        let accounts = Arc::new(Accounts::open(
            &db,
            ttl,
            throttle,
            settings.login_check_threads,
        )?);
        let pool_cfg = pool_config(&settings, exe);
        let pool = WorkerPool::start(pool_cfg.clone()).map_err(OpenError::Workers)?;
        let metrics = Arc::new(Metrics::default());
        let library = Arc::new(Library::new(
            catalog.clone(),
            pool.clone(),
            metrics.clone(),
            settings.thumbs_dir(),
        ));
        let preparation = Arc::new(
            Preparation::open(
                &db,
                catalog.clone(),
                pool.clone(),
                metrics.clone(),
                settings.renditions_dir(),
                settings.jit_dir(),
            )?
            .with_retries(prepare_retries(&settings)),
        );
        let wake = preparation.clone();
        library.on_new_films(Box::new(move || wake.notify()));
        let jit = Arc::new(Jit::new(
            settings.jit_dir(),
            pool_cfg,
            jit_limits(&settings),
        ));
        jit.clean(|id| {
            catalog
                .get(id)
                .ok()
                .flatten()
                .is_some_and(|f| f.state != FilmState::Ready)
        });
        let prepared = jit.clone();
        preparation.on_ready(Box::new(move |id| prepared.forget(id)));
        preparation.set_signals(crate::preparation::signals_source(
            reports.clone(),
            stations.clone(),
            days,
            jit.clone(),
        ));
        let plays = open_plays(
            &settings,
            &db,
            &ledger,
            &stations,
            &catalog,
            &metrics,
            (&preparation, &jit),
        )?;
        let uploads = open_uploads(&settings, &db, &library, &catalog, &entries)?;
        Ok(App {
            uploads,
            catalog,
            accounts,
            pool,
            metrics,
            hot_files: Arc::default(),
            dlna: crate::dlna::Dlna::open(&db)?,
            library,
            preparation,
            jit,
            ledger,
            stations,
            days,
            plays,
            reports,
            entries,
            settings,
            db,
        })
    }

    /// The database, for the backup snapshot (`backup::serve_control`).
    pub fn db(&self) -> &sled::Db {
        &self.db
    }

    /// Flushes the stores; called on shutdown.
    pub fn flush(&self) {
        self.plays.flush();
        if let Err(e) = self.catalog.commit() {
            tracing::error!(error = ?e, "catalog commit on shutdown failed");
        }
        if let Err(e) = self.db.flush() {
            tracing::error!(error = ?e, "database flush on shutdown failed");
        }
    }
}

/// Makes the data folder 0700 and the files of the database and the ledger 0600 (password
/// hashes, sessions, the signing key), noting each one that was readable by others. The
/// server's umask (set in `main`) keeps new files private; this mends folders made before.
fn keep_private(settings: &Settings) {
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
fn open_uploads(
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
fn open_plays(
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

pub(crate) fn open_db(settings: &Settings) -> Result<sled::Db, OpenError> {
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
fn jit_limits(settings: &Settings) -> JitLimits {
    JitLimits {
        max_transcodes: settings.jit_max,
        idle: Duration::from_secs(settings.jit_idle_secs.max(1)),
        nice: settings.jit_nice,
        seeks_per_minute: settings.jit_seeks_per_minute,
        seek_burst: settings.jit_seek_burst,
    }
}

/// The worker pool's configuration from the settings.
pub fn pool_config(settings: &Settings, exe: PathBuf) -> PoolConfig {
    PoolConfig {
        exe,
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
fn prepare_retries(settings: &Settings) -> crate::preparation::Retries {
    crate::preparation::Retries {
        after: settings
            .prepare_retry_after_secs
            .iter()
            .filter_map(|&s| Duration::try_from_secs_f64(s).ok())
            .collect(),
    }
}
