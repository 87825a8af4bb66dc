//! HLS playlist text (RFC 8216, protocol version 3): the master playlist listing a film's
//! renditions and the VOD media playlist of one rendition's segments.
//!
//! Pure text writers over their own small inputs; they belong in `src/streaming/` next to
//! the rest of the HLS code, and live here only until that module is free to change.

use std::fmt::Write as _;

/// One variant stream in a master playlist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    /// The variant's media playlist, relative to the master playlist (server-made).
    pub uri: String,
    /// `BANDWIDTH`: peak bit rate, bit/s.
    pub bandwidth: u64,
    /// `AVERAGE-BANDWIDTH`, bit/s.
    pub average_bandwidth: Option<u64>,
    /// `RESOLUTION`; None for audio-only variants.
    pub resolution: Option<(u32, u32)>,
    /// `CODECS`, e.g. `avc1.64001f,mp4a.40.2`.
    pub codecs: String,
}

/// The master playlist: one `#EXT-X-STREAM-INF` per variant, highest `BANDWIDTH` first.
pub fn master_playlist(variants: &[Variant]) -> String {
    let mut sorted: Vec<&Variant> = variants.iter().collect();
    sorted.sort_by_key(|v| std::cmp::Reverse(v.bandwidth));
    let mut out = String::from("#EXTM3U\n#EXT-X-VERSION:3\n");
    for v in sorted {
        let _ = write!(out, "#EXT-X-STREAM-INF:BANDWIDTH={}", v.bandwidth);
        if let Some(avg) = v.average_bandwidth {
            let _ = write!(out, ",AVERAGE-BANDWIDTH={avg}");
        }
        if let Some((w, h)) = v.resolution {
            let _ = write!(out, ",RESOLUTION={w}x{h}");
        }
        let _ = writeln!(out, ",CODECS=\"{}\"", v.codecs);
        let _ = writeln!(out, "{}", v.uri);
    }
    out
}

/// The VOD media playlist for segments of these durations (seconds), named
/// [`segment_uri`]`(0)`, `(1)`, … relative to the playlist. Durations that are not
/// finite or are negative are written as 0.
pub fn media_playlist<I: IntoIterator<Item = f64>>(durations: I) -> String {
    let durations: Vec<f64> = durations.into_iter().map(sane).collect();
    let mut out = String::from("#EXTM3U\n#EXT-X-VERSION:3\n");
    let _ = writeln!(
        out,
        "#EXT-X-TARGETDURATION:{}",
        target_duration(durations.iter().copied())
    );
    out.push_str("#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n");
    for (i, d) in durations.iter().enumerate() {
        let _ = writeln!(out, "#EXTINF:{d:.3},\n{}", segment_uri(i));
    }
    out.push_str("#EXT-X-ENDLIST\n");
    out
}

/// The file name of segment `index` of a rendition: `seg-00000.ts`, `seg-00001.ts`, …
pub fn segment_uri(index: usize) -> String {
    format!("seg-{index:05}.ts")
}

/// `#EXT-X-TARGETDURATION`: the longest duration as written (to the millisecond), rounded
/// up to whole seconds, at least 1 — so every `#EXTINF` is at most the target.
pub fn target_duration<I: IntoIterator<Item = f64>>(durations: I) -> u64 {
    let longest = durations
        .into_iter()
        .map(|d| (sane(d) * 1000.0).round() / 1000.0)
        .fold(0.0, f64::max);
    (longest.ceil() as u64).max(1)
}

