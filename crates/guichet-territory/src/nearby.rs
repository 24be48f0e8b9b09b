//! The places around one commune, with the travel time to each: what `/lieux` shows a person
//! (« où aller près de chez moi »).
//!
//! Times are measured the way the report measures access (the same [`Network`], from the same
//! point of the commune — its town hall, else its centroid): the stated straight-line
//! estimate, or on roads one bounded search from the commune on the forward graph, read at
//! each candidate place.

use std::collections::HashMap;

use guichet_places::{Place, PlaceKind};
use guichet_routing::{haversine_m, within};

use crate::travel::coord;
use crate::{Network, TerritoryReport};

/// What to look for around a commune.
#[derive(Debug, Clone, PartialEq)]
pub enum Want {
    /// The `count` nearest places of a kind.
    Nearest { kind: PlaceKind, count: usize },
    /// The places of a kind located in the commune itself (its town hall).
    InCommune { kind: PlaceKind },
}

/// One place around the commune.
#[derive(Debug, Clone, Copy)]
pub struct NearbyPlace<'a> {
    pub place: &'a Place,
    /// Travel time from the commune in deciseconds; `None` when it cannot be measured (the
    /// commune or the place off the road network, or beyond [`NEARBY_RADIUS_MINUTES`]).
    pub time_ds: Option<u32>,
    /// Straight-line distance in metres (for ordering places without a time).
    pub straight_m: f64,
}

impl NearbyPlace<'_> {
    pub fn minutes(&self) -> Option<f64> {
        self.time_ds.map(|d| f64::from(d) / 600.0)
    }
}

/// On roads, places farther than this are listed without a time.
pub const NEARBY_RADIUS_MINUTES: u32 = 120;

/// On roads, how many straight-line candidates are measured for `count` places: the nearest
/// by road is nearly always among the nearest as the crow flies.
fn road_candidates(count: usize) -> usize {
    count * 3 + 5
}

impl TerritoryReport {
    /// The places `wants` asks for around commune `commune` (an index of
    /// [`TerritoryReport::communes`]), each once, nearest first (places without a time last,
    /// by straight-line distance). A commune without a point gets only its own places, without
    /// times.
    pub fn nearby(&self, commune: usize, wants: &[Want]) -> Vec<NearbyPlace<'_>> {
        let Some(c) = self.communes().get(commune) else {
            return Vec::new();
        };
        let origin = c.point.and_then(coord);
        let straight = |p: &Place| match (origin, coord(p.location)) {
            (Some(o), Some(l)) => haversine_m(o, l),
            _ => f64::INFINITY,
        };
        let roads = matches!(self.network(), Network::Roads { .. });
        // Candidates per want, before times.
        let mut groups: Vec<(usize, Vec<NearbyPlace<'_>>)> = Vec::new();
        for want in wants {
            let (kind, count) = match want {
                Want::Nearest { kind, count } => (kind, Some(*count)),
                Want::InCommune { kind } => (kind, None),
            };
            let Some(analysis) = self.kinds().iter().find(|k| &k.kind == kind) else {
                continue;
            };
            let mut found: Vec<NearbyPlace<'_>> = analysis
                .places
                .iter()
                .filter(|p| count.is_some() || p.insee.as_ref() == Some(&c.insee))
                .map(|p| NearbyPlace {
                    place: p,
                    time_ds: None,
                    straight_m: straight(p),
                })
                .collect();
            if let Some(count) = count {
                if origin.is_none() {
                    continue;
                }
                found.sort_by(|a, b| a.straight_m.total_cmp(&b.straight_m));
                found.truncate(if roads { road_candidates(count) } else { count });
            }
            groups.push((count.unwrap_or(usize::MAX), found));
        }
        self.measure(origin, &mut groups);
        let mut out: Vec<NearbyPlace<'_>> = Vec::new();
        for (count, mut found) in groups {
            sort_nearest(&mut found);
            for p in found.into_iter().take(count) {
                if !out.iter().any(|q| q.place.id == p.place.id) {
                    out.push(p);
                }
            }
        }
        sort_nearest(&mut out);
        out
    }

