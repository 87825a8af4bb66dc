//! Specifications of search behaviour, run against a real (RAM or temp-dir) index.

use std::path::PathBuf;

use super::{SearchError, SearchFilters, SearchIndex};
use crate::model::{Category, Film, FilmId, FilmState, Fingerprint, SourceFile};

mod hostile;

fn id(n: u64) -> FilmId {
    FilmId::parse(&format!("{n:016x}")).expect("test ids are valid")
}

fn film(n: u64, title: &str) -> Film {
    Film {
        id: id(n),
        title: title.to_owned(),
        series: None,
        episode: None,
        category: None,
        themes: Vec::new(),
        year: None,
        producer: None,
        summary: None,
        prep_notes: None,
        cues: Vec::new(),
        state: FilmState::Ready,
        reason: None,
        source: SourceFile {
            path: PathBuf::from(format!("/library/{n}.mpg")),
            name: format!("{n}.mpg"),
            fingerprint: Fingerprint {
                size: 1,
                mtime_ns: 0,
                head_tail_sha256: String::new(),
                identity: None,
            },
        },
        missing: false,
        media: None,
        added_at: 0,
        updated_at: 0,
    }
}

fn index_of(films: &[Film]) -> SearchIndex {
    let index = SearchIndex::open_in_ram().expect("RAM index opens");
    for f in films {
        index.upsert(f).expect("upsert");
    }
    index.commit().expect("commit");
    index
}

fn ids(index: &SearchIndex, q: &str) -> Vec<FilmId> {
    search(index, q, &SearchFilters::default())
}

fn search(index: &SearchIndex, q: &str, filters: &SearchFilters) -> Vec<FilmId> {
    let hits = index.search(q, filters, 0, 100).expect("search");
    assert_eq!(hits.total, hits.ids.len(), "fewer than 100 hits here");
    hits.ids
}

fn library() -> SearchIndex {
    let mut summary_only = film(4, "农村实用技术");
    summary_only.summary = Some("讲解党章的基本内容".to_owned());
    index_of(&[
        film(1, "党章电视教材"),
        film(2, "《入党章程》辅导"),
        film(3, "长征"),
        summary_only,
        film(5, "成长的烦恼"),
        film(6, "养殖技术：党员致富带头人"),
    ])
}

#[test]
fn party_constitution_course_is_found_by_word_spelling_initials_and_any_syllable() {
    let index = library();
    let found = |q: &str| ids(&index, q).contains(&id(1));
    for q in [
        "党章",
        "dangzhang",
        "dzdsjc",
        "dzds",
        "dianshi",
        "DianShi",
        "jiaocai",
    ] {
        assert!(found(q), "{q} should find 党章电视教材");
    }
    for q in ["d", "dz", "dzd", "dangzhangdianshijiaocai"] {
        assert!(found(q), "{q} should find 党章电视教材");
    }
    for q in ["angzhang", "dangzhangdianshijiaocaix", "dzdsjcx", "xdz"] {
        assert!(!found(q), "{q} should not find 党章电视教材");
    }
}

#[test]
fn a_title_that_jieba_splits_differently_is_found_by_a_substring() {
    let index = library();
    assert!(
        ids(&index, "党章").contains(&id(2)),
        "入党章程 contains 党章"
    );
    assert!(ids(&index, "党章程").contains(&id(2)));
    assert!(
        !ids(&index, "章党").contains(&id(2)),
        "grams must be in order"
    );
}

#[test]
fn polyphonic_characters_are_found_by_either_reading() {
    let index = library();
    assert_eq!(ids(&index, "changzheng"), vec![id(3)]);
    assert!(ids(&index, "cz").contains(&id(3)));
    assert_eq!(ids(&index, "chengzhang"), vec![id(5)]);
}

#[test]
fn full_width_latin_queries_are_folded() {
    let index = library();
    assert!(ids(&index, "ＤＺＤＳ").contains(&id(1)));
    assert!(ids(&index, "「党章」").contains(&id(1)));
}

