//! What a renderer is doing, as the broadcaster's phone shows it: the state the poll last
//! read (or that the TV stopped answering), the position it last reported, and how the most
//! recent pushed play on it ended — kept [`ENDED_KEPT`] so a phone that slept still learns
//! that the film ended, the TV went away or someone pressed stop.

use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use super::avt::Transport;

/// How long the end of a pushed play is shown on the renderer's status.
pub const ENDED_KEPT: Duration = Duration::from_secs(600);

/// The renderer's state as the phone shows it.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Nothing pushed is playing.
    Idle,
    /// Pushed; the TV has not started playing yet.
    Starting,
    Playing,
    Paused,
    /// The TV is loading or buffering (`TRANSITIONING`).
    Transitioning,
    /// The TV stopped answering; the play ends at its last position after the grace period.
    Unreachable,
}

impl State {
    /// The state `GetTransportInfo` says, once the TV has (or has not yet) started playing.
    pub fn of(transport: &Transport, seen_playing: bool) -> State {
        match transport.state.as_str() {
            "PAUSED_PLAYBACK" | "PAUSED_RECORDING" => State::Paused,
            "TRANSITIONING" => State::Transitioning,
            _ if !seen_playing => State::Starting,
            _ => State::Playing,
        }
    }
}

/// Why a pushed play ended.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The TV played to the film's end.
    FilmEnd,
    /// Someone pressed stop (the phone or the office).
    Stopped,
    /// The TV stopped by itself (its own remote, another phone casting to it).
    StoppedOnTv,
    /// The TV stopped answering for the grace period (switched off, off the network).
    Unreachable,
    /// The TV never started playing within the grace period.
    NeverStarted,
    /// Another film was pushed to the same TV.
    Replaced,
    /// The play was ended elsewhere (the office, the idle sweeper).
    EndedElsewhere,
}

impl EndReason {
    /// The sentence the phone shows.
    pub fn message(self) -> &'static str {
        match self {
            EndReason::FilmEnd => "影片已经放完（the film has ended）",
            EndReason::Stopped => "放映已停止（the showing was stopped）",
            EndReason::StoppedOnTv => {
                "电视自己停止了播放，可能有人用遥控器或别的手机操作了电视（the TV stopped playing by itself）"
            }
            EndReason::Unreachable => {
                "电视长时间没有应答（可能关机或断网），放映已在最后报告的位置结束（the TV stopped answering; the showing ended at its last position）"
            }
            EndReason::NeverStarted => {
                "电视一直没有开始播放，本次放映已结束，请检查电视后重新推送（the TV never started playing）"
            }
            EndReason::Replaced => {
                "这台电视改放了另一部影片，上一部的放映已结束（another film was pushed to this TV）"
            }
            EndReason::EndedElsewhere => "放映已在别处结束（the showing was ended elsewhere）",
        }
    }
}

/// How the most recent pushed play on a renderer ended.
#[derive(Clone, Debug, Serialize)]
pub struct EndedNote {
    pub play_id: String,
    /// The viewing's credited film time, whole seconds (0 when no viewing was made).
    pub watched_s: u64,
    pub reason: EndReason,
    pub message: &'static str,
    #[serde(skip)]
    pub at: Instant,
}

impl EndedNote {
    pub fn new(play_id: String, watched_s: u64, reason: EndReason) -> EndedNote {
        EndedNote {
            play_id,
            watched_s,
            reason,
            message: reason.message(),
            at: Instant::now(),
        }
    }

    /// Still worth showing.
    pub fn recent(&self) -> bool {
        self.at.elapsed() < ENDED_KEPT
    }
}

/// What the poll last learned of a pushed play.
#[derive(Clone, Debug)]
pub struct Live {
    pub state: State,
    /// The position the TV last reported, seconds.
    pub position_s: Option<f64>,
    /// Since when the TV has not answered (the first failed poll after an answer).
    pub silent_since: Option<Instant>,
}

impl Default for Live {
    fn default() -> Live {
        Live {
            state: State::Starting,
            position_s: None,
            silent_since: None,
        }
    }
}

/// `GET /api/v1/renderers/{id}/status`.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    pub state: State,
    pub play_id: Option<String>,
    pub film_id: Option<String>,
    pub title: Option<String>,
    pub position_s: Option<f64>,
    pub duration_s: Option<f64>,
    /// A sentence for the broadcaster's phone, or null.
    pub message: Option<String>,
    pub ended: Option<EndedNote>,
}

/// The phone's sentence for a live state.
pub fn message(live: &Live, grace: Duration) -> Option<String> {
    match live.state {
        State::Starting => {
            Some("已发送到电视，正在等电视开始播放（waiting for the TV to start）".into())
        }
        State::Transitioning => Some("电视正在加载影片（the TV is loading the film）".into()),
        State::Unreachable => {
            let silent = live.silent_since.map_or(0, |t| t.elapsed().as_secs());
            let left = grace.as_secs().saturating_sub(silent);
            Some(format!(
                "电视已经 {silent} 秒没有应答（可能关机或断网）；如果 {left} 秒内仍不应答，放映将在最后报告的位置结束（the TV is not answering; the showing will end at its last position）"
            ))
        }
        State::Idle | State::Playing | State::Paused => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(state: &str) -> Transport {
        Transport {
            state: state.into(),
        }
    }

    #[test]
    fn transport_states_read_as_the_phone_shows_them() {
        assert_eq!(State::of(&t("PLAYING"), true), State::Playing);
        assert_eq!(State::of(&t("PAUSED_PLAYBACK"), true), State::Paused);
        assert_eq!(State::of(&t("TRANSITIONING"), false), State::Transitioning);
        assert_eq!(State::of(&t("STOPPED"), false), State::Starting);
        assert_eq!(State::of(&t("NO_MEDIA_PRESENT"), false), State::Starting);
    }

    #[test]
    fn an_unreachable_tv_is_said_with_the_time_left() {
        let live = Live {
            state: State::Unreachable,
            position_s: Some(3.0),
            silent_since: Some(Instant::now()),
        };
        let m = message(&live, Duration::from_secs(30)).unwrap();
        assert!(m.contains("30 秒内"), "{m}");
        let playing = Live {
            state: State::Playing,
            ..live
        };
        assert_eq!(message(&playing, Duration::from_secs(30)), None);
    }
}
