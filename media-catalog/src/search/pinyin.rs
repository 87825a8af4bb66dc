//! Pinyin spellings of titles and series: syllable-aligned suffix terms for prefix lookups.
//!
//! 党章电视教材 is indexed, in the full-spelling field, as `dangzhangdianshijiaocai`,
//! `zhangdianshijiaocai`, `dianshijiaocai`, … (one term per starting syllable) and, in the
//! initials field, as `dzdsjc`, `zdsjc`, `dsjc`, … A query `dianshi` or `dzds` is then a
//! prefix lookup on the term dictionary, which is as fast as a term lookup.
//!
//! Polyphonic characters (长 chang/zhang, 行 xing/hang, …) contribute up to
//! [`MAX_READINGS`] readings; per starting syllable at most [`MAX_VARIANTS`] spellings are
//! kept, the variations nearest the start first. Letters and digits that are not Chinese pass
//! through as one syllable per run (`第3集` → `di3ji`, `d3j`). Terms are cut at
//! [`MAX_TERM_BYTES`]; queries are cut the same way, so long queries still match.

use pinyin::ToPinyinMulti;
use tantivy::tokenizer::Tokenizer;

use super::text::{fold, VecTokenStream};

/// Distinct toneless readings kept per character (the pinyin crate lists the common first).
pub(crate) const MAX_READINGS: usize = 3;
/// Spellings kept per starting syllable: bounds the terms a title with many polyphones makes.
pub(crate) const MAX_VARIANTS: usize = 8;
/// Longest suffix term, in bytes; a longer query is cut to this before the prefix lookup.
pub(crate) const MAX_TERM_BYTES: usize = 40;
/// Syllables of a title or series that get pinyin terms.
const MAX_SYLLABLES: usize = 256;

/// One syllable: its alternative spellings (the first the most common).
struct Syllable {
    spellings: Vec<String>,
    /// From a Chinese character (readings), not a run of latin letters or digits.
    chinese: bool,
}

/// Splits folded text into syllables: one per Chinese character (its readings), one per run
/// of other letters and digits (the run itself). Spaces only separate.
fn syllables(folded: &str) -> Vec<Syllable> {
    let mut out: Vec<Syllable> = Vec::new();
    let mut run = String::new();
    for c in folded.chars() {
        let spellings = readings(c);
        if spellings.is_empty() && c != ' ' {
            run.push(c);
            continue;
        }
        if !run.is_empty() {
            out.push(latin_run(std::mem::take(&mut run)));
        }
        if !spellings.is_empty() {
            out.push(Syllable {
                spellings,
                chinese: true,
            });
        }
        if out.len() >= MAX_SYLLABLES {
            return out;
        }
    }
    if !run.is_empty() {
        out.push(latin_run(run));
    }
    out
}

/// A run of non-Chinese letters and digits: one syllable, spelled as itself.
fn latin_run(run: String) -> Syllable {
    Syllable {
        spellings: vec![run],
        chinese: false,
    }
}

/// The toneless readings of a character, most common first; `ü` is typed `v` (and `u`).
fn readings(c: char) -> Vec<String> {
    let mut out = Vec::new();
    let Some(multi) = c.to_pinyin_multi() else {
        return out;
    };
    for reading in multi {
        let plain = reading.plain();
        let mut spellings = vec![plain.replace('ü', "v")];
        if plain.contains('ü') {
            spellings.push(plain.replace('ü', "u"));
        }
        for spelling in spellings {
            if out.len() < MAX_READINGS && !out.contains(&spelling) {
                out.push(spelling);
            }
        }
    }
    out
}

/// The initials of a syllable: first letters of its readings; a latin run stays whole.
fn initials(syllable: Syllable) -> Syllable {
    if !syllable.chinese {
        return syllable;
    }
    let mut spellings: Vec<String> = Vec::new();
    for reading in &syllable.spellings {
        let first: String = reading.chars().take(1).collect();
        if !spellings.contains(&first) {
            spellings.push(first);
        }
    }
    Syllable {
        spellings,
        chinese: true,
    }
}

/// Cuts `s` to at most `max` bytes, on a character boundary.
pub(crate) fn truncate_bytes(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
}

