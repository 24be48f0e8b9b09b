//! The compact road graph: compressed sparse rows, one `u32` per arc head and weight.
//!
//! Invariants, checked once at construction or load and relied on by every search:
//! `first_out` has `nodes + 1` non-decreasing entries ending at the arc count, every head is a
//! valid node, and every weight is at least one decisecond (a zero-weight arc would break the
//! bucket queue's width and means a data error upstream).

use std::io::{Read, Write};

use crate::{Coord, RoutingError};

/// A directed road graph with travel times in deciseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    first_out: Vec<u32>,
    /// `(head, deciseconds)` side by side: one cache line brings both.
    arcs: Vec<(u32, u32)>,
    coords: Vec<Coord>,
    /// Smallest and largest arc weight, kept so a sweep need not scan every arc to size its
    /// buckets (that scan alone cost 3 % of a 10-million-node sweep).
    weight_range: (u32, u32),
}

/// Collects arcs in any order and builds a [`Graph`]; parallel arcs keep the fastest.
#[derive(Debug, Default)]
pub struct GraphBuilder {
    coords: Vec<Coord>,
    arcs: Vec<(u32, u32, u32)>,
}

impl GraphBuilder {
    pub fn new(coords: Vec<Coord>) -> Self {
        GraphBuilder {
            coords,
            arcs: Vec::new(),
        }
    }
    pub fn with_capacity(coords: Vec<Coord>, arcs: usize) -> Self {
        GraphBuilder {
            coords,
            arcs: Vec::with_capacity(arcs),
        }
    }
    /// Adds the arc `tail → head` taking `deciseconds` (clamped to at least 1).
    pub fn add_arc(&mut self, tail: u32, head: u32, deciseconds: u32) {
        if tail != head {
            self.arcs.push((tail, head, deciseconds.max(1)));
        }
    }
    pub fn node_count(&self) -> usize {
        self.coords.len()
    }
    pub fn build(mut self) -> Result<Graph, RoutingError> {
        let n = self.coords.len();
        if n == 0 {
            return Err(RoutingError::EmptyGraph);
        }
        if n >= u32::MAX as usize {
            return Err(RoutingError::TooLarge("more than 2^32-1 nodes"));
        }
        if let Some(&(t, h, _)) = self
            .arcs
            .iter()
            .find(|&&(t, h, _)| t as usize >= n || h as usize >= n)
        {
            let node = if t as usize >= n { t } else { h };
            return Err(RoutingError::NodeOutOfRange { node, nodes: n });
        }
        self.arcs.sort_unstable();
        // Sorted by (tail, head, weight): the first of each (tail, head) run is the fastest.
        self.arcs.dedup_by(|b, a| a.0 == b.0 && a.1 == b.1);
        if self.arcs.len() >= u32::MAX as usize {
            return Err(RoutingError::TooLarge("more than 2^32-1 arcs"));
        }
        let mut first_out = vec![0u32; n + 1];
        for &(t, _, _) in &self.arcs {
            first_out[t as usize + 1] += 1;
        }
        for i in 0..n {
            first_out[i + 1] += first_out[i];
        }
        let arcs = self.arcs.iter().map(|a| (a.1, a.2)).collect();
        Ok(Graph::from_parts(first_out, arcs, self.coords))
    }
}

