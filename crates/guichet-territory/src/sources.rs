//! Where the server's territorial data comes from: the communes shipped with Guichet (or a
//! communes file the administrator provides), the town halls derived from them, and every
//! place file found in a territory directory, recognised by its content.
//!
//! This module and [`crate::cli`] are the only ones that read files. Loading never fails on a
//! bad place file: each file gets a [`SourceNote`] saying what was imported or why it was
//! refused, so the server can log it and the pages can show it, and the other files still
//! count. Only unusable communes are fatal (there is nothing to measure without them).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use guichet_places::{CommuneSet, InseeCode, Place, PlaceImport, PlacesError};
use guichet_routing::Graph;

use crate::report::{DEFAULT_DETOUR, DEFAULT_SPEED_KMH};
use crate::{Network, TerritoryError, TerritoryReport};

/// The 2026 communes (INSEE codes, populations, town-hall points), gzip, see NOTICE.
const COMMUNES_GZ: &[u8] = include_bytes!("../data/communes-2026.csv.gz");

/// Postcode → INSEE code pairs of the 2026 communes (La Poste via the COG package), gzip; how
/// to rebuild it: `data/README.md`.
const POSTCODES_GZ: &[u8] = include_bytes!("../data/codes-postaux-2026.csv.gz");

/// A road graph saved by `guichet territory graph --out …` under this name in the territory
/// directory replaces the estimate.
pub const GRAPH_FILE: &str = "graphe-routier.bin";

/// Points farther than this from a road are off the network (same default as the CLI).
const MAX_SNAP_M: f64 = 2000.0;

/// The communes shipped with Guichet.
pub fn embedded_communes() -> Result<CommuneSet, PlacesError> {
    guichet_places::load_communes(flate2::read::GzDecoder::new(COMMUNES_GZ))
}

/// The shipped postcode table: (postcode, INSEE code) pairs, as many per commune as it has
/// postcodes. A malformed row refuses the table (it is shipped, so a test reads it).
pub fn embedded_postcodes() -> Result<Vec<(String, InseeCode)>, PlacesError> {
    let mut rdr = csv::Reader::from_reader(flate2::read::GzDecoder::new(POSTCODES_GZ));
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| PlacesError::BadRow {
            line: e.position().map_or(0, |p| p.line()),
            message: format!("table des codes postaux mal formée : {e}"),
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let code = rec.get(0).unwrap_or_default();
        let insee = rec.get(1).and_then(InseeCode::parse);
        match insee {
            Some(insee) if code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit()) => {
                out.push((code.to_owned(), insee))
            }
            _ => {
                return Err(PlacesError::BadRow {
                    line,
                    message: "code postal ou code INSEE illisible".into(),
                });
            }
        }
    }
    Ok(out)
}

/// What became of one input.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceNote {
    /// File name, or a description (« communes intégrées à Guichet »).
    pub source: String,
    pub outcome: SourceOutcome,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SourceOutcome {
    /// Read: what it holds, and how many warnings (unreadable hours…) it raised.
    Imported {
        what: String,
        count: usize,
        warnings: Vec<String>,
    },
    /// Refused as a whole (all-or-nothing importers), with the French reason.
    Refused(String),
    /// Not a format Guichet knows; left alone.
    Ignored(String),
}

impl SourceOutcome {
    pub fn is_refused(&self) -> bool {
        matches!(self, SourceOutcome::Refused(_))
    }
}

/// Everything read, before any analysis.
#[derive(Debug)]
pub struct LoadedSources {
    pub communes: CommuneSet,
    pub places: Vec<Place>,
    pub network: Network,
    pub notes: Vec<SourceNote>,
}

/// What a file is, from its name and first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    FranceServices,
    Mediation,
    Communes,
    Graph,
}

fn detect(path: &Path) -> Result<Option<Format>, std::io::Error> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if name == GRAPH_FILE {
        return Ok(Some(Format::Graph));
    }
    if name.ends_with(".json") {
        return Ok(Some(Format::Mediation));
    }
    if !name.ends_with(".csv") {
        return Ok(None);
    }
    let mut first = String::new();
    BufReader::new(std::fs::File::open(path)?)
        .take(64 * 1024)
        .read_line(&mut first)?;
    let headers: Vec<String> = first
        .trim_start_matches('\u{feff}')
        .split([',', ';'])
        .map(|h| h.trim().trim_matches('"').to_owned())
        .collect();
    let has = |h: &str| headers.iter().any(|x| x == h);
    Ok(if has("id_fs") {
        Some(Format::FranceServices)
    } else if has("code_insee") && has("mairie_lon") {
        Some(Format::Communes)
    } else {
        None
    })
}

fn imported(source: String, what: &str, imp: &PlaceImport) -> SourceNote {
    SourceNote {
        source,
        outcome: SourceOutcome::Imported {
            what: what.to_owned(),
            count: imp.places.len(),
            warnings: imp.warnings.clone(),
        },
    }
}

