//! Property tests of the file-name parser: no name or path makes it panic, a non-blank
//! name always keeps a title, and names built from a series and an episode number (in
//! digits or in Chinese numerals, in each accepted layout) give that series and number back.

use super::*;
use proptest::prelude::*;

/// Series names from characters that are no numeral, marker or separator.
fn series() -> impl Strategy<Value = String> {
    "[党章电视教材先进性育坚定理想信念学习农业科技致富养殖新闻]{1,10}"
}

/// `n` (1..=9999) as it is written in Chinese: 十二, 一百零三, 两千 is read but 二千 written.
fn chinese(n: u32) -> String {
    const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    if (10..20).contains(&n) {
        return format!(
            "十{}",
            if n > 10 {
                chinese(n - 10)
            } else {
                String::new()
            }
        );
    }
    let mut out = String::new();
    let mut gap = false;
    for (value, unit) in [(1000, "千"), (100, "百"), (10, "十"), (1, "")] {
        let digit = (n / value) % 10;
        if digit == 0 {
            gap = !out.is_empty();
            continue;
        }
        if gap {
            out.push('零');
            gap = false;
        }
        out.push(DIGITS[digit as usize]);
        out.push_str(unit);
    }
    out
}

proptest! {
    #[test]
    fn prop_any_name_parses_and_keeps_a_title(stem in any::<String>()) {
        let parsed = parse_name(&stem);
        if !stem.trim().is_empty() {
            prop_assert!(!parsed.title.is_empty(), "{stem:?} → {parsed:?}");
        }
        if let Some(series) = &parsed.series {
            prop_assert!(!series.is_empty() && series.trim() == series);
        }
    }

    #[test]
    fn prop_name_like_text_parses_without_panicking(
        stem in "[第集讲期课部分EePp()（）0-9０-９零〇一二两三四五六七八九十百千 ._\\-、．]{0,24}",
    ) {
        let _ = parse_name(&stem);
        let _ = parse_chinese_number(&stem);
    }

    #[test]
    fn prop_any_path_parses_without_panicking(
        parts in proptest::collection::vec(
            prop_oneof![
                any::<String>(),
                Just("MPEGAV".to_owned()),
                Just("VIDEO_TS".to_owned()),
                "(CD|DISC|VCD) ?[0-9]{1,3}",
                "(AVSEQ|MUSIC|TRACK|ITEM|VTS_)[0-9_]{0,12}(\\.DAT|\\.VOB)?",
            ],
            0..6,
        ),
    ) {
        let path: std::path::PathBuf = parts.iter().filter(|p| !p.contains('\0')).collect();
        let _ = parse_path(&path);
    }

    #[test]
    fn prop_chinese_numerals_read_back_as_written(n in 1u32..=9999) {
        prop_assert_eq!(parse_chinese_number(&chinese(n)), Some(n), "{}", chinese(n));
    }

    #[test]
    fn prop_a_di_marker_gives_the_series_and_episode_back(
        series in series(),
        n in 1u32..=9999,
        in_chinese in any::<bool>(),
        unit in prop::sample::select(EPISODE_UNITS.to_vec()),
        sep in "[ _\\-·：、]{0,2}",
    ) {
        let number = if in_chinese { chinese(n) } else { n.to_string() };
        let parsed = parse_name(&format!("{series}{sep}第{number}{unit}"));
        prop_assert_eq!(parsed.series.as_deref(), Some(series.as_str()));
        prop_assert_eq!(parsed.episode, Some(n));
    }

    #[test]
    fn prop_ep_and_paren_markers_give_the_episode_back(
        series in series(),
        n in 1u32..=999,
        width in 1usize..=3,
        paren in any::<bool>(),
    ) {
        let stem = if paren {
            format!("{series}（{n}）")
        } else {
            format!("{series} EP{n:0width$}")
        };
        let parsed = parse_name(&stem);
        prop_assert_eq!(parsed.series.as_deref(), Some(series.as_str()));
        prop_assert_eq!(parsed.episode, Some(n));
    }

    #[test]
    fn prop_a_leading_number_is_the_episode_and_the_rest_the_title(
        n in 1u32..=999,
        width in 1usize..=3,
        sep in prop::sample::select(vec!['.', ' ', '-', '、', '．']),
        title in series(),
    ) {
        let parsed = parse_name(&format!("{n:0width$}{sep}{title}"));
        prop_assert_eq!(parsed.episode, Some(n));
        prop_assert_eq!(parsed.title, title);
    }

    #[test]
    fn prop_a_disc_file_takes_its_episode_from_the_folder(
        series in series(),
        n in 1u32..=99,
        track in 1u32..=99,
    ) {
        let path = std::path::PathBuf::from(format!(
            "{series} 第{n}集/MPEGAV/AVSEQ{track:02}.DAT"
        ));
        let parsed = parse_path(&path);
        prop_assert_eq!(parsed.series.as_deref(), Some(series.as_str()));
        prop_assert_eq!(parsed.episode, Some(n));
    }
}
