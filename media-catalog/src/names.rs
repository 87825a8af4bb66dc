//! What a file name says about a film: its title, its series and its episode number.
//!
//! Township libraries are filled from VCDs, DVDs and county USB sticks, so names look like
//! `党章电视教材 第一集`, `先进性教育（3）`, `03.坚定理想信念` or, off a disc, `AVSEQ01`.
//! Parsing is a best guess: `catalog.toml` (see [`crate::folder_meta`]) overrides it.

use std::path::Path;

/// What a file name tells about a film.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedName {
    /// A title to show: the cleaned name (for a leading number, the name after it).
    pub title: String,
    /// The series the name belongs to, when an episode marker follows a prefix.
    pub series: Option<String>,
    /// The episode number, when the name carries one.
    pub episode: Option<u32>,
}

/// Folders a disc's files sit in that say nothing about the film (VCD, SVCD, DVD layouts).
const DISC_LAYOUT_FOLDERS: [&str; 11] = [
    "MPEGAV", "MPEG2", "SEGMENT", "VIDEO_TS", "AUDIO_TS", "VCD", "SVCD", "EXT", "CDI", "BDMV",
    "STREAM",
];

/// Characters that separate a series from its episode marker and are not part of either.
const SEPARATORS: &[char] = &[
    '-', '_', '—', '·', ':', '：', '、', ',', '，', '.', '。', '《', '》', '【', '】', '[', ']',
    '(', ')', '（', '）', '"', '“', '”',
];

/// Measure words and units: a leading number followed by one is a count, not an episode.
const COUNTED: &[char] = &[
    '个', '位', '名', '年', '岁', '条', '天', '次', '项', '种', '届', '周', '分', '秒', '万', '亿',
    '元', '米', '号', '月', '日', '点', '集', '部', '句', '堂',
];

/// Words after `第N` that make it an episode marker: 第3集, 第三讲, 第12期, 第一部分, 第5课.
const EPISODE_UNITS: [&str; 5] = ["集", "讲", "期", "部分", "课"];

/// Parses a file stem (the name without its extension).
pub fn parse_name(stem: &str) -> ParsedName {
    let cleaned = clean(stem);
    let title = if cleaned.is_empty() {
        stem.trim().to_owned()
    } else {
        cleaned.clone()
    };
    let chars: Vec<char> = cleaned.chars().collect();
    let marked = find_di_marker(&chars)
        .or_else(|| find_ep_marker(&chars))
        .or_else(|| find_paren_marker(&chars));
    if let Some((start, episode)) = marked {
        return ParsedName {
            title,
            series: series_from(&chars[..start]),
            episode: Some(episode),
        };
    }
    if let Some((episode, rest)) = leading_number(&chars) {
        return ParsedName {
            title: rest,
            series: None,
            episode: Some(episode),
        };
    }
    ParsedName {
        title,
        series: None,
        episode: None,
    }
}

/// Parses a file path: the stem, or for a generic disc name (`AVSEQ01.DAT`) the nearest
/// meaningful folder above it (skipping `MPEGAV`, `VIDEO_TS`, `CD1` …) as series and title,
/// with the disc file's number as the episode.
pub fn parse_path(path: &Path) -> ParsedName {
    let stem = path
        .file_stem()
        .map(|s| crate::os_path::display_name(s).into_owned())
        .unwrap_or_default();
    let Some((number, part)) = generic_disc_number(&stem) else {
        return parse_name(&stem);
    };
    let Some(folder) = meaningful_folder(path) else {
        return parse_name(&stem);
    };
    let from_folder = parse_name(&folder);
    // Files of one film or episode (a DVD title split into 1 GB parts, a second VCD track in
    // a folder named for one episode) get a suffix so they can be told apart.
    let suffix = |title: String, n: u32| {
        if n > 1 {
            format!("{title} ({n})")
        } else {
            title
        }
    };
    if from_folder.episode.is_some() {
        // The folder is one episode (`党章电视教材 第一集/MPEGAV/AVSEQ01.DAT`): its number wins.
        return ParsedName {
            title: suffix(from_folder.title.clone(), number.max(part)),
            ..from_folder
        };
    }
    ParsedName {
        title: suffix(format!("{} 第{number}集", from_folder.title), part),
        series: Some(from_folder.title),
        episode: Some(number),
    }
}

