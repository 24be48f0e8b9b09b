//! Coverage: the share of the population within each time threshold, nationally and per
//! département and region, and the communes left beyond.
//!
//! Coverage is computed over the [`Area`] the places were collected for, never beyond. Shares
//! are computed over the population whose time is known; people in communes without a
//! position or off the network, and people whose nearest place is across the sea (no time is
//! estimated there), are counted apart (never silently counted as covered or uncovered), and
//! an area whose known population is zero has no share rather than a division by zero.

use std::collections::BTreeMap;

use guichet_places::Commune;

use crate::{Access, Area, Method, TerritoryError};

/// Time thresholds in minutes, ascending, at least one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thresholds(Vec<u32>);

impl Thresholds {
    pub fn new(mut minutes: Vec<u32>) -> Result<Thresholds, TerritoryError> {
        minutes.sort_unstable();
        minutes.dedup();
        if minutes.is_empty() || minutes[0] == 0 || minutes[minutes.len() - 1] > 24 * 60 {
            return Err(TerritoryError::BadParameter(
                "seuils en minutes entre 1 et 1440 attendus".into(),
            ));
        }
        Ok(Thresholds(minutes))
    }
    /// "20,30,45".
    pub fn parse(s: &str) -> Result<Thresholds, TerritoryError> {
        let v = s
            .split(',')
            .map(|x| x.trim().parse::<u32>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| TerritoryError::BadParameter(format!("seuils illisibles : « {s} »")))?;
        Thresholds::new(v)
    }
    pub fn minutes(&self) -> &[u32] {
        &self.0
    }
}

/// Coverage of one area (the nation, a département, a region).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AreaCoverage {
    pub code: String,
    /// Population of the area's communes with a known population and a known time.
    pub population: u64,
    /// Per threshold: population within it.
    pub within: Vec<u64>,
    /// Per threshold: number of communes beyond it.
    pub communes_beyond: Vec<usize>,
    /// Population whose time is unknown (no position, off the network, unreachable).
    pub population_unknown_time: u64,
    /// Population whose nearest place is across the sea (« traversée maritime »), and their
    /// communes: no time is estimated for them.
    pub population_crossing: u64,
    pub communes_crossing: usize,
}

impl AreaCoverage {
    /// Share within threshold `i`, in [0, 1]; `None` when nobody with a known time lives here.
    pub fn share(&self, i: usize) -> Option<f64> {
        (self.population > 0).then(|| self.within[i] as f64 / self.population as f64)
    }
    pub fn beyond(&self, i: usize) -> u64 {
        self.population - self.within[i]
    }
    /// Everyone counted in the area: timed, across the sea, or of unknown time.
    pub fn population_total(&self) -> u64 {
        self.population + self.population_crossing + self.population_unknown_time
    }
}

/// The full report.
#[derive(Debug, Clone)]
pub struct CoverageReport {
    pub method: Method,
    pub thresholds: Thresholds,
    /// The area the figures are computed over; `national` is its total.
    pub area: Area,
    pub national: AreaCoverage,
    pub departements: Vec<AreaCoverage>,
    pub regions: Vec<AreaCoverage>,
    /// Per threshold, the communes beyond it (indices into the communes slice), most
    /// populated first.
    pub beyond: Vec<Vec<usize>>,
    /// Communes with no population figure (not counted anywhere).
    pub unknown_population: usize,
}

/// Computes coverage from the access of every commune (same order as `communes`), over all
/// of them.
pub fn coverage(
    communes: &[Commune],
    access: &[Access],
    thresholds: &Thresholds,
    method: Method,
) -> Result<CoverageReport, TerritoryError> {
    coverage_over(communes, access, thresholds, method, Area::all(communes))
}

/// Computes coverage over the communes of `area` only.
pub fn coverage_over(
    communes: &[Commune],
    access: &[Access],
    thresholds: &Thresholds,
    method: Method,
    area: Area,
) -> Result<CoverageReport, TerritoryError> {
    if communes.len() != access.len() {
        return Err(TerritoryError::BadParameter(
            "une mesure d’accès par commune attendue".into(),
        ));
    }
    let k = thresholds.0.len();
    let blank = |code: &str| AreaCoverage {
        code: code.to_owned(),
        within: vec![0; k],
        communes_beyond: vec![0; k],
        ..AreaCoverage::default()
    };
    let mut national = blank(&area.label);
    let mut deps: BTreeMap<String, AreaCoverage> = BTreeMap::new();
    let mut regs: BTreeMap<String, AreaCoverage> = BTreeMap::new();
    let mut beyond = vec![Vec::new(); k];
    let mut unknown_population = 0;
    for (i, (c, a)) in communes.iter().zip(access).enumerate() {
        if !area.contains(c) {
            continue;
        }
        let Some(pop) = c.population else {
            unknown_population += 1;
            continue;
        };
        let pop = u64::from(pop);
        let dep = deps
            .entry(c.departement.clone())
            .or_insert_with(|| blank(&c.departement));
        let reg = regs
            .entry(c.region.clone())
            .or_insert_with(|| blank(&c.region));
        let Some(t) = a.time_ds else {
            for area in [&mut national, dep, reg] {
                if a.crossing {
                    area.population_crossing += pop;
                    area.communes_crossing += 1;
                } else {
                    area.population_unknown_time += pop;
                }
            }
            continue;
        };
        for area in [&mut national, &mut *dep, &mut *reg] {
            area.population += pop;
        }
        for (j, &m) in thresholds.0.iter().enumerate() {
            let inside = u64::from(t) <= u64::from(m) * 600;
            for area in [&mut national, &mut *dep, &mut *reg] {
                if inside {
                    area.within[j] += pop;
                } else {
                    area.communes_beyond[j] += 1;
                }
            }
            if !inside {
                beyond[j].push(i);
            }
        }
    }
    if national.population == 0 {
        return Err(TerritoryError::NoCommunes);
    }
    for list in &mut beyond {
        list.sort_by_key(|&i| std::cmp::Reverse(communes[i].population.unwrap_or(0)));
    }
    Ok(CoverageReport {
        method,
        thresholds: thresholds.clone(),
        area,
        national,
        departements: deps.into_values().collect(),
        regions: regs.into_values().collect(),
        beyond,
        unknown_population,
    })
}
