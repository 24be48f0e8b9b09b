//! Maps of access times: communes as dots coloured by minutes to the nearest place, places
//! marked, département outlines drawn, and inside every image a title, a legend (what each
//! colour means), the area, the reference threshold, the method, the sources and the date.
//! The SVG is the map; the PNG is the same SVG rasterised by `resvg` (already in the build
//! through the letters' typst), with an embedded DejaVu Sans so its text reads the same on
//! every server, then reduced to an indexed palette so a national map weighs tens of
//! kilobytes, not megabytes.
//!
//! No commune polygons are available offline, so each commune is drawn at its town hall; at
//! national scale the 35,000 dots read like a choropleth. The projection is equirectangular
//! around the mean latitude, plenty for a département or mainland France. Dots of one class
//! are one SVG path of zero-length round-capped segments with relative integer moves, so the
//! national SVG stays small once compressed.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

use guichet_places::{Commune, LatLon, Place};

use crate::{Access, Area, Method, TerritoryError, contours};

/// Colour classes: upper bound in minutes (inclusive), colour, French label. Colour-blind
/// safe (ColorBrewer RdYlBu, reversed), with purple for a sea crossing and grey for unknown.
const CLASSES: [(f64, &str, &str); 5] = [
    (10.0, "#2c7bb6", "10 min ou moins"),
    (20.0, "#abd9e9", "10 à 20 min"),
    (30.0, "#fee090", "20 à 30 min"),
    (45.0, "#fdae61", "30 à 45 min"),
    (f64::INFINITY, "#d7191c", "plus de 45 min"),
];
const CROSSING: (&str, &str) = ("#7b3294", "traversée maritime : temps non estimé");
const UNKNOWN: (&str, &str) = ("#9e9e9e", "temps inconnu");

/// One class of the maps' legend, for pages that give it in text beside the picture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LegendClass {
    /// French label (« 20 à 30 min », « temps inconnu »).
    pub label: &'static str,
    /// Fill colour, `#rrggbb`.
    pub colour: &'static str,
}

/// The legend's classes in order: the five time classes, then « traversée maritime », then
/// « temps inconnu ».
pub fn legend() -> Vec<LegendClass> {
    CLASSES
        .iter()
        .map(|c| (c.1, c.2))
        .chain([CROSSING, UNKNOWN])
        .map(|(colour, label)| LegendClass { label, colour })
        .collect()
}

/// Index into [`legend`] of the class an access falls in.
pub fn legend_index(a: &Access) -> usize {
    match a.minutes() {
        None if a.crossing => CLASSES.len(),
        None => CLASSES.len() + 1,
        Some(m) => CLASSES
            .iter()
            .position(|c| m <= c.0)
            .unwrap_or(CLASSES.len() - 1),
    }
}

/// What to draw.
#[derive(Debug, Clone, Default)]
pub struct MapOptions {
    pub title: String,
    /// Width of the map in pixels (height follows the area's shape).
    pub width: u32,
    /// Only this département (code), or the metropolitan communes of `area` when `None`.
    pub departement: Option<String>,
    /// The area the places cover: communes outside it are not drawn (nor counted).
    pub area: Option<Area>,
    /// Lines printed under the legend: area, threshold, sources and date (the method is
    /// always added).
    pub notes: Vec<String>,
}

fn in_scope(c: &Commune, opts: &MapOptions) -> bool {
    if opts.area.as_ref().is_some_and(|a| !a.contains(c)) {
        return false;
    }
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
    x0: f64,
    y0: f64,
    width: f64,
    height: f64,
}

