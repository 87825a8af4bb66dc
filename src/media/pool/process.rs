//! One worker process: starting it from its command line with piped stdin/stdout, the
//! thread that reads its reply lines, and killing and reaping it.

use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;

use super::PoolConfig;

/// The longest reply line read from a worker; a longer one ends that worker.
const MAX_REPLY_BYTES: u64 = 64 * 1024 * 1024;

/// One worker process, its stdin, and the lines its reader thread got from its stdout.
#[derive(Debug)]
pub(in crate::media) struct Worker {
    pub(super) child: Child,
    pub(in crate::media) stdin: ChildStdin,
    pub(in crate::media) replies: Receiver<Vec<u8>>,
    pub(in crate::media) pid: u32,
}

impl Worker {
    /// True once the process has ended (it is reaped then).
    pub(in crate::media) fn exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    /// Kills and reaps the process (again is harmless); says how it ended.
    pub(super) fn kill_and_reap(&mut self) -> String {
        // Kill first: a worker that closed stdout may still be running.
        let _ = self.child.kill();
        match self.child.wait() {
            Ok(status) => status.to_string(),
            Err(e) => format!("not reaped: {e}"),
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill_and_reap();
    }
}

/// Starts `<exe> <options>` with piped stdin/stdout and a reader thread.
pub(in crate::media) fn spawn_worker(cfg: &PoolConfig) -> io::Result<Worker> {
    spawn(&mut worker_command(cfg))
}

/// The command line of a worker.
pub(in crate::media) fn worker_command(cfg: &PoolConfig) -> Command {
    let mut command = Command::new(&cfg.exe);
    command
        .args(cfg.worker.to_args())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    command
}

/// Starts a worker from its command line, with a reader thread.
pub(in crate::media) fn spawn(command: &mut Command) -> io::Result<Worker> {
    let mut child = command.spawn().map_err(|e| missing_worker(command, e))?;
    let pid = child.id();
    let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(io::Error::other("worker started without pipes"));
    };
    let (tx, replies) = mpsc::channel();
    let reader = thread::Builder::new()
        .name(format!("media-worker-{pid}"))
        .spawn(move || read_replies(stdout, tx));
    if let Err(e) = reader {
        let _ = child.kill();
        let _ = child.wait();
        return Err(e);
    }
    Ok(Worker {
        child,
        stdin,
        replies,
        pid,
    })
}

/// A worker program that is not there gets a sentence saying where it was looked for.
fn missing_worker(command: &Command, e: io::Error) -> io::Error {
    if e.kind() != io::ErrorKind::NotFound {
        return e;
    }
    let program = Path::new(command.get_program()).display();
    io::Error::new(
        e.kind(),
        format!(
            "找不到媒体工作程序 {program}，请把它和 dianjiao 装在同一个目录里\
             （the media worker program {program} is missing: install dianjiao-worker beside dianjiao）"
        ),
    )
}

/// Forwards each line of a worker's stdout until it closes (the worker exited or died).
fn read_replies(stdout: ChildStdout, tx: Sender<Vec<u8>>) {
    let mut reader = BufReader::new(stdout);
    loop {
        let mut line = Vec::new();
        match (&mut reader)
            .take(MAX_REPLY_BYTES)
            .read_until(b'\n', &mut line)
        {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                if tx.send(line).is_err() {
                    return;
                }
            }
        }
    }
}
