//! CSV rosters: the text encoding guessed (a BOM, else UTF-8, else GBK/GB18030 as WPS and
//! Chinese Excel save it), then RFC 4180 records (quotes, doubled quotes, CRLF, line breaks
//! inside quotes), comma- or tab-separated.

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
    Ok(parse(&text, delimiter)
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

/// RFC 4180 records; a line break inside quotes stays in the field.
fn parse(text: &str, delimiter: char) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            c if c == delimiter => row.push(std::mem::take(&mut field)),
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_doubled_quotes_crlf_and_line_breaks_inside_quotes_are_read() {
        let rows = parse("a,\"b,\"\"c\"\"\"\r\n\"x\ny\",z\n", ',');
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
}
