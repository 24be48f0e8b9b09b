//! Importers for the official formats of places, all-or-nothing.

use std::collections::HashSet;
use std::io::Read;

use serde::Deserialize;

use crate::commune::csv_err;
use crate::{CommuneSet, Hours, InseeCode, LatLon, Place, PlaceKind, PlacesError};

/// Places read from one source, with what an administrator should look at.
#[derive(Debug, Clone, Default)]
pub struct PlaceImport {
    pub places: Vec<Place>,
    /// French sentences: unreadable hours, unknown INSEE codes…
    pub warnings: Vec<String>,
}

impl PlaceImport {
    /// Number of places whose hours are kept but unreadable.
    pub fn unreadable_hours(&self) -> usize {
        self.places
            .iter()
            .filter(|p| p.hours.is_unreadable())
            .count()
    }
}

fn split_list(s: Option<&str>) -> Vec<String> {
    s.unwrap_or("")
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// Reads ANCT's "liste des structures France services" CSV.
pub fn load_france_services(input: impl Read) -> Result<PlaceImport, PlacesError> {
    let mut rdr = csv::ReaderBuilder::new().from_reader(input);
    let headers = rdr.headers().map_err(csv_err)?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| PlacesError::MissingColumn(name.to_owned()))
    };
    let id = col("id_fs")?;
    let name = col("lib_fs")?;
    let (addr, insee, cp, com) = (
        col("adresse")?,
        col("insee_com")?,
        col("code_postal")?,
        col("lib_com")?,
    );
    let (lat, lon) = (col("latitude")?, col("longitude")?);
    let days: Vec<usize> = [
        "h_lundi",
        "h_mardi",
        "h_mercredi",
        "h_jeudi",
        "h_vendredi",
        "h_samedi",
    ]
    .iter()
    .map(|d| col(d))
    .collect::<Result<_, _>>()?;
    let sunday = headers.iter().position(|h| h.trim() == "h_dimanche");
    let opt = |n: &str| headers.iter().position(|h| h.trim() == n);
    let (mail, tel, format, typ) = (
        opt("mail"),
        opt("telephone"),
        opt("format_fs"),
        opt("type_fs"),
    );
    let mut out = PlaceImport::default();
    let mut seen = HashSet::new();
    for rec in rdr.records() {
        let rec = rec.map_err(csv_err)?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let get = |i: usize| rec.get(i).unwrap_or("").trim();
        let geto = |i: Option<usize>| i.map(&get).unwrap_or("");
        let bad = |message: String| PlacesError::BadRow { line, message };
        let pid = format!("fs-{}", get(id));
        if get(id).is_empty() {
            return Err(bad("identifiant id_fs absent".into()));
        }
        if !seen.insert(pid.clone()) {
            return Err(PlacesError::DuplicatePlaceId(pid));
        }
        let la: f64 = get(lat)
            .parse()
            .map_err(|_| bad(format!("latitude illisible : « {} »", get(lat))))?;
        let lo: f64 = get(lon)
            .parse()
            .map_err(|_| bad(format!("longitude illisible : « {} »", get(lon))))?;
        let location = LatLon::new(la, lo)
            .ok_or_else(|| bad(format!("coordonnées hors limites : {la}, {lo}")))?;
        let code = InseeCode::parse(get(insee));
        if code.is_none() {
            out.warnings.push(format!(
                "{} : code INSEE illisible « {} »",
                get(name),
                get(insee)
            ));
        }
        let mut day_texts: Vec<&str> = days.iter().map(|&d| get(d)).collect();
        day_texts.push(sunday.map(&get).unwrap_or(""));
        let hours = Hours::from_weekday_columns(&day_texts);
        if let Hours::Unreadable { reason, .. } = &hours {
            out.warnings
                .push(format!("{} : horaires illisibles ({reason})", get(name)));
        }
        let mut fmt = non_empty(geto(format));
        if geto(typ) == "Antenne" {
            fmt = Some(format!("{} (antenne)", fmt.unwrap_or_default()));
        }
        out.places.push(Place {
            id: pid,
            kind: PlaceKind::FranceServices,
            name: get(name).to_owned(),
            address: get(addr).to_owned(),
            postcode: get(cp).to_owned(),
            commune_name: get(com).to_owned(),
            insee: code,
            location,
            services: Vec::new(),
            publics: Vec::new(),
            access_conditions: Vec::new(),
            support_modes: Vec::new(),
            phone: non_empty(geto(tel)),
            email: non_empty(geto(mail)),
            website: None,
            hours,
            format: fmt,
            source: "ANCT France Services".into(),
        });
    }
    if out.places.is_empty() {
        return Err(PlacesError::Empty);
    }
    Ok(out)
}

