//! Films pushed to renderers: at most one play per renderer, whose exact record comes from
//! a server-side poll (`GetTransportInfo` + `GetPositionInfo` every `dlna_push_poll_secs`).
//! Positions become heartbeats of the play through the plays API (its clock checks apply);
//! `STOPPED`/`NO_MEDIA_PRESENT` or the film's end ends it, and a renderer that stops
//! answering (or never starts playing) for `dlna_push_grace_secs` ends it at its last
//! position. How each one ended is kept a while for the renderer's status ([`status`]).
//! Kept in memory: a restart leaves the plays to the idle sweeper, which closes them at
//! their last heartbeat.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::avt::{AvTransport, CallError, Transport};
use super::status::{self, EndReason, EndedNote, Live, State, Status};
use crate::accounts::Principal;
use crate::plays::{Actor, Ended, Play, Plays, PlaysError};

/// Within this much of the film's end, the film has ended.
const END_SLACK_S: f64 = 1.0;
/// At most this many renderers' ended plays are kept for their status.
const MAX_ENDED: usize = 4096;

/// How a pushed play is polled.
#[derive(Clone, Copy, Debug)]
pub struct Polling {
    /// How often the TV is asked where it is.
    pub every: Duration,
    /// A TV that has not answered (or not started playing) for this long is taken as gone.
    pub grace: Duration,
}

/// One pushed play.
#[derive(Clone)]
pub struct Session {
    pub play_id: String,
    pub film_id: String,
    pub title: String,
    /// Who pushed it: the play's owner, whose heartbeats the poll sends.
    pub who: Principal,
    /// The renderer's address: the play's `client`, so its media requests count under it.
    pub client: IpAddr,
    pub avt: AvTransport,
    pub duration_s: Option<f64>,
    /// What the poll last learned (kept up to date in [`Pushes`]' own copy).
    pub live: Live,
    /// Bumped for every new session, so an old poll stops.
    generation: u64,
}

/// The pushed plays, by renderer UDN, and how the last one on each renderer ended.
#[derive(Default)]
pub struct Pushes {
    sessions: Mutex<HashMap<String, Session>>,
    next: Mutex<u64>,
    ended: Mutex<HashMap<String, EndedNote>>,
}

impl Pushes {
    /// The renderer's current pushed play.
    pub fn current(&self, renderer: &str) -> Option<Session> {
        self.lock().get(renderer).cloned()
    }

    /// Takes the renderer's current play off (its poll stops) and returns it.
    pub fn take(&self, renderer: &str) -> Option<Session> {
        self.lock().remove(renderer)
    }

    /// What the renderer is doing, for the phone; `grace` as the poll uses it.
    pub fn status(&self, renderer: &str, grace: Duration) -> Status {
        let ended = self
            .ended
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(renderer)
            .filter(|n| n.recent())
            .cloned();
        match self.current(renderer) {
            Some(s) => Status {
                state: s.live.state,
                message: status::message(&s.live, grace),
                play_id: Some(s.play_id),
                film_id: Some(s.film_id),
                title: Some(s.title),
                position_s: s.live.position_s,
                duration_s: s.duration_s,
                ended,
            },
            None => Status {
                state: State::Idle,
                play_id: None,
                film_id: None,
                title: None,
                position_s: None,
                duration_s: None,
                message: None,
                ended,
            },
        }
    }

    /// Ends `s`'s play at `position_s` (its last heartbeat stands when `None`) and notes
    /// why for the renderer's status.
    pub async fn finish(
        &self,
        renderer: &str,
        plays: &Arc<Plays>,
        s: &Session,
        position_s: Option<f64>,
        reason: EndReason,
    ) {
        let watched = end(plays, s, position_s)
            .await
            .map_or(0, |e| e.viewing.watched_s);
        let mut ended = self.ended.lock().unwrap_or_else(|e| e.into_inner());
        if ended.len() >= MAX_ENDED && !ended.contains_key(renderer) {
            ended.retain(|_, n| n.recent());
            if ended.len() >= MAX_ENDED {
                ended.clear();
            }
        }
        let note = EndedNote::new(s.play_id.clone(), watched, reason);
        ended.insert(renderer.to_owned(), note);
    }

