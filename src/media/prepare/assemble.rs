//! Assembling a prepared film from segments made just in time: the top rendition's MPEG-TS
//! segments, copied in order into one faststart `tv.mp4`. Nothing is decoded; the segments
//! already share one timeline, so their packets follow on.

use std::fs::File;
use std::path::{Path, PathBuf};

use ffmpeg::{codec, format, media, Dictionary, Rational};
use ffmpeg_next as ffmpeg;

use crate::media::limits::MediaLimits;
use crate::media::open::open_input;
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
    let mut octx = open_mp4(out, &layout)?;
    let out_bases: Vec<Rational> = octx.streams().map(|s| s.time_base()).collect();
    for path in segments {
        let mut input = open_input(path, limits)?;
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
            let mut packet = packet;
            packet.set_stream(*out_index);
            packet.set_position(-1);
            packet.rescale_ts(stream.time_base(), out_bases[*out_index]);
            packet
                .write_interleaved(&mut octx)
                .map_err(|e| failure(format!("cannot copy from {}: {e}", path.display())))?;
        }
    }
    octx.write_trailer()
        .map_err(|e| failure(format!("cannot finish {}: {e}", out.display())))?;
    drop(octx);
    File::open(out)
        .and_then(|f| f.sync_all())
        .map_err(|e| failure(format!("cannot sync {}: {e}", out.display())))
}

/// A faststart MP4 muxer with one stream per entry of `layout`, header written.
fn open_mp4(
    out: &Path,
    layout: &[(codec::Parameters, Rational)],
) -> Result<format::context::Output, MediaFailure> {
    let url = format!("file:{}", out.display());
    let mut octx = format::output_as(&url, "mp4")
        .map_err(|e| failure(format!("cannot create {}: {e}", out.display())))?;
    for (parameters, time_base) in layout {
        let mut stream = octx
            .add_stream(codec::encoder::find(codec::Id::None))
            .map_err(|e| failure(format!("cannot add a stream: {e}")))?;
        stream.set_parameters(parameters.clone());
        stream.set_time_base(*time_base);
        // SAFETY: codecpar of a stream owned by `octx`; 0 lets the muxer pick its own tag.
        unsafe { (*stream.parameters().as_mut_ptr()).codec_tag = 0 };
    }
    let mut options = Dictionary::new();
    options.set("movflags", "+faststart");
    octx.write_header_with(options)
        .map_err(|e| failure(format!("cannot write the header of {}: {e}", out.display())))?;
    Ok(octx)
}

fn failure(detail: String) -> MediaFailure {
    MediaFailure {
        kind: FailureKind::Output,
        detail,
    }
}
