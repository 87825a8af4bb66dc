//! Registers downloaded in every format: late entries shown 补记 with both dates in JSON,
//! XLSX and HTML; a corrected entry shown 已更正 with the reason and left out of the
//! totals; the XLSX read back with a real reader (calamine); the printable page printed by
//! Debian's Chromium to a PDF with exactly one page per register; hostile names escaped in
//! HTML and kept verbatim as text in XLSX; report queries that make no sense refused.

use std::io::Cursor;
use std::process::Command;

use calamine::{Data, Reader, Xlsx};
use dianjiao::ledger::{Draft, EntryKind};
use serde_json::{json, Value};

use crate::reports::{setup, setup_named, Setup};

const XSS: &str = "<img src=x onerror=alert(1)>";

/// GETs the registers `all` of `station` for the last week in `format`; returns headers
/// and body.
async fn registers(
    s: &Setup,
    station: &str,
    format: &str,
) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let url = format!(
        "/api/v1/reports/registers/all?station={station}&from={}&to={}&format={format}",
        s.days_ago(7),
        s.days_ago(0)
    );
    let res = s.clerk.get(s.app.url(&url)).send().await.expect("get");
    assert_eq!(res.status(), 200, "{url}");
    let headers = res.headers().clone();
    (headers, res.bytes().await.expect("body").to_vec())
}

