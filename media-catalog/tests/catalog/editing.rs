//! Office edits: checked, searchable at once, and never undone by a rescan or a stale write.

use media_catalog::{
    Catalog, CatalogError, Category, Cue, EditError, FilmEdit, FilmQuery, PlanTheme, ThemeKind,
};

use crate::scanning::{film_at, scan};
use crate::support::{temp_db, write_file};

fn query(q: &str) -> FilmQuery {
    FilmQuery {
        q: Some(q.into()),
        ..FilmQuery::default()
    }
}

fn titles(catalog: &Catalog, q: &str) -> Vec<String> {
    let page = catalog.search(&query(q)).expect("search");
    page.items.into_iter().map(|f| f.title).collect()
}

fn library_with_meta(title: &str) -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("temp dir");
    write_file(root.path(), "党课/党课 第3集.mpg", b"three");
    let meta = format!(
        "series = \"基层党课\"\nyear = 2019\n[files.\"党课 第3集.mpg\"]\ntitle = \"{title}\"\n"
    );
    write_file(root.path(), "党课/catalog.toml", meta.as_bytes());
    root
}

#[test]
fn an_edited_title_is_found_by_search_as_soon_as_the_edit_returns() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = library_with_meta("旧的片名");
    scan(&catalog, root.path());
    let film = film_at(&catalog, "党课 第3集.mpg");
    let edit = FilmEdit {
        title: Some("焦裕禄精神永放光芒".into()),
        ..FilmEdit::default()
    };
    let edited = catalog.edit_film(&film.id, edit).expect("edit");
    assert_eq!(edited.title, "焦裕禄精神永放光芒");
    assert_eq!(titles(&catalog, "焦裕禄"), ["焦裕禄精神永放光芒"]);
    assert_eq!(titles(&catalog, "jiaoyulu"), ["焦裕禄精神永放光芒"]);
    assert!(titles(&catalog, "旧的片名").is_empty());
}

#[test]
fn an_edit_wins_over_an_edited_catalog_toml_on_the_next_rescan() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = library_with_meta("文件里的片名");
    scan(&catalog, root.path());
    let film = film_at(&catalog, "党课 第3集.mpg");
    let edit = FilmEdit {
        title: Some("办公室改的片名".into()),
        year: Some(None),
        ..FilmEdit::default()
    };
    catalog.edit_film(&film.id, edit).expect("edit");
    // The folder's description changes; a rescan applies it where the office said nothing.
    write_file(
        root.path(),
        "党课/catalog.toml",
        "series = \"基层党课（新）\"\nyear = 2020\nproducer = \"县委组织部\"\n\
         [files.\"党课 第3集.mpg\"]\ntitle = \"又改了的片名\"\n"
            .as_bytes(),
    );
    scan(&catalog, root.path());
    let after = film_at(&catalog, "党课 第3集.mpg");
    assert_eq!(after.title, "办公室改的片名");
    assert_eq!(after.year, None, "the office cleared the year");
    assert_eq!(after.series.as_deref(), Some("基层党课（新）"));
    assert_eq!(after.producer.as_deref(), Some("县委组织部"));
    assert_eq!(titles(&catalog, "办公室"), ["办公室改的片名"]);
}

#[test]
fn a_writer_holding_an_older_copy_cannot_undo_an_edit() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = library_with_meta("原片名");
    scan(&catalog, root.path());
    let stale = film_at(&catalog, "党课 第3集.mpg");
    let edit = FilmEdit {
        prep_notes: Some(Some("先讲焦裕禄的事迹".into())),
        ..FilmEdit::default()
    };
    catalog.edit_film(&stale.id, edit).expect("edit");
    let mut prepared = stale.clone();
    prepared.state = media_catalog::FilmState::Ready;
    catalog.put(&prepared).expect("put");
    catalog.commit().expect("commit");
    let now = catalog.get(&stale.id).expect("get").expect("film");
    assert_eq!(now.state, media_catalog::FilmState::Ready);
    assert_eq!(now.prep_notes.as_deref(), Some("先讲焦裕禄的事迹"));
}

