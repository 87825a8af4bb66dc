//! Plans of films remuxed as they are: the source rung on top, and — only above 480p —
//! transcoded slow-link rungs below it that carry the source's sound as it is.

use super::*;

#[test]
fn a_remuxed_720p_film_gets_480p_and_360p_below_its_source_rung_with_its_own_sound() {
    let mut media = film("mp4", vec![h264("High", 31, 1280, 720), aac()]);
    media.streams[0].bit_rate = Some(3_000_000);
    let plan = decide(&media);
    assert_eq!(plan.decision.action, Action::Remux);
    assert!(plan.copies_video() && plan.copies_sound());
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
    // The source's sound, copied: its own rate and sample rate on every rung.
    let top_audio = plan.ladder[0].audio.clone().expect("sound");
    assert_eq!(
        (top_audio.bitrate, top_audio.sample_rate),
        (192_000, Some(44_100))
    );
    assert!(plan
        .ladder
        .iter()
        .all(|r| r.audio.as_ref() == Some(&top_audio)));
    let bandwidths: Vec<u64> = plan.ladder.iter().map(Rung::bandwidth).collect();
    assert!(bandwidths.windows(2).all(|w| w[1] < w[0]), "{bandwidths:?}");
    assert_eq!(plan.decision.reasons.len(), 2, "{:?}", plan.decision);
    assert!(has_reason(&plan, "remuxing only", "只需重新封装"));
    assert!(has_reason(
        &plan,
        "(720 lines) is larger than 480p, so 480p and 360p are transcoded",
        "画面为 720 行，高于 480p，另外转码 480p、360p 画质"
    ));
}

#[test]
fn a_remuxed_picture_of_480_lines_or_fewer_is_the_only_rung() {
    for (w, h) in [(854, 480), (720, 480), (640, 360), (320, 240)] {
        let plan = decide(&film("mp4", vec![h264("Main", 30, w, h), aac()]));
        assert_eq!(plan.decision.action, Action::Remux, "{w}x{h}");
        assert_eq!(names(&plan), ["source"], "{w}x{h}");
        assert_eq!(plan.decision.reasons.len(), 1, "{:?}", plan.decision);
        assert!(has_reason(&plan, "remuxing only", "只需重新封装"));
    }
}

#[test]
fn a_silent_remuxed_1080p_film_gets_silent_lower_rungs() {
    let plan = decide(&film("mp4", vec![h264("High", 41, 1920, 1080)]));
    assert_eq!(plan.decision.action, Action::Remux);
    assert_eq!(names(&plan), ["source", "480p", "360p"]);
    assert!(plan.ladder.iter().all(|r| r.audio.is_none()));
}

#[test]
fn the_source_rung_alone_of_a_remux_drops_the_lower_rungs_and_their_reason() {
    let plan = decide(&film("mp4", vec![h264("High", 31, 1280, 720), aac()]));
    let top = plan.ladder[0].clone();
    let first_reason = plan.decision.reasons[0].clone();
    let alone = plan.source_rung_only();
    assert_eq!(alone.ladder, [top]);
    assert_eq!(alone.decision.reasons, [first_reason]);
    // A copy keeps its ladder: its sound is encoded anyway.
    let copy = decide(&film(
        "matroska,webm",
        vec![h264("High", 31, 1280, 720), audio("ac3", None)],
    ));
    assert_eq!(copy.clone().source_rung_only(), copy);
    let small = decide(&film("mp4", vec![h264("Main", 30, 640, 360), aac()]));
    assert_eq!(small.clone().source_rung_only(), small);
}
