//! Plans for hand-made probe results of the films a township library really holds.

use media_catalog::{KeyframeIndex, MediaInfo, Ratio, StreamInfo, StreamKind};

use super::*;

mod copy;
mod forced;
mod playlists;
mod remux;

fn video(codec: &str, width: u32, height: u32) -> StreamInfo {
    StreamInfo {
        index: 0,
        kind: Some(StreamKind::Video),
        codec: codec.into(),
        width: Some(width),
        height: Some(height),
        fps: Some(25.0),
        field_order: Some("progressive".into()),
        pix_fmt: Some("yuv420p".into()),
        bit_depth: Some(8),
        ..StreamInfo::default()
    }
}

fn h264(profile: &str, level: i32, width: u32, height: u32) -> StreamInfo {
    StreamInfo {
        profile: Some(profile.into()),
        level: Some(level),
        ..video("h264", width, height)
    }
}

fn audio(codec: &str, profile: Option<&str>) -> StreamInfo {
    StreamInfo {
        index: 1,
        kind: Some(StreamKind::Audio),
        codec: codec.into(),
        profile: profile.map(Into::into),
        channels: Some(2),
        sample_rate: Some(44_100),
        bit_rate: Some(192_000),
        ..StreamInfo::default()
    }
}

fn aac() -> StreamInfo {
    audio("aac", Some("LC"))
}

fn film(container: &str, streams: Vec<StreamInfo>) -> MediaInfo {
    MediaInfo {
        container: container.into(),
        duration_s: 600.0,
        streams,
        ..MediaInfo::default()
    }
}

fn sizes(plan: &Plan) -> Vec<(u32, u32)> {
    plan.ladder.iter().filter_map(Rung::resolution).collect()
}

fn names(plan: &Plan) -> Vec<&str> {
    plan.ladder.iter().map(|r| r.name.as_str()).collect()
}

fn has_reason(plan: &Plan, en: &str, zh: &str) -> bool {
    let r = &plan.decision.reasons;
    r.iter().any(|r| r.en.contains(en) && r.zh.contains(zh))
}

#[test]
fn h264_high_4_0_with_aac_is_remuxed_into_its_source_rung_with_slow_link_rungs_below() {
    let plan = decide(&film(
        "mov,mp4,m4a,3gp,3g2,mj2",
        vec![h264("High", 40, 1920, 1080), aac()],
    ));
    assert_eq!(plan.decision.action, Action::Remux);
    assert!(has_reason(&plan, "remuxing only", "只需重新封装"));
    assert_eq!(names(&plan), ["source", "480p", "360p"]);
    assert_eq!(plan.ladder[0].codecs(), "avc1.640028,mp4a.40.2");
    assert_eq!(sizes(&plan), [(1920, 1080), (854, 480), (640, 360)]);
    assert!(!plan.deinterlace());
}

#[test]
fn constrained_baseline_and_main_sources_keep_their_own_codecs_strings() {
    let plan = decide(&film(
        "mp4",
        vec![h264("Constrained Baseline", 30, 640, 480), aac()],
    ));
    assert_eq!(plan.decision.action, Action::Remux);
    assert_eq!(plan.ladder[0].codecs(), "avc1.42e01e,mp4a.40.2");
    let plan = decide(&film(
        "mp4",
        vec![h264("Main", 31, 1280, 720), audio("mp3", None)],
    ));
    assert_eq!(plan.decision.action, Action::Remux);
    assert_eq!(plan.ladder[0].codecs(), "avc1.4d401f,mp4a.40.34");
}

#[test]
fn a_silent_h264_film_is_remuxed_without_audio() {
    let plan = decide(&film("mp4", vec![h264("High", 41, 1920, 1080)]));
    assert_eq!(plan.decision.action, Action::Remux);
    assert_eq!(plan.ladder[0].codecs(), "avc1.640029");
    assert!(plan.ladder[0].audio.is_none());
}

