//! H.264 profiles and levels as HLS needs them: the RFC 6381 `CODECS` strings
//! (`avc1.PPCCLL`, `mp4a.40.x`) and the smallest level a picture size, frame rate and bit
//! rate fit in (ITU-T H.264 Table A-1).

use serde::{Deserialize, Serialize};

/// The H.264 profiles a TV browser plays, with the `profile_idc` and the constraint-flag
/// byte that go into a `CODECS` string.
///
/// The constraint byte is the one Apple's authoring guides use (`avc1.42e01e`,
/// `avc1.4d401f`, `avc1.640028`): `CODECS` is a capability hint players match as a string,
/// and these conventional values are what they expect, whatever flags the stream sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum H264Profile {
    /// Baseline and Constrained Baseline (`profile_idc` 66).
    Baseline,
    /// Main (`profile_idc` 77).
    Main,
    /// High (`profile_idc` 100), 8-bit 4:2:0: what every transcode produces.
    High,
}

impl H264Profile {
    /// Reads FFmpeg's profile name (`avcodec_profile_name`); None for the profiles TV
    /// browsers cannot play (Extended, High 10, High 4:2:2, High 4:4:4, …) or unknown names.
    pub fn from_ffmpeg_name(name: &str) -> Option<H264Profile> {
        match name.trim() {
            "Baseline" | "Constrained Baseline" => Some(H264Profile::Baseline),
            "Main" => Some(H264Profile::Main),
            "High" => Some(H264Profile::High),
            _ => None,
        }
    }

    /// `profile_idc` from the sequence parameter set.
    pub fn profile_idc(self) -> u8 {
        match self {
            H264Profile::Baseline => 66,
            H264Profile::Main => 77,
            H264Profile::High => 100,
        }
    }

    /// The constraint-flag byte as Apple writes it in `CODECS`.
    pub fn constraint_byte(self) -> u8 {
        match self {
            H264Profile::Baseline => 0xe0,
            H264Profile::Main => 0x40,
            H264Profile::High => 0x00,
        }
    }

    /// The RFC 6381 string for this profile at `level_idc` (31 for level 3.1),
    /// e.g. `avc1.640028` for High 4.0.
    pub fn codecs(self, level_idc: u8) -> String {
        format!(
            "avc1.{:02x}{:02x}{:02x}",
            self.profile_idc(),
            self.constraint_byte(),
            level_idc
        )
    }
}

/// `CODECS` entry for AAC-LC.
pub const AAC_LC_CODECS: &str = "mp4a.40.2";
/// `CODECS` entry for MP3 (MPEG-1/2 Audio Layer III), as Apple writes it.
pub const MP3_CODECS: &str = "mp4a.40.34";

/// The highest level a remuxed source may have (1080p30 fits).
pub const REMUX_MAX_LEVEL: u8 = 41;
/// The highest level a transcode produces.
pub const TRANSCODE_MAX_LEVEL: u8 = 40;

/// One row of H.264 Table A-1.
struct LevelLimits {
    level_idc: u8,
    /// Macroblocks per second.
    max_mbps: u64,
    /// Macroblocks per frame.
    max_fs: u64,
    /// Video bit rate in kbit/s for Baseline/Main; High may use 1.25 times this.
    max_br_kbps: u64,
}

#[rustfmt::skip]
const LEVELS: [LevelLimits; 13] = [
    LevelLimits { level_idc: 10, max_mbps: 1_485, max_fs: 99, max_br_kbps: 64 },
    LevelLimits { level_idc: 11, max_mbps: 3_000, max_fs: 396, max_br_kbps: 192 },
    LevelLimits { level_idc: 12, max_mbps: 6_000, max_fs: 396, max_br_kbps: 384 },
    LevelLimits { level_idc: 13, max_mbps: 11_880, max_fs: 396, max_br_kbps: 768 },
    LevelLimits { level_idc: 20, max_mbps: 11_880, max_fs: 396, max_br_kbps: 2_000 },
    LevelLimits { level_idc: 21, max_mbps: 19_800, max_fs: 792, max_br_kbps: 4_000 },
    LevelLimits { level_idc: 22, max_mbps: 20_250, max_fs: 1_620, max_br_kbps: 4_000 },
    LevelLimits { level_idc: 30, max_mbps: 40_500, max_fs: 1_620, max_br_kbps: 10_000 },
    LevelLimits { level_idc: 31, max_mbps: 108_000, max_fs: 3_600, max_br_kbps: 14_000 },
    LevelLimits { level_idc: 32, max_mbps: 216_000, max_fs: 5_120, max_br_kbps: 20_000 },
    LevelLimits { level_idc: 40, max_mbps: 245_760, max_fs: 8_192, max_br_kbps: 20_000 },
    LevelLimits { level_idc: 41, max_mbps: 245_760, max_fs: 8_192, max_br_kbps: 50_000 },
    LevelLimits { level_idc: 42, max_mbps: 522_240, max_fs: 8_704, max_br_kbps: 50_000 },
];

