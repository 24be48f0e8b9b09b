//! Shortest-path searches: the multi-source sweep, a bounded search, and a plain reference.
//!
//! The sweep is Dijkstra with a *bucket queue* (Dial's algorithm with bucket width equal to the
//! smallest arc weight, after Dinitz): all nodes in the current bucket are final, because any arc
//! leaving them adds at least one bucket width. Integer deciseconds make this exact, and on road
//! graphs it beats a binary heap by avoiding `log n` sifts. [`dijkstra_reference`] is the
//! textbook binary-heap version, kept as an independent oracle.
//!
//! At 10 million nodes the sweep does about 1.1 node visits per node and is bound by memory
//! latency, not by work: each bucket holds ~50,000 nodes scattered over the whole graph. What
//! paid, measured with `cargo run --release -p guichet-routing --example sweep` (10 M synthetic
//! nodes, 2 cores shared with other builds; times are best of 5):
//! - **two threads** (1.13 s → 0.63 s): each thread starts from a contiguous share of the
//!   sources (a region of the map on a Hilbert-ordered graph), keeps its own buckets and
//!   settles the nodes it reached last; node states are `AtomicU64` lowered with `fetch_min`,
//!   and the threads meet at a barrier after each bucket (~180 meetings). Still exact: within a
//!   bucket threads only write to later buckets' nodes. On ties the smallest label wins (the
//!   packed `(time, label)` is compared whole), so the result never depends on scheduling. The
//!   cost: a thread descheduled by another process stalls the other at every meeting, so with
//!   the second core busy (a build running) two threads were slower than one (1.43 s against
//!   1.14 s); [`nearest_sources_on`] lets a caller choose;
//! - **touching memory a few entries ahead** (~15 %): plain loads of the next entries' state,
//!   offsets and arcs, so their cache misses overlap the current entry's work (no `unsafe`
//!   prefetch: the workspace forbids unsafe code);
//! - **bucket entries as one `u32` node** instead of `(node, time)`: a node is live in a bucket
//!   iff its current time falls in it, so stale entries cost one comparison;
//! - **bucket index by multiplication** instead of a hardware division (~5 %), and the ring
//!   of reused vectors indexed by a mask;
//! - caching the weight range in the graph (a full scan of the arcs per sweep, ~3 %).
//!
//! Kept from before: grouping large buckets by node block (counting sort), which turns each
//! bucket into one forward pass over memory. Tried and dropped: a power-of-two bucket width
//! (narrower buckets, so sparser passes over memory: 20 % slower). Not done: a contraction
//! hierarchy + PHAST would answer in one linear pass but needs minutes of preprocessing and
//! several times the arcs on grid-like networks, for a target (under 1 s) the sweep now meets.

use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

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
/// the nearest source. Ties between sources go to the smallest label, so the result does not
/// depend on the order of `sources` or on how the search is scheduled.
///
/// On graphs of [`PARALLEL_FROM`] nodes or more, the sweep runs on as many threads as the
/// machine offers (at most [`MAX_THREADS`]); the result is the same.
pub fn nearest_sources(graph: &Graph, sources: &[Source]) -> Result<NearestTree, RoutingError> {
    let threads = if graph.node_count() >= PARALLEL_FROM {
        std::thread::available_parallelism().map_or(1, |t| t.get().min(MAX_THREADS))
    } else {
        1
    };
    nearest_sources_on(graph, sources, threads)
}

/// Graphs with fewer nodes than this are swept on one thread: starting threads and meeting at
/// every bucket would cost more than it saves.
pub const PARALLEL_FROM: usize = 1 << 18;

/// Most threads [`nearest_sources`] uses.
pub const MAX_THREADS: usize = 8;

/// [`nearest_sources`] on exactly `threads` threads (at least one).
pub fn nearest_sources_on(
    graph: &Graph,
    sources: &[Source],
    threads: usize,
) -> Result<NearestTree, RoutingError> {
    let n = graph.node_count();
    let mut state = vec![NONE; n];
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
    // The winning source of each node, as (node, offset).
    let mut winners: Vec<(u32, u32)> = sources
        .iter()
        .filter(|s| state[s.node as usize] == pack(s.offset, s.label))
        .map(|s| (s.node, s.offset))
        .collect();
    winners.sort_unstable();
    winners.dedup();
    // Equal shares of the sources, one per thread; rounding may leave fewer shares than
    // requested threads, and every thread at the meeting must have a share.
    let share = winners.len().div_ceil(threads.max(1)).max(1);
    let threads = winners.len().div_ceil(share).max(1);
    if threads == 1 {
        let cells = Cell::from_mut(&mut state[..]).as_slice_of_cells();
        Sweep::new(graph, cells, &winners).run(None);
        return Ok(NearestTree { state });
    }
    // Several threads: each starts from a contiguous share of the sources (contiguous in node
    // order, hence in space on a Hilbert-ordered graph), keeps its own buckets, and settles the
    // nodes it reached last; they meet after every bucket.
    let state: Vec<AtomicU64> = state.into_iter().map(AtomicU64::new).collect();
    let meeting = Meeting::new(threads);
    std::thread::scope(|scope| {
        let mut parts = winners.chunks(share).enumerate();
        let first = parts.next();
        for (id, part) in parts {
            let (state, meeting) = (&state[..], &meeting);
            scope.spawn(move || Sweep::new(graph, state, part).run(Some((meeting, id))));
        }
        if let Some((id, part)) = first {
            Sweep::new(graph, &state[..], part).run(Some((&meeting, id)));
        }
    });
    Ok(NearestTree {
        state: state.into_iter().map(AtomicU64::into_inner).collect(),
    })
}