/// Reads the communes (from `dir` if it holds a communes CSV, else the shipped copy), derives
/// the town halls, imports every place file of `dir`, and uses the road graph of `dir` if
/// there is one, else the estimate. `dir = None` gives the communes and town halls only.
pub fn load_sources(dir: Option<&Path>) -> Result<LoadedSources, TerritoryError> {
    let mut notes = Vec::new();
    let mut files: Vec<PathBuf> = Vec::new();
    if let Some(dir) = dir {
        match std::fs::read_dir(dir) {
            Ok(entries) => {
                files = entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.is_file())
                    .collect();
                files.sort();
            }
            // Named, not shown by its path: notes reach public pages, and the operator knows
            // which folder they configured.
            Err(e) => notes.push(SourceNote {
                source: "dossier territoire".into(),
                outcome: SourceOutcome::Refused(format!("dossier illisible : {e}")),
            }),
        }
    }
    let mut detected = Vec::new();
    for path in files {
        let source = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        match detect(&path) {
            Ok(Some(f)) => detected.push((path, source, f)),
            Ok(None) => notes.push(SourceNote {
                outcome: SourceOutcome::Ignored(if source.ends_with(".pbf") {
                    format!(
                        "extrait OpenStreetMap : construisez d’abord le graphe routier avec \
                         « guichet territory graph --pbf {source} --out {GRAPH_FILE} » dans ce dossier"
                    )
                } else {
                    "format non reconnu (attendu : liste France services en CSV, lieux de \
                     médiation numérique en JSON, communes en CSV)"
                        .into()
                }),
                source,
            }),
            Err(e) => notes.push(SourceNote {
                source,
                outcome: SourceOutcome::Refused(format!("lecture impossible : {e}")),
            }),
        }
    }
    let open = |p: &Path| std::fs::File::open(p).map(BufReader::new);

    // Communes: the first valid file of the directory, else the shipped copy.
    let mut communes = None;
    for (path, source, _) in detected.iter().filter(|d| d.2 == Format::Communes) {
        if communes.is_some() {
            notes.push(SourceNote {
                source: source.clone(),
                outcome: SourceOutcome::Ignored(
                    "un autre fichier de communes est déjà utilisé".into(),
                ),
            });
            continue;
        }
        let read = open(path)
            .map_err(PlacesError::Io)
            .and_then(guichet_places::load_communes);
        match read {
            Ok(set) => {
                notes.push(SourceNote {
                    source: source.clone(),
                    outcome: SourceOutcome::Imported {
                        what: "communes".into(),
                        count: set.len(),
                        warnings: set.warnings.clone(),
                    },
                });
                communes = Some(set);
            }
            Err(e) => notes.push(SourceNote {
                source: source.clone(),
                outcome: SourceOutcome::Refused(e.to_string()),
            }),
        }
    }
    let communes = match communes {
        Some(c) => c,
        None => {
            let set = embedded_communes().map_err(|e| {
                TerritoryError::BadParameter(format!("communes intégrées illisibles : {e}"))
            })?;
            notes.insert(
                0,
                SourceNote {
                    source: "communes intégrées à Guichet (COG 2026)".into(),
                    outcome: SourceOutcome::Imported {
                        what: "communes".into(),
                        count: set.len(),
                        warnings: set.warnings.clone(),
                    },
                },
            );
            set
        }
    };

    let mut places = guichet_places::town_halls(&communes);
    notes.push(SourceNote {
        source: "mairies (points des communes)".into(),
        outcome: SourceOutcome::Imported {
            what: "Mairie".into(),
            count: places.len(),
            warnings: Vec::new(),
        },
    });
    let mut network = None;
    for (path, source, format) in detected {
        let result = match format {
            Format::Communes => continue,
            Format::Graph => {
                match open(&path)
                    .map_err(guichet_routing::RoutingError::from)
                    .and_then(Graph::read_from)
                {
                    Ok(g) => {
                        notes.push(SourceNote {
                            source: source.clone(),
                            outcome: SourceOutcome::Imported {
                                what: "réseau routier".into(),
                                count: g.node_count(),
                                warnings: Vec::new(),
                            },
                        });
                        network = Some(Network::roads(&g, source, MAX_SNAP_M));
                    }
                    Err(e) => notes.push(SourceNote {
                        source,
                        outcome: SourceOutcome::Refused(format!("graphe routier illisible : {e}")),
                    }),
                }
                continue;
            }
            Format::FranceServices => open(&path)
                .map_err(PlacesError::Io)
                .and_then(guichet_places::load_france_services)
                .map(|imp| (imp, "France Services")),
            Format::Mediation => open(&path)
                .map_err(PlacesError::Io)
                .and_then(guichet_places::load_mediation_places)
                .map(|imp| (imp, "Lieu de médiation numérique")),
        };
        match result {
            Ok((imp, what)) => {
                notes.push(imported(source, what, &imp));
                places.extend(imp.places);
            }
            Err(e) => notes.push(SourceNote {
                source,
                outcome: SourceOutcome::Refused(e.to_string()),
            }),
        }
    }
    let network = match network {
        Some(n) => n,
        None => Network::estimate(DEFAULT_DETOUR, DEFAULT_SPEED_KMH)?,
    };
    Ok(LoadedSources {
        communes,
        places,
        network,
        notes,
    })
}