fn sane(d: f64) -> f64 {
    if d.is_finite() {
        d.max(0.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(uri: &str, bandwidth: u64, resolution: Option<(u32, u32)>, codecs: &str) -> Variant {
        Variant {
            uri: uri.into(),
            bandwidth,
            average_bandwidth: Some(bandwidth * 2 / 3),
            resolution,
            codecs: codecs.into(),
        }
    }

    #[test]
    fn the_master_playlist_lists_variants_highest_first() {
        let variants = [
            variant(
                "360p/index.m3u8",
                1_460_000,
                Some((640, 360)),
                "avc1.64001e,mp4a.40.2",
            ),
            variant(
                "720p/index.m3u8",
                4_760_000,
                Some((1280, 720)),
                "avc1.64001f,mp4a.40.2",
            ),
        ];
        let expected = "#EXTM3U\n\
            #EXT-X-VERSION:3\n\
            #EXT-X-STREAM-INF:BANDWIDTH=4760000,AVERAGE-BANDWIDTH=3173333,\
            RESOLUTION=1280x720,CODECS=\"avc1.64001f,mp4a.40.2\"\n\
            720p/index.m3u8\n\
            #EXT-X-STREAM-INF:BANDWIDTH=1460000,AVERAGE-BANDWIDTH=973333,\
            RESOLUTION=640x360,CODECS=\"avc1.64001e,mp4a.40.2\"\n\
            360p/index.m3u8\n";
        assert_eq!(master_playlist(&variants), expected);
    }

    #[test]
    fn an_audio_only_variant_has_no_resolution() {
        let text = master_playlist(&[variant("audio/index.m3u8", 140_800, None, "mp4a.40.34")]);
        assert!(text.contains("#EXT-X-STREAM-INF:BANDWIDTH=140800,AVERAGE-BANDWIDTH=93866,CODECS=\"mp4a.40.34\"\naudio/index.m3u8\n"));
        assert!(!text.contains("RESOLUTION"));
    }

    #[test]
    fn the_media_playlist_is_exact_for_a_small_film() {
        let expected = "#EXTM3U\n\
            #EXT-X-VERSION:3\n\
            #EXT-X-TARGETDURATION:8\n\
            #EXT-X-MEDIA-SEQUENCE:0\n\
            #EXT-X-PLAYLIST-TYPE:VOD\n\
            #EXTINF:6.000,\n\
            seg-00000.ts\n\
            #EXTINF:7.500,\n\
            seg-00001.ts\n\
            #EXTINF:2.250,\n\
            seg-00002.ts\n\
            #EXT-X-ENDLIST\n";
        assert_eq!(media_playlist([6.0, 7.5, 2.25]), expected);
    }

    #[test]
    fn the_target_duration_is_at_least_every_extinf() {
        let durations = [6.0, 6.0004, 5.9996, 10.0, 0.4, 10.0006];
        let text = media_playlist(durations);
        let target: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix("#EXT-X-TARGETDURATION:"))
            .unwrap()
            .parse()
            .unwrap();
        let extinfs: Vec<f64> = text
            .lines()
            .filter_map(|l| l.strip_prefix("#EXTINF:"))
            .map(|l| l.trim_end_matches(',').parse().unwrap())
            .collect();
        assert_eq!(extinfs.len(), durations.len());
        assert!(extinfs.iter().all(|d| *d <= target), "{text}");
        assert_eq!(target, 11.0);
    }

    #[test]
    fn a_whole_second_just_over_by_float_noise_does_not_raise_the_target() {
        assert_eq!(target_duration([6.000_000_1, 5.0]), 6);
        assert_eq!(target_duration([6.0006]), 7);
    }

    #[test]
    fn odd_durations_do_not_break_the_playlist() {
        let text = media_playlist([f64::NAN, -1.0, f64::INFINITY]);
        assert!(text.contains("#EXT-X-TARGETDURATION:1\n"));
        assert_eq!(text.matches("#EXTINF:0.000,").count(), 3);
        assert!(media_playlist([]).ends_with("#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-ENDLIST\n"));
    }

    #[test]
    fn segment_names_are_zero_padded() {
        assert_eq!(segment_uri(0), "seg-00000.ts");
        assert_eq!(segment_uri(123), "seg-00123.ts");
    }
}
