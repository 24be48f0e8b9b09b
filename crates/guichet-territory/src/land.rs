//! Where the land is: the outlines of the départements (for maps) and the land masses of
//! metropolitan France and the overseas départements (to tell an island from the mainland).
//!
//! The straight-line estimate means nothing across the sea: Île-de-Sein is not « 36 min par la
//! route » from Audierne, and Marie-Galante is not 55 minutes from Guadeloupe's main island.
//! So a commune is only timed, by the estimate, to a place on the same land mass, along a
//! straight line that stays on land; otherwise its access is a [`crate::Access`] marked
//! `crossing` (« traversée maritime : temps non estimé »). Land masses come from the IGN Admin
//! Express outlines shipped simplified in `data/contours-2018.geojson.gz` (see its README):
//! the 12 polygons of metropolitan France (mainland, Corsica and ten islands) and the
//! polygons of the five overseas départements. Islands joined to the mainland by a road
//! bridge (Ré, Oléron, Noirmoutier; Basse-Terre and Grande-Terre in Guadeloupe) are merged
//! with it ([`FIXED_LINKS`]). An island too small to be drawn (Île-de-Sein, Molène, Houat…)
//! is no land mass: a commune there is only timed to a place within [`ISLET_M`].
//!
//! Each territory is rasterised once into a grid of cells of about 500 m (200 m overseas),
//! each holding its land mass; a point in the sea within [`COAST_M`] of a coast belongs to
//! that coast (the outline is simplified), and a straight line leaves the land when it runs
//! over more than [`SEA_RUN_M`] of sea cells in a row.

use std::io::Read;
use std::sync::OnceLock;

use guichet_places::LatLon;

/// The simplified outlines, gzip (see `data/README.md` and NOTICE).
const CONTOURS_GZ: &[u8] = include_bytes!("../data/contours-2018.geojson.gz");

/// A point in the sea this close to a coast is on that land (the outline is simplified).
pub const COAST_M: f64 = 2_000.0;
/// A straight line that runs over more sea than this in a row crosses the sea.
pub const SEA_RUN_M: f64 = 2_000.0;
/// A commune on no drawn land mass (a small island) is timed only to a place this close.
pub const ISLET_M: f64 = 1_500.0;

/// Road links between land masses: (a point on the island, a point on the land it is joined
/// to). Bridges only; ferries are exactly what the estimate cannot time.
pub const FIXED_LINKS: [((f64, f64), (f64, f64)); 4] = [
    // Île de Ré (pont de l’île de Ré) → La Rochelle.
    ((-1.42, 46.20), (-1.15, 46.16)),
    // Île d’Oléron (viaduc d’Oléron) → Marennes.
    ((-1.28, 45.93), (-1.10, 45.83)),
    // Île de Noirmoutier (pont de Noirmoutier) → Beauvoir-sur-Mer.
    ((-2.25, 46.99), (-2.04, 46.92)),
    // Guadeloupe: Basse-Terre → Grande-Terre (ponts de la Rivière Salée).
    ((-61.68, 16.10), (-61.45, 16.30)),
];

/// Rings of one polygon (the first the outer one), each ring of (lon, lat).
pub type Rings = Vec<Vec<(f64, f64)>>;

/// A département's outline, as drawn on maps.
#[derive(Debug, Clone)]
pub struct Outline {
    pub code: String,
    pub name: String,
    /// Polygons, each a list of rings (the first the outer one), each ring (lon, lat).
    pub polygons: Vec<Rings>,
}

impl Outline {
    /// (lon min, lat min, lon max, lat max).
    pub fn bbox(&self) -> (f64, f64, f64, f64) {
        let mut b = (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        );
        for &(x, y) in self.polygons.iter().flatten().flatten() {
            b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
        }
        b
    }
}

/// One rasterised territory (metropolitan France, or one overseas département).
#[derive(Debug)]
struct Grid {
    lon0: f64,
    lat0: f64,
    step: f64,
    cols: usize,
    rows: usize,
    /// Land mass + 1 per cell, 0 for the sea; row 0 is the southernmost.
    cells: Vec<u16>,
}

