//! The registers as printed: one table per register with a 序号 column first and a 备注
//! column (补记 / 已更正 / 未完成) last, and a totals line.

use serde_json::Value;

use super::registers::{Register, RegisterKind};
use super::table::{Cell, Table, Tabular};

impl Tabular for Vec<Register> {
    fn tables(&self) -> Vec<Table> {
        self.iter().map(Register::table).collect()
    }

    fn file_stem(&self) -> String {
        let Some(first) = self.first() else {
            return "登记薄".into();
        };
        let what = if self.len() == 1 {
            first.title
        } else {
            "三薄一册"
        };
        format!(
            "{}-{}-{}至{}",
            what, first.station.code, first.from, first.to
        )
    }
}

impl Register {
    fn table(&self) -> Table {
        let mut cols: Vec<&str> = self.register.columns().iter().map(|(_, l)| *l).collect();
        cols.insert(0, "序号");
        cols.push("备注");
        let mut t = Table::new(
            self.title,
            self.title,
            self.station.header(self.from, self.to),
            &cols,
        );
        for row in &self.rows {
            let mut cells = vec![Cell::num(row.seq as f64)];
            for (key, _) in self.register.columns() {
                cells.push(match row.values.get(*key) {
                    Some(Value::Number(n)) => Cell::num(n.as_f64().unwrap_or(0.0)),
                    Some(Value::String(s)) => Cell::text(s.clone()),
                    _ => Cell::Empty,
                });
            }
            cells.push(Cell::text(row.marks.join("；")));
            t.rows.push(cells);
        }
        t.footer.push(self.totals_line());
        t
    }

    fn totals_line(&self) -> String {
        let n = |k: &str| {
            Cell::Number(self.totals.get(k).and_then(Value::as_f64).unwrap_or(0.0)).display()
        };
        let common = format!(
            "已更正 {} 条（不计入合计），补记 {} 条",
            n("corrected"),
            n("late")
        );
        match self.register {
            RegisterKind::Viewing => format!(
                "合计：放映 {} 场，收看 {} 分钟，签到 {} 人次，未完成 {} 次，牧区 {} 小时；{common}",
                n("showings"), n("watched_min"), n("attendees"), n("aborted"), n("pastoral_hours")
            ),
            _ => format!("合计：{} 条；{common}", n("entries")),
        }
    }
}
