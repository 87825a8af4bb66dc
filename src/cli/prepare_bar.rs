//! `dianjiao prepare`: prepare queued films now, one progress bar per film.

use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};
use media_catalog::FilmId;

use super::commands::{exe, CliError};
use crate::app::App;
use crate::config::Settings;
use crate::preparation::Progress;

/// Prepares every queued film (or only `film`, again), drawing progress.
pub fn prepare(settings: Settings, film: Option<&str>) -> Result<(), CliError> {
    let app = App::open(settings, exe())?;
    if let Some(id) = film {
        let parsed = FilmId::parse(id).map_err(|_| CliError::UnknownFilm(id.to_owned()))?;
        if !app.preparation.requeue(&parsed)? {
            return Err(CliError::UnknownFilm(id.to_owned()));
        }
    }
    let bar: Mutex<Option<(FilmId, ProgressBar)>> = Mutex::new(None);
    let done = app.preparation.drain(&|id, p| draw(&bar, id, p))?;
    if let Some((_, b)) = bar.into_inner().unwrap_or_else(|p| p.into_inner()) {
        b.finish();
    }
    let counts = app.catalog.count_by_state()?;
    println!(
        "{done} films prepared this run — ready {}, failed {}, queued {}",
        counts.get("ready").copied().unwrap_or(0),
        counts.get("failed").copied().unwrap_or(0),
        counts.get("queued").copied().unwrap_or(0),
    );
    app.flush();
    Ok(())
}

fn draw(bar: &Mutex<Option<(FilmId, ProgressBar)>>, id: &FilmId, p: &Progress) {
    let mut slot = bar.lock().unwrap_or_else(|e| e.into_inner());
    if slot.as_ref().is_none_or(|(current, _)| current != id) {
        if let Some((_, old)) = slot.take() {
            old.finish();
        }
        let b = ProgressBar::new(1000);
        if let Ok(style) = ProgressStyle::with_template("{prefix} [{bar:30}] {percent}% {msg}") {
            b.set_style(style.progress_chars("=> "));
        }
        b.set_prefix(id.to_string());
        *slot = Some((id.clone(), b));
    }
    if let Some((_, b)) = slot.as_ref() {
        b.set_position((p.percent * 10.0) as u64);
        let eta = p.eta_s.map_or("…".into(), |s| format!("{s:.0} s"));
        b.set_message(format!("{:.1}× real time, {eta} left", p.speed));
    }
}
