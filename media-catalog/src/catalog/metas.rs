//! The `catalog.toml` side of the catalog: finding the description that applies to a file,
//! applying new or edited descriptions on a rescan, and keeping series descriptions.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError};

use super::{describe, Catalog, CatalogError};
use crate::folder_meta::{FileDescription, FolderMeta, MetaCache, MetaError};
use crate::scan::WalkReport;
use crate::store::SeriesInfo;

/// The `catalog.toml` files read by the current scans, and the library roots they bound.
#[derive(Default)]
pub(super) struct MetaState {
    roots: Vec<PathBuf>,
    cache: MetaCache,
}

impl Catalog {
    /// What the `catalog.toml` nearest to `path` says about it, bounded by the library root
    /// it was scanned under (its own folder only when no scan covered it). A series summary
    /// it carries is stored for [`Catalog::series`].
    pub(super) fn describe_file(
        &self,
        path: &Path,
    ) -> Result<Option<FileDescription>, CatalogError> {
        let nearest = {
            let mut metas = self.metas.lock().unwrap_or_else(PoisonError::into_inner);
            let root = metas
                .roots
                .iter()
                .filter(|root| path.starts_with(root))
                .max_by_key(|root| root.components().count())
                .cloned()
                .or_else(|| path.parent().map(Path::to_owned))
                .unwrap_or_default();
            metas.cache.nearest(&root, path)
        };
        let Some((dir, meta)) = nearest else {
            return Ok(None);
        };
        self.store_series_info(&meta)?;
        Ok(Some(meta.describe(path.strip_prefix(&dir).unwrap_or(path))))
    }

    /// Reads the `catalog.toml` files that apply to the walk's files afresh; stores the series
    /// descriptions they hold; applies each one that is new or edited since it was last
    /// applied to the films already catalogued under it. Returns the unusable ones and how
    /// many films changed.
    pub(super) fn apply_metas(
        &self,
        walk: &WalkReport,
    ) -> Result<(Vec<MetaError>, usize), CatalogError> {
        let (folders, errors) = {
            let mut metas = self.metas.lock().unwrap_or_else(PoisonError::into_inner);
            let MetaState { roots, cache } = &mut *metas;
            cache.forget_under(&walk.root);
            if !roots.contains(&walk.root) {
                roots.push(walk.root.clone());
            }
            let mut folders: BTreeMap<PathBuf, (Arc<FolderMeta>, Vec<&Path>)> = BTreeMap::new();
            for file in &walk.files {
                if let Some((dir, meta)) = cache.nearest(&walk.root, &file.path) {
                    folders
                        .entry(dir)
                        .or_insert((meta, Vec::new()))
                        .1
                        .push(&file.path);
                }
            }
            (folders, cache.take_errors())
        };
        let now = describe::now();
        let mut redescribed = 0;
        for (dir, (meta, files)) in folders {
            self.store_series_info(&meta)?;
            let digest = meta.digest();
            if self.store.applied_meta(&dir)?.as_deref() == Some(digest.as_str()) {
                continue;
            }
            for path in files {
                let Some(film) = self.store.film_by_path(path)? else {
                    continue;
                };
                let relative = path.strip_prefix(&dir).unwrap_or(path);
                let changed = describe::redescribed(film.clone(), meta.describe(relative), now);
                let changed = self.overlaid(changed)?;
                if changed != film {
                    self.put(&changed)?;
                    redescribed += 1;
                }
            }
            self.store.set_applied_meta(&dir, &digest)?;
        }
        Ok((errors, redescribed))
    }

    /// Stores what a `catalog.toml` naming a series says about the series as a whole.
    fn store_series_info(&self, meta: &FolderMeta) -> Result<(), CatalogError> {
        let Some(series) = meta.series.as_deref() else {
            return Ok(());
        };
        if meta.summary.is_some() || meta.category.is_some() {
            let info = SeriesInfo {
                category: meta.category,
                summary: meta.summary.clone(),
            };
            self.store.put_series_info(series, &info)?;
        }
        Ok(())
    }
}
