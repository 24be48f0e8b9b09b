//! The territorial report a server keeps in memory: for every kind of place, the access of
//! every commune and its coverage, computed once; and site selection answered on request.
//!
//! It is built from values (communes, places, a [`Network`]) and does no I/O, so the web layer
//! can build it once at start-up (off the request path) and read it from every request.
//! Thresholds follow public commitments: France Services within 30 minutes, a maternity
//! within 45; every kind is also measured at 20, 30 and 45 minutes.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use guichet_places::{Commune, LatLon, Place, PlaceKind};

use crate::{
    Access, Area, CommuneDirectory, CoverageReport, Method, Network, TerritoryError, Thresholds,
    access_times, cover_sets, coverage_over, lazy_greedy_max_cover,
};

/// Detour factor of the estimate used when no road graph is configured (same as the CLI).
pub const DEFAULT_DETOUR: f64 = 1.3;
/// Average speed of the estimate, km/h (same as the CLI).
pub const DEFAULT_SPEED_KMH: f64 = 50.0;
/// Largest number of new sites one request may ask for.
pub const MAX_SITES: usize = 100;
/// Site-selection radius bounds, minutes.
pub const MIN_RADIUS_MINUTES: u32 = 5;
pub const MAX_RADIUS_MINUTES: u32 = 120;

/// The threshold a kind of place is judged against (its public commitment), in minutes.
pub fn reference_minutes(kind: &PlaceKind) -> u32 {
    match kind {
        PlaceKind::Other(k) if k.starts_with("maternit") => 45,
        _ => 30,
    }
}

/// Thresholds measured for a kind: 20, 30, 45 minutes, plus its reference if different.
pub fn thresholds_for(kind: &PlaceKind) -> Thresholds {
    let mut m = vec![20, 30, 45, reference_minutes(kind)];
    m.sort_unstable();
    m.dedup();
    // Non-empty constants between 1 and 1440 minutes: `new` cannot refuse them.
    Thresholds::new(m).expect("constant thresholds are valid")
}

/// The analyses of one kind of place.
#[derive(Debug, Clone)]
pub struct KindAnalysis {
    pub kind: PlaceKind,
    pub places: Vec<Place>,
    /// One per commune, in the order of [`TerritoryReport::communes`].
    pub access: Vec<Access>,
    pub coverage: CoverageReport,
    /// The kind's reference threshold (minutes), one of `coverage.thresholds`.
    pub reference_minutes: u32,
    /// Places that could not be attached to the network (roads only).
    pub places_off_network: usize,
}

impl KindAnalysis {
    /// Index of `minutes` among the coverage thresholds.
    pub fn threshold_index(&self, minutes: u32) -> Option<usize> {
        self.coverage
            .thresholds
            .minutes()
            .iter()
            .position(|&m| m == minutes)
    }
    /// Index of the reference threshold.
    pub fn reference_index(&self) -> usize {
        self.threshold_index(self.reference_minutes).unwrap_or(0)
    }
    /// The area this kind's places cover: its figures are computed there only.
    pub fn area(&self) -> &Area {
        &self.coverage.area
    }
}

/// Why a kind of place has no analysis (all its places off the network, say).
#[derive(Debug, Clone)]
pub struct SkippedKind {
    pub kind: PlaceKind,
    pub reason: String,
}

/// Everything the territory pages show, computed once.
#[derive(Debug)]
pub struct TerritoryReport {
    communes: Vec<Commune>,
    network: Network,
    kinds: Vec<KindAnalysis>,
    skipped: Vec<SkippedKind>,
    /// Names and postcodes of the communes, built on first use (`/lieux`).
    directory: OnceLock<CommuneDirectory>,
}

/// One proposed site.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposedSite {
    /// Index of the commune (its town hall is the candidate site).
    pub commune: usize,
    /// People brought within the radius by this site, given the sites before it.
    pub gain: u64,
    /// People brought within the radius by this site and all before it.
    pub cumulative_gain: u64,
    /// Share of the population in scope within the radius once this site is open, in [0, 1].
    pub coverage_after: f64,
}