/// Every sheet of a workbook as rows of display strings.
fn sheets(bytes: Vec<u8>) -> Vec<(String, Vec<Vec<String>>)> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("an XLSX workbook");
    book.worksheets()
        .into_iter()
        .map(|(name, range)| {
            let rows = range
                .rows()
                .map(|r| {
                    r.iter()
                        .map(|c| match c {
                            Data::String(s) => s.clone(),
                            Data::Float(f) => f.to_string(),
                            Data::Int(i) => i.to_string(),
                            Data::Empty => String::new(),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect();
            (name, rows)
        })
        .collect()
}

#[tokio::test]
async fn late_and_corrected_entries_show_in_json_xlsx_and_html() {
    let s = setup().await;
    let (held, today) = (s.days_ago(3), s.today().to_string());
    let fb = format!("/api/v1/stations/{}/feedback", s.village);
    s.created(&fb, json!({"text": "补记的反馈", "showing_date": held}))
        .await;
    let wrong = s.created(&fb, json!({"text": "记错的反馈"})).await;
    s.created(
        "/api/v1/ledger/corrections",
        json!({"corrects": wrong["seq"], "reason": "重复登记"}),
    )
    .await;
    let herd = format!("/api/v1/stations/{}/pastoral-sessions", s.pastoral);
    s.created(
        &herd,
        json!({"date": held, "hours": 4, "place": "冬季牧场"}),
    )
    .await;
    let mark = format!("补记（活动日期 {held}，登记日期 {today}）");

    let (_, body) = registers(&s, &s.village, "json").await;
    let json: Value = serde_json::from_slice(&body).expect("json");
    let feedback = &json["registers"][2];
    assert_eq!(feedback["title"], "信息反馈薄");
    let rows = feedback["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0]["late"].as_bool(), rows[0]["marks"][0].as_str()),
        (Some(true), Some(mark.as_str()))
    );
    assert_eq!(
        (
            rows[0]["showing_date"].as_str(),
            rows[0]["entered_date"].as_str()
        ),
        (Some(held.as_str()), Some(today.as_str()))
    );
    assert_eq!(rows[1]["corrected"]["reason"], "重复登记");
    assert_eq!(rows[1]["counted"], false);
    assert_eq!(
        feedback["totals"]["entries"], 1,
        "the corrected one is not counted"
    );
    let (_, body) = registers(&s, &s.pastoral, "json").await;
    let json: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(json["registers"][0]["rows"][0]["marks"][0], mark, "{json}");

    let (headers, body) = registers(&s, &s.village, "xlsx").await;
    assert_eq!(
        headers["content-type"],
        dianjiao::reports::xlsx::CONTENT_TYPE
    );
    let cd = headers["content-disposition"].to_str().expect("ascii");
    assert!(
        cd.starts_with("attachment;") && cd.contains("filename*=UTF-8''%E4%B8%89%E8%96%84"),
        "{cd}"
    );
    let book = sheets(body);
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["收看情况登记薄", "讨论登记薄", "信息反馈薄", "党员签到册"]
    );
    let (_, fb_rows) = &book[2];
    assert_eq!(fb_rows[2], ["序号", "日期", "类别", "标题", "内容", "备注"]);
    assert_eq!(fb_rows[3][1], held);
    assert_eq!(fb_rows[3][4], "补记的反馈");
    assert_eq!(fb_rows[3][5], mark);
    assert!(
        fb_rows[4][5].contains("已更正") && fb_rows[4][5].contains("重复登记"),
        "{:?}",
        fb_rows[4]
    );
    assert!(fb_rows[5][0].contains("合计：1 条"), "{:?}", fb_rows[5]);
    assert_eq!(book[0].1[2][..4], ["序号", "日期", "影片", "片长（分钟）"]);
    let (_, body) = registers(&s, &s.pastoral, "xlsx").await;
    assert_eq!(sheets(body)[0].1[3].last(), Some(&mark));

    let (headers, body) = registers(&s, &s.village, "html").await;
    assert!(headers["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("text/html"));
    let page = String::from_utf8(body).expect("utf-8");
    assert!(page.contains(&mark) && page.contains("已更正（") && page.contains("重复登记"));
    let (_, body) = registers(&s, &s.pastoral, "html").await;
    assert!(String::from_utf8(body).expect("utf-8").contains(&mark));
}

/// `/Type /Page` objects of a PDF (not `/Pages`).
fn pdf_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    let squeezed = b"/Type/Page";
    (0..pdf.len())
        .filter(|&i| {
            [&needle[..], &squeezed[..]].iter().any(|n| {
                pdf[i..].starts_with(n)
                    && pdf
                        .get(i + n.len())
                        .is_none_or(|b| !b.is_ascii_alphanumeric())
            })
        })
        .count()
}

#[tokio::test]
async fn the_printable_registers_print_one_page_per_register_in_chromium() {
    let s = setup().await;
    let fb = format!("/api/v1/stations/{}/feedback", s.village);
    s.created(&fb, json!({"text": "一条反馈"})).await;
    let (_, body) = registers(&s, &s.village, "html").await;
    let dir = tempfile::tempdir().expect("dir");
    let (html, pdf) = (
        dir.path().join("registers.html"),
        dir.path().join("registers.pdf"),
    );
    std::fs::write(&html, &body).expect("write");
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
        ])
        .args([
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium runs (deploy/bootstrap.sh installs it)");
    let bytes = std::fs::read(&pdf)
        .unwrap_or_else(|e| panic!("no PDF ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(pdf_pages(&bytes), 4, "one A4 page per register sheet");
}

#[tokio::test]
async fn hostile_names_are_escaped_in_html_and_plain_text_in_xlsx() {
    let s = setup_named(XSS, "牧业点").await;
    let ledger = s.app.app.ledger.clone();
    let (v, today) = (s.village.clone(), s.today().to_string());
    tokio::task::spawn_blocking(move || {
        let payload = json!({
            "play_id": "p1", "film_id": "f1", "film_title": XSS, "member_id": "m1",
            "member_name": XSS, "member_no": "001", "showing_date": today, "entered_date": today,
            "late": false,
        });
        ledger
            .append(Draft::new(EntryKind::Signin, Some(&v), payload))
            .expect("append");
    })
    .await
    .expect("join");
    let (headers, body) = registers(&s, &s.village, "html").await;
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let page = String::from_utf8(body).expect("utf-8");
    assert!(!page.contains("<img"), "a name became markup");
    let escaped = "&lt;img src=x onerror=alert(1)&gt;";
    assert!(
        page.matches(escaped).count() >= 4 + 2,
        "station name on each sheet, film and member"
    );
    let (_, body) = registers(&s, &s.village, "xlsx").await;
    let book = sheets(body);
    let signins = &book[3].1;
    assert!(signins[1][0].contains(XSS), "{:?}", signins[1]);
    assert_eq!(signins[3][2], XSS);
    assert_eq!(signins[3][3], XSS);
}

#[tokio::test]
async fn report_queries_that_make_no_sense_are_refused_with_a_sentence() {
    let s = setup().await;
    let v = &s.village;
    let cases = [
        (
            format!("registers/all?station={v}&from=2025-01-01&to=2025-01-31&format=pdf"),
            422,
        ),
        (
            format!("registers/minutes?station={v}&from=2025-01-01&to=2025-01-31"),
            404,
        ),
        (
            "registers/all?station=st_nope&year=2025&month=1".into(),
            404,
        ),
        (
            format!("registers/all?station={v}&from=2025-02-01&to=2025-01-01"),
            422,
        ),
        (format!("registers/all?station={v}&year=2025&month=13"), 422),
        (format!("registers/all?station={v}"), 422),
        (format!("quarterly?station={v}&year=2025&quarter=5"), 422),
        (format!("quarterly?station={v}&year=99999&quarter=1"), 422),
        ("yearly?year=-5".into(), 422),
        ("monthly?year=2025&format=xlsx".into(), 200),
        (
            format!("quarterly?station={v}&year=2025&quarter=1&format=html"),
            200,
        ),
        ("yearly?year=2025&format=xlsx".into(), 200),
    ];
    for (query, status) in cases {
        let res = s
            .clerk
            .get(s.app.url(&format!("/api/v1/reports/{query}")))
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), status, "{query}");
        if status != 200 {
            let body: Value = res.json().await.expect("json");
            assert!(
                body["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{query}: {body}"
            );
        }
    }
}
