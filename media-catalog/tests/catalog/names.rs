//! File names → title, series, episode.

use std::path::Path;

use media_catalog::names::{is_generic_disc_name, parse_chinese_number, parse_name, parse_path};

fn parsed(stem: &str) -> (String, Option<String>, Option<u32>) {
    let p = parse_name(stem);
    (p.title, p.series, p.episode)
}

fn series_and_episode(stem: &str) -> (Option<String>, Option<u32>) {
    let p = parse_name(stem);
    (p.series, p.episode)
}

#[test]
fn a_series_name_with_di_yi_ji_gives_series_episode_and_the_full_title() {
    assert_eq!(
        parsed("党章电视教材 第一集"),
        (
            "党章电视教材 第一集".into(),
            Some("党章电视教材".into()),
            Some(1)
        )
    );
}

#[test]
fn arabic_episode_numbers_after_di_are_read() {
    assert_eq!(parsed("第3集"), ("第3集".into(), None, Some(3)));
    assert_eq!(
        series_and_episode("先进性教育第12集"),
        (Some("先进性教育".into()), Some(12))
    );
}

#[test]
fn full_width_digits_after_di_are_read() {
    assert_eq!(series_and_episode("廉政教育 第１２集").1, Some(12));
}

#[test]
fn chinese_numerals_after_di_are_read() {
    assert_eq!(series_and_episode("第十二集").1, Some(12));
    assert_eq!(series_and_episode("第二十集").1, Some(20));
    assert_eq!(series_and_episode("第一百零三集").1, Some(103));
    assert_eq!(series_and_episode("第两千零五集").1, Some(2005));
}

#[test]
fn jiang_qi_bufen_and_ke_are_episode_markers_like_ji() {
    assert_eq!(
        series_and_episode("党课 第三讲"),
        (Some("党课".into()), Some(3))
    );
    assert_eq!(
        series_and_episode("乡村振兴 第12期"),
        (Some("乡村振兴".into()), Some(12))
    );
    assert_eq!(
        series_and_episode("二十大精神 第一部分"),
        (Some("二十大精神".into()), Some(1))
    );
    assert_eq!(
        series_and_episode("农村实用技术第5课"),
        (Some("农村实用技术".into()), Some(5))
    );
}

#[test]
fn a_space_before_the_unit_is_allowed_but_not_after_di() {
    assert_eq!(
        series_and_episode("党史 第 4 集").1,
        None,
        "a space after 第 is not a marker"
    );
    assert_eq!(series_and_episode("党史 第4 集").1, Some(4));
}

#[test]
fn di_without_an_episode_unit_is_not_a_marker() {
    assert_eq!(series_and_episode("学习十八届三中全会精神"), (None, None));
    assert_eq!(
        series_and_episode("第十八届三中全会精神解读 第2讲"),
        (Some("第十八届三中全会精神解读".into()), Some(2))
    );
}

#[test]
fn ep_and_e_markers_are_read_in_any_case() {
    assert_eq!(
        series_and_episode("党史故事 EP03"),
        (Some("党史故事".into()), Some(3))
    );
    assert_eq!(
        series_and_episode("党史故事.Ep3"),
        (Some("党史故事".into()), Some(3))
    );
    assert_eq!(
        series_and_episode("党史故事-E03"),
        (Some("党史故事".into()), Some(3))
    );
    assert_eq!(
        series_and_episode("dangshi e7"),
        (Some("dangshi".into()), Some(7))
    );
}

#[test]
fn an_e_inside_a_latin_word_is_not_a_marker() {
    assert_eq!(series_and_episode("THE2 show"), (None, None));
    assert_eq!(series_and_episode("NE03 plan"), (None, None));
    assert_eq!(series_and_episode("E03x"), (None, None));
}

#[test]
fn a_number_in_parentheses_is_an_episode() {
    assert_eq!(
        series_and_episode("先进性教育(3)"),
        (Some("先进性教育".into()), Some(3))
    );
    assert_eq!(
        series_and_episode("先进性教育（3）"),
        (Some("先进性教育".into()), Some(3))
    );
    assert_eq!(
        series_and_episode("先进性教育（三）"),
        (Some("先进性教育".into()), Some(3))
    );
}

#[test]
fn a_year_in_parentheses_is_not_an_episode() {
    assert_eq!(series_and_episode("开国大典(1949)"), (None, None));
}

#[test]
fn a_leading_number_is_the_episode_and_the_rest_the_title() {
    for stem in [
        "03.坚定理想信念",
        "03 坚定理想信念",
        "03-坚定理想信念",
        "3、坚定理想信念",
    ] {
        assert_eq!(
            parsed(stem),
            ("坚定理想信念".into(), None, Some(3)),
            "{stem}"
        );
    }
}

#[test]
fn a_leading_year_or_a_decimal_is_not_an_episode() {
    assert_eq!(
        parsed("1949 开国大典"),
        ("1949 开国大典".into(), None, None)
    );
    assert_eq!(parsed("3.5 亿农民"), ("3.5 亿农民".into(), None, None));
    assert_eq!(parsed("03"), ("03".into(), None, None));
}

