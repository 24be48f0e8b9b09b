//! Communes: the unit of every territorial analysis, keyed by their INSEE code.

use std::collections::HashMap;
use std::io::Read;

use crate::{LatLon, PlacesError};

/// An INSEE commune code: five characters, digits, or `2A`/`2B` followed by three digits for
/// Corsica. Built only through [`InseeCode::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InseeCode(String);

impl InseeCode {
    pub fn parse(s: &str) -> Option<InseeCode> {
        let s = s.trim();
        let b = s.as_bytes();
        let ok = b.len() == 5
            && (b[..2].iter().all(u8::is_ascii_digit)
                || matches!(&s[..2], "2A" | "2B" | "2a" | "2b"))
            && b[2..].iter().all(u8::is_ascii_digit);
        ok.then(|| InseeCode(s.to_ascii_uppercase()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for InseeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One commune.
#[derive(Debug, Clone, PartialEq)]
pub struct Commune {
    pub insee: InseeCode,
    pub name: String,
    pub departement: String,
    pub region: String,
    /// `None` when the source gives no figure (uninhabited overseas districts).
    pub population: Option<u32>,
    /// Town-hall point, else centroid, else `None`.
    pub point: Option<LatLon>,
    /// Whether `point` is the town hall (a real door) rather than a centroid.
    pub point_is_town_hall: bool,
}

/// All communes of one import, with the warnings it raised.
#[derive(Debug, Clone, Default)]
pub struct CommuneSet {
    pub communes: Vec<Commune>,
    pub warnings: Vec<String>,
    by_code: HashMap<InseeCode, usize>,
}

impl CommuneSet {
    pub fn get(&self, code: &InseeCode) -> Option<&Commune> {
        self.by_code.get(code).map(|&i| &self.communes[i])
    }
    pub fn index_of(&self, code: &InseeCode) -> Option<usize> {
        self.by_code.get(code).copied()
    }
    pub fn len(&self) -> usize {
        self.communes.len()
    }
    pub fn is_empty(&self) -> bool {
        self.communes.is_empty()
    }
}

/// Reads the communes CSV (`code_insee,nom,departement,region,population,mairie_lon,
/// mairie_lat,centroid_lon,centroid_lat`). Duplicate or invalid codes and unreadable numbers
/// refuse the whole file; a missing population or position is a warning.
pub fn load_communes(input: impl Read) -> Result<CommuneSet, PlacesError> {
    let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    let headers = rdr.headers().map_err(csv_err)?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| PlacesError::MissingColumn(name.to_owned()))
    };
    let (c_code, c_name, c_dep, c_reg, c_pop) = (
        col("code_insee")?,
        col("nom")?,
        col("departement")?,
        col("region")?,
        col("population")?,
    );
    let (c_mlon, c_mlat, c_clon, c_clat) = (
        col("mairie_lon")?,
        col("mairie_lat")?,
        col("centroid_lon")?,
        col("centroid_lat")?,
    );
    let mut set = CommuneSet::default();
    let mut lines: HashMap<InseeCode, u64> = HashMap::new();
    for rec in rdr.records() {
        let rec = rec.map_err(csv_err)?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let get = |i: usize| rec.get(i).unwrap_or("").trim();
        let bad = |message: String| PlacesError::BadRow { line, message };
        let insee = InseeCode::parse(get(c_code)).ok_or_else(|| {
            bad(format!(
                "code INSEE invalide ou absent : « {} »",
                get(c_code)
            ))
        })?;
        if let Some(&first) = lines.get(&insee) {
            return Err(PlacesError::DuplicateInsee {
                code: insee.0,
                first,
                second: line,
            });
        }
        lines.insert(insee.clone(), line);
        let population = match get(c_pop) {
            "" => {
                set.warnings.push(format!(
                    "{} {} : population inconnue, commune exclue des taux",
                    insee,
                    get(c_name)
                ));
                None
            }
            p => Some(
                p.parse::<u32>()
                    .map_err(|_| bad(format!("population illisible : « {p} »")))?,
            ),
        };
        if population == Some(0) {
            set.warnings
                .push(format!("{} {} : population nulle", insee, get(c_name)));
        }
        let num = |i: usize| -> Result<Option<f64>, PlacesError> {
            match get(i) {
                "" => Ok(None),
                v => v
                    .parse::<f64>()
                    .map(Some)
                    .map_err(|_| bad(format!("coordonnée illisible : « {v} »"))),
            }
        };
        let pair = |lon: Option<f64>, lat: Option<f64>| -> Result<Option<LatLon>, PlacesError> {
            match (lon, lat) {
                (Some(lon), Some(lat)) => LatLon::new(lat, lon)
                    .map(Some)
                    .ok_or_else(|| bad(format!("coordonnées hors limites : {lat}, {lon}"))),
                _ => Ok(None),
            }
        };
        let mut mairie = pair(num(c_mlon)?, num(c_mlat)?)?;
        let centroid = pair(num(c_clon)?, num(c_clat)?)?;
        // Real exports have town halls with a lost minus sign (Guadeloupe at 61° E): a town
        // hall hundreds of kilometres from its commune's centroid is wrong; use the centroid.
        if let (Some(m), Some(c)) = (mairie, centroid) {
            let km = approx_km(m, c);
            if km > MAX_TOWN_HALL_OFFSET_KM {
                set.warnings.push(format!(
                    "{} {} : mairie à {km:.0} km du centre de la commune, point de mairie ignoré",
                    insee,
                    get(c_name)
                ));
                mairie = None;
            }
        }
        if mairie.is_none() && centroid.is_none() {
            set.warnings.push(format!(
                "{} {} : sans coordonnées, exclue des calculs de temps",
                insee,
                get(c_name)
            ));
        }
        set.by_code.insert(insee.clone(), set.communes.len());
        set.communes.push(Commune {
            insee,
            name: get(c_name).to_owned(),
            departement: get(c_dep).to_owned(),
            region: get(c_reg).to_owned(),
            population,
            point: mairie.or(centroid),
            point_is_town_hall: mairie.is_some(),
        });
    }
    if set.communes.is_empty() {
        return Err(PlacesError::Empty);
    }
    Ok(set)
}

/// Farther than this from the centroid, a town-hall point is an error: the largest communes
/// (in French Guiana) are about 150 km across.
const MAX_TOWN_HALL_OFFSET_KM: f64 = 150.0;

/// Great-circle distance in km, enough for a sanity check.
fn approx_km(a: LatLon, b: LatLon) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((b.lon - a.lon).to_radians() / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().min(1.0).asin()
}

pub(crate) fn csv_err(e: csv::Error) -> PlacesError {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    match e.into_kind() {
        csv::ErrorKind::Io(io) => PlacesError::Io(io),
        other => PlacesError::BadRow {
            line,
            message: format!("CSV mal formé ({other:?})"),
        },
    }
}
