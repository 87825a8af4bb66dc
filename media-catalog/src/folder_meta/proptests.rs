//! Property tests of `catalog.toml` parsing: any text is either read or refused with a line
//! that exists in it, never a panic; what a clerk could write reads back as written; and the
//! digest ignores comments and layout.

use super::*;
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[党章教材第一集 a-z0-9\"'\\\\\n\t]{0,16}"]
}

fn category() -> impl Strategy<Value = Option<Category>> {
    proptest::option::of(prop::sample::select(Category::ALL.to_vec()))
}

/// Cues as `parse` keeps them: times that exist, some text, in time order.
fn cues() -> impl Strategy<Value = Vec<Cue>> {
    proptest::collection::vec((0.0f64..1e6, "[^\\s]{1,8}"), 0..4).prop_map(|raw| {
        let mut cues: Vec<Cue> = raw
            .into_iter()
            .map(|(at_s, text)| Cue { at_s, text })
            .collect();
        cues.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
        cues
    })
}

fn file_meta() -> impl Strategy<Value = FileMeta> {
    (
        (
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(any::<u32>()),
            category(),
        ),
        (
            proptest::collection::vec(text(), 0..3),
            proptest::option::of(any::<i32>()),
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(text()),
            cues(),
        ),
    )
        .prop_map(
            |(
                (title, series, episode, category),
                (themes, year, producer, summary, prep, cues),
            )| {
                FileMeta {
                    title,
                    series,
                    episode,
                    category,
                    themes,
                    year,
                    producer,
                    summary,
                    prep_notes: prep,
                    cues,
                }
            },
        )
}

fn folder_meta() -> impl Strategy<Value = FolderMeta> {
    (
        proptest::option::of(text()),
        category(),
        proptest::collection::vec(text(), 0..4),
        proptest::option::of(any::<i32>()),
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::collection::btree_map(text(), file_meta(), 0..3),
    )
        .prop_map(
            |(series, category, themes, year, producer, summary, files)| FolderMeta {
                series,
                category,
                themes: tidy_themes(themes),
                year,
                producer,
                summary,
                files,
            },
        )
}

fn path() -> &'static Path {
    Path::new("/library/catalog.toml")
}

proptest! {
    #[test]
    fn prop_any_text_is_read_or_refused_at_a_line_it_has(text in prop_oneof![
        any::<String>(),
        "(series|themes|year|category|\\[files\\.\"a\"\\]|cues|at_s|title|episode| |=|\"|\\[|\\]|\\{|\\}|,|-|1|\\.|e|中央|\n){0,40}",
    ]) {
        match FolderMeta::parse(&text, path()) {
            Ok(meta) => prop_assert_eq!(meta.themes.clone(), tidy_themes(meta.themes)),
            Err(MetaError::Invalid { line, message, .. }) => {
                prop_assert!((1..=text.split('\n').count()).contains(&line), "line {line}");
                prop_assert!(!message.trim().is_empty(), "no words for the clerk");
            }
            Err(other) => prop_assert!(false, "parse gave {other}"),
        }
    }

    #[test]
    fn prop_a_written_catalog_reads_back_as_written(meta in folder_meta()) {
        let text = toml::to_string(&meta).expect("a FolderMeta serializes");
        let read = FolderMeta::parse(&text, path());
        prop_assert_eq!(read.as_ref().ok(), Some(&meta), "{}", text);
        let with_bom = FolderMeta::parse(&format!("\u{feff}{text}"), path());
        prop_assert_eq!(with_bom.ok(), Some(meta));
    }

    #[test]
    fn prop_comments_and_layout_do_not_change_the_digest(
        meta in folder_meta(),
        comment in "[^\\p{Cc}]{0,20}",
    ) {
        let text = toml::to_string(&meta).expect("a FolderMeta serializes");
        // Another layout of the same content, between comments.
        let pretty = toml::to_string_pretty(&meta).expect("a FolderMeta serializes");
        let edited = format!("# {comment}\n\n{pretty}\n# {comment}\n");
        let a = FolderMeta::parse(&text, path()).expect("written text parses");
        let b = FolderMeta::parse(&edited, path()).expect("edited text parses");
        prop_assert_eq!(a.digest(), b.digest());
    }
}

/// Found by `prop_any_text_is_read_or_refused_at_a_line_it_has`: `toml` refused these with an
/// empty message, so the scan report said "catalog.toml, line 1: " and nothing more.
#[test]
fn syntax_errors_without_a_parser_message_still_say_what_to_fix() {
    for text in ["cues=", "# \u{7f}\nyear = 1"] {
        match FolderMeta::parse(text, path()) {
            Err(error @ MetaError::Invalid { .. }) => {
                assert!(error.to_string().contains("not valid TOML"), "{error}");
            }
            other => panic!("{text:?} gave {other:?}"),
        }
    }
}
