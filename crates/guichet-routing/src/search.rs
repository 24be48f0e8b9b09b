//! Shortest-path searches: the multi-source sweep, a bounded search, and a plain reference.
//!
//! The sweep is Dijkstra with a *bucket queue* (Dial's algorithm with bucket width equal to the
//! smallest arc weight, after Dinitz): all nodes in the current bucket are final, because any arc
//! leaving them adds at least one bucket width. Integer deciseconds make this exact, and on road
//! graphs it beats a binary heap by avoiding `log n` sifts and most cache misses. A contraction
//! hierarchy + PHAST would cost minutes of preprocessing and extra memory for a one-to-all
//! question that this sweep answers in one linear-ish pass; see the crate's benchmark.
//! [`dijkstra_reference`] is the textbook binary-heap version, kept as an independent oracle.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::{Graph, RoutingError};

/// Time of an unreachable node.
pub const UNREACHABLE: u32 = u32::MAX;

/// A starting point of a multi-source search: a node, the time already spent reaching it from
/// the real place (often 0), and the caller's label for the place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    pub node: u32,
    pub offset: u32,
    pub label: u32,
}

/// Result of a sweep: per node, the time from the nearest source and that source's label
/// (`UNREACHABLE` / `u32::MAX` when no source reaches the node). Both live in one `u64` per
/// node, time in the high half, so the sweep touches one cache line per node, not two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearestTree {
    state: Vec<u64>,
}

impl NearestTree {
    pub fn time(&self, node: u32) -> u32 {
        (self.state[node as usize] >> 32) as u32
    }
    pub fn label(&self, node: u32) -> u32 {
        self.state[node as usize] as u32
    }
    pub fn len(&self) -> usize {
        self.state.len()
    }
    pub fn is_empty(&self) -> bool {
        self.state.is_empty()
    }
    /// Times of all nodes, in node order.
    pub fn times(&self) -> Vec<u32> {
        self.state.iter().map(|s| (s >> 32) as u32).collect()
    }
}

const NONE: u64 = u64::MAX;

fn pack(time: u32, label: u32) -> u64 {
    (u64::from(time) << 32) | u64::from(label)
}

/// One search from all `sources` at once: for every node, the time along `graph`'s arcs from
/// the nearest source. Ties between sources go to the one popped first, deterministically.
pub fn nearest_sources(graph: &Graph, sources: &[Source]) -> Result<NearestTree, RoutingError> {
    let n = graph.node_count();
    let mut state = vec![NONE; n];
    let (first_out, arcs) = graph.raw();
    let (min_w, max_w) = graph.weight_range();
    let width = min_w.max(1);
    // Offsets of sources may exceed the widest arc; they only enter at the start, so size the
    // ring for arcs and put sources in a sorted list consumed as the ring reaches them.
    let ring = (max_w / width) as usize + 2;
    let mut buckets: Vec<Vec<(u32, u32)>> = vec![Vec::new(); ring];
    for s in sources {
        if s.node as usize >= n {
            return Err(RoutingError::NodeOutOfRange {
                node: s.node,
                nodes: n,
            });
        }
        let p = pack(s.offset, s.label);
        if p < state[s.node as usize] {
            state[s.node as usize] = p;
        }
    }
    let mut pending_sources: Vec<Source> = sources
        .iter()
        .filter(|s| state[s.node as usize] == pack(s.offset, s.label))
        .copied()
        .collect();
    pending_sources.sort_by_key(|s| Reverse(s.offset));
    pending_sources.dedup_by_key(|s| (s.node, s.offset));
    let mut queued = 0usize;
    let mut current: u64 = 0; // index of the current bucket in absolute terms
    let mut scratch: Vec<(u32, u32)> = Vec::new();
    let mut counts: Vec<u32> = vec![0; BLOCKS + 1];
    loop {
        // Inject sources whose offset falls in the current bucket.
        while let Some(s) = pending_sources.last() {
            if u64::from(s.offset / width) > current {
                break;
            }
            let s = *s;
            pending_sources.pop();
            buckets[(u64::from(s.offset / width) % ring as u64) as usize].push((s.node, s.offset));
            queued += 1;
        }
        if queued == 0 {
            match pending_sources.last() {
                Some(s) => {
                    current = u64::from(s.offset / width);
                    continue;
                }
                None => break,
            }
        }
        let slot = (current % ring as u64) as usize;
        let mut bucket = std::mem::take(&mut buckets[slot]);
        queued -= bucket.len();
        if bucket.len() > 4096 {
            // Every entry of a bucket is final, so any order is exact; node order (Hilbert order
            // on real graphs) turns scattered wavefronts into one forward pass over memory,
            // which halves the sweep at 10 million nodes. A counting sort on the high bits of
            // the node id (blocks of ~150 nodes) is as good as a full sort and costs two linear
            // passes.
            block_sort(&mut bucket, &mut scratch, &mut counts, n);
        }
        for &(v, d) in &bucket {
            let sv = state[v as usize];
            if (sv >> 32) as u32 != d {
                continue; // stale entry: v was reached faster since
            }
            let lab = sv as u32;
            let range = first_out[v as usize] as usize..first_out[v as usize + 1] as usize;
            for &(h, w) in &arcs[range] {
                let nd = d.saturating_add(w);
                if u64::from(nd) < state[h as usize] >> 32 {
                    state[h as usize] = pack(nd, lab);
                    buckets[((nd / width) as usize) % ring].push((h, nd));
                    queued += 1;
                }
            }
        }
        bucket.clear();
        buckets[slot] = bucket;
        current += 1;
    }
    Ok(NearestTree { state })
}

