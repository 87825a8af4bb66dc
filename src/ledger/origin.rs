//! Where entries come from when it is not the real thing: while an [`OriginMark`] is set,
//! every appended entry's payload gets `"origin": <mark>` (the demo year `serve --demo`
//! writes is marked `"demo"`). The mark is part of the payload, so it is hashed and exported
//! like every other field and cannot be taken off afterwards.

use std::sync::{Arc, RwLock};

use serde_json::Value;

use super::Draft;

/// The payload field that carries the mark.
pub const ORIGIN_FIELD: &str = "origin";

/// A shared, switchable mark; unset (the default) marks nothing.
#[derive(Clone, Default)]
pub struct OriginMark(Arc<RwLock<Option<&'static str>>>);

impl OriginMark {
    /// Marks the entries appended from now on with `origin` (`None`: stop marking).
    pub fn set(&self, origin: Option<&'static str>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = origin;
    }

    /// The mark in force.
    pub fn get(&self) -> Option<&'static str> {
        *self.0.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds the mark to `draft`'s payload (an object without an `origin` of its own).
    pub(super) fn apply(&self, draft: &mut Draft) {
        if let (Some(origin), Value::Object(fields)) = (self.get(), &mut draft.payload) {
            fields
                .entry(ORIGIN_FIELD)
                .or_insert_with(|| Value::from(origin));
        }
    }
}

impl std::fmt::Debug for OriginMark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OriginMark({:?})", self.get())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::ledger::EntryKind;

    #[test]
    fn a_set_mark_is_added_to_payloads_and_an_unset_one_adds_nothing() {
        let mark = OriginMark::default();
        let mut draft = Draft::new(EntryKind::Feedback, Some("st_1"), json!({"text": "好"}));
        mark.apply(&mut draft);
        assert_eq!(draft.payload, json!({"text": "好"}));
        mark.set(Some("demo"));
        mark.apply(&mut draft);
        assert_eq!(draft.payload, json!({"text": "好", "origin": "demo"}));
        let mut own = Draft::new(EntryKind::Feedback, None, json!({"origin": "field_kit"}));
        mark.apply(&mut own);
        assert_eq!(own.payload, json!({"origin": "field_kit"}), "kept as given");
    }
}
