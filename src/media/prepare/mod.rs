//! The preparation plan of a film — pure logic, no FFmpeg: from a probed [`MediaInfo`],
//! decide between remux and transcode (and say why), work out the picture's geometry, the
//! rendition ladder, the segment cuts and the HLS playlists, so that a worker can carry the
//! plan out without deciding anything.
//!
//! * [`decision`]: remux, copy the picture and encode the sound, or transcode, with
//!   clerk-readable reasons;
//! * [`geometry`]: display size from coded size, SAR and rotation; interlacing;
//! * [`ladder`]: which renditions (720p / 480p / 360p, never upscaled) at which bit rates;
//!   [`rendition`]: what a rendition is and its HLS attributes; [`codecs`]: H.264 profile,
//!   level and `CODECS` strings;
//! * [`segments`]: cuts at keyframes (remux) or every N seconds (transcode);
//! * [`playlist`]: master and media playlist text.
//!
//! The executors that carry a plan out in a worker are in
//! [`executors`](super::executors); [`events`] is what they tell their caller.

pub mod codecs;
pub mod decision;
pub mod events;
pub mod geometry;
pub mod ladder;
pub mod playlist;
pub mod rendition;
pub mod segments;

use media_catalog::{KeyframeIndex, MediaInfo};
use serde::{Deserialize, Serialize};

pub use decision::{Action, Decision, Reason};
pub use events::Event;
pub use geometry::Geometry;
pub use rendition::{AudioCodec, AudioRung, Rung, VideoRung};
pub use segments::{remux_segments, transcode_segments, Segment};

/// Everything a worker needs to prepare one film.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Remux, copy the picture, transcode, audio only or nothing — and why.
    pub decision: Decision,
    /// The picture's geometry; None for audio-only and unplayable films.
    pub geometry: Option<Geometry>,
    /// The renditions, highest first: one for an audio-only film; one to three for a
    /// transcode, a copied picture or a remux (lower rungs only below a picture above
    /// 480p); none for an unplayable film.
    pub ladder: Vec<Rung>,
    /// The film's length in seconds; 0 when no stream knows it (then segments are cut as
    /// the film is read, not planned).
    pub duration_s: f64,
    /// Segment length aimed at, seconds; a transcode forces a keyframe at every multiple.
    pub segment_target_s: f64,
}

impl Plan {
    /// True when the picture must be deinterlaced (one output frame per input frame)
    /// before it is scaled.
    pub fn deinterlace(&self) -> bool {
        self.decision.action == Action::Transcode && self.geometry.is_some_and(|g| g.interlaced)
    }

    /// True when the top rung's picture is the source's, copied packet for packet (the
    /// other rungs, if any, are encoded).
    pub fn copies_video(&self) -> bool {
        plan_copies_video(self.decision.action)
    }

    /// True when the source's sound is copied into every rung as it is (a remux; the
    /// lower rungs, if any, have only their picture encoded).
    pub fn copies_sound(&self) -> bool {
        self.decision.action == Action::Remux
    }

    /// The plan with only its source rung: a remux without the lower rungs (and the reason
    /// for them), which would have to be encoded. Other plans are returned unchanged.
    pub fn source_rung_only(mut self) -> Plan {
        if self.decision.action == Action::Remux && self.ladder.len() > 1 {
            self.ladder.truncate(1);
            // The lower rungs' reason is the last one `decide` gave.
            self.decision.reasons.pop();
        }
        self
    }

    /// Where the renditions are cut: at the source's keyframes for a remux, every
    /// [`Plan::segment_target_s`] seconds otherwise (audio can be cut anywhere).
    pub fn segments(&self, keyframes: &KeyframeIndex) -> Vec<Segment> {
        match self.decision.action {
            // A copied picture can only be cut at its own keyframes; lower rungs have
            // keyframes forced at the same instants.
            Action::Remux | Action::CopyVideo => {
                remux_segments(keyframes, self.duration_s, self.segment_target_s)
            }
            Action::Transcode | Action::AudioOnly { .. } => {
                transcode_segments(self.duration_s, self.segment_target_s)
            }
            Action::Unplayable => Vec::new(),
        }
    }

    /// The master playlist text for this plan's ladder.
    pub fn master_playlist(&self) -> String {
        let variants: Vec<playlist::Variant> = self.ladder.iter().map(Into::into).collect();
        playlist::master_playlist(&variants)
    }
}

