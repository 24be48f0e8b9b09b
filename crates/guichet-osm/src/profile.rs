//! The car profile: which ways a car may use, in which directions, and how fast.
//!
//! It follows OSRM's `car.lua` (v26) closely enough for a cross-check: the same speeds per
//! `highway` class, `maxspeed` × 0.8 when tagged, the same access blacklist, implied one-ways
//! for motorways and roundabouts, and the same exclusions (areas, construction, emergency
//! access). It does not model turn costs, traffic signals, gates, surfaces or ferries; the
//! crate's cross-check script measures the effect of that difference.

use std::collections::HashMap;

/// Speeds of one way in km/h in each direction; 0 means "not allowed that way".
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WaySpeeds {
    pub forward_kmh: f64,
    pub backward_kmh: f64,
}

/// Configurable car profile (defaults: OSRM's).
#[derive(Debug, Clone)]
pub struct CarProfile {
    pub highway_speeds: HashMap<String, f64>,
    /// Factor applied to a tagged `maxspeed` (OSRM: 0.8, drivers rarely reach the limit).
    pub speed_reduction: f64,
    pub access_blacklist: Vec<String>,
}

impl Default for CarProfile {
    fn default() -> Self {
        let speeds = [
            ("motorway", 90.0),
            ("motorway_link", 45.0),
            ("trunk", 85.0),
            ("trunk_link", 40.0),
            ("primary", 65.0),
            ("primary_link", 30.0),
            ("secondary", 55.0),
            ("secondary_link", 25.0),
            ("tertiary", 40.0),
            ("tertiary_link", 20.0),
            ("unclassified", 25.0),
            ("residential", 25.0),
            ("living_street", 10.0),
            ("service", 15.0),
        ];
        let blacklist = [
            "no",
            "agricultural",
            "forestry",
            "emergency",
            "psv",
            "taxi",
            "share_taxi",
            "minibus",
            "bus",
            "foot",
            "emergency_vehicle",
            "restricted",
            "military",
            "official",
        ];
        CarProfile {
            highway_speeds: speeds.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            speed_reduction: 0.8,
            access_blacklist: blacklist.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

impl CarProfile {
    /// Speeds of a way from its tags; both zero when a car may not use it.
    pub fn way_speeds<'a>(&self, tags: impl Iterator<Item = (&'a str, &'a str)>) -> WaySpeeds {
        let mut t: HashMap<&str, &str> = HashMap::new();
        for (k, v) in tags {
            t.insert(k, v);
        }
        let none = WaySpeeds::default();
        let Some(highway) = t.get("highway") else {
            return none;
        };
        let Some(&base) = self.highway_speeds.get(*highway) else {
            return none;
        };
        if t.get("area") == Some(&"yes")
            || t.get("impassable") == Some(&"yes")
            || t.get("service") == Some(&"emergency_access")
            || matches!(t.get("oneway"), Some(&"reversible") | Some(&"alternating"))
        {
            return none;
        }
        // The most specific access tag decides (motorcar > motor_vehicle > vehicle > access).
        let access = ["motorcar", "motor_vehicle", "vehicle", "access"]
            .iter()
            .find_map(|k| t.get(k));
        if let Some(a) = access {
            if self.access_blacklist.iter().any(|b| b == a) {
                return none;
            }
            if *highway == "service" && *a == "private" {
                return none;
            }
        }
        let reduce = |s: Option<&&str>| {
            s.and_then(|s| parse_maxspeed(s))
                .map(|m| m * self.speed_reduction)
        };
        let max = reduce(t.get("maxspeed"));
        let forward = reduce(t.get("maxspeed:forward")).or(max).unwrap_or(base);
        let backward = reduce(t.get("maxspeed:backward")).or(max).unwrap_or(base);
        let oneway = match t.get("oneway") {
            Some(&"yes") | Some(&"1") | Some(&"true") => 1,
            Some(&"-1") => -1,
            Some(&"no") | Some(&"0") | Some(&"false") => 0,
            _ => {
                let roundabout =
                    matches!(t.get("junction"), Some(&"roundabout") | Some(&"circular"));
                i32::from(roundabout || *highway == "motorway")
            }
        };
        match oneway {
            1 => WaySpeeds {
                forward_kmh: forward,
                backward_kmh: 0.0,
            },
            -1 => WaySpeeds {
                forward_kmh: 0.0,
                backward_kmh: backward,
            },
            _ => WaySpeeds {
                forward_kmh: forward,
                backward_kmh: backward,
            },
        }
    }
}

/// `maxspeed` in km/h: "50", "30 mph", "FR:urban" and the like (OSRM's table for France and
/// its defaults for the others); `None` when unknown or "none"/"signals".
pub fn parse_maxspeed(s: &str) -> Option<f64> {
    let s = s.trim().to_ascii_lowercase();
    if let Some(mph) = s.strip_suffix("mph") {
        return mph
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| *v > 0.0)
            .map(|v| v * 1.609);
    }
    if let Some(kmh) = s.strip_suffix("km/h").or_else(|| s.strip_suffix("kmh")) {
        return kmh.trim().parse::<f64>().ok().filter(|v| *v > 0.0);
    }
    if let Ok(v) = s.parse::<f64>() {
        return (v > 0.0).then_some(v);
    }
    let kind = s.split_once(':').map(|(_, k)| k)?;
    match (s.as_str(), kind) {
        ("fr:urban", _) => Some(50.0),
        ("fr:rural", _) => Some(80.0),
        ("fr:zone30", _) => Some(30.0),
        ("fr:motorway", _) => Some(130.0),
        (_, "urban") => Some(50.0),
        (_, "rural") => Some(90.0),
        (_, "trunk") => Some(110.0),
        (_, "motorway") => Some(130.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speeds(tags: &[(&str, &str)]) -> WaySpeeds {
        CarProfile::default().way_speeds(tags.iter().copied())
    }

    #[test]
    fn classes_oneways_and_access() {
        assert_eq!(
            speeds(&[("highway", "residential")]),
            WaySpeeds {
                forward_kmh: 25.0,
                backward_kmh: 25.0
            }
        );
        assert_eq!(speeds(&[("highway", "motorway")]).backward_kmh, 0.0);
        assert_eq!(
            speeds(&[("highway", "primary"), ("junction", "roundabout")]).backward_kmh,
            0.0
        );
        assert_eq!(
            speeds(&[("highway", "primary"), ("oneway", "-1")]).forward_kmh,
            0.0
        );
        assert_eq!(speeds(&[("highway", "footway")]), WaySpeeds::default());
        assert_eq!(
            speeds(&[("highway", "residential"), ("access", "no")]),
            WaySpeeds::default()
        );
        // A specific permission beats a general ban.
        assert!(
            speeds(&[
                ("highway", "residential"),
                ("access", "no"),
                ("motorcar", "yes")
            ])
            .forward_kmh
                > 0.0
        );
        assert_eq!(
            speeds(&[("highway", "service"), ("access", "private")]),
            WaySpeeds::default()
        );
        assert_eq!(
            speeds(&[("highway", "primary"), ("area", "yes")]),
            WaySpeeds::default()
        );
    }

    #[test]
    fn maxspeed_is_reduced_like_osrm() {
        let s = speeds(&[("highway", "primary"), ("maxspeed", "50")]);
        assert!((s.forward_kmh - 40.0).abs() < 1e-9);
        let s = speeds(&[("highway", "secondary"), ("maxspeed", "FR:rural")]);
        assert!((s.forward_kmh - 64.0).abs() < 1e-9);
        assert_eq!(parse_maxspeed("30 mph").map(|v| v.round()), Some(48.0));
        assert_eq!(parse_maxspeed("none"), None);
        assert_eq!(parse_maxspeed("signals"), None);
    }
}
