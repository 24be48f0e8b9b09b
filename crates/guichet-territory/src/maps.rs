//! Maps of access times: communes as dots coloured by minutes to the nearest place, places
//! marked, as SVG (with title, legend and method) and as PNG (the same picture, rasterised
//! here without a font stack: the legend's text lives in the SVG and the page around it).
//!
//! No commune polygons are available offline, so each commune is drawn at its town hall;
//! at national scale the 35,000 dots read like a choropleth. The projection is
//! equirectangular around the mean latitude, plenty for a département or mainland France.

use std::fmt::Write as _;

use guichet_places::{Commune, LatLon, Place};

use crate::{Access, Method, TerritoryError};

/// Colour classes: upper bound in minutes (inclusive), colour, French label. Colour-blind
/// safe (ColorBrewer RdYlBu, reversed), with grey for "unknown".
const CLASSES: [(f64, &str, [u8; 3], &str); 5] = [
    (10.0, "#2c7bb6", [0x2c, 0x7b, 0xb6], "10 min ou moins"),
    (20.0, "#abd9e9", [0xab, 0xd9, 0xe9], "10 à 20 min"),
    (30.0, "#fee090", [0xfe, 0xe0, 0x90], "20 à 30 min"),
    (45.0, "#fdae61", [0xfd, 0xae, 0x61], "30 à 45 min"),
    (
        f64::INFINITY,
        "#d7191c",
        [0xd7, 0x19, 0x1c],
        "plus de 45 min",
    ),
];
const UNKNOWN: (&str, [u8; 3], &str) = ("#9e9e9e", [0x9e, 0x9e, 0x9e], "temps inconnu");

/// One class of the maps' legend, for pages that give it in text beside the picture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LegendClass {
    /// French label (« 20 à 30 min », « temps inconnu »).
    pub label: &'static str,
    /// Fill colour, `#rrggbb`.
    pub colour: &'static str,
}

/// The legend's classes in order, the last one being « temps inconnu ».
pub fn legend() -> Vec<LegendClass> {
    CLASSES
        .iter()
        .map(|c| LegendClass {
            label: c.3,
            colour: c.1,
        })
        .chain(std::iter::once(LegendClass {
            label: UNKNOWN.2,
            colour: UNKNOWN.0,
        }))
        .collect()
}

/// Index into [`legend`] of the class an access falls in.
pub fn legend_index(a: &Access) -> usize {
    match a.minutes() {
        None => CLASSES.len(),
        Some(m) => CLASSES
            .iter()
            .position(|c| m <= c.0)
            .unwrap_or(CLASSES.len()),
    }
}

/// What to draw.
#[derive(Debug, Clone)]
pub struct MapOptions {
    pub title: String,
    /// Width of the map in pixels (height follows the area's shape).
    pub width: u32,
    /// Only this département (code), or mainland France plus Corsica when `None`.
    pub departement: Option<String>,
}

fn class_of(a: &Access) -> (&'static str, [u8; 3]) {
    match a.minutes() {
        None => (UNKNOWN.0, UNKNOWN.1),
        Some(m) => CLASSES
            .iter()
            .find(|c| m <= c.0)
            .map_or((UNKNOWN.0, UNKNOWN.1), |c| (c.1, c.2)),
    }
}

fn in_scope(c: &Commune, opts: &MapOptions) -> bool {
    match &opts.departement {
        Some(d) => &c.departement == d,
        None => !c.departement.starts_with("97") && !c.departement.starts_with("98"),
    }
}

struct Projection {
    lon0: f64,
    lat1: f64,
    kx: f64,
    scale: f64,
    margin: f64,
    width: f64,
    height: f64,
}

impl Projection {
    fn fit(points: &[LatLon], width: u32) -> Option<Projection> {
        let lat_min = points.iter().map(|p| p.lat).fold(f64::INFINITY, f64::min);
        let lat_max = points
            .iter()
            .map(|p| p.lat)
            .fold(f64::NEG_INFINITY, f64::max);
        let lon_min = points.iter().map(|p| p.lon).fold(f64::INFINITY, f64::min);
        let lon_max = points
            .iter()
            .map(|p| p.lon)
            .fold(f64::NEG_INFINITY, f64::max);
        if !lat_min.is_finite() {
            return None;
        }
        let kx = ((lat_min + lat_max) / 2.0).to_radians().cos();
        let margin = 12.0;
        let w = f64::from(width.max(100));
        let span_x = ((lon_max - lon_min) * kx).max(1e-3);
        let span_y = (lat_max - lat_min).max(1e-3);
        let scale = (w - 2.0 * margin) / span_x;
        Some(Projection {
            lon0: lon_min,
            lat1: lat_max,
            kx,
            scale,
            margin,
            width: w,
            height: span_y * scale + 2.0 * margin,
        })
    }
    fn xy(&self, p: LatLon) -> (f64, f64) {
        (
            self.margin + (p.lon - self.lon0) * self.kx * self.scale,
            self.margin + (self.lat1 - p.lat) * self.scale,
        )
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

type Scene<'a> = (Projection, Vec<(LatLon, &'a Access)>, Vec<&'a Place>);

fn scene<'a>(
    communes: &'a [Commune],
    access: &'a [Access],
    places: &'a [Place],
    opts: &MapOptions,
) -> Result<Scene<'a>, TerritoryError> {
    let dots: Vec<(LatLon, &Access)> = communes
        .iter()
        .zip(access)
        .filter(|(c, _)| in_scope(c, opts))
        .filter_map(|(c, a)| Some((c.point?, a)))
        .collect();
    let pts: Vec<LatLon> = dots.iter().map(|d| d.0).collect();
    let proj = Projection::fit(&pts, opts.width).ok_or(TerritoryError::NoCommunes)?;
    let in_box = |p: LatLon| {
        let (x, y) = proj.xy(p);
        (0.0..=proj.width).contains(&x) && (0.0..=proj.height).contains(&y)
    };
    let marks = places.iter().filter(|p| in_box(p.location)).collect();
    Ok((proj, dots, marks))
}

