//! Text folding and the word / n-gram tokenizers: what the index and the query both see.
//!
//! Everything goes through [`fold`] first, at index time and at query time, so full-width
//! `ＤＺＤＳ`, `dzds` and `DZDS` are the same text, and 《》「」—· are word breaks.

use std::sync::OnceLock;

use jieba_rs::Jieba;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Folds text for matching: full-width ASCII → half-width, ideographic space → space,
/// lowercase, and every character that is neither a letter nor a digit (punctuation,
/// symbols, emoji) → a single space. The result has no leading or trailing space.
pub(crate) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars().map(half_width) {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// Maps the full-width forms block (U+FF01..U+FF5E) and U+3000 to their ASCII equivalents.
fn half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// True when a folded query term is plain ASCII letters and digits: such a term is looked up
/// as pinyin (full spelling or initials) and as a latin word.
pub(crate) fn is_latin(term: &str) -> bool {
    !term.is_empty() && term.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The word list: jieba's dictionary cut to its ≈ 60,000 most frequent words (frequency
/// ≥ 37) plus the 电教 vocabulary (电视教材, 远程教育, 播放点, … at frequency 1000).
///
/// jieba-rs's whole dictionary (349,000 words) costs ≈ 32 MB resident and 130 ms to load;
/// this one ≈ 6 MB and ≈ 20 ms (measured: `cargo bench -p media-catalog --bench search`).
/// Whole words only add to the score (recall comes from the n-gram field), so a rare word
/// missing from the list costs nothing but that bonus.
const WORD_LIST: &str = include_str!("words.txt");

/// The process-wide segmenter, loaded once. Not tantivy-jieba's tokenizer: its
/// `new()` always loads the whole dictionary, and `with_jieba` would copy the dictionary
/// into every clone tantivy makes of the analyzer.
fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(|| {
        Jieba::with_dict(&mut WORD_LIST.as_bytes()).unwrap_or_else(|error| {
            tracing::error!(%error, "search word list unreadable; segmenting without it");
            Jieba::empty()
        })
    })
}

/// Jieba words of already folded text (search mode: 北京大学 also yields 北京, 大学).
pub(crate) fn words(folded: &str) -> Vec<String> {
    jieba()
        .cut_for_search(folded, true)
        .into_iter()
        .filter(|token| token.word.chars().any(char::is_alphanumeric))
        .map(|token| token.word.to_owned())
        .collect()
}

/// Loads the jieba dictionary now, so that the first query does not pay for it.
pub(crate) fn warm_up() {
    let _ = words("党章");
}

/// Calls `emit(gram, position)` for every 1- and 2-character gram of folded text; the
/// position is the character index, so a substring query is a phrase of consecutive bigrams.
/// Grams never span a space.
pub(crate) fn ngrams(folded: &str, mut emit: impl FnMut(&str, usize)) {
    let mut prev: Option<usize> = None; // byte offset of the previous character in this run
    for (pos, (at, c)) in folded.char_indices().enumerate() {
        if c == ' ' {
            prev = None;
            continue;
        }
        let end = at + c.len_utf8();
        if let Some(start) = prev {
            emit(&folded[start..end], pos - 1);
        }
        emit(&folded[at..end], pos);
        prev = Some(at);
    }
}

/// The bigrams of one folded query term with their offsets (or its single character).
pub(crate) fn term_grams(term: &str) -> Vec<(usize, String)> {
    let mut unigrams = Vec::new();
    let mut bigrams = Vec::new();
    ngrams(term, |gram, pos| {
        if gram.chars().nth(1).is_some() {
            bigrams.push((pos, gram.to_owned()));
        } else {
            unigrams.push((pos, gram.to_owned()));
        }
    });
    if bigrams.is_empty() {
        unigrams
    } else {
        bigrams
    }
}

/// A token stream over tokens computed up front (our tokenizers own their folded text).
pub(crate) struct VecTokenStream {
    /// Remaining tokens, in reverse order so that `advance` pops.
    rest: Vec<Token>,
    current: Token,
}

impl VecTokenStream {
    /// A stream over `texts` with the given positions.
    pub(crate) fn new(tokens: impl IntoIterator<Item = (String, usize)>) -> Self {
        let mut rest: Vec<Token> = tokens
            .into_iter()
            .map(|(text, position)| Token {
                offset_from: 0,
                offset_to: 0,
                position,
                text,
                position_length: 1,
            })
            .collect();
        rest.reverse();
        VecTokenStream {
            rest,
            current: Token::default(),
        }
    }
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        match self.rest.pop() {
            Some(token) => {
                self.current = token;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

/// Tokenizer of the `*_words` fields: fold, then jieba words.
#[derive(Clone, Debug, Default)]
pub(crate) struct WordTokenizer;

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(
            words(&fold(text))
                .into_iter()
                .enumerate()
                .map(|(i, w)| (w, i)),
        )
    }
}

/// Tokenizer of the `*_ngram` fields: fold, then 1- and 2-character grams with positions.
#[derive(Clone, Debug, Default)]
pub(crate) struct NgramTokenizer;

impl Tokenizer for NgramTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let mut grams = Vec::new();
        ngrams(&fold(text), |gram, pos| grams.push((gram.to_owned(), pos)));
        VecTokenStream::new(grams)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_turns_full_width_into_lowercase_ascii() {
        assert_eq!(fold("ＤＺＤＳ"), "dzds");
        assert_eq!(fold("ＣＣＴＶ　新闻１２"), "cctv 新闻12");
    }

    #[test]
    fn folding_makes_book_title_marks_and_dashes_into_single_spaces() {
        assert_eq!(fold("《党章》——「学习」·辅导"), "党章 学习 辅导");
        assert_eq!(fold("  ！！？  "), "");
        assert_eq!(fold("a😀b"), "a b");
    }

    #[test]
    fn ngrams_give_every_character_and_every_adjacent_pair_within_a_run() {
        let mut grams = Vec::new();
        ngrams("入党章 程", |g, p| grams.push((g.to_owned(), p)));
        let expect = [
            ("入", 0),
            ("入党", 0),
            ("党", 1),
            ("党章", 1),
            ("章", 2),
            ("程", 4),
        ];
        let expect: Vec<(String, usize)> =
            expect.iter().map(|(g, p)| (g.to_string(), *p)).collect();
        assert_eq!(grams, expect);
    }

    #[test]
    fn a_query_term_becomes_its_bigrams_or_its_single_character() {
        assert_eq!(
            term_grams("党章程"),
            vec![(0, "党章".to_owned()), (1, "章程".to_owned())]
        );
        assert_eq!(term_grams("党"), vec![(0, "党".to_owned())]);
    }

    #[test]
    fn the_word_list_loads_and_knows_the_film_library_vocabulary() {
        assert!(Jieba::with_dict(&mut WORD_LIST.as_bytes()).is_ok());
        assert!(words("党章电视教材").contains(&"电视教材".to_owned()));
        assert!(words("农村实用技术").contains(&"农村实用技术".to_owned()));
    }

    #[test]
    fn jieba_splits_the_party_constitution_title_into_words() {
        let w = words("入党章程");
        assert!(w.contains(&"入党".to_owned()), "{w:?}");
        assert!(!w.contains(&"党章".to_owned()), "{w:?}");
    }

    #[test]
    fn latin_terms_are_ascii_letters_and_digits_only() {
        assert!(is_latin("dzds2"));
        assert!(!is_latin("党章"));
        assert!(!is_latin("d党"));
        assert!(!is_latin(""));
    }
}
