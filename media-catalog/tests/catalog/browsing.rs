//! Listing, searching, series and themes, counts, and reopening the catalog.

use media_catalog::{Catalog, Category, Film, FilmQuery, FilmState};

use crate::support::{film, temp_db};

fn episode(series: &str, n: u32, title: &str) -> Film {
    let mut f = film(title, &format!("/lib/{series}/{title}.mpg"));
    f.series = Some(series.to_owned());
    f.episode = Some(n);
    f
}

/// A catalog holding two series (one episode out of order), one loose film, a missing film
/// and a rejected one.
fn sample(db: &sled::Db) -> Catalog {
    let catalog = Catalog::open_with_ram_index(db).expect("open");
    let mut central = vec![
        episode("党章电视教材", 2, "党章电视教材 第二集"),
        episode("党章电视教材", 1, "党章电视教材 第一集"),
    ];
    for f in &mut central {
        f.category = Some(Category::Central);
        f.themes = vec!["党章".into()];
        f.year = Some(2005);
    }
    let mut lecture = episode("基层党课", 1, "基层党课 第一讲");
    lecture.themes = vec!["党课".into(), "党章".into()];
    let loose = film("焦裕禄", "/lib/焦裕禄.mpg");
    let mut missing = episode("基层党课", 2, "基层党课 第二讲");
    missing.missing = true;
    let mut rejected = film("坏文件", "/lib/坏文件.mpg");
    rejected.state = FilmState::Rejected;
    rejected.themes = vec!["党章".into()];
    for f in central
        .iter()
        .chain([&lecture, &loose, &missing, &rejected])
    {
        catalog.put(f).expect("put");
    }
    catalog.commit().expect("commit");
    catalog
}

fn titles(page: &media_catalog::Page) -> Vec<&str> {
    page.items.iter().map(|f| f.title.as_str()).collect()
}

#[test]
fn listing_without_text_orders_by_series_then_episode_then_title() {
    let (_dir, db) = temp_db();
    let catalog = sample(&db);
    let page = catalog.search(&FilmQuery::default()).expect("search");
    assert_eq!(page.total, 4);
    assert_eq!(
        titles(&page),
        [
            "党章电视教材 第一集",
            "党章电视教材 第二集",
            "基层党课 第一讲",
            "焦裕禄"
        ]
    );
}

#[test]
fn blank_text_lists_like_no_text() {
    let (_dir, db) = temp_db();
    let catalog = sample(&db);
    let page = catalog
        .search(&FilmQuery {
            q: Some("   ".into()),
            ..FilmQuery::default()
        })
        .expect("search");
    assert_eq!(page.total, 4);
    assert_eq!(page.items[0].title, "党章电视教材 第一集");
}

#[test]
fn pages_are_one_based_and_page_zero_is_the_first() {
    let (_dir, db) = temp_db();
    let catalog = sample(&db);
    let query = |page| FilmQuery {
        page,
        per_page: 3,
        ..FilmQuery::default()
    };
    let first = catalog.search(&query(0)).expect("search");
    assert_eq!(first, catalog.search(&query(1)).expect("search"));
    assert_eq!(first.items.len(), 3);
    let second = catalog.search(&query(2)).expect("search");
    assert_eq!((second.total, titles(&second)), (4, vec!["焦裕禄"]));
    assert!(catalog
        .search(&query(u32::MAX))
        .expect("search")
        .items
        .is_empty());
}

#[test]
fn filters_narrow_a_listing() {
    let (_dir, db) = temp_db();
    let catalog = sample(&db);
    let by = |q: FilmQuery| catalog.search(&q).expect("search").total;
    let base = FilmQuery::default;
    assert_eq!(
        by(FilmQuery {
            category: Some(Category::Central),
            ..base()
        }),
        2
    );
    assert_eq!(
        by(FilmQuery {
            theme: Some("党章".into()),
            ..base()
        }),
        3
    );
    assert_eq!(
        by(FilmQuery {
            series: Some("基层党课".into()),
            ..base()
        }),
        1
    );
    assert_eq!(
        by(FilmQuery {
            year: Some(2005),
            ..base()
        }),
        2
    );
    assert_eq!(
        by(FilmQuery {
            state: Some(FilmState::Queued),
            ..base()
        }),
        5,
        "missing included"
    );
}

