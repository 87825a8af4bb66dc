//! The home rows from a small catalog.

use media_catalog::{Category, Film, FilmId};

use super::*;

fn film(n: u32, title: &str, series: Option<(&str, u32)>, cat: Category, themes: &[&str]) -> Film {
    let id = FilmId::parse(&format!("{n:016x}")).expect("id");
    Film {
        series: series.map(|s| s.0.to_owned()),
        episode: series.map(|s| s.1),
        category: Some(cat),
        themes: themes.iter().map(|t| (*t).to_owned()).collect(),
        added_at: i64::from(n),
        ..Film::bare(id, title)
    }
}

fn catalog() -> Vec<Film> {
    let dz = "党章电视教材";
    let mut gone = film(9, "不见了", None, Category::Local, &["基层组织建设"]);
    gone.missing = true;
    vec![
        film(
            2,
            "党章电视教材 第二集",
            Some((dz, 2)),
            Category::Central,
            &["党章"],
        ),
        film(
            1,
            "党章电视教材 第一集",
            Some((dz, 1)),
            Category::Central,
            &["党章"],
        ),
        film(
            3,
            "肉牛养殖技术",
            None,
            Category::Provincial,
            &["农村实用技术"],
        ),
        film(
            4,
            "2025年党建新闻",
            None,
            Category::Local,
            &["基层组织建设"],
        ),
        film(
            5,
            "2026年党建新闻",
            None,
            Category::Local,
            &["基层组织建设"],
        ),
        gone,
    ]
}

fn titles(row: &HomeRow) -> Vec<&str> {
    row.films.iter().map(|f| f.title.as_str()).collect()
}

fn inputs(month: u8) -> HomeInputs {
    HomeInputs {
        films: catalog(),
        resume: Vec::new(),
        required: Vec::new(),
        required_this_month: Vec::new(),
        month,
    }
}

#[test]
fn without_a_station_the_fixed_rows_are_present_and_empty_and_series_are_in_episode_order() {
    let home = home(inputs(1));
    let kinds: Vec<RowKind> = home.rows.iter().map(|r| r.kind).collect();
    use RowKind::*;
    assert_eq!(kinds, [Continue, Required, Theme, Local, Series, Other]);
    assert_eq!(titles(&home.rows[5]), ["肉牛养殖技术"]);
    assert!(home.rows[0].films.is_empty() && home.rows[1].films.is_empty());
    assert_eq!(
        titles(&home.rows[4]),
        ["党章电视教材 第一集", "党章电视教材 第二集"]
    );
    assert_eq!(home.rows[4].name.as_deref(), Some("党章电视教材"));
    // Newest local production first; a missing file is not listed.
    assert_eq!(titles(&home.rows[3]), ["2026年党建新闻", "2025年党建新闻"]);
    // Themes take turns by month, in name order: 农村实用技术 < 党章 < 基层组织建设.
    let themes: Vec<Option<String>> = (1..=4).map(home_theme).collect();
    assert_eq!(
        themes[0], themes[3],
        "three themes: month 4 is month 1's again"
    );
    assert_ne!(themes[0], themes[1]);
    assert_eq!(home.rows[2].name, home.theme);
    assert!(home.rows[2]
        .films
        .iter()
        .all(|f| f.themes.contains(home.theme.as_ref().unwrap())));
}

fn home_theme(month: u8) -> Option<String> {
    home(inputs(month)).theme
}

#[test]
fn a_station_sees_its_resume_points_and_its_plan_which_also_names_the_month_theme() {
    let ids: Vec<String> = catalog().iter().map(|f| f.id.as_str().to_owned()).collect();
    let point = |id: &str, at: i64| ResumePoint {
        film_id: id.to_owned(),
        film_title: String::new(),
        position_s: 5.0,
        duration_s: 10.0,
        started_ms: at,
    };
    let home = home(HomeInputs {
        resume: vec![
            point(&ids[2], 2),
            point(&ids[0], 1),
            point("00000000000000ff", 0),
        ],
        required: vec![ids[1].clone(), ids[2].clone()],
        required_this_month: vec![ids[2].clone()],
        ..inputs(1)
    });
    // An unknown film (deleted since) is left out.
    assert_eq!(
        titles(&home.rows[0]),
        ["肉牛养殖技术", "党章电视教材 第二集"]
    );
    assert_eq!(
        titles(&home.rows[1]),
        ["党章电视教材 第一集", "肉牛养殖技术"]
    );
    assert_eq!(home.theme.as_deref(), Some("农村实用技术"));
    assert_eq!(titles(&home.rows[2]), ["肉牛养殖技术"]);
}
