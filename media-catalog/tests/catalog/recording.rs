//! What a probe or a refusal records: descriptions from names, `catalog.toml` and tags.

use media_catalog::scan::{walk_library, ScanProblem};
use media_catalog::{Catalog, CatalogError, Category, Cue, FilmQuery, FilmState};

use crate::scanning::{film_at, scan};
use crate::support::{probe_report, temp_db, write_file};

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
fn a_chinese_title_tag_wins_over_a_file_name_without_chinese_only() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = tempfile::tempdir().expect("temp dir");
    for name in ["rongruguan.wmv", "0412.wmv", "荣辱观.wmv", "lecture.wmv"] {
        write_file(root.path(), name, name.as_bytes());
    }
    let plan = catalog.plan_scan(&walk_library(root.path())).expect("plan");
    let titled = |name: &str, tag: &str| {
        let task = plan
            .to_probe
            .iter()
            .find(|t| t.found.name == name)
            .expect("planned");
        catalog
            .record_probe(task, &probe_report(Some(tag)))
            .expect("record")
            .title
    };
    assert_eq!(
        titled("rongruguan.wmv", "社会主义荣辱观教育"),
        "社会主义荣辱观教育"
    );
    assert_eq!(titled("0412.wmv", " 社会主义 荣辱观 "), "社会主义 荣辱观");
    assert_eq!(titled("荣辱观.wmv", "社会主义荣辱观教育"), "荣辱观");
    assert_eq!(titled("lecture.wmv", "Title 1"), "lecture");
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

const PARTY_CLASS_META: &str =
    "series = \"基层党课\"\ncategory = \"本地制作\"\nthemes = [\"党课\"]\n";

/// A library with one film, scanned once before its `catalog.toml` exists.
fn scanned_without_meta(catalog: &Catalog) -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("temp dir");
    write_file(root.path(), "党课/党课 第3集.mpg", b"three");
    scan(catalog, root.path());
    root
}

#[test]
fn a_catalog_toml_added_after_the_films_describes_them_on_the_next_rescan() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = scanned_without_meta(&catalog);
    let mut edited = film_at(&catalog, "党课 第3集.mpg");
    edited.summary = Some("管理员写的简介".into());
    catalog.put(&edited).expect("put");

    write_file(
        root.path(),
        "党课/catalog.toml",
        PARTY_CLASS_META.as_bytes(),
    );
    let plan = scan(&catalog, root.path());
    assert_eq!((plan.redescribed, plan.to_probe.len()), (1, 0));
    let film = film_at(&catalog, "党课 第3集.mpg");
    assert_eq!(film.id, edited.id);
    assert_eq!(film.series.as_deref(), Some("基层党课"));
    assert_eq!(
        (film.category, film.episode),
        (Some(Category::Local), Some(3))
    );
    assert_eq!(
        film.summary.as_deref(),
        Some("管理员写的简介"),
        "unspoken fields stay"
    );
    let themed = FilmQuery {
        theme: Some("党课".into()),
        ..FilmQuery::default()
    };
    assert_eq!(catalog.search(&themed).expect("search").total, 1);
    assert_eq!(scan(&catalog, root.path()).redescribed, 0, "applied once");
}

#[test]
fn an_edited_catalog_toml_is_applied_again_but_a_new_comment_is_not_an_edit() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = scanned_without_meta(&catalog);
    write_file(
        root.path(),
        "党课/catalog.toml",
        PARTY_CLASS_META.as_bytes(),
    );
    assert_eq!(scan(&catalog, root.path()).redescribed, 1);
    let commented = format!("# 注释\n{PARTY_CLASS_META}");
    write_file(root.path(), "党课/catalog.toml", commented.as_bytes());
    assert_eq!(scan(&catalog, root.path()).redescribed, 0);
    let edited = PARTY_CLASS_META.replace("本地制作", "市县");
    write_file(root.path(), "党课/catalog.toml", edited.as_bytes());
    assert_eq!(scan(&catalog, root.path()).redescribed, 1);
    assert_eq!(
        film_at(&catalog, "党课 第3集.mpg").category,
        Some(Category::County)
    );
}
