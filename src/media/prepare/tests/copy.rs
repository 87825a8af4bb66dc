//! Plans of films whose H.264 picture fits TVs but whose sound does not: the picture is
//! copied, the sound encoded, and lower rungs added only above 480p.

use super::*;

#[test]
fn h264_with_ac3_or_he_aac_sound_keeps_its_picture_and_encodes_only_the_sound() {
    let plan = decide(&film(
        "matroska,webm",
        vec![h264("High", 40, 1280, 720), audio("ac3", None)],
    ));
    assert_eq!(plan.decision.action, Action::CopyVideo);
    assert!(plan.copies_video());
    assert!(has_reason(
        &plan,
        "is copied; only the sound",
        "画面原样保留"
    ));
    assert!(has_reason(&plan, "audio codec ac3", "AC-3"));
    assert!(has_reason(
        &plan,
        "480p and 360p are transcoded",
        "480p、360p"
    ));
    let plan = decide(&film(
        "mp4",
        vec![h264("High", 40, 1280, 720), audio("aac", Some("HE-AAC"))],
    ));
    assert_eq!(plan.decision.action, Action::CopyVideo);
    assert!(has_reason(&plan, "AAC profile HE-AAC", "AAC-LC"));
    assert_eq!(plan.decision.reasons.len(), 3, "{:?}", plan.decision);
}

#[test]
fn a_copied_720p_picture_gets_480p_and_360p_below_it_with_aac_on_every_rung() {
    let plan = decide(&film(
        "matroska,webm",
        vec![h264("High", 31, 1280, 720), audio("ac3", None)],
    ));
    assert_eq!(names(&plan), ["source", "480p", "360p"]);
    assert_eq!(sizes(&plan), [(1280, 720), (854, 480), (640, 360)]);
    let codecs: Vec<String> = plan.ladder.iter().map(Rung::codecs).collect();
    assert_eq!(
        codecs,
        [
            "avc1.64001f,mp4a.40.2",
            "avc1.64001e,mp4a.40.2",
            "avc1.64001e,mp4a.40.2"
        ]
    );
    // 1080p: still only the slow-link rungs below the copy, no 720p encode.
    let plan = decide(&film(
        "matroska,webm",
        vec![h264("High", 40, 1920, 1080), audio("ac3", None)],
    ));
    assert_eq!(names(&plan), ["source", "480p", "360p"]);
}

#[test]
fn a_copied_picture_of_480_lines_or_fewer_is_the_only_rung() {
    for (w, h) in [(854, 480), (720, 480), (640, 360)] {
        let plan = decide(&film(
            "mpegts",
            vec![h264("Main", 30, w, h), audio("mp2", None)],
        ));
        assert_eq!(plan.decision.action, Action::CopyVideo, "{w}x{h}");
        assert_eq!(names(&plan), ["source"], "{w}x{h}");
        assert_eq!(plan.decision.reasons.len(), 2, "{:?}", plan.decision);
        assert!(has_reason(&plan, "audio codec mp2", "MP2"));
        let audio = plan.ladder[0].audio.as_ref().expect("sound");
        assert_eq!(audio.codec, AudioCodec::AacLc);
        assert_eq!(audio.sample_rate, Some(48_000));
    }
}

#[test]
fn the_source_rung_of_a_copy_counts_the_pictures_bits_not_the_old_sounds() {
    let mut media = film(
        "mpegts",
        vec![h264("Main", 30, 720, 480), audio("mp2", None)],
    );
    media.bit_rate = Some(2_192_000);
    let plan = decide(&media);
    let video = plan.ladder[0].video.as_ref().expect("picture");
    // 2192 kb/s in all, less the source's 192 kb/s of MP2.
    assert_eq!(video.bitrate, 2_000_000);
    assert_eq!(
        plan.ladder[0].audio.as_ref().expect("sound").bitrate,
        128_000
    );
}

#[test]
fn a_picture_that_does_not_fit_is_transcoded_whatever_the_sound() {
    let mut v = h264("High", 40, 1920, 1080);
    v.field_order = None;
    v.interlaced = Some(true);
    let plan = decide(&film("mpegts", vec![v, audio("mp2", None)]));
    assert_eq!(plan.decision.action, Action::Transcode);
    let plan = decide(&film(
        "mpegts",
        vec![h264("High", 51, 1920, 1080), audio("ac3", None)],
    ));
    assert_eq!(plan.decision.action, Action::Transcode);
}