/// Number of node-id blocks the bucket entries are grouped by (at most).
const BLOCKS: usize = 1 << 16;

/// Groups `bucket` by node-id block (stable counting sort), using `scratch` as the buffer.
fn block_sort(
    bucket: &mut Vec<(u32, u32)>,
    scratch: &mut Vec<(u32, u32)>,
    counts: &mut [u32],
    n: usize,
) {
    // Blocks of 2^shift consecutive ids, with at most BLOCKS blocks over the graph.
    let shift =
        (usize::BITS - (n.max(1) - 1).leading_zeros()).saturating_sub(BLOCKS.trailing_zeros());
    let used = ((n.max(1) - 1) >> shift) + 1;
    counts[..=used].iter_mut().for_each(|c| *c = 0);
    for &(v, _) in bucket.iter() {
        counts[(v >> shift) as usize + 1] += 1;
    }
    for i in 0..used {
        counts[i + 1] += counts[i];
    }
    scratch.clear();
    scratch.resize(bucket.len(), (0, 0));
    for &e in bucket.iter() {
        let slot = &mut counts[(e.0 >> shift) as usize];
        scratch[*slot as usize] = e;
        *slot += 1;
    }
    std::mem::swap(bucket, scratch);
}

/// Plain Dijkstra with a binary heap from several sources (all at offset 0): the oracle
/// against which the fast searches are tested. Returns the time of every node.
pub fn dijkstra_reference(graph: &Graph, sources: &[u32]) -> Vec<u32> {
    let mut time = vec![UNREACHABLE; graph.node_count()];
    let mut heap = BinaryHeap::new();
    for &s in sources {
        if (s as usize) < time.len() {
            time[s as usize] = 0;
            heap.push(Reverse((0u32, s)));
        }
    }
    while let Some(Reverse((d, v))) = heap.pop() {
        if d > time[v as usize] {
            continue;
        }
        for (h, w) in graph.arcs(v) {
            let nd = d.saturating_add(w);
            if nd < time[h as usize] {
                time[h as usize] = nd;
                heap.push(Reverse((nd, h)));
            }
        }
    }
    time
}

/// Reusable scratch space for many bounded searches on one graph (site selection runs tens of
/// thousands of them; resetting only the touched nodes keeps each one proportional to its ball).
#[derive(Debug)]
pub struct Within {
    time: Vec<u32>,
    touched: Vec<u32>,
    heap: BinaryHeap<Reverse<(u32, u32)>>,
}

/// Creates scratch space for bounded searches on graphs of `nodes` nodes.
pub fn within(nodes: usize) -> Within {
    Within {
        time: vec![UNREACHABLE; nodes],
        touched: Vec::new(),
        heap: BinaryHeap::new(),
    }
}

impl Within {
    /// All nodes reachable from `source` along `graph`'s arcs in at most `radius` deciseconds,
    /// with their times, in order of settling.
    pub fn search(
        &mut self,
        graph: &Graph,
        source: u32,
        radius: u32,
        out: &mut Vec<(u32, u32)>,
    ) -> Result<(), RoutingError> {
        out.clear();
        if source as usize >= graph.node_count() || self.time.len() != graph.node_count() {
            return Err(RoutingError::NodeOutOfRange {
                node: source,
                nodes: graph.node_count(),
            });
        }
        for &v in &self.touched {
            self.time[v as usize] = UNREACHABLE;
        }
        self.touched.clear();
        self.heap.clear();
        self.time[source as usize] = 0;
        self.touched.push(source);
        self.heap.push(Reverse((0, source)));
        while let Some(Reverse((d, v))) = self.heap.pop() {
            if d > self.time[v as usize] {
                continue;
            }
            out.push((v, d));
            for (h, w) in graph.arcs(v) {
                let nd = d.saturating_add(w);
                if nd <= radius && nd < self.time[h as usize] {
                    if self.time[h as usize] == UNREACHABLE {
                        self.touched.push(h);
                    }
                    self.time[h as usize] = nd;
                    self.heap.push(Reverse((nd, h)));
                }
            }
        }
        Ok(())
    }
}
