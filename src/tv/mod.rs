//! The TV home screen's rows: continue watching, this month's theme, new local productions,
//! what the station's plan requires this quarter, and one row per series — put together
//! from the catalog, the station's resume points and its plan, for `GET /api/v1/tv/home`.

use std::collections::{BTreeMap, HashMap};

use media_catalog::{CatalogError, Category, Film, FilmState};
use serde::Serialize;

use crate::app::App;
use crate::plays::{PlaysError, ResumePoint};
use crate::reports::ReportsError;

/// Why the home screen could not be put together.
#[derive(Debug, thiserror::Error)]
pub enum TvError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Plays(#[from] PlaysError),
    #[error(transparent)]
    Reports(#[from] ReportsError),
}

/// Films per row at most (a row is browsed with the arrows; the series page has them all).
pub const ROW_LEN: usize = 24;

/// What a home row holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// 继续观看: films this station stopped in the middle of, newest first.
    Continue,
    /// 本月主题: films of this month's theme.
    Theme,
    /// 本地新片: the township's own productions, newest first.
    Local,
    /// 本季度必看: the films of the station's plan for this quarter.
    Required,
    /// One series, in episode order.
    Series,
    /// 其他影片: films in no series and not local productions, newest first (so that
    /// every film can be reached from the home screen, not only by search).
    Other,
}

/// One row of the home screen. Rows of the first four kinds are always present (maybe
/// empty), so the screen keeps its shape; series rows and the "other" row only with films.
#[derive(Clone, Debug)]
pub struct HomeRow {
    pub kind: RowKind,
    /// The theme's or the series' name.
    pub name: Option<String>,
    pub films: Vec<Film>,
}

/// What the home screen is made from.
pub struct HomeInputs {
    /// Every film of the catalog (unlisted ones are skipped here).
    pub films: Vec<Film>,
    /// The station's resume points, newest first (empty without a station).
    pub resume: Vec<ResumePoint>,
    /// Film ids of the station's plan for this quarter, in plan order.
    pub required: Vec<String>,
    /// This month's film ids of that plan (their theme is the month's theme).
    pub required_this_month: Vec<String>,
    /// The local month, 1–12.
    pub month: u8,
}

/// The home screen: its rows and this month's theme.
#[derive(Clone, Debug)]
pub struct Home {
    pub theme: Option<String>,
    pub rows: Vec<HomeRow>,
}

/// Gathers what the home screen of `station` (a paired TV's; `None` for any other
/// browser) is made from: the catalog, the station's resume points and its plan for this
/// quarter (the township's calendar).
pub fn gather(app: &App, station: Option<&str>) -> Result<HomeInputs, TvError> {
    let today = app.days.today();
    let mut inputs = HomeInputs {
        films: app.catalog.films()?,
        resume: Vec::new(),
        required: Vec::new(),
        required_this_month: Vec::new(),
        month: today.month(),
    };
    if let Some(id) = station {
        inputs.resume = app.plays.resume_points(id)?;
        let items = quarter_plan(app, id)?;
        inputs.required_this_month = items
            .iter()
            .filter(|(month, _)| *month == today.month())
            .map(|(_, film)| film.clone())
            .collect();
        inputs.required = items.into_iter().map(|(_, film)| film).collect();
    }
    Ok(inputs)
}

/// The films of `station`'s plan for this quarter (the township's calendar) as (month,
/// film id), by month; also what DLNA's 本站本季度计划 folder lists.
pub fn quarter_plan(app: &App, station: &str) -> Result<Vec<(u8, String)>, TvError> {
    let today = app.days.today();
    let report = app
        .reports
        .quarterly(station, today.year(), today.quarter())?;
    let mut items = report.plan.map(|p| p.items).unwrap_or_default();
    items.sort_by_key(|i| i.month);
    Ok(items.into_iter().map(|i| (i.month, i.film_id)).collect())
}

