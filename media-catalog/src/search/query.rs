//! From the user's query text and filters to a tantivy query.
//!
//! The text is folded and split on whitespace; every term must match (AND). A term with any
//! non-ASCII letter (Chinese) must occur as a substring of title, series, summary or themes
//! (a phrase of its bigrams on the n-gram fields). A term of ASCII letters and digits is a
//! prefix of a pinyin suffix term (full spelling or initials) of title or series, or a word.
//!
//! Scores are constants per field, not BM25, so the order is predictable: per term, title 4,
//! series 2, summary 1, themes 0.5, plus 1 (title) or 0.5 (series) for a whole jieba word or
//! latin word. A title match (≥ 4) always outranks a match elsewhere (≤ 3.5).
//! Ties are ordered by the ranking collector (series, episode, title).

use std::ops::Bound;

use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, InvertedIndexRangeQuery, Occur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use super::pinyin::{truncate_bytes, FULL_BYTES, HEAD_BYTES, INITIALS_BYTES, SHORT_BYTES};
use super::schema::{Fields, PinyinFields, TextFields};
use super::text::{fold, is_latin, term_grams, words};
use super::SearchFilters;

/// Terms of a query beyond this are ignored (a pasted paragraph must not cost seconds).
const MAX_TERMS: usize = 8;
/// Characters of one term beyond this are ignored.
const MAX_TERM_CHARS: usize = 32;
/// Bytes of query text looked at, before folding.
const MAX_QUERY_BYTES: usize = 1024;

const TITLE: f32 = 4.0;
const SERIES: f32 = 2.0;
const SUMMARY: f32 = 1.0;
const THEMES: f32 = 0.5;
const TITLE_BONUS: f32 = 1.0;
const SERIES_BONUS: f32 = 0.5;

/// The folded terms of a query: at most [`MAX_TERMS`], each at most [`MAX_TERM_CHARS`].
pub(crate) fn terms(q: &str) -> Vec<String> {
    let mut q = q.to_owned();
    truncate_bytes(&mut q, MAX_QUERY_BYTES);
    let mut out: Vec<String> = Vec::new();
    for term in fold(&q).split_whitespace() {
        let term: String = term.chars().take(MAX_TERM_CHARS).collect();
        if !out.contains(&term) {
            out.push(term);
        }
        if out.len() == MAX_TERMS {
            break;
        }
    }
    out
}

/// The whole query: every term (AND) and every filter. No terms means every film that
/// passes the filters (all with the same score, so in series/episode/title order).
pub(crate) fn build(f: &Fields, q: &str, filters: &SearchFilters) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = terms(q)
        .iter()
        .map(|term| {
            let q = if is_latin(term) {
                latin_term(f, term)
            } else {
                text_term(f, term)
            };
            (Occur::Must, q)
        })
        .collect();
    if clauses.is_empty() {
        clauses.push((Occur::Must, Box::new(AllQuery)));
    }
    for filter in filter_queries(f, filters) {
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(filter, 0.0))));
    }
    Box::new(BooleanQuery::new(clauses))
}

fn constant(query: Box<dyn Query>, score: f32) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(query, score))
}

fn any_of(queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(
        queries.into_iter().map(|q| (Occur::Should, q)).collect(),
    ))
}

fn term(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::Basic,
    ))
}

/// A Chinese (or mixed) term: a substring of some text field; whole words score a bonus.
fn text_term(f: &Fields, t: &str) -> Box<dyn Query> {
    let grams = term_grams(t);
    let substring = |field: Field| -> Box<dyn Query> {
        match grams.as_slice() {
            [(_, gram)] => term(field, gram),
            _ => Box::new(PhraseQuery::new_with_offset(
                grams
                    .iter()
                    .map(|(pos, gram)| (*pos, Term::from_field_text(field, gram)))
                    .collect(),
            )),
        }
    };
    let found = any_of(vec![
        constant(substring(f.title.ngram), TITLE),
        constant(substring(f.series.ngram), SERIES),
        constant(substring(f.summary.ngram), SUMMARY),
        constant(substring(f.themes.ngram), THEMES),
    ]);
    let mut clauses = vec![(Occur::Must, found)];
    let mut words = words(t);
    words.sort_unstable();
    words.dedup();
    if !words.is_empty() {
        let whole_word = |field: Field| any_of(words.iter().map(|w| term(field, w)).collect());
        clauses.push((
            Occur::Should,
            constant(whole_word(f.title.words), TITLE_BONUS),
        ));
        clauses.push((
            Occur::Should,
            constant(whole_word(f.series.words), SERIES_BONUS),
        ));
    }
    Box::new(BooleanQuery::new(clauses))
}

