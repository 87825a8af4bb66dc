//! Pinyin spellings of titles and series: syllable-aligned suffix terms for prefix lookups.
//!
//! 党章电视教材 is indexed, in the full-spelling field, as `dangzhangdianshijiaocai`,
//! `zhangdianshijiaocai`, `dianshijiaocai`, … (one term per starting syllable) and, in the
//! initials field, as `dzdsjc`, `zdsjc`, `dsjc`, … A query `dianshi` or `dzds` is then a
//! prefix lookup: a walk of one range of the term dictionary, never a scan of all terms.
//!
//! A prefix lookup costs about a microsecond per matching *term*, and a common word has as
//! many distinct suffix terms as places it occurs. So the suffixes are kept at three lengths
//! (see [`PinyinTerms`]): queries of 1–3 letters are exact lookups of edge n-grams
//! ([`HEAD_BYTES`]), queries up to [`SHORT_BYTES`] look up suffixes cut there (few distinct
//! continuations), longer ones look up suffixes cut at [`FULL_BYTES`]. A query is cut the
//! same way as the terms it looks up, so a query longer than a cut still matches.
//!
//! Polyphonic characters (长 chang/zhang, 行 xing/hang, …) contribute up to
//! [`MAX_READINGS`] readings; per starting syllable at most [`MAX_VARIANTS`] spellings are
//! kept, the variations nearest the start first. Letters and digits that are not Chinese pass
//! through as one syllable per run (`第3集` → `di3ji`, `d3j`).

use pinyin::ToPinyinMulti;
use tantivy::tokenizer::Tokenizer;

use super::text::{fold, VecTokenStream};

/// Syllables of a title or series that get pinyin terms.
const MAX_SYLLABLES: usize = 256;
/// Distinct toneless readings kept per character, in the pinyin crate's order (its default
/// reading first).
pub(crate) const MAX_READINGS: usize = 3;
/// Spellings kept per starting syllable: bounds the terms a title with many polyphones makes.
pub(crate) const MAX_VARIANTS: usize = 8;
/// Edge n-grams (of full spellings and initials) up to this many bytes: exact lookups.
pub(crate) const HEAD_BYTES: usize = 3;
/// Full-spelling suffixes cut here serve queries up to this length.
pub(crate) const SHORT_BYTES: usize = 12;
/// Full-spelling suffixes cut here serve longer queries (cut the same way).
pub(crate) const FULL_BYTES: usize = 40;
/// Initials suffixes are cut here (queries too).
pub(crate) const INITIALS_BYTES: usize = 16;

