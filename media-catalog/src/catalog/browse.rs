//! Listing films without a text query, and the series and theme lists, from the store's
//! films (a township library holds thousands of films, not millions: a pass is cheap).

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use super::{FilmQuery, Page};
use crate::model::{Film, FilmState, Series, Theme};
use crate::store::SeriesInfo;

/// One page of the films matching a query's filters, in series, episode, title order.
pub(super) fn page(films: Vec<Film>, query: &FilmQuery, offset: usize, limit: usize) -> Page {
    let mut matching: Vec<Film> = films.into_iter().filter(|f| matches(f, query)).collect();
    matching.sort_by(browse_order);
    let total = matching.len();
    let items = matching.into_iter().skip(offset).take(limit).collect();
    Page { total, items }
}

/// The filters of a query, and its state rule: no state given means every state but
/// `rejected` and no missing film; a state given means that state, missing films included.
fn matches(film: &Film, query: &FilmQuery) -> bool {
    let state_ok = match query.state {
        Some(state) => film.state == state,
        None => film.state != FilmState::Rejected && !film.missing,
    };
    state_ok
        && query.category.is_none_or(|c| film.category == Some(c))
        && query
            .theme
            .as_deref()
            .is_none_or(|t| film.themes.iter().any(|ft| ft == t))
        && query
            .series
            .as_deref()
            .is_none_or(|s| film.series.as_deref() == Some(s))
        && query.year.is_none_or(|y| film.year == Some(y))
}

/// Series first (films without one after), then episode (unnumbered after), then title.
fn browse_order(a: &Film, b: &Film) -> Ordering {
    fn some_first<T: Ord>(a: Option<T>, b: Option<T>) -> Ordering {
        match (a, b) {
            (Some(a), Some(b)) => a.cmp(&b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    some_first(a.series.as_deref(), b.series.as_deref())
        .then_with(|| some_first(a.episode, b.episode))
        .then_with(|| a.title.cmp(&b.title))
        .then_with(|| a.id.cmp(&b.id))
}

/// A film that counts in the browsing lists.
fn listed(film: &Film) -> bool {
    !film.missing && film.state != FilmState::Rejected
}

/// Series by name with their listed films counted; `infos` are the `catalog.toml`
/// descriptions by series name.
pub(super) fn series(films: &[Film], infos: Vec<(String, SeriesInfo)>) -> Vec<Series> {
    let infos: HashMap<String, SeriesInfo> = infos.into_iter().collect();
    let mut by_name: BTreeMap<&str, Series> = BTreeMap::new();
    for film in films.iter().filter(|f| listed(f)) {
        let Some(name) = film.series.as_deref() else {
            continue;
        };
        let entry = by_name.entry(name).or_insert_with(|| {
            let info = infos.get(name).cloned().unwrap_or_default();
            Series {
                name: name.to_owned(),
                category: info.category,
                film_count: 0,
                summary: info.summary,
            }
        });
        entry.film_count += 1;
        entry.category = entry.category.or(film.category);
    }
    by_name.into_values().collect()
}

/// Themes by name with their listed films counted.
pub(super) fn themes(films: &[Film]) -> Vec<Theme> {
    let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
    for film in films.iter().filter(|f| listed(f)) {
        for theme in &film.themes {
            *counts.entry(theme.as_str()).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(|(name, film_count)| Theme {
            name: name.to_owned(),
            film_count,
        })
        .collect()
}