/// Plans how a probed film becomes TV-ready.
///
/// Remux when the source already fits — H.264 Constrained Baseline/Baseline/Main/High,
/// 8-bit 4:2:0, level ≤ 4.1, progressive, upright, with square pixels or a SAR H.264 can
/// signal, and AAC-LC, MP3 or no audio (with lower rungs transcoded for a picture above
/// 480p, the sound copied into them too). When only the sound does not fit, copy the
/// picture and encode the sound (with lower rungs likewise). Otherwise
/// transcode to H.264 High ≤ 4.0 yuv420p with AAC-LC stereo 48 kHz. Films with sound only
/// get one audio rendition.
pub fn decide(media: &MediaInfo) -> Plan {
    let mut decision = decision::judge(media);
    let geometry = media.video().and_then(Geometry::of);
    let ladder = plan_ladder(media, decision.action, geometry.as_ref());
    if let (Some(g), [_, lower @ ..]) = (geometry, &ladder[..]) {
        if plan_copies_video(decision.action) && !lower.is_empty() {
            let names: Vec<&str> = lower.iter().map(|r| r.name.as_str()).collect();
            let reason = decision::lower_rungs_reason(g.display_height, &names);
            decision.reasons.push(reason);
        }
    }
    Plan {
        decision,
        geometry,
        ladder,
        duration_s: known_duration(media),
        segment_target_s: segments::DEFAULT_TARGET_S,
    }
}

/// The plan [`decide`] would make if the film had to be transcoded, whatever it is: the
/// same geometry, ladder and segments with the action forced to [`Action::Transcode`]
/// (for benchmarks that time the transcode of a film we would remux). A film without a
/// usable picture gets the [`decide`] plan unchanged.
pub fn transcode_plan(media: &MediaInfo) -> Plan {
    let plan = decide(media);
    let geometry = plan.geometry;
    let ladder = plan_ladder(media, Action::Transcode, geometry.as_ref());
    if ladder.is_empty() {
        return plan;
    }
    Plan {
        decision: Decision {
            action: Action::Transcode,
            reasons: vec![Reason {
                zh: "按要求转码（基准测试）".into(),
                en: "transcode forced (benchmark)".into(),
            }],
        },
        ladder,
        ..plan
    }
}

fn plan_ladder(media: &MediaInfo, action: Action, geometry: Option<&Geometry>) -> Vec<Rung> {
    let audio = media.audio();
    match (action, media.video(), geometry) {
        (Action::AudioOnly { remux_audio }, _, _) => {
            let kept = audio
                .filter(|_| remux_audio)
                .and_then(|a| Some(ladder::source_audio(decision::keepable_audio(a).ok()?, a)));
            let rung = kept.unwrap_or_else(ladder::transcoded_audio);
            vec![ladder::audio_only_rung(rung)]
        }
        (Action::Transcode, Some(video), Some(g)) => {
            ladder::transcode_ladder(g, video.fps, audio.is_some())
        }
        (Action::CopyVideo, Some(video), Some(g)) => match decision::h264_fit(video) {
            Ok(fit) => ladder::copy_ladder(video, g, fit, audio, media.bit_rate),
            Err(_) => Vec::new(),
        },
        (Action::Remux, Some(video), Some(g)) => {
            let Ok(fit) = decision::h264_fit(video) else {
                return Vec::new();
            };
            let audio = audio.and_then(|a| Some((decision::keepable_audio(a).ok()?, a)));
            ladder::remux_ladder(video, g, fit, audio, media.bit_rate)
        }
        _ => Vec::new(),
    }
}

/// Whether the top rung of a plan with this action is the source's picture, copied.
fn plan_copies_video(action: Action) -> bool {
    matches!(action, Action::Remux | Action::CopyVideo)
}

/// The container's duration, else the video's, else the audio's; 0 when none is a positive
/// number.
fn known_duration(media: &MediaInfo) -> f64 {
    let stream = |s: Option<&media_catalog::StreamInfo>| s.and_then(|s| s.duration_s);
    [
        Some(media.duration_s),
        stream(media.video()),
        stream(media.audio()),
    ]
    .into_iter()
    .flatten()
    .find(|d| d.is_finite() && *d > 0.0)
    .unwrap_or(0.0)
}

#[cfg(test)]
mod tests;