/// Builds the home rows.
pub fn home(inputs: HomeInputs) -> Home {
    let mut films: Vec<Film> = inputs.films.into_iter().filter(listed).collect();
    films.sort_by(|a, b| a.title.cmp(&b.title).then_with(|| a.id.cmp(&b.id)));
    let by_id: HashMap<&str, &Film> = films.iter().map(|f| (f.id.as_str(), f)).collect();
    let pick = |ids: &mut dyn Iterator<Item = &str>| -> Vec<Film> {
        ids.filter_map(|id| by_id.get(id).map(|f| (*f).clone()))
            .take(ROW_LEN)
            .collect()
    };
    let resume = pick(&mut inputs.resume.iter().map(|p| p.film_id.as_str()));
    let required = pick(&mut inputs.required.iter().map(String::as_str));
    let planned = pick(&mut inputs.required_this_month.iter().map(String::as_str));
    let theme = month_theme(&films, &planned, inputs.month);
    let themed = theme.as_deref().map_or_else(Vec::new, |t| {
        let mut of: Vec<Film> = films.iter().filter(|f| has_theme(f, t)).cloned().collect();
        of.sort_by(episode_order);
        of.truncate(ROW_LEN);
        of
    });
    let mut local: Vec<Film> = films
        .iter()
        .filter(|f| f.category == Some(Category::Local))
        .cloned()
        .collect();
    local.sort_by(|a, b| b.added_at.cmp(&a.added_at).then(b.year.cmp(&a.year)));
    local.truncate(ROW_LEN);
    let row = |kind, name: Option<String>, films| HomeRow { kind, name, films };
    let mut rows = vec![
        row(RowKind::Continue, None, resume),
        row(RowKind::Required, None, required),
        row(RowKind::Theme, theme.clone(), themed),
        row(RowKind::Local, None, local),
    ];
    rows.extend(series_rows(&films));
    let mut other: Vec<Film> = films
        .iter()
        .filter(|f| f.series.is_none() && f.category != Some(Category::Local))
        .cloned()
        .collect();
    other.sort_by(|a, b| b.added_at.cmp(&a.added_at).then(a.title.cmp(&b.title)));
    other.truncate(ROW_LEN);
    if !other.is_empty() {
        rows.push(row(RowKind::Other, None, other));
    }
    Home { theme, rows }
}

/// One row per series, by name, episodes in order.
fn series_rows(films: &[Film]) -> Vec<HomeRow> {
    let mut series: BTreeMap<&str, Vec<Film>> = BTreeMap::new();
    for f in films {
        if let Some(s) = f.series.as_deref() {
            series.entry(s).or_default().push(f.clone());
        }
    }
    series
        .into_iter()
        .map(|(name, mut films)| {
            films.sort_by(episode_order);
            films.truncate(ROW_LEN);
            HomeRow {
                kind: RowKind::Series,
                name: Some(name.to_owned()),
                films,
            }
        })
        .collect()
}

/// This month's theme: the commonest theme of the films the plan has for this month; with
/// no plan for it, the catalog's themes take turns month by month (in name order).
fn month_theme(films: &[Film], planned: &[Film], month: u8) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for t in planned.iter().flat_map(|f| f.themes.iter()) {
        *counts.entry(t.as_str()).or_default() += 1;
    }
    if let Some((t, _)) = counts.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))) {
        return Some((*t).to_owned());
    }
    let mut all: Vec<&str> = films
        .iter()
        .flat_map(|f| f.themes.iter().map(String::as_str))
        .collect();
    all.sort_unstable();
    all.dedup();
    if all.is_empty() {
        return None;
    }
    let turn = usize::from(month.max(1) - 1) % all.len();
    Some(all[turn].to_owned())
}

fn has_theme(f: &Film, theme: &str) -> bool {
    f.themes.iter().any(|t| t == theme)
}

/// Series, then episode (unnumbered last), then title.
pub(crate) fn episode_order(a: &Film, b: &Film) -> std::cmp::Ordering {
    a.series
        .cmp(&b.series)
        .then_with(|| match (a.episode, b.episode) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        })
        .then_with(|| a.title.cmp(&b.title))
}

/// A film the TV lists: present and not refused.
fn listed(f: &Film) -> bool {
    !f.missing && f.state != FilmState::Rejected
}

#[cfg(test)]
mod tests;
