//! The four registers (三薄一册) of one station and period: 收看情况登记薄 (viewings, and
//! pastoral sessions at a herding point), 讨论登记薄, 信息反馈薄 (feedback and 电教信息),
//! 党员签到册. Late entries carry 补记 with both dates; corrected ones 已更正 with the reason
//! and are left out of the totals; aborted plays are listed as 未完成 but are not showings.
//! A showing with a photo of the room (a `photo` entry of its play) says 有照片, with links.
//! Records imported from a pastoral field kit (`origin: field_kit`) say 离线记录, and its
//! showings' watched time joins the pastoral hours of the viewing register's totals.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::load::{Corrected, Item, Record};
pub use super::register_kind::RegisterKind;
use super::{Period, StationHead};
use crate::records::{LocalDate, SameDay, Source, Viewing, ViewingStatus};

/// The `origin` of records imported from a pastoral field kit.
pub const FIELD_KIT_ORIGIN: &str = "field_kit";
/// How a register marks them.
pub const OFFLINE_MARK: &str = "离线记录（牧区放映包）";

/// One register of one station and period.
#[derive(Clone, Debug, Serialize)]
pub struct Register {
    pub register: RegisterKind,
    pub title: &'static str,
    pub station: StationHead,
    pub from: LocalDate,
    pub to: LocalDate,
    pub rows: Vec<RegisterRow>,
    pub totals: Map<String, Value>,
}

/// One line of a register.
#[derive(Clone, Debug, Serialize)]
pub struct RegisterRow {
    pub seq: u64,
    /// The ledger entry's kind (`viewing`, `pastoral_session`, `info_report`…).
    pub entry_kind: &'static str,
    /// The column values, by key.
    pub values: Map<String, Value>,
    /// 补记: entered after the day it is about.
    pub late: bool,
    pub showing_date: Option<LocalDate>,
    pub entered_date: Option<LocalDate>,
    /// Counted in the totals (not corrected; for viewings, a showing).
    pub counted: bool,
    pub corrected: Option<Corrected>,
    /// 补记 / 已更正 / 未完成 / 离线记录 notes, as printed in the 备注 column.
    pub marks: Vec<String>,
    /// Recorded offline by a pastoral field kit's page and imported (离线记录).
    pub offline: bool,
}

