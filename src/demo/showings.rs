//! One showing of the demo year, made through the plays API as the real thing makes it: a
//! TV reports positions (or the office pushes a film to a TV and polls it), members sign
//! in, the broadcaster notes the discussion; or a TV that reports nothing fetches the film
//! and the play is inferred from its requests and closed when it goes idle.

use time::Duration;

use super::cast::Point;
use super::script::Running;
use super::DemoError;
use crate::accounts::{Principal, Role};
use crate::app::App;
use crate::plays::{Actor, Delivered, Requester};
use crate::records::Source;

/// How a showing reaches the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// The paired TV's UI reports it (`tv_ui`).
    Tv,
    /// Started on the TV and stopped after 40 s: recorded, not counted (`aborted`).
    Stopped,
    /// The office pushes the film to the DLNA TV (`dlna_push`).
    Push,
    /// The DLNA TV fetches the film by itself (`dlna`, inferred).
    Dlna,
    /// A player on the station's LAN opens the film's URL (`direct`, inferred).
    Direct,
}

/// A film the demo year shows.
#[derive(Clone, Debug)]
pub struct Reel {
    pub id: String,
    pub duration_s: f64,
}

/// What happens at one showing.
pub struct Showing<'a> {
    pub point: &'a Point,
    pub reel: &'a Reel,
    pub how: How,
    /// Share of the film watched (0–1).
    pub share: f64,
    /// How many members sign in (reported plays only).
    pub attendees: usize,
    /// The first member who signs in, by roster position (they take turns).
    pub first_member: usize,
    pub discussion: Option<&'a str>,
    pub feedback: Option<&'a str>,
}

/// Position reports every minute, as the TV UI's heartbeats (and the push poll) come.
const REPORT_EVERY_S: f64 = 60.0;
/// Media requests of a TV that reports nothing, one every half minute.
const FETCH_EVERY_S: f64 = 30.0;

/// Makes the showing; returns the seq of its last sign-in, if any.
pub fn show(app: &App, run: &Running, s: &Showing) -> Result<Option<u64>, DemoError> {
    // Drops reported plays ended long ago from the ones that absorb media requests.
    app.plays.sweep();
    match s.how {
        How::Tv | How::Stopped | How::Push => reported(app, run, s),
        How::Dlna | How::Direct => inferred(app, run, s).map(|()| None),
    }
}

fn reported(app: &App, run: &Running, s: &Showing) -> Result<Option<u64>, DemoError> {
    let office = Principal::User {
        name: super::account::DEMO_USER.into(),
        role: Role::Admin,
    };
    let (who, client) = match s.how {
        How::Push => (&office, s.point.dlna_ip),
        _ => (&s.point.tv, s.point.tv_ip),
    };
    let actor = Actor {
        who,
        client: Some(client),
    };
    let play = match s.how {
        How::Push => {
            app.plays
                .start_from(&s.reel.id, actor, Some(&s.point.id), 0.0, Source::DlnaPush)?
        }
        _ => app.plays.start(&s.reel.id, actor, None, 0.0)?,
    };
    let watch_s = match s.how {
        How::Stopped => 40.0,
        _ => (s.reel.duration_s * s.share).floor(),
    };
    let mut last_signin = None;
    let mut position = 0.0;
    while position < watch_s {
        let step = REPORT_EVERY_S.min(watch_s - position);
        run.advance(Duration::seconds_f64(step));
        position += step;
        app.plays.heartbeat(&play.id, actor, position)?;
        if last_signin.is_none() && position >= 2.0 * REPORT_EVERY_S {
            last_signin = sign_in(app, actor, &play.id, s)?;
        }
    }
    app.plays.end(&play.id, actor, Some(position))?;
    run.advance(Duration::minutes(8));
    if let Some(text) = s.discussion.filter(|_| s.how != How::Stopped) {
        app.plays.discuss(&play.id, actor, text)?;
    }
    if let Some(text) = s.feedback.filter(|_| s.how != How::Stopped) {
        run.advance(Duration::minutes(3));
        app.plays.feedback(&play.id, actor, text)?;
    }
    Ok(last_signin)
}

/// Members in turn from `first_member`; returns the last sign-in's seq.
fn sign_in(app: &App, actor: Actor<'_>, play: &str, s: &Showing) -> Result<Option<u64>, DemoError> {
    let roster = &s.point.members;
    let mut last = None;
    for k in 0..s.attendees.min(roster.len()) {
        let member = &roster[(s.first_member + k) % roster.len()];
        last = Some(app.plays.sign_in(play, actor, &member.id)?.entry.seq);
    }
    Ok(last)
}

fn inferred(app: &App, run: &Running, s: &Showing) -> Result<(), DemoError> {
    let who = match s.how {
        How::Direct => Requester {
            station: Some(s.point.id.clone()),
            client: Some(s.point.player_ip),
        },
        _ => Requester {
            station: None,
            client: Some(s.point.dlna_ip),
        },
    };
    // The film's tv.mp4 as a TV reads it, in ranges: bytes map to film time in proportion.
    let len = (s.reel.duration_s * 40_000.0) as u64;
    let watch_s = (s.reel.duration_s * s.share).floor();
    let mut position = 0.0;
    while position < watch_s {
        let step = FETCH_EVERY_S.min(watch_s - position);
        let bytes = |t: f64| (t / s.reel.duration_s * len as f64) as u64;
        let what = Delivered::Bytes {
            from: bytes(position),
            to: bytes(position + step),
            len,
        };
        app.plays.observe(who.clone(), &s.reel.id, what);
        run.advance(Duration::seconds_f64(step));
        position += step;
    }
    app.plays.sweep();
    // Idle past the limit: the next sweep closes the play and records the viewing.
    run.advance(Duration::seconds(app.settings.play_idle_secs as i64 + 5));
    app.plays.sweep();
    Ok(())
}