    /// Sets the time of every candidate.
    fn measure(
        &self,
        origin: Option<guichet_routing::Coord>,
        groups: &mut [(usize, Vec<NearbyPlace<'_>>)],
    ) {
        let Some(origin) = origin else { return };
        match self.network() {
            Network::Estimate { .. } => {
                for p in groups.iter_mut().flat_map(|g| g.1.iter_mut()) {
                    if p.straight_m.is_finite() {
                        p.time_ds = Some(self.network().estimate_ds(p.straight_m));
                    }
                }
            }
            Network::Roads {
                forward,
                snapper,
                max_snap_m,
                ..
            } => {
                let Some(start) = snapper.snap(origin, *max_snap_m) else {
                    return;
                };
                let mut targets: HashMap<u32, Vec<(usize, usize)>> = HashMap::new();
                for (g, (_, found)) in groups.iter().enumerate() {
                    for (i, p) in found.iter().enumerate() {
                        if let Some(s) =
                            coord(p.place.location).and_then(|l| snapper.snap(l, *max_snap_m))
                        {
                            targets.entry(s.node).or_default().push((g, i));
                        }
                    }
                }
                let mut ball = Vec::new();
                let searched = within(forward.node_count()).search(
                    forward,
                    start.node,
                    NEARBY_RADIUS_MINUTES * 600,
                    &mut ball,
                );
                if searched.is_err() {
                    return;
                }
                for (node, t) in ball {
                    if let Some(hits) = targets.get(&node) {
                        for &(g, i) in hits {
                            groups[g].1[i].time_ds = Some(t);
                        }
                    }
                }
            }
        }
    }
}

fn sort_nearest(v: &mut [NearbyPlace<'_>]) {
    v.sort_by(|a, b| {
        (a.time_ds.is_none(), a.time_ds, a.straight_m)
            .partial_cmp(&(b.time_ds.is_none(), b.time_ds, b.straight_m))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
}

#[cfg(test)]
mod tests {
    use guichet_places::{LatLon, load_communes, town_halls};

    use super::*;
    use crate::report::{DEFAULT_DETOUR, DEFAULT_SPEED_KMH};

    /// Communes due north of each other, 0.1° (11.1 km) apart; France Services in A and C,
    /// a mediation place in B.
    fn report() -> TerritoryReport {
        let csv = "code_insee,nom,departement,region,population,mairie_lon,mairie_lat,centroid_lon,centroid_lat\n\
                   01001,A,01,84,1000,5.0,45.0,5.0,45.0\n\
                   01002,B,01,84,500,5.0,45.1,5.0,45.1\n\
                   01003,C,01,84,300,5.0,45.2,5.0,45.2\n\
                   01004,D,01,84,300,,,5.0,45.3\n\
                   01005,E,01,84,,,,,\n";
        let set = load_communes(csv.as_bytes()).unwrap();
        let mut places = town_halls(&set);
        let template = places[0].clone();
        let fs = |id: &str, lat: f64| Place {
            id: id.into(),
            kind: PlaceKind::FranceServices,
            name: id.into(),
            location: LatLon::new(lat, 5.0).unwrap(),
            ..template.clone()
        };
        places.push(fs("fs-a", 45.0));
        places.push(fs("fs-c", 45.2));
        let mut m = fs("lmn-b", 45.1);
        m.kind = PlaceKind::DigitalMediation;
        places.push(m);
        TerritoryReport::build(
            set.communes,
            places,
            Network::estimate(DEFAULT_DETOUR, DEFAULT_SPEED_KMH).unwrap(),
        )
        .unwrap()
    }

    fn ids(v: &[NearbyPlace<'_>]) -> Vec<String> {
        v.iter().map(|p| p.place.id.clone()).collect()
    }

    #[test]
    fn nearest_places_of_each_kind_with_the_reports_estimate() {
        let r = report();
        let wants = [
            Want::InCommune {
                kind: PlaceKind::TownHall,
            },
            Want::Nearest {
                kind: PlaceKind::FranceServices,
                count: 1,
            },
            Want::Nearest {
                kind: PlaceKind::DigitalMediation,
                count: 3,
            },
        ];
        // From B (index 1): its town hall (0 min), the mediation place in B, then one France
        // Services — A and C are equally far; A is first by the straight-line tie.
        let near = r.nearby(1, &wants);
        assert_eq!(ids(&near)[..2], ["mairie-01002", "lmn-b"]);
        assert_eq!(near.len(), 3);
        // 11.1 km × 1.3 ÷ 50 km/h = 17.3 minutes, the figure /territoire gives B.
        let fs = near
            .iter()
            .find(|p| p.place.kind == PlaceKind::FranceServices)
            .unwrap();
        assert!(
            (fs.minutes().unwrap() - 17.3).abs() < 0.1,
            "{:?}",
            fs.minutes()
        );
        let access = r.kind("france-services").unwrap().access[1];
        assert_eq!(fs.time_ds, access.time_ds);
        // From C: the France Services in C comes first.
        let near = r.nearby(2, &wants[1..2]);
        assert_eq!(ids(&near), ["fs-c"]);
    }

    #[test]
    fn a_commune_without_town_hall_or_point_gets_what_can_be_known() {
        let r = report();
        let town_hall = [Want::InCommune {
            kind: PlaceKind::TownHall,
        }];
        // D has a centroid but no town-hall point: no town hall place.
        assert!(r.nearby(3, &town_hall).is_empty());
        // E has no point at all: nothing nearest can be measured.
        let fs = [Want::Nearest {
            kind: PlaceKind::FranceServices,
            count: 2,
        }];
        assert!(r.nearby(4, &fs).is_empty());
        assert!(r.nearby(99, &fs).is_empty());
    }
}
