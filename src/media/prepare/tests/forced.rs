//! `transcode_plan`: the decision's ladder with the action forced to transcode (benchmarks).

use super::*;

#[test]
fn a_forced_transcode_of_a_remuxable_854x480_film_gets_the_transcode_ladder() {
    let media = film("mp4", vec![h264("High", 30, 854, 480), aac()]);
    assert_eq!(decide(&media).decision.action, Action::Remux);
    let plan = transcode_plan(&media);
    assert_eq!(plan.decision.action, Action::Transcode);
    assert_eq!(names(&plan), ["480p", "360p"]);
    assert_eq!(sizes(&plan), [(854, 480), (640, 360)]);
    assert_eq!(plan.geometry, decide(&media).geometry);
    assert!(plan.ladder.iter().all(|r| r.audio.is_some()));
}

#[test]
fn a_forced_transcode_of_a_film_without_a_picture_is_the_usual_plan() {
    let media = film("mp3", vec![audio("mp3", None)]);
    assert_eq!(transcode_plan(&media), decide(&media));
}