    /// Makes `session` the renderer's play and polls it until it ends.
    pub fn begin(
        self: &Arc<Self>,
        renderer: &str,
        mut session: Session,
        plays: Arc<Plays>,
        polling: Polling,
    ) {
        {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            *next += 1;
            session.generation = *next;
        }
        self.lock().insert(renderer.to_owned(), session.clone());
        let pushes = self.clone();
        let renderer = renderer.to_owned();
        tokio::spawn(async move { pushes.poll(&renderer, session, plays, polling).await });
    }

    async fn poll(&self, renderer: &str, s: Session, plays: Arc<Plays>, polling: Polling) {
        let mut last_answer = Instant::now();
        let mut last_pos: Option<f64> = None;
        let mut seen_playing = false;
        let began = Instant::now();
        let reason = loop {
            tokio::time::sleep(polling.every).await;
            if self.current(renderer).map(|c| c.generation) != Some(s.generation) {
                tracing::debug!(play = %s.play_id, "poll replaced");
                return; // stopped or replaced by the API, which ended the play
            }
            let answer = async {
                Ok::<_, CallError>((s.avt.transport_info().await?, s.avt.position().await?))
            };
            match answer.await {
                Ok((transport, pos)) => {
                    tracing::debug!(play = %s.play_id, state = %transport.state, ?pos, "TV poll");
                    last_answer = Instant::now();
                    seen_playing |= !transport.idle();
                    let state = State::of(&transport, seen_playing);
                    let pos = pos.filter(|_| !transport.idle());
                    last_pos = pos.or(last_pos);
                    self.observe(renderer, s.generation, state, last_pos, None);
                    if let Some(p) = pos {
                        if !heartbeat(&plays, &s, p).await {
                            self.forget(renderer, s.generation);
                            let why = EndReason::EndedElsewhere;
                            self.finish(renderer, &plays, &s, None, why).await;
                            return;
                        }
                    }
                    let seen = Seen {
                        last_pos,
                        seen_playing,
                        waited: began.elapsed(),
                    };
                    if let Some(why) = ended(&transport, &seen, s.duration_s, polling) {
                        tracing::info!(play = %s.play_id, ?why, "a pushed play ends");
                        break why;
                    }
                }
                Err(e) if last_answer.elapsed() >= polling.grace => {
                    tracing::info!(play = %s.play_id, error = %e, "a pushed play ends: its TV stopped answering");
                    break EndReason::Unreachable;
                }
                Err(e) => {
                    tracing::info!(play = %s.play_id, error = %e, "the TV did not answer a poll");
                    let since = Some(last_answer);
                    self.observe(renderer, s.generation, State::Unreachable, last_pos, since);
                }
            }
        };
        if self.forget(renderer, s.generation) {
            self.finish(renderer, &plays, &s, last_pos, reason).await;
        }
    }

    /// Keeps what the poll read, if the session is still `generation`.
    fn observe(
        &self,
        renderer: &str,
        generation: u64,
        state: State,
        position_s: Option<f64>,
        silent_since: Option<Instant>,
    ) {
        let mut sessions = self.lock();
        if let Some(c) = sessions.get_mut(renderer) {
            if c.generation == generation {
                c.live = Live {
                    state,
                    position_s,
                    silent_since,
                };
            }
        }
    }

