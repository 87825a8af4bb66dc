//! Assembling a prepared film from segments made just in time: the top rendition's MPEG-TS
//! segments, copied in order into one faststart `tv.mp4`. Nothing is decoded; the segments
//! already share one timeline, so their packets follow on.

use std::fs::File;
use std::path::{Path, PathBuf};

use ffmpeg::{codec, format, media, Rational};
use ffmpeg_next as ffmpeg;

use super::output::muxer::open_muxer;
use crate::media::executors::open::open_input;
use crate::media::limits::MediaLimits;
use crate::media::protocol::{FailureKind, MediaFailure};

/// Copies the picture and the sound of `segments` (in order) into a faststart MP4 at
/// `out`, synced to disk.
pub fn assemble_mp4(
    segments: &[PathBuf],
    out: &Path,
    limits: &MediaLimits,
) -> Result<(), MediaFailure> {
    let first = segments
        .first()
        .ok_or_else(|| failure("no segments to assemble".into()))?;
    let kinds = [media::Type::Video, media::Type::Audio];
    let layout = {
        let input = open_input(first, limits)?;
        let streams: Vec<(codec::Parameters, Rational)> = kinds
            .iter()
            .filter_map(|&kind| input.streams().find(|s| s.parameters().medium() == kind))
            .map(|s| (s.parameters(), s.time_base()))
            .collect();
        streams
    };
    if layout.is_empty() {
        return Err(failure(format!("{} has no streams", first.display())));
    }
    let mut muxer = open_muxer(out, "mp4", &layout)?;
    let out_bases: Vec<Rational> = (0..layout.len()).map(|i| muxer.time_base(i)).collect();
    let mut copier = Copier {
        origin_us: None,
        last_dts: vec![None; layout.len()],
        out_bases,
        skipped: 0,
    };
    for path in segments {
        let mut input = open_input(path, limits)?;
        copier.origin_us.get_or_insert_with(|| start_us(&input));
        // Output stream of each input stream: by kind, in `kinds` order among those present.
        let map: Vec<Option<usize>> = input
            .streams()
            .map(|s| {
                layout
                    .iter()
                    .position(|(p, _)| p.medium() == s.parameters().medium())
            })
            .collect();
        for (stream, packet) in input.packets() {
            let Some(Some(out_index)) = map.get(stream.index()) else {
                continue;
            };
            copier
                .copy(packet, stream.time_base(), *out_index, &mut muxer.octx)
                .map_err(|e| failure(format!("cannot copy from {}: {e}", path.display())))?;
        }
    }
    if copier.skipped > 0 {
        tracing::debug!(
            skipped = copier.skipped,
            "packets repeated across segments left out"
        );
    }
    muxer
        .octx
        .write_trailer()
        .map_err(|e| failure(format!("cannot finish {}: {e}", out.display())))?;
    drop(muxer);
    File::open(out)
        .and_then(|f| f.sync_all())
        .map_err(|e| failure(format!("cannot sync {}: {e}", out.display())))
}

/// Moves packets into the MP4: timestamps shifted so the film starts at 0 (MPEG-TS
/// segments start later on their clock), and a packet that does not come after the last
/// one of its stream left out (segments made by different runs may overlap by a frame).
struct Copier {
    /// Where the first segment starts, microseconds.
    origin_us: Option<i64>,
    last_dts: Vec<Option<i64>>,
    out_bases: Vec<Rational>,
    skipped: u64,
}

impl Copier {
    fn copy(
        &mut self,
        mut packet: ffmpeg::Packet,
        time_base: Rational,
        out: usize,
        octx: &mut format::context::Output,
    ) -> Result<(), ffmpeg::Error> {
        let shift = ffi_rescale(self.origin_us.unwrap_or(0), time_base);
        packet.set_pts(packet.pts().map(|t| t - shift));
        packet.set_dts(
            packet
                .dts()
                .or(packet.pts().map(|t| t + shift))
                .map(|t| t - shift),
        );
        packet.set_stream(out);
        packet.set_position(-1);
        packet.rescale_ts(time_base, self.out_bases[out]);
        if let Some(dts) = packet.dts() {
            if self.last_dts[out].is_some_and(|last| dts <= last) {
                self.skipped += 1;
                return Ok(());
            }
            self.last_dts[out] = Some(dts);
        }
        packet.write_interleaved(octx)
    }
}

/// `us` microseconds in `time_base` units.
fn ffi_rescale(us: i64, time_base: Rational) -> i64 {
    let (num, den) = (
        i128::from(time_base.numerator()),
        i128::from(time_base.denominator()),
    );
    if num == 0 {
        return 0;
    }
    (i128::from(us) * den / (num * 1_000_000)) as i64
}

/// The input's start time, microseconds (0 when unknown).
fn start_us(input: &format::context::Input) -> i64 {
    // SAFETY: the format context is open; reading a plain field.
    let start = unsafe { (*input.as_ptr()).start_time };
    if start == ffmpeg::ffi::AV_NOPTS_VALUE {
        0
    } else {
        start
    }
}

fn failure(detail: String) -> MediaFailure {
    MediaFailure {
        kind: FailureKind::Output,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::executors::transcode::fixtures::{decode_all, duration_of, pal_dvd};
    use crate::media::prepare::playlist::segment_uri;

    #[test]
    fn a_transcoded_ladders_top_segments_become_one_playable_tv_mp4() {
        let fixture = pal_dvd(14);
        let written = fixture.run();
        let top = &written.rungs[0];
        let segments: Vec<PathBuf> = (0..top.segment_durations_s.len())
            .map(|i| fixture.out(&format!("{}/{}", top.name, segment_uri(i))))
            .collect();
        let out = fixture.dir.path().join("assembled.mp4");
        assemble_mp4(&segments, &out, &MediaLimits::default()).expect("assembled");
        let (clean, log) = decode_all(&out);
        assert!(clean, "{log}");
        let duration = duration_of(&out);
        assert!((duration - 14.0).abs() < 0.3, "assembled {duration} s");
    }

    #[test]
    fn segments_of_two_just_in_time_runs_assemble_into_one_film() {
        let fixture = pal_dvd(20);
        // One run made the whole film, then a viewer's seek made segments 2 and 3 again:
        // both runs' files are in one folder, meeting between segments 1 and 2.
        let (_, first_run) = fixture.run_jit(0, crate::media::executors::transcode::transcode);
        assert_eq!(first_run, vec![0, 1, 2, 3]);
        let (_, second_run) = fixture.run_jit(2, crate::media::executors::transcode::transcode);
        assert_eq!(second_run, vec![2, 3]);
        let rung = &fixture.job.plan.ladder[0].name;
        let dir = fixture.dir.path().join("jit").join(rung);
        let mixed: Vec<PathBuf> = (0..4).map(|i| dir.join(segment_uri(i))).collect();
        let out = fixture.dir.path().join("mixed.mp4");
        assemble_mp4(&mixed, &out, &MediaLimits::default()).expect("assembled");
        let (clean, log) = decode_all(&out);
        assert!(clean, "{log}");
        let duration = duration_of(&out);
        assert!((duration - 20.0).abs() < 0.3, "assembled {duration} s");
    }
}
