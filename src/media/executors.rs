//! The FFmpeg executors, run only inside `dianjiao-worker` processes: [`probe`], posters
//! ([`thumb`]), title cards ([`card`]), generated clips ([`synth`]); the executors that carry
//! a preparation [`Plan`](super::prepare::Plan) out — [`remux`] and [`transcode`], writing
//! through [`output`], starting at [`start`] — and [`assemble`] (just-in-time segments into
//! one `tv.mp4`); the inputs a request may read ([`inputs`], [`open`]); and the [`worker`]
//! request loop with its sandbox. Nothing outside this module but the `dianjiao-worker`
//! program calls into it: that keeps FFmpeg's libraries out of the server (see
//! [`crate::media`]).

pub mod assemble;
pub mod card;
mod encoded;
pub mod inputs;
pub mod open;
pub mod output;
pub mod probe;
pub mod remux;
pub mod rotation;
pub mod start;
pub mod synth;
pub mod tags;
pub mod thumb;
pub mod transcode;
pub mod worker;