/// Every syllable-aligned suffix spelling of `syllables`, built from the end: the spellings
/// starting at syllable *i* are each reading of *i* in front of those starting at *i + 1*,
/// interleaved so that the cap keeps variations near the start.
fn suffix_terms(syllables: &[Syllable]) -> Vec<String> {
    let mut all = Vec::new();
    let mut tails: Vec<String> = vec![String::new()];
    for syllable in syllables.iter().rev() {
        let mut here: Vec<String> = Vec::with_capacity(MAX_VARIANTS);
        'fill: for tail in &tails {
            for reading in &syllable.spellings {
                if here.len() == MAX_VARIANTS {
                    break 'fill;
                }
                let mut term = String::with_capacity(reading.len() + tail.len());
                term.push_str(reading);
                term.push_str(tail);
                truncate_bytes(&mut term, MAX_TERM_BYTES);
                if !here.contains(&term) {
                    here.push(term);
                }
            }
        }
        all.extend(here.iter().cloned());
        tails = here;
    }
    all
}

/// The suffix terms of a title or series: full spellings or initials.
pub(crate) fn pinyin_terms(text: &str, initials_only: bool) -> Vec<String> {
    let folded = fold(text);
    let mut syls = syllables(&folded);
    if initials_only {
        syls = syls.into_iter().map(initials).collect();
    }
    suffix_terms(&syls)
}

/// A sort key that orders Chinese text by its (most common) pinyin, then by the text itself.
pub(crate) fn sort_key(text: &str) -> String {
    let folded = fold(text);
    let mut key = String::with_capacity(folded.len() * 2);
    for c in folded.chars() {
        match readings(c).first() {
            Some(reading) => key.push_str(reading),
            None => key.push(c),
        }
    }
    key.push('\u{1}');
    key.push_str(text);
    key
}

/// Tokenizer of the `*_py_full` (`initials: false`) and `*_py_init` fields.
#[derive(Clone, Debug, Default)]
pub(crate) struct PinyinTokenizer {
    /// Index initials (`dzdsjc`) instead of full spellings.
    pub(crate) initials: bool,
}

impl Tokenizer for PinyinTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(
            pinyin_terms(text, self.initials)
                .into_iter()
                .map(|t| (t, 0)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(terms: &[String], wanted: &str) -> bool {
        terms.iter().any(|t| t == wanted)
    }

    #[test]
    fn full_spelling_suffixes_start_at_every_syllable() {
        let terms = pinyin_terms("党章电视教材", false);
        for wanted in ["dangzhangdianshijiaocai", "dianshijiaocai", "cai"] {
            assert!(has(&terms, wanted), "{wanted} missing from {terms:?}");
        }
        assert!(!terms.iter().any(|t| t.starts_with("angzhang")));
    }

    #[test]
    fn initials_suffixes_start_at_every_syllable() {
        let terms = pinyin_terms("党章电视教材", true);
        assert!(has(&terms, "dzdsjc"), "{terms:?}");
        assert!(has(&terms, "dsjc"), "{terms:?}");
    }

    #[test]
    fn polyphonic_characters_get_each_plausible_reading() {
        let changzheng = pinyin_terms("长征", false);
        assert!(has(&changzheng, "changzheng") && has(&changzheng, "zhangzheng"));
        assert!(has(&pinyin_terms("成长", false), "chengzhang"));
        let initials = pinyin_terms("长征", true);
        assert!(has(&initials, "cz") && has(&initials, "zz"), "{initials:?}");
    }

    #[test]
    fn latin_and_digits_pass_through_as_whole_syllables() {
        let full = pinyin_terms("CCTV 第3集", false);
        assert!(has(&full, "cctvdi3ji") && has(&full, "3ji"), "{full:?}");
        let initials = pinyin_terms("CCTV 第3集", true);
        assert!(has(&initials, "cctvd3j"), "{initials:?}");
    }

    #[test]
    fn u_umlaut_is_spelled_v_and_u() {
        let terms = pinyin_terms("绿色", false);
        assert!(has(&terms, "lvse") && has(&terms, "luse"), "{terms:?}");
    }

    #[test]
    fn many_polyphones_stay_within_the_variant_cap() {
        let title = "长行重乐还了着大会数长行重乐还了着大会数";
        let terms = pinyin_terms(title, false);
        assert!(terms.len() <= title.chars().count() * MAX_VARIANTS);
        assert!(terms.iter().all(|t| t.len() <= MAX_TERM_BYTES));
    }

    #[test]
    fn sort_keys_order_by_pinyin() {
        assert!(sort_key("成长") < sort_key("党章"));
    }
}