/// All terms of `field` that start with `prefix` (a walk of the term dictionary's range
/// `[prefix, prefix + 1)`, not a scan). `prefix` is non-empty ASCII.
fn prefix(field: Field, prefix: &str) -> Box<dyn Query> {
    let mut end = prefix.as_bytes().to_vec();
    if let Some(last) = end.last_mut() {
        *last = last.saturating_add(1); // ASCII alphanumeric: stays ASCII
    }
    let end = String::from_utf8(end).unwrap_or_default();
    Box::new(InvertedIndexRangeQuery::new(
        Bound::Included(Term::from_field_text(field, prefix)),
        Bound::Excluded(Term::from_field_text(field, &end)),
    ))
}

/// `t` cut to `max` bytes.
fn cut(t: &str, max: usize) -> String {
    let mut t = t.to_owned();
    truncate_bytes(&mut t, max);
    t
}

/// A latin term as pinyin of one text, from any syllable: full spelling or initials. The
/// field depends on the length (see [`super::pinyin`]), so few terms match each lookup.
fn pinyin(p: PinyinFields, t: &str) -> Vec<Box<dyn Query>> {
    if t.len() <= HEAD_BYTES {
        return vec![term(p.head, t)];
    }
    let full = if t.len() <= SHORT_BYTES {
        prefix(p.short, t)
    } else {
        prefix(p.full, &cut(t, FULL_BYTES))
    };
    vec![full, prefix(p.initials, &cut(t, INITIALS_BYTES))]
}

/// A latin term: pinyin of title or series, or a word anywhere; a whole word scores a bonus.
fn latin_term(f: &Fields, t: &str) -> Box<dyn Query> {
    let group = |fields: TextFields, score: f32| {
        let mut options = vec![term(fields.words, t)];
        if let Some(p) = fields.pinyin {
            options.extend(pinyin(p, t));
        }
        constant(any_of(options), score)
    };
    any_of(vec![
        group(f.title, TITLE),
        group(f.series, SERIES),
        group(f.summary, SUMMARY),
        group(f.themes, THEMES),
        constant(term(f.title.words, t), TITLE_BONUS),
        constant(term(f.series.words, t), SERIES_BONUS),
    ])
}

/// The filters as exact-term queries, each of which must match.
fn filter_queries(f: &Fields, filters: &SearchFilters) -> Vec<Box<dyn Query>> {
    let mut out = Vec::new();
    if let Some(category) = filters.category {
        out.push(term(f.category, category.as_str()));
    }
    if let Some(theme) = &filters.theme {
        out.push(term(f.theme, theme.trim()));
    }
    if let Some(series) = &filters.series {
        out.push(term(f.series_exact, series.trim()));
    }
    if let Some(year) = filters.year {
        let year = Term::from_field_i64(f.year, i64::from(year));
        out.push(Box::new(TermQuery::new(year, IndexRecordOption::Basic)));
    }
    if !filters.states.is_empty() {
        let states = filters.states.iter().map(|s| term(f.state, s.as_str()));
        out.push(any_of(states.collect()));
    }
    if !filters.include_missing {
        let present = Term::from_field_bool(f.missing, false);
        out.push(Box::new(TermQuery::new(present, IndexRecordOption::Basic)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_terms_are_folded_split_and_bounded() {
        assert_eq!(terms("  ＤＺＤＳ 《党章》  "), vec!["dzds", "党章"]);
        assert_eq!(terms("a b c d e f g h i j k").len(), MAX_TERMS);
        assert_eq!(
            terms(&"党".repeat(10_000))[0].chars().count(),
            MAX_TERM_CHARS
        );
        assert!(terms("《》——·").is_empty());
    }
}