/// [`load_sources`] then [`TerritoryReport::build`]: what a server runs once at start-up.
pub fn load_report(
    dir: Option<&Path>,
) -> Result<(TerritoryReport, Vec<SourceNote>), TerritoryError> {
    let s = load_sources(dir)?;
    let report = TerritoryReport::build(s.communes.communes, s.places, s.network)?;
    Ok((report, s.notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The real data beside the project (read here, never committed, for France Services).
    fn shared_data() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
    }

    #[test]
    fn the_shipped_communes_are_complete_and_named() {
        let set = embedded_communes().unwrap();
        assert_eq!(set.len(), 34_969);
        for c in &set.communes {
            assert!(
                crate::departement_name(&c.departement).is_some(),
                "département {} sans nom",
                c.departement
            );
            assert!(
                crate::region_name(&c.region).is_some(),
                "région {} sans nom",
                c.region
            );
        }
    }

    #[test]
    fn the_shipped_postcodes_name_shipped_communes() {
        let set = embedded_communes().unwrap();
        let pairs = embedded_postcodes().unwrap();
        assert_eq!(pairs.len(), 35_493);
        // Every pair names a shipped commune; all but the five uninhabited TAAF districts
        // have a postcode.
        assert!(pairs.iter().all(|(_, i)| set.get(i).is_some()));
        let with: std::collections::HashSet<&InseeCode> = pairs.iter().map(|(_, i)| i).collect();
        assert_eq!(set.len() - with.len(), 5);
        let d = crate::CommuneDirectory::new(&set.communes, &pairs);
        let name = |l: crate::Lookup| match l {
            crate::Lookup::One(i) => set.communes[i].name.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(name(d.lookup("75001")), "Paris");
        assert_eq!(name(d.lookup("saint etienne")), "Saint-Étienne");
        assert_eq!(name(d.lookup("42000")), "Saint-Étienne");
        assert!(
            matches!(d.lookup("01000"), crate::Lookup::Several { communes, .. } if communes.len() == 2)
        );
    }

    #[test]
    fn without_a_directory_there_are_town_halls_and_the_estimate() {
        let s = load_sources(None).unwrap();
        assert!(
            s.places
                .iter()
                .all(|p| p.kind == guichet_places::PlaceKind::TownHall)
        );
        assert_eq!(
            s.places.len(),
            s.communes
                .communes
                .iter()
                .filter(|c| c.point_is_town_hall)
                .count()
        );
        assert!(
            matches!(s.network, Network::Estimate { detour, speed_kmh } if detour == DEFAULT_DETOUR && speed_kmh == DEFAULT_SPEED_KMH)
        );
    }

    #[test]
    fn a_directory_is_read_by_content_and_a_bad_file_is_reported_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let data = shared_data();
        std::fs::copy(
            data.join("france-services-2024-08-01.csv"),
            dir.path().join("structures.csv"),
        )
        .unwrap();
        std::fs::copy(
            data.join("lieux-mediation-numerique-aura.json"),
            dir.path().join("lieux.json"),
        )
        .unwrap();
        std::fs::write(dir.path().join("abime.json"), "[{\"id\": 1,").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "hello").unwrap();
        std::fs::write(dir.path().join("autre.csv"), "a,b\n1,2\n").unwrap();
        let s = load_sources(Some(dir.path())).unwrap();
        let count = |k: guichet_places::PlaceKind| s.places.iter().filter(|p| p.kind == k).count();
        assert_eq!(count(guichet_places::PlaceKind::FranceServices), 2845);
        assert_eq!(count(guichet_places::PlaceKind::DigitalMediation), 687);
        let note = |name: &str| {
            s.notes
                .iter()
                .find(|n| n.source == name)
                .unwrap_or_else(|| panic!("no note for {name}: {:?}", s.notes))
                .outcome
                .clone()
        };
        assert!(note("abime.json").is_refused());
        assert!(matches!(note("autre.csv"), SourceOutcome::Ignored(_)));
        assert!(matches!(
            note("structures.csv"),
            SourceOutcome::Imported { count: 2845, .. }
        ));
        assert!(matches!(
            &s.notes[0].outcome,
            SourceOutcome::Imported { what, .. } if what == "communes"
        ));
    }

    #[test]
    fn a_missing_directory_is_a_note() {
        let s = load_sources(Some(Path::new("/nonexistent/territoire"))).unwrap();
        assert!(s.notes.iter().any(|n| n.outcome.is_refused()));
        assert!(!s.places.is_empty());
    }
}
