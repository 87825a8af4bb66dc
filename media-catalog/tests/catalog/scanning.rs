//! Rescans: what is probed, updated, relinked, marked missing or back.

use std::fs::{self, File};
use std::path::Path;
use std::time::{Duration, SystemTime};

use media_catalog::scan::{walk_library, ScanPlan};
use media_catalog::{Catalog, Film, FilmQuery, FilmState};

use crate::support::{probe_report, temp_db, write_file};

/// Walks `root`, plans, records a successful probe for every task and commits.
pub fn scan(catalog: &Catalog, root: &Path) -> ScanPlan {
    let walk = walk_library(root);
    let plan = catalog.plan_scan(&walk).expect("plan scan");
    for task in &plan.to_probe {
        catalog
            .record_probe(task, &probe_report(None))
            .expect("record probe");
    }
    catalog.commit().expect("commit");
    plan
}

fn set_mtime(path: &Path, time: SystemTime) {
    let file = File::options().write(true).open(path).expect("open");
    file.set_modified(time).expect("set mtime");
}

pub fn film_at(catalog: &Catalog, name: &str) -> Film {
    catalog
        .films()
        .expect("films")
        .into_iter()
        .find(|f| f.source.name == name)
        .unwrap_or_else(|| panic!("no film for {name}"))
}

fn library() -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("temp dir");
    write_file(root.path(), "党章/党章电视教材 第一集.mpg", b"episode one");
    write_file(root.path(), "党章/党章电视教材 第二集.mpg", b"episode two");
    write_file(root.path(), "焦裕禄.rmvb", b"jiao yulu");
    root
}

#[test]
fn a_first_scan_probes_every_media_file_and_catalogues_it_queued() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = library();
    let plan = scan(&catalog, root.path());
    assert_eq!(plan.to_probe.len(), 3);
    assert!(plan.to_probe.iter().all(|t| t.existing.is_none()));
    let film = film_at(&catalog, "党章电视教材 第一集.mpg");
    assert_eq!(film.state, FilmState::Queued);
    assert_eq!(
        (film.series.as_deref(), film.episode),
        (Some("党章电视教材"), Some(1))
    );
    assert!(film.media.is_some());
    let keyframes = catalog
        .keyframes(&film.id)
        .expect("keyframes")
        .expect("stored");
    assert_eq!(keyframes.times_s, [0.0, 2.0, 4.0]);
}

#[test]
fn rescanning_an_unchanged_library_probes_nothing() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = library();
    scan(&catalog, root.path());
    let before = catalog.films().expect("films");
    let plan = scan(&catalog, root.path());
    assert!(plan.to_probe.is_empty());
    assert_eq!((plan.unchanged, plan.updated, plan.relinked), (3, 0, 0));
    assert_eq!((plan.newly_missing, plan.returned), (0, 0));
    assert_eq!(
        catalog.films().expect("films"),
        before,
        "nothing was rewritten"
    );
}

#[test]
fn a_touched_but_identical_file_only_updates_its_fingerprint() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = library();
    scan(&catalog, root.path());
    let path = root.path().join("焦裕禄.rmvb");
    set_mtime(&path, SystemTime::now() + Duration::from_secs(3600));
    let before = film_at(&catalog, "焦裕禄.rmvb");
    let plan = scan(&catalog, root.path());
    assert!(plan.to_probe.is_empty());
    assert_eq!((plan.unchanged, plan.updated), (2, 1));
    let after = film_at(&catalog, "焦裕禄.rmvb");
    assert_eq!(after.id, before.id);
    assert_ne!(
        after.source.fingerprint.mtime_ns,
        before.source.fingerprint.mtime_ns
    );
    assert!(
        scan(&catalog, root.path()).to_probe.is_empty(),
        "the new time is remembered"
    );
}

#[test]
fn a_changed_file_is_probed_again_and_keeps_its_id_and_description() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = library();
    scan(&catalog, root.path());
    let mut before = film_at(&catalog, "焦裕禄.rmvb");
    before.summary = Some("县委书记的榜样".into());
    catalog.put(&before).expect("put");
    write_file(root.path(), "焦裕禄.rmvb", b"a better copy of jiao yulu");
    let plan = catalog.plan_scan(&walk_library(root.path())).expect("plan");
    assert_eq!(plan.to_probe.len(), 1);
    assert_eq!(plan.to_probe[0].existing.as_ref(), Some(&before.id));
    let after = catalog
        .record_probe(&plan.to_probe[0], &probe_report(Some("别的标题")))
        .expect("record");
    assert_eq!((&after.id, after.added_at), (&before.id, before.added_at));
    assert_eq!(after.title, before.title);
    assert_eq!(after.summary.as_deref(), Some("县委书记的榜样"));
    assert_eq!(after.source.fingerprint.size, 26);
}