impl Grid {
    fn build(polygons: &[(u16, &Rings)], step: f64) -> Grid {
        let mut b = (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        );
        for (_, poly) in polygons {
            for &(x, y) in poly.iter().flatten() {
                b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
            }
        }
        // A margin of sea around the land, so points near the coast fall in the grid.
        let pad = 0.1;
        let (lon0, lat0) = (b.0 - pad, b.1 - pad);
        let cols = ((b.2 + pad - lon0) / step).ceil() as usize;
        let rows = ((b.3 + pad - lat0) / step).ceil() as usize;
        let mut cells = vec![0u16; cols * rows];
        let mut xs: Vec<f64> = Vec::new();
        for &(mass, poly) in polygons {
            for row in 0..rows {
                let y = lat0 + (row as f64 + 0.5) * step;
                xs.clear();
                // Even-odd over all rings: holes subtract.
                for ring in poly {
                    for w in ring.windows(2) {
                        let ((x1, y1), (x2, y2)) = (w[0], w[1]);
                        if (y1 <= y) != (y2 <= y) {
                            xs.push(x1 + (y - y1) / (y2 - y1) * (x2 - x1));
                        }
                    }
                }
                xs.sort_by(f64::total_cmp);
                for pair in xs.chunks_exact(2) {
                    let c0 = ((pair[0] - lon0) / step - 0.5).ceil().max(0.0) as usize;
                    let c1 = ((pair[1] - lon0) / step - 0.5).floor();
                    if c1 < 0.0 {
                        continue;
                    }
                    for c in c0..=(c1 as usize).min(cols - 1) {
                        cells[row * cols + c] = mass + 1;
                    }
                }
            }
        }
        Grid {
            lon0,
            lat0,
            step,
            cols,
            rows,
            cells,
        }
    }
    fn contains(&self, p: LatLon) -> bool {
        p.lon >= self.lon0
            && p.lat >= self.lat0
            && p.lon < self.lon0 + self.cols as f64 * self.step
            && p.lat < self.lat0 + self.rows as f64 * self.step
    }
    fn cell(&self, p: LatLon) -> (usize, usize) {
        (
            (((p.lon - self.lon0) / self.step) as usize).min(self.cols - 1),
            (((p.lat - self.lat0) / self.step) as usize).min(self.rows - 1),
        )
    }
    fn at(&self, c: usize, r: usize) -> Option<u16> {
        match self.cells[r * self.cols + c] {
            0 => None,
            m => Some(m - 1),
        }
    }
    /// Metres per cell, east-west and north-south, at `lat`.
    fn cell_m(&self, lat: f64) -> (f64, f64) {
        let m = self.step * 111_195.0;
        (m * lat.to_radians().cos(), m)
    }
}

/// The land masses, for the islands test.
#[derive(Debug)]
pub struct Land {
    grids: Vec<Grid>,
    /// Merged mass of each mass (bridged islands share the mainland's).
    merged: Vec<u16>,
}

/// Where a point is, for the islands test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ground {
    /// On a land mass (after bridges).
    Mass(u16),
    /// In a territory's waters, on no drawn land: an islet too small for the outline.
    Islet,
    /// Outside every outline shipped (collectivités d’outre-mer, made-up points): no test.
    Unknown,
}

impl Land {
    pub fn ground(&self, p: LatLon) -> Ground {
        if !self.grids.iter().any(|g| g.contains(p)) {
            return Ground::Unknown;
        }
        self.mass(p).map_or(Ground::Islet, Ground::Mass)
    }