/// The answer to « where to open the next k places ».
#[derive(Debug, Clone, PartialEq)]
pub struct SitePlan {
    pub radius_minutes: u32,
    pub departement: Option<String>,
    /// Population in scope whose time is known.
    pub population: u64,
    /// Of which within the radius of an existing place.
    pub covered_before: u64,
    pub sites: Vec<ProposedSite>,
}

impl SitePlan {
    pub fn coverage_before(&self) -> f64 {
        if self.population == 0 {
            0.0
        } else {
            self.covered_before as f64 / self.population as f64
        }
    }
}

fn kind_order(k: &PlaceKind) -> (u8, String) {
    match k {
        PlaceKind::FranceServices => (0, String::new()),
        PlaceKind::TownHall => (1, String::new()),
        PlaceKind::DigitalMediation => (2, String::new()),
        PlaceKind::Other(s) => (3, s.clone()),
    }
}

impl TerritoryReport {
    /// Computes access and coverage of every kind present in `places`. A kind none of whose
    /// places can be used is listed in [`TerritoryReport::skipped`]; no commune with a known
    /// population is an error.
    pub fn build(
        communes: Vec<Commune>,
        places: Vec<Place>,
        network: Network,
    ) -> Result<TerritoryReport, TerritoryError> {
        let mut by_kind: BTreeMap<(u8, String), (PlaceKind, Vec<Place>)> = BTreeMap::new();
        for p in places {
            by_kind
                .entry(kind_order(&p.kind))
                .or_insert_with(|| (p.kind.clone(), Vec::new()))
                .1
                .push(p);
        }
        let mut kinds = Vec::new();
        let mut skipped = Vec::new();
        for (_, (kind, places)) in by_kind {
            let (access, placed) = match access_times(&network, &communes, &places) {
                Ok(x) => x,
                Err(e @ (TerritoryError::NoPlaces | TerritoryError::BadParameter(_))) => {
                    skipped.push(SkippedKind {
                        kind,
                        reason: e.to_string(),
                    });
                    continue;
                }
                Err(e) => return Err(e),
            };
            let thresholds = thresholds_for(&kind);
            let area = Area::infer(&communes, &places);
            let coverage = coverage_over(&communes, &access, &thresholds, network.method(), area)?;
            kinds.push(KindAnalysis {
                reference_minutes: reference_minutes(&kind),
                kind,
                places,
                access,
                coverage,
                places_off_network: placed.off_network.len(),
            });
        }
        if !communes
            .iter()
            .any(|c| c.population.is_some() && c.point.is_some())
        {
            return Err(TerritoryError::NoCommunes);
        }
        Ok(TerritoryReport {
            communes,
            network,
            kinds,
            skipped,
            directory: OnceLock::new(),
        })
    }

