//! The binary graph format round-trips and refuses corrupt input without panicking.

use guichet_routing::*;

#[test]
fn round_trip_is_identical() {
    let g = synthetic_road_grid(2_500, 3).unwrap();
    let mut bytes = Vec::new();
    g.write_to(&mut bytes).unwrap();
    assert_eq!(Graph::read_from(bytes.as_slice()).unwrap(), g);
}

#[test]
fn truncated_or_garbled_files_are_typed_errors() {
    let g = synthetic_road_grid(400, 3).unwrap();
    let mut bytes = Vec::new();
    g.write_to(&mut bytes).unwrap();
    for cut in [0, 5, 8, 20, bytes.len() / 2, bytes.len() - 1] {
        let err = Graph::read_from(&bytes[..cut]).unwrap_err();
        assert!(
            matches!(err, RoutingError::Corrupt(_)),
            "cut at {cut}: {err:?}"
        );
    }
    let mut bad = bytes.clone();
    bad[0] = b'X';
    assert!(matches!(
        Graph::read_from(bad.as_slice()),
        Err(RoutingError::Corrupt(_))
    ));
    // A head pointing outside the graph.
    let n = g.node_count();
    let head_start = 8 + 16 + (n + 1) * 4;
    let mut bad = bytes.clone();
    bad[head_start..head_start + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        Graph::read_from(bad.as_slice()),
        Err(RoutingError::NodeOutOfRange { .. })
    ));
    let mut extra = bytes.clone();
    extra.push(0);
    assert!(matches!(
        Graph::read_from(extra.as_slice()),
        Err(RoutingError::Corrupt(_))
    ));
}

#[test]
fn empty_graph_is_refused() {
    assert!(matches!(
        GraphBuilder::new(Vec::new()).build(),
        Err(RoutingError::EmptyGraph)
    ));
}
