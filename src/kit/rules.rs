//! The import rules: what a chain-checked records file must also satisfy before anything of
//! it is appended. Each refusal names the record. Pure: the kit, the records, the spans
//! already imported from this kit and the server's clock in; the accepted records out.
//!
//! * films only from the kit's list; members only from its roster;
//! * every time inside the kit's validity and not after the server's now (a few minutes'
//!   grace for a laptop clock running fast);
//! * a showing no longer than its film (watched and furthest position), and no more seconds
//!   watched than the showing lasted;
//! * showings and teaching sessions do not overlap one another (one laptop, one room), nor
//!   ones imported earlier from the same kit;
//! * sign-ins and discussion belong to a showing in the file; one sign-in per member and
//!   showing.

use std::collections::{HashMap, HashSet};

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::chain::{Event, FieldRecord};
use super::manifest::{KitFilm, KitMember, Manifest};

/// A laptop clock may run this far ahead of the server's.
pub const CLOCK_GRACE: Duration = Duration::minutes(5);
/// A showing may report this many seconds past its film's end (rounding, the last frame).
const DURATION_GRACE_S: u64 = 2;
/// The longest teaching session taken.
const LONGEST_SESSION: Duration = Duration::hours(12);

/// A showing or session already imported from the kit.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    /// The record's hash (a span of a record in this very file is not an overlap).
    pub hash: String,
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
}

/// A record that passed every rule, with what its entry needs.
#[derive(Clone, Debug)]
pub enum Accepted<'k> {
    Showing {
        id: String,
        film: &'k KitFilm,
        start: OffsetDateTime,
        end: OffsetDateTime,
        watched_s: u64,
        furthest_s: u64,
        /// Sign-ins for it in the file.
        signins: u32,
    },
    Signin {
        showing: String,
        film: &'k KitFilm,
        member: &'k KitMember,
        at: OffsetDateTime,
    },
    Discussion {
        showing: String,
        film: &'k KitFilm,
        text: String,
        at: OffsetDateTime,
    },
    Session {
        start: OffsetDateTime,
        end: OffsetDateTime,
        topic: String,
    },
}

/// Why a record was refused (nothing of the file was appended).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("第 {} 条记录{why}", .seq + 1)]
pub struct Refusal {
    pub seq: u64,
    pub why: String,
}

struct Ctx<'k> {
    kit: &'k Manifest,
    from: OffsetDateTime,
    to: OffsetDateTime,
    showings: HashMap<&'k str, &'k KitFilm>,
}

/// Checks `records` (chain already verified) against `kit`; `prior` are the spans imported
/// earlier from the kit; `now` is the server's clock.
pub fn check<'k>(
    kit: &'k Manifest,
    records: &'k [FieldRecord],
    prior: &[Span],
    now: OffsetDateTime,
) -> Result<Vec<(&'k FieldRecord, Accepted<'k>)>, Refusal> {
    let parse = |s: &str| OffsetDateTime::parse(s, &Rfc3339).ok();
    let (Some(from), Some(valid_to)) = (parse(&kit.valid_from), parse(&kit.valid_to)) else {
        return Err(refuse(
            0,
            "无法核对：放映包的有效期不可读（the kit's validity cannot be read）",
        ));
    };
    let mut ctx = Ctx {
        kit,
        from,
        to: valid_to.min(now + CLOCK_GRACE),
        showings: HashMap::new(),
    };
    for r in records {
        if let Event::Showing { id, film_id, .. } = &r.event {
            let film = ctx.film(r.seq, film_id)?;
            if !valid_id(id) || ctx.showings.insert(id.as_str(), film).is_some() {
                return Err(refuse(
                    r.seq,
                    "的放映编号重复或不对（duplicate showing id）",
                ));
            }
        }
    }
    let in_file: HashSet<&str> = records.iter().map(|r| r.hash.as_str()).collect();
    let mut signed: HashSet<(&str, &str)> = HashSet::new();
    let mut spans: Vec<Span> = Vec::new();
    let mut out = Vec::with_capacity(records.len());
    for r in records {
        let accepted = ctx.record(r, records, &mut signed)?;
        if let Accepted::Showing { start, end, .. } | Accepted::Session { start, end, .. } =
            &accepted
        {
            let span = Span {
                hash: r.hash.clone(),
                start: *start,
                end: *end,
            };
            let earlier = prior.iter().filter(|p| !in_file.contains(p.hash.as_str()));
            if let Some(other) = spans.iter().chain(earlier).find(|o| overlaps(o, &span)) {
                return Err(refuse(
                    r.seq,
                    &format!(
                        "与另一场放映或授课的时间重叠（{} 至 {}）（overlaps another showing or session）",
                        stamp(other.start),
                        stamp(other.end)
                    ),
                ));
            }
            spans.push(span);
        }
        out.push((r, accepted));
    }
    Ok(out)
}

