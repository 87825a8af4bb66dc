//! Unit tests of the chain check and the import rules.

use serde_json::json;
use time::macros::datetime;
use time::OffsetDateTime;

use super::chain::{link_hash, verify, Event, RawRecord, ZERO_HASH};
use super::manifest::{self, KitFilm, KitMember, Manifest};
use super::rules::{check, Span};

const KIT: &str = "kit_0123456789ab";
const NOW: OffsetDateTime = datetime!(2026-07-10 12:00 UTC);

fn kit() -> Manifest {
    Manifest {
        format: manifest::MANIFEST_FORMAT.into(),
        kit_id: KIT.into(),
        station_id: "st_1".into(),
        station_code: "MY-01".into(),
        station_name: "夏季牧场".into(),
        township: "本乡镇".into(),
        made_at: "2026-07-01T00:00:00Z".into(),
        valid_from: "2026-07-01T00:00:00Z".into(),
        valid_to: "2026-08-01T00:00:00Z".into(),
        films: vec![KitFilm {
            id: "f_1".into(),
            title: "草原上的党课".into(),
            duration_s: 600,
            file: "films/f_1.mp4".into(),
            poster: None,
            prep_notes: None,
            cues: vec![],
        }],
        members: vec![KitMember {
            id: "m_1".into(),
            name: "巴特尔".into(),
            member_no: "D-001".into(),
        }],
        public_key: String::new(),
    }
}

/// A chain of `bodies` (each an object without seq and kit), as the page makes it.
fn chain(bodies: &[serde_json::Value]) -> Vec<RawRecord> {
    let mut prev = ZERO_HASH.to_owned();
    let mut out = Vec::new();
    for (seq, b) in bodies.iter().enumerate() {
        let mut b = b.clone();
        b["seq"] = json!(seq);
        b["kit"] = json!(KIT);
        let body = b.to_string();
        let hash = link_hash(&prev, &body);
        out.push(RawRecord {
            seq: seq as u64,
            prev: prev.clone(),
            body,
            hash: hash.clone(),
        });
        prev = hash;
    }
    out
}

fn showing(id: &str, film: &str, from: &str, to: &str, watched: u64) -> serde_json::Value {
    json!({"kind": "showing", "id": id, "film_id": film, "started_at": from, "ended_at": to,
           "watched_s": watched, "furthest_s": watched})
}

fn session(from: &str, to: &str) -> serde_json::Value {
    json!({"kind": "session", "started_at": from, "ended_at": to, "topic": "党章学习"})
}

fn day(bodies: Vec<serde_json::Value>) -> Vec<RawRecord> {
    chain(&bodies)
}

#[test]
fn an_intact_chain_verifies_and_decodes_every_record() {
    let raw = day(vec![
        showing(
            "s1",
            "f_1",
            "2026-07-02T10:00:00Z",
            "2026-07-02T10:10:00Z",
            590,
        ),
        json!({"kind": "signin", "showing": "s1", "member_id": "m_1", "at": "2026-07-02T10:01:00Z"}),
        session("2026-07-02T11:00:00Z", "2026-07-02T11:10:00Z"),
    ]);
    let records = verify(KIT, &raw).expect("intact");
    assert_eq!(records.len(), 3);
    assert!(matches!(&records[1].event, Event::Signin { member_id, .. } if member_id == "m_1"));
    assert_eq!(records[2].hash, raw[2].hash);
}

#[test]
fn an_edited_removed_reordered_or_moved_record_is_named() {
    let raw = day(vec![
        session("2026-07-02T09:00:00Z", "2026-07-02T09:30:00Z"),
        showing(
            "s1",
            "f_1",
            "2026-07-02T10:00:00Z",
            "2026-07-02T10:10:00Z",
            590,
        ),
        session("2026-07-02T11:00:00Z", "2026-07-02T11:10:00Z"),
    ]);
    let mut edited = raw.clone();
    edited[1].body = edited[1].body.replace("590", "600");
    let e = verify(KIT, &edited).expect_err("edited");
    assert_eq!(e.seq, 1);
    assert!(e.to_string().starts_with("第 2 条记录"), "{e}");

    let mut removed = raw.clone();
    removed.remove(1);
    assert_eq!(verify(KIT, &removed).expect_err("removed").seq, 1);

    let mut swapped = raw.clone();
    swapped.swap(1, 2);
    assert_eq!(verify(KIT, &swapped).expect_err("reordered").seq, 1);

    // The whole chain rehashed for another kit's id: its bodies say which kit they are from.
    assert_eq!(
        verify("kit_ffffffffffff", &raw).expect_err("other kit").seq,
        0
    );
}

#[test]
fn a_rehashed_edit_passes_the_chain_which_is_why_the_rules_exist() {
    // Whoever holds the stick can write a whole new chain: the chain alone cannot tell.
    let forged = day(vec![showing(
        "s1",
        "f_1",
        "2026-07-02T10:00:00Z",
        "2026-07-02T10:10:00Z",
        5000,
    )]);
    let records = verify(KIT, &forged).expect("a consistent forgery verifies");
    let kit = kit();
    let e = check(&kit, &records, &[], NOW).expect_err("longer than the film");
    assert_eq!(e.seq, 0);
    assert!(e.why.contains("比影片"), "{e}");
}

