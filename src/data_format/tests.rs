//! The format file, the gate and the steps, on temporary folders.

use std::cell::RefCell;
use std::path::Path;

use media_catalog::{Catalog, Film, FilmId};

use super::*;

fn stores_in(dir: &Path) -> (sled::Db, Catalog) {
    let db = sled::Config::new().path(dir.join("db")).open().expect("db");
    let catalog = Catalog::open_with_ram_index(&db).expect("catalog");
    (db, catalog)
}

fn write_format(data: &Path, format: u32) {
    let text = format!(r#"{{"format": {format}, "written_by": "9.9.9"}}"#);
    fs::write(data.join(FORMAT_FILE), text).expect("write");
}

#[test]
fn the_steps_run_from_format_one_to_this_format_without_a_gap() {
    let froms: Vec<u32> = STEPS.iter().map(|s| s.from).collect();
    let expected: Vec<u32> = (UNMARKED..FORMAT).collect();
    assert_eq!(froms, expected);
}

#[test]
fn a_new_folder_is_marked_with_this_format_on_its_first_start() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let opening = check(&data).expect("a missing folder is new");
    assert_eq!(opening.found(), FORMAT);
    fs::create_dir_all(&data).expect("mkdir");
    let (db, catalog) = stores_in(&data);
    opening
        .upgrade(&Stores {
            db: &db,
            catalog: &catalog,
        })
        .expect("marked");
    let file = read(&data).expect("readable").expect("written");
    assert_eq!(
        file,
        FormatFile {
            format: FORMAT,
            written_by: WRITTEN_BY.into()
        }
    );
    assert!(!data.join("FORMAT.json.part").exists());
}

#[test]
fn a_folder_with_data_and_no_format_file_is_format_one() {
    let dir = tempfile::tempdir().expect("dir");
    fs::create_dir_all(dir.path().join("ledger")).expect("mkdir");
    assert_eq!(check(dir.path()).expect("opens").found(), UNMARKED);
}

#[test]
fn a_newer_folder_is_refused_in_words_and_an_unreadable_number_too() {
    let dir = tempfile::tempdir().expect("dir");
    write_format(dir.path(), FORMAT + 1);
    let e = check(dir.path()).expect_err("refused");
    assert!(matches!(e, FormatError::Newer { found, .. } if found == FORMAT + 1));
    let said = e.to_string();
    assert!(said.contains("较新版本（dianjiao 9.9.9"), "{said}");
    assert!(said.contains("请使用该版本或更新的版本"), "{said}");
    assert_eq!(doctor_check(dir.path()).status, Status::Action);
    fs::write(dir.path().join(FORMAT_FILE), "{\"format\": \"二\"}").expect("write");
    assert!(matches!(
        check(dir.path()),
        Err(FormatError::Unreadable { .. })
    ));
}

thread_local! {
    static RAN: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
}

fn record(from: u32) -> Result<usize, StepError> {
    RAN.with(|r| r.borrow_mut().push(from));
    Ok(0)
}

#[test]
fn steps_run_in_order_from_the_folders_format_and_a_failed_one_leaves_the_number() {
    fn fails(_: &Stores<'_>) -> Result<usize, StepError> {
        Err(StepError::Store(sled::Error::Unsupported("test".into())))
    }
    let steps = [
        Step {
            from: 1,
            what: "one",
            run: |_| record(1),
        },
        Step {
            from: 2,
            what: "two",
            run: |_| record(2),
        },
        Step {
            from: 3,
            what: "three",
            run: |_| record(3),
        },
    ];
    let dir = tempfile::tempdir().expect("dir");
    write_format(dir.path(), 2);
    let (db, catalog) = stores_in(dir.path());
    let stores = Stores {
        db: &db,
        catalog: &catalog,
    };
    let opening = check(dir.path()).expect("opens");
    opening.upgrade_with(&steps, 4, &stores).expect("upgraded");
    assert_eq!(RAN.with(|r| r.take()), vec![2, 3]);
    assert_eq!(read(dir.path()).expect("read").map(|f| f.format), Some(4));

    let broken = [Step {
        from: 4,
        what: "breaks",
        run: fails,
    }];
    // Past this binary's own number `check` would refuse: open it as a later binary would.
    let opening = Opening {
        data: dir.path().to_owned(),
        found: Some(4),
    };
    let e = opening
        .upgrade_with(&broken, 5, &stores)
        .expect_err("fails");
    assert!(e.to_string().contains("下次启动会重做"), "{e}");
    assert_eq!(read(dir.path()).expect("read").map(|f| f.format), Some(4));
}

#[test]
fn uploaded_films_get_the_clients_file_name_once() {
    let dir = tempfile::tempdir().expect("dir");
    let (db, catalog) = stores_in(dir.path());
    let id = FilmId::parse("0123456789abcdef").expect("id");
    let mut film = Film::bare(id.clone(), "党课");
    film.source.name = "u_00000000000000aa.mp4".into();
    catalog.put(&film).expect("put");
    let uploads = db.open_tree("uploads").expect("tree");
    // As format 1 wrote it (fields the step does not read included).
    let record = serde_json::json!({
        "v": 1, "id": "u_00000000000000aa", "length": 10, "offset": 10,
        "meta": {"filename": "C:\\fakepath\\七一党课.MP4", "production": null, "title": null, "raw": ""},
        "owner": "office", "created_ms": 0, "expires_ms": 0, "state": "complete",
        "file_name": "u_00000000000000aa.mp4", "film_id": id.as_str(), "delivered": false,
    });
    uploads
        .insert(
            "u_00000000000000aa",
            serde_json::to_vec(&record).expect("json"),
        )
        .expect("insert");
    uploads
        .insert("u_broken", b"not json".to_vec())
        .expect("insert");
    let stores = Stores {
        db: &db,
        catalog: &catalog,
    };
    assert_eq!(steps::uploads_keep_client_names(&stores).expect("step"), 1);
    let name = |c: &Catalog| c.get(&id).expect("get").expect("film").source.name;
    assert_eq!(name(&catalog), "七一党课.MP4");
    assert_eq!(
        steps::uploads_keep_client_names(&stores).expect("again"),
        0,
        "a second run changes nothing"
    );
    assert_eq!(name(&catalog), "七一党课.MP4");
}
