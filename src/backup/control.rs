//! The server's control socket `<data>/control.sock`: a backup asks the running server for
//! the database dump and the ledger's durable extent, since sled lets one process open the
//! database and the ledger's durable length is known only to the process appending.
//!
//! Who may ask: whoever can reach the socket, i.e. the server's own account (the data folder
//! is 0700, the socket 0600 by the server's umask) — the same account that can read the
//! ledger key anyway. One request at a time (the listener answers in turn). It writes no
//! record: it only reads the database and the ledger.

use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::dump::{self, Line};
use super::BackupError;
use crate::ledger::Ledger;

/// The socket's file name in the data folder.
pub const CONTROL_SOCKET: &str = "control.sock";
const REQUEST: &str = "snapshot 1";

/// The ledger's durable extent as a snapshot reported it.
#[derive(Clone, Debug)]
pub struct Extent {
    pub len: u64,
    /// Bytes of `ledger.log` holding exactly `len` entries.
    pub end: u64,
    /// The signed checkpoint of `len` (C2SP note).
    pub checkpoint: String,
}

/// Starts answering snapshot requests on `<data>/control.sock` in a thread of its own. A
/// socket left by a killed server is replaced (the database lock says no other server
/// runs). Failure to listen is logged: the server runs on, and `backup` says it cannot
/// reach it.
pub fn serve_control(data: &Path, db: sled::Db, ledger: Arc<Ledger>) {
    let path = data.join(CONTROL_SOCKET);
    let _ = std::fs::remove_file(&path);
    let listener = match UnixListener::bind(&path) {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot open the control socket: `dianjiao backup` cannot reach this server");
            return;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("control".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                if let Err(e) = answer(stream, &db, &ledger) {
                    tracing::warn!(error = %e, "a backup snapshot request failed");
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the control socket thread");
    }
}

fn answer(stream: UnixStream, db: &sled::Db, ledger: &Ledger) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut request = String::new();
    BufReader::new(stream.try_clone()?)
        .take(64)
        .read_line(&mut request)?;
    let mut out = BufWriter::with_capacity(256 * 1024, stream);
    if request.trim_end() != REQUEST {
        let message = "unknown request".to_owned();
        dump::write_line(&mut out, &Line::Error { message })?;
        return out.flush();
    }
    tracing::info!("backup: writing a snapshot of the database and the ledger");
    match snapshot(db, ledger, &mut out) {
        Ok(()) => {}
        Err(BackupError::DumpWrite(e)) => return Err(e),
        Err(e) => {
            let message = format!("{:#}", anyhow::Error::new(e));
            dump::write_line(&mut out, &Line::Error { message })?;
        }
    }
    out.flush()
}

/// The database dump, then the ledger's extent taken after it.
fn snapshot(db: &sled::Db, ledger: &Ledger, out: &mut dyn Write) -> Result<(), BackupError> {
    dump::write_db(db, out)?;
    let (checkpoint, end) = ledger.durable_extent()?;
    let line = Line::Ledger {
        len: checkpoint.size(),
        end,
        checkpoint: checkpoint.as_note().to_owned(),
    };
    dump::write_line(out, &line).map_err(BackupError::DumpWrite)
}

/// Asks the server on `data` for a snapshot, writing the dump to `db_out`. `Ok(None)` when
/// no server listens there (no socket, or nobody behind it).
pub(super) fn request(data: &Path, db_out: &mut dyn Write) -> Result<Option<Extent>, BackupError> {
    let path = data.join(CONTROL_SOCKET);
    let stream = match UnixStream::connect(&path) {
        Ok(s) => s,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Ok(None)
        }
        Err(source) => return Err(BackupError::Control { path, source }),
    };
    let control = |source| BackupError::Control {
        path: path.clone(),
        source,
    };
    (&stream)
        .write_all(format!("{REQUEST}\n").as_bytes())
        .map_err(control)?;
    let mut input = BufReader::with_capacity(256 * 1024, stream);
    copy_dump(&mut input, db_out)?;
    match dump::read_line(&mut input)? {
        Some(Line::Ledger {
            len,
            end,
            checkpoint,
        }) => Ok(Some(Extent {
            len,
            end,
            checkpoint,
        })),
        Some(Line::Error { message }) => Err(BackupError::Server(message)),
        _ => Err(BackupError::DumpBroken("no ledger line after the dump")),
    }
}

/// Copies dump lines through to `out` up to and including the `end` line.
fn copy_dump(input: &mut dyn BufRead, out: &mut dyn Write) -> Result<(), BackupError> {
    let mut text = String::new();
    loop {
        text.clear();
        if input.read_line(&mut text).map_err(BackupError::DumpRead)? == 0 {
            return Err(BackupError::DumpBroken("the server stopped in the middle"));
        }
        if text.starts_with("{\"error\"") {
            let line = serde_json::from_str::<Line>(&text).map_err(BackupError::DumpFormat)?;
            if let Line::Error { message } = line {
                return Err(BackupError::Server(message));
            }
        }
        out.write_all(text.as_bytes())
            .map_err(BackupError::DumpWrite)?;
        if text.starts_with("{\"end\"") {
            return Ok(());
        }
    }
}
