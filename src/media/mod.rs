//! Media: what the server decides about a film, and the worker processes that carry it out.
//!
//! Two halves, kept apart so that the server process never maps FFmpeg's libraries:
//!
//! * **The plan and the pipes**, used by the server, no FFmpeg: [`prepare`] (from a probe:
//!   remux or transcode and why, geometry, ladder, codecs, segments, playlists),
//!   [`protocol`] (the messages to and from a worker), [`pool`] and [`dedicated`] (starting
//!   `dianjiao-worker` processes and talking to them), [`worker`] (their command line),
//!   [`limits`], and [`safe_open`] (opening files without following links; the workers use
//!   it too).
//! * **The executors**, [`executors`]: everything that calls FFmpeg (probe, posters, title
//!   cards, remux, transcode, assembly, generated clips) and the worker's request loop with
//!   its sandbox. Only the `dianjiao-worker` program (`src/bin/dianjiao-worker.rs`) calls
//!   into them — never the server, never on untrusted bytes in the server process.
//!
//! * **Fixtures**, [`fixtures`]: the `ffmpeg` command-line recipes of the films the tests and
//!   the benchmarks make (the DVD, the broadcast H.264), written once; never called by the
//!   server.
//!
//! Both programs link this one library; the `dianjiao` binary's code never reaches an
//! executor, so the linker drops them, and rust-lld (Rust's default linker on x86_64 Linux
//! since 1.90) records a shared library as needed only when code it keeps uses it: the
//! server gets no libav* at all (the test `lean_server` reads its `/proc/PID/maps`). A
//! linker that keeps the references of dropped code (GNU ld does) would bring them back;
//! then the executors would have to become a crate of their own, under `src/`, that only
//! the worker depends on.

pub mod dedicated;
pub mod executors;
pub mod fixtures;
pub mod limits;
pub mod pool;
pub mod prepare;
pub mod protocol;
pub mod safe_open;
pub mod worker;

pub use limits::MediaLimits;
pub use pool::{PoolConfig, WorkerPool};
pub use protocol::{ClipSpec, FailureKind, MediaFailure, Reply, Request};
