//! Remuxes of a fixture film (H.264 + AAC, a keyframe every 2 s), in full and just in time
//! from segment k, read back with FFmpeg.

use ffmpeg::Packet;

use super::*;
use crate::media::executors::transcode::fixtures::{
    h264_film, h264_mp4, names_in, segment_start, Fixture, SegmentStart,
};

/// How far a just-in-time segment's first packet may be from a full run's, seconds.
const SAME_TIME_S: f64 = 0.05;

fn run_full(job: &PrepareJob) -> (PreparedOutputs, Vec<usize>) {
    let mut ready = Vec::new();
    let mut events = |e: Event| {
        if let Event::SegmentReady(i) = e {
            ready.push(i);
        }
    };
    let outputs = remux(job, &MediaLimits::default(), &mut events).expect("remuxed");
    (outputs, ready)
}

#[test]
fn a_film_remuxed_from_segment_two_has_the_full_runs_segments_from_two_only() {
    let fixture = h264_mp4(20);
    assert_eq!(fixture.job.plan.decision.action, Action::Remux);
    let (full, _) = run_full(&fixture.job);
    let count = full.rungs[0].segment_durations_s.len();
    assert_eq!(count, 4, "{full:?}");
    let (outputs, ready) = fixture.run_jit(2, remux);
    assert_eq!(ready, [2, 3]);
    assert!(!outputs.tv_mp4);
    let jit = fixture.dir.path().join("jit");
    assert_eq!(names_in(&jit), ["source"]);
    assert_eq!(
        names_in(&jit.join("source")),
        ["seg-00002.ts", "seg-00003.ts"]
    );
    for i in 2..count {
        let uri = format!("source/{}", playlist::segment_uri(i));
        let ours = segment_start(&jit.join(&uri));
        let theirs = segment_start(&fixture.out(&uri));
        let (t, key) = ours.video.expect("a picture");
        let (full_t, _) = theirs.video.expect("a picture");
        assert!(key, "{uri} starts on a keyframe");
        assert!((t - full_t).abs() <= SAME_TIME_S, "{uri}: {t} vs {full_t}");
        let sound = ours.audio.expect("sound");
        if i == 2 {
            // The first segment's sound starts at its keyframe, not before.
            assert!(
                sound >= t - 0.001 && sound - t <= 0.1,
                "{uri}: {sound} vs {t}"
            );
        } else {
            assert_eq!(Some(sound), theirs.audio, "{uri}");
        }
    }
    let durations = &outputs.rungs[0].segment_durations_s;
    let planned = &full.rungs[0].segment_durations_s[2..];
    assert_eq!(durations.len(), planned.len());
    for (a, b) in durations.iter().zip(planned) {
        assert!((a - b).abs() <= 0.1, "{durations:?} vs {planned:?}");
    }
}

#[test]
fn a_full_remux_announces_every_segment_and_keeps_its_playlists() {
    let fixture = h264_mp4(8);
    let (outputs, ready) = run_full(&fixture.job);
    assert_eq!(ready, [0, 1]);
    assert!(outputs.tv_mp4);
    assert_eq!(
        names_in(&fixture.job.out_dir),
        ["master.m3u8", "source", "tv.mp4"]
    );
    let names = names_in(&fixture.out("source"));
    assert_eq!(names, ["index.m3u8", "seg-00000.ts", "seg-00001.ts"]);
}

#[test]
fn a_remux_from_the_last_segment_ends_with_it() {
    let fixture = h264_mp4(14);
    run_full(&fixture.job);
    let (outputs, ready) = fixture.run_jit(2, remux);
    assert_eq!(ready, [2]);
    assert_eq!(outputs.rungs[0].segment_durations_s.len(), 1);
    let ours = segment_start(&fixture.dir.path().join("jit/source/seg-00002.ts"));
    let theirs = segment_start(&fixture.out("source/seg-00002.ts"));
    let ((t, key), (full_t, _)) = (ours.video.expect("picture"), theirs.video.expect("picture"));
    assert!(
        key && (t - full_t).abs() <= SAME_TIME_S,
        "{ours:?} vs {theirs:?}"
    );
}