#[test]
fn high_5_1_is_transcoded_with_a_level_reason() {
    let plan = decide(&film("mp4", vec![h264("High", 51, 1920, 1080), aac()]));
    assert_eq!(plan.decision.action, Action::Transcode);
    assert!(has_reason(
        &plan,
        "level 5.1 is above 4.1",
        "视频级别为 5.1"
    ));
    assert_eq!(names(&plan), ["720p", "480p", "360p"]);
    assert_eq!(sizes(&plan), [(1280, 720), (854, 480), (640, 360)]);
    for rung in &plan.ladder {
        let v = rung.video.as_ref().unwrap();
        assert!(v.level_idc <= 40 && v.profile == codecs::H264Profile::High);
        assert!(rung.codecs().starts_with("avc1.6400") && rung.codecs().ends_with(",mp4a.40.2"));
    }
}

#[test]
fn hevc_10_bit_is_transcoded_to_8_bit_h264() {
    let mut hevc = video("hevc", 3840, 2160);
    hevc.profile = Some("Main 10".into());
    hevc.pix_fmt = Some("yuv420p10le".into());
    hevc.bit_depth = Some(10);
    let plan = decide(&film("matroska,webm", vec![hevc, aac()]));
    assert_eq!(plan.decision.action, Action::Transcode);
    assert!(has_reason(&plan, "video codec hevc", "H.265/HEVC"));
    assert_eq!(sizes(&plan), [(1280, 720), (854, 480), (640, 360)]);
}

#[test]
fn h264_high_10_is_transcoded_for_its_profile_and_its_pixel_format() {
    let mut v = h264("High 10", 40, 1920, 1080);
    v.pix_fmt = Some("yuv420p10le".into());
    let plan = decide(&film("mp4", vec![v, aac()]));
    assert_eq!(plan.decision.action, Action::Transcode);
    assert!(has_reason(&plan, "profile High 10", "High 10 档次"));
    assert!(has_reason(
        &plan,
        "yuv420p10le is not 8-bit 4:2:0",
        "8 位 4:2:0"
    ));
}

#[test]
fn an_interlaced_mpeg2_dvd_is_deinterlaced_and_shown_at_four_by_three() {
    let mut dvd = video("mpeg2video", 720, 576);
    dvd.sar = Some(Ratio { num: 16, den: 15 });
    dvd.field_order = Some("tt".into());
    let plan = decide(&film("mpeg", vec![dvd, audio("mp2", None)]));
    assert_eq!(plan.decision.action, Action::Transcode);
    assert!(plan.deinterlace());
    let g = plan.geometry.unwrap();
    assert_eq!((g.display_width, g.display_height), (768, 576));
    assert_eq!(names(&plan), ["480p", "360p"]);
    assert_eq!(sizes(&plan), [(640, 480), (480, 360)]);
    let zh: Vec<&str> = plan
        .decision
        .reasons
        .iter()
        .map(|r| r.zh.as_str())
        .collect();
    assert_eq!(zh[0], "视频编码为 MPEG-2，电视浏览器无法播放，需要转码");
    assert!(has_reason(&plan, "interlaced", "隔行扫描"));
    assert!(has_reason(&plan, "audio codec mp2", "MP2"));
    assert_eq!(plan.decision.reasons.len(), 3);
}

#[test]
fn a_vcd_gets_one_rung_at_its_own_size_never_an_upscale() {
    let plan = decide(&film(
        "mpeg",
        vec![video("mpeg1video", 352, 288), audio("mp2", None)],
    ));
    assert_eq!(plan.decision.action, Action::Transcode);
    assert!(has_reason(&plan, "mpeg1video", "MPEG-1（VCD）"));
    assert_eq!(names(&plan), ["288p"]);
    assert_eq!(sizes(&plan), [(352, 288)]);
    let v = plan.ladder[0].video.as_ref().unwrap();
    assert!(v.bitrate < 800_000 && v.bitrate >= 200_000, "{}", v.bitrate);
}

#[test]
fn an_854x480_film_gets_480p_and_360p() {
    let plan = decide(&film(
        "avi",
        vec![video("mpeg4", 854, 480), audio("mp3", None)],
    ));
    assert_eq!(sizes(&plan), [(854, 480), (640, 360)]);
}

