//! What people add to a showing: party-member sign-ins (党员签到册), the discussion
//! afterwards (讨论登记薄) and feedback (信息反馈薄). Only from the play's owner (the TV or
//! account that started it), only for a play with a station, and after the end only for
//! `entry_grace_secs` the same local day; later ones are 补记 entries the office makes
//! (`src/entries/`), marked late with both dates (the same-day rule).

use super::{Actor, Play, Plays, PlaysError, State, MAX_TEXT_CHARS};
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
    pub fn sign_in(
        &self,
        id: &str,
        actor: Actor<'_>,
        member_id: &str,
    ) -> Result<SignedIn, PlaysError> {
        // Held across the append: two sign-ins of one member never make two entries, and
        // an end in between counts exactly the sign-ins made before it.
        let mut st = self.lock();
        let (mut play, station) = self.writable(&st, id, &actor)?;
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
    pub fn discuss(&self, id: &str, actor: Actor<'_>, text: &str) -> Result<Entry, PlaysError> {
        let text = checked_text("讨论内容 (text)", text)?;
        let play = self.for_entry(id, &actor)?;
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
    pub fn feedback(&self, id: &str, actor: Actor<'_>, text: &str) -> Result<Entry, PlaysError> {
        let text = checked_text("反馈内容 (text)", text)?;
        let play = self.for_entry(id, &actor)?;
        let feedback = Feedback {
            text,
            play_id: Some(play.id.clone()),
            film_id: Some(play.film_id.clone()),
            day: self.same_day(&play),
        };
        self.append(EntryKind::Feedback, &play, serde_json::to_value(feedback)?)
    }

    /// The play a discussion or feedback entry is for, counted against its client's hourly
    /// limit of such entries.
    fn for_entry(&self, id: &str, actor: &Actor<'_>) -> Result<Play, PlaysError> {
        let (play, _) = self.writable(&self.lock(), id, actor)?;
        self.take_entry(&play, id, "讨论和反馈")?;
        Ok(play)
    }

    /// Counts one more entry (discussion, feedback, a photo) against the hourly limit of
    /// `play`'s owner; `what` names them in the refusal.
    pub(super) fn take_entry(&self, play: &Play, id: &str, what: &str) -> Result<(), PlaysError> {
        let key = play
            .owner
            .as_ref()
            .map_or_else(|| id.to_owned(), |o| o.key());
        let limit = self.cfg.limits.entries_per_hour;
        self.entries
            .take(&key, limit, self.now_ms())
            .map_err(|retry_after_secs| PlaysError::TooMany {
                message: format!(
                    "一小时内最多记录 {limit} 条{what}，请 {} 分钟后再试（too many entries this hour）",
                    retry_after_secs.div_ceil(60)
                ),
                retry_after_secs,
            })
    }

    /// Play `id` and its station, if `actor` may add to it now: its owner, a play with a
    /// station, open, or ended less than the grace time ago on the same local day.
    pub(super) fn writable(
        &self,
        st: &State,
        id: &str,
        actor: &Actor<'_>,
    ) -> Result<(Play, String), PlaysError> {
        let play = match st.open.get(id) {
            Some(p) => p.clone(),
            None => self
                .stored(id)?
                .ok_or_else(|| PlaysError::UnknownPlay(id.to_owned()))?,
        };
        if !play.is_owned_by(actor) {
            return Err(PlaysError::NotYours(id.to_owned()));
        }
        if st.closing.contains(id) {
            return Err(PlaysError::Closing(id.to_owned()));
        }
        let station = play
            .station_id
            .clone()
            .ok_or_else(|| PlaysError::NoStation(id.to_owned()))?;
        if let Some(ended) = &play.ended {
            let now = self.cfg.clock.now();
            let grace = self.cfg.limits.entry_grace_secs;
            let ended_at = time::OffsetDateTime::from_unix_timestamp(ended.ended_ms / 1000)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
            let days = &self.deps.days;
            let late = (now - ended_at).whole_seconds() > grace as i64
                || days.date_of(now) != days.date_of(ended_at);
            if late {
                return Err(PlaysError::EntriesClosed {
                    grace_mins: grace / 60,
                });
            }
        }
        Ok((play, station))
    }

    pub(super) fn append(
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
