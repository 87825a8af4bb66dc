//! Each kind of file swapped in at a path, opened both ways.

use std::ffi::CString;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;

use super::*;

fn identity(path: &Path) -> FileIdentity {
    let meta = std::fs::metadata(path).expect("stat");
    FileIdentity {
        dev: meta.dev(),
        ino: meta.ino(),
    }
}

fn mkfifo(path: &Path) {
    let c = CString::new(path.as_os_str().as_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file system node.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

#[test]
fn the_recorded_file_opens_and_reads_blocking() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("a.mp4");
    std::fs::write(&path, b"film").expect("write");
    let mut file = open_catalogued(&path, Some(identity(&path))).expect("opens");
    let mut text = String::new();
    file.read_to_string(&mut text).expect("read");
    assert_eq!(text, "film");
    let flags = rustix::fs::fcntl_getfl(&file).expect("flags");
    assert!(!flags.contains(OFlags::NONBLOCK));
    assert!(
        open_catalogued(&path, None).is_ok(),
        "an old record: any regular file"
    );
}

#[test]
fn a_swapped_file_link_or_fifo_is_refused_without_blocking() {
    let dir = tempfile::tempdir().expect("dir");
    let (path, secret) = (dir.path().join("a.mp4"), dir.path().join("secret"));
    std::fs::write(&path, b"film").expect("write");
    std::fs::write(&secret, b"key").expect("write");
    let recorded = identity(&path);

    // Another file written beside it and renamed over it (while the old one lives, so its
    // inode number cannot be reused).
    let _old = std::fs::File::open(&path).expect("keep the old inode");
    std::fs::write(dir.path().join("b.mp4"), b"other").expect("write");
    std::fs::rename(dir.path().join("b.mp4"), &path).expect("swap");
    let changed = open_catalogued(&path, Some(recorded));
    assert!(
        matches!(changed, Err(OpenRefused::Changed(_))),
        "{changed:?}"
    );

    std::fs::remove_file(&path).expect("rm");
    std::os::unix::fs::symlink(&secret, &path).expect("link");
    assert!(matches!(
        open_catalogued(&path, Some(recorded)),
        Err(OpenRefused::Changed(_))
    ));
    assert!(matches!(
        open_catalogued(&path, None),
        Err(OpenRefused::Escapes(_))
    ));

    std::fs::remove_file(&path).expect("rm");
    mkfifo(&path);
    for id in [Some(recorded), None] {
        let fifo = open_catalogued(&path, id);
        assert!(matches!(fifo, Err(OpenRefused::NotRegular(_))), "{fifo:?}");
        assert!(fifo.expect_err("refused").is_swapped());
    }
    std::fs::remove_file(&path).expect("rm");
    assert!(matches!(
        open_catalogued(&path, None),
        Err(OpenRefused::Missing(_))
    ));
}

#[test]
fn a_made_file_is_opened_only_beneath_its_root_and_through_no_symlink() {
    let dir = tempfile::tempdir().expect("dir");
    let root = dir.path().join("renditions");
    std::fs::create_dir_all(root.join("f/720p")).expect("dirs");
    let seg = root.join("f/720p/seg-00000.ts");
    std::fs::write(&seg, b"ts").expect("write");
    std::fs::write(dir.path().join("secret"), b"key").expect("write");
    assert!(open_beneath(&root, &seg).is_ok());

    let link = root.join("f/720p/seg-00001.ts");
    std::os::unix::fs::symlink(dir.path().join("secret"), &link).expect("link");
    assert!(matches!(
        open_beneath(&root, &link),
        Err(OpenRefused::Escapes(_))
    ));
    std::os::unix::fs::symlink(root.join("f/720p"), root.join("g")).expect("link dir");
    let through = open_beneath(&root, &root.join("g/seg-00000.ts"));
    assert!(
        matches!(through, Err(OpenRefused::Escapes(_))),
        "{through:?}"
    );
    let outside = open_beneath(&root, &dir.path().join("secret"));
    assert!(matches!(outside, Err(OpenRefused::Escapes(_))));
    let fifo = root.join("f/720p/seg-00002.ts");
    mkfifo(&fifo);
    assert!(matches!(
        open_beneath(&root, &fifo),
        Err(OpenRefused::NotRegular(_))
    ));

    let by_hand = |p: &Path| {
        let dir = rustix::fs::open(&root, OFlags::PATH | OFlags::DIRECTORY, Mode::empty());
        walk_beneath(dir.expect("root"), p.strip_prefix(&root).expect("rel"), p)
    };
    assert!(
        by_hand(&seg).is_ok(),
        "the fallback opens what openat2 opens"
    );
    assert!(matches!(by_hand(&link), Err(OpenRefused::Escapes(_))));
    assert!(by_hand(&root.join("g/seg-00000.ts")).is_err());
}