#[test]
fn every_term_of_a_query_must_match() {
    let index = library();
    assert_eq!(ids(&index, "养殖 党员"), vec![id(6)]);
    assert!(ids(&index, "养殖 党章").is_empty());
    assert_eq!(ids(&index, "dangzhang jiaocai"), vec![id(1)]);
}

#[test]
fn a_title_match_outranks_a_summary_only_match() {
    let index = library();
    let hits = ids(&index, "党章");
    let title = hits.iter().position(|i| *i == id(1));
    let summary = hits.iter().position(|i| *i == id(4));
    assert!(title.is_some() && summary.is_some(), "{hits:?}");
    assert!(title < summary, "{hits:?}");
    assert_eq!(hits.last(), Some(&id(4)));
}

#[test]
fn equal_scores_come_in_series_then_episode_then_title_order() {
    let mut films = Vec::new();
    for (n, episode) in [(10, 10), (3, 3), (12, 12), (1, 1), (2, 2), (11, 11), (9, 9)] {
        let mut f = film(n, &format!("先进性教育 第{episode}集"));
        f.series = Some("先进性教育".to_owned());
        f.episode = Some(episode);
        films.push(f);
    }
    let mut other = film(99, "先进性教育 第1集");
    other.series = Some("先进性教育读本".to_owned()); // sorts after 先进性教育
    other.episode = Some(1);
    films.push(other);
    films.push(film(50, "先进性教育 专题"));
    let index = SearchIndex::open_in_ram().unwrap();
    for f in &films {
        index.upsert(f).unwrap();
        index.commit().unwrap(); // one segment each: the order must hold across segments
    }
    let expected: Vec<FilmId> = [1, 2, 3, 9, 10, 11, 12, 99, 50]
        .into_iter()
        .map(id)
        .collect();
    assert_eq!(ids(&index, "先进性"), expected);
    assert_eq!(ids(&index, "xianjinxing"), expected);
    assert_eq!(ids(&index, ""), expected, "browsing uses the same order");
}

#[test]
fn filters_are_exact_and_all_must_hold() {
    let mut a = film(1, "党章电视教材");
    a.category = Some(Category::Central);
    a.themes = vec!["党章学习".to_owned()];
    a.series = Some("党员教育".to_owned());
    a.year = Some(2006);
    let mut b = film(2, "党章学习辅导");
    b.category = Some(Category::County);
    b.year = Some(2010);
    b.state = FilmState::Queued;
    let index = index_of(&[a, b]);
    let only = |set: fn(&mut SearchFilters)| {
        let mut filters = SearchFilters::default();
        set(&mut filters);
        search(&index, "党章", &filters)
    };
    assert_eq!(only(|f| f.category = Some(Category::Central)), vec![id(1)]);
    assert_eq!(only(|f| f.theme = Some("党章学习".into())), vec![id(1)]);
    assert!(only(|f| f.theme = Some("党章".into())).is_empty(), "exact");
    assert_eq!(only(|f| f.series = Some("党员教育".into())), vec![id(1)]);
    assert_eq!(only(|f| f.year = Some(2010)), vec![id(2)]);
    let queued = |f: &mut SearchFilters| f.states = vec![FilmState::Queued, FilmState::Failed];
    assert_eq!(only(queued), vec![id(2)]);
    assert_eq!(only(|_| ()).len(), 2, "empty states = any state");
    let contradictory = |f: &mut SearchFilters| {
        f.category = Some(Category::Central);
        f.year = Some(2010);
    };
    assert!(only(contradictory).is_empty());
}

#[test]
fn missing_films_are_excluded_unless_asked_for() {
    let mut gone = film(2, "党章电视教材 旧版");
    gone.missing = true;
    let index = index_of(&[film(1, "党章电视教材"), gone]);
    assert_eq!(ids(&index, "党章"), vec![id(1)]);
    let with_missing = SearchFilters {
        include_missing: true,
        ..Default::default()
    };
    assert_eq!(search(&index, "党章", &with_missing).len(), 2);
}

#[test]
fn blank_or_punctuation_only_queries_list_every_film_passing_the_filters() {
    let index = library();
    assert_eq!(
        index
            .search("", &SearchFilters::default(), 0, 100)
            .unwrap()
            .total,
        6
    );
    assert_eq!(
        index
            .search(" 《》—·！ ", &SearchFilters::default(), 0, 3)
            .unwrap()
            .ids
            .len(),
        3
    );
}

