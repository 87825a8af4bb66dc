//! CSV rosters: the text encoding guessed (a BOM, else UTF-8, else GBK/GB18030 as WPS and
//! Chinese Excel save it), then RFC 4180 records read by the `csv` crate (quotes, doubled
//! quotes, CRLF, line breaks inside quotes), comma- or tab-separated.

use encoding_rs::{Encoding, GB18030};

use super::bad;
use crate::stations::StationsError;

/// The file's records with their 1-based numbers.
pub(super) fn cells(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, StationsError> {
    let text = decode(bytes)?;
    if text.contains('\0') {
        return Err(bad(
            "文件不是 CSV 文本，也不是 XLSX 表格（the file is neither CSV text nor XLSX）",
        ));
    }
    let delimiter = delimiter(&text);
    // Reading a string in memory with ragged rows allowed cannot fail; should it, the
    // clerk hears the file's text could not be read.
    let rows = parse(&text, delimiter).map_err(|_| unreadable())?;
    Ok(rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| (i + 1, r))
        .collect())
}

/// Text from bytes: a BOM names the encoding; without one, UTF-8 if it is valid, else GBK.
fn decode(bytes: &[u8]) -> Result<String, StationsError> {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        if had_errors {
            return Err(unreadable());
        }
        return Ok(text.into_owned());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let (text, had_errors) = GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(unreadable());
    }
    Ok(text.into_owned())
}

fn unreadable() -> StationsError {
    bad("无法识别文件的文字编码，请存为 UTF-8 或 GBK 编码的 CSV（unknown text encoding）")
}

/// Tab when the first line has more tabs than commas (Excel's "Unicode text"), else comma.
fn delimiter(text: &str) -> char {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if first.matches('\t').count() > first.matches(',').count() {
        '\t'
    } else {
        ','
    }
}

/// RFC 4180 records; a line break inside quotes stays in the field. A blank line is a
/// record of one empty field, as Excel shows it: an empty row that still takes a row number.
fn parse(text: &str, delimiter: char) -> Result<Vec<Vec<String>>, csv::Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter as u8)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    while let Some(start) = next_record(&mut reader, &mut record)? {
        let blank = blank_lines_before(text.as_bytes(), start, rows.is_empty());
        rows.extend(std::iter::repeat_with(|| vec![String::new()]).take(blank));
        rows.push(record.iter().map(str::to_owned).collect());
    }
    Ok(rows)
}

/// Reads the next record; gives the byte offset where the reader started looking for it.
fn next_record(
    reader: &mut csv::Reader<&[u8]>,
    record: &mut csv::StringRecord,
) -> Result<Option<usize>, csv::Error> {
    let start = reader.position().byte();
    let found = reader.read_record(record)?;
    Ok(found.then(|| usize::try_from(start).unwrap_or(usize::MAX)))
}

/// The blank lines the `csv` crate skipped before the record it found looking from `start`:
/// the line breaks between the previous record's last character and this record's first,
/// less the previous record's own (`\r\n`, `\r` and `\n` each end one line).
fn blank_lines_before(text: &[u8], start: usize, first: bool) -> usize {
    let is_break = |b: &u8| matches!(b, b'\r' | b'\n');
    let begin = start.min(text.len());
    let content = begin + text[begin..].iter().take_while(|b| is_break(b)).count();
    let run_start = text[..begin]
        .iter()
        .rposition(|b| !is_break(b))
        .map_or(0, |i| i + 1);
    let run = &text[run_start..content];
    let breaks = run
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || run.get(i + 1) != Some(&b'\n'))
        .count();
    if first {
        breaks
    } else {
        breaks.saturating_sub(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_doubled_quotes_crlf_and_line_breaks_inside_quotes_are_read() {
        let rows = parse("a,\"b,\"\"c\"\"\"\r\n\"x\ny\",z\n", ',').expect("parses");
        assert_eq!(
            rows,
            vec![
                vec!["a".to_owned(), "b,\"c\"".to_owned()],
                vec!["x\ny".to_owned(), "z".to_owned()],
            ]
        );
    }

    #[test]
    fn utf8_with_bom_gbk_and_utf16_are_decoded() {
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice("姓名".as_bytes());
        assert_eq!(decode(&bom).unwrap(), "姓名");
        let (gbk, _, _) = GB18030.encode("党员编号,张三");
        assert_eq!(decode(&gbk).unwrap(), "党员编号,张三");
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "姓名\t编号".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        let text = decode(&utf16).unwrap();
        assert_eq!(text, "姓名\t编号");
        assert_eq!(delimiter(&text), '\t');
    }

    #[test]
    fn a_blank_line_takes_a_row_number_whatever_ends_the_lines() {
        let rows = parse("h\n\nx\r\r\ny\r\n\r\n\"z\n\"", ',').expect("parses");
        let cells = |s: &str| vec![s.to_owned()];
        assert_eq!(
            rows,
            vec![
                cells("h"),
                cells(""),
                cells("x"),
                cells(""),
                cells("y"),
                cells(""),
                cells("z\n")
            ]
        );
        assert_eq!(
            parse("\r\n\na", ',').expect("parses"),
            vec![cells(""), cells(""), cells("a")]
        );
    }
}