    /// The land mass `p` is on (after bridges), or `None` in the sea or on an islet too small
    /// to be drawn.
    pub fn mass(&self, p: LatLon) -> Option<u16> {
        let g = self.grids.iter().find(|g| g.contains(p))?;
        let (c, r) = g.cell(p);
        if let Some(m) = g.at(c, r) {
            return Some(self.merged[m as usize]);
        }
        // Nearest land cell within COAST_M.
        let (mx, my) = g.cell_m(p.lat);
        let (rx, ry) = (
            (COAST_M / mx).ceil() as isize,
            (COAST_M / my).ceil() as isize,
        );
        let mut best: Option<(f64, u16)> = None;
        for dr in -ry..=ry {
            for dc in -rx..=rx {
                let (cc, rr) = (c as isize + dc, r as isize + dr);
                if cc < 0 || rr < 0 || cc >= g.cols as isize || rr >= g.rows as isize {
                    continue;
                }
                if let Some(m) = g.at(cc as usize, rr as usize) {
                    let d = ((dc as f64 * mx).powi(2) + (dr as f64 * my).powi(2)).sqrt();
                    if d <= COAST_M && best.is_none_or(|b| d < b.0) {
                        best = Some((d, m));
                    }
                }
            }
        }
        best.map(|(_, m)| self.merged[m as usize])
    }

    /// Whether the straight line from `a` to `b` crosses the sea: more than [`SEA_RUN_M`] of
    /// sea in a row, or ends in two different territories. Points near a coast count as land.
    pub fn crosses_sea(&self, a: LatLon, b: LatLon) -> bool {
        let Some(g) = self.grids.iter().find(|g| g.contains(a)) else {
            return false;
        };
        if !g.contains(b) {
            return true;
        }
        let (mx, my) = g.cell_m((a.lat + b.lat) / 2.0);
        let dx = (b.lon - a.lon) / g.step * mx;
        let dy = (b.lat - a.lat) / g.step * my;
        let len_m = (dx * dx + dy * dy).sqrt();
        // Samples every quarter of a cell.
        let sample_m = mx.min(my) / 4.0;
        let n = (len_m / sample_m).ceil().max(1.0) as usize;
        let mut run = 0.0;
        for i in 0..=n {
            let t = i as f64 / n as f64;
            let p = LatLon {
                lat: a.lat + t * (b.lat - a.lat),
                lon: a.lon + t * (b.lon - a.lon),
            };
            let (c, r) = g.cell(p);
            if g.at(c, r).is_some() {
                run = 0.0;
            } else {
                run += len_m / n as f64;
                if run > SEA_RUN_M {
                    return true;
                }
            }
        }
        false
    }
}

/// The shipped outlines: départements and land masses, read once.
#[derive(Debug)]
pub struct Contours {
    pub departements: Vec<Outline>,
    pub land: Land,
}

impl Contours {
    pub fn departement(&self, code: &str) -> Option<&Outline> {
        self.departements.iter().find(|o| o.code == code)
    }
}

