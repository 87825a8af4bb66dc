//! Tag values (title, comment, language, …) read from FFmpeg dictionaries as raw bytes and
//! decoded to UTF-8. Township files are often made on Chinese Windows PCs, whose tools write
//! GBK/GB18030 bytes into AVI `INFO` chunks and ASF attributes; ffmpeg-next's dictionary API
//! assumes UTF-8, so the bytes are read through `ffmpeg_next::ffi` and decoded here.

use std::collections::BTreeMap;
use std::ffi::CStr;

use encoding_rs::GB18030;
use ffmpeg_next::ffi;

/// Longest tag value kept, in bytes of the decoded text; longer values are cut.
const MAX_VALUE_BYTES: usize = 4096;

/// Most tags kept from one dictionary; a hostile file may declare thousands.
const MAX_TAGS: usize = 256;

/// Decodes a tag value: valid UTF-8 as it is, otherwise GB18030 (a superset of GBK and
/// GB2312). Bytes that are neither come out as U+FFFD rather than as mojibake.
pub fn decode_tag(raw: &[u8]) -> String {
    let text = match std::str::from_utf8(raw) {
        Ok(s) => s.to_owned(),
        Err(_) => GB18030.decode_without_bom_handling(raw).0.into_owned(),
    };
    let trimmed = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    truncate_at_char(trimmed, MAX_VALUE_BYTES).to_owned()
}

/// Cuts `s` to at most `max` bytes without splitting a character.
fn truncate_at_char(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Reads every entry of an FFmpeg dictionary, keys lowercased, values decoded with
/// [`decode_tag`]. Empty values are dropped; a key seen twice keeps its first value.
///
/// # Safety
/// `dict` must be null or point to a valid `AVDictionary` that is not modified while this
/// runs (e.g. the `metadata` of an open format context or of one of its streams).
pub unsafe fn read_dictionary(dict: *const ffi::AVDictionary) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    let mut entry: *mut ffi::AVDictionaryEntry = std::ptr::null_mut();
    let any_key = c"";
    loop {
        // SAFETY: `dict` is valid or null per this function's contract (av_dict_get accepts
        // null); `entry` is null or the entry av_dict_get returned on the previous turn.
        entry =
            unsafe { ffi::av_dict_get(dict, any_key.as_ptr(), entry, ffi::AV_DICT_IGNORE_SUFFIX) };
        if entry.is_null() || tags.len() >= MAX_TAGS {
            break;
        }
        // SAFETY: a non-null entry from av_dict_get has non-null, NUL-terminated key and
        // value strings owned by the dictionary, which outlives this loop turn.
        let (key, value) = unsafe {
            let e = &*entry;
            (
                CStr::from_ptr(e.key).to_bytes(),
                CStr::from_ptr(e.value).to_bytes(),
            )
        };
        let key = decode_tag(key).to_lowercase();
        let value = decode_tag(value);
        if !key.is_empty() && !value.is_empty() {
            tags.entry(key).or_insert(value);
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_passes_through() {
        assert_eq!(decode_tag("党章电视教材".as_bytes()), "党章电视教材");
    }

    #[test]
    fn gbk_bytes_decode_to_chinese() {
        let (gbk, _, _) = encoding_rs::GBK.encode("党章电视教材");
        assert!(std::str::from_utf8(&gbk).is_err());
        assert_eq!(decode_tag(&gbk), "党章电视教材");
    }

    #[test]
    fn trailing_nuls_and_spaces_are_trimmed() {
        assert_eq!(decode_tag(b"title \0\0"), "title");
    }

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        let long = "党".repeat(MAX_VALUE_BYTES);
        let out = decode_tag(long.as_bytes());
        assert!(out.len() <= MAX_VALUE_BYTES);
        assert!(out.chars().all(|c| c == '党'));
    }

    #[test]
    fn a_null_dictionary_has_no_tags() {
        // SAFETY: av_dict_get accepts a null dictionary.
        let tags = unsafe { read_dictionary(std::ptr::null()) };
        assert!(tags.is_empty());
    }
}
