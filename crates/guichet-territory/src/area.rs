//! The area a file of places covers, so that its figures are computed there and nowhere else.
//!
//! A file of places is collected for some régions (the 687 mediation places of
//! Auvergne-Rhône-Alpes) or for the whole country (France Services): counting the rest of
//! France as « au-delà du seuil » would be a figure about the file, not about access. The
//! area is inferred from the places themselves: each place's département (its commune's INSEE
//! code, else the commune nearest to it within 10 km), and a région is in the area when places of the file
//! lie in at least half of its départements (so a stray place across a border does not bring
//! in a whole région, and a one-département région overseas counts as soon as it has one).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use guichet_places::{Commune, Place};
use guichet_routing::Snapper;

use crate::region_name;
use crate::travel::coord;

/// The régions a file of places covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    /// Region codes, sorted; every région of the communes when `whole`.
    pub regions: BTreeSet<String>,
    /// All the régions of the communes.
    pub whole: bool,
    /// French name: « France entière » or the régions’ names.
    pub label: String,
}

impl Area {
    /// Every commune.
    pub fn all(communes: &[Commune]) -> Area {
        let regions: BTreeSet<String> = communes.iter().map(|c| c.region.clone()).collect();
        Area {
            label: label(&regions, true),
            regions,
            whole: true,
        }
    }
    pub fn contains(&self, c: &Commune) -> bool {
        self.whole || self.regions.contains(&c.region)
    }
    /// The rule, in plain French, for pages and files.
    pub fn rule() -> &'static str {
        "zone déduite des lieux du fichier : les régions dont au moins la moitié des \
         départements ont un lieu du fichier"
    }

    /// The area `places` cover among `communes` (see the module's rule).
    pub fn infer(communes: &[Commune], places: &[Place]) -> Area {
        let by_insee: HashMap<&str, usize> = communes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.insee.as_str(), i))
            .collect();
        let located: Vec<usize> = communes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.point.is_some())
            .map(|(i, _)| i)
            .collect();
        let index = Snapper::from_coords(
            located
                .iter()
                .filter_map(|&i| communes[i].point.and_then(coord))
                .collect(),
        );
        let mut with_places: BTreeSet<&str> = BTreeSet::new();
        for p in places {
            // A place's INSEE code decides (a place of a commune not read is outside); without
            // one, the commune nearest to it within 10 km.
            let at = match &p.insee {
                Some(i) => by_insee.get(i.as_str()).copied(),
                None => coord(p.location)
                    .and_then(|c| index.snap(c, 10_000.0))
                    .and_then(|s| located.get(s.node as usize).copied()),
            };
            if let Some(i) = at {
                with_places.insert(&communes[i].departement);
            }
        }
        // Départements of each région.
        let mut deps: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for c in communes {
            deps.entry(&c.region).or_default().insert(&c.departement);
        }
        let regions: BTreeSet<String> = deps
            .iter()
            .filter(|(_, d)| 2 * d.iter().filter(|d| with_places.contains(*d)).count() >= d.len())
            .map(|(r, _)| (*r).to_owned())
            .collect();
        let whole = regions.len() == deps.len();
        let label = label(&regions, whole);
        Area {
            regions,
            whole,
            label,
        }
    }
}

/// « France entière » (every région of the communes, all of mainland France among them),
/// « France métropolitaine, Guadeloupe… », or the régions' names.
fn label(regions: &BTreeSet<String>, whole: bool) -> String {
    let name = |r: &str| region_name(r).map_or_else(|| format!("région {r}"), str::to_owned);
    let metro = |r: &str| r.len() == 2 && !r.starts_with('0');
    let all_metro = crate::names::METRO_REGIONS
        .iter()
        .all(|r| regions.contains(*r));
    if whole && all_metro {
        "France entière".to_owned()
    } else if all_metro {
        std::iter::once("France métropolitaine".to_owned())
            .chain(regions.iter().filter(|r| !metro(r)).map(|r| name(r)))
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        regions
            .iter()
            .map(|r| name(r))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
