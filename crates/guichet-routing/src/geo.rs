//! Geographic coordinates in fixed point and great-circle distances.
//!
//! Coordinates are stored as 1e-7 degree integers (OpenStreetMap's own precision) so that a
//! node costs 8 bytes and round-trips through files exactly.

/// Earth radius used by OSRM's haversine, kept identical so segment lengths agree.
const EARTH_RADIUS_M: f64 = 6_372_797.560_856;

/// A WGS84 point in 1e-7 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Coord {
    pub lat_e7: i32,
    pub lon_e7: i32,
}

impl Coord {
    /// Builds a coordinate from degrees; `None` when outside the valid range or not finite.
    pub fn from_degrees(lat: f64, lon: f64) -> Option<Self> {
        if !(lat.is_finite() && lon.is_finite()) || lat.abs() > 90.0 || lon.abs() > 180.0 {
            return None;
        }
        // In range by the check above, so the casts cannot overflow.
        Some(Coord {
            lat_e7: (lat * 1e7).round() as i32,
            lon_e7: (lon * 1e7).round() as i32,
        })
    }
    pub fn lat(self) -> f64 {
        f64::from(self.lat_e7) * 1e-7
    }
    pub fn lon(self) -> f64 {
        f64::from(self.lon_e7) * 1e-7
    }
    /// Unit-sphere cartesian position: chord distance is monotone in great-circle distance,
    /// which lets a plain 3-D R-tree answer nearest-neighbour queries correctly anywhere.
    pub(crate) fn unit_vector(self) -> [f64; 3] {
        let (la, lo) = (self.lat().to_radians(), self.lon().to_radians());
        [la.cos() * lo.cos(), la.cos() * lo.sin(), la.sin()]
    }
}

/// Great-circle distance in metres (haversine, OSRM's radius).
pub fn haversine_m(a: Coord, b: Coord) -> f64 {
    let (la1, la2) = (a.lat().to_radians(), b.lat().to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon() - a.lon()).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}
