//! Reading an uploaded roster file (CSV in UTF-8, UTF-16 or GBK, or XLSX) into rows of
//! name, member number and branch, with the row numbers a clerk sees in Excel or WPS.

mod csv;
mod xlsx;

use serde::Serialize;

use super::StationsError;

/// Data rows past the header a roster file may have (a village has tens to hundreds).
const MAX_ROWS: usize = 20_000;
/// Rows searched for the header (a title row may sit above it).
const HEADER_SEARCH: usize = 10;

/// What kind of file a roster came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RosterFormat {
    Csv,
    Xlsx,
}

/// One data row of a roster file, as written (not yet checked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct RosterRow {
    /// 1-based, counting the header and any rows above it: the row number in Excel.
    pub row: usize,
    pub name: String,
    pub member_no: String,
    pub branch: String,
}

/// A roster file read into rows.
#[derive(Debug)]
pub(super) struct RosterFile {
    pub format: RosterFormat,
    pub rows: Vec<RosterRow>,
}

fn bad(message: impl Into<String>) -> StationsError {
    StationsError::BadRoster(message.into())
}

/// Reads a roster file. `content_type` is the upload's media type, if it had one; the bytes
/// decide where they can (an XLSX is a zip archive whatever the browser called it).
pub(super) fn read(bytes: &[u8], content_type: Option<&str>) -> Result<RosterFile, StationsError> {
    let essence = content_type
        .map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let (format, table) = if bytes.starts_with(b"PK\x03\x04") {
        (RosterFormat::Xlsx, xlsx::cells(bytes)?)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(bad(
            "这是旧版 Excel（.xls）文件，请在 Excel 或 WPS 中另存为 .xlsx 或 .csv 后再导入（old .xls files are not read）",
        ));
    } else if essence.ends_with("spreadsheetml.sheet") {
        return Err(bad("文件不是有效的 XLSX 表格（not a valid XLSX file）"));
    } else if is_csv_type(&essence) {
        (RosterFormat::Csv, csv::cells(bytes)?)
    } else {
        return Err(bad(format!(
            "只能导入 CSV 或 XLSX 文件（got {essence}; send text/csv or an XLSX file）"
        )));
    };
    Ok(RosterFile {
        format,
        rows: rows(table)?,
    })
}

/// Media types a CSV arrives under: browsers on Windows call a .csv `application/vnd.ms-excel`,
/// some send no type or a generic one.
fn is_csv_type(essence: &str) -> bool {
    matches!(
        essence,
        "" | "text/csv"
            | "text/plain"
            | "application/csv"
            | "text/comma-separated-values"
            | "application/vnd.ms-excel"
            | "application/octet-stream"
    )
}

/// Which column holds what.
#[derive(Clone, Copy, Debug)]
struct Columns {
    name: usize,
    member_no: usize,
    branch: Option<usize>,
}

/// What a header cell names, if anything we read.
fn header_of(cell: &str) -> Option<&'static str> {
    let key: String = cell
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    match key.as_str() {
        "姓名" | "党员姓名" | "name" => Some("name"),
        "党员编号" | "编号" | "member_no" | "memberno" | "member_number" => Some("member_no"),
        "支部" | "所在支部" | "党支部" | "branch" => Some("branch"),
        _ => None,
    }
}

fn columns_of(cells: &[String]) -> Option<Columns> {
    let find = |what| cells.iter().position(|c| header_of(c) == Some(what));
    Some(Columns {
        name: find("name")?,
        member_no: find("member_no")?,
        branch: find("branch"),
    })
}

/// Finds the header among the first rows and reads the data rows below it; blank rows are
/// skipped.
fn rows(table: Vec<(usize, Vec<String>)>) -> Result<Vec<RosterRow>, StationsError> {
    let mut table = table.into_iter();
    let mut columns = None;
    for (_, cells) in table.by_ref().take(HEADER_SEARCH) {
        if let Some(found) = columns_of(&cells) {
            columns = Some(found);
            break;
        }
    }
    let Some(cols) = columns else {
        return Err(bad(
            "找不到表头：第一行应有“姓名”和“党员编号”两列（支部 可选）（header row with 姓名/name and 党员编号/member_no not found）",
        ));
    };
    let cell = |cells: &[String], i: usize| cells.get(i).map(|c| c.trim().to_owned());
    let mut out = Vec::new();
    for (row, cells) in table {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if out.len() == MAX_ROWS {
            return Err(bad(format!(
                "名册行数太多（最多 {MAX_ROWS} 行）（too many rows）"
            )));
        }
        out.push(RosterRow {
            row,
            name: cell(&cells, cols.name).unwrap_or_default(),
            member_no: cell(&cells, cols.member_no).unwrap_or_default(),
            branch: cols
                .branch
                .and_then(|b| cell(&cells, b))
                .unwrap_or_default(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_in_any_order_under_a_title_row_is_found_and_blank_rows_skipped() {
        let csv = "东村党员名册,,\n支部, 党员编号 ,姓名\n一支部,001,张三\n,,\n,002,李四\n";
        let file = read(csv.as_bytes(), Some("text/csv")).unwrap();
        assert_eq!(file.format, RosterFormat::Csv);
        assert_eq!(
            file.rows,
            vec![
                RosterRow {
                    row: 3,
                    name: "张三".into(),
                    member_no: "001".into(),
                    branch: "一支部".into()
                },
                RosterRow {
                    row: 5,
                    name: "李四".into(),
                    member_no: "002".into(),
                    branch: String::new()
                },
            ]
        );
    }

    #[test]
    fn a_file_without_the_required_columns_or_of_another_type_is_refused() {
        let no_header = read("名字,号码\n张三,1\n".as_bytes(), Some("text/csv"));
        assert!(matches!(no_header, Err(StationsError::BadRoster(_))));
        let json = read(b"{\"name\":1}", Some("application/json"));
        assert!(matches!(json, Err(StationsError::BadRoster(_))));
        let png = read(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", Some("text/csv"));
        assert!(matches!(png, Err(StationsError::BadRoster(_))));
    }
}

#[cfg(test)]
mod proptests;
