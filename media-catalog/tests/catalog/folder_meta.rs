//! `catalog.toml`: parsing, errors with lines, and which file applies.

use std::fs;
use std::path::Path;

use media_catalog::folder_meta::{FolderMeta, MetaCache, MetaError};
use media_catalog::{Category, Cue};

const EXAMPLE: &str = r#"
series = "党章电视教材"
category = "中央"
themes = ["党章", "先进性教育"]
year = 2005
producer = "中共中央组织部"
summary = "系列简介"

[files."党章电视教材 第一集.mpg"]
title = "第一集 党章总纲"
episode = 1
summary = "本集简介"
prep_notes = "播前备课"
themes = ["党的建设", "党章"]
year = 2006
cues = [{ at_s = 65, text = "第二个提示" }, { at_s = 5.0, text = "请注意" }]
"#;

fn write_meta(dir: &Path, text: &str) {
    fs::write(dir.join("catalog.toml"), text).expect("write catalog.toml");
}

#[test]
fn the_documented_example_parses() {
    let meta = FolderMeta::parse(EXAMPLE, Path::new("catalog.toml")).expect("valid example");
    assert_eq!(meta.series.as_deref(), Some("党章电视教材"));
    assert_eq!(meta.category, Some(Category::Central));
    assert_eq!(meta.year, Some(2005));
    assert_eq!(meta.files.len(), 1);
}

#[test]
fn a_file_entry_is_layered_over_the_folder_keys() {
    let meta = FolderMeta::parse(EXAMPLE, Path::new("catalog.toml")).expect("valid example");
    let d = meta.describe(Path::new("党章电视教材 第一集.mpg"));
    assert_eq!(d.title.as_deref(), Some("第一集 党章总纲"));
    assert_eq!(d.series.as_deref(), Some("党章电视教材"));
    assert_eq!(d.episode, Some(1));
    assert_eq!(d.year, Some(2006), "the file's year wins");
    assert_eq!(d.producer.as_deref(), Some("中共中央组织部"));
    assert_eq!(
        d.themes,
        ["党章", "先进性教育", "党的建设"],
        "folder then file, no duplicate"
    );
    assert_eq!(d.summary.as_deref(), Some("本集简介"));
    assert_eq!(d.series_summary.as_deref(), Some("系列简介"));
    assert_eq!(d.prep_notes.as_deref(), Some("播前备课"));
}

#[test]
fn cues_are_sorted_by_time_and_integer_seconds_are_accepted() {
    let meta = FolderMeta::parse(EXAMPLE, Path::new("catalog.toml")).expect("valid example");
    let d = meta.describe(Path::new("党章电视教材 第一集.mpg"));
    let expected = [
        Cue {
            at_s: 5.0,
            text: "请注意".into(),
        },
        Cue {
            at_s: 65.0,
            text: "第二个提示".into(),
        },
    ];
    assert_eq!(d.cues, expected);
}

#[test]
fn a_file_without_an_entry_gets_the_folder_keys_only() {
    let meta = FolderMeta::parse(EXAMPLE, Path::new("catalog.toml")).expect("valid example");
    let d = meta.describe(Path::new("其他.mpg"));
    assert_eq!(d.title, None);
    assert_eq!(d.episode, None);
    assert_eq!(d.year, Some(2005));
    assert_eq!(d.themes, ["党章", "先进性教育"]);
}

#[test]
fn english_category_names_are_accepted() {
    let meta = FolderMeta::parse("category = \"county\"", Path::new("c.toml")).expect("valid");
    assert_eq!(meta.category, Some(Category::County));
}

