//! Failed tries: the waits, the count, the reasons, refusals.

use std::time::Duration;

use media_catalog::{Film, FilmId, FilmState};

use super::*;

fn tree() -> sled::Tree {
    let db = sled::Config::new().temporary(true).open().expect("db");
    db.open_tree("prepare.queue").expect("tree")
}

fn film() -> Film {
    let mut f = Film::bare(FilmId::parse("00000000000000aa").expect("id"), "片");
    f.state = FilmState::Preparing;
    f
}

fn retries() -> Retries {
    Retries {
        after: vec![Duration::from_secs(60), Duration::from_secs(600)],
    }
}

#[test]
fn each_failure_waits_its_turn_then_the_film_gives_up_keeping_every_reason() {
    let (t, f) = (tree(), film());
    let (state, reason) = record_failure(&t, &retries(), &f, "出错了", false, 1_000).expect("1");
    assert_eq!(state, FilmState::Queued);
    assert!(reason.contains("第 1 次准备失败：出错了"), "{reason}");
    assert!(reason.contains("1 分钟后自动再试"), "{reason}");
    let e = current(&t, &f).expect("entry");
    assert_eq!(e.retry_at_ms, Some(61_000));
    assert!(!e.due(60_999) && e.due(61_000));

    let (state, reason) = record_failure(&t, &retries(), &f, "又错", false, 70_000).expect("2");
    assert_eq!(state, FilmState::Queued);
    assert!(
        reason.contains("第 2 次") && reason.contains("10 分钟"),
        "{reason}"
    );
    assert_eq!(current(&t, &f).expect("e").retry_at_ms, Some(670_000));

    let (state, reason) = record_failure(&t, &retries(), &f, "还错", false, 700_000).expect("3");
    assert_eq!(state, FilmState::Failed);
    assert!(
        reason.contains("第 3 次") && reason.contains("不再自动重试"),
        "{reason}"
    );
    let e = current(&t, &f).expect("e");
    assert_eq!(e.retry_at_ms, None);
    let reasons: Vec<&str> = e.failures.iter().map(|x| x.reason.as_str()).collect();
    assert_eq!(reasons, ["出错了", "又错", "还错"]);
    let waits: Vec<Option<f64>> = e.failures.iter().map(|x| x.retry_after_s).collect();
    assert_eq!(waits, [Some(60.0), Some(600.0), None]);
}

#[test]
fn a_refused_file_is_not_tried_again() {
    let (t, f) = (tree(), film());
    let (state, reason) = record_failure(&t, &retries(), &f, "不是影片", true, 5).expect("r");
    assert_eq!(state, FilmState::Failed);
    assert!(reason.contains("不再自动重试"), "{reason}");
    let e = current(&t, &f).expect("e");
    assert_eq!((e.tries(), e.retry_at_ms), (1, None));
    assert!(e.failures[0].refused);
}

#[test]
fn no_waits_means_no_tries_again_and_a_changed_file_counts_afresh() {
    let (t, mut f) = (tree(), film());
    let none = Retries { after: Vec::new() };
    let (state, _) = record_failure(&t, &none, &f, "错", false, 5).expect("r");
    assert_eq!(state, FilmState::Failed);
    f.source.fingerprint.size += 1;
    assert_eq!(current(&t, &f).expect("e").tries(), 0);
    let (state, reason) = record_failure(&t, &retries(), &f, "错", false, 9).expect("r");
    assert_eq!(state, FilmState::Queued);
    assert!(reason.contains("第 1 次"), "{reason}");
}

#[test]
fn waits_read_as_a_clerk_would_say_them() {
    let words = |s| wait_words(Duration::from_secs_f64(s));
    assert_eq!(words(0.05), "1 秒");
    assert_eq!(words(30.0), "30 秒");
    assert_eq!(words(60.0), "1 分钟");
    assert_eq!(words(600.0), "10 分钟");
    assert_eq!(words(3600.0), "1 小时");
    assert_eq!(words(5400.0), "1 小时 30 分钟");
}