impl Projection {
    /// Fits the box (lon min, lat min, lon max, lat max) in `width`, at most `width × 1.2` high.
    fn fit(b: (f64, f64, f64, f64), width: u32) -> Option<Projection> {
        if !(b.0.is_finite() && b.1.is_finite() && b.2.is_finite() && b.3.is_finite()) {
            return None;
        }
        let kx = ((b.1 + b.3) / 2.0).to_radians().cos();
        let margin = 10.0;
        let w = f64::from(width.clamp(300, 2000));
        let span_x = ((b.2 - b.0) * kx).max(1e-3);
        let span_y = (b.3 - b.1).max(1e-3);
        let scale = ((w - 2.0 * margin) / span_x).min((w * 1.2 - 2.0 * margin) / span_y);
        let height = span_y * scale + 2.0 * margin;
        Some(Projection {
            lon0: b.0,
            lat1: b.3,
            kx,
            scale,
            x0: (w - span_x * scale) / 2.0,
            y0: margin,
            width: w,
            height,
        })
    }
    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            self.x0 + (lon - self.lon0) * self.kx * self.scale,
            self.y0 + (self.lat1 - lat) * self.scale,
        )
    }
    fn inside(&self, (x, y): (f64, f64)) -> bool {
        (0.0..=self.width).contains(&x) && (0.0..=self.height).contains(&y)
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Greedy word wrap at `max` characters.
fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let last = lines.last_mut().expect("one line at least");
        if !last.is_empty() && last.chars().count() + 1 + word.chars().count() > max {
            lines.push(word.to_owned());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

/// Relative path of integer points: `M x y` then `m dx dy`, each followed by `tail`.
struct RelPath {
    d: String,
    at: Option<(i64, i64)>,
}

impl RelPath {
    fn new() -> RelPath {
        RelPath {
            d: String::new(),
            at: None,
        }
    }
    fn mark(&mut self, (x, y): (f64, f64), tail: &str) {
        let (x, y) = (x.round() as i64, y.round() as i64);
        match self.at {
            None => {
                let _ = write!(self.d, "M{x} {y}{tail}");
            }
            Some((px, py)) => {
                let _ = write!(self.d, "m{} {}{tail}", x - px, y - py);
            }
        }
        self.at = Some((x, y));
    }
}

/// Places beyond this many in view are not marked (every town hall would hide the dots).
const MAX_MARKS: usize = 4000;

/// The map as an SVG document.
pub fn render_svg(
    communes: &[Commune],
    access: &[Access],
    places: &[Place],
    opts: &MapOptions,
    method: &Method,
) -> Result<String, TerritoryError> {
    let outlines = &contours().departements;
    let dots: Vec<(&Commune, LatLon, &Access)> = communes
        .iter()
        .zip(access)
        .filter(|(c, _)| in_scope(c, opts))
        .filter_map(|(c, a)| Some((c, c.point?, a)))
        .collect();
    // The view: the département's outline, or the départements that hold the dots.
    let shown: Vec<&str> = match &opts.departement {
        Some(d) => vec![d.as_str()],
        None => {
            let mut v: Vec<&str> = dots.iter().map(|d| d.0.departement.as_str()).collect();
            v.sort_unstable();
            v.dedup();
            v
        }
    };
    let mut b = (
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    );
    for o in outlines.iter().filter(|o| shown.contains(&o.code.as_str())) {
        let ob = o.bbox();
        b = (b.0.min(ob.0), b.1.min(ob.1), b.2.max(ob.2), b.3.max(ob.3));
    }
    for (_, p, _) in &dots {
        b = (
            b.0.min(p.lon),
            b.1.min(p.lat),
            b.2.max(p.lon),
            b.3.max(p.lat),
        );
    }
    let proj = Projection::fit(b, opts.width).ok_or(TerritoryError::NoCommunes)?;
    let w = proj.width;
    let fs = (w / 1000.0 * 16.0).clamp(13.0, 16.0);
    let chars = ((w - 24.0) / (fs * 0.6)) as usize;
    let line = fs * 1.35;

    // Title at the top.
    let title_lines = wrap(&opts.title, ((w - 24.0) / (fs * 1.15 * 0.62)) as usize);
    let top = 12.0 + title_lines.len() as f64 * fs * 1.15 * 1.3;
    // Legend under the map: classes in one or two columns, then the notes.
    let classes = legend();
    let mut rows: Vec<(&str, String)> = classes
        .iter()
        .map(|c| (c.colour, c.label.to_owned()))
        .collect();
    let marks: Vec<&Place> = places
        .iter()
        .filter(|p| proj.inside(proj.xy(p.location.lon, p.location.lat)))
        .collect();
    let marked = marks.len() <= MAX_MARKS;
    rows.push((
        "",
        if marked {
            "lieu (triangle noir)".to_owned()
        } else {
            format!("lieux non marqués : {} à cette échelle", marks.len())
        },
    ));
    let two_cols = w >= 640.0;
    let per_col = if two_cols {
        rows.len().div_ceil(2)
    } else {
        rows.len()
    };
    let mut notes: Vec<String> = Vec::new();
    for n in opts
        .notes
        .iter()
        .map(String::as_str)
        .chain([method.describe().as_str()])
    {
        notes.extend(wrap(n, chars));
    }
    let legend_top = top + proj.height + 8.0;
    let h = legend_top + (per_col as f64 + 0.6) * line + notes.len() as f64 * line + 10.0;

    let mut s = String::with_capacity(dots.len() * 8 + 64 * 1024);
    let desc = format!(
        "{} Légende : {}. {}",
        opts.title,
        rows.iter()
            .map(|r| r.1.as_str())
            .collect::<Vec<_>>()
            .join(" ; "),
        notes.join(" ")
    );
    // Writing into a String cannot fail; the results are ignored on purpose.
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.0} {h:.0}" width="{w:.0}" height="{h:.0}" role="img" aria-labelledby="t d" font-family="DejaVu Sans, Marianne, Arial, sans-serif" font-size="{fs:.1}"><title id="t">{}</title><desc id="d">{}</desc><rect width="100%" height="100%" fill="#ffffff"/>"##,
        esc(&opts.title),
        esc(&desc)
    );
    for (i, l) in title_lines.iter().enumerate() {
        let _ = write!(
            s,
            r##"<text x="12" y="{:.1}" font-weight="bold" font-size="{:.1}" fill="#161616">{}</text>"##,
            12.0 + fs * 1.15 + i as f64 * fs * 1.15 * 1.3,
            fs * 1.15,
            esc(l)
        );
    }
    let _ = write!(s, r##"<g transform="translate(0 {top:.0})">"##);
    // Département outlines in view: land in light grey, borders in mid grey.
    let mut land = RelPath::new();
    let mut focus = RelPath::new();
    for o in outlines {
        let ob = o.bbox();
        let corners = [proj.xy(ob.0, ob.1), proj.xy(ob.2, ob.3)];
        if corners[1].0 < 0.0
            || corners[0].0 > w
            || corners[0].1 < 0.0
            || corners[1].1 > proj.height
        {
            continue;
        }
        let is_focus = opts.departement.as_deref() == Some(o.code.as_str());
        for ring in o.polygons.iter().flatten() {
            for path in [&mut land]
                .into_iter()
                .chain(is_focus.then_some(&mut focus))
            {
                let mut last = None;
                for (k, &(lon, lat)) in ring.iter().enumerate() {
                    let p = proj.xy(lon, lat);
                    let q = (p.0.round() as i64, p.1.round() as i64);
                    if last == Some(q) {
                        continue;
                    }
                    last = Some(q);
                    if k == 0 {
                        path.mark(p, "");
                    } else {
                        let (px, py) = path.at.expect("a first point");
                        let _ = write!(path.d, "l{} {}", q.0 - px, q.1 - py);
                        path.at = Some(q);
                    }
                }
                path.d.push('z');
            }
        }
    }
    let _ = write!(
        s,
        r##"<path fill="#eeeeee" stroke="#8c8c8c" stroke-width="0.7" stroke-linejoin="round" d="{}"/>"##,
        land.d
    );
    // Dots: one path per class, sized to the density of the map.
    let n = dots.len().max(1) as f64;
    let r = (0.42 * (w * proj.height / n).sqrt()).clamp(1.7, 6.0);
    let mut by_class: Vec<RelPath> = (0..classes.len()).map(|_| RelPath::new()).collect();
    for (_, p, a) in &dots {
        by_class[legend_index(a)].mark(proj.xy(p.lon, p.lat), "h0");
    }
    for (class, path) in classes.iter().zip(&by_class) {
        if !path.d.is_empty() {
            let _ = write!(
                s,
                r##"<path fill="none" stroke="{}" stroke-width="{:.1}" stroke-linecap="round" d="{}"/>"##,
                class.colour,
                2.0 * r,
                path.d
            );
        }
    }
    if !focus.d.is_empty() {
        let _ = write!(
            s,
            r##"<path fill="none" stroke="#161616" stroke-width="2" stroke-linejoin="round" d="{}"/>"##,
            focus.d
        );
    }
    // Smaller marks at national scale, so 2,800 places do not hide the dots.
    let m = (r * 1.4).clamp(2.4, 7.0);
    if marked {
        let mut tri = RelPath::new();
        let tail = format!("l{:.0} {:.0}h{:.0}z", -m, 2.0 * m, 2.0 * m);
        for p in &marks {
            let (x, y) = proj.xy(p.location.lon, p.location.lat);
            tri.mark((x, y - m), &tail);
        }
        let _ = write!(
            s,
            r##"<path fill="#000000" stroke="#ffffff" stroke-width="0.5" d="{}"/>"##,
            tri.d
        );
    }
    s.push_str("</g>");
    // Legend.
    let col_w = (w - 24.0) / 2.0;
    let _ = write!(s, r##"<g fill="#161616">"##);
    for (i, (colour, label)) in rows.iter().enumerate() {
        let (col, row) = (i / per_col, i % per_col);
        let x = 12.0 + col as f64 * col_w;
        let y = legend_top + (row as f64 + 1.0) * line;
        if colour.is_empty() {
            let _ = write!(
                s,
                r##"<path d="M{:.1} {:.1}l-6 11h12z" fill="#000000"/>"##,
                x + 8.0,
                y - fs * 0.85
            );
        } else {
            let _ = write!(
                s,
                r##"<circle cx="{:.1}" cy="{:.1}" r="{:.1}" fill="{colour}" stroke="#555555" stroke-width="0.5"/>"##,
                x + 8.0,
                y - fs * 0.35,
                fs * 0.45
            );
        }
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}">{}</text>"##,
            x + 22.0,
            y,
            esc(label)
        );
    }
    let notes_top = legend_top + (per_col as f64 + 0.6) * line;
    for (i, l) in notes.iter().enumerate() {
        let _ = write!(
            s,
            r##"<text x="12" y="{:.1}" font-size="{:.1}">{}</text>"##,
            notes_top + (i as f64 + 1.0) * line,
            fs * 0.92,
            esc(l)
        );
    }
    s.push_str("</g></svg>");
    Ok(s)
}