impl<'k> Ctx<'k> {
    fn record(
        &self,
        r: &'k FieldRecord,
        all: &'k [FieldRecord],
        signed: &mut HashSet<(&'k str, &'k str)>,
    ) -> Result<Accepted<'k>, Refusal> {
        let seq = r.seq;
        Ok(match &r.event {
            Event::Showing {
                id,
                film_id,
                started_at,
                ended_at,
                watched_s,
                furthest_s,
            } => self.showing_record(
                seq,
                all,
                (id, film_id, started_at, ended_at),
                (*watched_s, *furthest_s),
            )?,
            Event::Signin {
                showing,
                member_id,
                at,
            } => self.signin_record(seq, showing, member_id, at, signed)?,
            Event::Discussion { showing, text, at } => {
                let film = self.showing(seq, showing)?;
                let text = text.trim();
                if text.is_empty() || text.chars().count() > 2000 || has_control(text) {
                    return Err(refuse(
                        seq,
                        "的讨论内容应为 1 到 2000 个字（discussion must be 1 to 2000 characters）",
                    ));
                }
                Accepted::Discussion {
                    showing: showing.clone(),
                    film,
                    text: text.to_owned(),
                    at: self.time(seq, at)?,
                }
            }
            Event::Session {
                started_at,
                ended_at,
                topic,
            } => {
                let (start, end) = self.span(seq, started_at, ended_at)?;
                if end - start > LONGEST_SESSION || end == start {
                    return Err(refuse(seq, "的授课时长不对：应长于 0、不超过 12 小时（a session lasts more than 0 and at most 12 hours）"));
                }
                let topic = topic.trim();
                if topic.chars().count() > 200 || has_control(topic) {
                    return Err(refuse(
                        seq,
                        "的授课内容太长或含有控制字符（topic too long）",
                    ));
                }
                Accepted::Session {
                    start,
                    end,
                    topic: topic.to_owned(),
                }
            }
        })
    }

    fn showing_record(
        &self,
        seq: u64,
        all: &'k [FieldRecord],
        (id, film_id, started_at, ended_at): (&str, &str, &str, &str),
        (watched_s, furthest_s): (u64, u64),
    ) -> Result<Accepted<'k>, Refusal> {
        let film = self.film(seq, film_id)?;
        let (start, end) = self.span(seq, started_at, ended_at)?;
        let longest = film.duration_s + DURATION_GRACE_S;
        if watched_s > longest || furthest_s > longest {
            return Err(refuse(
                seq,
                &format!(
                    "的收看时长比影片《{}》还长（{} 秒，影片 {} 秒）（longer than the film）",
                    film.title,
                    (watched_s).max(furthest_s),
                    film.duration_s
                ),
            ));
        }
        let lasted = (end - start).whole_seconds().max(0) as u64;
        if watched_s > lasted + DURATION_GRACE_S {
            return Err(refuse(
                seq,
                "的收看时长超过了放映的起止时间（watched longer than the showing lasted）",
            ));
        }
        let signins = all
            .iter()
            .filter(|o| matches!(&o.event, Event::Signin { showing, .. } if showing == id))
            .count() as u32;
        Ok(Accepted::Showing {
            id: id.to_owned(),
            film,
            start,
            end,
            watched_s,
            furthest_s,
            signins,
        })
    }

    fn signin_record(
        &self,
        seq: u64,
        showing: &'k str,
        member_id: &'k str,
        at: &str,
        signed: &mut HashSet<(&'k str, &'k str)>,
    ) -> Result<Accepted<'k>, Refusal> {
        let film = self.showing(seq, showing)?;
        let member = self
            .kit
            .members
            .iter()
            .find(|m| m.id == member_id)
            .ok_or_else(|| {
                refuse(
                    seq,
                    "的签到人不在放映包的党员名单上（member not on the kit's roster）",
                )
            })?;
        if !signed.insert((showing, member_id)) {
            return Err(refuse(
                seq,
                &format!(
                    "是 {} 在同一场放映的重复签到（signed in twice）",
                    member.name
                ),
            ));
        }
        Ok(Accepted::Signin {
            showing: showing.to_owned(),
            film,
            member,
            at: self.time(seq, at)?,
        })
    }

    fn film(&self, seq: u64, id: &str) -> Result<&'k KitFilm, Refusal> {
        self.kit.films.iter().find(|f| f.id == id).ok_or_else(|| {
            refuse(
                seq,
                "放映的影片不在这个放映包的片单里（film not on the kit's list）",
            )
        })
    }

    fn showing(&self, seq: u64, id: &str) -> Result<&'k KitFilm, Refusal> {
        self.showings.get(id).copied().ok_or_else(|| {
            refuse(
                seq,
                "所属的放映不在记录中（refers to a showing that is not in the file）",
            )
        })
    }

    fn time(&self, seq: u64, s: &str) -> Result<OffsetDateTime, Refusal> {
        let t = OffsetDateTime::parse(s, &Rfc3339)
            .map_err(|_| refuse(seq, "的时间无法识别（bad time）"))?;
        if t < self.from || t > self.to {
            return Err(refuse(
                seq,
                &format!(
                    "的时间 {} 不在放映包的有效期内（{} 至 {}，且不能晚于现在）（outside the kit's validity）",
                    stamp(t),
                    self.kit.valid_from,
                    self.kit.valid_to
                ),
            ));
        }
        Ok(t)
    }

    fn span(
        &self,
        seq: u64,
        a: &str,
        b: &str,
    ) -> Result<(OffsetDateTime, OffsetDateTime), Refusal> {
        let (start, end) = (self.time(seq, a)?, self.time(seq, b)?);
        if end < start {
            return Err(refuse(
                seq,
                "的结束时间早于开始时间（ends before it starts）",
            ));
        }
        Ok((start, end))
    }
}

fn overlaps(a: &Span, b: &Span) -> bool {
    a.start < b.end && b.start < a.end
}

fn refuse(seq: u64, why: &str) -> Refusal {
    Refusal {
        seq,
        why: why.to_owned(),
    }
}

/// A showing id the page makes: 1 to 40 of `[a-z0-9-]`.
fn valid_id(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn has_control(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
}

/// RFC 3339 UTC to the second.
pub fn stamp(t: OffsetDateTime) -> String {
    let t = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}