/// Runs `fixture` in full and just in time from segment `first`: the segments announced
/// must be `first..` and each must start where the full run's does.
fn same_segments_from(fixture: &Fixture, first: usize) {
    let (full, _) = run_full(&fixture.job);
    let rung = &full.rungs[0];
    let count = rung.segment_durations_s.len();
    let (_, ready) = fixture.run_jit(first, remux);
    assert_eq!(ready, (first..count).collect::<Vec<_>>(), "{full:?}");
    for i in first..count {
        let uri = format!("{}/{}", rung.name, playlist::segment_uri(i));
        let ours = segment_start(&fixture.dir.path().join("jit").join(&uri));
        let theirs = segment_start(&fixture.out(&uri));
        // The picture's first packet; without a picture, the sound's.
        let first_packet = |s: SegmentStart| s.video.map(|(t, _)| t).or(s.audio);
        let (t, full_t) = (first_packet(ours), first_packet(theirs));
        let (t, full_t) = (t.expect("packets"), full_t.expect("packets"));
        assert!((t - full_t).abs() <= SAME_TIME_S, "{uri}: {t} vs {full_t}");
        assert!(ours.video.is_none_or(|(_, key)| key), "{uri}: {ours:?}");
    }
}

#[test]
fn an_mpeg_ts_film_that_starts_late_on_its_clock_is_remuxed_from_segment_two() {
    let fixture = h264_film("film.ts", 20, &["-f", "mpegts"]);
    assert_eq!(fixture.job.plan.decision.action, Action::Remux);
    same_segments_from(&fixture, 2);
}

#[test]
fn an_mp3_lecture_is_remuxed_from_segment_one() {
    let fixture = Fixture::make(
        "talk.mp3",
        &[
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=300:sample_rate=44100",
            "-t",
            "14",
            "-c:a",
            "libmp3lame",
        ],
    );
    let action = fixture.job.plan.decision.action;
    assert_eq!(action, Action::AudioOnly { remux_audio: true });
    same_segments_from(&fixture, 1);
}

/// A packet of `seconds` in a 1/1000 time base.
fn packet(seconds: f64, key: bool) -> Packet {
    let mut p = Packet::empty();
    p.set_pts(Some((seconds * 1000.0).round() as i64));
    if key {
        p.set_flags(ffmpeg::packet::Flags::KEY);
    }
    p
}

/// Passes `(stream, seconds, key)` packets through `gate`; what was written (stream,
/// milliseconds), in order, or None once the gate says the seek overshot.
fn through(gate: &mut Gate, packets: &[(usize, f64, bool)]) -> Option<Vec<(usize, i64)>> {
    let mut written = Vec::new();
    let mut write = |out: usize, p: &Packet, tb: Rational| {
        // Milliseconds, which compare exactly.
        let ms =
            p.pts().unwrap_or(0) * 1000 * i64::from(tb.numerator()) / i64::from(tb.denominator());
        written.push((out, ms));
        Ok(())
    };
    for &(out, t, key) in packets {
        let flow = gate.pass(out, &packet(t, key), Rational(1, 1000), &mut write);
        if flow.expect("no write error") == Flow::Overshot {
            return None;
        }
    }
    Some(written)
}

#[test]
fn a_gate_opens_at_the_keyframe_with_the_sound_that_waited_for_it() {
    let mut gate = Gate::at(12.0, 0, true, true);
    let packets = [
        (0, 10.0, true),
        (1, 11.9, false),
        (0, 10.04, false),
        (1, 12.02, false),
        (0, 12.0, true),
        (1, 11.98, false),
        (0, 12.04, false),
        (1, 12.04, false),
    ];
    let written = through(&mut gate, &packets).expect("no overshoot");
    assert_eq!(
        written,
        [(0, 12_000), (1, 12_020), (0, 12_040), (1, 12_040)]
    );
}

#[test]
fn a_seek_that_lands_past_the_start_is_caught_before_anything_is_written() {
    let mut gate = Gate::at(12.0, 0, true, true);
    assert_eq!(
        through(&mut gate, &[(1, 12.5, false), (0, 14.0, true)]),
        None
    );
    // Read from the top, the same start is found the slow way.
    let mut gate = Gate::at(12.0, 0, true, false);
    let written = through(&mut gate, &[(0, 0.0, true), (0, 12.0, true)]).expect("found");
    assert_eq!(written, [(0, 12_000)]);
}

#[test]
fn a_missing_keyframe_at_the_start_makes_the_next_one_open_the_gate() {
    let mut gate = Gate::at(12.0, 0, true, true);
    let written = through(
        &mut gate,
        &[(0, 11.0, true), (0, 12.0, false), (0, 14.0, true)],
    );
    assert_eq!(written.expect("no overshoot"), [(0, 14_000)]);
    let mut open = Gate::open();
    let written = through(&mut open, &[(1, 0.0, false), (0, 0.5, false)]);
    assert_eq!(written.expect("open"), [(1, 0), (0, 500)]);
}