/// The map as an SVG document.
pub fn render_svg(
    communes: &[Commune],
    access: &[Access],
    places: &[Place],
    opts: &MapOptions,
    method: &Method,
) -> Result<String, TerritoryError> {
    let (proj, dots, marks) = scene(communes, access, places, opts)?;
    let dot_r = (proj.width / 700.0).clamp(1.2, 4.0);
    let legend_h = 40.0 + 18.0 * 7.0;
    let (w, h) = (proj.width, proj.height + legend_h);
    let mut s = String::with_capacity(dots.len() * 60 + 4096);
    // Writing into a String cannot fail; the results are ignored on purpose.
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.0} {h:.0}" width="{w:.0}" height="{h:.0}" role="img" aria-labelledby="t d"><title id="t">{}</title><desc id="d">{}</desc><rect width="100%" height="100%" fill="#ffffff"/><g stroke="none">"##,
        esc(&opts.title),
        esc(&method.describe())
    );
    for (p, a) in &dots {
        let (x, y) = proj.xy(*p);
        let _ = write!(
            s,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="{dot_r:.1}" fill="{}"/>"##,
            class_of(a).0
        );
    }
    s.push_str(r##"</g><g fill="#000000" stroke="#ffffff" stroke-width="0.6">"##);
    let m = dot_r * 1.6;
    for p in &marks {
        let (x, y) = proj.xy(p.location);
        let _ = write!(
            s,
            r##"<path d="M{:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}Z"><title>{}</title></path>"##,
            x,
            y - m,
            x - m,
            y + m,
            x + m,
            y + m,
            esc(&p.name)
        );
    }
    s.push_str("</g>");
    let y0 = proj.height + 16.0;
    let _ = write!(
        s,
        r##"<g font-family="Marianne, Arial, sans-serif" font-size="13" fill="#161616"><text x="12" y="{y0:.0}" font-weight="bold">{}</text>"##,
        esc(&opts.title)
    );
    let rows = CLASSES
        .iter()
        .map(|c| (c.1, c.3))
        .chain(std::iter::once((UNKNOWN.0, UNKNOWN.2)));
    for (i, (colour, label)) in rows.enumerate() {
        let y = y0 + 18.0 * (i as f64 + 1.0);
        let _ = write!(
            s,
            r##"<circle cx="20" cy="{:.0}" r="5" fill="{colour}"/><text x="32" y="{:.0}">{label}</text>"##,
            y - 4.0,
            y
        );
    }
    let y = y0 + 18.0 * 7.0;
    let _ = write!(
        s,
        r##"<path d="M20 {:.0}L15 {:.0}L25 {:.0}Z"/><text x="32" y="{:.0}">lieu — {}</text></g></svg>"##,
        y - 10.0,
        y,
        y,
        y,
        esc(&method.describe())
    );
    Ok(s)
}

/// The same map as a PNG image (dots and place marks, no text).
pub fn render_png(
    communes: &[Commune],
    access: &[Access],
    places: &[Place],
    opts: &MapOptions,
) -> Result<Vec<u8>, TerritoryError> {
    let (proj, dots, marks) = scene(communes, access, places, opts)?;
    let (w, h) = (proj.width.ceil() as u32, proj.height.ceil() as u32);
    let mut img = vec![255u8; (w * h * 3) as usize];
    let mut paint = |x: i64, y: i64, rgb: [u8; 3]| {
        if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h {
            let i = ((y as u32 * w + x as u32) * 3) as usize;
            img[i..i + 3].copy_from_slice(&rgb);
        }
    };
    let r = (proj.width / 700.0).clamp(1.2, 4.0);
    let ri = r.ceil() as i64;
    for (p, a) in &dots {
        let (x, y) = proj.xy(*p);
        let rgb = class_of(a).1;
        for dy in -ri..=ri {
            for dx in -ri..=ri {
                if ((dx * dx + dy * dy) as f64) <= r * r {
                    paint(x as i64 + dx, y as i64 + dy, rgb);
                }
            }
        }
    }
    for p in &marks {
        let (x, y) = proj.xy(p.location);
        for d in -ri..=ri {
            paint(x as i64 + d, y as i64, [0, 0, 0]);
            paint(x as i64, y as i64 + d, [0, 0, 0]);
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let io = |e: png::EncodingError| TerritoryError::Io(std::io::Error::other(e.to_string()));
        let mut writer = enc.write_header().map_err(io)?;
        writer.write_image_data(&img).map_err(io)?;
        writer.finish().map_err(io)?;
    }
    Ok(out)
}