/// A node's packed (time, label), shared by the sweep's threads or owned by one.
trait StateCell {
    fn get(&self) -> u64;
    /// Lowers the cell to `p` if `p` is smaller; true if it did.
    fn lower(&self, p: u64) -> bool;
}

impl StateCell for Cell<u64> {
    fn get(&self) -> u64 {
        Cell::get(self)
    }
    fn lower(&self, p: u64) -> bool {
        let lower = p < Cell::get(self);
        if lower {
            self.set(p);
        }
        lower
    }
}

/// Relaxed ordering is enough: within a bucket, threads only lower cells (`fetch_min` keeps the
/// smallest whatever the interleaving), and the barrier between buckets orders everything else.
impl StateCell for AtomicU64 {
    fn get(&self) -> u64 {
        self.load(Ordering::Relaxed)
    }
    fn lower(&self, p: u64) -> bool {
        p < self.load(Ordering::Relaxed) && p < self.fetch_min(p, Ordering::Relaxed)
    }
}

/// Where the threads of a sweep meet after each bucket to agree on the next one. Each posts how
/// many entries it still holds and the bucket of its next unstarted source, in the slot of the
/// bucket's parity, so a fast thread posting for the next bucket never overwrites what a slow
/// one has yet to read (a thread cannot post twice before every other has read once).
struct Meeting {
    barrier: Barrier,
    queued: [Vec<AtomicUsize>; 2],
    next_source: [Vec<AtomicU64>; 2],
}

impl Meeting {
    fn new(threads: usize) -> Meeting {
        let zeros = || (0..threads).map(|_| AtomicUsize::new(0)).collect();
        let maxes = || (0..threads).map(|_| AtomicU64::new(u64::MAX)).collect();
        Meeting {
            barrier: Barrier::new(threads),
            queued: [zeros(), zeros()],
            next_source: [maxes(), maxes()],
        }
    }
}

/// One thread's share of a sweep: its bucket ring and its sources not yet started.
struct Sweep<'a, C> {
    first_out: &'a [u32],
    arcs: &'a [(u32, u32)],
    state: &'a [C],
    /// Bucket width in deciseconds: the smallest arc weight, so every arc leaves the current
    /// bucket and its nodes are final when it is settled (Dial's condition for exactness).
    width: u32,
    magic: u128,
    k: u32,
    /// A ring of reused vectors, a power of two long, indexed by bucket with a mask.
    buckets: Vec<Vec<u32>>,
    mask: usize,
    queued: usize,
    /// Sources not yet started, as (offset, node), latest offset first (consumed from the end).
    pending: Vec<(u32, u32)>,
    scratch: Vec<u32>,
    counts: Vec<u32>,
}

impl<'a, C: StateCell> Sweep<'a, C> {
    fn new(graph: &'a Graph, state: &'a [C], winners: &[(u32, u32)]) -> Self {
        let (first_out, arcs) = graph.raw();
        let (min_w, max_w) = graph.weight_range();
        let width = min_w.max(1);
        // t / width as a multiplication and a shift (Granlund and Montgomery): with
        // k = 32 + ceil(log2 width) and magic = ceil(2^k / width), floor(t * magic / 2^k) equals
        // floor(t / width) for every 32-bit t. A hardware division per arc cost 5 % of the sweep.
        let k = 32 + (32 - (width - 1).leading_zeros());
        let magic = (1u128 << k).div_ceil(u128::from(width));
        // Live entries span at most `max_w / width + 1` buckets ahead of the current one.
        let ring = (max_w / width + 2).next_power_of_two() as usize;
        let mut pending: Vec<(u32, u32)> = winners.iter().map(|&(v, o)| (o, v)).collect();
        pending.sort_unstable_by(|a, b| b.cmp(a));
        Sweep {
            first_out,
            arcs,
            state,
            width,
            magic,
            k,
            buckets: vec![Vec::new(); ring],
            mask: ring - 1,
            queued: 0,
            pending,
            scratch: Vec::new(),
            counts: vec![0; BLOCKS + 1],
        }
    }

