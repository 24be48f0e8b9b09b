//! Stage 3, the scipy peer: the same places asked to scipy's `csgraph.dijkstra(min_only=True)`
//! on the same reversed Helsinki graph, from node ids (scipy cannot snap coordinates), so it
//! is compared with our sweep alone. Python times its own call; its times are checked against
//! a plain Dijkstra.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::Context;
use guichet_routing::{Graph, dijkstra_reference};

use super::BenchArgs;
use super::timing::secs;

/// scipy's figures for the JSON line; `null` when scipy is missing.
#[derive(Debug, Default)]
pub(super) struct Figures {
    /// scipy's best time, in seconds.
    pub scipy_s: Option<f64>,
    /// scipy's time over our sweep alone.
    pub scipy_ratio: Option<f64>,
}

/// Asks scipy, prints the figures (or why and how to get scipy) and returns them.
pub(super) fn compare(
    args: &BenchArgs,
    rev: &Graph,
    places: &[u32],
    sweep_only: Duration,
) -> Figures {
    let mut figures = Figures::default();
    match scipy_nearest(args, rev, places) {
        Ok((scipy_times, t)) => {
            let exact = scipy_times == dijkstra_reference(rev, places);
            figures.scipy_s = Some(secs(t));
            // Like for like: scipy gets node ids, so compare with our sweep alone.
            let ratio = (t.as_secs_f64() / sweep_only.as_secs_f64() * 10.0).round() / 10.0;
            figures.scipy_ratio = Some(ratio);
            println!(
                "  scipy csgraph.dijkstra (min_only, mêmes nœuds) : {:.1} µs, rapport {:.1}× \
                 (contre notre balayage seul), mêmes temps : {exact}",
                t.as_secs_f64() * 1e6,
                ratio
            );
        }
        Err(e) => {
            println!("  scipy : non mesuré ({e:#}). Pour l’obtenir : python3 -m pip install scipy")
        }
    }
    figures
}

/// scipy's `csgraph.dijkstra(min_only=True)` on the same reversed graph from the same places.
fn scipy_nearest(
    args: &BenchArgs,
    rev: &Graph,
    places: &[u32],
) -> anyhow::Result<(Vec<u32>, Duration)> {
    let dir = std::env::temp_dir().join(format!("guichet-scipy-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let edges = dir.join("edges.txt");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&edges)?);
    writeln!(w, "{}", rev.node_count())?;
    for v in 0..rev.node_count() as u32 {
        for (h, t) in rev.arcs(v) {
            writeln!(w, "{v} {h} {t}")?;
        }
    }
    w.flush()?;
    let script = r#"
import sys, time
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
path, places = sys.argv[1], [int(x) for x in sys.argv[2].split(',')]
with open(path) as f:
    n = int(f.readline())
    a = np.loadtxt(f, dtype=np.int64, ndmin=2)
g = csr_matrix((a[:, 2].astype(np.float64), (a[:, 0], a[:, 1])), shape=(n, n))
best = 1e9
for _ in range(5):
    t = time.perf_counter()
    d = dijkstra(g, directed=True, indices=places, min_only=True)
    best = min(best, time.perf_counter() - t)
print(best)
print(' '.join('-1' if not np.isfinite(x) else str(int(x)) for x in d))
"#;
    let list: Vec<String> = places.iter().map(u32::to_string).collect();
    let out = Command::new(&args.python)
        .arg("-c")
        .arg(script)
        .arg(&edges)
        .arg(list.join(","))
        .stderr(Stdio::piped())
        .output()
        .context("python3 introuvable")?;
    let _ = std::fs::remove_dir_all(&dir);
    anyhow::ensure!(
        out.status.success(),
        "scipy : {}",
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or("")
    );
    let text = String::from_utf8(out.stdout)?;
    let mut lines = text.lines();
    let t: f64 = lines.next().context("sortie scipy vide")?.trim().parse()?;
    let times = lines
        .next()
        .context("sortie scipy incomplète")?
        .split_whitespace()
        .map(|x| {
            if x == "-1" {
                Ok(u32::MAX)
            } else {
                x.parse::<u32>()
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((times, Duration::from_secs_f64(t)))
}
