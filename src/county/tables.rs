//! The county view as tables, for the XLSX workbook and the printable page of the annual
//! assessment: a summary line per township (state, showings, tasks), the points below the
//! floor, then each township's 月查 exactly as the township prints it.

use super::view::{CountyYear, INFO_REPORTS_PER_QUARTER};
use super::TownshipState;
use crate::reports::{percent, Cell, Matrix, Table, Tabular};

impl Tabular for CountyYear {
    fn tables(&self) -> Vec<Table> {
        let mut tables = vec![self.summary(), self.follow_up_table()];
        for t in &self.townships {
            let matrix = Matrix {
                year: self.year,
                rows: t.rows.clone(),
            };
            for mut table in matrix.tables() {
                table.sheet = sheet_name(&t.name);
                table.title = format!("{}  {}", t.name, table.title);
                tables.push(table);
            }
        }
        tables
    }

    fn file_stem(&self) -> String {
        format!("全县电教考核-{}", self.year)
    }
}

impl CountyYear {
    fn summary(&self) -> Table {
        let cols = [
            "乡镇",
            "状态",
            "已核验条目",
            "站点",
            "放映场次",
            "参与率",
            "一季度信息",
            "二季度信息",
            "三季度信息",
            "四季度信息",
            "党建新闻",
            "专题片",
            "牧区时数",
            "便携记录",
        ];
        let header = format!(
            "{} 年  各乡镇（只含县里核验过的账本条目；电教信息每季 {} 条，党建新闻与专题片每年各 1 部）",
            self.year, INFO_REPORTS_PER_QUARTER
        );
        let mut t = Table::new("全县", "全县电教工作汇总", header, &cols);
        for tw in &self.townships {
            let state = match tw.state {
                TownshipState::Ok => "正常".to_owned(),
                TownshipState::Unconfirmed => "待确认密钥".to_owned(),
                TownshipState::Refused => match &tw.refusal {
                    Some(r) => format!("拒收（第 {} 条不一致）", r.seq),
                    None => "拒收".to_owned(),
                },
            };
            let mut row = vec![
                Cell::text(tw.name.clone()),
                Cell::text(state),
                Cell::num(tw.verified_len as f64),
                Cell::num(tw.rows.len() as f64),
                Cell::num(tw.showings),
                Cell::text(percent(tw.participation_rate)),
            ];
            row.extend(tw.info_reports_by_quarter.iter().map(|&n| Cell::num(n)));
            row.push(Cell::num(tw.party_news));
            row.push(Cell::num(tw.features));
            row.push(Cell::num(tw.pastoral_hours));
            row.push(Cell::num(tw.field_kit_entries as f64));
            t.rows.push(row);
        }
        t
    }

    fn follow_up_table(&self) -> Table {
        let cols = ["乡镇", "站点编号", "站点", "全年放映", "未达标月份"];
        let header = format!(
            "{} 年  未达到每月 1 场（全年 12 场）的站点，请乡镇跟进",
            self.year
        );
        let mut t = Table::new("待跟进", "未达标站点", header, &cols);
        for f in &self.follow_up {
            let months: Vec<String> = f
                .months_below_floor
                .iter()
                .map(|m| format!("{m}月"))
                .collect();
            t.rows.push(vec![
                Cell::text(f.township.clone()),
                Cell::text(f.code.clone()),
                Cell::text(f.name.clone()),
                Cell::num(f.showings),
                Cell::text(months.join("、")),
            ]);
        }
        t.footer
            .push(format!("共 {} 个站点待跟进", self.follow_up.len()));
        t
    }
}

/// A sheet name from a township's name: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(28)
        .collect();
    if clean.is_empty() {
        "乡镇".into()
    } else {
        clean
    }
}
