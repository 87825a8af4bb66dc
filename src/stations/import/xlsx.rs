//! XLSX rosters, read with calamine: the first worksheet, cell by cell (never as one dense
//! range: two far-apart cells would make calamine allocate the whole rectangle between
//! them), after checking that the archive does not unpack to more than a roster can be.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, Xlsx};

use super::bad;
use crate::stations::StationsError;

/// The most the archive may unpack to (a 20,000-row roster is a few MiB of XML).
const MAX_UNPACKED: u64 = 64 * 1024 * 1024;
/// Columns read; a roster has a handful.
const MAX_COLUMNS: u32 = 64;
/// Non-empty cells read.
const MAX_CELLS: usize = 200_000;

fn not_xlsx() -> StationsError {
    bad("文件不是有效的 XLSX 表格（not a valid XLSX file）")
}

/// The first worksheet's rows with their 1-based numbers, cells as text.
pub(super) fn cells(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, StationsError> {
    check_unpacked_size(bytes)?;
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|_| not_xlsx())?;
    let first = book.sheet_names().first().cloned().ok_or_else(not_xlsx)?;
    let mut reader = book
        .worksheet_cells_reader(&first)
        .map_err(|_| not_xlsx())?;
    let mut rows: BTreeMap<u32, BTreeMap<u32, String>> = BTreeMap::new();
    let mut count = 0;
    while let Some(cell) = reader.next_cell().map_err(|_| not_xlsx())? {
        let (row, col) = cell.get_position();
        let text = text_of(cell.get_value());
        if col >= MAX_COLUMNS || text.is_empty() {
            continue;
        }
        count += 1;
        if count > MAX_CELLS {
            return Err(bad("表格太大（the sheet has too many cells）"));
        }
        rows.entry(row).or_default().insert(col, text);
    }
    Ok(rows
        .into_iter()
        .map(|(row, cols)| {
            let width = cols.keys().next_back().map_or(0, |c| *c as usize + 1);
            let mut cells = vec![String::new(); width];
            for (c, text) in cols {
                cells[c as usize] = text;
            }
            (row as usize + 1, cells)
        })
        .collect())
}

/// A cell as a clerk sees it: numbers without a trailing `.0` (member numbers are often
/// typed as numbers), errors as empty.
fn text_of(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => f.to_string(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => d.to_string(),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

/// Unpacks every member of the archive into nothing, counting, so a small file that would
/// unpack to gigabytes (a zip bomb) is refused before calamine holds it in memory.
fn check_unpacked_size(bytes: &[u8]) -> Result<(), StationsError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| not_xlsx())?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|_| not_xlsx())?;
        let left = MAX_UNPACKED - total;
        let n = std::io::copy(&mut entry.take(left + 1), &mut std::io::sink())
            .map_err(|_| not_xlsx())?;
        total += n;
        if total > MAX_UNPACKED {
            return Err(bad("表格解压后太大（the XLSX unpacks to too much）"));
        }
    }
    Ok(())
}