impl Graph {
    /// Assembles a graph from parts that already satisfy the module's invariants.
    fn from_parts(first_out: Vec<u32>, arcs: Vec<(u32, u32)>, coords: Vec<Coord>) -> Graph {
        let min = arcs.iter().map(|a| a.1).min().unwrap_or(1);
        let max = arcs.iter().map(|a| a.1).max().unwrap_or(1);
        Graph {
            first_out,
            arcs,
            coords,
            weight_range: (min, max),
        }
    }
    pub fn node_count(&self) -> usize {
        self.coords.len()
    }
    pub fn arc_count(&self) -> usize {
        self.arcs.len()
    }
    pub fn coord(&self, node: u32) -> Coord {
        self.coords[node as usize]
    }
    pub fn coords(&self) -> &[Coord] {
        &self.coords
    }
    /// Outgoing arcs of `node` as `(head, deciseconds)`.
    pub fn arcs(&self, node: u32) -> impl Iterator<Item = (u32, u32)> + '_ {
        let r = self.first_out[node as usize] as usize..self.first_out[node as usize + 1] as usize;
        self.arcs[r].iter().copied()
    }
    pub(crate) fn raw(&self) -> (&[u32], &[(u32, u32)]) {
        (&self.first_out, &self.arcs)
    }
    /// Smallest and largest arc weight (1, 1 for a graph without arcs).
    pub fn weight_range(&self) -> (u32, u32) {
        self.weight_range
    }
    /// Heap memory held by the graph, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.first_out.capacity() * 4
            + self.arcs.capacity() * 8
            + self.coords.capacity() * std::mem::size_of::<Coord>()
    }

    /// The same network with every arc turned round: a search *from* places on it gives times
    /// *to* places on the original one-way streets.
    pub fn reversed(&self) -> Graph {
        let n = self.node_count();
        let mut first_out = vec![0u32; n + 1];
        for &(h, _) in &self.arcs {
            first_out[h as usize + 1] += 1;
        }
        for i in 0..n {
            first_out[i + 1] += first_out[i];
        }
        let mut next = first_out.clone();
        let mut arcs = vec![(0u32, 0u32); self.arcs.len()];
        for tail in 0..n as u32 {
            for (h, w) in self.arcs(tail) {
                let slot = next[h as usize] as usize;
                arcs[slot] = (tail, w);
                next[h as usize] += 1;
            }
        }
        Graph::from_parts(first_out, arcs, self.coords.clone())
    }

    /// Renumbers nodes along a Hilbert curve over their coordinates, so that nodes close on the
    /// map are close in memory. A sweep's wavefronts then touch few cache lines, which matters
    /// more than anything else for speed at 10 million nodes. Returns the graph and, for each
    /// new node, its old id.
    pub fn hilbert_ordered(&self) -> (Graph, Vec<u32>) {
        let (mut lat0, mut lat1, mut lon0, mut lon1) = (i32::MAX, i32::MIN, i32::MAX, i32::MIN);
        for c in &self.coords {
            lat0 = lat0.min(c.lat_e7);
            lat1 = lat1.max(c.lat_e7);
            lon0 = lon0.min(c.lon_e7);
            lon1 = lon1.max(c.lon_e7);
        }
        let span = (i64::from(lat1) - i64::from(lat0))
            .max(i64::from(lon1) - i64::from(lon0))
            .max(1);
        let scale = |v: i32, lo: i32| (((i64::from(v) - i64::from(lo)) * 65_535) / span) as u32;
        let mut order: Vec<(u64, u32)> = self
            .coords
            .iter()
            .enumerate()
            .map(|(i, c)| {
                (
                    hilbert_d(scale(c.lon_e7, lon0), scale(c.lat_e7, lat0)),
                    i as u32,
                )
            })
            .collect();
        order.sort_unstable();
        let old_ids: Vec<u32> = order.into_iter().map(|(_, i)| i).collect();
        let mut new_id = vec![0u32; self.node_count()];
        for (new, &old) in old_ids.iter().enumerate() {
            new_id[old as usize] = new as u32;
        }
        let mut first_out = Vec::with_capacity(self.node_count() + 1);
        let mut arcs = Vec::with_capacity(self.arcs.len());
        first_out.push(0u32);
        for &old in &old_ids {
            let start = arcs.len();
            arcs.extend(self.arcs(old).map(|(h, w)| (new_id[h as usize], w)));
            arcs[start..].sort_unstable();
            first_out.push(arcs.len() as u32);
        }
        let coords = old_ids.iter().map(|&o| self.coords[o as usize]).collect();
        (Graph::from_parts(first_out, arcs, coords), old_ids)
    }

    /// The largest strongly connected component, renumbered in the original order, with the
    /// map from new to old node ids. Islands (a car park whose only exit is missing from the
    /// extract, a ferry-only island) would otherwise swallow snapped points and report them
    /// unreachable; OSRM treats such "tiny components" specially for the same reason.
    pub fn largest_strong_component(&self) -> (Graph, Vec<u32>) {
        let comp = self.strong_components();
        let mut sizes = std::collections::HashMap::<u32, usize>::new();
        for &c in &comp {
            *sizes.entry(c).or_default() += 1;
        }
        let best = sizes
            .iter()
            .max_by_key(|&(c, s)| (*s, std::cmp::Reverse(*c)))
            .map(|(c, _)| *c);
        let Some(best) = best else {
            return (self.clone(), (0..self.node_count() as u32).collect());
        };
        let mut new_id = vec![u32::MAX; self.node_count()];
        let mut old_ids = Vec::new();
        for (v, &c) in comp.iter().enumerate() {
            if c == best {
                new_id[v] = old_ids.len() as u32;
                old_ids.push(v as u32);
            }
        }
        let coords = old_ids.iter().map(|&v| self.coords[v as usize]).collect();
        let mut b = GraphBuilder::new(coords);
        for &v in &old_ids {
            for (h, w) in self.arcs(v) {
                if new_id[h as usize] != u32::MAX {
                    b.add_arc(new_id[v as usize], new_id[h as usize], w);
                }
            }
        }
        // Non-empty (it holds at least one node) and all ids are in range by construction.
        let g = b.build().unwrap_or_else(|_| self.clone());
        (g, old_ids)
    }

    /// Component id of every node (Kosaraju, iterative so deep graphs cannot overflow a stack).
    fn strong_components(&self) -> Vec<u32> {
        let n = self.node_count();
        let mut order = Vec::with_capacity(n);
        let mut seen = vec![false; n];
        let mut stack: Vec<(u32, u32)> = Vec::new();
        for s in 0..n as u32 {
            if seen[s as usize] {
                continue;
            }
            seen[s as usize] = true;
            stack.push((s, self.first_out[s as usize]));
            while let Some(top) = stack.last_mut() {
                let (v, i) = *top;
                if i < self.first_out[v as usize + 1] {
                    top.1 += 1;
                    let h = self.arcs[i as usize].0;
                    if !seen[h as usize] {
                        seen[h as usize] = true;
                        stack.push((h, self.first_out[h as usize]));
                    }
                } else {
                    order.push(v);
                    stack.pop();
                }
            }
        }
        let rev = self.reversed();
        let mut comp = vec![u32::MAX; n];
        let mut todo = Vec::new();
        let mut c = 0u32;
        for &s in order.iter().rev() {
            if comp[s as usize] != u32::MAX {
                continue;
            }
            comp[s as usize] = c;
            todo.push(s);
            while let Some(v) = todo.pop() {
                for (h, _) in rev.arcs(v) {
                    if comp[h as usize] == u32::MAX {
                        comp[h as usize] = c;
                        todo.push(h);
                    }
                }
            }
            c += 1;
        }
        comp
    }

    /// Writes the graph in Guichet's little-endian binary format (`GCHTGRF1`).
    pub fn write_to(&self, mut w: impl Write) -> Result<(), RoutingError> {
        w.write_all(MAGIC)?;
        w.write_all(&(self.node_count() as u64).to_le_bytes())?;
        w.write_all(&(self.arc_count() as u64).to_le_bytes())?;
        let mut buf = Vec::with_capacity(1 << 16);
        let flush = |buf: &mut Vec<u8>, w: &mut dyn Write, force: bool| -> std::io::Result<()> {
            if force || buf.len() >= (1 << 16) - 8 {
                w.write_all(buf)?;
                buf.clear();
            }
            Ok(())
        };
        let heads = self.arcs.iter().map(|a| a.0);
        let weights = self.arcs.iter().map(|a| a.1);
        for x in self.first_out.iter().copied().chain(heads).chain(weights) {
            buf.extend_from_slice(&x.to_le_bytes());
            flush(&mut buf, &mut w, false)?;
        }
        for c in &self.coords {
            buf.extend_from_slice(&c.lat_e7.to_le_bytes());
            buf.extend_from_slice(&c.lon_e7.to_le_bytes());
            flush(&mut buf, &mut w, false)?;
        }
        flush(&mut buf, &mut w, true)?;
        Ok(())
    }

    /// Reads a graph written by [`Graph::write_to`], checking every invariant.
    pub fn read_from(mut r: impl Read) -> Result<Graph, RoutingError> {
        let mut magic = [0u8; 8];
        read_exact(&mut r, &mut magic)?;
        if &magic != MAGIC {
            return Err(RoutingError::Corrupt(
                "not a Guichet graph file (bad magic)".into(),
            ));
        }
        let n = read_u64(&mut r)?;
        let m = read_u64(&mut r)?;
        if n == 0 {
            return Err(RoutingError::EmptyGraph);
        }
        if n >= u64::from(u32::MAX) || m >= u64::from(u32::MAX) {
            return Err(RoutingError::Corrupt(format!(
                "implausible sizes: {n} nodes, {m} arcs"
            )));
        }
        let (n, m) = (n as usize, m as usize);
        let first_out = read_u32s(&mut r, n + 1)?;
        let head = read_u32s(&mut r, m)?;
        let weight = read_u32s(&mut r, m)?;
        let raw = read_u32s(&mut r, 2 * n)?;
        let coords = raw
            .chunks_exact(2)
            .map(|c| Coord {
                lat_e7: c[0] as i32,
                lon_e7: c[1] as i32,
            })
            .collect();
        let mut extra = [0u8; 1];
        if r.read(&mut extra)? != 0 {
            return Err(RoutingError::Corrupt(
                "trailing bytes after the graph".into(),
            ));
        }
        if first_out[0] != 0
            || first_out[n] as usize != m
            || first_out.windows(2).any(|w| w[0] > w[1])
        {
            return Err(RoutingError::Corrupt("arc offsets are inconsistent".into()));
        }
        if let Some(&h) = head.iter().find(|&&h| h as usize >= n) {
            return Err(RoutingError::NodeOutOfRange { node: h, nodes: n });
        }
        if weight.contains(&0) {
            return Err(RoutingError::Corrupt("zero-time arc".into()));
        }
        let arcs = head.into_iter().zip(weight).collect();
        Ok(Graph::from_parts(first_out, arcs, coords))
    }
}

