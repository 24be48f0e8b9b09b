//! Errors of the engine: only the cases a caller can act on (bad graph, corrupt file).

/// What can go wrong when building, loading or querying a graph.
#[derive(Debug, thiserror::Error)]
pub enum RoutingError {
    /// The graph has no node at all (e.g. an extract without drivable roads).
    #[error("the road graph is empty")]
    EmptyGraph,
    /// An arc or a source refers to a node that does not exist.
    #[error("node {node} is out of range (graph has {nodes} nodes)")]
    NodeOutOfRange { node: u32, nodes: usize },
    /// The graph is too large for 32-bit node or arc indices.
    #[error("graph too large: {0}")]
    TooLarge(&'static str),
    /// A serialized graph could not be read back.
    #[error("corrupt graph file: {0}")]
    Corrupt(String),
    /// Reading or writing the serialized form failed.
    #[error("graph I/O: {0}")]
    Io(#[from] std::io::Error),
}
