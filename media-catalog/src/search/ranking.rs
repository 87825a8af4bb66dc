//! Ranking: a snapshot of the committed index with its tie order, and the collector that
//! counts every hit and keeps the best few — by score, equal scores by series, episode,
//! title and id (see [`order`](super::order)), so pages are stable and episodes in order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Query;
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader, TantivyError};

use super::order::{tie_order, SegmentOrder};
use crate::model::FilmId;

/// Scores are compared at this resolution, so float noise cannot split a tie.
fn quantize(score: Score) -> i64 {
    (f64::from(score) * 1000.0).round() as i64
}

/// A committed state of the index: the searcher and the tie order of its documents.
pub(crate) struct Snapshot {
    pub(crate) searcher: Searcher,
    order: Vec<Arc<SegmentOrder>>,
}

/// A page of results: the total and the ids of the requested hits, best first.
pub(crate) struct Page {
    pub(crate) total: usize,
    pub(crate) ids: Vec<FilmId>,
}

impl Snapshot {
    /// Reads the tie order of `searcher`'s documents (one pass over the sort keys).
    pub(crate) fn new(searcher: Searcher) -> tantivy::Result<Self> {
        let order = tie_order(&searcher)?;
        Ok(Snapshot { searcher, order })
    }

    /// Runs `query`: the number of hits and the ids of hits `offset..offset + limit`.
    pub(crate) fn search(
        &self,
        query: &dyn Query,
        offset: usize,
        limit: usize,
    ) -> tantivy::Result<Page> {
        let num_docs = usize::try_from(self.searcher.num_docs()).unwrap_or(usize::MAX);
        let keep = offset.saturating_add(limit).min(num_docs);
        let collector = RankingCollector {
            keep,
            order: &self.order,
        };
        let (total, hits) = self.searcher.search(query, &collector)?;
        let ids = hits
            .into_iter()
            .skip(offset)
            .filter_map(|hit| {
                let id = FilmId::parse(&format!("{:016x}", hit.id?));
                id.map_err(|bad| tracing::warn!(%bad, "malformed film id in the index"))
                    .ok()
            })
            .collect();
        Ok(Page { total, ids })
    }
}

/// One kept hit; the field order is the sort order (smaller is better).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Hit {
    score: Reverse<i64>,
    rank: u32,
    id: Option<u64>,
}

/// Collects the total and the best `keep` hits.
struct RankingCollector<'a> {
    keep: usize,
    order: &'a [Arc<SegmentOrder>],
}

/// The per-segment half of [`RankingCollector`]: a bounded max-heap, the worst on top.
struct SegmentRanker {
    keep: usize,
    total: usize,
    heap: BinaryHeap<(Reverse<i64>, u32, DocId)>,
    order: Arc<SegmentOrder>,
}

impl SegmentCollector for SegmentRanker {
    type Fruit = (usize, Vec<Hit>);

    fn collect(&mut self, doc: DocId, score: Score) {
        self.total += 1;
        if self.keep == 0 {
            return;
        }
        let rank = self
            .order
            .rank
            .get(doc as usize)
            .copied()
            .unwrap_or(u32::MAX);
        let key = (Reverse(quantize(score)), rank, doc);
        if self.heap.len() < self.keep {
            self.heap.push(key);
        } else if self.heap.peek().is_some_and(|worst| key < *worst) {
            self.heap.pop();
            self.heap.push(key);
        }
    }

    fn harvest(self) -> (usize, Vec<Hit>) {
        let hits = self.heap.into_iter().map(|(score, rank, doc)| Hit {
            score,
            rank,
            id: self.order.ids.get(doc as usize).copied().flatten(),
        });
        (self.total, hits.collect())
    }
}

impl Collector for RankingCollector<'_> {
    type Fruit = (usize, Vec<Hit>);
    type Child = SegmentRanker;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        _reader: &SegmentReader,
    ) -> tantivy::Result<SegmentRanker> {
        let order = self.order.get(segment as usize).cloned().ok_or_else(|| {
            TantivyError::InternalError(format!("no tie order for segment {segment}"))
        })?;
        Ok(SegmentRanker {
            keep: self.keep,
            total: 0,
            heap: BinaryHeap::with_capacity(self.keep.min(1024) + 1),
            order,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<(usize, Vec<Hit>)>) -> tantivy::Result<(usize, Vec<Hit>)> {
        let mut total = 0;
        let mut hits = Vec::new();
        for (count, segment_hits) in fruits {
            total += count;
            hits.extend(segment_hits);
        }
        hits.sort_unstable();
        hits.truncate(self.keep);
        Ok((total, hits))
    }
}
