//! Full-text search over the catalog: Chinese words and substrings, pinyin spellings and
//! initials, exact filters (tantivy + jieba + pinyin).
//!
//! Inside: `text` folds text (full-width → ASCII, lowercase, punctuation → space) and holds
//! the word (jieba) and n-gram tokenizers; `pinyin` makes the pinyin suffix terms; `schema`
//! says how a [`Film`] is indexed; `query` turns user text and [`SearchFilters`] into a
//! query; `order` and `ranking` order the hits (score, then series, episode, title).
//!
//! Memory: the index writer (a 15 MB arena, one thread) exists only from the first staged
//! change to the commit, after which freed memory is handed back to the OS; an idle index
//! holds its reader, the tie order of its documents (≈ 20 bytes a film) and, once per process,
//! the jieba word list (≈ 6 MB, see `text`).

mod order;
mod pinyin;
mod query;
mod ranking;
mod schema;
#[cfg(test)]
mod tests;
mod text;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use tantivy::directory::error::OpenDirectoryError;
use tantivy::indexer::LogMergePolicy;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyError, Term};

use crate::model::{Category, Film, FilmId, FilmState};
use ranking::Snapshot;
use schema::{Fields, SCHEMA_TAG};

/// Memory budget of the short-lived index writer (tantivy's minimum per thread).
const WRITER_BUDGET_BYTES: usize = 15_000_000;

/// Why the search index failed. User query text never causes one.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// Tantivy failed: I/O, a corrupt segment, a lock held by another process.
    #[error("the search engine failed")]
    Tantivy(#[from] TantivyError),
    /// The index directory could not be opened.
    #[error("cannot open the search index directory")]
    Directory(#[from] OpenDirectoryError),
    /// Creating or wiping the index directory failed.
    #[error("cannot prepare the search index directory {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The directory to be wiped holds sub-directories, so it is not (only) a search index:
    /// it is left alone rather than emptied.
    #[error("{0} does not look like a search index directory; not wiping it")]
    NotAnIndexDirectory(PathBuf),
}

/// Exact-match restrictions on a search; the default restricts nothing but missing films.
#[derive(Clone, Debug, Default)]
pub struct SearchFilters {
    /// Only films of this category.
    pub category: Option<Category>,
    /// Only films carrying this theme (exact name).
    pub theme: Option<String>,
    /// Only films of this series (exact name).
    pub series: Option<String>,
    /// Only films of this year.
    pub year: Option<i32>,
    /// Only films in one of these states; empty means any state.
    pub states: Vec<FilmState>,
    /// Also return films whose file has gone from the library.
    pub include_missing: bool,
}

/// One page of search results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchHits {
    /// How many films match in all (for paging).
    pub total: usize,
    /// The films of the requested page, best first.
    pub ids: Vec<FilmId>,
}

/// Why an existing index directory is not used as it is.
#[derive(Debug, thiserror::Error)]
enum Unusable {
    #[error("cannot be read")]
    Corrupt(#[from] TantivyError),
    #[error("was written with another schema")]
    SchemaChanged,
    #[error("was written by another version ({0:?})")]
    VersionChanged(Option<String>),
}

/// The search index of the catalog. `Send + Sync`: share one behind an `Arc`; searches run
/// concurrently (on the last committed state), changes are serialized. Every method blocks
/// (disk, CPU): call them off async threads.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// Created by the first staged change, dropped by `commit`: see the module docs.
    writer: Mutex<Option<IndexWriter>>,
    /// The committed state searches run on; replaced by `commit`.
    snapshot: RwLock<Arc<Snapshot>>,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it if absent. An index written with another schema
    /// or version, or one that cannot be read, is wiped and recreated empty: callers reindex
    /// when [`num_docs`](Self::num_docs) is 0. `dir` belongs to the index alone.
    pub fn open(dir: &Path) -> Result<Self, SearchError> {
        let io_error = |source| SearchError::Io {
            path: dir.to_owned(),
            source,
        };
        fs::create_dir_all(dir).map_err(io_error)?;
        if dir.join("meta.json").exists() {
            match Self::open_existing(dir) {
                Ok(index) => return Ok(index),
                Err(why) => {
                    tracing::warn!(dir = %dir.display(), %why, "search index rebuilt empty");
                    wipe(dir)?;
                }
            }
        }
        let (schema, _) = schema::build();
        Ok(Self::from_index(Index::create_in_dir(dir, schema)?)?)
    }

    /// A fresh index in memory (tests, benchmarks).
    pub fn open_in_ram() -> Result<Self, SearchError> {
        let (schema, _) = schema::build();
        Ok(Self::from_index(Index::create_in_ram(schema))?)
    }

    fn open_existing(dir: &Path) -> Result<Self, Unusable> {
        let index = Index::open_in_dir(dir).map_err(Unusable::Corrupt)?;
        if index.schema() != schema::build().0 {
            return Err(Unusable::SchemaChanged);
        }
        let search = Self::from_index(index)?;
        let payload = search.index.load_metas()?.payload;
        // An index never committed to by us has no payload, and nothing to lose.
        let empty_and_unstamped = payload.is_none() && search.num_docs() == 0;
        if payload.as_deref() != Some(SCHEMA_TAG) && !empty_and_unstamped {
            return Err(Unusable::VersionChanged(payload));
        }
        Ok(search)
    }