    /// Takes the session off if it is still `generation`; true when it was.
    fn forget(&self, renderer: &str, generation: u64) -> bool {
        let mut sessions = self.lock();
        if sessions.get(renderer).map(|c| c.generation) == Some(generation) {
            sessions.remove(renderer);
            return true;
        }
        false
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What the poll has seen of a pushed play so far.
struct Seen {
    last_pos: Option<f64>,
    seen_playing: bool,
    /// Since the push.
    waited: Duration,
}

/// Whether the TV's answer ends the play, and why.
fn ended(
    transport: &Transport,
    seen: &Seen,
    duration_s: Option<f64>,
    polling: Polling,
) -> Option<EndReason> {
    let within =
        |slack: f64| matches!((seen.last_pos, duration_s), (Some(p), Some(d)) if p >= d - slack);
    if within(END_SLACK_S) {
        return Some(EndReason::FilmEnd);
    }
    if transport.idle() && seen.seen_playing {
        // Stopped by itself within a poll of the end: it played to the end.
        return Some(match within(polling.every.as_secs_f64() + END_SLACK_S) {
            true => EndReason::FilmEnd,
            false => EndReason::StoppedOnTv,
        });
    }
    if !seen.seen_playing && seen.waited >= polling.grace {
        return Some(EndReason::NeverStarted);
    }
    None
}

/// A heartbeat at `position_s`; false when the play is over (ended elsewhere).
async fn heartbeat(plays: &Arc<Plays>, s: &Session, position_s: f64) -> bool {
    let (plays, s) = (plays.clone(), s.clone());
    let done = tokio::task::spawn_blocking(move || {
        let actor = Actor {
            who: &s.who,
            client: Some(s.client),
        };
        plays.heartbeat(&s.play_id, actor, position_s)
    })
    .await;
    match done {
        Ok(Ok(_)) => true,
        Ok(Err(PlaysError::Ended(_) | PlaysError::UnknownPlay(_) | PlaysError::NotYours(_))) => {
            false
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "a pushed play's heartbeat failed");
            true
        }
        Err(_) => true,
    }
}

/// Ends the play at `position_s` (its last heartbeat stands when `None`); its viewing
/// entry (the one it made already, if it had ended).
async fn end(plays: &Arc<Plays>, s: &Session, position_s: Option<f64>) -> Option<Ended> {
    let (plays, s) = (plays.clone(), s.clone());
    let done = tokio::task::spawn_blocking(move || {
        let actor = Actor {
            who: &s.who,
            client: Some(s.client),
        };
        plays.end(&s.play_id, actor, position_s)
    })
    .await;
    match done {
        Ok(Ok(ended)) => Some(ended),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "a pushed play could not be ended");
            None
        }
        Err(_) => None,
    }
}

impl Session {
    /// The session of a play just started on the renderer at `client`.
    pub fn new(play: &Play, who: Principal, client: IpAddr, avt: AvTransport) -> Session {
        Session {
            play_id: play.id.clone(),
            film_id: play.film_id.clone(),
            title: play.film_title.clone(),
            who,
            client,
            avt,
            duration_s: (play.duration_s > 0.0).then_some(play.duration_s),
            live: Live::default(),
            generation: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(last_pos: Option<f64>, seen_playing: bool, waited_s: u64) -> Seen {
        Seen {
            last_pos,
            seen_playing,
            waited: Duration::from_secs(waited_s),
        }
    }

    #[test]
    fn a_tv_that_stops_by_itself_ended_the_film_only_near_its_end() {
        let polling = Polling {
            every: Duration::from_secs(5),
            grace: Duration::from_secs(30),
        };
        let t = |state: &str| Transport {
            state: state.into(),
        };
        let d = Some(600.0);
        let end = |pos, state: &str| ended(&t(state), &seen(Some(pos), true, 60), d, polling);
        assert_eq!(end(599.5, "PLAYING"), Some(EndReason::FilmEnd));
        assert_eq!(end(300.0, "PLAYING"), None);
        assert_eq!(end(596.0, "STOPPED"), Some(EndReason::FilmEnd));
        assert_eq!(end(300.0, "STOPPED"), Some(EndReason::StoppedOnTv));
        let waiting = |s| ended(&t("STOPPED"), &seen(None, false, s), d, polling);
        assert_eq!(waiting(10), None);
        assert_eq!(waiting(30), Some(EndReason::NeverStarted));
    }
}
