//! Reported plays: started, reported and ended by our TV UI through the plays API. Film
//! time is credited from consecutive position reports by the server's clock only.

use std::net::IpAddr;

use media_catalog::FilmId;

use super::{
    new_id, spans, stamp, Actor, Ended, Owner, Play, PlayKind, PlayView, Plays, PlaysError, Spans,
    State, MAX_OPEN_PLAYS,
};
use crate::accounts::Principal;
use crate::records::Source;
use crate::stations::StationsError;

impl Plays {
    /// Starts a reported play of `film_id` and returns it; the caller owns it. The station:
    /// a paired TV's own; a signed-in user may name one; else the one the client's address
    /// is registered to (or none). `position_s`: where playback starts. A client has at
    /// most `open_per_client` plays open and starts at most `starts_per_hour` an hour.
    pub fn start(
        &self,
        film_id: &str,
        actor: Actor<'_>,
        asked_station: Option<&str>,
        position_s: f64,
    ) -> Result<Play, PlaysError> {
        self.start_from(film_id, actor, asked_station, position_s, Source::TvUi)
    }

    /// [`Plays::start`] of a play whose reports come from `source` (the TV UI, or the
    /// server's own poll of a renderer it pushed the film to).
    pub fn start_from(
        &self,
        film_id: &str,
        actor: Actor<'_>,
        asked_station: Option<&str>,
        position_s: f64,
        source: Source,
    ) -> Result<Play, PlaysError> {
        let (title, duration_s) = self.film(film_id)?;
        let position_s = self.position(position_s, duration_s)?;
        let client = actor.client;
        let station_id = self.station_for(actor.who, asked_station, client)?;
        let owner = actor.owner();
        let now = self.now_ms();
        if let Some(owner) = &owner {
            self.starts
                .take(&owner.key(), self.cfg.limits.starts_per_hour, now)
                .map_err(|retry_after_secs| PlaysError::TooMany {
                    message: format!(
                        "这台设备在一小时内开始的播放太多（{} 次），请 {} 分钟后再试（too many plays started this hour）",
                        self.cfg.limits.starts_per_hour,
                        retry_after_secs.div_ceil(60)
                    ),
                    retry_after_secs,
                })?;
        }
        let play = Play {
            v: 1,
            id: new_id(),
            kind: PlayKind::Reported,
            station_id,
            film_id: film_id.to_owned(),
            film_title: title,
            duration_s,
            client,
            owner: owner.clone(),
            source,
            started_at: stamp(now),
            started_ms: now,
            last_seen_ms: now,
            last_report: Some((position_s, now)),
            furthest_s: position_s,
            watched: Spans::default(),
            signins: Vec::new(),
            photos: Vec::new(),
            group: None,
            closing_from: None,
            ended: None,
        };
        let mut st = self.lock();
        self.check_open_room(&st, owner.as_ref())?;
        self.absorb_inferred(&mut st, &play)?;
        self.put(&play, true)?;
        st.open.insert(play.id.clone(), play.clone());
        drop(st);
        self.count_active();
        Ok(play)
    }

    /// A position report of an open reported play, from its owner.
    pub fn heartbeat(
        &self,
        id: &str,
        actor: Actor<'_>,
        position_s: f64,
    ) -> Result<PlayView, PlaysError> {
        let mut st = self.lock();
        let play = self.open_reported(&mut st, id, &actor)?;
        let position_s = self.position(position_s, play.duration_s)?;
        let now = self.now_ms();
        report(play, position_s, now);
        let view = PlayView::from(&*play);
        st.dirty.insert(id.to_owned());
        Ok(view)
    }

    /// Ends a reported play (with a last position, if given) and returns its viewing entry;
    /// a play that already ended returns the entry it made (nothing is appended twice).
    /// Only its owner may end it.
    pub fn end(
        &self,
        id: &str,
        actor: Actor<'_>,
        position_s: Option<f64>,
    ) -> Result<Ended, PlaysError> {
        let mut st = self.lock();
        if !st.open.contains_key(id) {
            drop(st);
            return match self.stored(id)? {
                Some(p) if !p.is_owned_by(&actor) => Err(PlaysError::NotYours(id.to_owned())),
                Some(Play {
                    ended: Some(ended), ..
                }) => Ok(ended),
                _ => Err(PlaysError::UnknownPlay(id.to_owned())),
            };
        }
        let play = self.open_reported(&mut st, id, &actor)?;
        let now = self.now_ms();
        if let Some(p) = position_s {
            let p = self.position(p, play.duration_s)?;
            report(play, p, now);
        }
        let ended = self.close(&mut st, id, now)?;
        drop(st);
        self.count_active();
        Ok(ended)
    }

    /// Ends the open plays a paired TV started (it was revoked: nothing may report for it
    /// any more), each as of its last report. Returns how many it ended.
    pub fn end_device_plays(&self, device_id: &str) -> Result<usize, PlaysError> {
        let owner = Owner::Device {
            device_id: device_id.to_owned(),
        };
        let mut st = self.lock();
        let mine: Vec<(String, i64)> = st
            .open
            .values()
            .filter(|p| p.owner.as_ref() == Some(&owner) && !st.closing.contains(&p.id))
            .map(|p| (p.id.clone(), p.last_seen_ms))
            .collect();
        for (id, last_seen) in &mine {
            self.close(&mut st, id, *last_seen)?;
        }
        drop(st);
        self.count_active();
        Ok(mine.len())
    }