/// DejaVu Sans (regular and bold), so the PNG's text is the same on every server: the
/// fonts the letters ship (their licence is in `crates/guichet-letters/fonts`).
fn fonts() -> Arc<resvg::usvg::fontdb::Database> {
    static DB: OnceLock<Arc<resvg::usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = resvg::usvg::fontdb::Database::new();
        db.load_font_data(include_bytes!("../../guichet-letters/fonts/DejaVuSans.ttf").to_vec());
        db.load_font_data(
            include_bytes!("../../guichet-letters/fonts/DejaVuSans-Bold.ttf").to_vec(),
        );
        db.set_sans_serif_family("DejaVu Sans");
        Arc::new(db)
    })
    .clone()
}

/// The same map as a PNG image: the SVG rasterised, title and legend included, in an
/// indexed palette.
pub fn render_png(
    communes: &[Commune],
    access: &[Access],
    places: &[Place],
    opts: &MapOptions,
    method: &Method,
) -> Result<Vec<u8>, TerritoryError> {
    rasterise(&render_svg(communes, access, places, opts, method)?)
}

/// A map drawn by [`render_svg`] as an indexed PNG, for a caller that already holds the SVG.
pub fn rasterise(svg: &str) -> Result<Vec<u8>, TerritoryError> {
    let bad = |e: String| TerritoryError::Io(std::io::Error::other(e));
    let options = resvg::usvg::Options {
        fontdb: fonts(),
        font_family: "DejaVu Sans".into(),
        ..resvg::usvg::Options::default()
    };
    let tree = resvg::usvg::Tree::from_str(svg, &options).map_err(|e| bad(e.to_string()))?;
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| bad("image vide".into()))?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    indexed_png(pixmap.width(), pixmap.height(), pixmap.data())
}

