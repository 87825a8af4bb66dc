//! Segments made just in time count toward the preparation: they follow the same plan and
//! cuts, so a preparation takes the ones already made from the start of the film, has a
//! worker make only the rest, and then writes the playlists and assembles `tv.mp4` from
//! the top rendition's segments (a copy, no encoding).

use std::fs;
use std::path::{Path, PathBuf};

use crate::jit::JitPlan;
use crate::media::prepare::playlist::{self, segment_uri, Variant};
use crate::media::prepare::Plan;
use crate::media::protocol::{PreparedOutputs, RungOutput};
use crate::media::MediaFailure;

/// Segments made just in time for a film: where, and how many from the start are complete
/// on every rung.
#[derive(Debug)]
pub struct Reusable {
    pub dir: PathBuf,
    /// Segments `0..count` exist on every rung.
    pub count: usize,
    /// Segments in the plan.
    pub total: usize,
}

/// What the just-in-time folder of `jit` (under `root`) holds; None when nothing usable.
pub fn find(root: &Path, jit: &JitPlan) -> Option<Reusable> {
    let dir = jit.dir(root);
    let total = jit.segments.len();
    let count = (0..total)
        .take_while(|&i| {
            jit.plan
                .ladder
                .iter()
                .all(|r| dir.join(&r.name).join(segment_uri(i)).is_file())
        })
        .count();
    (count > 0).then_some(Reusable { dir, count, total })
}

/// True when every planned segment of every rung is in `out_dir`.
pub fn complete(plan: &Plan, out_dir: &Path, total: usize) -> bool {
    plan.ladder
        .iter()
        .all(|r| (0..total).all(|i| out_dir.join(&r.name).join(segment_uri(i)).is_file()))
}

/// Links (or copies) segments `0..count` of every rung into `out_dir`.
pub fn take(reusable: &Reusable, plan: &Plan, out_dir: &Path) -> std::io::Result<()> {
    for rung in &plan.ladder {
        let to = out_dir.join(&rung.name);
        fs::create_dir_all(&to)?;
        for i in 0..reusable.count {
            let name = segment_uri(i);
            let from = reusable.dir.join(&rung.name).join(&name);
            let target = to.join(&name);
            if fs::hard_link(&from, &target).is_err() {
                fs::copy(&from, &target)?;
            }
        }
    }
    Ok(())
}

/// The top rung's segments in order (what `tv.mp4` is assembled from).
pub fn top_segments(plan: &Plan, out_dir: &Path, total: usize) -> Vec<PathBuf> {
    plan.ladder
        .first()
        .map(|rung| {
            (0..total)
                .map(|i| out_dir.join(&rung.name).join(segment_uri(i)))
                .collect()
        })
        .unwrap_or_default()
}

/// Writes every rung's `index.m3u8` (planned segment lengths) and `master.m3u8` (each
/// variant's `BANDWIDTH` raised to the peak of its segments), and says what was written.
pub fn write_playlists(
    jit: &JitPlan,
    out_dir: &Path,
    tv_mp4: bool,
) -> Result<PreparedOutputs, std::io::Error> {
    let durations: Vec<f64> = jit.segments.iter().map(|s| s.duration_s).collect();
    let mut rungs = Vec::new();
    let mut variants = Vec::new();
    for rung in &jit.plan.ladder {
        let dir = out_dir.join(&rung.name);
        fs::write(
            dir.join("index.m3u8"),
            playlist::media_playlist(durations.iter().copied()),
        )?;
        let peak_bps = peak_bps(&dir, &durations)?;
        let mut variant = Variant::from(rung);
        variant.bandwidth = variant.bandwidth.max(peak_bps);
        variants.push(variant);
        rungs.push(RungOutput {
            name: rung.name.clone(),
            segment_durations_s: durations.clone(),
            peak_bps,
        });
    }
    fs::write(
        out_dir.join("master.m3u8"),
        playlist::master_playlist(&variants),
    )?;
    Ok(PreparedOutputs { rungs, tv_mp4 })
}

/// The highest bit rate of any segment at least a second long (any segment when none is).
fn peak_bps(dir: &Path, durations: &[f64]) -> std::io::Result<u64> {
    let mut rates = Vec::new();
    for (i, &d) in durations.iter().enumerate() {
        let bytes = fs::metadata(dir.join(segment_uri(i)))?.len();
        if d > 0.0 {
            rates.push((d, bytes as f64 * 8.0 / d));
        }
    }
    let long = rates.iter().any(|(d, _)| *d >= 1.0);
    let peak = rates
        .iter()
        .filter(|(d, _)| !long || *d >= 1.0)
        .map(|(_, r)| *r)
        .fold(0.0, f64::max);
    Ok(peak.ceil() as u64)
}

/// A failure to write the playlists, as the worker would have reported it.
pub fn output_failure(e: std::io::Error) -> MediaFailure {
    MediaFailure {
        kind: crate::media::FailureKind::Output,
        detail: format!("cannot finish the renditions: {e}"),
    }
}