/// Rungs fit a 16:9 box of the rung's height, so a portrait picture is limited by its
/// height: the 720p rung of a 1080×1920 picture is 406×720.
#[test]
fn a_phone_film_turned_a_quarter_is_transcoded_upright_with_height_based_rungs() {
    let mut phone = h264("High", 40, 1920, 1080);
    phone.rotation = Some(90.0);
    let plan = decide(&film("mov,mp4,m4a,3gp,3g2,mj2", vec![phone, aac()]));
    assert_eq!(plan.decision.action, Action::Transcode);
    assert!(has_reason(&plan, "turned 90°", "旋转 90°"));
    let g = plan.geometry.unwrap();
    assert_eq!(
        (g.display_width, g.display_height, g.quarter_turns),
        (1080, 1920, 1)
    );
    assert_eq!(sizes(&plan), [(406, 720), (270, 480), (202, 360)]);
}

#[test]
fn wmv_rm_and_flv_films_are_transcoded() {
    let cases = [
        ("asf", "wmv3", "wmav2", "WMV"),
        ("rm", "rv40", "cook", "RealVideo（RM/RMVB）"),
        ("flv", "flv1", "mp3", "Sorenson H.263（FLV）"),
        ("flv", "vp6f", "nellymoser", "VP6（FLV）"),
    ];
    for (container, vcodec, acodec, label) in cases {
        let plan = decide(&film(
            container,
            vec![video(vcodec, 640, 480), audio(acodec, None)],
        ));
        assert_eq!(plan.decision.action, Action::Transcode, "{vcodec}");
        assert!(
            has_reason(&plan, vcodec, label),
            "{:?}",
            plan.decision.reasons
        );
        assert_eq!(sizes(&plan), [(640, 480), (480, 360)], "{vcodec}");
    }
}

#[test]
fn an_interlaced_h264_broadcast_is_transcoded_and_deinterlaced() {
    let mut v = h264("High", 40, 1920, 1080);
    v.field_order = None;
    v.interlaced = Some(true);
    let plan = decide(&film("mpegts", vec![v, aac()]));
    assert_eq!(plan.decision.action, Action::Transcode);
    assert!(plan.deinterlace());
}

#[test]
fn an_anamorphic_h264_dvd_rip_is_remuxed_with_its_sar_and_a_four_by_three_resolution() {
    let mut v = h264("Main", 30, 720, 576);
    v.sar = Some(Ratio { num: 16, den: 15 });
    let plan = decide(&film("mp4", vec![v, aac()]));
    assert_eq!(plan.decision.action, Action::Remux);
    let rung = plan.ladder[0].video.as_ref().unwrap();
    assert_eq!((rung.width, rung.height), (720, 576));
    assert_eq!(rung.sar, Ratio { num: 16, den: 15 });
    assert_eq!(plan.ladder[0].resolution(), Some((768, 576)));
}

#[test]
fn a_sar_of_zero_by_zero_means_square_pixels() {
    let mut v = h264("High", 40, 1280, 720);
    v.sar = Some(Ratio { num: 0, den: 0 });
    let plan = decide(&film("mp4", vec![v, aac()]));
    assert_eq!(plan.decision.action, Action::Remux);
    assert_eq!(plan.ladder[0].resolution(), Some((1280, 720)));
}

#[test]
fn h264_of_unknown_profile_or_level_is_transcoded_to_be_safe() {
    let mut v = h264("High", 40, 1280, 720);
    v.profile = None;
    v.level = None;
    let plan = decide(&film("mp4", vec![v, aac()]));
    assert_eq!(plan.decision.action, Action::Transcode);
    assert!(has_reason(&plan, "profile is unknown", "档次"));
    assert!(has_reason(&plan, "level is unknown", "级别"));
}

