//! One PATCH: append a body to the partial file as it streams in, never past the declared
//! length, then sync and record the new offset before it is acknowledged.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::sync::Arc;

use super::{io, Upload, UploadError, UploadState, Uploads};
use crate::disk::{self, Short};

/// How many bytes a request writes between two looks at the free space.
const SPACE_CHECK_EVERY: u64 = 1 << 20;

/// Writes one request's body into an upload; holds the upload for itself until dropped.
pub struct PatchWriter {
    uploads: Arc<Uploads>,
    upload: Upload,
    file: File,
    /// Bytes of this request written so far.
    written: u64,
    /// The free space was last found sufficient for writing up to here (of this request).
    room_until: u64,
}

impl Uploads {
    /// Claims upload `id` for a request whose body starts at `offset` and, when the client
    /// said so, is `declared` bytes long. Refused with `WrongOffset` unless `offset` is the
    /// upload's, with `PastLength` before any byte when `declared` runs past its length.
    /// Bytes written after the last acknowledged offset (a crash mid-request) are cut off.
    /// Blocking.
    pub fn begin_patch(
        self: &Arc<Self>,
        id: &str,
        offset: u64,
        declared: Option<u64>,
    ) -> Result<PatchWriter, UploadError> {
        // Claimed before the record is read: a request that just finished has saved its offset.
        self.claim(id).map(std::mem::forget)?;
        let (upload, file) = self.open_part(id).inspect_err(|_| self.release(id))?;
        // From here the writer's drop releases the claim.
        let mut writer = PatchWriter {
            uploads: self.clone(),
            file,
            upload,
            written: 0,
            room_until: 0,
        };
        writer.check(offset, declared)?;
        let part = self.part_path(id);
        writer.file.set_len(offset).map_err(io(&part))?;
        writer
            .file
            .seek(SeekFrom::Start(offset))
            .map_err(io(&part))?;
        Ok(writer)
    }

    /// The record and its partial file. A file shorter than the recorded offset (lost in a
    /// crash of the machine) moves the offset back to what the file holds.
    fn open_part(&self, id: &str) -> Result<(Upload, File), UploadError> {
        let mut upload = self.get(id)?;
        let part = self.part_path(id);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&part)
            .map_err(io(&part))?;
        let len = file.metadata().map_err(io(&part))?.len();
        if len < upload.offset && upload.state == UploadState::Uploading {
            tracing::warn!(upload = %id, kept = len, recorded = upload.offset, "partial file shorter than recorded");
            upload.offset = len;
            self.save(&upload)?;
        }
        Ok((upload, file))
    }

    fn release(&self, id: &str) {
        let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
        active.remove(id);
    }
}

impl PatchWriter {
    fn check(&self, offset: u64, declared: Option<u64>) -> Result<(), UploadError> {
        let up = &self.upload;
        if up.state != UploadState::Uploading || offset != up.offset {
            return Err(UploadError::WrongOffset {
                expected: up.offset,
                got: offset,
            });
        }
        if declared.is_some_and(|n| offset.saturating_add(n) > up.length) {
            return Err(UploadError::PastLength { length: up.length });
        }
        Ok(())
    }

    /// Where the upload stands: its acknowledged offset plus what this request wrote.
    pub fn offset(&self) -> u64 {
        self.upload.offset + self.written
    }

    /// Appends a piece of the body. A piece that would run past the declared length is
    /// refused and everything this request wrote is cut off again.
    pub fn write(&mut self, piece: &[u8]) -> Result<(), UploadError> {
        let part = self.uploads.part_path(&self.upload.id);
        if self.offset().saturating_add(piece.len() as u64) > self.upload.length {
            self.file.set_len(self.upload.offset).map_err(io(&part))?;
            self.written = 0;
            return Err(UploadError::PastLength {
                length: self.upload.length,
            });
        }
        self.make_room(piece.len() as u64)?;
        if let Err(e) = self.file.write_all(piece) {
            if disk::is_full(&e) {
                // Part of the piece may be in the file: cut it, keep what came before.
                self.file.set_len(self.offset()).map_err(io(&part))?;
                let free = disk::free_bytes(&part).unwrap_or(0);
                let wanted = piece.len() as u64;
                let reserve = self.uploads.cfg.reserve.bytes;
                return Err(UploadError::DiskFull(Short {
                    free,
                    wanted,
                    reserve,
                }));
            }
            return Err(io(&part)(e));
        }
        self.written += piece.len() as u64;
        Ok(())
    }

    /// Looks at the free space once per [`SPACE_CHECK_EVERY`] bytes: refuses a piece that
    /// would take the disk below the reserve.
    fn make_room(&mut self, piece: u64) -> Result<(), UploadError> {
        let end = self.written + piece;
        if end <= self.room_until {
            return Ok(());
        }
        let left = self.upload.length - self.offset();
        let wanted = SPACE_CHECK_EVERY.min(left).max(piece);
        let part = self.uploads.part_path(&self.upload.id);
        self.uploads
            .cfg
            .reserve
            .check(&part, wanted)
            .map_err(UploadError::DiskFull)?;
        self.room_until = self.written + wanted;
        Ok(())
    }

    /// Takes pieces from `body` until it closes, then [`finish`](Self::finish)es. Blocking:
    /// run it off the async threads while they feed the channel.
    pub fn run<B: AsRef<[u8]>>(
        mut self,
        mut body: tokio::sync::mpsc::Receiver<B>,
    ) -> Result<Upload, UploadError> {
        while let Some(piece) = body.blocking_recv() {
            match self.write(piece.as_ref()) {
                Ok(()) => {}
                Err(UploadError::DiskFull(short)) => {
                    // What fitted is kept, so that the client resumes from there once
                    // space is freed; the rest of the body is not read.
                    self.finish()?;
                    return Err(UploadError::DiskFull(short));
                }
                Err(e) => return Err(e),
            }
        }
        self.finish()
    }

    /// Syncs what arrived to disk, then records and returns the new offset; a finished
    /// upload moves on to the catalog. Nothing is acknowledged before it is on disk.
    pub fn finish(mut self) -> Result<Upload, UploadError> {
        let part = self.uploads.part_path(&self.upload.id);
        self.file.sync_data().map_err(io(&part))?;
        let mut up = self.upload.clone();
        up.offset += self.written;
        self.written = 0;
        self.uploads.save(&up)?;
        self.upload = up.clone();
        if up.offset == up.length {
            return self.uploads.finish_upload(up);
        }
        Ok(up)
    }
}

impl Drop for PatchWriter {
    fn drop(&mut self) {
        self.uploads.release(&self.upload.id);
    }
}