fn refused(bodies: Vec<serde_json::Value>, prior: &[Span]) -> (u64, String) {
    let records = verify(KIT, &day(bodies)).expect("chain");
    let kit = kit();
    let e = check(&kit, &records, prior, NOW).expect_err("refused");
    (e.seq, e.why)
}

#[test]
fn overlapping_showings_and_sessions_are_refused() {
    let (seq, why) = refused(
        vec![
            showing(
                "s1",
                "f_1",
                "2026-07-02T10:00:00Z",
                "2026-07-02T10:10:00Z",
                590,
            ),
            session("2026-07-02T10:05:00Z", "2026-07-02T10:30:00Z"),
        ],
        &[],
    );
    assert_eq!(seq, 1);
    assert!(why.contains("重叠"), "{why}");
    // Against a span imported earlier from the same kit (another chain, storage cleared).
    let earlier = Span {
        hash: "e".repeat(64),
        start: datetime!(2026-07-02 9:00 UTC),
        end: datetime!(2026-07-02 9:30 UTC),
    };
    let (seq, _) = refused(
        vec![session("2026-07-02T09:20:00Z", "2026-07-02T09:40:00Z")],
        &[earlier],
    );
    assert_eq!(seq, 0);
}

#[test]
fn a_showing_longer_than_its_film_or_than_it_lasted_is_refused() {
    let (seq, why) = refused(
        vec![showing(
            "s1",
            "f_1",
            "2026-07-02T10:00:00Z",
            "2026-07-02T11:00:00Z",
            700,
        )],
        &[],
    );
    assert_eq!(seq, 0);
    assert!(why.contains("比影片"), "{why}");
    let (_, why) = refused(
        vec![showing(
            "s1",
            "f_1",
            "2026-07-02T10:00:00Z",
            "2026-07-02T10:01:00Z",
            500,
        )],
        &[],
    );
    assert!(why.contains("起止时间"), "{why}");
}

#[test]
fn times_outside_the_kits_validity_or_after_now_are_refused() {
    let before = refused(
        vec![session("2026-06-30T10:00:00Z", "2026-06-30T10:10:00Z")],
        &[],
    );
    assert!(before.1.contains("有效期"), "{}", before.1);
    let future = refused(
        vec![session("2026-07-10T12:30:00Z", "2026-07-10T12:40:00Z")],
        &[],
    );
    assert!(future.1.contains("有效期"), "{}", future.1);
    // A laptop clock a few minutes fast is taken.
    let records = verify(
        KIT,
        &day(vec![session(
            "2026-07-10T11:50:00Z",
            "2026-07-10T12:03:00Z",
        )]),
    )
    .expect("chain");
    let kit = kit();
    assert!(check(&kit, &records, &[], NOW).is_ok());
}

#[test]
fn an_unknown_film_member_or_showing_is_refused() {
    let (seq, why) = refused(
        vec![showing(
            "s1",
            "f_9",
            "2026-07-02T10:00:00Z",
            "2026-07-02T10:10:00Z",
            10,
        )],
        &[],
    );
    assert_eq!(seq, 0);
    assert!(why.contains("片单"), "{why}");
    let (seq, why) = refused(
        vec![
            showing(
                "s1",
                "f_1",
                "2026-07-02T10:00:00Z",
                "2026-07-02T10:10:00Z",
                10,
            ),
            json!({"kind": "signin", "showing": "s1", "member_id": "m_9", "at": "2026-07-02T10:01:00Z"}),
        ],
        &[],
    );
    assert_eq!(seq, 1);
    assert!(why.contains("名单"), "{why}");
    let (seq, _) = refused(
        vec![
            json!({"kind": "discussion", "showing": "s7", "text": "好", "at": "2026-07-02T10:01:00Z"}),
        ],
        &[],
    );
    assert_eq!(seq, 0);
}

#[test]
fn a_member_signs_in_once_per_showing() {
    let signin = json!({"kind": "signin", "showing": "s1", "member_id": "m_1", "at": "2026-07-02T10:01:00Z"});
    let (seq, why) = refused(
        vec![
            signin.clone(),
            signin,
            showing(
                "s1",
                "f_1",
                "2026-07-02T10:00:00Z",
                "2026-07-02T10:10:00Z",
                10,
            ),
        ],
        &[],
    );
    assert_eq!(seq, 1);
    assert!(why.contains("重复签到"), "{why}");
}

#[test]
fn the_manifest_signature_holds_only_for_the_signed_text() {
    let key = manifest::new_key();
    let text = serde_json::to_string(&kit()).expect("json");
    let sig = manifest::sign(&key, &text);
    let public = hex::encode(key.verifying_key().to_bytes());
    assert!(manifest::signature_holds(&public, &text, &sig));
    let changed = text.replace("2026-08-01", "2027-08-01");
    assert!(!manifest::signature_holds(&public, &changed, &sig));
}

#[test]
fn a_plan_is_written_year_dash_quarter() {
    use super::make::FilmChoice;
    assert!(matches!(
        FilmChoice::parse_plan("2026-Q3"),
        Some(FilmChoice::Plan {
            year: 2026,
            quarter: 3
        })
    ));
    assert!(FilmChoice::parse_plan("2026-q1").is_some());
    assert!(FilmChoice::parse_plan("2026-Q5").is_none());
    assert!(FilmChoice::parse_plan("Q3").is_none());
}