/// Which pinyin terms a field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PinyinTerms {
    /// Every prefix up to [`HEAD_BYTES`] of every full and initials suffix.
    Head,
    /// Full-spelling suffixes cut at [`SHORT_BYTES`].
    Short,
    /// Full-spelling suffixes cut at [`FULL_BYTES`].
    Full,
    /// Initials suffixes cut at [`INITIALS_BYTES`].
    Initials,
}

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
fn initials(syllable: &Syllable) -> Syllable {
    if !syllable.chinese {
        return latin_run(syllable.spellings.concat());
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
fn suffix_terms(syllables: &[Syllable], max_bytes: usize) -> Vec<String> {
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
                truncate_bytes(&mut term, max_bytes);
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

/// Every prefix, up to [`HEAD_BYTES`], of every full and initials suffix.
fn head_terms(full: &[Syllable], initials: &[Syllable]) -> Vec<String> {
    let mut heads = suffix_terms(full, HEAD_BYTES);
    heads.extend(suffix_terms(initials, HEAD_BYTES));
    let mut out: Vec<String> = Vec::with_capacity(heads.len() * HEAD_BYTES);
    for head in heads {
        out.extend(
            head.char_indices()
                .map(|(at, c)| head[..at + c.len_utf8()].to_owned()),
        );
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The pinyin terms of a title or series.
pub(crate) fn pinyin_terms(text: &str, kind: PinyinTerms) -> Vec<String> {
    let full = syllables(&fold(text));
    let initials_of = || full.iter().map(initials).collect::<Vec<_>>();
    match kind {
        PinyinTerms::Head => head_terms(&full, &initials_of()),
        PinyinTerms::Short => suffix_terms(&full, SHORT_BYTES),
        PinyinTerms::Full => suffix_terms(&full, FULL_BYTES),
        PinyinTerms::Initials => suffix_terms(&initials_of(), INITIALS_BYTES),
    }
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

/// Tokenizer of the `*_py_*` fields.
#[derive(Clone, Debug)]
pub(crate) struct PinyinTokenizer(pub(crate) PinyinTerms);

impl Tokenizer for PinyinTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(pinyin_terms(text, self.0).into_iter().map(|t| (t, 0)))
    }
}

#[cfg(test)]
mod tests {
    use super::PinyinTerms::{Full, Head, Initials, Short};
    use super::*;

    fn has(terms: &[String], wanted: &str) -> bool {
        terms.iter().any(|t| t == wanted)
    }

    #[test]
    fn full_spelling_suffixes_start_at_every_syllable() {
        let terms = pinyin_terms("党章电视教材", Full);
        for wanted in ["dangzhangdianshijiaocai", "dianshijiaocai", "cai"] {
            assert!(has(&terms, wanted), "{wanted} missing from {terms:?}");
        }
        assert!(!terms.iter().any(|t| t.starts_with("angzhang")));
    }

    #[test]
    fn short_suffixes_are_cut_where_short_queries_end() {
        let terms = pinyin_terms("党章电视教材", Short);
        assert!(
            has(&terms, "dangzhangdia") && has(&terms, "dianshijiaoc"),
            "{terms:?}"
        );
        assert!(terms.iter().all(|t| t.len() <= SHORT_BYTES));
    }

    #[test]
    fn initials_suffixes_start_at_every_syllable() {
        let terms = pinyin_terms("党章电视教材", Initials);
        assert!(has(&terms, "dzdsjc"), "{terms:?}");
        assert!(has(&terms, "dsjc"), "{terms:?}");
    }

    #[test]
    fn heads_are_the_first_letters_of_every_suffix() {
        let terms = pinyin_terms("党章电视", Head);
        for wanted in [
            "d", "da", "dan", "dz", "dzd", "zha", "zd", "ds", "s", "sh", "shi",
        ] {
            assert!(has(&terms, wanted), "{wanted} missing from {terms:?}");
        }
        assert!(terms.iter().all(|t| t.len() <= HEAD_BYTES));
    }

    #[test]
    fn polyphonic_characters_get_each_plausible_reading() {
        let changzheng = pinyin_terms("长征", Full);
        assert!(has(&changzheng, "changzheng") && has(&changzheng, "zhangzheng"));
        assert!(has(&pinyin_terms("成长", Full), "chengzhang"));
        let initials = pinyin_terms("长征", Initials);
        assert!(has(&initials, "cz") && has(&initials, "zz"), "{initials:?}");
    }

    #[test]
    fn latin_and_digits_pass_through_as_whole_syllables() {
        let full = pinyin_terms("CCTV 第3集", Full);
        assert!(has(&full, "cctvdi3ji") && has(&full, "3ji"), "{full:?}");
        let initials = pinyin_terms("CCTV 第3集", Initials);
        assert!(has(&initials, "cctvd3j"), "{initials:?}");
    }

    #[test]
    fn u_umlaut_is_spelled_v_and_u() {
        let terms = pinyin_terms("绿色", Full);
        assert!(has(&terms, "lvse") && has(&terms, "luse"), "{terms:?}");
    }

    #[test]
    fn many_polyphones_stay_within_the_variant_cap() {
        let title = "长行重乐还了着大会数长行重乐还了着大会数";
        let terms = pinyin_terms(title, Full);
        assert!(terms.len() <= title.chars().count() * MAX_VARIANTS);
        assert!(terms.iter().all(|t| t.len() <= FULL_BYTES));
    }

    #[test]
    fn sort_keys_order_by_pinyin() {
        assert!(sort_key("成长") < sort_key("党章"));
    }
}
