//! The office's side of the catalog: editing a film (searchable at once, and laid back over
//! the film by every later write, so a rescan or a re-probe never undoes it), renaming and
//! describing a series, and the ordered list of playback themes.

use super::{describe, Catalog, CatalogError};
use crate::edit::{EditError, FilmEdit, MAX_NAME_CHARS, MAX_TEXT_CHARS};
use crate::model::{Category, Film, FilmId};
use crate::office::PlanTheme;
use crate::store::SeriesInfo;

/// Most themes in the township's theme list.
pub const MAX_PLAN_THEMES: usize = 100;

impl Catalog {
    /// `film` with the office's edit laid over it (unchanged when there is none).
    pub(super) fn overlaid(&self, film: Film) -> Result<Film, CatalogError> {
        Ok(match self.office.film_edit(&film.id)? {
            Some(edit) => edit.apply(film),
            None => film,
        })
    }

    /// Checks an edit, keeps it (merged over earlier ones) and applies it to the film; the
    /// film is searchable by its new words when this returns.
    pub fn edit_film(&self, id: &FilmId, edit: FilmEdit) -> Result<Film, CatalogError> {
        let edited = self.stage_edit(id, edit)?;
        self.commit()?;
        Ok(edited)
    }

    /// [`Catalog::edit_film`] without the commit (a series rename commits once at the end).
    fn stage_edit(&self, id: &FilmId, edit: FilmEdit) -> Result<Film, CatalogError> {
        let _guard = self.lock_edits();
        let film = self
            .store
            .get(id)?
            .ok_or_else(|| CatalogError::UnknownFilm(id.clone()))?;
        let edit = edit.validated(&film)?;
        let kept = self.office.film_edit(id)?.unwrap_or_default().merged(edit);
        self.office.put_film_edit(id, &kept)?;
        let mut edited = kept.apply(film.clone());
        if edited != film {
            edited.updated_at = describe::now();
        }
        self.put(&edited)?;
        Ok(edited)
    }

    /// Gives every film of series `from` the series name `to` (as an office edit of each
    /// film) and moves the office's description along. Returns how many films changed.
    pub fn rename_series(&self, from: &str, to: &str) -> Result<usize, CatalogError> {
        let to = series_name(to)?;
        let films: Vec<Film> = self
            .store
            .films()?
            .into_iter()
            .filter(|f| f.series.as_deref() == Some(from))
            .collect();
        if films.is_empty() {
            return Err(CatalogError::UnknownSeries(from.to_owned()));
        }
        for film in &films {
            let edit = FilmEdit {
                series: Some(Some(to.clone())),
                ..FilmEdit::default()
            };
            self.stage_edit(&film.id, edit)?;
        }
        if let Some(info) = self.office.remove_series_info(from)? {
            self.office.put_series_info(&to, &info)?;
        }
        self.commit()?;
        Ok(films.len())
    }

    /// The office's description of a series; it wins over a `catalog.toml`'s.
    pub fn describe_series(
        &self,
        name: &str,
        category: Option<Category>,
        summary: Option<String>,
    ) -> Result<(), CatalogError> {
        if !self
            .store
            .films()?
            .iter()
            .any(|f| f.series.as_deref() == Some(name))
        {
            return Err(CatalogError::UnknownSeries(name.to_owned()));
        }
        let summary = summary
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        if summary
            .as_ref()
            .is_some_and(|s| s.chars().count() > MAX_TEXT_CHARS)
        {
            return Err(EditError::TooLong {
                field: "简介",
                max: MAX_TEXT_CHARS,
            }
            .into());
        }
        self.office
            .put_series_info(name, &SeriesInfo { category, summary })?;
        Ok(())
    }

    /// The township's playback themes, in the office's order.
    pub fn theme_plan(&self) -> Result<Vec<PlanTheme>, CatalogError> {
        Ok(self.office.theme_plan()?)
    }

    /// Replaces the theme list (names trimmed, unique, at most [`MAX_PLAN_THEMES`]).
    pub fn set_theme_plan(&self, list: Vec<PlanTheme>) -> Result<Vec<PlanTheme>, CatalogError> {
        if list.len() > MAX_PLAN_THEMES {
            return Err(EditError::BadThemePlan.into());
        }
        let mut out: Vec<PlanTheme> = Vec::with_capacity(list.len());
        for mut t in list {
            t.name = t.name.trim().to_owned();
            t.note = t
                .note
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty());
            let bad_name = t.name.is_empty() || t.name.chars().count() > 40;
            let bad_note = t.note.as_ref().is_some_and(|n| n.chars().count() > 500);
            let bad_year = t.year.is_some_and(|y| !(1921..=2100).contains(&y));
            if bad_name || bad_note || bad_year || out.iter().any(|o| o.name == t.name) {
                return Err(EditError::BadThemePlan.into());
            }
            out.push(t);
        }
        self.office.put_theme_plan(&out)?;
        self.store.flush()?;
        Ok(out)
    }
}

fn series_name(name: &str) -> Result<String, EditError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(EditError::BadSeriesName);
    }
    Ok(name.to_owned())
}
