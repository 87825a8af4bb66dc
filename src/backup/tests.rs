//! The database dump round-trips every tree and refuses a cut-off or altered copy.

use super::dump::{read_db, write_db};
use super::BackupError;

fn db_with_trees() -> sled::Db {
    let db = sled::Config::new().temporary(true).open().expect("db");
    db.insert(b"default-key", b"v".as_slice()).expect("insert");
    let films = db.open_tree("catalog.films").expect("tree");
    for i in 0u32..5000 {
        films
            .insert(i.to_be_bytes(), format!("片{i}").as_bytes())
            .expect("insert");
    }
    db.open_tree("empty").expect("tree");
    db
}

fn dump_of(db: &sled::Db) -> Vec<u8> {
    let mut out = Vec::new();
    write_db(db, &mut out).expect("dump");
    out
}

#[test]
fn a_dump_loads_into_a_new_database_with_every_tree_and_record() {
    let db = db_with_trees();
    let bytes = dump_of(&db);
    let copy = sled::Config::new().temporary(true).open().expect("db");
    let stats = read_db(&mut bytes.as_slice(), &copy).expect("load");
    assert_eq!(stats.records, 5001);
    assert_eq!(
        copy.get(b"default-key").expect("get").as_deref(),
        Some(&b"v"[..])
    );
    let films = copy.open_tree("catalog.films").expect("tree");
    assert_eq!(films.len(), 5000);
    assert_eq!(
        films.get(4999u32.to_be_bytes()).expect("get").as_deref(),
        Some("片4999".as_bytes())
    );
    assert!(copy.tree_names().iter().any(|n| n.as_ref() == b"empty"));
}

#[test]
fn a_dump_cut_off_before_its_end_line_is_refused() {
    let bytes = dump_of(&db_with_trees());
    let cut = &bytes[..bytes.len() - 40];
    let copy = sled::Config::new().temporary(true).open().expect("db");
    let err = read_db(&mut &cut[..], &copy).expect_err("refused");
    assert!(
        matches!(err, BackupError::DumpBroken(_) | BackupError::DumpFormat(_)),
        "{err:?}"
    );
}

#[test]
fn a_dump_with_a_record_removed_is_refused_by_its_counts() {
    let text = String::from_utf8(dump_of(&db_with_trees())).expect("utf8");
    let mut lines: Vec<&str> = text.lines().collect();
    let kv = lines
        .iter()
        .position(|l| l.starts_with("{\"kv\""))
        .expect("a record");
    lines.remove(kv);
    let edited = lines.join("\n") + "\n";
    let copy = sled::Config::new().temporary(true).open().expect("db");
    let err = read_db(&mut edited.as_bytes(), &copy).expect_err("refused");
    assert!(matches!(err, BackupError::DumpBroken(_)), "{err:?}");
}
