//! What the township office wrote about the catalog, kept apart from what scans find: film
//! edits (an overlay a rescan lays back over the film), series descriptions and the ordered
//! list of annual and phase themes (播放主题). Owns the sled tree `catalog.office`.

use serde::{Deserialize, Serialize};

use crate::edit::FilmEdit;
use crate::model::FilmId;
use crate::store::{SeriesInfo, StoreError};

const OFFICE_TREE: &str = "catalog.office";
const THEME_PLAN_KEY: &str = "themes:plan";

/// Whether a playback theme holds for a year or for a phase (a campaign within it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThemeKind {
    /// 年度主题.
    Annual,
    /// 阶段主题.
    Phase,
}

/// One playback theme (播放主题) of the township's list, in the office's order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanTheme {
    pub name: String,
    pub kind: ThemeKind,
    /// The year it holds for, when it is tied to one.
    #[serde(default)]
    pub year: Option<i32>,
    /// What the theme asks of the villages.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Serialize, Deserialize)]
enum OfficeRecord {
    FilmEditV1(FilmEdit),
    SeriesV1(SeriesInfo),
    ThemePlanV1(Vec<PlanTheme>),
}

/// The office's tree.
#[derive(Clone, Debug)]
pub(crate) struct OfficeStore {
    tree: sled::Tree,
}

fn film_key(id: &FilmId) -> String {
    format!("film:{id}")
}

fn series_key(name: &str) -> String {
    format!("series:{name}")
}

impl OfficeStore {
    pub(crate) fn open(db: &sled::Db) -> Result<Self, StoreError> {
        Ok(OfficeStore {
            tree: db.open_tree(OFFICE_TREE)?,
        })
    }

    fn read(&self, key: &str) -> Result<Option<OfficeRecord>, StoreError> {
        let Some(bytes) = self.tree.get(key)? else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|source| StoreError::Decode {
                key: key.to_owned(),
                source,
            })
    }

    fn write(&self, key: &str, record: &OfficeRecord) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(record).map_err(|source| StoreError::Encode {
            key: key.to_owned(),
            source,
        })?;
        self.tree.insert(key, bytes)?;
        Ok(())
    }

    /// The office's edit of a film, if any.
    pub(crate) fn film_edit(&self, id: &FilmId) -> Result<Option<FilmEdit>, StoreError> {
        Ok(match self.read(&film_key(id))? {
            Some(OfficeRecord::FilmEditV1(e)) => Some(e),
            _ => None,
        })
    }

    pub(crate) fn put_film_edit(&self, id: &FilmId, edit: &FilmEdit) -> Result<(), StoreError> {
        self.write(&film_key(id), &OfficeRecord::FilmEditV1(edit.clone()))
    }

    /// Series descriptions the office wrote, by name.
    pub(crate) fn series_infos(&self) -> Result<Vec<(String, SeriesInfo)>, StoreError> {
        let mut out = Vec::new();
        for item in self.tree.scan_prefix("series:") {
            let (key, _) = item?;
            let key = String::from_utf8_lossy(&key).into_owned();
            if let Some(OfficeRecord::SeriesV1(info)) = self.read(&key)? {
                out.push((key["series:".len()..].to_owned(), info));
            }
        }
        Ok(out)
    }

    pub(crate) fn put_series_info(&self, name: &str, info: &SeriesInfo) -> Result<(), StoreError> {
        self.write(&series_key(name), &OfficeRecord::SeriesV1(info.clone()))
    }

    pub(crate) fn remove_series_info(&self, name: &str) -> Result<Option<SeriesInfo>, StoreError> {
        let old = match self.read(&series_key(name))? {
            Some(OfficeRecord::SeriesV1(info)) => Some(info),
            _ => None,
        };
        self.tree.remove(series_key(name))?;
        Ok(old)
    }

    /// The ordered theme list (empty until the office writes one).
    pub(crate) fn theme_plan(&self) -> Result<Vec<PlanTheme>, StoreError> {
        Ok(match self.read(THEME_PLAN_KEY)? {
            Some(OfficeRecord::ThemePlanV1(list)) => list,
            _ => Vec::new(),
        })
    }

    pub(crate) fn put_theme_plan(&self, list: &[PlanTheme]) -> Result<(), StoreError> {
        self.write(THEME_PLAN_KEY, &OfficeRecord::ThemePlanV1(list.to_vec()))
    }
}
