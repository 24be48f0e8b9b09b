//! Stage 3, our side: Guichet's engine answering the question put to the peers on Helsinki
//! (every node an origin, every n-th node a place, nearest time per origin), end to end from
//! coordinates, and its sweep alone for the like-for-like comparison with scipy.

use std::time::Duration;

use guichet_routing::{Graph, Snapper, Source, nearest_sources};

use super::timing::best_of;

/// The peers' question: origins and places, as node ids of the imported graph.
#[derive(Debug)]
pub(super) struct Question {
    pub origins: Vec<u32>,
    pub places: Vec<u32>,
}

impl Question {
    /// `origins` and `places` nodes drawn at random (with replacement) from `seed`.
    pub(super) fn random(graph: &Graph, origins: usize, places: usize, seed: u64) -> Self {
        let n = graph.node_count() as u64;
        let draw = |salt: u64, count: usize| -> Vec<u32> {
            (0..count as u64)
                .map(|i| (splitmix(seed ^ salt.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ i) % n) as u32)
                .collect()
        };
        Question {
            origins: draw(1, origins),
            places: draw(2, places),
        }
    }

    /// Every node an origin; every `place_every`-th node a place.
    pub(super) fn every_nth_place(graph: &Graph, place_every: usize) -> Self {
        let places: Vec<u32> = (0..graph.node_count() as u32)
            .step_by(place_every.max(1))
            .collect();
        let origins: Vec<u32> = (0..graph.node_count() as u32).collect();
        Question { origins, places }
    }
}

/// Our answer and its times.
#[derive(Debug)]
pub(super) struct Ours {
    /// Nearest time per origin, in deciseconds (`u32::MAX`: unreachable or not snapped).
    pub per_origin: Vec<u32>,
    /// Snapping origins and places, then one sweep: what OSRM's `table` does.
    pub end_to_end: Duration,
    /// The sweep alone from node ids: what scipy does.
    pub sweep_only: Duration,
}

/// Answers the question on `graph` (`rev` is its reverse), timing it, and prints our line.
/// `name` is the network's, for the printed line.
pub(super) fn answer(
    name: &str,
    graph: &Graph,
    rev: &Graph,
    question: &Question,
) -> anyhow::Result<Ours> {
    let Question { origins, places } = question;
    // Ours, end to end from coordinates: snapping origins and places, then one sweep.
    let snapper = Snapper::new(graph);
    let ((per_origin, _), end_to_end) = best_of(5, || {
        let srcs: Vec<Source> = places
            .iter()
            .enumerate()
            .filter_map(|(i, &p)| {
                snapper.snap(graph.coord(p), 100.0).map(|s| Source {
                    node: s.node,
                    offset: 0,
                    label: i as u32,
                })
            })
            .collect();
        let tree = nearest_sources(rev, &srcs)?;
        let per_origin: Vec<u32> = origins
            .iter()
            .map(|&o| {
                snapper
                    .snap(graph.coord(o), 100.0)
                    .map_or(u32::MAX, |s| tree.time(s.node))
            })
            .collect();
        Ok((per_origin, ()))
    })?;
    let place_sources: Vec<Source> = places
        .iter()
        .enumerate()
        .map(|(i, &node)| Source {
            node,
            offset: 0,
            label: i as u32,
        })
        .collect();
    let (_, sweep_only) = best_of(20, || Ok(nearest_sources(rev, &place_sources)?))?;
    println!(
        "  notre moteur ({name}, {} origines × {} lieux, plus proche, depuis les coordonnées) : {:.1} µs \
         (dont balayage seul {:.1} µs)",
        origins.len(),
        places.len(),
        end_to_end.as_secs_f64() * 1e6,
        sweep_only.as_secs_f64() * 1e6
    );
    Ok(Ours {
        per_origin,
        end_to_end,
        sweep_only,
    })
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}
