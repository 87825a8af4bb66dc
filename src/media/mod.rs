//! Everything that touches FFmpeg (through `ffmpeg-next`): probing, posters, title cards,
//! generated clips — run inside `dianjiao-worker` processes, never on untrusted bytes in the
//! server process — and the pool that feeds those workers over pipes.

pub mod card;
pub mod dedicated;
mod encoded;
pub mod inputs;
pub mod limits;
pub mod open;
pub mod pool;
pub mod prepare;
pub mod probe;
pub mod protocol;
pub mod safe_open;
pub mod synth;
pub mod tags;
pub mod thumb;
pub mod worker;

pub use limits::MediaLimits;
pub use pool::{PoolConfig, WorkerPool};
pub use protocol::{ClipSpec, FailureKind, MediaFailure, Reply, Request};