/// The smallest High-profile level that a `width` x `height` picture at `fps` frames per
/// second and a peak video rate of `max_bitrate` bit/s fits in; None above level 4.2.
pub fn high_level_for(width: u32, height: u32, fps: f64, max_bitrate: u64) -> Option<u8> {
    let mbs_w = u64::from(width.div_ceil(16));
    let mbs_h = u64::from(height.div_ceil(16));
    let frame_mbs = mbs_w * mbs_h;
    let fps = if fps.is_finite() && fps > 0.0 {
        fps
    } else {
        30.0
    };
    let mb_rate = (frame_mbs as f64 * fps).ceil();
    LEVELS
        .iter()
        .find(|l| {
            // A side may not exceed sqrt(8 * MaxFS) macroblocks (Table A-1 note).
            let side_ok = (mbs_w.max(mbs_h).pow(2)) <= 8 * l.max_fs;
            frame_mbs <= l.max_fs
                && side_ok
                && mb_rate <= l.max_mbps as f64
                && max_bitrate <= l.max_br_kbps * 1_250
        })
        .map(|l| l.level_idc)
}

/// A level as people write it: 40 → `4.0`, 31 → `3.1`, 9 → `1b`.
pub fn level_name(level_idc: i32) -> String {
    match level_idc {
        9 => "1b".to_owned(),
        l => format!("{}.{}", l / 10, l % 10),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codecs_strings_match_apples_conventions() {
        assert_eq!(H264Profile::High.codecs(40), "avc1.640028");
        assert_eq!(H264Profile::High.codecs(31), "avc1.64001f");
        assert_eq!(H264Profile::Main.codecs(31), "avc1.4d401f");
        assert_eq!(H264Profile::Baseline.codecs(30), "avc1.42e01e");
    }

    #[test]
    fn ffmpeg_profile_names_map_to_playable_profiles_only() {
        let p = H264Profile::from_ffmpeg_name;
        assert_eq!(p("Constrained Baseline"), Some(H264Profile::Baseline));
        assert_eq!(p("Baseline"), Some(H264Profile::Baseline));
        assert_eq!(p("Main"), Some(H264Profile::Main));
        assert_eq!(p("High"), Some(H264Profile::High));
        for unplayable in [
            "High 10",
            "High 4:2:2",
            "High 4:4:4 Predictive",
            "Extended",
            "",
        ] {
            assert_eq!(p(unplayable), None, "{unplayable}");
        }
    }

    #[test]
    fn the_usual_ladder_sizes_get_the_usual_levels() {
        assert_eq!(high_level_for(1280, 720, 30.0, 4_200_000), Some(31));
        assert_eq!(high_level_for(1280, 720, 60.0, 4_200_000), Some(32));
        assert_eq!(high_level_for(854, 480, 25.0, 2_100_000), Some(30));
        assert_eq!(high_level_for(854, 480, 30.0, 2_100_000), Some(31));
        assert_eq!(high_level_for(640, 360, 30.0, 1_200_000), Some(30));
        assert_eq!(high_level_for(1920, 1080, 30.0, 8_000_000), Some(40));
        assert_eq!(high_level_for(1920, 1080, 30.0, 40_000_000), Some(41));
        assert_eq!(high_level_for(3840, 2160, 30.0, 8_000_000), None);
    }

    #[test]
    fn an_unknown_frame_rate_is_taken_as_thirty() {
        assert_eq!(
            high_level_for(1280, 720, f64::NAN, 1_000_000),
            high_level_for(1280, 720, 30.0, 1_000_000)
        );
    }

    #[test]
    fn levels_are_written_the_way_people_say_them() {
        assert_eq!(level_name(40), "4.0");
        assert_eq!(level_name(51), "5.1");
        assert_eq!(level_name(9), "1b");
    }
}
