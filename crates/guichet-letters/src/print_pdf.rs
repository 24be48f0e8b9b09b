//! A lean PDF writer for print sets: black text in embedded TrueType fonts,
//! nothing else.
//!
//! typst's exporter (`typst_pdf`, through krilla) handles every feature of a
//! typst document (tags, colours, gradients, images, links, variable fonts) and
//! pays for that generality on every glyph; on a print set of letters it took a
//! quarter of the time of a letter. A print set holds only positioned glyph
//! runs, so this writer walks the laid-out pages and writes them with
//! `pdf-writer`, subsets the fonts with `subsetter` (the two crates krilla is
//! built on) and compresses the streams with one reusable compressor. Each glyph
//! run becomes one `TJ` with the glyph positions typst computed; each font is a
//! Type 0 / CIDFontType2 font with Identity-H encoding, its widths and a
//! ToUnicode map, so the text stays searchable and extractable.
//!
//! [`write`] returns `None` as soon as the pages hold anything else (a page
//! background or bleed, a shape, an image, a link, coloured or stroked text, a
//! clip, a variable or CFF font, a vertical glyph offset): the caller then uses
//! typst's exporter, which stays the reference.

use std::collections::HashMap;
use std::fmt::Write as _;

use flate2::{Compress, Compression, FlushCompress, Status};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Date, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use subsetter::GlyphRemapper;
use typst::layout::{Frame, FrameItem, Point, Transform};
use typst::text::{FontInstance, TextItem};
use typst::visualize::{Color, Paint};
use typst_layout::Page;

/// Document metadata written in the info dictionary and the trailer.
pub(crate) struct Meta<'a> {
    pub title: &'a str,
    pub creator: &'a str,
    /// Creation date (year, month, day), from the letters, not the clock.
    pub date: (i32, u8, u8),
    /// Seeds the file identifier, so the same set gives the same bytes.
    pub ident: &'a str,
}

/// zlib level 3: on the bench letters, files about as small as with typst's
/// level 6 (3.5 KB a letter; level 1 gives 5.0 KB), for a fraction of its time.
const LEVEL: u32 = 3;

const SYSTEM_INFO: SystemInfo = SystemInfo {
    registry: Str(b"Adobe"),
    ordering: Str(b"Identity"),
    supplement: 0,
};

/// A font used by the set: its glyphs renumbered for the subset in order of
/// first use (glyph 0, `.notdef`, first: what `subsetter` expects), with the
/// natural advance and the text of each (for the widths and the ToUnicode map).
/// Dense tables, not maps: they are read for every glyph of the set.
struct UsedFont {
    font: FontInstance,
    /// Old glyph id → new id; 0 means not used yet (only glyph 0 maps to 0).
    forward: Vec<u16>,
    /// New id → old id.
    order: Vec<u16>,
    /// New id → natural advance, in thousandths of an em.
    advance: Vec<f64>,
    /// New id → the text it stands for.
    text: Vec<String>,
}

impl UsedFont {
    /// The glyph's new id and natural advance, numbering it on first use.
    fn glyph(&mut self, old: u16, text: &str) -> Option<(u16, f64)> {
        let slot = self.forward.get_mut(usize::from(old))?;
        if *slot == 0 && old != 0 {
            *slot = u16::try_from(self.order.len()).ok()?;
            self.order.push(old);
            self.advance.push(self.font.x_advance(old)?.get() * 1000.0);
            self.text.push(text.to_owned());
        }
        let new = *slot;
        Some((new, self.advance[usize::from(new)]))
    }
}

/// Walks pages and collects the fonts while writing content streams.
struct Writer {
    fonts: Vec<UsedFont>,
    index: HashMap<FontInstance, usize>,
    deflate: Compress,
}

