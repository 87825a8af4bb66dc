//! The queue's order, from films, records and signals made here.

use std::collections::HashMap;

use media_catalog::{Category, Film, FilmId, FilmState, MediaInfo};

use super::super::queue::{self, Entry, First};
use super::{order, Signals, Why};

fn film(n: u32, added_at: i64) -> Film {
    let id = FilmId::parse(&format!("{n:016x}")).expect("id");
    let mut f = Film::bare(id, &format!("片{n}"));
    f.state = FilmState::Queued;
    f.media = Some(MediaInfo::default());
    f.added_at = added_at;
    f.source.fingerprint.head_tail_sha256 = format!("sha{n}");
    f
}

fn ids(places: &[super::Place]) -> Vec<String> {
    places.iter().map(|p| p.film.title.clone()).collect()
}

fn mark(f: &Film, seq: u64) -> (String, Entry) {
    let entry = Entry {
        file: queue::file_key(f),
        first: Some(First {
            by: "clerk".into(),
            at_ms: 0,
            seq,
        }),
        ..Entry::default()
    };
    (f.id.to_string(), entry)
}

#[test]
fn planned_then_local_then_watched_then_the_rest_newest_first() {
    let old = film(1, 100);
    let new = film(2, 500);
    let watched = film(3, 50);
    let mut local = film(4, 10);
    local.category = Some(Category::Local);
    let planned = film(5, 1);
    let signals = Signals {
        planned: [planned.id.to_string()].into(),
        watching: [watched.id.to_string()].into(),
    };
    let films = vec![old, new, watched, local, planned];
    let places = order(films, &HashMap::new(), &signals);
    assert_eq!(ids(&places), ["片5", "片4", "片3", "片2", "片1"]);
    let whys: Vec<Why> = places.iter().map(|p| p.why).collect();
    assert_eq!(
        whys,
        [
            Why::Plan,
            Why::Local,
            Why::Watching,
            Why::Recent,
            Why::Recent
        ]
    );
}

#[test]
fn a_planned_local_production_counts_as_planned_and_the_rest_are_left_out() {
    let mut both = film(1, 1);
    both.category = Some(Category::Local);
    let mut ready = film(2, 9);
    ready.state = FilmState::Ready;
    let mut gone = film(3, 9);
    gone.missing = true;
    let mut unprobed = film(4, 9);
    unprobed.media = None;
    let mut failed = film(5, 9);
    failed.state = FilmState::Failed;
    let signals = Signals {
        planned: [both.id.to_string()].into(),
        ..Signals::default()
    };
    let places = order(
        vec![both, ready, gone, unprobed, failed],
        &HashMap::new(),
        &signals,
    );
    assert_eq!(ids(&places), ["片1"]);
    assert_eq!(places[0].why, Why::Plan);
}

#[test]
fn films_moved_by_hand_go_first_the_latest_move_in_front_and_preparing_ahead_of_all() {
    let a = film(1, 1);
    let b = film(2, 2);
    let c = film(3, 3);
    let mut busy = film(4, 0);
    busy.state = FilmState::Preparing;
    let entries: HashMap<String, Entry> = [mark(&a, 1), mark(&b, 2)].into();
    let places = order(vec![a, b, c, busy], &entries, &Signals::default());
    assert_eq!(ids(&places), ["片4", "片2", "片1", "片3"]);
}

#[test]
fn a_changed_file_forgets_the_tries_but_keeps_the_move() {
    let mut f = film(1, 1);
    let (id, mut entry) = mark(&f, 7);
    entry.failures.push(queue::Failure {
        at_ms: 0,
        reason: "坏了".into(),
        retry_after_s: Some(60.0),
        refused: false,
    });
    entry.retry_at_ms = Some(i64::MAX);
    f.source.fingerprint.head_tail_sha256 = "another file".into();
    let places = order(vec![f], &[(id, entry)].into(), &Signals::default());
    assert_eq!(places[0].entry.tries(), 0);
    assert!(!places[0].waiting(0), "a new file is due at once");
    assert_eq!(places[0].entry.first.as_ref().map(|m| m.seq), Some(7));
}
