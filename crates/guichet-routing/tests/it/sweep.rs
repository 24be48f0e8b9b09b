//! The bucket-queue sweep and the bounded search against the binary-heap oracle.

use guichet_routing::*;
use proptest::prelude::*;

fn random_graph(n: u32, arcs: &[(u32, u32, u32)]) -> Graph {
    let coords = (0..n)
        .map(|i| Coord {
            lat_e7: i as i32,
            lon_e7: 0,
        })
        .collect();
    let mut b = GraphBuilder::new(coords);
    for &(t, h, w) in arcs {
        b.add_arc(t % n, h % n, w);
    }
    b.build().expect("valid test graph")
}

/// The oracle for a sweep with offsets: per node, the smallest (time, label) over all sources,
/// each source's times from the plain reference Dijkstra.
fn oracle(g: &Graph, sources: &[Source]) -> Vec<(u32, u32)> {
    let mut best = vec![(UNREACHABLE, u32::MAX); g.node_count()];
    for s in sources {
        let t = dijkstra_reference(g, &[s.node]);
        for (v, &d) in t.iter().enumerate() {
            if d != UNREACHABLE {
                best[v] = best[v].min((d + s.offset, s.label));
            }
        }
    }
    best
}

fn pairs(t: &NearestTree) -> Vec<(u32, u32)> {
    (0..t.len() as u32)
        .map(|v| (t.time(v), t.label(v)))
        .collect()
}

proptest! {
    /// Any number of threads gives the exact times and, on ties, the smallest label: the
    /// result is fully determined, whatever the scheduling.
    #[test]
    fn threaded_sweep_equals_oracle_with_offsets_and_ties(
        n in 1u32..80,
        arcs in prop::collection::vec((0u32..1000, 0u32..1000, 1u32..40), 0..400),
        srcs in prop::collection::vec((0u32..1000, 0u32..60, 0u32..6), 1..12),
        threads in 1usize..5,
    ) {
        // Small weights and repeated labels make equal times from different sources common.
        let g = random_graph(n, &arcs);
        let sources: Vec<Source> = srcs.iter()
            .map(|&(node, offset, label)| Source { node: node % n, offset, label }).collect();
        let want = oracle(&g, &sources);
        let got = nearest_sources_on(&g, &sources, threads).unwrap();
        prop_assert_eq!(pairs(&got), want);
    }

    #[test]
    fn sweep_equals_reference(
        n in 1u32..60,
        arcs in prop::collection::vec((0u32..1000, 0u32..1000, 1u32..500), 0..300),
        srcs in prop::collection::vec(0u32..1000, 1..5),
    ) {
        let g = random_graph(n, &arcs);
        let nodes: Vec<u32> = srcs.iter().map(|s| s % n).collect();
        let sources: Vec<Source> = nodes.iter().enumerate()
            .map(|(i, &node)| Source { node, offset: 0, label: i as u32 }).collect();
        let fast = nearest_sources(&g, &sources).unwrap();
        let slow = dijkstra_reference(&g, &nodes);
        prop_assert_eq!(&fast.times(), &slow);
        // The label names a source that really reaches the node in that time.
        for v in 0..n {
            if fast.time(v) != UNREACHABLE {
                let s = nodes[fast.label(v) as usize];
                prop_assert_eq!(dijkstra_reference(&g, &[s])[v as usize], fast.time(v));
            }
        }
    }

    #[test]
    fn bounded_search_equals_reference(
        n in 1u32..60,
        arcs in prop::collection::vec((0u32..1000, 0u32..1000, 1u32..500), 0..300),
        src in 0u32..1000,
        radius in 0u32..1500,
    ) {
        let g = random_graph(n, &arcs);
        let s = src % n;
        let mut space = within(g.node_count());
        let mut out = Vec::new();
        space.search(&g, s, radius, &mut out).unwrap();
        let mut got: Vec<(u32, u32)> = out.clone();
        got.sort_unstable();
        let reference = dijkstra_reference(&g, &[s]);
        let want: Vec<(u32, u32)> = (0..n).filter(|&v| reference[v as usize] <= radius)
            .map(|v| (v, reference[v as usize])).collect();
        prop_assert_eq!(got, want);
    }
}

