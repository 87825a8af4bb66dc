//! Reports as printable A4 HTML: one page per table (`page-break-after: always`), each with
//! its title and the station/period line, print CSS for A4. Every piece of text — station,
//! film and member names included — is HTML-escaped.

use std::fmt::Write;

use super::table::{Cell, Tabular};

const STYLE: &str = "@page { size: A4; margin: 12mm; }
body { font-family: 'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', sans-serif; font-size: 10.5pt; margin: 0; }
section.sheet { page-break-after: always; break-after: page; }
section.sheet:last-of-type { page-break-after: auto; break-after: auto; }
h1 { font-size: 16pt; text-align: center; margin: 0 0 4mm; }
p.head { margin: 0 0 3mm; }
table { border-collapse: collapse; width: 100%; table-layout: auto; }
th, td { border: 1px solid #000; padding: 1mm 1.5mm; vertical-align: top; word-break: break-all; }
th { background: #eee; }
td.num { text-align: right; }
p.foot { margin: 3mm 0 0; font-weight: bold; }
@media screen { section.sheet { max-width: 190mm; margin: 10mm auto; } }";

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The printable page of `report`.
pub fn page(report: &dyn Tabular) -> String {
    let mut html = String::with_capacity(16 * 1024);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        escape(&report.file_stem())
    );
    for t in report.tables() {
        let _ = write!(
            html,
            "<section class=\"sheet\"><h1>{}</h1><p class=\"head\">{}</p><table><thead><tr>",
            escape(&t.title),
            escape(&t.header)
        );
        for c in &t.columns {
            let _ = write!(html, "<th>{}</th>", escape(c));
        }
        html.push_str("</tr></thead><tbody>\n");
        for row in &t.rows {
            html.push_str("<tr>");
            for cell in row {
                let class = if matches!(cell, Cell::Number(_)) {
                    " class=\"num\""
                } else {
                    ""
                };
                match cell {
                    Cell::Link { text, href } => {
                        let _ = write!(
                            html,
                            "<td><a href=\"{}\">{}</a></td>",
                            escape(href),
                            escape(text)
                        );
                    }
                    _ => {
                        let _ = write!(html, "<td{class}>{}</td>", escape(&cell.display()));
                    }
                }
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</tbody></table>");
        for line in &t.footer {
            let _ = write!(html, "<p class=\"foot\">{}</p>", escape(line));
        }
        html.push_str("</section>\n");
    }
    html.push_str("</body></html>\n");
    html
}
