//! The 六有 checklist of a playback point: six fixed items (机构, 人员, 标牌, 电教片库, 制度,
//! 三薄一册), each done or not, with the date it was met and a note.

use serde::{Deserialize, Serialize};

use super::store::{self, pair_key, read};
use super::{Stations, StationsError};
use crate::records::LocalDate;

/// One of the six things every playback point must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistItem {
    /// 机构.
    Organization,
    /// 人员.
    Staff,
    /// 标牌.
    Sign,
    /// 电教片库.
    Library,
    /// 制度.
    Rules,
    /// 三薄一册.
    Registers,
}

impl ChecklistItem {
    /// The six, in the documents' order.
    pub const ALL: [ChecklistItem; 6] = [
        ChecklistItem::Organization,
        ChecklistItem::Staff,
        ChecklistItem::Sign,
        ChecklistItem::Library,
        ChecklistItem::Rules,
        ChecklistItem::Registers,
    ];

    /// The key used in paths and JSON.
    pub fn key(self) -> &'static str {
        match self {
            ChecklistItem::Organization => "organization",
            ChecklistItem::Staff => "staff",
            ChecklistItem::Sign => "sign",
            ChecklistItem::Library => "library",
            ChecklistItem::Rules => "rules",
            ChecklistItem::Registers => "registers",
        }
    }

    /// The Chinese name shown to clerks.
    pub fn label(self) -> &'static str {
        match self {
            ChecklistItem::Organization => "机构",
            ChecklistItem::Staff => "人员",
            ChecklistItem::Sign => "标牌",
            ChecklistItem::Library => "电教片库",
            ChecklistItem::Rules => "制度",
            ChecklistItem::Registers => "三薄一册",
        }
    }

    /// The item a key names.
    pub fn parse(key: &str) -> Option<ChecklistItem> {
        ChecklistItem::ALL.into_iter().find(|i| i.key() == key)
    }
}

/// What a clerk sets on one item (`PUT`): the whole item.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistUpdate {
    pub done: bool,
    /// The local date the item was met (or checked), `YYYY-MM-DD`.
    #[serde(default)]
    pub date: Option<LocalDate>,
    /// Up to 200 characters.
    #[serde(default)]
    pub note: String,
}

/// One item of a station's checklist as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChecklistEntry {
    pub item: ChecklistItem,
    pub label: &'static str,
    pub done: bool,
    pub date: Option<LocalDate>,
    pub note: String,
    /// When it was last set (RFC 3339 UTC); `None`: never.
    pub updated_at: Option<String>,
}

/// An item as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Stored {
    set: ChecklistUpdate,
    updated_at: String,
}

impl ChecklistEntry {
    fn of(item: ChecklistItem, stored: Option<Stored>) -> ChecklistEntry {
        let (set, updated_at) = match stored {
            Some(s) => (s.set, Some(s.updated_at)),
            None => (ChecklistUpdate::default(), None),
        };
        ChecklistEntry {
            item,
            label: item.label(),
            done: set.done,
            date: set.date,
            note: set.note,
            updated_at,
        }
    }
}

impl Stations {
    /// A station's six checklist items, in order; items never set are not done.
    pub fn checklist(&self, station_id: &str) -> Result<Vec<ChecklistEntry>, StationsError> {
        let station = self.require(station_id)?;
        ChecklistItem::ALL
            .into_iter()
            .map(|item| {
                let key = pair_key(&station.id, item.key());
                Ok(ChecklistEntry::of(
                    item,
                    read(&self.trees.checklists, &key)?,
                ))
            })
            .collect()
    }

    /// Sets one checklist item (`item` is its key). Setting it to what it is writes nothing.
    pub fn set_checklist(
        &self,
        station_id: &str,
        item: &str,
        update: ChecklistUpdate,
    ) -> Result<ChecklistEntry, StationsError> {
        let item = ChecklistItem::parse(item)
            .ok_or_else(|| StationsError::UnknownChecklistItem(item.chars().take(32).collect()))?;
        let station = self.require_active(station_id)?;
        let set = ChecklistUpdate {
            note: store::optional_field("备注 (note)", &update.note, 200)?,
            ..update
        };
        let _edit = self.edit.lock().unwrap_or_else(|p| p.into_inner());
        let key = pair_key(&station.id, item.key());
        let before: Option<Stored> = read(&self.trees.checklists, &key)?;
        if let Some(before) = before.filter(|b| b.set == set) {
            return Ok(ChecklistEntry::of(item, Some(before)));
        }
        let detail = serde_json::json!({
            "item": item, "label": item.label(), "done": set.done, "date": set.date,
            "note": set.note,
        });
        self.record(&station, "checklist", detail)?;
        let stored = Stored {
            set,
            updated_at: store::now(),
        };
        self.trees.put(&self.trees.checklists, &key, &stored)?;
        Ok(ChecklistEntry::of(item, Some(stored)))
    }
}