#[test]
fn sources_with_offsets_are_respected() {
    // 0 -> 1 -> 2 in 10 each; a source at 2 with offset 25 loses to the one at 0 (time 20).
    let g = random_graph(3, &[(0, 1, 10), (1, 2, 10)]);
    let t = nearest_sources(
        &g,
        &[
            Source {
                node: 0,
                offset: 0,
                label: 7,
            },
            Source {
                node: 2,
                offset: 25,
                label: 9,
            },
        ],
    )
    .unwrap();
    assert_eq!(t.times(), vec![0, 10, 20]);
    assert_eq!(
        (0..3).map(|v| t.label(v)).collect::<Vec<_>>(),
        vec![7, 7, 7]
    );
    let t = nearest_sources(
        &g,
        &[Source {
            node: 2,
            offset: 5,
            label: 9,
        }],
    )
    .unwrap();
    assert_eq!(t.times(), vec![UNREACHABLE, UNREACHABLE, 5]);
}

#[test]
fn source_out_of_range_is_an_error() {
    let g = random_graph(3, &[(0, 1, 10)]);
    let err = nearest_sources(
        &g,
        &[Source {
            node: 3,
            offset: 0,
            label: 0,
        }],
    )
    .unwrap_err();
    assert!(matches!(
        err,
        RoutingError::NodeOutOfRange { node: 3, nodes: 3 }
    ));
}

#[test]
fn synthetic_grid_sweep_matches_reference() {
    let g = synthetic_road_grid(40_000, 1).unwrap();
    let rev = g.reversed();
    let places = [5u32, 12_345, 39_000];
    let sources: Vec<Source> = places
        .iter()
        .enumerate()
        .map(|(i, &node)| Source {
            node,
            offset: 0,
            label: i as u32,
        })
        .collect();
    assert_eq!(
        nearest_sources(&rev, &sources).unwrap().times(),
        dijkstra_reference(&rev, &places)
    );
    // Renumbering along the Hilbert curve changes ids, never times.
    let (h, old) = rev.hilbert_ordered();
    let mut new_of = vec![0u32; old.len()];
    for (new, &o) in old.iter().enumerate() {
        new_of[o as usize] = new as u32;
    }
    let hp: Vec<u32> = places.iter().map(|&p| new_of[p as usize]).collect();
    let ht = dijkstra_reference(&h, &hp);
    let want = dijkstra_reference(&rev, &places);
    for (new, &o) in old.iter().enumerate() {
        assert_eq!(ht[new], want[o as usize]);
    }
}

#[test]
fn threaded_sweep_on_a_road_grid_equals_reference() {
    let g = synthetic_road_grid(90_000, 3).unwrap().reversed();
    let (g, _) = g.hilbert_ordered();
    let sources: Vec<Source> = (0..g.node_count() as u32)
        .step_by(997)
        .enumerate()
        .map(|(i, node)| Source {
            node,
            offset: (i as u32 % 7) * 100,
            label: i as u32,
        })
        .collect();
    let want = oracle(&g, &sources);
    for threads in [1, 2, 3] {
        let got = nearest_sources_on(&g, &sources, threads).unwrap();
        assert_eq!(pairs(&got), want, "{threads} threads");
    }
    assert_eq!(pairs(&nearest_sources(&g, &sources).unwrap()), want);
}

#[test]
fn sweep_without_sources_reaches_nothing() {
    let g = random_graph(4, &[(0, 1, 10), (1, 2, 10)]);
    for threads in [0, 1, 2] {
        let t = nearest_sources_on(&g, &[], threads).unwrap();
        assert_eq!(t.times(), vec![UNREACHABLE; 4]);
    }
}