const MAGIC: &[u8; 8] = b"GCHTGRF1";

/// Position of `(x, y)` on the Hilbert curve filling a 2^16 × 2^16 square.
fn hilbert_d(mut x: u32, mut y: u32) -> u64 {
    let mut d: u64 = 0;
    let mut s: u32 = 1 << 15;
    while s > 0 {
        let rx = u32::from(x & s > 0);
        let ry = u32::from(y & s > 0);
        d += u64::from(s) * u64::from(s) * u64::from((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = 0xFFFF - x;
                y = 0xFFFF - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    d
}

fn read_exact(r: &mut impl Read, buf: &mut [u8]) -> Result<(), RoutingError> {
    r.read_exact(buf).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => RoutingError::Corrupt("file is truncated".into()),
        _ => RoutingError::Io(e),
    })
}

fn read_u64(r: &mut impl Read) -> Result<u64, RoutingError> {
    let mut b = [0u8; 8];
    read_exact(r, &mut b)?;
    Ok(u64::from_le_bytes(b))
}

fn read_u32s(r: &mut impl Read, count: usize) -> Result<Vec<u32>, RoutingError> {
    let mut out = Vec::with_capacity(count);
    let mut buf = vec![0u8; 1 << 16];
    let mut left = count;
    while left > 0 {
        let take = left.min(buf.len() / 4);
        read_exact(r, &mut buf[..take * 4])?;
        out.extend(
            buf[..take * 4]
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        );
        left -= take;
    }
    Ok(out)
}
