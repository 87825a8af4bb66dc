//! A video stream's display rotation, read here once for the probe (which records it in the
//! catalog, where the plan's [`Geometry`](crate::media::prepare::geometry::Geometry) takes
//! it) and for posters: the display matrix as FFmpeg's autorotate reads it
//! (`av_display_rotation_get`), else the legacy `rotate` tag; clockwise degrees in 0..360.

use ffmpeg::codec::packet::side_data::Type;
use ffmpeg_next as ffmpeg;
use ffmpeg_next::ffi;

use super::tags::read_dictionary;

/// Clockwise degrees (0..360) that show the stream's picture upright, if it says any.
pub fn clockwise_degrees(stream: &ffmpeg::Stream) -> Option<f64> {
    let matrix = stream
        .side_data()
        .find(|sd| sd.kind() == Type::DisplayMatrix)
        .and_then(|sd| from_display_matrix(sd.data()));
    matrix.or_else(|| {
        // SAFETY: the stream pointer is valid while its input is open; `metadata` is null or
        // a dictionary owned by the stream.
        let tags = unsafe { read_dictionary((*stream.as_ptr()).metadata) };
        let deg: f64 = tags.get("rotate")?.trim().parse().ok()?;
        deg.is_finite().then(|| normalize_degrees(deg))
    })
}

/// Clockwise degrees from a display matrix (nine native-endian i32, 16.16 fixed point).
fn from_display_matrix(bytes: &[u8]) -> Option<f64> {
    if bytes.len() < 36 {
        return None;
    }
    let mut matrix = [0i32; 9];
    for (m, chunk) in matrix.iter_mut().zip(bytes.chunks_exact(4)) {
        *m = i32::from_ne_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
    }
    // SAFETY: `matrix` is a local array of the nine values av_display_rotation_get reads.
    let ccw = unsafe { ffi::av_display_rotation_get(matrix.as_ptr()) };
    // FFmpeg's angle is counter-clockwise; players (and the old `rotate` tag) turn clockwise.
    (!ccw.is_nan()).then(|| normalize_degrees(-ccw))
}

fn normalize_degrees(deg: f64) -> f64 {
    let d = deg.round().rem_euclid(360.0);
    if d == 360.0 {
        0.0
    } else {
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::prepare::geometry::quarter_turns;

    fn turns(m: [i32; 9]) -> u8 {
        let bytes: Vec<u8> = m.iter().flat_map(|v| v.to_ne_bytes()).collect();
        quarter_turns(from_display_matrix(&bytes))
    }

    #[test]
    fn rotations_are_clockwise_and_within_a_turn() {
        assert_eq!(normalize_degrees(-90.0), 270.0);
        assert_eq!(normalize_degrees(450.0), 90.0);
        assert_eq!(normalize_degrees(-0.2), 0.0);
    }

    #[test]
    fn display_matrices_turn_the_way_the_ffmpeg_cli_autorotates() {
        // av_display_rotation_get() = -90 (a phone held upright): one clockwise turn.
        assert_eq!(turns([0, 65536, 0, -65536, 0, 0, 0, 0, 1 << 30]), 1);
        // What FFmpeg 5.1's mov muxer stores for `-metadata:s:v rotate=90` (ffprobe shows
        // rotation 90): the CLI turns it counter-clockwise, three clockwise turns.
        assert_eq!(turns([0, -65536, 0, 65536, 0, 0, 0, 0, 1 << 30]), 3);
        assert_eq!(turns([-65536, 0, 0, 0, -65536, 0, 0, 0, 1 << 30]), 2);
        assert_eq!(turns([65536, 0, 0, 0, 65536, 0, 0, 0, 1 << 30]), 0);
        assert_eq!(from_display_matrix(&[1, 2, 3]), None);
    }
}
