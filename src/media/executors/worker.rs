//! The `dianjiao-worker` process: reads one JSON [`Request`] per line on stdin, does it with
//! FFmpeg, writes one JSON [`Reply`] per line on stdout. It limits its own memory and CPU
//! priority first, so that a hostile file can only hurt this process, which the server's
//! [`WorkerPool`](crate::media::pool::WorkerPool) replaces. Each request runs on a thread that
//! opens and checks its input files, then sandboxes itself to them (see `sandbox`).

use std::io::{self, BufRead, Write};
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Sender};
use std::time::{Duration, Instant};

use super::{assemble, card, inputs, probe, remux, synth, thumb, transcode};
use crate::media::prepare::{Action, Event};
use crate::media::protocol::{
    Envelope, FailureKind, MediaFailure, PrepareJob, PreparedOutputs, Reply, Request,
};
use crate::media::worker::WorkerOptions;

mod sandbox;

/// Runs a worker on this process's stdin and stdout until stdin closes.
pub fn run(opts: WorkerOptions) -> io::Result<()> {
    // First, before any thread starts: every thread inherits it.
    sandbox::no_new_privs();
    exit_when_orphaned()?;
    limit_memory(opts.memory_mb);
    lower_priority(opts.nice);
    probe::init_ffmpeg().map_err(|f| io::Error::other(f.detail))?;
    serve(io::stdin().lock(), io::stdout().lock(), &opts)
}

/// Ends this process soon after the server that started it dies, even in the middle of a
/// long request (between requests, EOF on stdin ends it anyway). Not PR_SET_PDEATHSIG: that
/// fires when the *thread* that spawned us exits, and the pool spawns from short-lived
/// blocking threads.
fn exit_when_orphaned() -> io::Result<()> {
    // SAFETY: getppid has no preconditions and cannot fail.
    let parent = unsafe { libc::getppid() };
    std::thread::Builder::new()
        .name("orphan-watch".into())
        .spawn(move || loop {
            std::thread::sleep(ORPHAN_POLL);
            // SAFETY: as above. When the parent dies we are re-parented, so the id changes.
            if unsafe { libc::getppid() } != parent {
                // SAFETY: _exit ends the process at once, without running atexit handlers
                // that could race with FFmpeg still working on the main thread.
                unsafe { libc::_exit(1) };
            }
        })
        .map(drop)
}

/// How often a worker checks that its server is still alive.
const ORPHAN_POLL: Duration = Duration::from_millis(250);

/// The request loop: one reply line per request line, until `input` ends. A `Prepare`
/// also gets `Progress` lines while it works and, just in time, a `Segment` line per
/// segment, each flushed at once.
pub fn serve<R: BufRead, W: Write>(
    mut input: R,
    mut output: W,
    opts: &WorkerOptions,
) -> io::Result<()> {
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let reply = match serde_json::from_slice::<Envelope>(&line) {
            Ok(envelope) => run_request(&envelope, opts, &mut output),
            Err(e) => failed(FailureKind::Unreadable, format!("malformed request: {e}")),
        };
        write_reply(&mut output, &reply)?;
    }
}

/// Does one request on a thread of its own, which opens and checks the inputs, sandboxes
/// itself to them, then works; this thread relays its interim lines and returns its reply.
fn run_request<W: Write>(envelope: &Envelope, opts: &WorkerOptions, output: &mut W) -> Reply {
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|scope| {
        let job = std::thread::Builder::new()
            .name("job".into())
            // As much stack as a main thread: decoders were written for one.
            .stack_size(JOB_STACK)
            .spawn_scoped(scope, move || confined_job(envelope, opts, &tx));
        let job = match job {
            Ok(job) => job,
            Err(e) => return failed(FailureKind::WorkerCrashed, format!("no job thread: {e}")),
        };
        for interim in rx {
            // A broken pipe shows up again when the final reply is written.
            let _ = write_reply(output, &interim);
        }
        job.join()
            .unwrap_or_else(|_| failed(FailureKind::WorkerCrashed, "the job thread died".into()))
    })
}

/// Stack of a request's thread.
const JOB_STACK: usize = 8 * 1024 * 1024;

/// The request's own thread: inputs opened and checked, the sandbox, then the work.
fn confined_job(envelope: &Envelope, opts: &WorkerOptions, tx: &Sender<Reply>) -> Reply {
    let req = &envelope.request;
    let files = match inputs::open_all(req, &envelope.expect) {
        Ok(files) => files,
        Err(failure) => return Reply::Failed { failure },
    };
    if let Err(e) = sandbox::restrict_thread(&files, &req.output_dirs()) {
        return failed(
            FailureKind::WorkerCrashed,
            format!("cannot sandbox the job: {e}"),
        );
    }
    let jit = matches!(req, Request::Prepare { job } if job.jit);
    let mut last: Option<Instant> = None;
    let mut report = |event: Event| {
        let position_s = match event {
            Event::Progress(position_s) => position_s,
            // Only a just-in-time job's server waits for segments; any other would take the
            // line for the final reply.
            Event::SegmentReady(index) if jit => {
                let _ = tx.send(Reply::Segment { index });
                return;
            }
            Event::SegmentReady(_) => return,
        };
        if last.is_some_and(|t| t.elapsed() < PROGRESS_INTERVAL) {
            return;
        }
        let first = last.is_none();
        last = Some(Instant::now());
        let _ = tx.send(Reply::Progress { position_s });
        if first && opts.debug_delay_ms > 0 {
            std::thread::sleep(Duration::from_millis(opts.debug_delay_ms));
        }
    };
    handle_guarded(req, opts, &mut report)
}