impl RegisterRow {
    fn new(item: &Item, entry_kind: &'static str, values: Value) -> RegisterRow {
        let values = match values {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let mut row = RegisterRow {
            seq: item.seq,
            entry_kind,
            values,
            late: false,
            showing_date: None,
            entered_date: None,
            counted: item.counts(),
            corrected: item.corrected.clone(),
            marks: Vec::new(),
            offline: item.origin.as_deref() == Some(FIELD_KIT_ORIGIN),
        };
        if row.offline {
            row.marks.push(OFFLINE_MARK.into());
        }
        if let Some(c) = &item.corrected {
            row.marks
                .push(format!("已更正（第 {} 条更正：{}）", c.by, c.reason));
        }
        row
    }

    fn same_day(mut self, day: &SameDay) -> RegisterRow {
        self.showing_date = Some(day.showing_date);
        self.entered_date = Some(day.entered_date);
        if day.late {
            self.late = true;
            self.marks.insert(
                0,
                format!(
                    "补记（活动日期 {}，登记日期 {}）",
                    day.showing_date, day.entered_date
                ),
            );
        }
        self
    }
}

/// Builds the registers `kinds` from a station's items (the months covering `period`).
pub fn build(
    kinds: &[RegisterKind],
    station: &StationHead,
    period: Period,
    items: &[Item],
) -> Vec<Register> {
    let attendees = attendees_by_play(items);
    let photos = photos_by_play(items);
    kinds
        .iter()
        .map(|&kind| {
            let rows_of = |part: &[Item]| -> Vec<RegisterRow> {
                part.iter()
                    .filter(|i| period.contains(i.date))
                    .filter_map(|item| row(kind, item, station, &attendees, &photos))
                    .collect()
            };
            // A long register's rows are made on two threads, in order.
            let (first, second) = items.split_at(if items.len() < super::load::PARALLEL_FROM {
                items.len()
            } else {
                items.len() / 2
            });
            let mut rows = Vec::with_capacity(items.len());
            std::thread::scope(|s| {
                let later = s.spawn(|| rows_of(second));
                rows.extend(rows_of(first));
                rows.extend(
                    later
                        .join()
                        .unwrap_or_else(|p| std::panic::resume_unwind(p)),
                );
            });
            Register {
                register: kind,
                title: kind.title(),
                station: station.clone(),
                from: period.from,
                to: period.to,
                totals: totals(kind, &rows),
                rows,
            }
        })
        .collect()
}

/// Distinct members signed in per play (corrected sign-ins left out).
pub fn attendees_by_play(items: &[Item]) -> HashMap<String, usize> {
    let mut members: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for item in items.iter().filter(|i| i.counts()) {
        if let Record::Signin(s) = &item.record {
            members.entry(&s.play_id).or_default().insert(&s.member_id);
        }
    }
    members
        .into_iter()
        .map(|(play, m)| (play.to_owned(), m.len()))
        .collect()
}

/// The SHA-256 of each play's photos, in ledger order (corrected photos left out).
pub fn photos_by_play(items: &[Item]) -> HashMap<String, Vec<String>> {
    let mut photos: HashMap<String, Vec<String>> = HashMap::new();
    for item in items.iter().filter(|i| i.counts()) {
        if let Record::Photo(p) = &item.record {
            photos
                .entry(p.play_id.clone())
                .or_default()
                .push(p.sha256.clone());
        }
    }
    photos
}

/// Where the office reads a play's photo: a path on this server, made only of a play id
/// and a SHA-256 that are what the server makes (`None` for anything else).
pub fn photo_url(play_id: &str, sha256: &str) -> Option<String> {
    let id_ok = !play_id.is_empty()
        && play_id.len() <= 64
        && play_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let sha_ok = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
    (id_ok && sha_ok).then(|| format!("/api/v1/plays/{play_id}/photos/{sha256}"))
}

fn row(
    kind: RegisterKind,
    item: &Item,
    station: &StationHead,
    attendees: &HashMap<String, usize>,
    photos: &HashMap<String, Vec<String>>,
) -> Option<RegisterRow> {
    match (kind, &item.record) {
        (RegisterKind::Viewing, Record::Viewing(v)) => {
            let shas = photos.get(&v.play_id).map_or(&[][..], Vec::as_slice);
            Some(viewing_row(item, v, station, attendees, shas))
        }
        (RegisterKind::Viewing, Record::Pastoral(p)) => {
            let values = json!({
                "date": p.day.showing_date,
                "film_title": format!("牧区教学放映：{}", p.place),
                "duration_min": (p.hours * 60.0).round(), "watched_min": (p.hours * 60.0).round(),
                "run_by": "乡电教站", "attendees": "", "status": format!("{} 小时", p.hours),
                "hours": p.hours, "place": p.place, "note": p.note,
            });
            Some(RegisterRow::new(item, "pastoral_session", values).same_day(&p.day))
        }
        (RegisterKind::Discussion, Record::Discussion(d)) => {
            let values = json!({
                "date": d.day.showing_date, "film_id": d.film_id, "film_title": d.film_title,
                "text": d.text, "play_id": d.play_id,
            });
            Some(RegisterRow::new(item, "discussion", values).same_day(&d.day))
        }
        (RegisterKind::Feedback, Record::Feedback(f)) => {
            let values = json!({
                "date": f.day.showing_date, "category": "信息反馈", "title": "",
                "text": f.text, "film_id": f.film_id, "play_id": f.play_id,
            });
            Some(RegisterRow::new(item, "feedback", values).same_day(&f.day))
        }
        (RegisterKind::Feedback, Record::InfoReport(r)) => {
            let values = json!({
                "date": r.entered_date, "category": "电教信息", "title": r.title, "text": r.text,
            });
            Some(RegisterRow::new(item, "info_report", values))
        }
        (RegisterKind::Signin, Record::Signin(s)) => {
            let values = json!({
                "date": s.day.showing_date, "film_id": s.film_id, "film_title": s.film_title,
                "member_id": s.member_id, "member_name": s.member_name,
                "member_no": s.member_no, "play_id": s.play_id,
            });
            Some(RegisterRow::new(item, "signin", values).same_day(&s.day))
        }
        _ => None,
    }
}

/// A viewing's line: aborted plays listed 未完成 and not counted.
fn viewing_row(
    item: &Item,
    v: &Viewing,
    station: &StationHead,
    attendees: &HashMap<String, usize>,
    photos: &[String],
) -> RegisterRow {
    let shown = v.status == ViewingStatus::Showing;
    let count = attendees.get(&v.play_id).copied().unwrap_or(0);
    let urls: Vec<String> = photos
        .iter()
        .filter_map(|sha| photo_url(&v.play_id, sha))
        .collect();
    let photo = match urls.len() {
        0 => String::new(),
        1 => "有照片".into(),
        n => format!("有照片（{n} 张）"),
    };
    let values = json!({
        "date": item.date, "started_at": v.started_at,
        "film_id": v.film_id, "film_title": v.film_title,
        "duration_min": minutes(v.duration_s), "watched_min": minutes(v.watched_s),
        "watched_s": v.watched_s,
        "run_by": run_by(station, v.source), "attendees": count,
        "status": if shown { "已放映" } else { "未完成" },
        "play_id": v.play_id,
        "photo": photo, "photo_urls": urls, "photos": photos,
    });
    let mut row = RegisterRow::new(item, "viewing", values);
    row.counted = row.counted && shown;
    if !shown {
        row.marks.push("未完成（不计为放映）".into());
    }
    row
}

fn totals(kind: RegisterKind, rows: &[RegisterRow]) -> Map<String, Value> {
    let counted = rows.iter().filter(|r| r.counted);
    let corrected = rows.iter().filter(|r| r.corrected.is_some()).count();
    let late = rows.iter().filter(|r| r.late).count();
    let mut out = json!({ "rows": rows.len(), "corrected": corrected, "late": late });
    if kind == RegisterKind::Viewing {
        let showings: Vec<&RegisterRow> = counted.filter(|r| r.entry_kind == "viewing").collect();
        let sum =
            |key: &str| -> f64 { showings.iter().filter_map(|r| r.values[key].as_f64()).sum() };
        let aborted = rows
            .iter()
            .filter(|r| r.entry_kind == "viewing" && r.values["status"] == "未完成")
            .count();
        let sessions: f64 = rows
            .iter()
            .filter(|r| r.counted && r.entry_kind == "pastoral_session")
            .filter_map(|r| r.values["hours"].as_f64())
            .sum();
        // Showings recorded in the field count toward the 30 hours too.
        let field: f64 = showings
            .iter()
            .filter(|r| r.offline)
            .filter_map(|r| r.values["watched_s"].as_f64())
            .sum::<f64>()
            / 3600.0;
        let hours = sessions + field;
        out["showings"] = json!(showings.len());
        out["aborted"] = json!(aborted);
        out["watched_min"] = json!(sum("watched_min"));
        out["attendees"] = json!(sum("attendees"));
        out["pastoral_hours"] = json!(hours);
    } else {
        out["entries"] = json!(counted.count());
    }
    match out {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Whole minutes, rounded.
pub fn minutes(seconds: u64) -> u64 {
    (seconds + 30) / 60
}

fn run_by(station: &StationHead, source: Source) -> String {
    let via = match source {
        Source::TvUi => "电视界面",
        Source::Dlna => "DLNA 电视",
        Source::Direct => "直接播放",
        Source::DlnaPush => "投屏到电视",
        Source::FieldKit => "牧区放映包",
    };
    match &station.broadcaster {
        Some(b) => format!("{b}（{via}）"),
        None => format!("播放员未登记（{via}）"),
    }
}
