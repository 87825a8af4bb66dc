//! Draining an FFmpeg encoder: shared by the clip synthesiser and the transcode executor.

use ffmpeg_next as ffmpeg;
use ffmpeg_next::codec::encoder;
use ffmpeg_next::Packet;

use crate::media::protocol::{FailureKind, MediaFailure};

/// Hands every packet the encoder has ready to `write`, with a duration set (FFmpeg 5.1's
/// libx264 wrapper leaves durations unset; see TOOLCHAIN.md).
pub(crate) fn drain_encoder(
    encoder: &mut encoder::Encoder,
    default_duration: i64,
    mut write: impl FnMut(&mut Packet) -> Result<(), MediaFailure>,
) -> Result<(), MediaFailure> {
    let mut packet = Packet::empty();
    loop {
        match encoder.receive_packet(&mut packet) {
            Ok(()) => {}
            Err(ffmpeg::Error::Eof)
            | Err(ffmpeg::Error::Other {
                errno: libc::EAGAIN,
            }) => return Ok(()),
            Err(e) => {
                return Err(MediaFailure {
                    kind: FailureKind::Output,
                    detail: format!("encoder: {e}"),
                })
            }
        }
        if packet.duration() <= 0 {
            packet.set_duration(default_duration);
        }
        write(&mut packet)?;
    }
}
