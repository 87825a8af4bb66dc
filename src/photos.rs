//! Photos of the room at a showing (evidence for the county's inspectors), kept
//! content-addressed under the data folder: `photos/<sha256>.jpg` or `.png`. Only JPEG and
//! PNG are taken, told apart by their own header (read with the `imagesize` crate, never by
//! the name or type a client gives); a file name never comes from the client. A photo is
//! written to a temporary file, synced and renamed, so a file under its final name is whole.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The image formats taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhotoType {
    Jpeg,
    Png,
}

impl PhotoType {
    /// The content type it is stored and served as.
    pub fn content_type(self) -> &'static str {
        match self {
            PhotoType::Jpeg => "image/jpeg",
            PhotoType::Png => "image/png",
        }
    }

    /// The file extension it is stored under.
    pub fn extension(self) -> &'static str {
        match self {
            PhotoType::Jpeg => "jpg",
            PhotoType::Png => "png",
        }
    }

    /// The type with this content type (as stored in a ledger entry).
    pub fn from_content_type(s: &str) -> Option<PhotoType> {
        match s {
            "image/jpeg" => Some(PhotoType::Jpeg),
            "image/png" => Some(PhotoType::Png),
            _ => None,
        }
    }
}

/// Why a photo was not taken.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("只能上传 JPEG 或 PNG 格式的照片，这个文件不是（only a JPEG or PNG photo is taken）")]
    NotAPhoto,
    #[error("照片太大，最多 {} MB，请在手机上选小一点的尺寸再拍（the photo is too large）", max_bytes.div_ceil(1 << 20))]
    TooLarge { max_bytes: u64 },
    #[error("照片无法保存（the photo could not be stored）")]
    Io(#[from] std::io::Error),
}

/// A photo that passed the checks: its bytes, type, size in pixels and SHA-256.
#[derive(Clone, Debug)]
pub struct CheckedPhoto {
    pub bytes: Vec<u8>,
    pub kind: PhotoType,
    pub width: u32,
    pub height: u32,
    /// 64 lowercase hex digits.
    pub sha256: String,
}

/// Sides longer than this many pixels are not a phone's photo (nor a sensible image).
const MAX_SIDE: usize = 30_000;

impl CheckedPhoto {
    /// Takes `bytes` if they are a JPEG or PNG image (its magic bytes and a readable
    /// header with a sensible size) of at most `max_bytes`.
    pub fn check(bytes: Vec<u8>, max_bytes: u64) -> Result<CheckedPhoto, PhotoError> {
        if bytes.len() as u64 > max_bytes {
            return Err(PhotoError::TooLarge { max_bytes });
        }
        let kind = match imagesize::image_type(&bytes) {
            Ok(imagesize::ImageType::Jpeg) => PhotoType::Jpeg,
            Ok(imagesize::ImageType::Png) => PhotoType::Png,
            _ => return Err(PhotoError::NotAPhoto),
        };
        let size = imagesize::blob_size(&bytes).map_err(|_| PhotoError::NotAPhoto)?;
        let sensible = |n: usize| (1..=MAX_SIDE).contains(&n);
        if !sensible(size.width) || !sensible(size.height) {
            return Err(PhotoError::NotAPhoto);
        }
        Ok(CheckedPhoto {
            sha256: hex::encode(Sha256::digest(&bytes)),
            width: u32::try_from(size.width).map_err(|_| PhotoError::NotAPhoto)?,
            height: u32::try_from(size.height).map_err(|_| PhotoError::NotAPhoto)?,
            kind,
            bytes,
        })
    }
}

/// The photos folder.
#[derive(Clone, Debug)]
pub struct Photos {
    dir: PathBuf,
}

impl Photos {
    /// The store in `dir` (made on the first photo).
    pub fn at(dir: PathBuf) -> Photos {
        Photos { dir }
    }

    /// Writes `photo` under its SHA-256 (blocking: a write and two fsyncs). A photo already
    /// there is left as it is: same name, same bytes.
    pub fn save(&self, photo: &CheckedPhoto) -> Result<(), PhotoError> {
        let path = self.path_of(&photo.sha256, photo.kind);
        if path.is_file() {
            return Ok(());
        }
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)?;
        let tmp = self.dir.join(format!(
            ".{}.{}.tmp",
            photo.sha256,
            hex::encode(rand::random::<[u8; 8]>())
        ));
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .and_then(|mut f| f.write_all(&photo.bytes).and_then(|()| f.sync_all()))
            .and_then(|()| std::fs::rename(&tmp, &path))
            .and_then(|()| sync_dir(&self.dir));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        Ok(written?)
    }

    /// Where the photo with this SHA-256 and type is kept; `None` unless `sha256` is 64
    /// lowercase hex digits (so no other path can be named).
    pub fn path(&self, sha256: &str, kind: PhotoType) -> Option<PathBuf> {
        let hex = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        hex.then(|| self.path_of(sha256, kind))
    }

    fn path_of(&self, sha256: &str, kind: PhotoType) -> PathBuf {
        self.dir.join(format!("{sha256}.{}", kind.extension()))
    }
}

/// fsyncs a folder, so a rename in it survives a power cut.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir).and_then(|f| f.sync_all())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest PNG header: signature and an IHDR of 3 × 2 pixels.
    fn png_head() -> Vec<u8> {
        let mut b = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
        b.extend_from_slice(&[0, 0, 0, 13]);
        b.extend_from_slice(b"IHDR");
        b.extend_from_slice(&3u32.to_be_bytes());
        b.extend_from_slice(&2u32.to_be_bytes());
        b.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        b
    }

    #[test]
    fn only_jpeg_and_png_headers_pass_and_size_is_capped() {
        let png = CheckedPhoto::check(png_head(), 1 << 20).expect("a PNG");
        assert_eq!((png.kind, png.width, png.height), (PhotoType::Png, 3, 2));
        assert_eq!(png.sha256, hex::encode(Sha256::digest(png_head())));
        for junk in [
            b"GIF89a\x01\x00\x01\x00".to_vec(),
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec(),
            vec![0xff, 0xd8, 0xff],
            Vec::new(),
        ] {
            assert!(matches!(
                CheckedPhoto::check(junk, 1 << 20),
                Err(PhotoError::NotAPhoto)
            ));
        }
        assert!(matches!(
            CheckedPhoto::check(png_head(), 10),
            Err(PhotoError::TooLarge { max_bytes: 10 })
        ));
    }

    #[test]
    fn a_photo_is_stored_under_its_hash_and_no_other_name_is_served() {
        let dir = tempfile::tempdir().expect("dir");
        let photos = Photos::at(dir.path().join("photos"));
        let png = CheckedPhoto::check(png_head(), 1 << 20).expect("a PNG");
        photos.save(&png).expect("saved");
        photos.save(&png).expect("again: already there");
        let path = photos.path(&png.sha256, PhotoType::Png).expect("hex");
        assert_eq!(std::fs::read(&path).expect("read"), png_head());
        let names: Vec<_> = std::fs::read_dir(dir.path().join("photos"))
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
        assert!(photos.path("../../etc/passwd", PhotoType::Png).is_none());
        assert!(photos
            .path(&png.sha256.to_uppercase(), PhotoType::Png)
            .is_none());
    }
}