#[test]
fn offset_and_limit_page_through_a_stable_order() {
    let index = library();
    let all = index
        .search("", &SearchFilters::default(), 0, 100)
        .unwrap()
        .ids;
    let page = index.search("", &SearchFilters::default(), 2, 2).unwrap();
    assert_eq!(page.total, 6);
    assert_eq!(page.ids, all[2..4].to_vec());
    assert!(index
        .search("", &SearchFilters::default(), usize::MAX, usize::MAX)
        .unwrap()
        .ids
        .is_empty());
    assert!(index
        .search("党章", &SearchFilters::default(), 0, 0)
        .unwrap()
        .ids
        .is_empty());
}

#[test]
fn upsert_replaces_the_film_with_the_same_id_and_is_invisible_until_commit() {
    let index = index_of(&[film(1, "党章电视教材")]);
    index.upsert(&film(1, "养殖技术")).unwrap();
    assert_eq!(
        ids(&index, "党章"),
        vec![id(1)],
        "staged, not yet committed"
    );
    index.commit().unwrap();
    assert!(ids(&index, "党章").is_empty());
    assert_eq!(ids(&index, "yangzhi"), vec![id(1)]);
    assert_eq!(index.num_docs(), 1);
}

#[test]
fn clear_removes_every_film_at_the_next_commit_but_keeps_later_upserts() {
    let index = library();
    index.upsert(&film(7, "staged then cleared")).unwrap();
    index.clear().unwrap();
    index.upsert(&film(8, "种植技术")).unwrap();
    assert_eq!(index.num_docs(), 6);
    index.commit().unwrap();
    assert_eq!(index.num_docs(), 1);
    assert_eq!(ids(&index, "zhongzhi"), vec![id(8)]);
}

#[test]
fn reopening_from_disk_keeps_the_documents() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = SearchIndex::open(dir.path()).unwrap();
        index.upsert(&film(1, "党章电视教材")).unwrap();
        index.commit().unwrap();
    }
    let index = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(index.num_docs(), 1);
    assert_eq!(ids(&index, "dzds"), vec![id(1)]);
}

#[test]
fn a_corrupt_index_is_wiped_and_recreated_empty() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = SearchIndex::open(dir.path()).unwrap();
        index.upsert(&film(1, "党章电视教材")).unwrap();
        index.commit().unwrap();
    }
    std::fs::write(dir.path().join("meta.json"), b"{ not json").unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(index.num_docs(), 0);
    index.upsert(&film(2, "长征")).unwrap();
    index.commit().unwrap();
    assert_eq!(ids(&index, "cz"), vec![id(2)]);
}

#[test]
fn an_index_with_another_schema_is_wiped_and_recreated_empty() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut builder = tantivy::schema::Schema::builder();
        let title = builder.add_text_field("title", tantivy::schema::TEXT);
        let old = tantivy::Index::create_in_dir(dir.path(), builder.build()).unwrap();
        let mut writer = old.writer_with_num_threads(1, 15_000_000).unwrap();
        writer.add_document(tantivy::doc!(title => "old")).unwrap();
        writer.commit().unwrap();
    }
    let index = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(index.num_docs(), 0);
}

#[test]
fn a_directory_with_sub_directories_is_never_wiped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("films")).unwrap();
    std::fs::write(dir.path().join("meta.json"), b"garbage").unwrap();
    let opened = SearchIndex::open(dir.path());
    assert!(matches!(opened, Err(SearchError::NotAnIndexDirectory(_))));
    assert!(dir.path().join("films").is_dir());
}

#[test]
fn the_index_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SearchIndex>();
    let index = std::sync::Arc::new(library());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let index = index.clone();
            std::thread::spawn(move || index.search("dzds", &SearchFilters::default(), 0, 5))
        })
        .collect();
    for handle in handles {
        let hits = handle.join().expect("no panic").expect("search");
        assert_eq!(hits.ids, vec![id(1)]);
    }
}
