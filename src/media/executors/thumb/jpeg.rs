//! JPEG output shared by posters and title cards: FFmpeg's mjpeg encoder on a full-range
//! `yuvj420p` picture, and file writes that never leave a half-written file under the
//! final name (temp file in the same folder, then rename).

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use ffmpeg::{codec, color, encoder, format::Pixel, frame, software::scaling, Packet, Rational};
use ffmpeg_next as ffmpeg;

use crate::media::protocol::{FailureKind, MediaFailure};

/// mjpeg quantiser scale (2 best … 31 worst): 3 is visually clean at a few tens of KB.
const JPEG_QSCALE: i32 = 3;

/// Encodes a `yuvj420p` picture as one baseline JPEG (a complete JFIF file).
pub(crate) fn encode_jpeg(picture: &mut frame::Video) -> Result<Vec<u8>, MediaFailure> {
    let fail = |what: &str, e: ffmpeg::Error| output_failure(format!("mjpeg {what}: {e}"));
    let codec = encoder::find(codec::Id::MJPEG)
        .ok_or_else(|| output_failure("FFmpeg has no mjpeg encoder".into()))?;
    let mut setup = codec::context::Context::new_with_codec(codec)
        .encoder()
        .video()
        .map_err(|e| fail("setup", e))?;
    setup.set_width(picture.width());
    setup.set_height(picture.height());
    setup.set_format(Pixel::YUVJ420P);
    setup.set_color_range(color::Range::JPEG);
    setup.set_time_base(Rational(1, 25));
    // A fixed quantiser (what `ffmpeg -q:v 3` does): rate control means nothing for one image.
    setup.set_flags(codec::Flags::QSCALE);
    let lambda = JPEG_QSCALE * ffmpeg::ffi::FF_QP2LAMBDA;
    setup.set_global_quality(lambda);
    let mut enc = setup.open().map_err(|e| fail("open", e))?;

    picture.set_pts(Some(0));
    // SAFETY: `as_mut_ptr` points at the frame's live AVFrame, which we own mutably here;
    // with QSCALE the encoder takes its quantiser from `quality`, which ffmpeg-next does not
    // expose a setter for.
    unsafe {
        (*picture.as_mut_ptr()).quality = lambda;
    }
    enc.send_frame(picture).map_err(|e| fail("encode", e))?;
    enc.send_eof().map_err(|e| fail("flush", e))?;
    let mut packet = Packet::empty();
    enc.receive_packet(&mut packet)
        .map_err(|e| fail("encode", e))?;
    packet
        .data()
        .map(<[u8]>::to_vec)
        .ok_or_else(|| output_failure("mjpeg produced an empty packet".into()))
}

/// Converts any decoded picture to a `yuvj420p` frame of `width` x `height` (even sizes).
pub(crate) fn scale_to_jpeg_frame(
    src: &frame::Video,
    width: u32,
    height: u32,
) -> Result<frame::Video, ffmpeg::Error> {
    let mut scaler = scaling::Context::get(
        src.format(),
        src.width(),
        src.height(),
        Pixel::YUVJ420P,
        width,
        height,
        scaling::Flags::BICUBIC,
    )?;
    let mut out = frame::Video::empty();
    scaler.run(src, &mut out)?;
    Ok(out)
}

/// Writes `bytes` to `out` through a temp file beside it, synced, then renamed into place.
pub(crate) fn write_atomically(out: &Path, bytes: &[u8]) -> Result<(), MediaFailure> {
    let tmp = temp_path_beside(out)?;
    let written = File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&tmp, out));
    written.map_err(|e| {
        // Best effort: the temp name is ours alone, nobody else will clean it up.
        let _ = fs::remove_file(&tmp);
        output_failure(format!("cannot write {}: {e}", out.display()))
    })
}

/// A hidden temp name in `out`'s folder (so the final rename stays on one filesystem),
/// unique per process so two workers writing the same output never share it.
pub(crate) fn temp_path_beside(out: &Path) -> Result<PathBuf, MediaFailure> {
    let name = out
        .file_name()
        .ok_or_else(|| output_failure(format!("{} has no file name", out.display())))?;
    let tmp_name = format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id());
    Ok(out.with_file_name(tmp_name))
}

/// A failure to produce an output file.
pub(crate) fn output_failure(detail: String) -> MediaFailure {
    MediaFailure {
        kind: FailureKind::Output,
        detail,
    }
}
