//! `dianjiao kit make` and `dianjiao kit import` on a data folder the server has let go:
//! a kit from the station's quarter plan, then a records file (a teaching session chained as
//! the page chains it) imported once, and a second time adding nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use dianjiao::app::App;
use dianjiao::config::Settings;
use dianjiao::entries::{PlanItemRequest, PlanRequest};
use dianjiao::library::Quiet;
use dianjiao::media::{ClipSpec, Reply, Request};
use dianjiao::stations::{NewMember, NewStation, StationKind};
use serde_json::json;

fn dianjiao(args: &[&str], data: &Path) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_dianjiao"))
        .env("DIANJIAO_LOG", "warn")
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "dianjiao {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    out
}

/// A data folder with one prepared film, the pastoral station MY-01 with a member, and a
/// plan for this quarter; returns the plan as `YEAR-Qn`.
fn prepared_folder(data: &Path, library: &Path) -> String {
    let settings = Settings {
        data: data.to_owned(),
        workers: 1,
        log: "warn".into(),
        ..Settings::default()
    };
    let app = App::open(settings, PathBuf::from(env!("CARGO_BIN_EXE_dianjiao"))).expect("opens");
    let spec = ClipSpec {
        width: 160,
        height: 90,
        fps: 25,
        duration_s: 4.0,
        video: true,
        audio: true,
        container: "mp4".into(),
        title: None,
        seed: 7,
    };
    let out = library.join("牧区党课.mp4");
    let reply = app.pool.call(&Request::Synth { spec, out });
    assert!(matches!(reply, Reply::Done), "{reply:?}");
    app.library.scan(library, &Quiet).expect("scan");
    app.preparation.drain(&|_, _| {}).expect("prepared");
    let film = app.catalog.films().expect("films")[0].id.to_string();
    let station = app
        .stations
        .create(NewStation {
            code: "MY-01".into(),
            name: "冬季牧场".into(),
            kind: StationKind::Pastoral,
            township: None,
            broadcaster: None,
        })
        .expect("station");
    let member = NewMember {
        name: "巴特尔".into(),
        member_no: "D-001".into(),
        branch: None,
    };
    app.stations
        .add_member(&station.id, member)
        .expect("member");
    let today = app.days.date_of(app.ledger.now());
    let plan = PlanRequest {
        year: today.year(),
        quarter: today.quarter(),
        items: vec![PlanItemRequest {
            month: today.month(),
            film_id: film,
        }],
    };
    app.entries.plan(&station.id, plan).expect("plan");
    app.flush();
    format!("{}-Q{}", today.year(), today.quarter())
}

#[test]
fn the_command_line_makes_a_kit_from_the_plan_and_imports_its_records_once() {
    let dir = tempfile::tempdir().expect("dir");
    let (data, library, out) = (
        dir.path().join("data"),
        dir.path().join("lib"),
        dir.path().join("usb"),
    );
    std::fs::create_dir_all(&library).expect("lib");
    std::fs::create_dir_all(&out).expect("usb");
    let plan = prepared_folder(&data, &library);

    let made = dianjiao(
        &[
            "kit",
            "make",
            "--station",
            "MY-01",
            "--plan",
            &plan,
            "--out",
            out.to_str().expect("utf-8"),
        ],
        &data,
    );
    let stdout = String::from_utf8_lossy(&made.stdout);
    let page = PathBuf::from(stdout.lines().last().expect("the page's path"));
    assert!(
        page.is_file() && page.ends_with(dianjiao::kit::PAGE_FILE),
        "{stdout}"
    );
    let kit_dir = page.parent().expect("kit folder");
    assert!(kit_dir.join("kit/data.js").is_file() && kit_dir.join("kit/page.js").is_file());
    let name = kit_dir
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let kit_id = name
        .rsplit('-')
        .next()
        .expect("the kit id ends the name")
        .to_owned();
    assert!(kit_id.starts_with("kit_"), "{name}");
    let data_js = std::fs::read_to_string(kit_dir.join("kit/data.js")).expect("data.js");
    assert!(
        data_js.contains(&kit_id) && data_js.contains("巴特尔"),
        "{data_js}"
    );

    // A one-second session just after the kit was made, chained as the page does, and
    // imported once it is over.
    let start = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .expect("ns");
    let stamp = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .expect("fmt")
    };
    let body = json!({"seq": 0, "kit": kit_id, "kind": "session",
        "started_at": stamp(start + time::Duration::seconds(1)),
        "ended_at": stamp(start + time::Duration::seconds(2)), "topic": "党章学习"})
    .to_string();
    let zero = "0".repeat(64);
    let file = json!({"format": "dianjiao-field-records/1", "kit_id": kit_id, "records": [
        {"seq": 0, "prev": zero, "body": body, "hash": dianjiao::kit::link_hash(&zero, &body)}]});
    let records = dir.path().join("记录.json");
    std::fs::write(&records, file.to_string()).expect("write");

    std::thread::sleep(std::time::Duration::from_secs(2));
    let first = dianjiao(&["kit", "import", records.to_str().expect("utf-8")], &data);
    assert!(
        String::from_utf8_lossy(&first.stdout).contains("1 added"),
        "{:?}",
        first
    );
    let again = dianjiao(&["kit", "import", records.to_str().expect("utf-8")], &data);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("0 added, 1 already"),
        "{:?}",
        again
    );
}
