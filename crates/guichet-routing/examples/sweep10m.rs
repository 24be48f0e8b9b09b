#![allow(clippy::disallowed_methods)] // a benchmark reads the clock to measure elapsed time
//! Quick timing of the sweep on the synthetic 10M-node grid (the full benchmark is
//! `guichet bench territory`).
use guichet_routing::*;
fn main() -> Result<(), RoutingError> {
    let t = std::time::Instant::now();
    let g = synthetic_road_grid(
        std::env::var("NODES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(10_000_000),
        42,
    )?
    .reversed()
    .hilbert_ordered()
    .0;
    println!(
        "build {:?} nodes {} arcs {} bytes/node {}",
        t.elapsed(),
        g.node_count(),
        g.arc_count(),
        g.heap_bytes() / g.node_count()
    );
    let sources: Vec<Source> = (0..g.node_count() as u32)
        .step_by(3500)
        .enumerate()
        .map(|(i, node)| Source {
            node,
            offset: 0,
            label: i as u32,
        })
        .collect();
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let r = nearest_sources(&g, &sources)?;
        println!(
            "sweep {:?} max {:?}",
            t.elapsed(),
            r.times().iter().filter(|&&x| x != UNREACHABLE).max()
        );
    }
    Ok(())
}
