//! One open output file of a rendition (an MPEG-TS segment or `tv.mp4`): the muxer and
//! the options every file of a rendition is written with.

use std::path::Path;

use ffmpeg::{codec, format, Dictionary, Packet, Rational};
use ffmpeg_next as ffmpeg;

use super::failure;
use crate::media::protocol::{FailureKind, MediaFailure};

/// Delay added to every MPEG-TS timestamp (as the ffmpeg CLI does, 0.7 s), so that the
/// negative decoding times of a B-frame source stay positive in every segment alike.
const TS_MAX_DELAY_US: &str = "700000";

/// An output context with the time bases its muxer chose for its streams.
pub(in crate::media::executors) struct Muxer {
    pub octx: format::context::Output,
    time_bases: Vec<Rational>,
}

impl Muxer {
    /// The time base the muxer chose for output stream `stream`.
    pub fn time_base(&self, stream: usize) -> Rational {
        self.time_bases[stream]
    }

    /// Rescales a copy of `packet` to this muxer's time base and writes it interleaved.
    pub fn write(
        &mut self,
        stream: usize,
        packet: &Packet,
        time_base: Rational,
    ) -> Result<(), MediaFailure> {
        let mut copy = packet.clone();
        copy.set_stream(stream);
        copy.set_position(-1);
        copy.rescale_ts(time_base, self.time_bases[stream]);
        copy.write_interleaved(&mut self.octx).map_err(|e| match e {
            // A sample the demuxer found cut short (a faststart MP4 whose data was cut off)
            // fails the bitstream filter: the source's fault, not the disk's — no retry.
            ffmpeg::Error::InvalidData if packet.is_corrupt() => MediaFailure {
                kind: FailureKind::Damaged,
                detail: format!(
                    "the source is cut short or damaged: an incomplete packet of stream {stream} cannot be written: {e}"
                ),
            },
            e => failure(format!("cannot write a packet of stream {stream}: {e}")),
        })
    }
}

/// Creates `path` with `format`'s muxer, one stream per entry, and writes its header.
pub(in crate::media::executors) fn open_muxer(
    path: &Path,
    format: &str,
    streams: &[(codec::Parameters, Rational)],
) -> Result<Muxer, MediaFailure> {
    let fail = |what: &str, e: ffmpeg::Error| failure(format!("{what} {}: {e}", path.display()));
    // An explicit `file:` URL, so a name with a colon is never read as another protocol.
    let url = format!("file:{}", path.display());
    let mut octx = format::output_as(&url, format).map_err(|e| fail("cannot create", e))?;
    for (parameters, time_base) in streams {
        let mut stream = octx
            .add_stream(codec::encoder::find(codec::Id::None))
            .map_err(|e| fail("cannot add a stream to", e))?;
        stream.set_parameters(parameters.clone());
        stream.set_time_base(*time_base);
        // SAFETY: the stream's codecpar is a valid AVCodecParameters owned by `octx`. The
        // source container's tag (`avc1`, `H264`) may be wrong for this muxer; 0 lets the
        // muxer choose its own, as the ffmpeg CLI does on a stream copy.
        unsafe { (*stream.parameters().as_mut_ptr()).codec_tag = 0 };
    }
    let mut options = Dictionary::new();
    if format == "mp4" {
        // Index first, so a TV can start playing over HTTP before the whole file arrives.
        options.set("movflags", "+faststart");
    } else {
        options.set("max_delay", TS_MAX_DELAY_US);
        options.set("avoid_negative_ts", "disabled");
    }
    // FFmpeg 5.1's muxers insert the bitstream filters they need themselves (MPEG-TS:
    // `h264_mp4toannexb` for length-prefixed H.264 from MP4, MKV or FLV).
    octx.write_header_with(options)
        .map_err(|e| fail("cannot write the header of", e))?;
    let time_bases = octx.streams().map(|s| s.time_base()).collect();
    Ok(Muxer { octx, time_bases })
}
