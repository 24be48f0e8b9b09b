//! Imports of real extracts (Helsinki, committed as a fixture) and of broken files.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers too: a panic is a failed test"
)]

use std::path::PathBuf;

use guichet_osm::*;
use guichet_routing::*;

fn helsinki() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/helsinki.osm.pbf"
    ))
}

#[test]
fn helsinki_builds_a_connected_graph() {
    let (g, stats) = graph_from_pbf(&helsinki(), &CarProfile::default()).unwrap();
    assert!(stats.drivable_ways > 500, "{stats:?}");
    assert!(g.node_count() > 500, "{stats:?}");
    assert!(g.node_count() <= stats.graph_nodes_before_component);
    // Strongly connected: from any node, a plain Dijkstra reaches every other one.
    let t = dijkstra_reference(&g, &[0]);
    assert!(t.iter().all(|&x| x != UNREACHABLE));
    // Real speeds: crossing central Helsinki (a few km) takes minutes, not seconds or hours.
    let max = t.iter().copied().max().unwrap();
    assert!((600..=30_000).contains(&max), "max {max} ds");
    // The sweep on the real graph equals the reference exactly.
    let rev = g.reversed();
    let places: Vec<u32> = (0..g.node_count() as u32).step_by(97).collect();
    let sources: Vec<Source> = places
        .iter()
        .map(|&node| Source {
            node,
            offset: 0,
            label: node,
        })
        .collect();
    assert_eq!(
        nearest_sources(&rev, &sources).unwrap().times(),
        dijkstra_reference(&rev, &places)
    );
}

#[test]
fn graph_survives_the_binary_format() {
    let (g, _) = graph_from_pbf(&helsinki(), &CarProfile::default()).unwrap();
    let mut bytes = Vec::new();
    g.write_to(&mut bytes).unwrap();
    assert_eq!(Graph::read_from(bytes.as_slice()).unwrap(), g);
}

#[test]
fn truncated_and_garbage_files_are_errors_not_panics() {
    let bytes = std::fs::read(helsinki()).unwrap();
    let dir = std::env::temp_dir().join(format!("guichet-osm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let truncated = dir.join("truncated.osm.pbf");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    assert!(matches!(
        graph_from_pbf(&truncated, &CarProfile::default()),
        Err(OsmError::Pbf(_))
    ));
    let garbage = dir.join("garbage.osm.pbf");
    std::fs::write(&garbage, b"this is not a protobuf file at all, just text\n").unwrap();
    assert!(matches!(
        graph_from_pbf(&garbage, &CarProfile::default()),
        Err(OsmError::Pbf(_))
    ));
    let empty = dir.join("empty.osm.pbf");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(
        graph_from_pbf(&empty, &CarProfile::default()),
        Err(OsmError::NoDrivableRoads)
    ));
    let missing = dir.join("does-not-exist.osm.pbf");
    assert!(matches!(
        graph_from_pbf(&missing, &CarProfile::default()),
        Err(OsmError::Pbf(_))
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_profile_that_allows_nothing_finds_no_drivable_road() {
    let mut p = CarProfile::default();
    p.highway_speeds.clear();
    assert!(matches!(
        graph_from_pbf(&helsinki(), &p),
        Err(OsmError::NoDrivableRoads)
    ));
}
