//! The catalog facade the server uses: films kept in the store, found through the search
//! index, and kept in step with the library folders by scans.
//!
//! Writes (`put`, `record_probe`, `record_failure`) are staged in the search index until
//! [`Catalog::commit`]; `plan_scan` commits by itself. Calls block on disk: the server runs
//! them off its async threads.

mod browse;
mod describe;
mod metas;
mod office;

pub use office::MAX_PLAN_THEMES;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::edit::EditError;
use crate::model::{
    Category, FileIdentity, Film, FilmId, FilmState, Fingerprint, KeyframeIndex, ProbeReport,
    Series, Theme,
};
use crate::office::OfficeStore;
use crate::scan::{self, ProbeTask, ScanPlan, ScanProblem, WalkReport};
use crate::search::{SearchError, SearchFilters, SearchIndex};
use crate::store::{Store, StoreError};

/// A page size when the query gives none.
const DEFAULT_PER_PAGE: u32 = 50;
/// The largest page a query may ask for.
const MAX_PER_PAGE: u32 = 200;

/// A failure of the catalog, with its cause.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog store failed")]
    Store(#[from] StoreError),
    #[error("search index failed")]
    Search(#[from] SearchError),
    /// `record_failure` was given a state that is not a failure (a caller's mistake).
    #[error("{} is not a failure state; use failed or rejected", .0.as_str())]
    NotAFailure(FilmState),
    /// An office edit was refused; the message is for the clerk.
    #[error(transparent)]
    Edit(#[from] EditError),
    #[error("no film {0}")]
    UnknownFilm(FilmId),
    #[error("no series {0:?}")]
    UnknownSeries(String),
}

/// A query for films, as the API takes it.
#[derive(Clone, Debug, Default)]
pub struct FilmQuery {
    /// Words, pinyin or pinyin initials; blank means no text search.
    pub q: Option<String>,
    pub category: Option<Category>,
    pub theme: Option<String>,
    pub series: Option<String>,
    pub year: Option<i32>,
    /// `None`: every state but `rejected`, and no missing films. `Some`: that state only,
    /// missing films included.
    pub state: Option<FilmState>,
    /// 1-based; 0 is taken as 1.
    pub page: u32,
    /// 0 means 50; more than 200 is taken as 200.
    pub per_page: u32,
}

/// One page of films and how many match in all.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    pub total: usize,
    pub items: Vec<Film>,
}

/// The library's catalog. `Send + Sync`: share it across workers with an `Arc`.
pub struct Catalog {
    store: Store,
    index: SearchIndex,
    metas: Mutex<metas::MetaState>,
    office: OfficeStore,
    /// Serialises office edits (read, merge, write of one film's overlay).
    edits: Mutex<()>,
}

impl Catalog {
    /// Opens the catalog in `db` with its search index in `index_dir`. An index that does not
    /// hold every stored film (new, recreated, or behind after a crash) is rebuilt.
    pub fn open(db: &sled::Db, index_dir: &Path) -> Result<Catalog, CatalogError> {
        Catalog::with_index(db, SearchIndex::open(index_dir)?)
    }

    /// Opens the catalog with an index in memory, rebuilt from the store (tests, demos).
    pub fn open_with_ram_index(db: &sled::Db) -> Result<Catalog, CatalogError> {
        Catalog::with_index(db, SearchIndex::open_in_ram()?)
    }

    fn with_index(db: &sled::Db, index: SearchIndex) -> Result<Catalog, CatalogError> {
        let catalog = Catalog {
            store: Store::open(db)?,
            index,
            metas: Mutex::new(metas::MetaState::default()),
            office: OfficeStore::open(db)?,
            edits: Mutex::new(()),
        };
        if catalog.index.num_docs() != catalog.store.len() as u64 {
            let count = catalog.reindex()?;
            tracing::info!(films = count, "search index rebuilt from the catalog");
        }
        Ok(catalog)
    }

    /// Changes whenever a film or a series description is written (counted since the
    /// catalog was opened): a cheap test of whether a view built from [`Catalog::films`]
    /// is still current.
    pub fn generation(&self) -> u64 {
        self.store.generation()
    }

    /// One film, missing or not.
    pub fn get(&self, id: &FilmId) -> Result<Option<Film>, CatalogError> {
        Ok(self.store.get(id)?)
    }

    /// Writes a film to the store and stages it in the index (see [`Catalog::commit`]).
    /// The office's edit of the film, if any, is laid over it first: a writer holding an
    /// older copy (a scan, the preparation) cannot undo an edit.
    pub fn put(&self, film: &Film) -> Result<(), CatalogError> {
        let film = self.overlaid(film.clone())?;
        self.store.put(&film)?;
        self.index.upsert(&film)?;
        Ok(())
    }

    fn lock_edits(&self) -> MutexGuard<'_, ()> {
        self.edits.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes staged changes searchable and asks the store to write its buffers out. The store
    /// goes first: it is the truth the index is rebuilt from.
    pub fn commit(&self) -> Result<(), CatalogError> {
        self.store.flush()?;
        self.index.commit()?;
        Ok(())
    }

    /// Marks a film's file to be read again at the next scan: the server found something
    /// else at its path (another file, a symlink, a FIFO). True when this call marked it;
    /// one already marked is not written again, so a flood of refused requests costs one
    /// write.
    pub fn mark_for_rescan(&self, id: &FilmId) -> Result<bool, CatalogError> {
        let Some(mut film) = self.store.get(id)? else {
            return Ok(false);
        };
        if film.source.fingerprint.mtime_ns == Fingerprint::RESCAN {
            return Ok(false);
        }
        film.source.fingerprint.mtime_ns = Fingerprint::RESCAN;
        // Straight to the store: the stored film already carries the office's edits, and
        // nothing searchable changed.
        self.store.put(&film)?;
        self.store.flush()?;
        Ok(true)
    }

    /// The identity a scan recorded for the file at `path`, when a film has that path.
    pub fn identity_at(&self, path: &Path) -> Result<Option<FileIdentity>, CatalogError> {
        Ok(self
            .store
            .film_by_path(path)?
            .and_then(|f| f.source.fingerprint.identity))
    }

    /// Every film, missing and rejected ones included, in id order.
    pub fn films(&self) -> Result<Vec<Film>, CatalogError> {
        Ok(self.store.films()?)
    }

    /// A film's keyframe index, as its probe found it.
    pub fn keyframes(&self, id: &FilmId) -> Result<Option<KeyframeIndex>, CatalogError> {
        Ok(self.store.keyframes(id)?)
    }

    /// A page of films. Without text: filtered from the store, in series, episode and title
    /// order (films without a series last). With text: in the search index's order.
    pub fn search(&self, query: &FilmQuery) -> Result<Page, CatalogError> {
        let per_page = match query.per_page {
            0 => DEFAULT_PER_PAGE,
            n => n.min(MAX_PER_PAGE),
        } as usize;
        let offset = (query.page.max(1) as usize - 1).saturating_mul(per_page);
        let text = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        let Some(text) = text else {
            return Ok(browse::page(self.store.films()?, query, offset, per_page));
        };
        let hits = self
            .index
            .search(text, &search_filters(query), offset, per_page)?;
        let mut items = Vec::with_capacity(hits.ids.len());
        for id in &hits.ids {
            // An id the store lacks is an index behind the store; skip it rather than fail.
            if let Some(film) = self.store.get(id)? {
                items.push(film);
            }
        }
        Ok(Page {
            total: hits.total,
            items,
        })
    }

    /// Series by name, counting films that are neither missing nor rejected; series with no
    /// such film are left out. Category and summary come from `catalog.toml` when it gave
    /// them, else the category of the series' first film.
    pub fn series(&self) -> Result<Vec<Series>, CatalogError> {
        let mut infos = self.store.series_infos()?;
        // The office's descriptions come last, so they win.
        infos.extend(self.office.series_infos()?);
        Ok(browse::series(&self.store.films()?, infos))
    }

    /// Themes by name, counting films that are neither missing nor rejected.
    pub fn themes(&self) -> Result<Vec<Theme>, CatalogError> {
        Ok(browse::themes(&self.store.films()?))
    }

    /// Rebuilds the search index from the store; returns how many films it holds.
    pub fn reindex(&self) -> Result<usize, CatalogError> {
        let films = self.store.films()?;
        self.index.clear()?;
        for film in &films {
            self.index.upsert(film)?;
        }
        self.index.commit()?;
        Ok(films.len())
    }

    /// Films that are not missing, by state name (`FilmState::as_str`); every state is
    /// present, with 0 when no film is in it.
    pub fn count_by_state(&self) -> Result<BTreeMap<&'static str, u64>, CatalogError> {
        let mut counts: BTreeMap<&'static str, u64> =
            FilmState::ALL.iter().map(|s| (s.as_str(), 0)).collect();
        for film in self.store.films()?.iter().filter(|f| !f.missing) {
            *counts.entry(film.state.as_str()).or_default() += 1;
        }
        Ok(counts)
    }

    /// Compares a walk with the catalog and writes what needs no probe: relinked films,
    /// refreshed fingerprints, missing flags set and cleared; then reads the `catalog.toml`
    /// files under the root afresh, stores their series descriptions and applies a new or
    /// edited one to the films already catalogued under it (where it speaks, it wins). Then
    /// commits. The returned plan lists the files to probe and the problems met.
    pub fn plan_scan(&self, walk: &WalkReport) -> Result<ScanPlan, CatalogError> {
        let outcome = scan::plan(self.store.scan_entries()?, walk);
        let now = describe::now();
        for entry in outcome.changed {
            if let Some(film) = self.store.get(&entry.id)? {
                self.put(&describe::rescanned(film, entry, now))?;
            }
        }
        let mut plan = outcome.plan;
        let (meta_errors, redescribed) = self.apply_metas(walk)?;
        plan.redescribed = redescribed;
        plan.problems
            .extend(meta_errors.into_iter().map(ScanProblem::Meta));
        self.commit()?;
        Ok(plan)
    }

    /// Records a probed file. A new file becomes a `queued` film with a fresh id, described
    /// by its name, its folder's `catalog.toml` and (for a generic disc name such as
    /// `AVSEQ01.DAT`) its container's `title` tag. A known film keeps its id, `added_at` and
    /// descriptive metadata; its media, source and state are refreshed. Staged: commit after.
    pub fn record_probe(
        &self,
        task: &ProbeTask,
        report: &ProbeReport,
    ) -> Result<Film, CatalogError> {
        let now = describe::now();
        let mut film = match self.known_film(task)? {
            Some(film) => describe::refreshed(film, task, FilmState::Queued, None, now),
            None => {
                let description = self.describe_file(&task.found.path)?;
                let tags = Some(&report.media.tags);
                let id = self.fresh_id()?;
                describe::new_film(id, task, description, tags, FilmState::Queued, now)
            }
        };
        film.media = Some(report.media.clone());
        self.store.put_keyframes(&film.id, &report.keyframes)?;
        self.put(&film)?;
        Ok(film)
    }

    /// Records a file that could not be catalogued as playable: its film (new or known) is
    /// kept with `state` (`failed` or `rejected`), the clerk-readable `reason` and the
    /// source file name, so the API can list it. Staged: commit after.
    pub fn record_failure(
        &self,
        task: &ProbeTask,
        state: FilmState,
        reason: &str,
    ) -> Result<Film, CatalogError> {
        if !matches!(state, FilmState::Failed | FilmState::Rejected) {
            return Err(CatalogError::NotAFailure(state));
        }
        let now = describe::now();
        let reason = Some(reason.to_owned());
        let mut film = match self.known_film(task)? {
            Some(film) => describe::refreshed(film, task, state, reason, now),
            None => {
                let description = self.describe_file(&task.found.path)?;
                let id = self.fresh_id()?;
                let mut film = describe::new_film(id, task, description, None, state, now);
                film.reason = reason;
                film
            }
        };
        film.media = None;
        self.put(&film)?;
        Ok(film)
    }

    /// The film a task is about: the one named by the plan, else the one at its path (a
    /// file recorded twice must not become two films).
    fn known_film(&self, task: &ProbeTask) -> Result<Option<Film>, CatalogError> {
        if let Some(id) = &task.existing {
            if let Some(film) = self.store.get(id)? {
                return Ok(Some(film));
            }
        }
        Ok(self.store.film_by_path(&task.found.path)?)
    }

    /// A random id no stored film has.
    fn fresh_id(&self) -> Result<FilmId, CatalogError> {
        loop {
            let id = FilmId::new_random();
            if self.store.get(&id)?.is_none() {
                return Ok(id);
            }
        }
    }
}

/// The index filters for a query: the same state rule as browsing.
fn search_filters(query: &FilmQuery) -> SearchFilters {
    let (states, include_missing) = match query.state {
        Some(state) => (vec![state], true),
        None => (
            FilmState::ALL
                .into_iter()
                .filter(|s| *s != FilmState::Rejected)
                .collect(),
            false,
        ),
    };
    SearchFilters {
        category: query.category,
        theme: query.theme.clone(),
        series: query.series.clone(),
        year: query.year,
        states,
        include_missing,
    }
}

// The server shares one catalog across its HTTP workers: keep it `Send + Sync`.
const _: fn() = || {
    fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<Catalog>();
};
