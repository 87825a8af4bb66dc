//! Property tests of roster import: any bytes under any media type are read or refused,
//! never a panic; and a roster written as CSV (UTF-8, UTF-8 with BOM, GBK, UTF-16, comma or
//! tab, quoted or not) or as XLSX reads back as the rows written, with Excel's row numbers.

use encoding_rs::GB18030;
use proptest::prelude::*;

use super::*;

/// One roster row as a clerk types it: name, member number, branch.
type Written = (String, String, String);

/// Cell text: names and numbers, with the characters CSV must quote.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        "[张王李赵刘陈杨党员支部第一二三村 a-zA-Z0-9]{0,8}",
        "[张三 0-9,\"\t\r\n]{0,8}",
    ]
}

fn roster() -> impl Strategy<Value = Vec<Written>> {
    proptest::collection::vec((cell(), cell(), cell()), 0..12)
}

/// The rows `read` should give: trimmed cells, blank rows skipped, row 1 the header.
fn model(written: &[Written]) -> Vec<RosterRow> {
    written
        .iter()
        .enumerate()
        .filter(|(_, (a, b, c))| {
            !(a.trim().is_empty() && b.trim().is_empty() && c.trim().is_empty())
        })
        .map(|(i, (name, no, branch))| RosterRow {
            row: i + 2,
            name: name.trim().to_owned(),
            member_no: no.trim().to_owned(),
            branch: branch.trim().to_owned(),
        })
        .collect()
}

fn csv_field(text: &str, delimiter: char, always_quote: bool) -> String {
    let needs = text.contains([delimiter, '"', '\r', '\n']) || text.is_empty();
    if always_quote || needs {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn csv_text(written: &[Written], delimiter: char, always_quote: bool) -> String {
    let d = delimiter.to_string();
    let mut text = ["支部", "党员编号", "姓名"].join(&d) + "\r\n";
    for (name, no, branch) in written {
        let fields = [branch, no, name].map(|f| csv_field(f, delimiter, always_quote));
        text += &(fields.join(&d) + "\n");
    }
    text
}

fn xlsx_bytes(written: &[Written]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, head) in ["姓名", "党员编号", "支部"].into_iter().enumerate() {
        sheet.write_string(0, col as u16, head).expect("write");
    }
    for (i, (name, no, branch)) in written.iter().enumerate() {
        for (col, text) in [name, no, branch].into_iter().enumerate() {
            if !text.is_empty() {
                sheet
                    .write_string(i as u32 + 1, col as u16, text)
                    .expect("write");
            }
        }
    }
    book.save_to_buffer().expect("xlsx")
}

proptest! {
    #[test]
    fn prop_any_bytes_under_any_type_are_read_or_refused(
        bytes in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..512),
            proptest::collection::vec(any::<u8>(), 0..512).prop_map(|b| [b"PK\x03\x04".to_vec(), b].concat()),
            "[姓名党员编号支部,\"\t\r\n a0-9\u{feff}]{0,64}".prop_map(String::into_bytes),
        ],
        content_type in proptest::option::of(prop_oneof![
            Just("text/csv".to_owned()),
            Just("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned()),
            any::<String>(),
        ]),
    ) {
        let _ = read(&bytes, content_type.as_deref());
    }

    #[test]
    fn prop_a_csv_roster_reads_back_in_every_encoding(
        written in roster(),
        tab in any::<bool>(),
        always_quote in any::<bool>(),
        encoding in 0..4u8,
    ) {
        let text = csv_text(&written, if tab { '\t' } else { ',' }, always_quote);
        let bytes = match encoding {
            0 => text.clone().into_bytes(),
            1 => [b"\xEF\xBB\xBF".to_vec(), text.clone().into_bytes()].concat(),
            2 => GB18030.encode(&text).0.into_owned(),
            _ => [0xFF, 0xFE]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
                .collect(),
        };
        let file = read(&bytes, Some("text/csv")).expect("a written roster reads");
        prop_assert_eq!(file.format, RosterFormat::Csv);
        prop_assert_eq!(file.rows, model(&written), "{:?}", text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        // Fewer than the default 256 in `make test` (each case builds an XLSX); `make fuzz`
        // (PROPTEST_CASES) raises it to a twentieth of its count.
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse::<u32>().ok())
            .map_or(64, |n| (n / 20).max(64)),
        ..ProptestConfig::default()
    })]

    #[test]
    fn prop_an_xlsx_roster_reads_back_as_written(written in roster()) {
        let file = read(&xlsx_bytes(&written), None).expect("a written roster reads");
        prop_assert_eq!(file.format, RosterFormat::Xlsx);
        prop_assert_eq!(file.rows, model(&written));
    }
}
