//! The running application: settings, stores and services, opened once and shared by the
//! HTTP layer and the command-line tools.

use std::os::unix::fs::DirBuilderExt;
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

mod parts;

pub use parts::open_db;
pub use parts::pool_config;
use parts::{jit_limits, keep_private, open_plays, open_uploads, prepare_retries};

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
    /// At the county (`serve --county`): the townships and their verified entries.
    pub county: Option<Arc<crate::county::County>>,
    /// At a township with `county_url` set: the push of new entries to the county.
    pub sender: Option<Arc<crate::county::sender::Sender>>,
    /// Pastoral field kits: making them, importing their records.
    pub kits: Arc<crate::kit::Kits>,
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
    #[error("cannot open the county's store")]
    County(#[from] crate::county::CountyError),
    #[error("cannot open the field kits' register")]
    Kits(#[from] crate::kit::KitError),
}

impl App {
    /// Opens the data folder and starts the worker pool. `exe` is this program's binary,
    /// beside which the pool finds `dianjiao-worker`.
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
            reserve_bytes: settings.ledger_reserve_mb.saturating_mul(1 << 20),
            fail_sync_after: match settings.ledger_debug_fail_sync_after {
                0 => None,
                n => Some(n),
            },
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
            .with_retries(prepare_retries(&settings))
            .with_reserve(crate::disk::Reserve::mb(settings.disk_reserve_mb)),
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
        let kits = Arc::new(crate::kit::Kits::open(
            &db,
            (
                ledger.clone(),
                stations.clone(),
                catalog.clone(),
                reports.clone(),
            ),
            days,
            crate::kit::KitSettings::from_settings(&settings),
        )?);
        let (county, sender) = parts::open_county(&settings, &db, &ledger)?;
        Ok(App {
            county,
            sender,
            kits,
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