#[test]
fn a_source_beyond_the_ring_still_starts_in_time() {
    // Offsets far larger than any arc: the sweep jumps over empty buckets to reach them, and a
    // late source still wins the nodes next to it.
    let g = random_graph(4, &[(0, 1, 5), (1, 2, 5), (2, 3, 5), (3, 2, 5)]);
    let sources = [
        Source {
            node: 0,
            offset: 0,
            label: 0,
        },
        Source {
            node: 3,
            offset: 1_000,
            label: 1,
        },
    ];
    for threads in [1, 2] {
        let t = nearest_sources_on(&g, &sources, threads).unwrap();
        assert_eq!(pairs(&t), vec![(0, 0), (5, 0), (10, 0), (15, 0)]);
    }
    let late = [Source {
        node: 3,
        offset: 1_000_000,
        label: 4,
    }];
    let t = nearest_sources_on(&g, &late, 2).unwrap();
    assert_eq!(
        pairs(&t),
        vec![
            (UNREACHABLE, u32::MAX),
            (UNREACHABLE, u32::MAX),
            (1_000_005, 4),
            (1_000_000, 4)
        ]
    );
}

#[test]
fn reversed_graph_gives_times_towards_sources() {
    // One-way 0 -> 1: from 0 you reach 1, from 1 you never reach 0.
    let g = random_graph(2, &[(0, 1, 30)]);
    let to_1 = nearest_sources(
        &g.reversed(),
        &[Source {
            node: 1,
            offset: 0,
            label: 0,
        }],
    )
    .unwrap();
    assert_eq!(to_1.times(), vec![30, 0]);
    let to_0 = nearest_sources(
        &g.reversed(),
        &[Source {
            node: 0,
            offset: 0,
            label: 0,
        }],
    )
    .unwrap();
    assert_eq!(to_0.times(), vec![0, UNREACHABLE]);
}

#[test]
fn snapping_finds_nearest_node_and_refuses_far_points() {
    let coords = vec![
        Coord::from_degrees(48.85, 2.35).unwrap(),
        Coord::from_degrees(45.76, 4.83).unwrap(),
    ];
    let g = GraphBuilder::new(coords).build().unwrap();
    let snap = Snapper::new(&g);
    let near_lyon = snap
        .snap(Coord::from_degrees(45.75, 4.85).unwrap(), 5_000.0)
        .unwrap();
    assert_eq!(near_lyon.node, 1);
    assert!(near_lyon.distance_m > 1_000.0 && near_lyon.distance_m < 3_000.0);
    // In the Bay of Biscay: nothing within 5 km.
    assert!(
        snap.snap(Coord::from_degrees(45.5, -3.0).unwrap(), 5_000.0)
            .is_none()
    );
}

#[test]
fn largest_component_drops_islands() {
    // A 3-cycle and a separate 2-cycle.
    let g = random_graph(5, &[(0, 1, 1), (1, 2, 1), (2, 0, 1), (3, 4, 1), (4, 3, 1)]);
    let (big, old) = g.largest_strong_component();
    assert_eq!(big.node_count(), 3);
    assert_eq!(old, vec![0, 1, 2]);
    assert_eq!(big.arc_count(), 3);
}

#[test]
fn haversine_paris_lyon() {
    let d = haversine_m(
        Coord::from_degrees(48.8566, 2.3522).unwrap(),
        Coord::from_degrees(45.764, 4.8357).unwrap(),
    );
    assert!((d - 391_500.0).abs() < 2_000.0, "{d}");
}

#[test]
fn points_within_a_radius_match_a_scan() {
    let pts: Vec<Coord> = (0..400)
        .map(|i| {
            Coord::from_degrees(
                45.0 + f64::from(i % 20) * 0.05,
                3.0 + f64::from(i / 20) * 0.07,
            )
            .unwrap()
        })
        .collect();
    let idx = Snapper::from_coords(pts.clone());
    let centre = Coord::from_degrees(45.5, 3.6).unwrap();
    let mut got: Vec<u32> = idx
        .within_m(centre, 20_000.0)
        .into_iter()
        .map(|(i, _)| i)
        .collect();
    got.sort_unstable();
    let want: Vec<u32> = (0..400u32)
        .filter(|&i| haversine_m(centre, pts[i as usize]) <= 20_000.0)
        .collect();
    assert!(!want.is_empty());
    assert_eq!(got, want);
}