/// The shortest time between two `Progress` lines (at most 5 a second).
const PROGRESS_INTERVAL: Duration = Duration::from_millis(200);

/// Writes one reply line and flushes it, so the server sees it at once.
fn write_reply<W: Write>(output: &mut W, reply: &Reply) -> io::Result<()> {
    serde_json::to_writer(&mut *output, reply).map_err(io::Error::other)?;
    output.write_all(b"\n")?;
    output.flush()
}

/// Does one request; a panic becomes a `WorkerCrashed` reply instead of ending the worker.
fn handle_guarded(req: &Request, opts: &WorkerOptions, progress: &mut dyn FnMut(Event)) -> Reply {
    panic::catch_unwind(AssertUnwindSafe(|| handle(req, opts, progress))).unwrap_or_else(
        |payload| {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            failed(
                FailureKind::WorkerCrashed,
                format!("worker panicked: {what}"),
            )
        },
    )
}

fn handle(req: &Request, opts: &WorkerOptions, progress: &mut dyn FnMut(Event)) -> Reply {
    let done = |r: Result<(), MediaFailure>| {
        r.map_or_else(|failure| Reply::Failed { failure }, |()| Reply::Done)
    };
    match req {
        Request::Probe { path } => {
            if opts.debug_delay_ms > 0 {
                std::thread::sleep(Duration::from_millis(opts.debug_delay_ms));
            }
            match probe::probe_file(path, &opts.limits) {
                Ok(report) => Reply::Probed { report },
                Err(failure) => Reply::Failed { failure },
            }
        }
        Request::Poster {
            path,
            out,
            duration_s,
        } => done(thumb::write_poster(path, out, *duration_s, &opts.limits)),
        Request::TitleCard {
            title,
            subtitle,
            out,
        } => done(card::write_title_card(title, subtitle.as_deref(), out)),
        Request::Synth { spec, out } => done(synth::write_clip(spec, out)),
        Request::Assemble { segments, out } => {
            done(assemble::assemble_mp4(segments, out, &opts.limits))
        }
        Request::Prepare { job } => match prepare_film(job, opts, progress) {
            Ok(outputs) => Reply::Prepared { outputs },
            Err(failure) => Reply::Failed { failure },
        },
    }
}

/// Carries out a preparation plan with the executor its action calls for.
fn prepare_film(
    job: &PrepareJob,
    opts: &WorkerOptions,
    progress: &mut dyn FnMut(Event),
) -> Result<PreparedOutputs, MediaFailure> {
    match job.plan.decision.action {
        // A remux with lower rungs encodes their pictures: the transcode run does that,
        // copying the source rung's picture and every rung's sound.
        Action::Remux if job.plan.ladder.len() > 1 => {
            transcode::transcode(job, &opts.limits, progress)
        }
        Action::Remux | Action::AudioOnly { remux_audio: true } => {
            remux::remux(job, &opts.limits, progress)
        }
        Action::Transcode | Action::CopyVideo | Action::AudioOnly { remux_audio: false } => {
            transcode::transcode(job, &opts.limits, progress)
        }
        Action::Unplayable => Err(MediaFailure {
            kind: FailureKind::Damaged,
            detail: "the plan says the film cannot be played; nothing to prepare".into(),
        }),
    }
}

fn failed(kind: FailureKind, detail: String) -> Reply {
    Reply::Failed {
        failure: MediaFailure { kind, detail },
    }
}

/// Caps this process's address space, so a decoder that runs away fails to allocate.
fn limit_memory(mb: u64) {
    if mb == 0 {
        return;
    }
    let bytes = mb.saturating_mul(1024 * 1024);
    let limit = libc::rlimit {
        rlim_cur: bytes,
        rlim_max: bytes,
    };
    // SAFETY: setrlimit reads the struct we pass; it affects only this process.
    if unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) } != 0 {
        let error = io::Error::last_os_error();
        tracing::warn!(mb, %error, "worker could not limit its memory");
    }
}

/// Lowers this process's CPU priority, so streaming is never starved by probing.
fn lower_priority(nice: i32) {
    if nice == 0 {
        return;
    }
    // SAFETY: setpriority on our own process (who = 0) with a plain integer.
    if unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, nice) } != 0 {
        let error = io::Error::last_os_error();
        tracing::warn!(nice, %error, "worker could not lower its priority");
    }
}

#[cfg(test)]
mod tests;
