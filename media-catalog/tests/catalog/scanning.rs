//! Rescans: what is probed, updated, relinked, marked missing or back; and what a probe
//! records.

use std::fs::{self, File};
use std::path::Path;
use std::time::{Duration, SystemTime};

use media_catalog::scan::{walk_library, ScanPlan, ScanProblem};
use media_catalog::{Catalog, CatalogError, Category, Cue, FilmQuery, FilmState};

use crate::support::{probe_report, temp_db, write_file};

/// Walks `root`, plans, records a successful probe for every task and commits.
fn scan(catalog: &Catalog, root: &Path) -> ScanPlan {
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

fn film_at(catalog: &Catalog, name: &str) -> media_catalog::Film {
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

#[test]
fn an_episode_name_and_the_folder_catalog_toml_describe_a_new_film() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = tempfile::tempdir().expect("temp dir");
    write_file(root.path(), "党课/党课 第3集.mpg", b"three");
    write_file(
        root.path(),
        "党课/catalog.toml",
        "series = \"基层党课\"\ncategory = \"市县\"\nthemes = [\"党课\"]\nyear = 2019\n\
         producer = \"县委组织部\"\nsummary = \"系列简介\"\n\
         [files.\"党课 第3集.mpg\"]\nprep_notes = \"先讲背景\"\n\
         cues = [{ at_s = 5.0, text = \"请注意\" }]\n"
            .as_bytes(),
    );
    scan(&catalog, root.path());
    let film = film_at(&catalog, "党课 第3集.mpg");
    assert_eq!(film.title, "党课 第3集");
    assert_eq!(film.episode, Some(3));
    assert_eq!(
        film.series.as_deref(),
        Some("基层党课"),
        "catalog.toml names the series"
    );
    assert_eq!(film.category, Some(Category::County));
    assert_eq!(film.themes, ["党课"]);
    assert_eq!(
        (film.year, film.producer.as_deref()),
        (Some(2019), Some("县委组织部"))
    );
    assert_eq!(film.prep_notes.as_deref(), Some("先讲背景"));
    assert_eq!(
        film.cues,
        [Cue {
            at_s: 5.0,
            text: "请注意".into()
        }]
    );
    let series = catalog.series().expect("series");
    assert_eq!(series.len(), 1);
    assert_eq!(series[0].summary.as_deref(), Some("系列简介"));
    assert_eq!(
        (series[0].film_count, series[0].category),
        (1, Some(Category::County))
    );
}

#[test]
fn an_invalid_catalog_toml_is_reported_and_the_files_are_catalogued_from_their_names() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = tempfile::tempdir().expect("temp dir");
    write_file(root.path(), "党课/党课 第3集.mpg", b"three");
    write_file(
        root.path(),
        "党课/catalog.toml",
        b"series = \"x\"\nyear = oops\n",
    );
    let plan = scan(&catalog, root.path());
    let problems: Vec<String> = plan.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(matches!(plan.problems[0], ScanProblem::Meta(_)));
    assert!(
        problems[0].contains("catalog.toml") && problems[0].contains("line 2"),
        "{problems:?}"
    );
    let film = film_at(&catalog, "党课 第3集.mpg");
    assert_eq!(
        (film.series.as_deref(), film.episode),
        (Some("党课"), Some(3))
    );
}

#[test]
fn a_generic_disc_file_takes_the_container_title_and_the_folder_series() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = tempfile::tempdir().expect("temp dir");
    write_file(root.path(), "焦裕禄/MPEGAV/AVSEQ02.DAT", b"vcd track");
    let plan = catalog.plan_scan(&walk_library(root.path())).expect("plan");
    let film = catalog
        .record_probe(&plan.to_probe[0], &probe_report(Some("  焦裕禄（下） ")))
        .expect("record");
    assert_eq!(film.title, "焦裕禄（下）");
    assert_eq!(
        (film.series.as_deref(), film.episode),
        (Some("焦裕禄"), Some(2))
    );
    assert_eq!(film.source.name, "AVSEQ02.DAT");
}

#[test]
fn a_title_tag_does_not_replace_a_meaningful_file_name() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = tempfile::tempdir().expect("temp dir");
    write_file(root.path(), "焦裕禄.mpg", b"x");
    let plan = catalog.plan_scan(&walk_library(root.path())).expect("plan");
    let film = catalog
        .record_probe(&plan.to_probe[0], &probe_report(Some("Title 1")))
        .expect("record");
    assert_eq!(film.title, "焦裕禄");
}

#[test]
fn a_refused_file_is_kept_as_a_rejected_film_listed_only_on_request() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = tempfile::tempdir().expect("temp dir");
    write_file(root.path(), "坏文件.mpg", b"");
    write_file(root.path(), "好文件.mpg", b"good");
    let plan = catalog.plan_scan(&walk_library(root.path())).expect("plan");
    for task in &plan.to_probe {
        if task.found.size == 0 {
            catalog
                .record_failure(task, FilmState::Rejected, "文件是空的")
                .expect("record");
        } else {
            catalog
                .record_probe(task, &probe_report(None))
                .expect("record");
        }
    }
    catalog.commit().expect("commit");
    assert_eq!(
        catalog.search(&FilmQuery::default()).expect("search").total,
        1
    );
    let rejected = FilmQuery {
        state: Some(FilmState::Rejected),
        ..FilmQuery::default()
    };
    let page = catalog.search(&rejected).expect("search");
    assert_eq!(page.total, 1);
    let film = &page.items[0];
    assert_eq!(
        (film.reason.as_deref(), film.source.name.as_str()),
        (Some("文件是空的"), "坏文件.mpg")
    );
    assert!(film.media.is_none());
    assert!(
        scan(&catalog, root.path()).to_probe.is_empty(),
        "an unchanged refused file is not retried"
    );
}

#[test]
fn record_failure_refuses_a_state_that_is_not_a_failure() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = tempfile::tempdir().expect("temp dir");
    write_file(root.path(), "a.mpg", b"a");
    let plan = catalog.plan_scan(&walk_library(root.path())).expect("plan");
    let result = catalog.record_failure(&plan.to_probe[0], FilmState::Ready, "no");
    assert!(matches!(
        result,
        Err(CatalogError::NotAFailure(FilmState::Ready))
    ));
    assert!(catalog.films().expect("films").is_empty());
}

#[test]
fn a_file_recorded_twice_stays_one_film() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = tempfile::tempdir().expect("temp dir");
    write_file(root.path(), "a.mpg", b"a");
    let plan = catalog.plan_scan(&walk_library(root.path())).expect("plan");
    let first = catalog
        .record_probe(&plan.to_probe[0], &probe_report(None))
        .expect("record");
    let second = catalog
        .record_probe(&plan.to_probe[0], &probe_report(None))
        .expect("record");
    assert_eq!(first.id, second.id);
    assert_eq!(catalog.films().expect("films").len(), 1);
}
