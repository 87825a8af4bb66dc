//! User text can never make a search fail or panic.

use super::{ids, library};
use crate::search::SearchFilters;

#[test]
fn hostile_query_strings_never_fail_or_panic() {
    let index = library();
    let long_chinese = "党章".repeat(5_000);
    let long_latin = "dz".repeat(5_000);
    let hostile = [
        "",
        " ",
        "\u{3000}",
        "《》「」—·",
        ".*",
        "[(",
        "a**",
        "\\",
        "\"党章",
        "title:党章",
        "-党章",
        "党章 AND NOT",
        "😀",
        "党😀章",
        "\0",
        "\u{202e}abc",
        "e\u{301}",
        "ｱｲｳ",
        "Ⅻ",
        "²",
        &long_chinese,
        &long_latin,
        "z\u{10FFFF}",
        "ǅ",
        "İstanbul",
        "ß",
        "ﬁ",
    ];
    for q in hostile {
        let filters = SearchFilters::default();
        let result = index.search(q, &filters, 0, 10);
        assert!(
            result.is_ok(),
            "{q:?}: {result:?}",
            q = q.chars().take(20).collect::<String>()
        );
    }
    assert!(ids(&index, &long_chinese).is_empty());
}
