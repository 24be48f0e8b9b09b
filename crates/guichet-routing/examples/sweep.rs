#![allow(clippy::disallowed_methods)] // a benchmark reads the clock to measure elapsed time
//! Times the nearest-place sweep on the synthetic graph as `guichet bench territory` does, on one
//! thread and on all, without building the whole binary:
//! `cargo run --release -p guichet-routing --example sweep -- 10000000 5` (nodes, runs).

use std::time::Instant;

use guichet_routing::{Source, nearest_sources, nearest_sources_on, synthetic_road_grid};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let nodes: usize = args.next().map_or(Ok(10_000_000), |a| a.parse())?;
    let runs: usize = args.next().map_or(Ok(5), |a| a.parse())?;
    let t = Instant::now();
    let g = synthetic_road_grid(nodes, 42)?;
    let (rev, _) = g.reversed().hilbert_ordered();
    drop(g);
    let n = rev.node_count();
    println!(
        "{n} nodes, {} arcs, built in {:.2} s, {:.1} bytes/node",
        rev.arc_count(),
        t.elapsed().as_secs_f64(),
        rev.heap_bytes() as f64 / n as f64
    );
    let sources: Vec<Source> = (0..n as u32)
        .step_by(3_500)
        .enumerate()
        .map(|(i, node)| Source {
            node,
            offset: 0,
            label: i as u32,
        })
        .collect();
    let mut one = Vec::new();
    let mut all = Vec::new();
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let a = nearest_sources_on(&rev, &sources, 1)?;
        one.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let b = nearest_sources(&rev, &sources)?;
        all.push(t.elapsed().as_secs_f64());
        assert!(a == b, "one thread and all threads disagree");
    }
    for (name, mut times) in [("1 thread", one), ("all threads", all)] {
        let runs: Vec<f64> = times
            .iter()
            .map(|t| (t * 1000.0).round() / 1000.0)
            .collect();
        times.sort_by(f64::total_cmp);
        println!(
            "{name}: best {:.3} s, median {:.3} s, runs {runs:?}",
            times[0],
            times[times.len() / 2]
        );
    }
    Ok(())
}