#[test]
fn a_leading_count_is_part_of_the_title() {
    assert_eq!(
        parsed("100 个党员故事"),
        ("100 个党员故事".into(), None, None)
    );
    assert_eq!(parsed("3 分钟党课"), ("3 分钟党课".into(), None, None));
    assert_eq!(parsed("12 集党史"), ("12 集党史".into(), None, None));
}

#[test]
fn underscores_and_repeated_spaces_are_cleaned() {
    assert_eq!(
        parsed("党章电视教材__第一集"),
        (
            "党章电视教材 第一集".into(),
            Some("党章电视教材".into()),
            Some(1)
        )
    );
    assert_eq!(parse_name("  焦裕禄　　精神   ").title, "焦裕禄 精神");
}

#[test]
fn separators_and_book_title_marks_around_a_series_are_dropped() {
    assert_eq!(series_and_episode("《党章》-第二集").0, Some("党章".into()));
    assert_eq!(series_and_episode("【党课】 第2讲").0, Some("党课".into()));
}

#[test]
fn a_plain_name_is_only_a_title() {
    assert_eq!(parsed("焦裕禄"), ("焦裕禄".into(), None, None));
}

#[test]
fn an_empty_or_blank_stem_gives_a_title_without_panicking() {
    assert_eq!(parse_name("").episode, None);
    assert_eq!(parse_name("___").title, "___");
    assert_eq!(parse_name("第集").episode, None);
    assert_eq!(parse_name("(").episode, None);
    assert_eq!(parse_name("第99999999999999999集").episode, None);
}

#[test]
fn chinese_numerals_are_read() {
    let cases = [
        ("零", 0),
        ("〇", 0),
        ("一", 1),
        ("两", 2),
        ("九", 9),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十三", 23),
        ("一百", 100),
        ("一百零三", 103),
        ("一百一十", 110),
        ("三千零五十", 3050),
        ("二〇〇五", 2005),
    ];
    for (text, number) in cases {
        assert_eq!(parse_chinese_number(text), Some(number), "{text}");
    }
    assert_eq!(parse_chinese_number(""), None);
    assert_eq!(parse_chinese_number("三a"), None);
}

#[test]
fn disc_authoring_names_are_generic() {
    for stem in [
        "AVSEQ01", "avseq12", "MUSIC01", "VTS_01_1", "vts_02_0", "track01", "Track 07", "ITEM0001",
        "VIDEO_TS",
    ] {
        assert!(is_generic_disc_name(stem), "{stem}");
    }
    for stem in [
        "党章电视教材 第一集",
        "AVSEQ",
        "VTS_01",
        "tracking",
        "music video 01",
    ] {
        assert!(!is_generic_disc_name(stem), "{stem}");
    }
}

#[test]
fn a_vcd_track_takes_its_series_from_the_folder_above_mpegav() {
    let p = parse_path(Path::new("/lib/党章电视教材/MPEGAV/AVSEQ02.DAT"));
    assert_eq!(p.series.as_deref(), Some("党章电视教材"));
    assert_eq!(p.episode, Some(2));
    assert_eq!(p.title, "党章电视教材 第2集");
}

#[test]
fn a_dvd_title_set_takes_its_series_from_the_folder_above_video_ts() {
    let p = parse_path(Path::new("/lib/焦裕禄/DVD1/VIDEO_TS/VTS_03_1.VOB"));
    assert_eq!((p.series.as_deref(), p.episode), (Some("焦裕禄"), Some(3)));
}

#[test]
fn the_parts_of_one_dvd_title_are_told_apart_by_a_suffix() {
    let first = parse_path(Path::new("/lib/焦裕禄/VIDEO_TS/VTS_01_1.VOB"));
    let second = parse_path(Path::new("/lib/焦裕禄/VIDEO_TS/VTS_01_2.VOB"));
    assert_eq!(first.title, "焦裕禄 第1集");
    assert_eq!(second.title, "焦裕禄 第1集 (2)");
    assert_eq!(second.episode, Some(1));
}

#[test]
fn a_disc_in_a_folder_named_for_one_episode_takes_that_episode() {
    let p = parse_path(Path::new("/lib/党章电视教材 第三集/MPEGAV/AVSEQ01.DAT"));
    assert_eq!(p.series.as_deref(), Some("党章电视教材"));
    assert_eq!(p.episode, Some(3));
    assert_eq!(p.title, "党章电视教材 第三集");
    let second = parse_path(Path::new("/lib/党章电视教材 第三集/MPEGAV/AVSEQ02.DAT"));
    assert_eq!(
        (second.title.as_str(), second.episode),
        ("党章电视教材 第三集 (2)", Some(3))
    );
}

#[test]
fn an_ordinary_file_is_parsed_from_its_stem() {
    let p = parse_path(Path::new("/lib/x/党章电视教材 第一集.mpg"));
    assert_eq!(
        (p.series.as_deref(), p.episode),
        (Some("党章电视教材"), Some(1))
    );
}
