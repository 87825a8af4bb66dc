//! Films pushed to renderers: at most one play per renderer, whose exact record comes from
//! a server-side poll (`GetTransportInfo` + `GetPositionInfo` every `dlna_push_poll_secs`).
//! Positions become heartbeats of the play through the plays API (its clock checks apply);
//! `STOPPED`/`NO_MEDIA_PRESENT` or the film's end ends it, and a renderer that stops
//! answering (or never starts playing) for [`PUSH_GRACE`] ends it at its last position.
//! Kept in memory: a restart leaves the plays to the idle sweeper, which closes them at
//! their last heartbeat.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::avt::{AvTransport, CallError};
use crate::accounts::Principal;
use crate::plays::{Actor, Plays, PlaysError};

/// A renderer that has not answered for this long is taken as switched off.
pub const PUSH_GRACE: Duration = Duration::from_secs(30);
/// Within this much of the film's end, the film has ended.
const END_SLACK_S: f64 = 1.0;

/// One pushed play.
#[derive(Clone)]
pub struct Session {
    pub play_id: String,
    /// Who pushed it: the play's owner, whose heartbeats the poll sends.
    pub who: Principal,
    /// The renderer's address: the play's `client`, so its media requests count under it.
    pub client: IpAddr,
    pub avt: AvTransport,
    pub duration_s: Option<f64>,
    /// Bumped for every new session, so an old poll stops.
    generation: u64,
}

/// The pushed plays, by renderer UDN.
#[derive(Default)]
pub struct Pushes {
    sessions: Mutex<HashMap<String, Session>>,
    next: Mutex<u64>,
    last: Mutex<HashMap<String, f64>>,
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

    /// The last position the poll read for `play_id`.
    pub fn last_position(&self, play_id: &str) -> Option<f64> {
        self.last
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(play_id)
            .copied()
    }

    fn set_last(&self, play_id: &str, at: f64) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if last.len() > 4096 {
            last.clear();
        }
        last.insert(play_id.to_owned(), at);
    }

    /// Makes `session` the renderer's play and polls it every `every` until it ends.
    pub fn begin(
        self: &Arc<Self>,
        renderer: &str,
        mut session: Session,
        plays: Arc<Plays>,
        every: Duration,
    ) {
        {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            *next += 1;
            session.generation = *next;
        }
        self.lock().insert(renderer.to_owned(), session.clone());
        let pushes = self.clone();
        let renderer = renderer.to_owned();
        tokio::spawn(async move { pushes.poll(&renderer, session, plays, every).await });
    }

    async fn poll(&self, renderer: &str, s: Session, plays: Arc<Plays>, every: Duration) {
        let mut last_answer = Instant::now();
        let mut last_pos: Option<f64> = None;
        let mut seen_playing = false;
        let began = Instant::now();
        loop {
            tokio::time::sleep(every).await;
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
                    if let Some(p) = pos.filter(|_| !transport.idle()) {
                        last_pos = Some(p);
                        self.set_last(&s.play_id, p);
                        if !heartbeat(&plays, &s, p).await {
                            self.forget(renderer, s.generation);
                            return;
                        }
                    }
                    let at_end = matches!((last_pos, s.duration_s), (Some(p), Some(d)) if p >= d - END_SLACK_S);
                    if (transport.idle() && seen_playing) || at_end {
                        break;
                    }
                    if !seen_playing && began.elapsed() >= PUSH_GRACE {
                        tracing::info!(play = %s.play_id, "a pushed play ends: its TV never started playing");
                        break;
                    }
                }
                Err(e) if last_answer.elapsed() >= PUSH_GRACE => {
                    tracing::info!(play = %s.play_id, error = %e, "a pushed play ends: its TV stopped answering");
                    break;
                }
                Err(e) => {
                    tracing::info!(play = %s.play_id, error = %e, "the TV did not answer a poll")
                }
            }
        }
        if self.forget(renderer, s.generation) {
            end(&plays, &s, last_pos).await;
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

/// Ends the play at `position_s` (its last heartbeat stands when `None`).
pub async fn end(plays: &Arc<Plays>, s: &Session, position_s: Option<f64>) {
    let (plays, s) = (plays.clone(), s.clone());
    let done = tokio::task::spawn_blocking(move || {
        let actor = Actor {
            who: &s.who,
            client: Some(s.client),
        };
        plays.end(&s.play_id, actor, position_s)
    })
    .await;
    if let Ok(Err(e)) = done {
        tracing::warn!(error = %e, "a pushed play could not be ended");
    }
}

impl Session {
    pub fn new(
        play_id: String,
        who: Principal,
        client: IpAddr,
        avt: AvTransport,
        duration_s: Option<f64>,
    ) -> Session {
        Session {
            play_id,
            who,
            client,
            avt,
            duration_s,
            generation: 0,
        }
    }
}
