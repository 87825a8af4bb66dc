//! The ranking collector: counts every hit and keeps the best few, equal scores ordered by
//! series, then episode, then title (then id), so pages are stable and episodes come in order.
//!
//! Per segment, a bounded heap compares fast-field term ordinals (ordinal order is string
//! order within a segment); the strings are only looked up for the kept hits, and the
//! segments' hits are then merged by the strings themselves.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader, TantivyError};

use super::schema::{EPISODE, ID, SERIES_KEY, TITLE_KEY};

/// Scores are compared at this resolution, so float noise cannot split a tie.
fn quantize(score: Score) -> i64 {
    (f64::from(score) * 1000.0).round() as i64
}

/// One kept hit. The field order is the sort order (smaller is better); a film without a
/// series or an episode sorts after those with one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Hit {
    score: Reverse<i64>,
    no_series: bool,
    series: String,
    no_episode: bool,
    episode: u64,
    title: String,
    /// The film id, as indexed.
    pub(crate) id: String,
}

/// What a search collects: how many films matched and the best of them, best first.
#[derive(Debug, Default)]
pub(crate) struct Ranked {
    pub(crate) total: usize,
    pub(crate) hits: Vec<Hit>,
}

/// Collects the total and the best `keep` hits.
pub(crate) struct RankingCollector {
    pub(crate) keep: usize,
}

/// A kept hit within one segment: ordinals instead of strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct SegmentKey {
    score: Reverse<i64>,
    series: u64,
    episode: u64,
    title: u64,
    id: u64,
}

/// The per-segment half of [`RankingCollector`].
pub(crate) struct SegmentRanker {
    keep: usize,
    total: usize,
    /// Max-heap: the worst kept hit on top.
    heap: BinaryHeap<SegmentKey>,
    series: Option<StrColumn>,
    title: Option<StrColumn>,
    id: Option<StrColumn>,
    episode: Option<Column<u64>>,
}

fn first_ord(column: &Option<StrColumn>, doc: DocId) -> u64 {
    column
        .as_ref()
        .and_then(|c| c.term_ords(doc).next())
        .unwrap_or(u64::MAX)
}

fn ord_to_string(column: &Option<StrColumn>, ord: u64) -> io::Result<Option<String>> {
    let Some(column) = column.as_ref().filter(|_| ord != u64::MAX) else {
        return Ok(None);
    };
    let mut out = String::new();
    Ok(column.ord_to_str(ord, &mut out)?.then_some(out))
}

impl SegmentRanker {
    fn resolve(&self, key: SegmentKey) -> io::Result<Hit> {
        let series = ord_to_string(&self.series, key.series)?;
        Ok(Hit {
            score: key.score,
            no_series: series.is_none(),
            series: series.unwrap_or_default(),
            no_episode: key.episode == u64::MAX,
            episode: key.episode,
            title: ord_to_string(&self.title, key.title)?.unwrap_or_default(),
            id: ord_to_string(&self.id, key.id)?.unwrap_or_default(),
        })
    }
}

impl SegmentCollector for SegmentRanker {
    type Fruit = io::Result<Ranked>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.total += 1;
        if self.keep == 0 {
            return;
        }
        let score = Reverse(quantize(score));
        let full = self.heap.len() >= self.keep;
        if full && self.heap.peek().is_some_and(|worst| score > worst.score) {
            return; // strictly worse score than everything kept: skip the lookups
        }
        let key = SegmentKey {
            score,
            series: first_ord(&self.series, doc),
            episode: self
                .episode
                .as_ref()
                .and_then(|c| c.first(doc))
                .unwrap_or(u64::MAX),
            title: first_ord(&self.title, doc),
            id: first_ord(&self.id, doc),
        };
        if !full {
            self.heap.push(key);
        } else if self.heap.peek().is_some_and(|worst| key < *worst) {
            self.heap.pop();
            self.heap.push(key);
        }
    }

    fn harvest(self) -> io::Result<Ranked> {
        let hits = self
            .heap
            .iter()
            .map(|key| self.resolve(*key))
            .collect::<io::Result<Vec<Hit>>>()?;
        Ok(Ranked {
            total: self.total,
            hits,
        })
    }
}

impl Collector for RankingCollector {
    type Fruit = Ranked;
    type Child = SegmentRanker;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentRanker> {
        let fast = reader.fast_fields();
        Ok(SegmentRanker {
            keep: self.keep,
            total: 0,
            heap: BinaryHeap::with_capacity(self.keep.min(1024) + 1),
            series: fast.str(SERIES_KEY)?,
            title: fast.str(TITLE_KEY)?,
            id: fast.str(ID)?,
            episode: fast.column_opt(EPISODE)?,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<io::Result<Ranked>>) -> tantivy::Result<Ranked> {
        let mut merged = Ranked::default();
        for fruit in fruits {
            let fruit = fruit.map_err(TantivyError::from)?;
            merged.total += fruit.total;
            merged.hits.extend(fruit.hits);
        }
        merged.hits.sort_unstable();
        merged.hits.truncate(self.keep);
        Ok(merged)
    }
}
