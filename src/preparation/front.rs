//! "先准备这部": an office user moves a film to the front of the preparation queue. The mark
//! (who, when) is kept in the film's queue record, so it survives a restart, and logged. A
//! film whose preparation failed goes back into the queue, its tries counted afresh.

use media_catalog::{FilmId, FilmState};

use super::queue::{self, First};
use super::run::CLAIM;
use super::{Preparation, PrepareError};

/// What "先准备这部" did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moved {
    /// The film is now at the front of the queue (or being prepared already).
    Front,
    /// No such film.
    Unknown,
    /// Already prepared: nothing to do.
    Ready,
    /// Cannot be prepared: refused as not a film, its file gone, or never probed.
    Unpreparable,
}

pub(super) fn first(prep: &Preparation, id: &FilmId, by: &str) -> Result<Moved, PrepareError> {
    // Under the claim lock: a runner never takes a film half-moved.
    let _claim = CLAIM.lock().unwrap_or_else(|p| p.into_inner());
    let Some(mut film) = prep.catalog.get(id)? else {
        return Ok(Moved::Unknown);
    };
    match film.state {
        FilmState::Ready => return Ok(Moved::Ready),
        FilmState::Rejected => return Ok(Moved::Unpreparable),
        _ if film.missing || film.media.is_none() => return Ok(Moved::Unpreparable),
        FilmState::Queued | FilmState::Preparing | FilmState::Failed => {}
    }
    let seq = queue::all(&prep.queue)?
        .values()
        .filter_map(|e| e.first.as_ref().map(|f| f.seq))
        .max()
        .unwrap_or(0)
        + 1;
    let mut entry = queue::current(&prep.queue, &film)?;
    if film.state == FilmState::Failed {
        // Asked for by hand: the tries start again, and the next one is now.
        entry.failures.clear();
        film.state = FilmState::Queued;
        film.reason = None;
        prep.catalog.put(&film)?;
        prep.catalog.commit()?;
    }
    entry.retry_at_ms = None;
    entry.first = Some(First {
        by: by.to_owned(),
        at_ms: queue::now_ms(),
        seq,
    });
    queue::put(&prep.queue, id, &entry)?;
    tracing::info!(film = %id, title = %film.title, by, "moved to the front of the preparation queue (先准备这部)");
    prep.notify();
    Ok(Moved::Front)
}