/// Encodes opaque RGBA pixels as an 8-bit indexed PNG: the 256 most frequent colours (the
/// map's flat colours), every other one (anti-aliased edges) mapped to its nearest.
fn indexed_png(w: u32, h: u32, rgba: &[u8]) -> Result<Vec<u8>, TerritoryError> {
    let mut counts: HashMap<[u8; 3], u32> = HashMap::new();
    for px in rgba.chunks_exact(4) {
        *counts.entry([px[0], px[1], px[2]]).or_default() += 1;
    }
    let mut by_freq: Vec<([u8; 3], u32)> = counts.into_iter().collect();
    by_freq.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let palette: Vec<[u8; 3]> = by_freq.iter().take(256).map(|c| c.0).collect();
    let mut index: HashMap<[u8; 3], u8> = palette
        .iter()
        .enumerate()
        .map(|(i, c)| (*c, i as u8))
        .collect();
    let mut pixels = Vec::with_capacity((w * h) as usize);
    for px in rgba.chunks_exact(4) {
        let c = [px[0], px[1], px[2]];
        let i = *index.entry(c).or_insert_with(|| {
            let d = |p: &[u8; 3]| {
                (0..3)
                    .map(|k| (i32::from(p[k]) - i32::from(c[k])).pow(2))
                    .sum::<i32>()
            };
            (0..palette.len())
                .min_by_key(|&i| d(&palette[i]))
                .unwrap_or(0) as u8
        });
        pixels.push(i);
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Indexed);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_palette(palette.concat());
        enc.set_compression(png::Compression::High);
        let io = |e: png::EncodingError| TerritoryError::Io(std::io::Error::other(e.to_string()));
        let mut writer = enc.write_header().map_err(io)?;
        writer.write_image_data(&pixels).map_err(io)?;
        writer.finish().map_err(io)?;
    }
    Ok(out)
}