#[test]
fn text_search_uses_the_index_with_the_same_filters() {
    let (_dir, db) = temp_db();
    let catalog = sample(&db);
    let q = |text: &str, state| FilmQuery {
        q: Some(text.into()),
        state,
        ..FilmQuery::default()
    };
    let page = catalog.search(&q("党章电视教材", None)).expect("search");
    assert_eq!(page.total, 2);
    assert!(page
        .items
        .iter()
        .all(|f| f.series.as_deref() == Some("党章电视教材")));
    assert_eq!(catalog.search(&q("坏文件", None)).expect("search").total, 0);
    assert_eq!(
        catalog
            .search(&q("坏文件", Some(FilmState::Rejected)))
            .expect("search")
            .total,
        1
    );
}

#[test]
fn series_and_themes_count_films_that_are_neither_missing_nor_rejected() {
    let (_dir, db) = temp_db();
    let catalog = sample(&db);
    let series: Vec<(String, u32, Option<Category>)> = catalog
        .series()
        .expect("series")
        .into_iter()
        .map(|s| (s.name, s.film_count, s.category))
        .collect();
    assert_eq!(
        series,
        [
            ("党章电视教材".to_owned(), 2, Some(Category::Central)),
            ("基层党课".to_owned(), 1, None)
        ]
    );
    let themes: Vec<(String, u32)> = catalog
        .themes()
        .expect("themes")
        .into_iter()
        .map(|t| (t.name, t.film_count))
        .collect();
    assert_eq!(themes, [("党章".to_owned(), 3), ("党课".to_owned(), 1)]);
}

#[test]
fn counts_by_state_cover_every_state_and_skip_missing_films() {
    let (_dir, db) = temp_db();
    let catalog = sample(&db);
    let counts = catalog.count_by_state().expect("counts");
    assert_eq!(counts.len(), FilmState::ALL.len());
    assert_eq!(counts["queued"], 4);
    assert_eq!(counts["rejected"], 1);
    assert_eq!(counts["ready"], 0);
}

#[test]
fn a_lost_index_is_rebuilt_from_the_store_on_open() {
    let (dir, db) = temp_db();
    let index_dir = dir.path().join("index");
    {
        let catalog = Catalog::open(&db, &index_dir).expect("open");
        catalog
            .put(&film("焦裕禄", "/lib/焦裕禄.mpg"))
            .expect("put");
        catalog.commit().expect("commit");
    }
    std::fs::remove_dir_all(&index_dir).expect("lose the index");
    let catalog = Catalog::open(&db, &index_dir).expect("reopen");
    let q = FilmQuery {
        q: Some("焦裕禄".into()),
        ..FilmQuery::default()
    };
    assert_eq!(catalog.search(&q).expect("search").total, 1);
}

#[test]
fn a_ram_index_starts_with_every_stored_film() {
    let (_dir, db) = temp_db();
    drop(sample(&db));
    let catalog = Catalog::open_with_ram_index(&db).expect("reopen");
    let q = FilmQuery {
        q: Some("基层党课".into()),
        ..FilmQuery::default()
    };
    assert_eq!(catalog.search(&q).expect("search").total, 1);
    assert_eq!(catalog.reindex().expect("reindex"), 6);
}

#[test]
fn the_catalog_can_be_shared_across_threads() {
    let (_dir, db) = temp_db();
    let catalog = std::sync::Arc::new(sample(&db));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let catalog = catalog.clone();
            std::thread::spawn(move || catalog.search(&FilmQuery::default()).map(|p| p.total))
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().expect("thread").expect("search"), 4);
    }
}
