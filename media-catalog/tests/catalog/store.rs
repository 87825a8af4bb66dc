//! The sled store: films, the path index, keyframes.

use std::path::Path;

use media_catalog::store::{SeriesInfo, Store};
use media_catalog::{Category, KeyframeIndex};

use crate::support::{film, temp_db};

#[test]
fn a_stored_film_reads_back_equal_by_id_and_by_path() {
    let (_dir, db) = temp_db();
    let store = Store::open(&db).expect("open store");
    let f = film("焦裕禄", "/lib/焦裕禄.mpg");
    store.put(&f).expect("put");
    assert_eq!(store.get(&f.id).expect("get"), Some(f.clone()));
    assert_eq!(
        store
            .film_by_path(Path::new("/lib/焦裕禄.mpg"))
            .expect("by path"),
        Some(f)
    );
    assert_eq!(store.len(), 1);
}

#[test]
fn films_survive_reopening_the_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let f = film("焦裕禄", "/lib/焦裕禄.mpg");
    {
        let db = sled::open(dir.path()).expect("open sled");
        let store = Store::open(&db).expect("open store");
        store.put(&f).expect("put");
        store.flush().expect("flush");
    }
    let db = sled::open(dir.path()).expect("reopen sled");
    let store = Store::open(&db).expect("open store");
    assert_eq!(store.films().expect("films"), vec![f]);
}

#[test]
fn a_film_moved_to_a_new_path_releases_its_old_path() {
    let (_dir, db) = temp_db();
    let store = Store::open(&db).expect("open store");
    let mut f = film("焦裕禄", "/lib/old/焦裕禄.mpg");
    store.put(&f).expect("put");
    f.source.path = "/lib/new/焦裕禄.mpg".into();
    store.put(&f).expect("put moved");
    assert_eq!(
        store
            .id_by_path(Path::new("/lib/old/焦裕禄.mpg"))
            .expect("old"),
        None
    );
    assert_eq!(
        store
            .id_by_path(Path::new("/lib/new/焦裕禄.mpg"))
            .expect("new"),
        Some(f.id)
    );
}

#[test]
fn an_unknown_id_or_path_is_none() {
    let (_dir, db) = temp_db();
    let store = Store::open(&db).expect("open store");
    assert_eq!(store.get(&film("x", "/x.mpg").id).expect("get"), None);
    assert_eq!(
        store
            .film_by_path(Path::new("/nowhere.mpg"))
            .expect("by path"),
        None
    );
}

#[test]
fn keyframes_are_stored_apart_from_the_film() {
    let (_dir, db) = temp_db();
    let store = Store::open(&db).expect("open store");
    let f = film("焦裕禄", "/lib/焦裕禄.mpg");
    let index = KeyframeIndex {
        stream_index: 0,
        times_s: vec![0.0, 1.5, 3.0],
    };
    assert_eq!(store.keyframes(&f.id).expect("none yet"), None);
    store.put_keyframes(&f.id, &index).expect("put keyframes");
    assert_eq!(store.keyframes(&f.id).expect("keyframes"), Some(index));
    assert_eq!(
        store.get(&f.id).expect("get"),
        None,
        "keyframes do not make a film"
    );
}

#[test]
fn a_damaged_film_record_is_an_error_on_get_and_left_out_of_the_list() {
    let (_dir, db) = temp_db();
    let store = Store::open(&db).expect("open store");
    let good = film("好", "/lib/good.mpg");
    store.put(&good).expect("put");
    let bad = film("坏", "/lib/bad.mpg");
    db.open_tree("catalog.films")
        .expect("tree")
        .insert(bad.id.as_str(), &b"{not json"[..])
        .expect("insert");
    assert!(store.get(&bad.id).is_err());
    assert_eq!(store.films().expect("films"), vec![good]);
}

#[test]
fn series_descriptions_are_stored_by_name() {
    let (_dir, db) = temp_db();
    let store = Store::open(&db).expect("open store");
    let info = SeriesInfo {
        category: Some(Category::Central),
        summary: Some("简介".into()),
    };
    store.put_series_info("党章电视教材", &info).expect("put");
    store
        .put_series_info("党章电视教材", &info)
        .expect("put again");
    assert_eq!(
        store.series_infos().expect("infos"),
        vec![("党章电视教材".to_owned(), info)]
    );
}

#[test]
fn scan_entries_mirror_each_film_path_fingerprint_and_missing_flag() {
    let (_dir, db) = temp_db();
    let store = Store::open(&db).expect("open store");
    let mut f = film("焦裕禄", "/lib/焦裕禄.mpg");
    store.put(&f).expect("put");
    f.missing = true;
    f.source.path = "/lib/moved/焦裕禄.mpg".into();
    f.source.fingerprint.size = 42;
    store.put(&f).expect("put again");
    let entries = store.scan_entries().expect("entries");
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!((&entry.id, &entry.path), (&f.id, &f.source.path));
    assert_eq!((entry.fingerprint.size, entry.missing), (42, true));
}
