//! The tie order: every document's rank by series, episode, title and id, computed once per
//! commit so that ordering equal scores costs one array lookup per hit at query time.
//!
//! The keys come from fast fields. Their term dictionaries are read in one sequential pass
//! per segment (ordinal → string lookups one at a time cost ≈ 10 µs each, far too much to do
//! per hit), then all live documents of all segments are sorted together.

use std::cmp::Ordering;
use std::sync::Arc;

use tantivy::columnar::StrColumn;
use tantivy::{DocId, Searcher, SegmentReader};

use super::schema::{EPISODE, ID, SERIES_KEY, TITLE_KEY};

/// Per segment: each document's global tie rank and its film id (as a number).
#[derive(Debug, Default)]
pub(crate) struct SegmentOrder {
    /// Indexed by doc id; `u32::MAX` for deleted documents.
    pub(crate) rank: Vec<u32>,
    /// Indexed by doc id: the film id's 16 hex digits as a number.
    pub(crate) ids: Vec<Option<u64>>,
}

/// The sort keys of one document: ordinals into its segment's string tables.
struct DocKeys {
    alive: bool,
    series: Option<u32>,
    episode: Option<u64>,
    title: Option<u32>,
    id: Option<u64>,
}

/// The sort keys of one segment.
struct SegmentKeys {
    series: Vec<String>,
    titles: Vec<String>,
    docs: Vec<DocKeys>,
}

impl SegmentKeys {
    fn series(&self, d: &DocKeys) -> Option<&str> {
        d.series
            .and_then(|o| self.series.get(o as usize))
            .map(String::as_str)
    }

    fn title(&self, d: &DocKeys) -> &str {
        d.title
            .and_then(|o| self.titles.get(o as usize))
            .map_or("", String::as_str)
    }
}

/// Every term of a fast string column, by ordinal.
fn dictionary(column: &Option<StrColumn>) -> std::io::Result<Vec<String>> {
    let Some(column) = column else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(column.dictionary().num_terms());
    let mut stream = column.dictionary().stream()?;
    while stream.advance() {
        out.push(String::from_utf8_lossy(stream.key()).into_owned());
    }
    Ok(out)
}

fn first_ord(column: &Option<StrColumn>, doc: DocId) -> Option<u32> {
    let ord = column.as_ref()?.term_ords(doc).next()?;
    u32::try_from(ord).ok()
}

fn segment_keys(reader: &SegmentReader) -> tantivy::Result<SegmentKeys> {
    let fast = reader.fast_fields();
    let series = fast.str(SERIES_KEY)?;
    let title = fast.str(TITLE_KEY)?;
    let id = fast.str(ID)?;
    let episode = fast.column_opt::<u64>(EPISODE)?;
    let ids_by_ord: Vec<Option<u64>> = dictionary(&id)?
        .iter()
        .map(|s| u64::from_str_radix(s, 16).ok())
        .collect();
    let alive = reader.alive_bitset();
    let docs = (0..reader.max_doc())
        .map(|doc| DocKeys {
            alive: alive.is_none_or(|a| a.is_alive(doc)),
            series: first_ord(&series, doc),
            episode: episode.as_ref().and_then(|c| c.first(doc)),
            title: first_ord(&title, doc),
            id: first_ord(&id, doc).and_then(|o| ids_by_ord.get(o as usize).copied().flatten()),
        })
        .collect();
    Ok(SegmentKeys {
        series: dictionary(&series)?,
        titles: dictionary(&title)?,
        docs,
    })
}

/// `None` after every value (a film without a series sorts after the series).
fn none_last<T: Ord>(a: Option<T>, b: Option<T>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(&b),
        (a, b) => a.is_none().cmp(&b.is_none()),
    }
}

/// The rank of every document of `searcher`, per segment (in `segment_readers` order).
pub(crate) fn tie_order(searcher: &Searcher) -> tantivy::Result<Vec<Arc<SegmentOrder>>> {
    let keys = searcher
        .segment_readers()
        .iter()
        .map(segment_keys)
        .collect::<tantivy::Result<Vec<_>>>()?;
    let mut live: Vec<(usize, usize)> = Vec::new();
    for (s, segment) in keys.iter().enumerate() {
        live.extend(
            (0..segment.docs.len())
                .filter(|&d| segment.docs[d].alive)
                .map(|d| (s, d)),
        );
    }
    live.sort_unstable_by(|&(sa, da), &(sb, db)| {
        let (ka, kb) = (&keys[sa], &keys[sb]);
        let (a, b) = (&ka.docs[da], &kb.docs[db]);
        none_last(ka.series(a), kb.series(b))
            .then_with(|| none_last(a.episode, b.episode))
            .then_with(|| ka.title(a).cmp(kb.title(b)))
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut orders: Vec<SegmentOrder> = keys
        .iter()
        .map(|k| SegmentOrder {
            rank: vec![u32::MAX; k.docs.len()],
            ids: k.docs.iter().map(|d| d.id).collect(),
        })
        .collect();
    for (rank, (s, d)) in live.into_iter().enumerate() {
        orders[s].rank[d] = u32::try_from(rank).unwrap_or(u32::MAX);
    }
    Ok(orders.into_iter().map(Arc::new).collect())
}

#[cfg(test)]
mod tests {
    use super::none_last;
    use std::cmp::Ordering;

    #[test]
    fn missing_values_sort_after_present_ones() {
        assert_eq!(none_last(Some(1), None), Ordering::Less);
        assert_eq!(none_last(None, Some(1)), Ordering::Greater);
        assert_eq!(none_last::<u8>(None, None), Ordering::Equal);
        assert_eq!(none_last(Some(2), Some(1)), Ordering::Greater);
    }
}
