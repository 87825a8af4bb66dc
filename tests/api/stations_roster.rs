//! Roster import: a CSV (UTF-8 with BOM, or GBK as Chinese Excel/WPS save it) or an XLSX
//! with a header row in Chinese or English; good rows are added, bad rows reported by their
//! row number, one ledger entry per import; files that are not rosters are refused whole.

use dianjiao::accounts::Role;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

use crate::stations::{changes_of, station};
use crate::support::send;
use crate::support::{spawn_app, TestApp};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Posts a roster file with a content type.
async fn import(app: &TestApp, clerk: &Client, id: &str, ct: &str, body: Vec<u8>) -> (u16, Value) {
    let url = app.url(&format!("/api/v1/stations/{id}/roster"));
    send(clerk.post(url).header("content-type", ct).body(body)).await
}

/// `(row, reason)` pairs of a report.
fn rejected(report: &Value) -> Vec<(u64, String)> {
    report["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().unwrap(),
                r["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn roster(app: &TestApp, clerk: &Client, id: &str) -> Vec<(String, String, Value)> {
    let (_, list) = send(clerk.get(app.url(&format!("/api/v1/stations/{id}/members")))).await;
    let items = list["items"].as_array().expect("items");
    items
        .iter()
        .map(|m| {
            (
                m["member_no"].as_str().unwrap().into(),
                m["name"].as_str().unwrap().into(),
                m["branch"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_utf8_csv_with_bom_is_imported_and_its_bad_rows_reported() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let clerk = app.signed_in("clerk", Role::Clerk).await;
    let made = station(&app, &admin, "LJC-01", "李家村").await;
    let id = made["id"].as_str().unwrap();
    let one = json!({"name": "老党员", "member_no": "100"});
    let members = app.url(&format!("/api/v1/stations/{id}/members"));
    assert_eq!(send(clerk.post(members).json(&one)).await.0, 201);

    let csv = "\u{feff}member_no,支部,姓名\r\n\
               001,第一支部,张三\r\n\
               002,,\r\n\
               ,第一支部,无编号\r\n\
               001,第二支部,张三三\r\n\
               100,,老党员\r\n\
               003,第二支部,\"李\u{7}四\"\r\n\
               004,,一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三\r\n\
               ,,\r\n\
               005,第二支部,\"王,五\"\r\n";
    let mut body = Vec::new();
    body.extend_from_slice(csv.as_bytes());
    let (status, report) = import(&app, &clerk, id, "text/csv; charset=utf-8", body).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["added"], 2, "{report}");
    assert_eq!(report["format"], "csv");
    let rows = rejected(&report);
    let numbers: Vec<u64> = rows.iter().map(|r| r.0).collect();
    assert_eq!(numbers, [3, 4, 5, 6, 7, 8], "{report}");
    let reason = |n: u64| rows.iter().find(|r| r.0 == n).unwrap().1.clone();
    assert!(reason(3).contains("缺少姓名"), "{}", reason(3));
    assert!(reason(4).contains("缺少党员编号"), "{}", reason(4));
    assert!(reason(5).contains("第 2 行重复"), "{}", reason(5));
    assert!(reason(6).contains("已在该站点名册中"), "{}", reason(6));
    assert!(reason(7).contains("控制字符"), "{}", reason(7));
    assert!(reason(8).contains("太长"), "{}", reason(8));

    let list = roster(&app, &clerk, id).await;
    assert_eq!(
        list,
        [
            ("001".into(), "张三".into(), json!("第一支部")),
            ("005".into(), "王,五".into(), json!("第二支部")),
            ("100".into(), "老党员".into(), Value::Null),
        ]
    );
    assert_eq!(
        changes_of(&app, id),
        ["created", "member_added", "roster_imported"]
    );
    let entries = app.app.ledger.iter(0).expect("iter");
    let last = entries.last().unwrap().unwrap();
    assert_eq!(last.payload["detail"]["added"], 2, "{:?}", last.payload);
    assert_eq!(last.payload["detail"]["rejected"], 6);
}

#[tokio::test]
async fn a_gbk_csv_and_an_xlsx_roster_are_imported() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let clerk = app.signed_in("clerk", Role::Clerk).await;
    let made = station(&app, &admin, "LJC-01", "李家村").await;
    let id = made["id"].as_str().unwrap();

    let (gbk, _, unmappable) =
        encoding_rs::GBK.encode("姓名,党员编号,支部\n赵六,201,第一支部\n钱七,202,\n");
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err(), "really not UTF-8");
    let (status, report) = import(&app, &clerk, id, "text/csv", gbk.into_owned()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["added"], 2, "{report}");

    let (status, report) = import(&app, &clerk, id, XLSX, xlsx_roster()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["format"], "xlsx");
    assert_eq!(report["added"], 2, "{report}");
    assert_eq!(
        rejected(&report),
        [
            (4, "缺少党员编号".to_owned()),
            (5, "党员编号 201 已在该站点名册中".to_owned())
        ]
    );
    let list = roster(&app, &clerk, id).await;
    let numbers: Vec<&str> = list.iter().map(|m| m.0.as_str()).collect();
    assert_eq!(numbers, ["201", "202", "301", "302"]);
    assert_eq!(list[2].1, "孙八", "a number typed as a number reads as 301");
    assert_eq!(list[3].2, json!("第三支部"));
    let changes = changes_of(&app, id);
    assert_eq!(changes, ["created", "roster_imported", "roster_imported"]);
}

/// An XLSX as Excel would save it: a title row, then the header, then rows; one member
/// number typed as a number.
fn xlsx_roster() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let mut put = |row: u32, col: u16, text: &str| {
        sheet.write_string(row, col, text).expect("write");
    };
    put(0, 0, "李家村党员名册");
    put(1, 0, "姓名");
    put(1, 1, "党员编号");
    put(1, 2, "支部");
    put(2, 0, "孙八");
    put(3, 0, "无编号");
    put(4, 0, "重复");
    put(4, 1, "201");
    put(5, 0, "周九");
    put(5, 1, "302");
    put(5, 2, "第三支部");
    sheet.write_number(2, 1, 301.0).expect("write");
    book.save_to_buffer().expect("xlsx")
}

#[tokio::test]
async fn files_that_are_not_rosters_are_refused_whole_and_big_ones_get_413() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let clerk = app.signed_in("clerk", Role::Clerk).await;
    let made = station(&app, &admin, "LJC-01", "李家村").await;
    let id = made["id"].as_str().unwrap();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10".to_vec();
    let cases = [
        ("image/png", png.clone()),
        ("text/csv", png),
        ("application/json", b"{\"name\": \"x\"}".to_vec()),
        ("text/csv", "名字,号码\n张三,1\n".as_bytes().to_vec()),
        (XLSX, b"PK\x03\x04 but not a zip at all".to_vec()),
        (XLSX, b"just text".to_vec()),
        ("text/csv", Vec::new()),
    ];
    for (ct, body) in cases {
        let (status, err) = import(&app, &clerk, id, ct, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{ct}: {err}");
        assert_eq!(err["error"], "bad_roster", "{err}");
    }
    let mut big = b"name,member_no\n".to_vec();
    big.resize(6 * 1024 * 1024, b'x');
    let (status, err) = import(&app, &clerk, id, "text/csv", big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{err}");
    assert_eq!(err["error"], "too_large");
    assert!(roster(&app, &clerk, id).await.is_empty());
    assert_eq!(changes_of(&app, id), ["created"], "nothing appended");
}

/// A zip whose one member unpacks to 66 MiB of zeros: a few hundred KiB on the wire.
fn zip_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    zip.start_file("xl/worksheets/sheet1.xml", options)
        .expect("start");
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..66 {
        zip.write_all(&zeros).expect("write");
    }
    zip.finish().expect("finish").into_inner()
}

#[tokio::test]
async fn a_zip_bomb_is_refused_and_far_apart_cells_are_read_without_a_giant_sheet() {
    // Made first: it takes seconds, and an idle keep-alive connection would not wait.
    let bomb = tokio::task::spawn_blocking(zip_bomb).await.expect("join");
    let app = spawn_app().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let clerk = app.signed_in("clerk", Role::Clerk).await;
    let made = station(&app, &admin, "LJC-01", "李家村").await;
    let id = made["id"].as_str().unwrap();
    assert!(bomb.len() < 5 * 1024 * 1024, "{} bytes", bomb.len());
    let (status, err) = import(&app, &clerk, id, XLSX, bomb).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert!(err["message"].as_str().unwrap().contains("太大"), "{err}");

    // Excel's last cell and the first: read as a dense range, 17 billion cells.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "姓名").expect("write");
    sheet.write_string(0, 1, "党员编号").expect("write");
    sheet.write_string(1, 0, "吴十").expect("write");
    sheet.write_string(1, 1, "401").expect("write");
    sheet.write_string(1_048_575, 0, "末行").expect("write");
    sheet.write_string(1_048_575, 16_383, "far").expect("write");
    let far = book.save_to_buffer().expect("xlsx");
    let (status, report) = import(&app, &clerk, id, XLSX, far).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["added"], 1);
    assert_eq!(rejected(&report), [(1_048_576, "缺少党员编号".to_owned())]);
}

#[tokio::test]
async fn two_imports_of_one_file_at_once_add_each_member_once() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let clerk = app.signed_in("clerk", Role::Clerk).await;
    let made = station(&app, &admin, "LJC-01", "李家村").await;
    let id = made["id"].as_str().unwrap();
    let mut csv = String::from("姓名,党员编号\n");
    for i in 0..200 {
        csv.push_str(&format!("党员{i},{i:04}\n"));
    }
    let body = csv.into_bytes();
    let (a, b) = tokio::join!(
        import(&app, &clerk, id, "text/csv", body.clone()),
        import(&app, &clerk, id, "text/csv", body),
    );
    assert_eq!((a.0, b.0), (200, 200));
    let added = a.1["added"].as_u64().unwrap() + b.1["added"].as_u64().unwrap();
    let refused =
        a.1["rejected"].as_array().unwrap().len() + b.1["rejected"].as_array().unwrap().len();
    assert_eq!((added, refused), (200, 200), "{} / {}", a.1, b.1);
    assert_eq!(roster(&app, &clerk, id).await.len(), 200);
}
