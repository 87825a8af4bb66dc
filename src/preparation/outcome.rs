//! What a preparation decided and made, kept per film in `prepare.outcomes`.

use media_catalog::FilmId;
use serde::{Deserialize, Serialize};

use super::PrepareError;

/// The record of a finished preparation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// `remux`, `copy_video`, `transcode`, `audio_only`.
    pub action: String,
    /// Why, in words a clerk understands.
    pub reasons: Vec<String>,
    /// Rendition names, highest first (e.g. `480p`, `360p`).
    pub rungs: Vec<String>,
    /// A progressive `tv.mp4` exists.
    pub tv_mp4: bool,
    /// Unix seconds when it finished.
    pub prepared_at: i64,
    /// Seconds the work took.
    pub seconds: f64,
    /// Segments per rendition made just in time (the film was played before it was
    /// prepared) and taken over instead of being made again.
    #[serde(default)]
    pub reused_segments: usize,
}

#[derive(Serialize, Deserialize)]
enum OutcomeRecord {
    V1(Outcome),
}

pub(super) fn get(tree: &sled::Tree, id: &FilmId) -> Result<Option<Outcome>, PrepareError> {
    let Some(bytes) = tree.get(id.as_str())? else {
        return Ok(None);
    };
    let OutcomeRecord::V1(o) = serde_json::from_slice(&bytes)?;
    Ok(Some(o))
}

pub(super) fn put(tree: &sled::Tree, id: &FilmId, o: Outcome) -> Result<(), PrepareError> {
    tree.insert(id.as_str(), serde_json::to_vec(&OutcomeRecord::V1(o))?)?;
    tree.flush()?;
    Ok(())
}
