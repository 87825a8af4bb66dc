//! What a just-in-time stream of a film looks like before a single segment exists: the
//! preparation plan the full preparation will follow, its segment cuts, and the playlists
//! written from them. Both use one plan, so segments made just in time line up with (and
//! stand in for) the prepared ones.

use std::path::{Path, PathBuf};

use media_catalog::{Film, FilmId, KeyframeIndex};
use sha2::{Digest, Sha256};

use crate::media::prepare::playlist::{self, Variant};
use crate::media::prepare::{decide, Action, Plan, Segment};

/// A film's plan for just-in-time playback.
#[derive(Debug)]
pub struct JitPlan {
    pub film: FilmId,
    /// Names this version of the film and of the plan: output of an older file or an older
    /// plan is never mixed in.
    pub key: String,
    pub plan: Plan,
    pub keyframes: KeyframeIndex,
    pub segments: Vec<Segment>,
    pub source: PathBuf,
    /// The source's device and inode as the scan recorded them: the worker refuses another
    /// file swapped in at that path.
    pub source_identity: Option<media_catalog::FileIdentity>,
    /// When the film was last changed in the catalog (the cache is checked against it).
    pub updated_at: i64,
}

impl JitPlan {
    /// The plan for `film`, or None when it cannot be streamed before it is prepared: no
    /// media information, nothing playable, or a length nobody knows (a VOD playlist needs
    /// every segment's length in advance).
    pub fn of(film: &Film, keyframes: KeyframeIndex) -> Option<JitPlan> {
        let media = film.media.as_ref()?;
        // A remux streams its source rung alone: lower rungs would be encoded while a
        // viewer waits, and a remux just in time is meant to cost nothing.
        let plan = decide(media).source_rung_only();
        if plan.decision.action == Action::Unplayable || plan.ladder.is_empty() {
            return None;
        }
        let segments = plan.segments(&keyframes);
        if segments.is_empty() {
            return None;
        }
        Some(JitPlan {
            film: film.id.clone(),
            key: version_key(film, &plan),
            plan,
            keyframes,
            segments,
            source: film.source.path.clone(),
            source_identity: film.source.fingerprint.identity,
            updated_at: film.updated_at,
        })
    }

    /// True when producing segments means encoding (admission control counts these).
    pub fn transcodes(&self) -> bool {
        matches!(
            self.plan.decision.action,
            Action::Transcode | Action::CopyVideo | Action::AudioOnly { remux_audio: false }
        )
    }

    /// The folder its segments go to below the just-in-time root.
    pub fn dir(&self, root: &Path) -> PathBuf {
        root.join(self.film.as_str()).join(&self.key)
    }

    /// True when `rung` names one of the plan's renditions.
    pub fn has_rung(&self, rung: &str) -> bool {
        self.plan.ladder.iter().any(|r| r.name == rung)
    }

    /// The master playlist: the plan's ladder with its planned bit rates.
    pub fn master_playlist(&self) -> String {
        let variants: Vec<Variant> = self.plan.ladder.iter().map(Into::into).collect();
        playlist::master_playlist(&variants)
    }

    /// A rendition's complete VOD playlist, every planned segment listed.
    pub fn media_playlist(&self) -> String {
        playlist::media_playlist(self.segments.iter().map(|s| s.duration_s))
    }
}

/// A short hash of the source file's fingerprint and the plan.
fn version_key(film: &Film, plan: &Plan) -> String {
    let mut hash = Sha256::new();
    let fp = &film.source.fingerprint;
    hash.update(fp.size.to_le_bytes());
    hash.update(fp.mtime_ns.to_le_bytes());
    hash.update(fp.head_tail_sha256.as_bytes());
    hash.update(serde_json::to_vec(plan).unwrap_or_default());
    hex::encode(&hash.finalize()[..8])
}