    pub fn communes(&self) -> &[Commune] {
        &self.communes
    }
    pub fn method(&self) -> Method {
        self.network.method()
    }
    /// The network times are measured on.
    pub fn network(&self) -> &Network {
        &self.network
    }
    /// The communes by name and postcode (the shipped postcode table), built on first call.
    pub fn directory(&self) -> &CommuneDirectory {
        self.directory.get_or_init(|| {
            // The shipped table is checked by a test; were it unreadable, names still work.
            let postcodes = crate::sources::embedded_postcodes().unwrap_or_default();
            CommuneDirectory::new(&self.communes, &postcodes)
        })
    }
    /// Kinds analysed: France Services first, then town halls, mediation, the others.
    pub fn kinds(&self) -> &[KindAnalysis] {
        &self.kinds
    }
    pub fn skipped(&self) -> &[SkippedKind] {
        &self.skipped
    }
    /// The analysis of the kind with this slug (`france-services`, `mairie`…).
    pub fn kind(&self, slug: &str) -> Option<&KindAnalysis> {
        self.kinds.iter().find(|k| k.kind.slug() == slug)
    }
    /// Codes of the départements that have communes, sorted.
    pub fn departements(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .communes
            .iter()
            .map(|c| c.departement.as_str())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
    pub fn has_departement(&self, code: &str) -> bool {
        self.communes.iter().any(|c| c.departement == code)
    }

    /// Chooses up to `k` new sites for places of kind `slug` among the communes' town halls
    /// of the kind's area (of `departement` only, when given), to bring the most people
    /// within `radius_minutes`;
    /// lazy greedy, so at least (1 − 1/e) of the best possible choice of `k` sites.
    pub fn sites(
        &self,
        slug: &str,
        k: usize,
        radius_minutes: u32,
        departement: Option<&str>,
    ) -> Result<SitePlan, TerritoryError> {
        let analysis = self.kind(slug).ok_or_else(|| {
            TerritoryError::BadParameter(format!("type de lieu inconnu : « {slug} »"))
        })?;
        if k == 0 || k > MAX_SITES {
            return Err(TerritoryError::BadParameter(format!(
                "nombre de sites entre 1 et {MAX_SITES} attendu"
            )));
        }
        if !(MIN_RADIUS_MINUTES..=MAX_RADIUS_MINUTES).contains(&radius_minutes) {
            return Err(TerritoryError::BadParameter(format!(
                "rayon entre {MIN_RADIUS_MINUTES} et {MAX_RADIUS_MINUTES} minutes attendu"
            )));
        }
        if let Some(d) = departement
            && !self
                .communes
                .iter()
                .any(|c| c.departement == d && analysis.area().contains(c))
        {
            return Err(TerritoryError::BadParameter(format!(
                "département inconnu : « {d} »"
            )));
        }
        let radius_ds = radius_minutes * 600;
        let in_scope = |c: &Commune| {
            analysis.area().contains(c) && departement.is_none_or(|d| c.departement == d)
        };
        let mut population = 0u64;
        let mut covered_before = 0u64;
        let mut demand: Vec<LatLon> = Vec::new();
        let mut weights: Vec<u64> = Vec::new();
        for (c, a) in self.communes.iter().zip(&analysis.access) {
            let (Some(pop), Some(t), Some(p)) = (c.population, a.time_ds, c.point) else {
                continue;
            };
            if !in_scope(c) {
                continue;
            }
            population += u64::from(pop);
            if t <= radius_ds {
                covered_before += u64::from(pop);
            } else if pop > 0 {
                demand.push(p);
                weights.push(u64::from(pop));
            }
        }
        let candidates: Vec<usize> = (0..self.communes.len())
            .filter(|&i| self.communes[i].point.is_some() && in_scope(&self.communes[i]))
            .collect();
        let sites = if demand.is_empty() {
            Vec::new()
        } else {
            let points: Vec<LatLon> = candidates
                .iter()
                .filter_map(|&i| self.communes[i].point)
                .collect();
            let sets = cover_sets(&self.network, &demand, &points, radius_ds)?;
            let mut cumulative = 0u64;
            lazy_greedy_max_cover(&weights, &sets, k)
                .into_iter()
                .map(|ch| {
                    cumulative += ch.gain;
                    ProposedSite {
                        commune: candidates[ch.candidate],
                        gain: ch.gain,
                        cumulative_gain: cumulative,
                        coverage_after: if population == 0 {
                            0.0
                        } else {
                            (covered_before + cumulative) as f64 / population as f64
                        },
                    }
                })
                .collect()
        };
        Ok(SitePlan {
            radius_minutes,
            departement: departement.map(str::to_owned),
            population,
            covered_before,
            sites,
        })
    }
}

#[cfg(test)]
mod tests {
    use guichet_places::{PlaceKind, load_communes, town_halls};

    use super::*;