#[test]
fn a_moved_file_is_relinked_to_the_same_film() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = library();
    scan(&catalog, root.path());
    let before = film_at(&catalog, "焦裕禄.rmvb");
    fs::create_dir_all(root.path().join("人物")).expect("dir");
    fs::rename(
        root.path().join("焦裕禄.rmvb"),
        root.path().join("人物/焦裕禄 (县委书记).rmvb"),
    )
    .expect("move");
    let plan = scan(&catalog, root.path());
    assert!(plan.to_probe.is_empty());
    assert_eq!((plan.relinked, plan.newly_missing), (1, 0));
    let after = catalog.get(&before.id).expect("get").expect("still there");
    assert!(after.source.path.ends_with("人物/焦裕禄 (县委书记).rmvb"));
    assert_eq!(after.source.name, "焦裕禄 (县委书记).rmvb");
    assert!(!after.missing);
    assert_eq!(catalog.films().expect("films").len(), 3, "no new film");
}

#[test]
fn a_file_moved_after_it_was_marked_missing_is_relinked() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = library();
    let away = tempfile::tempdir().expect("temp dir");
    scan(&catalog, root.path());
    let before = film_at(&catalog, "焦裕禄.rmvb");
    fs::rename(
        root.path().join("焦裕禄.rmvb"),
        away.path().join("焦裕禄.rmvb"),
    )
    .expect("move out");
    assert_eq!(scan(&catalog, root.path()).newly_missing, 1);
    fs::rename(
        away.path().join("焦裕禄.rmvb"),
        root.path().join("焦裕禄 新.rmvb"),
    )
    .expect("move in");
    let plan = scan(&catalog, root.path());
    assert_eq!((plan.relinked, plan.to_probe.len()), (1, 0));
    assert!(!catalog.get(&before.id).expect("get").expect("film").missing);
}

#[test]
fn a_removed_file_marks_its_film_missing_but_keeps_it() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = library();
    scan(&catalog, root.path());
    let gone = film_at(&catalog, "焦裕禄.rmvb");
    fs::remove_file(root.path().join("焦裕禄.rmvb")).expect("remove");
    let plan = scan(&catalog, root.path());
    assert_eq!((plan.newly_missing, plan.unchanged), (1, 2));
    let film = catalog.get(&gone.id).expect("get").expect("still gettable");
    assert!(film.missing);
    let listed = catalog.search(&FilmQuery::default()).expect("search");
    assert_eq!(listed.total, 2, "missing films are not listed by default");
    let found = catalog.search(&FilmQuery {
        q: Some("焦裕禄".into()),
        ..FilmQuery::default()
    });
    assert_eq!(found.expect("search").total, 0, "nor found by text");
    assert_eq!(scan(&catalog, root.path()).newly_missing, 0, "marked once");
}

#[test]
fn a_missing_film_whose_file_is_back_is_no_longer_missing() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = library();
    scan(&catalog, root.path());
    let path = root.path().join("焦裕禄.rmvb");
    let kept = fs::read(&path).expect("read");
    fs::remove_file(&path).expect("remove");
    scan(&catalog, root.path());
    fs::write(&path, kept).expect("restore");
    let plan = scan(&catalog, root.path());
    assert_eq!((plan.returned, plan.to_probe.len()), (1, 0));
    assert!(!film_at(&catalog, "焦裕禄.rmvb").missing);
}

#[test]
fn films_of_another_library_folder_are_not_marked_missing() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let first = library();
    let second = tempfile::tempdir().expect("temp dir");
    write_file(second.path(), "other.mp4", b"other");
    scan(&catalog, first.path());
    let plan = scan(&catalog, second.path());
    assert_eq!((plan.to_probe.len(), plan.newly_missing), (1, 0));
    assert!(catalog.films().expect("films").iter().all(|f| !f.missing));
}