    /// The reported play `id`, open, of this caller; 404/403/409 otherwise.
    fn open_reported<'s>(
        &self,
        st: &'s mut State,
        id: &str,
        actor: &Actor<'_>,
    ) -> Result<&'s mut Play, PlaysError> {
        if !st.open.contains_key(id) {
            return Err(match self.stored(id)? {
                Some(p) if !p.is_owned_by(actor) => PlaysError::NotYours(id.to_owned()),
                Some(_) => PlaysError::Ended(id.to_owned()),
                None => PlaysError::UnknownPlay(id.to_owned()),
            });
        }
        if st.closing.contains(id) {
            return Err(PlaysError::Closing(id.to_owned()));
        }
        let play = st
            .open
            .get_mut(id)
            .ok_or_else(|| PlaysError::UnknownPlay(id.to_owned()))?;
        if !play.is_owned_by(actor) {
            return Err(PlaysError::NotYours(id.to_owned()));
        }
        if play.kind != PlayKind::Reported {
            return Err(PlaysError::NotReported(id.to_owned()));
        }
        Ok(play)
    }

    /// Refuses a new play when its owner already has as many open as allowed, or when the
    /// server has as many open as it keeps.
    fn check_open_room(&self, st: &State, owner: Option<&Owner>) -> Result<(), PlaysError> {
        let limit = self.cfg.limits.open_per_client;
        let mine = owner.map_or(0, |o| {
            st.open
                .values()
                .filter(|p| p.owner.as_ref() == Some(o) && !st.closing.contains(&p.id))
                .count()
        });
        if mine >= limit {
            return Err(PlaysError::TooMany {
                message: format!(
                    "这台设备已有 {limit} 个播放没有结束，请先结束正在播放的影片，或等几分钟再试（too many open plays for this client）"
                ),
                retry_after_secs: self.cfg.idle_secs.max(1),
            });
        }
        if st.open.len() >= MAX_OPEN_PLAYS {
            return Err(PlaysError::TooMany {
                message:
                    "服务器上同时进行的播放太多，请稍后再试（too many plays open on the server）"
                        .into(),
                retry_after_secs: 60,
            });
        }
        Ok(())
    }

    /// The station of a new reported play, checked to exist and not be retired.
    fn station_for(
        &self,
        who: &Principal,
        asked: Option<&str>,
        client: Option<IpAddr>,
    ) -> Result<Option<String>, PlaysError> {
        let station = match (who, asked) {
            (Principal::Device { station, .. }, Some(asked)) if asked != station => {
                return Err(PlaysError::StationNotYours)
            }
            (Principal::Device { station, .. }, _) => Some(station.clone()),
            (Principal::User { .. }, Some(asked)) => Some(asked.to_owned()),
            (Principal::Anonymous, Some(_)) => return Err(PlaysError::StationNotYours),
            (Principal::User { .. } | Principal::Anonymous, None) => match client {
                Some(ip) => self.deps.stations.station_for_address(ip)?,
                None => None,
            },
        };
        if let Some(id) = &station {
            let s = self.deps.stations.require(id)?;
            if s.is_retired() {
                return Err(StationsError::Retired(s.code).into());
            }
        }
        Ok(station)
    }

    /// A film's title and duration (seconds; 0 when unknown).
    pub(super) fn film(&self, film_id: &str) -> Result<(String, f64), PlaysError> {
        let unknown = || PlaysError::UnknownFilm(film_id.to_owned());
        let id = FilmId::parse(film_id).map_err(|_| unknown())?;
        let film = self.deps.catalog.get(&id)?.ok_or_else(unknown)?;
        let duration = film
            .media
            .as_ref()
            .map(|m| m.duration_s)
            .filter(|d| d.is_finite() && *d > 0.0)
            .unwrap_or(0.0);
        Ok((film.title, duration))
    }

    /// A reported position: finite, not negative; past the film's end counts as its end.
    fn position(&self, p: f64, duration_s: f64) -> Result<f64, PlaysError> {
        if !p.is_finite() || p < 0.0 {
            return Err(PlaysError::Invalid(
                "播放位置 (position_s) 必须是不小于 0 的秒数".into(),
            ));
        }
        Ok(if duration_s > 0.0 {
            p.min(duration_s)
        } else {
            p
        })
    }
}

/// Applies a position report: credits the film time the server clock allows.
fn report(play: &mut Play, position_s: f64, now_ms: i64) {
    if let Some((p1, t1)) = play.last_report {
        let elapsed = (now_ms - t1) as f64 / 1000.0;
        if let Some((a, b)) = spans::credit(p1, position_s, elapsed) {
            play.watched.add(a, b);
        }
    }
    play.last_report = Some((position_s, now_ms));
    play.furthest_s = play.furthest_s.max(position_s);
    play.last_seen_ms = play.last_seen_ms.max(now_ms);
}
