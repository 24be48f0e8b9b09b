//! A synthetic road-like graph for benchmarks at country scale without a country extract.
//!
//! A square grid (streets) with a sparse overlay of fast arterials every 16 rows and columns,
//! a few one-way streets and missing blocks, and weights drawn from a deterministic
//! generator (seeded, so runs are comparable). Degree and weight spread resemble a real road
//! network after degree-2 nodes are contracted away, which is what the sweep's speed hinges on.

use crate::{Coord, Graph, GraphBuilder, RoutingError};

/// Builds a grid of about `nodes` nodes (rounded to a square) near the centre of France.
pub fn synthetic_road_grid(nodes: usize, seed: u64) -> Result<Graph, RoutingError> {
    let side = (nodes as f64).sqrt().ceil().max(2.0) as u32;
    let n = side as usize * side as usize;
    let mut coords = Vec::with_capacity(n);
    // ~150 m spacing around (46.5 N, 2.5 E).
    for r in 0..side {
        for c in 0..side {
            coords.push(Coord {
                lat_e7: 465_000_000 + (r as i32) * 13_500,
                lon_e7: 25_000_000 + (c as i32) * 19_600,
            });
        }
    }
    let mut rng = SplitMix(seed);
    let mut b = GraphBuilder::with_capacity(coords, n * 4);
    let id = |r: u32, c: u32| r * side + c;
    for r in 0..side {
        for c in 0..side {
            let v = id(r, c);
            let link = |u: u32, arterial: bool, rng: &mut SplitMix, b: &mut GraphBuilder| {
                let roll = rng.next() % 100;
                if roll < 3 && !arterial {
                    return; // a missing block
                }
                // 150 m at 30 km/h = 18 s; arterials at 70 km/h ~ 8 s; +-40 % noise.
                let base = if arterial { 80 } else { 180 };
                let w = base * (60 + (rng.next() % 80) as u32) / 100;
                match roll {
                    3..=5 if !arterial => b.add_arc(v, u, w), // one-way
                    6..=8 if !arterial => b.add_arc(u, v, w),
                    _ => {
                        b.add_arc(v, u, w);
                        b.add_arc(u, v, w);
                    }
                }
            };
            if c + 1 < side {
                link(id(r, c + 1), r % 16 == 0, &mut rng, &mut b);
            }
            if r + 1 < side {
                link(id(r + 1, c), c % 16 == 0, &mut rng, &mut b);
            }
        }
    }
    b.build()
}

/// SplitMix64: tiny, fast, good enough for benchmark noise, and no dependency.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
