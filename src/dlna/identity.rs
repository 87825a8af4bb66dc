//! The server's UPnP identity: a UUID made once and kept in the data folder (`dlna/uuid`), so
//! a TV that remembered the library finds the same device after a restart or an upgrade.

use std::fs;
use std::io;
use std::path::Path;

/// `uuid:…` of the root device, made on first use and kept in `data/dlna/uuid`.
pub fn device_uuid(data: &Path) -> io::Result<String> {
    let dir = data.join("dlna");
    let file = dir.join("uuid");
    if let Ok(text) = fs::read_to_string(&file) {
        let text = text.trim();
        if is_uuid(text) {
            return Ok(format!("uuid:{text}"));
        }
    }
    fs::create_dir_all(&dir)?;
    let b: [u8; 16] = rand::random();
    let hex = hex::encode(b);
    // A version-4 UUID: the random kind.
    let uuid = format!(
        "{}-{}-4{}-{:x}{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        8 | (b[8] & 0x3),
        &hex[17..20],
        &hex[20..32]
    );
    let tmp = dir.join("uuid.tmp");
    fs::write(&tmp, &uuid)?;
    fs::File::open(&tmp)?.sync_all()?;
    fs::rename(&tmp, &file)?;
    Ok(format!("uuid:{uuid}"))
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uuid_is_made_once_and_kept() {
        let dir = tempfile::tempdir().expect("dir");
        let first = device_uuid(dir.path()).expect("made");
        assert!(
            first.starts_with("uuid:") && is_uuid(&first[5..]),
            "{first}"
        );
        assert_eq!(device_uuid(dir.path()).expect("read"), first);
    }
}
