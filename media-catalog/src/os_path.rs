//! File names as they are on disk: a name that is not UTF-8 (GBK from a Windows disc, an old
//! zip file or a USB stick) is shown decoded as GB18030, while its path keeps the raw bytes
//! that open the file — in memory, in the store and in the messages to the workers.

use std::borrow::Cow;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A file or folder name as text: UTF-8 as it is; anything else decoded as GB18030 (a
/// superset of GBK and GB2312, what Chinese Windows writes), with U+FFFD only for bytes
/// that are not GB18030 either.
pub fn display_name(name: &OsStr) -> Cow<'_, str> {
    match name.to_str() {
        Some(text) => Cow::Borrowed(text),
        None => {
            let (text, _, _) = encoding_rs::GB18030.decode(name.as_bytes());
            Cow::Owned(text.into_owned())
        }
    }
}

/// The key a path is indexed by: its raw bytes (the same as its text for a UTF-8 path), so
/// two names that decode alike can never share a key.
pub fn path_bytes(path: &Path) -> &[u8] {
    path.as_os_str().as_bytes()
}

/// How a path is written in JSON: a UTF-8 path as a plain string (what every record
/// written before had); another as its bytes in hex, since JSON strings are Unicode.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Repr<'a> {
    Text(Cow<'a, str>),
    Bytes { unix_hex: String },
}

/// `#[serde(with = "media_catalog::os_path::serde_path")]` for a `PathBuf` that may hold a
/// name that is not UTF-8 (serde's own impl refuses one).
pub mod serde_path {
    use super::*;

    /// Writes the path as text when it is UTF-8, else as `{"unix_hex": "…"}`.
    pub fn serialize<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
        match path.to_str() {
            Some(text) => Repr::Text(Cow::Borrowed(text)),
            None => Repr::Bytes {
                unix_hex: hex::encode(path_bytes(path)),
            },
        }
        .serialize(s)
    }

    /// Reads either form.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
        match Repr::deserialize(d)? {
            Repr::Text(text) => Ok(PathBuf::from(text.into_owned())),
            Repr::Bytes { unix_hex } => hex::decode(unix_hex)
                .map(|bytes| PathBuf::from(OsString::from_vec(bytes)))
                .map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Holder {
        #[serde(with = "serde_path")]
        path: PathBuf,
    }

    /// 党课.mp4 in GBK.
    const GBK: &[u8] = b"\xb5\xb3\xbf\xce.mp4";

    #[test]
    fn a_gbk_name_shows_as_chinese() {
        assert_eq!(display_name(OsStr::from_bytes(GBK)), "党课.mp4");
        assert_eq!(display_name(OsStr::new("党章.mp4")), "党章.mp4");
        // Not GB18030 either: replaced, never a panic.
        assert!(display_name(OsStr::from_bytes(b"a.mp4\x81")).contains('\u{fffd}'));
    }

    #[test]
    fn paths_round_trip_through_json_with_their_bytes() {
        let raw = Holder {
            path: Path::new("/lib").join(OsStr::from_bytes(GBK)),
        };
        let json = serde_json::to_string(&raw).expect("encode");
        assert!(json.contains("unix_hex"), "{json}");
        assert_eq!(serde_json::from_str::<Holder>(&json).expect("decode"), raw);
        let text = Holder {
            path: PathBuf::from("/lib/党章.mp4"),
        };
        let json = serde_json::to_string(&text).expect("encode");
        assert_eq!(json, r#"{"path":"/lib/党章.mp4"}"#);
        assert_eq!(serde_json::from_str::<Holder>(&json).expect("decode"), text);
    }
}
