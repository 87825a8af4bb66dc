//! Building a film record from what is known about a file: its name, its folder's
//! `catalog.toml` and its container tags; and refreshing a known film after a new probe.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::folder_meta::FileDescription;
use crate::model::{Film, FilmId, FilmState, SourceFile};
use crate::names::{is_generic_disc_name, parse_path};
use crate::scan::ProbeTask;
use crate::store::ScanEntry;

/// Unix seconds now (0 on a clock set before 1970).
pub(super) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A new film. What `catalog.toml` says wins over the container's title tag, which is used
/// when the file name is a generic disc name, or has no Chinese in it while the tag has
/// (`rongruguan.wmv` tagged 社会主义荣辱观教育); otherwise the file name gives the title.
pub(super) fn new_film(
    id: FilmId,
    task: &ProbeTask,
    description: Option<FileDescription>,
    tags: Option<&BTreeMap<String, String>>,
    state: FilmState,
    now: i64,
) -> Film {
    let path = &task.found.path;
    let parsed = parse_path(path);
    let stem = path
        .file_stem()
        .map(crate::os_path::display_name)
        .unwrap_or_default();
    let tag_title = tags
        .and_then(title_tag)
        .filter(|tag| is_generic_disc_name(&stem) || (!has_chinese(&stem) && has_chinese(tag)));
    let named = tag_title.unwrap_or(parsed.title);
    let d = description.unwrap_or_default();
    let title = d
        .title
        .filter(|t| !t.trim().is_empty())
        .or_else(|| (!named.trim().is_empty()).then_some(named))
        .unwrap_or_else(|| task.found.name.clone());
    Film {
        id,
        title,
        series: d.series.or(parsed.series),
        episode: d.episode.or(parsed.episode),
        category: d.category,
        themes: d.themes,
        year: d.year,
        producer: d.producer,
        summary: d.summary,
        prep_notes: d.prep_notes,
        cues: d.cues,
        state,
        reason: None,
        source: source_of(task),
        missing: false,
        media: None,
        added_at: now,
        updated_at: now,
    }
}

/// A known film after a new probe (or a failed one): id, `added_at` and everything
/// descriptive stay; the source, state and reason are the new ones.
pub(super) fn refreshed(
    mut film: Film,
    task: &ProbeTask,
    state: FilmState,
    reason: Option<String>,
    now: i64,
) -> Film {
    film.source = source_of(task);
    film.state = state;
    film.reason = reason;
    film.missing = false;
    film.updated_at = now;
    film
}

/// A film after its `catalog.toml` was added or edited: what the file says wins where it
/// says something; everything else (a name-derived episode, an admin's edit) stays.
pub(super) fn redescribed(mut film: Film, d: FileDescription, now: i64) -> Film {
    let before = film.clone();
    film.title = d.title.unwrap_or(film.title);
    film.series = d.series.or(film.series);
    film.episode = d.episode.or(film.episode);
    film.category = d.category.or(film.category);
    film.year = d.year.or(film.year);
    film.producer = d.producer.or(film.producer);
    film.summary = d.summary.or(film.summary);
    film.prep_notes = d.prep_notes.or(film.prep_notes);
    if !d.themes.is_empty() {
        film.themes = d.themes;
    }
    if !d.cues.is_empty() {
        film.cues = d.cues;
    }
    if film != before {
        film.updated_at = now;
    }
    film
}

/// A film after a rescan changed its scan entry: moved, touched, gone or back.
pub(super) fn rescanned(mut film: Film, entry: ScanEntry, now: i64) -> Film {
    if film.source.path != entry.path {
        if let Some(name) = entry.path.file_name() {
            film.source.name = crate::os_path::display_name(name).into_owned();
        }
        film.source.path = entry.path;
    }
    film.source.fingerprint = entry.fingerprint;
    film.missing = entry.missing;
    film.updated_at = now;
    film
}

fn source_of(task: &ProbeTask) -> SourceFile {
    SourceFile {
        path: task.found.path.clone(),
        name: task.found.name.clone(),
        fingerprint: task.fingerprint.clone(),
    }
}

/// True when `text` has a Chinese character (a CJK ideograph, basic block or extension A).
fn has_chinese(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}'))
}

/// The container's `title` tag (any case: Matroska writes `TITLE`), when it says something.
fn title_tag(tags: &BTreeMap<String, String>) -> Option<String> {
    tags.iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("title"))
        .map(|(_, value)| value.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|title| !title.is_empty())
}