/// Writes the pages as one untagged PDF, or `None` when they hold something
/// this writer does not handle.
pub(crate) fn write(pages: &[Page], meta: &Meta) -> Option<Vec<u8>> {
    let mut writer = Writer {
        fonts: Vec::new(),
        index: HashMap::new(),
        deflate: Compress::new(Compression::new(LEVEL), true),
    };
    let mut streams = Vec::with_capacity(pages.len());
    let mut content = Vec::with_capacity(64 << 10);
    for page in pages {
        // A page background or a bleed is left to typst's exporter.
        if page.fill_or_transparent().is_some() || !page.bleed.is_zero() {
            return None;
        }
        // typst's coordinates: origin at the top left, y downwards; black.
        content.clear();
        content.extend_from_slice(b"1 0 0 -1 0 ");
        push_num(&mut content, page.frame.height().to_pt());
        content.extend_from_slice(b" cm\n0 g\n");
        writer.frame(&mut content, &page.frame, Transform::identity())?;
        streams.push(writer.compress(&content)?);
    }

    let mut pdf = Pdf::new();
    let mut next = Ref::new(1);
    let mut alloc = || next.bump();
    let catalog = alloc();
    let tree = alloc();
    let info = alloc();
    let font_refs: Vec<Ref> = writer.fonts.iter().map(|_| alloc()).collect();
    let page_refs: Vec<(Ref, Ref)> = pages.iter().map(|_| (alloc(), alloc())).collect();

    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_refs.iter().map(|(page, _)| *page))
        .count(i32::try_from(pages.len()).ok()?);
    for ((page, (page_ref, content_ref)), data) in pages.iter().zip(&page_refs).zip(&streams) {
        let size = page.frame.size();
        let mut p = pdf.page(*page_ref);
        p.media_box(Rect::new(
            0.0,
            0.0,
            size.x.to_pt() as f32,
            size.y.to_pt() as f32,
        ))
        .parent(tree)
        .contents(*content_ref);
        let mut resources = p.resources();
        let mut fonts = resources.fonts();
        for (i, font) in font_refs.iter().enumerate() {
            fonts.pair(Name(format!("F{i}").as_bytes()), *font);
        }
        fonts.finish();
        resources.finish();
        p.finish();
        pdf.stream(*content_ref, data).filter(Filter::FlateDecode);
    }

    for (used, type0) in writer.fonts.iter().zip(&font_refs) {
        let refs = FontRefs {
            type0: *type0,
            cid: alloc(),
            descriptor: alloc(),
            cmap: alloc(),
            file: alloc(),
        };
        write_font(&mut pdf, &mut writer.deflate, used, &refs)?;
    }

    let (y, m, d) = meta.date;
    let date = Date::new(u16::try_from(y).ok()?).month(m).day(d);
    pdf.document_info(info)
        .title(TextStr(meta.title))
        .creator(TextStr(meta.creator))
        .creation_date(date);
    let id = format!("{:032x}", typst::utils::hash128(&meta.ident)).into_bytes();
    pdf.set_file_id((id.clone(), id));
    Some(pdf.finish())
}

struct FontRefs {
    type0: Ref,
    cid: Ref,
    descriptor: Ref,
    cmap: Ref,
    file: Ref,
}

impl Writer {
    fn frame(&mut self, out: &mut Vec<u8>, frame: &Frame, ts: Transform) -> Option<()> {
        for (pos, item) in frame.items() {
            match item {
                FrameItem::Group(group) => {
                    if group.clip.is_some() {
                        return None;
                    }
                    let inner = ts
                        .pre_concat(Transform::translate(pos.x, pos.y))
                        .pre_concat(group.transform);
                    self.frame(out, &group.frame, inner)?;
                }
                FrameItem::Text(text) => self.text(out, text, *pos, ts)?,
                FrameItem::Tag(_) => {}
                FrameItem::Shape(..) | FrameItem::Image(..) | FrameItem::Link(..) => return None,
            }
        }
        Some(())
    }

    fn font(&mut self, font: &FontInstance) -> Option<usize> {
        if let Some(&i) = self.index.get(font) {
            return Some(i);
        }
        // TrueType outlines, no variations: what the letters' fonts are.
        if !font.variations().0.is_empty() || font.ttf().tables().glyf.is_none() {
            return None;
        }
        let i = self.fonts.len();
        let count = usize::from(font.ttf().number_of_glyphs());
        self.fonts.push(UsedFont {
            font: font.clone(),
            forward: vec![0; count],
            order: vec![0],
            advance: vec![font.x_advance(0)?.get() * 1000.0],
            text: vec![String::new()],
        });
        self.index.insert(font.clone(), i);
        Some(i)
    }