/// True for the names disc authoring tools give files (`AVSEQ01`, `MUSIC01`, `VTS_01_1`,
/// `track01`, `ITEM0001`): they say nothing about the film, so the folder name is used.
pub fn is_generic_disc_name(stem: &str) -> bool {
    generic_disc_number(stem).is_some()
}

/// The numbers in a generic disc name: the track (part 1), or for a DVD's `VTS_nn_p` the
/// title set and the part of it. `VIDEO_TS` (the DVD menu) is number 0.
fn generic_disc_number(stem: &str) -> Option<(u32, u32)> {
    let upper = stem.trim().to_ascii_uppercase();
    if upper == "VIDEO_TS" {
        return Some((0, 1));
    }
    if let Some(rest) = upper.strip_prefix("VTS_") {
        let (set, part) = rest.split_once('_')?;
        return Some((ascii_number(set)?, ascii_number(part)?));
    }
    ["AVSEQ", "MUSIC", "TRACK", "ITEM"]
        .into_iter()
        .find_map(|prefix| upper.strip_prefix(prefix))
        .map(|rest| rest.trim_start_matches([' ', '_', '-']))
        .and_then(ascii_number)
        .map(|track| (track, 1))
}

/// All ASCII digits, as a number.
fn ascii_number(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The nearest folder above `path` whose name is not part of a disc's layout.
fn meaningful_folder(path: &Path) -> Option<String> {
    path.ancestors()
        .skip(1)
        .take(4)
        .filter_map(|dir| dir.file_name())
        .map(|name| crate::os_path::display_name(name).into_owned())
        .find(|name| !is_disc_layout_folder(name))
}

/// `MPEGAV`, `VIDEO_TS`, … and disc-number folders such as `CD1`, `DISC 2`, `VCD3`.
fn is_disc_layout_folder(name: &str) -> bool {
    let upper = name.trim().to_ascii_uppercase();
    if DISC_LAYOUT_FOLDERS.contains(&upper.as_str()) {
        return true;
    }
    ["CD", "DISC", "DISK", "VCD", "DVD"]
        .into_iter()
        .filter_map(|prefix| upper.strip_prefix(prefix))
        .any(|rest| ascii_number(rest.trim_start_matches([' ', '_', '-'])).is_some())
}

/// Underscores and ideographic spaces become spaces; runs of spaces collapse into one.
fn clean(stem: &str) -> String {
    stem.split(|c: char| c == '_' || c.is_whitespace())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text before a marker as a series name, without separators around it.
fn series_from(prefix: &[char]) -> Option<String> {
    let text: String = prefix.iter().collect();
    let trimmed = text.trim_matches(|c: char| c.is_whitespace() || SEPARATORS.contains(&c));
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// `第` + number + unit (集/讲/期/部分/课): where the marker starts and the number.
fn find_di_marker(chars: &[char]) -> Option<(usize, u32)> {
    (0..chars.len())
        .filter(|&i| chars[i] == '第')
        .find_map(|i| {
            let digits_end = number_run_end(chars, i + 1);
            let number = parse_number(&chars[i + 1..digits_end])?;
            let rest: String = chars[digits_end..].iter().take(3).collect();
            let rest = rest.trim_start();
            EPISODE_UNITS
                .iter()
                .any(|unit| rest.starts_with(unit))
                .then_some((i, number))
        })
}

/// `EP03`, `Ep3`, `E03` not inside a longer Latin word: where it starts and the number.
fn find_ep_marker(chars: &[char]) -> Option<(usize, u32)> {
    (0..chars.len())
        .filter(|&i| matches!(chars[i], 'E' | 'e'))
        .filter(|&i| i == 0 || !chars[i - 1].is_ascii_alphanumeric())
        .find_map(|i| {
            let mut start = i + 1;
            if matches!(chars.get(start), Some('P' | 'p')) {
                start += 1;
            }
            let end = chars[start..]
                .iter()
                .position(|c| !c.is_ascii_digit())
                .map_or(chars.len(), |p| start + p);
            if end == start || chars.get(end).is_some_and(|c| c.is_ascii_alphabetic()) {
                return None;
            }
            let digits: String = chars[start..end].iter().collect();
            Some((i, digits.parse().ok()?))
        })
}

/// `(3)` or full-width `（三）`: where it starts and the number. A year such as `(2005)` is
/// not an episode.
fn find_paren_marker(chars: &[char]) -> Option<(usize, u32)> {
    (0..chars.len())
        .filter(|&i| matches!(chars[i], '(' | '（'))
        .find_map(|i| {
            let end = number_run_end(chars, i + 1);
            if !matches!(chars.get(end), Some(')' | '）')) {
                return None;
            }
            let number = parse_number(&chars[i + 1..end])?;
            (!looks_like_year(&chars[i + 1..end], number)).then_some((i, number))
        })
}

/// `03.坚定理想信念`, `03 坚定理想信念`, `3-坚定理想信念`: the number and the name after it.
/// Four digits are a year (`1949 开国大典`), and a number that counts something
/// (`100 个党员故事`, `3 分钟党课`) is part of the title, not an episode.
fn leading_number(chars: &[char]) -> Option<(u32, String)> {
    let end = chars
        .iter()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(chars.len());
    if end == 0 || end > 3 {
        return None;
    }
    if !matches!(chars.get(end), Some('.' | ' ' | '-' | '、' | '．')) {
        return None;
    }
    let rest: String = chars[end + 1..].iter().collect();
    let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || SEPARATORS.contains(&c));
    if rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_digit() || COUNTED.contains(&c)) {
        return None;
    }
    let digits: String = chars[..end].iter().collect();
    Some((digits.parse().ok()?, rest.to_owned()))
}

/// Four digits between 1900 and 2100.
fn looks_like_year(digits: &[char], number: u32) -> bool {
    digits.len() == 4 && digits.iter().all(char::is_ascii_digit) && (1900..=2100).contains(&number)
}

/// The end of a run of digits (ASCII or full-width) or Chinese numerals starting at `start`.
fn number_run_end(chars: &[char], start: usize) -> usize {
    let is_numeral = |c: &char| {
        c.is_ascii_digit()
            || full_width_digit(*c).is_some()
            || chinese_digit(*c).is_some()
            || chinese_unit(*c).is_some()
    };
    chars[start.min(chars.len())..]
        .iter()
        .position(|c| !is_numeral(c))
        .map_or(chars.len(), |p| start + p)
}

/// A run of digits (ASCII or full-width, not mixed with Chinese) or Chinese numerals.
fn parse_number(run: &[char]) -> Option<u32> {
    if run.is_empty() {
        return None;
    }
    let arabic: Option<String> = run
        .iter()
        .map(|&c| {
            if c.is_ascii_digit() {
                Some(c)
            } else {
                full_width_digit(c).and_then(|d| char::from_digit(d, 10))
            }
        })
        .collect();
    match arabic {
        Some(digits) => digits.parse().ok(),
        None => parse_chinese_number(&run.iter().collect::<String>()),
    }
}

/// Reads a Chinese numeral: 三, 十二, 二十, 一百零三, 两千, and digit-by-digit 二〇 (20).
/// Characters: 零〇一二两三四五六七八九十百千. `None` for anything else or an overflow.
pub fn parse_chinese_number(s: &str) -> Option<u32> {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return None;
    }
    if chars.iter().all(|&c| chinese_digit(c).is_some()) {
        // No units: read positionally, as years and some disc labels are written (二〇〇五).
        return chars.iter().try_fold(0u32, |acc, &c| {
            acc.checked_mul(10)?.checked_add(chinese_digit(c)?)
        });
    }
    let mut total: u32 = 0;
    let mut pending: Option<u32> = None;
    for &c in &chars {
        if let Some(d) = chinese_digit(c) {
            pending = Some(d);
        } else if let Some(unit) = chinese_unit(c) {
            // 十二 starts with a bare unit: it means one ten.
            let times = pending.take().unwrap_or(1);
            total = total.checked_add(times.checked_mul(unit)?)?;
        } else {
            return None;
        }
    }
    total.checked_add(pending.unwrap_or(0))
}

fn chinese_digit(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn chinese_unit(c: char) -> Option<u32> {
    Some(match c {
        '十' => 10,
        '百' => 100,
        '千' => 1000,
        _ => return None,
    })
}

fn full_width_digit(c: char) -> Option<u32> {
    ('０'..='９').contains(&c).then(|| c as u32 - '０' as u32)
}

#[cfg(test)]
mod proptests;
