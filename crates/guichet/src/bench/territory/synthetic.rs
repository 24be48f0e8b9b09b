#![allow(clippy::disallowed_methods)] // a benchmark reads the clock to measure elapsed time
//! Stage 1: the engine at country scale, on a synthetic road-like graph: build time, memory
//! per node, and the nearest-place sweep on every core and on one.

use std::time::{Duration, Instant};

use guichet_routing::{
    MAX_THREADS, PARALLEL_FROM, Source, nearest_sources, nearest_sources_on, synthetic_road_grid,
};

use super::timing::{best_of, secs};

/// The synthetic graph's figures for the JSON line.
#[derive(Debug)]
pub(super) struct Figures {
    pub nodes: usize,
    pub build_s: f64,
    pub bytes_per_node: f64,
    pub sweep: Duration,
    pub sweep_1t: Duration,
    pub threads: usize,
}

/// Builds a graph of about `nodes` nodes, measures it, prints the figures and frees it.
pub(super) fn measure(nodes: usize) -> anyhow::Result<Figures> {
    println!("graphe synthétique de {nodes} nœuds…");
    let t = Instant::now();
    let g = synthetic_road_grid(nodes, 42)?;
    let rev = g.reversed();
    drop(g);
    let (rev, _) = rev.hilbert_ordered();
    let build_s = secs(t.elapsed());
    let n = rev.node_count();
    // One place per ~3,500 nodes: the density of France Services among French road nodes.
    let sources: Vec<Source> = (0..n as u32)
        .step_by(3_500)
        .enumerate()
        .map(|(i, node)| Source {
            node,
            offset: 0,
            label: i as u32,
        })
        .collect();
    let (tree, sweep) = best_of(3, || Ok(nearest_sources(&rev, &sources)?))?;
    // The same sweep on one thread, for honesty about what the second core brings.
    let (_, sweep_1t) = best_of(3, || Ok(nearest_sources_on(&rev, &sources, 1)?))?;
    let threads = if n >= PARALLEL_FROM {
        std::thread::available_parallelism().map_or(1, |t| t.get().min(MAX_THREADS))
    } else {
        1
    };
    let bytes_per_node = rev.heap_bytes() as f64 / n as f64;
    // The sweep's own working memory: one u64 per node.
    let sweep_bytes = (tree.len() * 8) as f64 / n as f64;
    println!(
        "  {} nœuds, {} arcs : construction {:.2} s, {:.1} octets/nœud (+{:.0} pour le calcul), \
         balayage plus-proche-lieu ({} lieux) {:.3} s sur {} fil(s), {:.3} s sur un seul",
        n,
        rev.arc_count(),
        build_s,
        bytes_per_node,
        sweep_bytes,
        sources.len(),
        secs(sweep),
        threads,
        secs(sweep_1t)
    );
    Ok(Figures {
        nodes: n,
        build_s,
        bytes_per_node,
        sweep,
        sweep_1t,
        threads,
    })
}
