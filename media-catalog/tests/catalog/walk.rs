//! Walking library folders and fingerprinting files.

use std::fs;
use std::path::Path;

use media_catalog::scan::{fingerprint, is_media_name, walk_library};

use crate::support::write_file;

fn names(root: &Path) -> Vec<String> {
    let report = walk_library(root);
    report
        .files
        .iter()
        .map(|f| {
            f.path
                .strip_prefix(&report.root)
                .expect("under root")
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

#[test]
fn media_names_are_recognised_by_extension_in_any_case() {
    for name in [
        "a.DAT",
        "a.mpg",
        "b.RMVB",
        "c.vob",
        "d.mp4",
        "e.Mp3",
        "f.flac",
        "g.m2ts",
        "h.wma",
        "第一集.3gp",
    ] {
        assert!(is_media_name(name), "{name}");
    }
    for name in [
        "catalog.toml",
        "a.txt",
        "a.jpg",
        "mpg",
        ".mpg",
        "a.mpg.part",
        "a.",
    ] {
        assert!(!is_media_name(name), "{name}");
    }
}

#[test]
fn a_walk_lists_media_files_only_sorted_by_path() {
    let root = tempfile::tempdir().expect("temp dir");
    write_file(root.path(), "b/第二集.mpg", b"2");
    write_file(root.path(), "a/第一集.MPG", b"1");
    write_file(root.path(), "a/说明.txt", b"text");
    write_file(root.path(), "a/catalog.toml", b"year = 1");
    write_file(root.path(), "c.rmvb", b"3");
    assert_eq!(
        names(root.path()),
        ["a/第一集.MPG", "b/第二集.mpg", "c.rmvb"]
    );
}

#[test]
fn a_walk_reports_size_mtime_and_the_canonical_root() {
    let root = tempfile::tempdir().expect("temp dir");
    write_file(root.path(), "a.mpg", b"12345");
    let report = walk_library(root.path());
    assert_eq!(
        report.root,
        fs::canonicalize(root.path()).expect("canonical")
    );
    assert_eq!(report.files.len(), 1);
    assert_eq!(report.files[0].name, "a.mpg");
    assert_eq!(report.files[0].size, 5);
    assert!(report.files[0].mtime_ns > 0);
    assert!(report.problems.is_empty());
}

#[test]
fn hidden_files_and_windows_system_folders_are_skipped() {
    let root = tempfile::tempdir().expect("temp dir");
    write_file(root.path(), "._a.mpg", b"apple double");
    write_file(root.path(), ".hidden/b.mpg", b"x");
    write_file(root.path(), "$RECYCLE.BIN/c.mpg", b"x");
    write_file(root.path(), "System Volume Information/d.mpg", b"x");
    write_file(root.path(), "e.mpg", b"x");
    assert_eq!(names(root.path()), ["e.mpg"]);
}

#[test]
fn a_missing_library_folder_is_a_problem_not_a_panic() {
    let report = walk_library(Path::new("/nonexistent/library/folder"));
    assert!(report.files.is_empty());
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
}

#[cfg(unix)]
mod symlinks {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn a_symlink_leading_outside_the_library_is_skipped_and_counted() {
        let outside = tempfile::tempdir().expect("temp dir");
        let root = tempfile::tempdir().expect("temp dir");
        let secret = write_file(outside.path(), "secret.mpg", b"x");
        write_file(outside.path(), "dir/other.mpg", b"x");
        symlink(&secret, root.path().join("link.mpg")).expect("symlink");
        symlink(outside.path().join("dir"), root.path().join("linkdir")).expect("symlink");
        symlink("/etc/passwd", root.path().join("passwd.mpg")).expect("symlink");
        write_file(root.path(), "real.mpg", b"x");
        let report = walk_library(root.path());
        assert_eq!(names(root.path()), ["real.mpg"]);
        assert_eq!(report.skipped_symlinks, 3);
    }

    #[test]
    fn a_symlinked_folder_inside_the_library_is_followed() {
        let root = tempfile::tempdir().expect("temp dir");
        write_file(root.path(), "store/deep/a.mpg", b"x");
        fs::create_dir_all(root.path().join("shelf")).expect("dir");
        symlink(
            root.path().join("store/deep"),
            root.path().join("shelf/deep"),
        )
        .expect("symlink");
        // `store/deep` is reached directly first, so the link adds nothing.
        assert_eq!(names(root.path()), ["store/deep/a.mpg"]);
        assert_eq!(walk_library(root.path()).skipped_symlinks, 0);
    }

    #[test]
    fn a_symlink_to_a_folder_not_otherwise_reached_is_walked_through_the_link() {
        let root = tempfile::tempdir().expect("temp dir");
        write_file(root.path(), ".archive/a.mpg", b"x");
        symlink(root.path().join(".archive"), root.path().join("films")).expect("symlink");
        assert_eq!(names(root.path()), ["films/a.mpg"]);
    }

    #[test]
    fn a_symlink_loop_ends_the_walk_without_repeating_files() {
        let root = tempfile::tempdir().expect("temp dir");
        write_file(root.path(), "a/b/x.mpg", b"x");
        symlink(root.path(), root.path().join("a/b/up")).expect("symlink");
        symlink(root.path().join("a"), root.path().join("a/b/again")).expect("symlink");
        assert_eq!(names(root.path()), ["a/b/x.mpg"]);
    }

    #[test]
    fn a_symlink_to_a_file_already_found_does_not_list_it_twice() {
        let root = tempfile::tempdir().expect("temp dir");
        let real = write_file(root.path(), "a.mpg", b"x");
        symlink(&real, root.path().join("b.mpg")).expect("symlink");
        symlink(
            root.path().join("nowhere.mpg"),
            root.path().join("broken.mpg"),
        )
        .expect("symlink");
        let report = walk_library(root.path());
        assert_eq!(names(root.path()), ["a.mpg"]);
        assert_eq!(report.skipped_symlinks, 1, "only the broken link counts");
    }
}

#[test]
fn identical_content_has_the_same_hash_whatever_the_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let a = write_file(dir.path(), "a.mpg", b"same bytes");
    let b = write_file(dir.path(), "b.mpg", b"same bytes");
    let fa = fingerprint(&a, 10, 1).expect("fingerprint a");
    let fb = fingerprint(&b, 10, 2).expect("fingerprint b");
    assert_eq!(fa.head_tail_sha256, fb.head_tail_sha256);
    assert_eq!((fa.size, fa.mtime_ns, fb.mtime_ns), (10, 1, 2));
    assert_eq!(fa.head_tail_sha256.len(), 64);
}

#[test]
fn a_large_file_is_hashed_by_its_head_and_tail() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut bytes = vec![7u8; 5 << 20];
    let path = write_file(dir.path(), "big.mpg", &bytes);
    let size = bytes.len() as u64;
    let original = fingerprint(&path, size, 0).expect("fingerprint");

    bytes[size as usize - 1] = 8;
    fs::write(&path, &bytes).expect("rewrite");
    let tail_changed = fingerprint(&path, size, 0).expect("fingerprint");
    assert_ne!(original.head_tail_sha256, tail_changed.head_tail_sha256);

    bytes[size as usize - 1] = 7;
    bytes[0] = 9;
    fs::write(&path, &bytes).expect("rewrite");
    let head_changed = fingerprint(&path, size, 0).expect("fingerprint");
    assert_ne!(original.head_tail_sha256, head_changed.head_tail_sha256);

    bytes[0] = 7;
    bytes[2 << 20] = 9;
    fs::write(&path, &bytes).expect("rewrite");
    let middle_changed = fingerprint(&path, size, 0).expect("fingerprint");
    assert_eq!(
        original.head_tail_sha256, middle_changed.head_tail_sha256,
        "the middle is not read: size and time tell such a change"
    );
}

#[test]
fn fingerprinting_a_missing_file_is_an_io_error() {
    assert!(fingerprint(Path::new("/nonexistent/a.mpg"), 1, 0).is_err());
}

#[test]
fn a_gbk_named_file_in_a_gbk_named_folder_is_found_with_its_name_decoded() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let root = tempfile::tempdir().expect("temp dir");
    // 学习资料/党课.mp4 in GBK, as a Windows disc or an old zip file names them.
    let dir = root
        .path()
        .join(OsStr::from_bytes(b"\xd1\xa7\xcf\xb0\xd7\xca\xc1\xcf"));
    fs::create_dir(&dir).expect("dir");
    let file = dir.join(OsStr::from_bytes(b"\xb5\xb3\xbf\xce.mp4"));
    fs::write(&file, b"film").expect("write");
    let report = walk_library(root.path());
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.files.len(), 1);
    assert_eq!(report.files[0].name, "党课.mp4");
    assert_eq!(
        fs::read(&report.files[0].path).expect("the raw path opens the file"),
        b"film"
    );
}