#[test]
fn invalid_toml_is_an_error_naming_the_file_and_line() {
    let text = "series = \"x\"\nyear = 2005\ncategory = 中央\n";
    let err = FolderMeta::parse(text, Path::new("/lib/a/catalog.toml")).expect_err("invalid");
    match &err {
        MetaError::Invalid { line, path, .. } => {
            assert_eq!(*line, 3);
            assert_eq!(path, Path::new("/lib/a/catalog.toml"));
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    let shown = err.to_string();
    assert!(
        shown.contains("/lib/a/catalog.toml") && shown.contains("line 3"),
        "{shown}"
    );
}

#[test]
fn an_unknown_category_an_unknown_key_and_a_negative_cue_are_errors_with_lines() {
    let cases = [
        ("series = \"x\"\ncategory = \"县里\"\n", 2),
        ("series = \"x\"\n\nserise = \"y\"\n", 3),
        (
            "[files.\"a.mpg\"]\ncues = [{ at_s = -1, text = \"t\" }]\n",
            2,
        ),
        ("[files.\"a.mpg\"]\nepisode = -1\n", 2),
    ];
    for (text, expected_line) in cases {
        match FolderMeta::parse(text, Path::new("catalog.toml")) {
            Err(MetaError::Invalid { line, .. }) => assert_eq!(line, expected_line, "{text}"),
            other => panic!("{text:?} gave {other:?}"),
        }
    }
}

#[test]
fn a_byte_order_mark_is_accepted_and_gbk_text_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("catalog.toml"), "\u{feff}year = 2001\n").expect("write");
    let meta = FolderMeta::load(dir.path())
        .expect("valid")
        .expect("present");
    assert_eq!(meta.year, Some(2001));
    // "series = \"党章\"" saved by Notepad as GBK ("ANSI").
    let gbk = b"series = \"\xb5\xb3\xd5\xc2\"\n";
    fs::write(dir.path().join("catalog.toml"), gbk).expect("write");
    let err = FolderMeta::load(dir.path()).expect_err("not UTF-8");
    assert!(matches!(err, MetaError::NotUtf8 { .. }), "{err:?}");
    assert!(err.to_string().contains("UTF-8"));
}

#[test]
fn a_folder_without_catalog_toml_has_no_meta() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert_eq!(FolderMeta::load(dir.path()).expect("no error"), None);
}

#[test]
fn the_nearest_catalog_toml_up_to_the_root_applies() {
    let root = tempfile::tempdir().expect("temp dir");
    let series_dir = root.path().join("中央/党章");
    let disc_dir = series_dir.join("disc1");
    fs::create_dir_all(&disc_dir).expect("dirs");
    write_meta(root.path(), "year = 1999\n");
    write_meta(
        &series_dir,
        "series = \"党章电视教材\"\n[files.\"disc1/a.mpg\"]\nepisode = 7\n",
    );
    let mut cache = MetaCache::new();
    let d = cache
        .describe(root.path(), &disc_dir.join("a.mpg"))
        .expect("a meta applies");
    assert_eq!(d.series.as_deref(), Some("党章电视教材"));
    assert_eq!(
        d.episode,
        Some(7),
        "entries may be keyed by a relative path"
    );
    assert_eq!(d.year, None, "metas further up are not merged");
    let top = cache
        .describe(root.path(), &root.path().join("b.mpg"))
        .expect("root meta");
    assert_eq!(top.year, Some(1999));
}

#[test]
fn a_catalog_toml_above_the_root_does_not_apply() {
    let outer = tempfile::tempdir().expect("temp dir");
    let root = outer.path().join("library");
    fs::create_dir_all(&root).expect("dirs");
    write_meta(outer.path(), "year = 1999\n");
    let mut cache = MetaCache::new();
    assert_eq!(cache.describe(&root, &root.join("a.mpg")), None);
}

#[test]
fn an_invalid_nearest_catalog_toml_is_reported_once_and_describes_nothing() {
    let root = tempfile::tempdir().expect("temp dir");
    let sub = root.path().join("sub");
    fs::create_dir_all(&sub).expect("dirs");
    write_meta(root.path(), "year = 1999\n");
    write_meta(&sub, "year = \n");
    let mut cache = MetaCache::new();
    assert_eq!(cache.describe(root.path(), &sub.join("a.mpg")), None);
    assert_eq!(cache.describe(root.path(), &sub.join("b.mpg")), None);
    let errors = cache.take_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].path(), sub.join("catalog.toml"));
}

#[test]
fn a_loaded_catalog_toml_is_read_once_per_scan() {
    let root = tempfile::tempdir().expect("temp dir");
    write_meta(root.path(), "year = 1999\n");
    let mut cache = MetaCache::new();
    assert_eq!(
        cache
            .describe(root.path(), &root.path().join("a.mpg"))
            .and_then(|d| d.year),
        Some(1999)
    );
    write_meta(root.path(), "year = 2000\n");
    assert_eq!(
        cache
            .describe(root.path(), &root.path().join("a.mpg"))
            .and_then(|d| d.year),
        Some(1999)
    );
    cache.forget_under(root.path());
    assert_eq!(
        cache
            .describe(root.path(), &root.path().join("a.mpg"))
            .and_then(|d| d.year),
        Some(2000)
    );
}