#[test]
fn an_mp3_lecture_is_kept_as_an_audio_only_rendition() {
    let plan = decide(&film("mp3", vec![audio("mp3", None)]));
    assert_eq!(
        plan.decision.action,
        Action::AudioOnly { remux_audio: true }
    );
    assert!(plan.geometry.is_none());
    assert_eq!(names(&plan), ["audio"]);
    assert_eq!(plan.ladder[0].codecs(), "mp4a.40.34");
    assert_eq!(plan.ladder[0].resolution(), None);
    let master = plan.master_playlist();
    assert!(master.contains("CODECS=\"mp4a.40.34\"\naudio/index.m3u8\n"));
    assert!(!master.contains("RESOLUTION"));
}

#[test]
fn a_wma_recording_is_encoded_to_aac_lc() {
    let plan = decide(&film("asf", vec![audio("wmav2", None)]));
    assert_eq!(
        plan.decision.action,
        Action::AudioOnly { remux_audio: false }
    );
    assert!(has_reason(&plan, "audio codec wmav2", "WMA"));
    assert_eq!(plan.ladder[0].codecs(), "mp4a.40.2");
    assert_eq!(plan.ladder[0].audio.as_ref().unwrap().bitrate, 128_000);
}

#[test]
fn a_file_with_no_streams_or_a_sizeless_picture_is_unplayable() {
    let plan = decide(&MediaInfo::default());
    assert_eq!(plan.decision.action, Action::Unplayable);
    assert!(plan.ladder.is_empty() && plan.segments(&KeyframeIndex::default()).is_empty());
    let mut v = h264("High", 40, 0, 0);
    v.width = None;
    let plan = decide(&film("mp4", vec![v, aac()]));
    assert_eq!(plan.decision.action, Action::Unplayable);
    assert!(has_reason(&plan, "width or height is unknown", "画面尺寸"));
}

#[test]
fn a_remux_is_cut_at_keyframes_and_a_transcode_every_six_seconds() {
    let mut media = film("mp4", vec![h264("High", 40, 1280, 720), aac()]);
    media.duration_s = 20.0;
    let keyframes = KeyframeIndex {
        stream_index: 0,
        times_s: vec![0.0, 4.0, 8.0, 12.0, 16.0],
    };
    let starts =
        |p: &Plan| -> Vec<f64> { p.segments(&keyframes).iter().map(|s| s.start_s).collect() };
    assert_eq!(starts(&decide(&media)), [0.0, 8.0, 16.0]);
    // A copied picture is cut where the source's keyframes are, like a remux.
    media.streams[1] = audio("ac3", None);
    assert_eq!(starts(&decide(&media)), [0.0, 8.0, 16.0]);
    media.streams[0].level = Some(51);
    assert_eq!(starts(&decide(&media)), [0.0, 6.0, 12.0, 18.0]);
}

#[test]
fn an_unknown_container_duration_falls_back_to_the_streams() {
    let mut v = h264("High", 40, 1280, 720);
    v.duration_s = Some(42.0);
    let mut media = film("mp4", vec![v]);
    media.duration_s = f64::NAN;
    assert_eq!(decide(&media).duration_s, 42.0);
    media.streams[0].duration_s = None;
    let plan = decide(&media);
    assert_eq!(plan.duration_s, 0.0);
    assert!(plan.segments(&KeyframeIndex::default()).is_empty());
}

#[test]
fn every_plan_gives_reasons_and_survives_the_worker_pipe() {
    let films = [
        film("mp4", vec![h264("High", 40, 1920, 1080), aac()]),
        film(
            "mpeg",
            vec![video("mpeg2video", 720, 576), audio("mp2", None)],
        ),
        film("mp3", vec![audio("mp3", None)]),
        film(
            "mpegts",
            vec![h264("High", 31, 1280, 720), audio("mp2", None)],
        ),
        MediaInfo::default(),
    ];
    for media in &films {
        let plan = decide(media);
        assert!(!plan.decision.reasons.is_empty(), "{:?}", plan.decision);
        assert!(plan
            .decision
            .reasons
            .iter()
            .all(|r| !r.zh.is_empty() && !r.en.is_empty()));
        let json = serde_json::to_string(&plan).unwrap();
        assert_eq!(serde_json::from_str::<Plan>(&json).unwrap(), plan);
    }
}
