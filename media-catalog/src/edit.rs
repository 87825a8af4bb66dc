//! Office edits of a film's description: the patch an admin or clerk sends, its checks, and
//! the overlay the store keeps so that a rescan (a new or edited `catalog.toml`, a re-probe)
//! never undoes what the office wrote.
//!
//! Each field is three-state: absent (leave it), `Some(None)` (clear it), `Some(Some(v))`
//! (set it). Title, themes and cues cannot be "cleared" to nothing but an empty list.

use serde::{Deserialize, Serialize};

use crate::model::{Category, Cue, Film};

/// Most characters in a title, series or producer name.
pub const MAX_NAME_CHARS: usize = 200;
/// Most characters in a summary or the preparation notes.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// Most themes on one film.
pub const MAX_THEMES: usize = 20;
/// Most prompt cues on one film.
pub const MAX_CUES: usize = 200;
/// Most characters in one cue.
pub const MAX_CUE_CHARS: usize = 200;

/// A change to a film's description. Absent fields stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FilmEdit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub series: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub episode: Option<Option<u32>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub category: Option<Option<Category>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub themes: Option<Vec<String>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub year: Option<Option<i32>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub producer: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub summary: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub prep_notes: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cues: Option<Vec<Cue>>,
}

/// A field that is present: `null` becomes `Some(None)` ("clear it"), unlike serde's
/// default, which would read it as absent.
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// Why an edit was refused; each message is a sentence a township clerk understands.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    #[error("片名不能为空（the title is required）")]
    EmptyTitle,
    #[error("{field}太长，最多 {max} 个字（{field} is too long）")]
    TooLong { field: &'static str, max: usize },
    #[error("集数必须在 1 到 9999 之间（episode must be 1–9999）")]
    BadEpisode,
    #[error("年份必须在 1921 到 2100 之间（year must be 1921–2100）")]
    BadYear,
    #[error("主题最多 {MAX_THEMES} 个，且不能为空（at most {MAX_THEMES} themes, none blank）")]
    BadThemes,
    #[error("提示最多 {MAX_CUES} 条（at most {MAX_CUES} cues）")]
    TooManyCues,
    #[error("系列名不能为空，最多 {MAX_NAME_CHARS} 个字（series name blank or too long）")]
    BadSeriesName,
    #[error("播放主题列表有误：名称不能为空或重复（最多 40 字），说明最多 500 字，年份 1921–2100，最多 100 个（bad theme list）")]
    BadThemePlan,
    #[error("第 {0} 条提示的时间不对：应在 0 秒到影片时长之间（cue {0}: time outside the film）")]
    CueTime(usize),
    #[error(
        "第 {0} 条提示没有文字或文字太长（cue {0}: text blank or over {MAX_CUE_CHARS} characters）"
    )]
    CueText(usize),
}

/// Trims a text field; blank becomes `None`; checks the length.
fn tidy(
    value: Option<String>,
    field: &'static str,
    max: usize,
) -> Result<Option<String>, EditError> {
    let Some(v) = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > max {
        return Err(EditError::TooLong { field, max });
    }
    Ok(Some(v))
}

impl FilmEdit {
    /// Checks and tidies the edit for `film` (cue times are checked against its duration
    /// when it is known). Blank texts become "cleared"; cues come back sorted by time.
    pub fn validated(mut self, film: &Film) -> Result<FilmEdit, EditError> {
        if let Some(title) = self.title.take() {
            let title = tidy(Some(title), "片名", MAX_NAME_CHARS)?.ok_or(EditError::EmptyTitle)?;
            self.title = Some(title);
        }
        for (slot, field, max) in [
            (&mut self.series, "系列名", MAX_NAME_CHARS),
            (&mut self.producer, "出品单位", MAX_NAME_CHARS),
            (&mut self.summary, "简介", MAX_TEXT_CHARS),
            (&mut self.prep_notes, "播前备课", MAX_TEXT_CHARS),
        ] {
            if let Some(v) = slot.take() {
                *slot = Some(tidy(v, field, max)?);
            }
        }
        if let Some(Some(e)) = self.episode {
            if !(1..=9999).contains(&e) {
                return Err(EditError::BadEpisode);
            }
        }
        if let Some(Some(y)) = self.year {
            if !(1921..=2100).contains(&y) {
                return Err(EditError::BadYear);
            }
        }
        if let Some(themes) = self.themes.take() {
            self.themes = Some(check_themes(themes)?);
        }
        if let Some(cues) = self.cues.take() {
            let duration = film.media.as_ref().map(|m| m.duration_s);
            self.cues = Some(check_cues(cues, duration)?);
        }
        Ok(self)
    }

    /// Lays `newer` over this edit: what `newer` says wins, the rest stays.
    pub fn merged(mut self, newer: FilmEdit) -> FilmEdit {
        fn over<T>(old: &mut Option<T>, new: Option<T>) {
            if new.is_some() {
                *old = new;
            }
        }
        over(&mut self.title, newer.title);
        over(&mut self.series, newer.series);
        over(&mut self.episode, newer.episode);
        over(&mut self.category, newer.category);
        over(&mut self.themes, newer.themes);
        over(&mut self.year, newer.year);
        over(&mut self.producer, newer.producer);
        over(&mut self.summary, newer.summary);
        over(&mut self.prep_notes, newer.prep_notes);
        over(&mut self.cues, newer.cues);
        self
    }

    /// The film with this edit applied.
    pub fn apply(&self, mut film: Film) -> Film {
        fn set<T: Clone>(field: &mut T, edit: &Option<T>) {
            if let Some(v) = edit {
                *field = v.clone();
            }
        }
        set(&mut film.title, &self.title);
        set(&mut film.series, &self.series);
        set(&mut film.episode, &self.episode);
        set(&mut film.category, &self.category);
        set(&mut film.themes, &self.themes);
        set(&mut film.year, &self.year);
        set(&mut film.producer, &self.producer);
        set(&mut film.summary, &self.summary);
        set(&mut film.prep_notes, &self.prep_notes);
        set(&mut film.cues, &self.cues);
        film
    }
}

fn check_themes(themes: Vec<String>) -> Result<Vec<String>, EditError> {
    let mut out: Vec<String> = Vec::new();
    for t in themes {
        let t = t.trim().to_owned();
        if t.is_empty() || t.chars().count() > 40 {
            return Err(EditError::BadThemes);
        }
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.len() > MAX_THEMES {
        return Err(EditError::BadThemes);
    }
    Ok(out)
}

fn check_cues(mut cues: Vec<Cue>, duration_s: Option<f64>) -> Result<Vec<Cue>, EditError> {
    if cues.len() > MAX_CUES {
        return Err(EditError::TooManyCues);
    }
    for (i, cue) in cues.iter_mut().enumerate() {
        let end = duration_s.filter(|d| *d > 0.0).unwrap_or(f64::MAX);
        if !cue.at_s.is_finite() || cue.at_s < 0.0 || cue.at_s > end {
            return Err(EditError::CueTime(i + 1));
        }
        cue.at_s = (cue.at_s * 10.0).round() / 10.0;
        cue.text = cue.text.trim().to_owned();
        if cue.text.is_empty() || cue.text.chars().count() > MAX_CUE_CHARS {
            return Err(EditError::CueText(i + 1));
        }
    }
    cues.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    Ok(cues)
}