    fn text(
        &mut self,
        out: &mut Vec<u8>,
        text: &TextItem,
        pos: Point,
        ts: Transform,
    ) -> Option<()> {
        if text.stroke.is_some() || text.fill != Paint::Solid(Color::BLACK) {
            return None;
        }
        let f = self.font(&text.font)?;
        let used = &mut self.fonts[f];
        // Glyph space is y-up: flip it back inside the page's y-down space.
        let m = ts.pre_concat(Transform::translate(pos.x, pos.y));
        out.extend_from_slice(b"BT\n/F");
        push_int(out, f);
        out.push(b' ');
        push_num(out, text.size.to_pt());
        out.extend_from_slice(b" Tf\n");
        for v in [
            m.sx.get(),
            m.ky.get(),
            -m.kx.get(),
            -m.sy.get(),
            m.tx.to_pt(),
            m.ty.to_pt(),
        ] {
            push_num(out, v);
            out.push(b' ');
        }
        out.extend_from_slice(b"Tm\n[");
        let mut open = false;
        // Shift still owed before the next glyph, in thousandths of an em.
        let mut pending = 0.0f64;
        for glyph in &text.glyphs {
            if glyph.y_offset.get() != 0.0 || glyph.y_advance.get() != 0.0 {
                return None;
            }
            let chars = text.text.get(glyph.range()).unwrap_or_default();
            let (new, natural) = used.glyph(glyph.id, chars)?;
            pending += glyph.x_offset.get() * 1000.0;
            if pending.abs() > 0.001 {
                if open {
                    out.push(b'>');
                    open = false;
                }
                // A positive TJ number moves left.
                push_num(out, -pending);
            }
            if !open {
                out.push(b'<');
                open = true;
            }
            push_hex(out, new);
            pending = (glyph.x_advance.get() - glyph.x_offset.get()) * 1000.0 - natural;
        }
        if open {
            out.push(b'>');
        }
        out.extend_from_slice(b"] TJ\nET\n");
        Some(())
    }

    /// Deflates `data` with the writer's compressor, reset between streams.
    fn compress(&mut self, data: &[u8]) -> Option<Vec<u8>> {
        deflate(&mut self.deflate, data)
    }
}

fn deflate(c: &mut Compress, data: &[u8]) -> Option<Vec<u8>> {
    c.reset();
    let mut out = Vec::with_capacity(data.len() / 3 + 64);
    loop {
        let before = c.total_in();
        let offset = usize::try_from(before).ok()?;
        let status = c
            .compress_vec(&data[offset..], &mut out, FlushCompress::Finish)
            .ok()?;
        match status {
            Status::StreamEnd => return Some(out),
            Status::Ok | Status::BufError => out.reserve(out.len().max(1024)),
        }
    }
}

fn write_font(
    pdf: &mut Pdf,
    deflate_with: &mut Compress,
    used: &UsedFont,
    refs: &FontRefs,
) -> Option<()> {
    let font = &used.font;
    let remapper = GlyphRemapper::new_from_glyphs(&used.order[1..]);
    let data = subsetter::subset(font.data().as_slice(), font.index(), &remapper).ok()?;
    let file = deflate(deflate_with, &data)?;
    let name = base_font_name(used);

    pdf.type0_font(refs.type0)
        .base_font(Name(name.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(refs.cid)
        .to_unicode(refs.cmap);

    let upem = font.units_per_em();
    let to_pdf = |units: f64| (units / upem * 1000.0) as f32;
    let mut cid = pdf.cid_font(refs.cid);
    cid.subtype(CidFontType::Type2)
        .base_font(Name(name.as_bytes()))
        .system_info(SYSTEM_INFO)
        .font_descriptor(refs.descriptor)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    let widths: Vec<f32> = used.advance.iter().map(|w| *w as f32).collect();
    cid.widths().consecutive(0, widths);
    cid.finish();

    let ttf = font.ttf();
    let bbox = ttf.global_bounding_box();
    let mut flags = FontFlags::SYMBOLIC;
    flags.set(FontFlags::FIXED_PITCH, ttf.is_monospaced());
    flags.set(FontFlags::ITALIC, ttf.italic_angle() != 0.0);
    let ascent = to_pdf(f64::from(ttf.ascender()));
    let weight = f32::from(ttf.weight().to_number());
    pdf.font_descriptor(refs.descriptor)
        .name(Name(name.as_bytes()))
        .flags(flags)
        .bbox(Rect::new(
            to_pdf(f64::from(bbox.x_min)),
            to_pdf(f64::from(bbox.y_min)),
            to_pdf(f64::from(bbox.x_max)),
            to_pdf(f64::from(bbox.y_max)),
        ))
        .italic_angle(ttf.italic_angle())
        .ascent(ascent)
        .descent(to_pdf(f64::from(ttf.descender())))
        .cap_height(
            ttf.capital_height()
                .map_or(ascent, |h| to_pdf(f64::from(h))),
        )
        .stem_v(10.0 + 0.244 * (weight - 50.0))
        .font_file2(refs.file);

    let mut cmap = UnicodeCmap::new(Name(b"Custom"), SYSTEM_INFO);
    for (gid, text) in used.text.iter().enumerate() {
        if let (Ok(gid), false) = (u16::try_from(gid), text.is_empty()) {
            cmap.pair_with_multiple(gid, text.chars());
        }
    }
    let cmap = cmap.finish();
    pdf.cmap(refs.cmap, cmap.as_slice());

    let length = i32::try_from(data.len()).ok()?;
    pdf.stream(refs.file, &file)
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), length);
    Some(())
}