    fn from_index(index: Index) -> tantivy::Result<Self> {
        schema::register_tokenizers(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        text::warm_up();
        let snapshot = Snapshot::new(reader.searcher())?;
        Ok(SearchIndex {
            fields: schema::build().1,
            index,
            reader,
            writer: Mutex::new(None),
            snapshot: RwLock::new(Arc::new(snapshot)),
        })
    }

    /// The writer slot; a panic elsewhere while it was held does not make it unusable.
    fn writer_slot(&self) -> MutexGuard<'_, Option<IndexWriter>> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The writer in `slot`, created if no change is staged yet.
    fn staged<'a>(
        &self,
        slot: &'a mut Option<IndexWriter>,
    ) -> Result<&'a mut IndexWriter, SearchError> {
        if let Some(writer) = slot.take() {
            return Ok(slot.insert(writer));
        }
        let writer: IndexWriter = self.index.writer_with_num_threads(1, WRITER_BUDGET_BYTES)?;
        writer.set_merge_policy(Box::new(merge_policy()));
        Ok(slot.insert(writer))
    }

    /// Stages a film: replaces any indexed film with the same id. Searchable after
    /// [`commit`](Self::commit).
    pub fn upsert(&self, film: &Film) -> Result<(), SearchError> {
        let doc = schema::document(&self.fields, film);
        let mut slot = self.writer_slot();
        let writer = self.staged(&mut slot)?;
        writer.delete_term(Term::from_field_text(self.fields.id, film.id.as_str()));
        writer.add_document(doc)?;
        Ok(())
    }

    /// Stages the removal of every film (changes staged before are dropped; upserts after it
    /// are kept). Takes effect at the next [`commit`](Self::commit).
    pub fn clear(&self) -> Result<(), SearchError> {
        let mut slot = self.writer_slot();
        if let Some(writer) = slot.as_mut() {
            writer.rollback()?;
        }
        self.staged(&mut slot)?.delete_all_documents()?;
        Ok(())
    }

    /// Makes the staged changes durable and searchable, then frees the writer's memory.
    /// Blocks for the commit and any segment merge it starts. Without staged changes it
    /// only reloads the reader. If it fails, the staged changes are dropped.
    pub fn commit(&self) -> Result<(), SearchError> {
        let mut slot = self.writer_slot();
        if let Some(mut writer) = slot.take() {
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(SCHEMA_TAG);
            prepared.commit()?;
            writer.wait_merging_threads()?;
            release_freed_memory();
        }
        self.reader.reload()?;
        // Outside the snapshot lock: searches go on meanwhile, on the previous snapshot.
        let snapshot = Arc::new(Snapshot::new(self.reader.searcher())?);
        *self
            .snapshot
            .write()
            .unwrap_or_else(PoisonError::into_inner) = snapshot;
        Ok(())
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        let snapshot = self.snapshot.read().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&snapshot)
    }

    /// How many films the committed index holds.
    pub fn num_docs(&self) -> u64 {
        self.snapshot().searcher.num_docs()
    }

    /// Searches the committed index. `q` is free text (never an error, whatever it holds):
    /// terms split on whitespace must all match. Blank text (or text of only punctuation)
    /// returns every film passing `filters`, in series/episode/title order. Returns the
    /// total count and the ids of hits `offset..offset + limit`.
    pub fn search(
        &self,
        q: &str,
        filters: &SearchFilters,
        offset: usize,
        limit: usize,
    ) -> Result<SearchHits, SearchError> {
        let query = query::build(&self.fields, q, filters);
        let page = self.snapshot().search(&*query, offset, limit)?;
        Ok(SearchHits {
            total: page.total,
            ids: page.ids,
        })
    }
}

/// Tantivy's log merge policy, merging sooner: every query pays per segment, and upserts
/// leave deleted documents behind.
fn merge_policy() -> LogMergePolicy {
    let mut policy = LogMergePolicy::default();
    policy.set_min_num_segments(4);
    policy.set_del_docs_ratio_before_merge(0.3);
    policy
}

/// Hands the memory a commit freed back to the OS. glibc keeps freed heap memory in its
/// (per-thread) arenas: without this an idle server stays ≈ 20 MB larger after indexing
/// 1,000 films, though the writer and its threads are gone.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own heaps, under glibc's locks; it touches no
    // memory we own and may be called from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Empties an index directory. Refuses if it holds a sub-directory: tantivy never makes one,
/// so such a directory is not ours to empty (a misconfigured path, say the data root).
fn wipe(dir: &Path) -> Result<(), SearchError> {
    let io_error = |source| SearchError::Io {
        path: dir.to_owned(),
        source,
    };
    let entries = fs::read_dir(dir)
        .map_err(io_error)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(io_error)?;
    for entry in &entries {
        if entry.file_type().map_err(io_error)?.is_dir() {
            return Err(SearchError::NotAnIndexDirectory(dir.to_owned()));
        }
    }
    for entry in entries {
        fs::remove_file(entry.path()).map_err(io_error)?;
    }
    Ok(())
}
