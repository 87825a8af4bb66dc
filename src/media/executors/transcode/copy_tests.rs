//! Films whose H.264 picture fits TVs but whose sound does not (AC-3 in MKV, MP2 in a DVB
//! `.ts`): the picture reaches `tv.mp4` and the source rung's HLS as the source's own
//! pictures, the sound is AAC-LC, both start together and last as long as the source;
//! a picture above 480p also gets transcoded 480p and 360p rungs cut at the same instants.

use std::path::Path;

use super::fixtures::*;
use super::*;
use crate::media::prepare::playlist;

/// How far apart the first sound and the first picture of an output may start, seconds.
const IN_SYNC_S: f64 = 0.1;
/// How far an output's length may be from the source's, seconds.
const SAME_LENGTH_S: f64 = 0.5;

fn ac3_mkv(size: &str, seconds: u32) -> Fixture {
    h264_with_sound("film.mkv", size, seconds, &["-c:a", "ac3"])
}

fn mp2_ts(size: &str, seconds: u32) -> Fixture {
    h264_with_sound("dvb.ts", size, seconds, &["-c:a", "mp2", "-f", "mpegts"])
}

/// Everything the Done-when asks of one output (`tv.mp4` or a rung's `index.m3u8`).
fn check_output(fixture: &Fixture, output: &Path) {
    let name = output.display();
    let (clean, log) = decode_all(output);
    assert!(clean && log.is_empty(), "{name}: {log}");
    let source = &fixture.job.source;
    assert_eq!(
        pictures_md5(output),
        pictures_md5(source),
        "{name}: pictures"
    );
    let (ours, theirs) = (video_of(output), video_of(source));
    for key in [
        "codec_name",
        "profile",
        "level",
        "width",
        "height",
        "pix_fmt",
    ] {
        assert_eq!(ours[key], theirs[key], "{name}: {key}");
    }
    let sound = audio_of(output);
    assert_eq!(sound["codec_name"], "aac", "{name}");
    assert_eq!(sound["profile"], "LC", "{name}");
    assert_eq!(sound["sample_rate"], "48000", "{name}");
    let (length, source_length) = (duration_of(output), duration_of(source));
    assert!(
        (length - source_length).abs() <= SAME_LENGTH_S,
        "{name}: {length} s, the source {source_length} s"
    );
    let (picture, sound) = (first_time(output, "v:0"), first_time(output, "a:0"));
    assert!(
        (picture - sound).abs() <= IN_SYNC_S,
        "{name}: picture starts at {picture} s, sound at {sound} s"
    );
}

fn audio_of(path: &Path) -> serde_json::Value {
    let info = crate::media::executors::thumb::test_support::probe(path);
    let streams = info["streams"].as_array().expect("streams").clone();
    streams
        .into_iter()
        .find(|s| s["codec_type"] == "audio")
        .expect("an audio stream")
}

fn copies_into_one_rung(fixture: &Fixture) {
    assert_eq!(fixture.job.plan.decision.action, Action::CopyVideo);
    let written = fixture.run();
    assert!(written.tv_mp4);
    let names: Vec<&str> = written.rungs.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["source"]);
    assert_eq!(
        names_in(&fixture.job.out_dir),
        ["master.m3u8", "source", "tv.mp4"]
    );
    check_output(fixture, &fixture.out("tv.mp4"));
    check_output(fixture, &fixture.out("source/index.m3u8"));
    let master = std::fs::read_to_string(fixture.out("master.m3u8")).expect("master");
    assert!(master.contains("mp4a.40.2"), "{master}");
}

#[test]
fn a_480p_h264_film_with_ac3_sound_in_mkv_keeps_its_pictures_and_gets_aac() {
    copies_into_one_rung(&ac3_mkv("854x480", 8));
}

#[test]
fn an_h264_broadcast_with_mp2_sound_in_mpeg_ts_keeps_its_pictures_and_gets_aac() {
    copies_into_one_rung(&mp2_ts("720x480", 8));
}

#[test]
fn a_720p_copy_gets_480p_and_360p_rungs_cut_at_the_source_keyframes() {
    let fixture = ac3_mkv("1280x720", 9);
    let written = fixture.run();
    let names: Vec<&str> = written.rungs.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["source", "480p", "360p"]);
    check_output(&fixture, &fixture.out("tv.mp4"));
    check_output(&fixture, &fixture.out("source/index.m3u8"));
    let top = &written.rungs[0].segment_durations_s;
    assert!(top.len() >= 2, "{written:?}");
    for rung in &written.rungs[1..] {
        assert_eq!(rung.segment_durations_s.len(), top.len(), "{written:?}");
        let index = fixture.out(&format!("{}/index.m3u8", rung.name));
        let (clean, log) = decode_all(&index);
        assert!(clean && log.is_empty(), "{}: {log}", rung.name);
        assert!((duration_of(&index) - duration_of(&fixture.job.source)).abs() <= SAME_LENGTH_S);
        for i in 0..top.len() {
            let uri = playlist::segment_uri(i);
            let ours = segment_start(&fixture.out(&format!("{}/{uri}", rung.name)));
            let source = segment_start(&fixture.out(&format!("source/{uri}")));
            let ((t, key), (source_t, _)) = (
                ours.video.expect("a picture"),
                source.video.expect("a picture"),
            );
            assert!(key, "{} {uri} starts on a keyframe", rung.name);
            assert!(
                (t - source_t).abs() <= 0.05,
                "{} {uri}: {t} vs {source_t}",
                rung.name
            );
        }
    }
}

#[test]
fn a_copy_made_just_in_time_from_segment_one_has_the_full_runs_segments() {
    let fixture = mp2_ts("720x480", 8);
    let full = fixture.run();
    let last = full.rungs[0].segment_durations_s.len() - 1;
    assert!(last >= 1, "{full:?}");
    let (_, ready) = fixture.run_jit(1, transcode);
    assert_eq!(ready, (1..=last).collect::<Vec<_>>());
    for i in 1..=last {
        let uri = format!("source/{}", playlist::segment_uri(i));
        let ours = fixture.dir.path().join("jit").join(&uri);
        let (clean, log) = decode_all(&ours);
        assert!(clean && log.is_empty(), "{uri}: {log}");
        assert_eq!(
            pictures_md5(&ours),
            pictures_md5(&fixture.out(&uri)),
            "{uri}"
        );
        let start = segment_start(&ours);
        let (t, key) = start.video.expect("a picture");
        assert!(key, "{uri} starts on a keyframe");
        let sound = start.audio.expect("sound");
        assert!(
            (sound - t).abs() <= IN_SYNC_S,
            "{uri}: sound {sound}, picture {t}"
        );
    }
}