#[derive(Deserialize)]
struct MediationRecord {
    id: serde_json::Value,
    nom: String,
    #[serde(default)]
    services: Option<String>,
    #[serde(default)]
    commune: Option<String>,
    #[serde(default)]
    code_postal: Option<String>,
    #[serde(default)]
    code_insee: Option<String>,
    #[serde(default)]
    adresse: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    #[serde(default)]
    publics_accueillis: Option<String>,
    #[serde(default)]
    conditions_acces: Option<String>,
    #[serde(default)]
    modalites_accompagnement: Option<String>,
    #[serde(default)]
    horaires: Option<String>,
    #[serde(default)]
    telephone: Option<String>,
    #[serde(default)]
    courriel: Option<String>,
    #[serde(default)]
    site_web: Option<String>,
    #[serde(default)]
    source: Option<String>,
}

/// Reads a JSON array in the national "lieux de médiation numérique" schema.
pub fn load_mediation_places(input: impl Read) -> Result<PlaceImport, PlacesError> {
    let records: Vec<MediationRecord> =
        serde_json::from_reader(input).map_err(|e| PlacesError::Json(e.to_string()))?;
    let mut out = PlaceImport::default();
    let mut seen = HashSet::new();
    for (i, r) in records.into_iter().enumerate() {
        let line = i as u64 + 1;
        let raw_id = match &r.id {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let pid = format!("lmn-{raw_id}");
        if !seen.insert(pid.clone()) {
            return Err(PlacesError::DuplicatePlaceId(pid));
        }
        let bad = |message: String| PlacesError::BadRow { line, message };
        let (Some(la), Some(lo)) = (r.latitude, r.longitude) else {
            return Err(bad(format!("lieu « {} » sans coordonnées", r.nom)));
        };
        let location = LatLon::new(la, lo)
            .ok_or_else(|| bad(format!("coordonnées hors limites : {la}, {lo}")))?;
        let hours = Hours::from_osm(r.horaires.as_deref().unwrap_or(""));
        if let Hours::Unreadable { raw, .. } = &hours {
            out.warnings
                .push(format!("{} : horaires illisibles « {raw} »", r.nom));
        }
        out.places.push(Place {
            id: pid,
            kind: PlaceKind::DigitalMediation,
            name: r.nom.trim().to_owned(),
            address: r.adresse.unwrap_or_default(),
            postcode: r.code_postal.unwrap_or_default(),
            commune_name: r.commune.unwrap_or_default(),
            insee: r.code_insee.as_deref().and_then(InseeCode::parse),
            location,
            services: split_list(r.services.as_deref()),
            publics: split_list(r.publics_accueillis.as_deref()),
            access_conditions: split_list(r.conditions_acces.as_deref()),
            support_modes: split_list(r.modalites_accompagnement.as_deref()),
            phone: r.telephone.and_then(|s| non_empty(&s)),
            email: r.courriel.and_then(|s| non_empty(&s)),
            website: r.site_web.and_then(|s| non_empty(&s)),
            hours,
            format: None,
            source: r
                .source
                .unwrap_or_else(|| "lieux de médiation numérique".into()),
        });
    }
    if out.places.is_empty() {
        return Err(PlacesError::Empty);
    }
    Ok(out)
}

/// One town-hall place per commune whose town-hall point is known (not a centroid).
pub fn town_halls(communes: &CommuneSet) -> Vec<Place> {
    communes
        .communes
        .iter()
        .filter(|c| c.point_is_town_hall)
        .filter_map(|c| {
            Some(Place {
                id: format!("mairie-{}", c.insee),
                kind: PlaceKind::TownHall,
                name: format!("Mairie de {}", c.name),
                address: String::new(),
                postcode: String::new(),
                commune_name: c.name.clone(),
                insee: Some(c.insee.clone()),
                location: c.point?,
                services: Vec::new(),
                publics: Vec::new(),
                access_conditions: Vec::new(),
                support_modes: Vec::new(),
                phone: None,
                email: None,
                website: None,
                hours: Hours::Unknown,
                format: None,
                source: "communes (IGN, DILA)".into(),
            })
        })
        .collect()
}