    fn run(mut self, meeting: Option<(&Meeting, usize)>) {
        let mut current: u64 = 0; // absolute index of the bucket being settled
        let mut round = 0usize; // meetings so far: their parity picks the slot to post in
        loop {
            self.settle(current);
            let next_source = self
                .pending
                .last()
                .map_or(u64::MAX, |&(offset, _)| u64::from(offset / self.width));
            let (queued, next_source) = match meeting {
                None => (self.queued, next_source),
                Some((m, id)) => {
                    let parity = round & 1;
                    round += 1;
                    m.queued[parity][id].store(self.queued, Ordering::Relaxed);
                    m.next_source[parity][id].store(next_source, Ordering::Relaxed);
                    m.barrier.wait();
                    let queued = m.queued[parity]
                        .iter()
                        .map(|q| q.load(Ordering::Relaxed))
                        .sum();
                    let next = m.next_source[parity]
                        .iter()
                        .map(|q| q.load(Ordering::Relaxed))
                        .min()
                        .unwrap_or(u64::MAX);
                    (queued, next)
                }
            };
            current = match (queued, next_source) {
                (0, u64::MAX) => break,
                // Nothing in flight anywhere: jump to the next source.
                (0, next) => next,
                _ => current + 1,
            };
        }
    }

    /// Settles bucket `current`: starts the sources whose offset falls in it, then relaxes the
    /// arcs of every node whose time falls in it.
    fn settle(&mut self, current: u64) {
        let mask = self.mask;
        let (magic, k) = (self.magic, self.k);
        let bucket_of = |t: u32| ((u128::from(t) * magic) >> k) as u64;
        while let Some(&(offset, node)) = self.pending.last() {
            if bucket_of(offset) > current {
                break;
            }
            self.pending.pop();
            self.buckets[bucket_of(offset) as usize & mask].push(node);
            self.queued += 1;
        }
        let slot = current as usize & mask;
        let mut bucket = std::mem::take(&mut self.buckets[slot]);
        self.queued -= bucket.len();
        let (state, first_out, arcs) = (self.state, self.first_out, self.arcs);
        if bucket.len() > SORT_ABOVE {
            // Every entry of a bucket is final, so any order is exact; node order (Hilbert order
            // on real graphs) turns scattered wavefronts into one forward pass over memory.
            // A counting sort on the high bits of the node id (blocks of ~150 nodes) is as good
            // as a full sort and costs two linear passes.
            block_sort(
                &mut bucket,
                &mut self.scratch,
                &mut self.counts,
                state.len(),
            );
        }
        for i in 0..bucket.len() {
            // Touch what the entries a little ahead will need: these loads miss the cache, and
            // issuing them early overlaps them with the work (and the mispredicted branches) of
            // the current entries.
            if let Some(&a) = bucket.get(i + AHEAD) {
                std::hint::black_box(state[a as usize].get());
                std::hint::black_box(first_out[a as usize]);
            }
            if let Some(&a) = bucket.get(i + AHEAD / 2) {
                std::hint::black_box(arcs.get(first_out[a as usize] as usize).copied());
            }
            let v = bucket[i];
            let sv = state[v as usize].get();
            let d = (sv >> 32) as u32;
            if bucket_of(d) != current {
                // Stale: v was reached faster since and settled earlier (or, with several
                // threads, it is another thread's to settle at the same time).
                continue;
            }
            let lab = sv as u32;
            let range = first_out[v as usize] as usize..first_out[v as usize + 1] as usize;
            for &(h, w) in &arcs[range] {
                let nd = d.saturating_add(w);
                // A saturated sum is "unreachable", as in the reference.
                if nd != UNREACHABLE && state[h as usize].lower(pack(nd, lab)) {
                    self.buckets[bucket_of(nd) as usize & mask].push(h);
                    self.queued += 1;
                }
            }
        }
        bucket.clear();
        self.buckets[slot] = bucket;
    }
}

/// How many entries ahead the sweep touches memory.
const AHEAD: usize = 16;

/// Buckets larger than this are grouped by node block before they are settled.
const SORT_ABOVE: usize = 4096;

/// Number of node-id blocks the bucket entries are grouped by (at most).
const BLOCKS: usize = 1 << 16;

/// Groups `bucket` by node-id block (stable counting sort), using `scratch` as the buffer.
fn block_sort(bucket: &mut Vec<u32>, scratch: &mut Vec<u32>, counts: &mut [u32], n: usize) {
    // Blocks of 2^shift consecutive ids, with at most BLOCKS blocks over the graph.
    let shift =
        (usize::BITS - (n.max(1) - 1).leading_zeros()).saturating_sub(BLOCKS.trailing_zeros());
    let used = ((n.max(1) - 1) >> shift) + 1;
    counts[..=used].iter_mut().for_each(|c| *c = 0);
    for &v in bucket.iter() {
        counts[(v >> shift) as usize + 1] += 1;
    }
    for i in 0..used {
        counts[i + 1] += counts[i];
    }
    scratch.clear();
    scratch.resize(bucket.len(), 0);
    for &v in bucket.iter() {
        let slot = &mut counts[(v >> shift) as usize];
        scratch[*slot as usize] = v;
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
