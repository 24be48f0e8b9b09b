//! Import errors: each names the file position so an administrator can fix the source.

/// Why an import was refused as a whole. Messages are French: they are shown to
/// administrators and planners as they are.
#[derive(Debug, thiserror::Error)]
pub enum PlacesError {
    #[error("lecture impossible : {0}")]
    Io(#[from] std::io::Error),
    #[error("colonne obligatoire absente : « {0} »")]
    MissingColumn(String),
    #[error("ligne {line} : {message}")]
    BadRow { line: u64, message: String },
    #[error("code INSEE « {code} » en double (lignes {first} et {second})")]
    DuplicateInsee {
        code: String,
        first: u64,
        second: u64,
    },
    #[error("identifiant de lieu « {0} » en double")]
    DuplicatePlaceId(String),
    #[error("fichier JSON illisible : {0}")]
    Json(String),
    #[error("le fichier ne contient aucune ligne")]
    Empty,
}