fn parse(gz: &[u8]) -> Result<Vec<Outline>, String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let features = doc["features"].as_array().ok_or("no features")?;
    let point =
        |v: &serde_json::Value| -> Option<(f64, f64)> { Some((v[0].as_f64()?, v[1].as_f64()?)) };
    features
        .iter()
        .map(|f| {
            let polygons = f["geometry"]["coordinates"]
                .as_array()
                .ok_or("no coordinates")?
                .iter()
                .map(|poly| {
                    poly.as_array()
                        .into_iter()
                        .flatten()
                        .map(|ring| {
                            ring.as_array()
                                .into_iter()
                                .flatten()
                                .map(|p| point(p).ok_or("bad point"))
                                .collect::<Result<Vec<_>, _>>()
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Outline {
                code: f["properties"]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                name: f["properties"]["nom"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                polygons,
            })
        })
        .collect()
}

fn build(outlines: Vec<Outline>) -> Contours {
    let mut grids = Vec::new();
    let mut count: u16 = 0;
    let mut departements = Vec::new();
    let mut territories: Vec<(Vec<(u16, &Rings)>, f64)> = Vec::new();
    for o in &outlines {
        let step = if o.code == "metropole" {
            0.005
        } else if o.code.starts_with("97") {
            0.002
        } else {
            continue;
        };
        let polys = o
            .polygons
            .iter()
            .map(|p| {
                count += 1;
                (count - 1, p)
            })
            .collect();
        territories.push((polys, step));
    }
    for (polys, step) in &territories {
        grids.push(Grid::build(polys, *step));
    }
    let mut merged: Vec<u16> = (0..count).collect();
    let mut land = Land {
        grids,
        merged: merged.clone(),
    };
    for ((ax, ay), (bx, by)) in FIXED_LINKS {
        let a = land.mass(LatLon { lat: ay, lon: ax });
        let b = land.mass(LatLon { lat: by, lon: bx });
        if let (Some(a), Some(b)) = (a, b) {
            for m in merged.iter_mut() {
                if *m == a {
                    *m = b;
                }
            }
            land.merged = merged.clone();
        }
    }
    for o in outlines {
        if o.code != "metropole" {
            departements.push(o);
        }
    }
    Contours { departements, land }
}

/// The shipped outlines, parsed and rasterised on first use (a few tenths of a second).
pub fn contours() -> &'static Contours {
    static CONTOURS: OnceLock<Contours> = OnceLock::new();
    CONTOURS.get_or_init(|| {
        // Shipped in the binary and read by a test: it cannot fail in a build that passed.
        build(parse(CONTOURS_GZ).expect("shipped outlines are readable"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(lon: f64, lat: f64) -> LatLon {
        LatLon { lat, lon }
    }

    #[test]
    fn the_shipped_outlines_hold_every_departement() {
        let c = contours();
        assert_eq!(c.departements.len(), 101);
        for code in ["01", "2A", "2B", "29", "971", "972", "973", "974", "976"] {
            assert!(c.departement(code).is_some(), "{code}");
        }
    }

    #[test]
    fn islands_and_bridges() {
        let land = &contours().land;
        let paris = land.mass(p(2.35, 48.85)).unwrap();
        // Brest, Marseille and a bridged island are on the mainland.
        assert_eq!(land.mass(p(-4.486, 48.390)), Some(paris));
        assert_eq!(land.mass(p(5.37, 43.30)), Some(paris));
        assert_eq!(land.mass(p(-1.37, 46.20)), Some(paris), "Île de Ré");
        // Corsica, Belle-Île and Ouessant are not.
        let ajaccio = land.mass(p(8.74, 41.92)).unwrap();
        assert_ne!(ajaccio, paris);
        let belle_ile = land.mass(p(-3.155, 47.347)).unwrap();
        assert_ne!(belle_ile, paris);
        assert_ne!(land.mass(p(-5.09, 48.46)), Some(paris), "Ouessant");
        // Île-de-Sein is too small to be drawn.
        assert_eq!(land.mass(p(-4.851, 48.037)), None);
        // Guadeloupe: Basse-Terre and Grande-Terre are bridged, Marie-Galante is not.
        let bt = land.mass(p(-61.73, 15.99)).unwrap();
        assert_eq!(land.mass(p(-61.53, 16.24)), Some(bt));
        assert_ne!(land.mass(p(-61.27, 15.95)), Some(bt));
        // Straight lines.
        assert!(
            land.crosses_sea(p(-4.851, 48.037), p(-4.54, 48.02)),
            "Sein–Audierne"
        );
        assert!(
            !land.crosses_sea(p(-1.68, 48.11), p(-1.55, 47.22)),
            "Rennes–Nantes"
        );
        // Across the Rade de Brest: the road goes round.
        assert!(
            land.crosses_sea(p(-4.486, 48.390), p(-4.10, 47.99)),
            "Brest–Quimper"
        );
        assert!(
            land.crosses_sea(p(-61.27, 15.95), p(-61.55, 16.24)),
            "Marie-Galante"
        );
        assert!(
            land.crosses_sea(p(2.35, 48.85), p(-61.55, 16.24)),
            "Paris–Pointe-à-Pitre"
        );
    }
}
