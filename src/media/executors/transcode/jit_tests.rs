//! Transcodes made just in time from segment k: the same segments as a full run's, from k
//! on, on every rung, and nothing else.

use super::fixtures::*;
use super::*;

/// How far a just-in-time segment's first picture may be from a full run's, seconds.
const SAME_TIME_S: f64 = 0.05;

#[test]
fn a_dvd_made_from_segment_two_has_the_full_runs_segments_from_two_on_every_rung() {
    let fixture = pal_dvd(20);
    let full = fixture.run();
    let last = full.rungs[0].segment_durations_s.len() - 1;
    assert_eq!(last, 3, "{full:?}");
    let (outputs, ready) = fixture.run_jit(2, transcode);
    assert_eq!(ready, (2..=last).collect::<Vec<_>>());
    assert!(!outputs.tv_mp4);
    let jit = fixture.dir.path().join("jit");
    assert_eq!(names_in(&jit), ["360p", "480p"]);
    for rung in &full.rungs {
        let wanted: Vec<String> = (2..=last).map(playlist::segment_uri).collect();
        assert_eq!(names_in(&jit.join(&rung.name)), wanted, "{}", rung.name);
        for i in 2..=last {
            let uri = format!("{}/{}", rung.name, playlist::segment_uri(i));
            let ours = segment_start(&jit.join(&uri));
            let theirs = segment_start(&fixture.out(&uri));
            let (t, key) = ours.video.expect("a picture");
            let (full_t, _) = theirs.video.expect("a picture");
            assert!(key, "{uri} starts on a keyframe");
            assert!((t - full_t).abs() <= SAME_TIME_S, "{uri}: {t} vs {full_t}");
            let sound = ours.audio.expect("sound");
            assert!(
                (sound - t).abs() <= 0.1,
                "{uri}: sound {sound}, picture {t}"
            );
        }
    }
    let durations = &outputs.rungs[0].segment_durations_s;
    assert_eq!(durations.len(), last - 1, "{outputs:?}");
}

#[test]
fn the_first_segment_of_a_just_in_time_run_decodes_cleanly() {
    let fixture = pal_dvd(14);
    let (outputs, ready) = fixture.run_jit(1, transcode);
    assert_eq!(ready, [1, 2]);
    let seg = fixture.dir.path().join("jit/480p/seg-00001.ts");
    let (ok, stderr) = decode_all(&seg);
    assert!(ok && stderr.is_empty(), "{stderr}");
    assert!(starts_with_keyframe(&seg));
    assert_eq!(outputs.rungs.len(), 2);
}

#[test]
fn a_sound_only_film_made_from_segment_one_starts_its_sound_there() {
    let fixture = Fixture::make(
        "talk.wav",
        &[
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=300:sample_rate=22050",
            "-t",
            "14",
        ],
    );
    let full = fixture.run();
    let (_, ready) = fixture.run_jit(1, transcode);
    assert_eq!(ready, [1, 2]);
    let ours = segment_start(&fixture.dir.path().join("jit/audio/seg-00001.ts"));
    let theirs = segment_start(&fixture.out("audio/seg-00001.ts"));
    let (t, full_t) = (ours.audio.expect("sound"), theirs.audio.expect("sound"));
    assert!((t - full_t).abs() <= SAME_TIME_S, "{t} vs {full_t}");
    assert_eq!(full.rungs[0].segment_durations_s.len(), 3);
}

#[test]
fn a_just_in_time_run_from_the_top_writes_segments_only() {
    let fixture = pal_dvd(4);
    let (outputs, ready) = fixture.run_jit(0, transcode);
    assert_eq!(ready, [0]);
    let jit = fixture.dir.path().join("jit");
    assert_eq!(names_in(&jit), ["360p", "480p"]);
    assert_eq!(names_in(&jit.join("480p")), ["seg-00000.ts"]);
    assert!(!outputs.tv_mp4);
}

#[test]
fn a_full_run_announces_its_segments_too_and_leaves_no_part_files() {
    let fixture = pal_dvd(8);
    let mut ready = Vec::new();
    let mut events = |e: Event| {
        if let Event::SegmentReady(i) = e {
            ready.push(i);
        }
    };
    transcode(&fixture.job, &MediaLimits::default(), &mut events).expect("transcoded");
    assert_eq!(ready, [0, 1]);
    let names = names_in(&fixture.out("480p"));
    assert_eq!(names, ["index.m3u8", "seg-00000.ts", "seg-00001.ts"]);
}

#[test]
fn a_segment_past_the_end_or_a_partial_full_run_is_refused() {
    let fixture = pal_dvd(4);
    let job = fixture.jit_job(5);
    let err = transcode(&job, &MediaLimits::default(), &mut |_| {}).expect_err("no segment 5");
    assert_eq!(err.kind, FailureKind::Output);
    let job = PrepareJob {
        first_segment: 1,
        ..fixture.job.clone()
    };
    assert!(transcode(&job, &MediaLimits::default(), &mut |_| {}).is_err());
}

#[test]
fn a_seek_that_lands_past_the_start_is_noticed_and_the_run_makes_nothing() {
    let fixture = pal_dvd(14);
    let job = fixture.jit_job(1);
    let limits = MediaLimits::default();
    let cuts = cut_times(&job.plan, &job.keyframes, &limits);
    let start = StartAt::of(&job, &cuts).expect("a start");
    let run = run::Run::new(&job, &limits, &cuts, start);
    let outcome = run
        .go(Some(start.start_s + 3.0), &mut |_| {})
        .expect("no failure");
    assert!(outcome.is_none(), "{outcome:?}");
    let top = run::Run::new(&job, &limits, &cuts, start).go(None, &mut |_| {});
    let outputs = top.expect("no failure").expect("read from the top");
    assert_eq!(outputs.rungs[0].segment_durations_s.len(), 2);
}

#[test]
fn a_just_in_time_first_segment_ended_early_matches_the_full_runs_segments() {
    // The run drains its encoders at the end of its first segment and starts them again:
    // the cuts, keyframes and sound stay where a full run puts them.
    let fixture = pal_dvd(14);
    let full = fixture.run();
    let (outputs, ready) = fixture.run_jit(0, transcode);
    assert_eq!(ready, [0, 1, 2]);
    for (ours, theirs) in outputs.rungs.iter().zip(&full.rungs) {
        assert_eq!(ours.segment_durations_s.len(), 3, "{outputs:?}");
        for (a, b) in ours
            .segment_durations_s
            .iter()
            .zip(&theirs.segment_durations_s)
        {
            assert!((a - b).abs() <= SAME_TIME_S, "{outputs:?} vs {full:?}");
        }
        for i in 0..3 {
            let uri = format!("{}/{}", ours.name, playlist::segment_uri(i));
            let seg = fixture.dir.path().join("jit").join(&uri);
            let (ok, stderr) = decode_all(&seg);
            assert!(ok && stderr.is_empty(), "{uri}: {stderr}");
            assert!(starts_with_keyframe(&seg), "{uri}");
            let start = segment_start(&seg);
            let (t, _) = start.video.expect("a picture");
            let sound = start.audio.expect("sound");
            assert!(
                (sound - t).abs() <= 0.1,
                "{uri}: sound {sound}, picture {t}"
            );
        }
    }
}