#[test]
fn bad_edits_are_refused_with_a_reason_and_change_nothing() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = library_with_meta("原片名");
    scan(&catalog, root.path());
    let film = film_at(&catalog, "党课 第3集.mpg");
    let cue = |at_s: f64, text: &str| Cue {
        at_s,
        text: text.into(),
    };
    let cases = [
        (
            FilmEdit {
                title: Some("   ".into()),
                ..FilmEdit::default()
            },
            EditError::EmptyTitle,
        ),
        (
            FilmEdit {
                year: Some(Some(1800)),
                ..FilmEdit::default()
            },
            EditError::BadYear,
        ),
        (
            FilmEdit {
                episode: Some(Some(0)),
                ..FilmEdit::default()
            },
            EditError::BadEpisode,
        ),
        (
            // The probe said 60 s.
            FilmEdit {
                cues: Some(vec![cue(5.0, "好"), cue(61.0, "片尾之后")]),
                ..FilmEdit::default()
            },
            EditError::CueTime(2),
        ),
        (
            FilmEdit {
                cues: Some(vec![cue(5.0, " ")]),
                ..FilmEdit::default()
            },
            EditError::CueText(1),
        ),
    ];
    for (edit, expected) in cases {
        match catalog.edit_film(&film.id, edit) {
            Err(CatalogError::Edit(e)) => {
                assert_eq!(e, expected);
                assert!(e.to_string().chars().any(|c| c > '\u{2e80}'), "{e}");
            }
            other => panic!("expected {expected:?}, got {other:?}"),
        }
    }
    assert_eq!(catalog.get(&film.id).expect("get"), Some(film));
}

#[test]
fn cues_are_kept_sorted_and_json_null_clears_a_field() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = library_with_meta("原片名");
    scan(&catalog, root.path());
    let film = film_at(&catalog, "党课 第3集.mpg");
    let edit: FilmEdit = serde_json::from_str(
        r#"{"series": null, "category": "local", "themes": ["党史", "党史"],
            "cues": [{"at_s": 30, "text": "第二"}, {"at_s": 2.04, "text": "第一"}]}"#,
    )
    .expect("parse");
    let edited = catalog.edit_film(&film.id, edit).expect("edit");
    assert_eq!(edited.series, None);
    assert_eq!(edited.year, Some(2019), "absent fields stay");
    assert_eq!(edited.category, Some(Category::Local));
    assert_eq!(edited.themes, ["党史"]);
    let times: Vec<f64> = edited.cues.iter().map(|c| c.at_s).collect();
    assert_eq!(times, [2.0, 30.0]);
}

#[test]
fn a_renamed_series_moves_its_films_and_its_office_description() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    let root = library_with_meta("原片名");
    scan(&catalog, root.path());
    catalog
        .describe_series(
            "基层党课",
            Some(Category::County),
            Some("办公室写的简介".into()),
        )
        .expect("describe");
    assert_eq!(
        catalog
            .rename_series("基层党课", "村级党课")
            .expect("rename"),
        1
    );
    let series = catalog.series().expect("series");
    assert_eq!(series.len(), 1);
    assert_eq!(series[0].name, "村级党课");
    assert_eq!(series[0].summary.as_deref(), Some("办公室写的简介"));
    assert!(matches!(
        catalog.rename_series("没有这个系列", "x"),
        Err(CatalogError::UnknownSeries(_))
    ));
    // A rescan of the unchanged folder keeps the new name.
    scan(&catalog, root.path());
    assert_eq!(
        film_at(&catalog, "党课 第3集.mpg").series.as_deref(),
        Some("村级党课")
    );
}

#[test]
fn the_theme_list_keeps_the_office_order_and_refuses_duplicates() {
    let (_db_dir, db) = temp_db();
    let catalog = Catalog::open_with_ram_index(&db).expect("open");
    assert!(catalog.theme_plan().expect("plan").is_empty());
    let theme = |name: &str, kind| PlanTheme {
        name: name.into(),
        kind,
        year: Some(2026),
        note: None,
    };
    let list = vec![
        theme("先进性教育", ThemeKind::Annual),
        theme("农村实用技术", ThemeKind::Phase),
        theme("党章", ThemeKind::Phase),
    ];
    catalog.set_theme_plan(list.clone()).expect("set");
    assert_eq!(catalog.theme_plan().expect("plan"), list);
    let dup = vec![
        theme("党章", ThemeKind::Annual),
        theme(" 党章 ", ThemeKind::Phase),
    ];
    assert!(matches!(
        catalog.set_theme_plan(dup),
        Err(CatalogError::Edit(EditError::BadThemePlan))
    ));
    assert_eq!(catalog.theme_plan().expect("plan"), list);
}
