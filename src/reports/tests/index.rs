//! The derived indexes against the log: caught up lazily, checked, and any extra or missing
//! key found.

use serde_json::json;

use super::Script;
use crate::ledger::EntryKind;
use crate::reports::{Index, ReportsError};

#[test]
fn the_index_catches_up_and_its_check_finds_extra_and_missing_keys() {
    let s = Script::new();
    let (a, _) = s.station("A01", "东村", "village", &[]);
    s.viewing(&a, "p1", "f1", "2025-03-31T17:00:00Z", 600, true);
    s.at("2025-04-02T02:00:00Z");
    s.append(EntryKind::Plan, Some(&a), json!({"year": 2025, "quarter": 3, "items": [
        {"month": 7, "film_id": "f1", "film_title": "x"}, {"month": 8, "film_id": "f2", "film_title": "y"}]}));
    let mut index = Index::open(&s.db).expect("index");
    assert_eq!(
        index.catch_up(&s.ledger, &s.days).expect("catch up"),
        s.ledger.len()
    );
    assert_eq!(index.catch_up(&s.ledger, &s.days).expect("again"), 0);
    let checked = index.check(&s.ledger, &s.days).expect("consistent");
    assert_eq!(checked.entries, s.ledger.len());
    let film_keys = checked
        .keys
        .iter()
        .find(|(t, _)| *t == "ledger_by_film")
        .map(|(_, n)| *n);
    assert_eq!(film_keys, Some(3), "the viewing's film and the plan's two");
    // The viewing began 01:00 on 1 April local time: indexed under April.
    let april = index
        .station_months(&a, "2025-04", "2025-04")
        .expect("april");
    assert!(april.contains(&(s.ledger.len() - 2)));
    assert!(index
        .station_months(&a, "2025-03", "2025-03")
        .expect("march")
        .is_empty());

    let film = s.db.open_tree("ledger_by_film").expect("tree");
    film.insert(b"ghost\0\0\0\0\0\0\0\0\x01", &1u64.to_be_bytes())
        .expect("insert");
    let err = index.check(&s.ledger, &s.days).expect_err("extra key");
    assert!(
        matches!(&err, ReportsError::IndexMismatch(p) if p.len() == 1 && p[0].contains("ghost")),
        "{err}"
    );
    film.remove(b"ghost\0\0\0\0\0\0\0\0\x01").expect("remove");
    let month = s.db.open_tree("ledger_by_month").expect("tree");
    let (key, _) = month.first().expect("read").expect("a key");
    month.remove(&key).expect("remove");
    let err = index.check(&s.ledger, &s.days).expect_err("missing key");
    assert!(err.to_string().contains("缺少键"), "{err}");
    assert_eq!(
        index.rebuild(&s.ledger, &s.days).expect("rebuild"),
        s.ledger.len()
    );
    index
        .check(&s.ledger, &s.days)
        .expect("consistent after rebuild");
}
