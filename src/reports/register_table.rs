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
                let first_url = row
                    .values
                    .get("photo_urls")
                    .and_then(|u| u.get(0))
                    .and_then(Value::as_str);
                if let (&"photo", Some(href), Some(Value::String(text))) =
                    (key, first_url, row.values.get("photo"))
                {
                    cells.push(Cell::Link {
                        text: text.clone(),
                        href: href.to_owned(),
                    });
                    continue;
                }
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
        if self.register == RegisterKind::Viewing {
            t.footer.push(watched_rule());
        }
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

/// How 收看时长 is counted, printed under the viewing register: only film time that played,
/// earned no faster than the server's clock (a download is not a showing).
pub fn watched_rule() -> String {
    format!(
        "收看时长说明：只计实际播放过的影片时间，重看或跳过的部分不计，一律以服务器时钟为准。\
         由媒体请求推断的播放（DLNA 电视、播放器直接打开），计入的时长不超过从第一次到最后一次请求\
         经过的时间另加 {} 秒播放器缓冲：几秒内下载完整部影片只算几秒，不算放映。\
         未登记站点的设备播放不入账。",
        crate::plays::READ_AHEAD_S
    )
}
