//! Resume points: a station's latest unfinished reported play of each film.

use super::*;

#[test]
fn a_station_resumes_where_its_latest_play_of_a_film_stopped_and_not_after_the_end() {
    let rig = Rig::new();
    let plays = rig.plays();
    let here = rig.station("QLC");
    let there = rig.station("DFC");
    let first = plays
        .start(&rig.film, by(&tv(&here)), None, 0.0)
        .expect("start");
    rig.advance(20.0);
    plays
        .end(&first.id, by(&tv(&here)), Some(20.0))
        .expect("end");
    // Another station's play and an anonymous one are not this station's.
    let other = plays
        .start(&rig.film, by(&tv(&there)), None, 0.0)
        .expect("start");
    rig.advance(5.0);
    plays
        .heartbeat(&other.id, by(&tv(&there)), 300.0)
        .expect("heartbeat");
    plays
        .start(&rig.film, by(&Principal::Anonymous), None, 0.0)
        .expect("start");

    let points = plays.resume_points(&here).expect("points");
    assert_eq!(points.len(), 1, "{points:?}");
    assert_eq!(
        (points[0].film_id.as_str(), points[0].position_s),
        (rig.film.as_str(), 20.0)
    );
    assert_eq!(
        plays.resume_points(&there).expect("points")[0].position_s,
        300.0
    );

    // A later play, still open, that went on: its last report counts.
    rig.advance(60.0);
    let second = plays
        .start(&rig.film, by(&tv(&here)), None, 20.0)
        .expect("start");
    rig.advance(10.0);
    plays
        .heartbeat(&second.id, by(&tv(&here)), 30.0)
        .expect("heartbeat");
    assert_eq!(
        plays.resume_points(&here).expect("points")[0].position_s,
        30.0
    );

    // Watched to (nearly) the end: nothing to resume, also after a restart.
    rig.advance(10.0);
    plays
        .end(&second.id, by(&tv(&here)), Some(FILM_S - 2.0))
        .expect("end");
    assert_eq!(plays.resume_points(&here).expect("points"), Vec::new());
    drop(plays);
    assert_eq!(
        rig.plays().resume_points(&here).expect("points"),
        Vec::new()
    );
}
