//! What people add to a showing: party-member sign-ins (党员签到册), the discussion
//! afterwards (讨论登记薄) and feedback (信息反馈薄). Accepted before or after the play
//! ended, never refused for lateness: an entry made after the showing's local day carries
//! `late: true` with both dates (the same-day rule).

use super::{Play, Plays, PlaysError, MAX_TEXT_CHARS};
use crate::ledger::{Draft, Entry, EntryKind};
use crate::records::{Discussion, Feedback, Signin};
use crate::stations::StationsError;

/// A sign-in: the entry, and whether this call made it (a repeat returns the first).
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub entry: Entry,
    pub created: bool,
}

impl Plays {
    /// Signs `member_id` in for play `id`. The member must be on the play's station roster;
    /// a member signs in once per play.
    pub fn sign_in(&self, id: &str, member_id: &str) -> Result<SignedIn, PlaysError> {
        // Held across the append: two sign-ins of one member never make two entries, and
        // an end in between counts exactly the sign-ins made before it.
        let mut st = self.lock();
        let mut play = match st.open.get(id) {
            Some(p) => p.clone(),
            None => self
                .stored(id)?
                .ok_or_else(|| PlaysError::UnknownPlay(id.to_owned()))?,
        };
        let station = play
            .station_id
            .clone()
            .ok_or_else(|| PlaysError::NoStation(id.to_owned()))?;
        let member = self
            .deps
            .stations
            .member(member_id)?
            .ok_or_else(|| StationsError::UnknownMember(member_id.to_owned()))?;
        if member.station_id != station {
            return Err(PlaysError::OtherStation {
                member: member.name,
            });
        }
        if let Some(entry) = play.signins.iter().find(|e| signed(e, member_id)) {
            return Ok(SignedIn {
                entry: entry.clone(),
                created: false,
            });
        }
        let signin = Signin {
            play_id: play.id.clone(),
            film_id: play.film_id.clone(),
            film_title: play.film_title.clone(),
            member_id: member.id,
            member_name: member.name,
            member_no: member.member_no,
            day: self.same_day(&play),
        };
        let entry = self.append(EntryKind::Signin, &play, serde_json::to_value(signin)?)?;
        play.signins.push(entry.clone());
        self.put(&play, true)?;
        if let Some(open) = st.open.get_mut(id) {
            open.signins.push(entry.clone());
        }
        Ok(SignedIn {
            entry,
            created: true,
        })
    }

    /// Records what was discussed after play `id` (1–2000 characters).
    pub fn discuss(&self, id: &str, text: &str) -> Result<Entry, PlaysError> {
        let text = checked_text("讨论内容 (text)", text)?;
        let play = self.any(id)?;
        let discussion = Discussion {
            play_id: play.id.clone(),
            film_id: play.film_id.clone(),
            film_title: play.film_title.clone(),
            text,
            day: self.same_day(&play),
        };
        self.append(
            EntryKind::Discussion,
            &play,
            serde_json::to_value(discussion)?,
        )
    }

    /// Records feedback about play `id` (1–2000 characters).
    pub fn feedback(&self, id: &str, text: &str) -> Result<Entry, PlaysError> {
        let text = checked_text("反馈内容 (text)", text)?;
        let play = self.any(id)?;
        let feedback = Feedback {
            text,
            play_id: Some(play.id.clone()),
            film_id: Some(play.film_id.clone()),
            day: self.same_day(&play),
        };
        self.append(EntryKind::Feedback, &play, serde_json::to_value(feedback)?)
    }

    /// A play, open or ended.
    fn any(&self, id: &str) -> Result<Play, PlaysError> {
        if let Some(p) = self.lock().open.get(id) {
            return Ok(p.clone());
        }
        self.stored(id)?
            .ok_or_else(|| PlaysError::UnknownPlay(id.to_owned()))
    }

    fn append(
        &self,
        kind: EntryKind,
        play: &Play,
        payload: serde_json::Value,
    ) -> Result<Entry, PlaysError> {
        Ok(self
            .deps
            .ledger
            .append(Draft::new(kind, play.station_id.as_deref(), payload))?)
    }
}

/// True when `entry` is the sign-in of `member_id`.
fn signed(entry: &Entry, member_id: &str) -> bool {
    entry.payload.get("member_id").and_then(|v| v.as_str()) == Some(member_id)
}

/// A text a person typed: trimmed, 1 to [`MAX_TEXT_CHARS`] characters.
fn checked_text(label: &str, text: &str) -> Result<String, PlaysError> {
    let t = text.trim();
    let n = t.chars().count();
    if n == 0 {
        return Err(PlaysError::Invalid(format!("{label} 不能为空")));
    }
    if n > MAX_TEXT_CHARS {
        return Err(PlaysError::Invalid(format!(
            "{label} 太长（最多 {MAX_TEXT_CHARS} 个字）"
        )));
    }
    Ok(t.to_owned())
}
