//! The printable shape every report takes for XLSX and HTML: one table per sheet (and per
//! printed page), with a title, a header line (station, period), Chinese column headers,
//! rows and a totals line.

/// One cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// Text that links to `href` (a path on this server) on the printable page; plain text
    /// in a workbook.
    Link {
        text: String,
        href: String,
    },
    Empty,
}

impl Cell {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// A number cell (whole numbers print without decimals).
    pub fn num(n: impl Into<f64>) -> Cell {
        Cell::Number(n.into())
    }

    /// The cell as printed.
    pub fn display(&self) -> String {
        match self {
            Cell::Text(s) | Cell::Link { text: s, .. } => s.clone(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{n:.0}"),
            Cell::Number(n) => format!("{n:.1}"),
            Cell::Empty => String::new(),
        }
    }
}

/// One sheet / printed page.
#[derive(Clone, Debug)]
pub struct Table {
    /// The sheet name (≤ 31 characters, no `[]:*?/\`).
    pub sheet: String,
    /// The heading, e.g. 收看情况登记薄.
    pub title: String,
    /// The line under it: station, period, when printed.
    pub header: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Lines under the rows (totals, notes).
    pub footer: Vec<String>,
}

impl Table {
    /// A table with these column headers and no rows yet.
    pub fn new(sheet: &str, title: &str, header: String, columns: &[&str]) -> Table {
        Table {
            sheet: sheet.to_owned(),
            title: title.to_owned(),
            header,
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: Vec::new(),
            footer: Vec::new(),
        }
    }
}

/// Something that prints as tables.
pub trait Tabular {
    /// The tables, in order (one sheet, one page each).
    fn tables(&self) -> Vec<Table>;
    /// The download's file name, without extension.
    fn file_stem(&self) -> String;
}
