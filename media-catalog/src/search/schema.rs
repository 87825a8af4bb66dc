//! The index schema: which fields a film becomes, with which tokenizer, and the version tag.
//!
//! Text is indexed three ways: jieba words (`*_words`), 1–2 character grams with positions
//! (`*_ngram`, for substring recall) and, for title and series, pinyin terms
//! (`*_py_head`, `*_py_short`, `*_py_full`, `*_py_init`: see [`super::pinyin`]). Filters are untokenized terms; tie ordering reads fast fields.
//! Nothing is stored: a hit's id comes from the `id` fast field.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, TantivyDocument};

use super::pinyin::{sort_key, PinyinTerms, PinyinTokenizer};
use super::text::{NgramTokenizer, WordTokenizer};
use crate::model::Film;

/// Written as the commit payload. Bump it when tokenization changes in a way the schema does
/// not show (folding, pinyin rules): an index with another tag is wiped and rebuilt.
pub(crate) const SCHEMA_TAG: &str = "dianjiao-search-v1";

const WORDS: &str = "dj_words";
const NGRAM: &str = "dj_ngram";
/// Tokenizer names of the pinyin fields, and the terms each makes.
const PINYIN: [(&str, PinyinTerms); 4] = [
    ("dj_pinyin_head", PinyinTerms::Head),
    ("dj_pinyin_short", PinyinTerms::Short),
    ("dj_pinyin_full", PinyinTerms::Full),
    ("dj_pinyin_initials", PinyinTerms::Initials),
];

/// Names of the fast fields read by the ranking collector.
pub(crate) const ID: &str = "id";
pub(crate) const SERIES_KEY: &str = "series_key";
pub(crate) const TITLE_KEY: &str = "title_key";
pub(crate) const EPISODE: &str = "episode";

/// The pinyin fields of a text, one per [`PinyinTerms`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct PinyinFields {
    pub(crate) head: Field,
    pub(crate) short: Field,
    pub(crate) full: Field,
    pub(crate) initials: Field,
}

/// The three ways a piece of text is indexed; `pinyin` only for title and series.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TextFields {
    pub(crate) words: Field,
    pub(crate) ngram: Field,
    pub(crate) pinyin: Option<PinyinFields>,
}

/// Handles to every field of the schema.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fields {
    pub(crate) id: Field,
    pub(crate) title: TextFields,
    pub(crate) series: TextFields,
    pub(crate) summary: TextFields,
    pub(crate) themes: TextFields,
    pub(crate) category: Field,
    pub(crate) theme: Field,
    pub(crate) series_exact: Field,
    pub(crate) year: Field,
    pub(crate) state: Field,
    pub(crate) missing: Field,
    pub(crate) episode: Field,
    pub(crate) series_key: Field,
    pub(crate) title_key: Field,
}

fn text(tokenizer: &str, record: IndexRecordOption) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(record)
            // Titles are short; length must not reorder episodes (第1集 vs 第10集).
            .set_fieldnorms(false),
    )
}

fn exact() -> TextOptions {
    text("raw", IndexRecordOption::Basic)
}

fn add_text_fields(b: &mut tantivy::schema::SchemaBuilder, name: &str, py: bool) -> TextFields {
    let words = b.add_text_field(
        &format!("{name}_words"),
        text(WORDS, IndexRecordOption::WithFreqs),
    );
    let ngram = b.add_text_field(
        &format!("{name}_ngram"),
        text(NGRAM, IndexRecordOption::WithFreqsAndPositions),
    );
    let mut pinyin = |suffix: &str, tokenizer: &str| {
        b.add_text_field(
            &format!("{name}_py_{suffix}"),
            text(tokenizer, IndexRecordOption::Basic),
        )
    };
    let pinyin = py.then(|| PinyinFields {
        head: pinyin("head", PINYIN[0].0),
        short: pinyin("short", PINYIN[1].0),
        full: pinyin("full", PINYIN[2].0),
        initials: pinyin("init", PINYIN[3].0),
    });
    TextFields {
        words,
        ngram,
        pinyin,
    }
}

/// Builds the schema and its field handles.
pub(crate) fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_text_field(ID, exact().set_fast("raw")),
        title: add_text_fields(&mut b, "title", true),
        series: add_text_fields(&mut b, "series", true),
        summary: add_text_fields(&mut b, "summary", false),
        themes: add_text_fields(&mut b, "themes", false),
        category: b.add_text_field("category", exact()),
        theme: b.add_text_field("theme", exact()),
        series_exact: b.add_text_field("series_exact", exact()),
        year: b.add_i64_field("year", INDEXED),
        state: b.add_text_field("state", exact()),
        missing: b.add_bool_field("missing", INDEXED),
        episode: b.add_u64_field(EPISODE, NumericOptions::default() | FAST),
        series_key: b.add_text_field(SERIES_KEY, TextOptions::default().set_fast("raw")),
        title_key: b.add_text_field(TITLE_KEY, TextOptions::default().set_fast("raw")),
    };
    (b.build(), fields)
}

/// Registers our tokenizers on an index (needed after every open: they are not persisted).
pub(crate) fn register_tokenizers(index: &Index) {
    let tokenizers = index.tokenizers();
    tokenizers.register(WORDS, TextAnalyzer::from(WordTokenizer));
    tokenizers.register(NGRAM, TextAnalyzer::from(NgramTokenizer));
    for (name, terms) in PINYIN {
        tokenizers.register(name, TextAnalyzer::from(PinyinTokenizer(terms)));
    }
}

fn add_text(doc: &mut TantivyDocument, fields: TextFields, value: &str) {
    doc.add_text(fields.words, value);
    doc.add_text(fields.ngram, value);
    if let Some(p) = fields.pinyin {
        for field in [p.head, p.short, p.full, p.initials] {
            doc.add_text(field, value);
        }
    }
}

/// The index document of a film.
pub(crate) fn document(f: &Fields, film: &Film) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, film.id.as_str());
    add_text(&mut doc, f.title, &film.title);
    doc.add_text(f.title_key, sort_key(&film.title));
    if let Some(series) = film
        .series
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        add_text(&mut doc, f.series, series);
        doc.add_text(f.series_exact, series);
        doc.add_text(f.series_key, sort_key(series));
    }
    if let Some(summary) = &film.summary {
        add_text(&mut doc, f.summary, summary);
    }
    if !film.themes.is_empty() {
        // One value: grams never span the space between two themes.
        add_text(&mut doc, f.themes, &film.themes.join(" "));
    }
    for theme in &film.themes {
        doc.add_text(f.theme, theme.trim());
    }
    if let Some(category) = film.category {
        doc.add_text(f.category, category.as_str());
    }
    if let Some(year) = film.year {
        doc.add_i64(f.year, i64::from(year));
    }
    doc.add_text(f.state, film.state.as_str());
    doc.add_bool(f.missing, film.missing);
    if let Some(episode) = film.episode {
        doc.add_u64(f.episode, u64::from(episode));
    }
    doc
}
