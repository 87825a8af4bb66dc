//! The sandbox on a thread of the test process: the input handed over and the output
//! folder are usable, anything else (a ledger key beside them) is not.

use std::io::ErrorKind;

use super::*;

#[test]
fn a_sandboxed_thread_reads_its_input_writes_its_folder_and_nothing_else() {
    let dir = tempfile::tempdir().expect("dir");
    let (input, key, out) = (
        dir.path().join("film.mp4"),
        dir.path().join("ledger.key"),
        dir.path().join("out"),
    );
    std::fs::write(&input, b"film").expect("write");
    std::fs::write(&key, b"secret").expect("write");
    std::fs::create_dir(&out).expect("out");
    let file = Arc::new(File::open(&input).expect("open"));
    let outcome = std::thread::spawn(move || {
        no_new_privs();
        let confined = restrict_thread(&[file], &[out.as_path()]).expect("ruleset");
        let read_input = std::fs::read(&input).map(drop);
        let read_key = std::fs::read(&key).map(drop);
        let write_out = std::fs::write(out.join("seg.ts"), b"ts");
        let write_beside = std::fs::write(key.with_extension("new"), b"x");
        (confined, read_input, read_key, write_out, write_beside)
    })
    .join()
    .expect("thread");
    let (confined, read_input, read_key, write_out, write_beside) = outcome;
    if confined == Confined::Not {
        eprintln!("skipped: this kernel has no Landlock");
        return;
    }
    assert!(read_input.is_ok(), "{read_input:?}");
    assert!(write_out.is_ok(), "{write_out:?}");
    assert_eq!(
        read_key.expect_err("the key is out of bounds").kind(),
        ErrorKind::PermissionDenied
    );
    assert_eq!(
        write_beside.expect_err("no writing beside").kind(),
        ErrorKind::PermissionDenied
    );
    // Other threads are not restricted.
    assert!(std::fs::read(dir.path().join("ledger.key")).is_ok());
}