/// `ABCDEF+PostScriptName`: a subset tag derived from the glyphs kept, as PDF
/// readers expect of subset fonts.
fn base_font_name(used: &UsedFont) -> String {
    let mut hash = typst::utils::hash128(&used.order);
    let mut name = String::with_capacity(48);
    for _ in 0..6 {
        name.push(char::from(b'A' + (hash % 26) as u8));
        hash /= 26;
    }
    let ps = used
        .font
        .font()
        .info()
        .family
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>();
    let bold = if used.font.ttf().is_bold() {
        "-Bold"
    } else {
        ""
    };
    let _ = write!(name, "+{ps}{bold}");
    name
}

/// Writes a number with at most three decimals, as content streams expect.
fn push_num(out: &mut Vec<u8>, v: f64) {
    let milli = (v * 1000.0).round() as i64;
    if milli < 0 {
        out.push(b'-');
    }
    let milli = milli.unsigned_abs();
    push_int(out, usize::try_from(milli / 1000).unwrap_or(usize::MAX));
    let frac = milli % 1000;
    if frac != 0 {
        out.push(b'.');
        let digits = [frac / 100, frac / 10 % 10, frac % 10];
        let keep = if frac.is_multiple_of(100) {
            1
        } else if frac.is_multiple_of(10) {
            2
        } else {
            3
        };
        out.extend(digits[..keep].iter().map(|d| b'0' + *d as u8));
    }
}

fn push_int(out: &mut Vec<u8>, v: usize) {
    let mut digits = [0u8; 20];
    let mut n = v;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

fn push_hex(out: &mut Vec<u8>, v: u16) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for shift in [12, 8, 4, 0] {
        out.push(HEX[usize::from((v >> shift) & 0xF)]);
    }
}

#[cfg(test)]
mod tests {
    use super::{Meta, push_hex, push_int, push_num, write};
    use crate::model::{PrintSize, Wording, sample_decision};
    use typst::layout::{Abs, FrameItem, Point, Size};
    use typst::syntax::Span;
    use typst::visualize::{Color, Geometry};

    #[test]
    fn anything_but_black_glyph_runs_is_left_to_typsts_exporter() {
        let letter = sample_decision(PrintSize::Standard, Wording::Standard).expect("sample");
        let document = crate::render::layout(&letter).expect("layout");
        let meta = Meta {
            title: "t",
            creator: "Guichet",
            date: (2026, 3, 12),
            ident: "i",
        };
        let plain = write(document.pages(), &meta).expect("a letter is only glyph runs");
        assert!(plain.starts_with(b"%PDF-"));
        let mut page = document.pages()[0].clone();
        let square = Geometry::Rect(Size::splat(Abs::pt(10.0))).filled(Color::BLACK);
        page.frame
            .push(Point::zero(), FrameItem::Shape(square, Span::detached()));
        assert!(write(&[page], &meta).is_none());
    }

    fn num(v: f64) -> String {
        let mut out = Vec::new();
        push_num(&mut out, v);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn numbers_are_written_as_content_streams_expect() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(1.5), "1.5");
        assert_eq!(num(-2.25), "-2.25");
        assert_eq!(num(12.3456), "12.346");
        assert_eq!(num(841.89), "841.89");
        assert_eq!(num(-0.0004), "0");
        assert_eq!(num(f64::NAN), "0");
        let mut out = Vec::new();
        push_int(&mut out, 1_234_567);
        push_hex(&mut out, 0x0A1F);
        assert_eq!(
            out,
            b"1234567"
                .iter()
                .chain(b"0A1F")
                .copied()
                .collect::<Vec<u8>>()
        );
    }
}