    /// Four communes due north of each other: A (1,000 people) hosts a France Services; B is
    /// 11.1 km away (17.3 min by the estimate), C 33.4 km (52.1 min), D 38.9 km (60.7 min).
    fn fixture() -> TerritoryReport {
        let csv = "code_insee,nom,departement,region,population,mairie_lon,mairie_lat,centroid_lon,centroid_lat\n\
                   01001,A,01,84,1000,5.0,45.0,5.0,45.0\n\
                   01002,B,01,84,500,5.0,45.1,5.0,45.1\n\
                   02001,C,02,84,300,5.0,45.3,5.0,45.3\n\
                   02002,D,02,84,200,5.0,45.35,5.0,45.35\n\
                   02003,E,02,84,,,,,\n\
                   03001,F,03,32,700,5.0,45.4,5.0,45.4\n";
        let set = load_communes(csv.as_bytes()).unwrap();
        let mut places = town_halls(&set);
        let mut fs = places[0].clone();
        fs.id = "fs-1".into();
        fs.kind = PlaceKind::FranceServices;
        fs.name = "France services de A".into();
        places.push(fs);
        TerritoryReport::build(
            set.communes,
            places,
            Network::estimate(DEFAULT_DETOUR, DEFAULT_SPEED_KMH).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn each_kind_gets_its_access_and_coverage() {
        let r = fixture();
        let slugs: Vec<&str> = r.kinds().iter().map(|k| k.kind.slug()).collect();
        assert_eq!(slugs, ["france-services", "mairie"]);
        let fs = r.kind("france-services").unwrap();
        assert_eq!(fs.reference_minutes, 30);
        assert_eq!(fs.coverage.thresholds.minutes(), [20, 30, 45]);
        assert_eq!(fs.reference_index(), 1);
        let minutes: Vec<Option<u32>> = fs
            .access
            .iter()
            .map(|a| a.minutes().map(|m| m.round() as u32))
            .collect();
        assert_eq!(
            minutes,
            [Some(0), Some(17), Some(52), Some(61), None, Some(69)]
        );
        // F lies in another région, where the file has no place: outside its area.
        assert_eq!(fs.area().label, "Auvergne-Rhône-Alpes");
        let n = &fs.coverage.national;
        assert_eq!(n.population, 2000);
        assert_eq!(n.within, [1500, 1500, 1500]);
        assert_eq!(fs.coverage.beyond[1], [2, 3]);
        // Every commune has its own town hall.
        let mairie = r.kind("mairie").unwrap();
        assert_eq!(mairie.coverage.national.within, [2700, 2700, 2700]);
        assert!(mairie.area().whole);
        assert_eq!(r.departements(), ["01", "02", "03"]);
        assert!(r.kind("maternite").is_none());
    }

    #[test]
    fn sites_cover_the_people_left_out_and_state_cumulative_coverage() {
        let r = fixture();
        let plan = r.sites("france-services", 3, 30, None).unwrap();
        assert_eq!((plan.population, plan.covered_before), (2000, 1500));
        // One site at C or D brings both within 30 minutes; nobody is left for a second one.
        assert_eq!(plan.sites.len(), 1);
        let s = &plan.sites[0];
        assert_eq!(r.communes()[s.commune].name, "C");
        assert_eq!((s.gain, s.cumulative_gain), (500, 500));
        assert!((s.coverage_after - 1.0).abs() < 1e-12);
        assert!((plan.coverage_before() - 0.75).abs() < 1e-12);

        let dep = r.sites("france-services", 1, 30, Some("02")).unwrap();
        assert_eq!((dep.population, dep.covered_before), (500, 0));
        assert_eq!(dep.sites[0].gain, 500);
        // Within 60 minutes, only D (60.7 min) is left out.
        let wide = r.sites("france-services", 1, 60, None).unwrap();
        assert_eq!(wide.covered_before, 1800);
        assert_eq!(wide.sites[0].gain, 200);
    }

    #[test]
    fn bad_requests_are_refused_in_french() {
        let r = fixture();
        for (slug, k, radius, dep) in [
            ("france-services", 0, 30, None),
            ("france-services", MAX_SITES + 1, 30, None),
            ("france-services", 1, MIN_RADIUS_MINUTES - 1, None),
            ("france-services", 1, MAX_RADIUS_MINUTES + 1, None),
            ("france-services", 1, 30, Some("99")),
            // Outside the France Services' area.
            ("france-services", 1, 30, Some("03")),
            ("bureau-de-poste", 1, 30, None),
        ] {
            let e = r.sites(slug, k, radius, dep).unwrap_err();
            assert!(
                matches!(e, TerritoryError::BadParameter(_)),
                "{slug} {k} {radius} {dep:?}: {e}"
            );
        }
    }

    #[test]
    fn maternities_are_judged_at_45_minutes() {
        let k = PlaceKind::Other("maternite".into());
        assert_eq!(reference_minutes(&k), 45);
        assert_eq!(thresholds_for(&k).minutes(), [20, 30, 45]);
        assert_eq!(reference_minutes(&PlaceKind::DigitalMediation), 30);
    }
}
