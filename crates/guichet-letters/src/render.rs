//! Typesetting: the letter model in, PDF bytes out, with typst as a library.
//!
//! The typst source is fixed and compiled into the binary; the letter's data is
//! handed to it as a JSON file served from memory, so user text is never parsed
//! as markup and typst's memoisation reuses the parsed template across letters.
//! Fonts are embedded: rendering reads nothing from disk and needs no network.
//! After layout, two guards run on the typeset pages: no glyph may be missing
//! from every font (no blank boxes), and nothing but the address may sit in the
//! envelope window.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::layout::{Abs, Frame, FrameItem, Transform};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::error::LetterError;
use crate::model::{Letter, LetterKind, french_date};

const TEMPLATE: &str = include_str!("letter.typ");

static EMBEDDED_FONTS: [&[u8]; 4] = [
    include_bytes!("../fonts/LiberationSans-Regular.ttf"),
    include_bytes!("../fonts/LiberationSans-Bold.ttf"),
    include_bytes!("../fonts/DejaVuSans.ttf"),
    include_bytes!("../fonts/DejaVuSans-Bold.ttf"),
];

/// The envelope window on an A4 sheet folded in three for a DL envelope, with
/// the margin the sheet can slide inside the envelope: (left, top, right, bottom) in mm.
pub const WINDOW_MM: (f64, f64, f64, f64) = (100.0, 40.0, 210.0, 100.0);

/// What the PDF is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Tagged PDF/UA-1, for email attachments and downloads read by screen readers.
    Accessible,
    /// Untagged PDF for the printer: smaller and faster.
    Print,
}

/// A typeset letter.
#[derive(Debug, Clone)]
pub struct RenderedLetter {
    pub pdf: Vec<u8>,
    pub pages: usize,
}

struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    main: Source,
    data_id: FileId,
}

static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let fonts: Vec<Font> = EMBEDDED_FONTS
        .iter()
        .copied()
        .chain(typst_assets::fonts())
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    let main_id = file_id("/letter.typ");
    Shared {
        library: LazyHash::new(Library::builder().build()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
        main: Source::new(main_id, TEMPLATE.to_owned()),
        data_id: file_id("/letter.json"),
    }
});

fn file_id(path: &str) -> FileId {
    // The paths are constants above; an invalid one is caught by every test.
    let vpath =
        VirtualPath::new(path).unwrap_or_else(|_| VirtualPath::new("/").expect("root path"));
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

static RENDERED: AtomicUsize = AtomicUsize::new(0);

struct LetterWorld {
    data: Bytes,
    today: Datetime,
}

impl World for LetterWorld {
    fn library(&self) -> &LazyHash<Library> {
        &SHARED.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &SHARED.book
    }
    fn main(&self) -> FileId {
        SHARED.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == SHARED.main.id() {
            Ok(SHARED.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == SHARED.data_id {
            Ok(self.data.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn font(&self, index: usize) -> Option<Font> {
        SHARED.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

/// The JSON view of a letter that the typst template reads.
#[derive(Serialize)]
struct TemplateData<'a> {
    title: String,
    sender: &'a crate::model::Sender,
    recipient: &'a crate::address::PostalAddress,
    place: &'a str,
    date_text: String,
    reference: &'a Option<crate::model::Reference>,
    subject: &'a str,
    salutation: &'a str,
    body: &'a [String],
    legal_mentions: &'a [String],
    closing: &'a str,
    signature: &'a crate::model::Signature,
    size: crate::model::PrintSize,
    wording: crate::model::Wording,
    /// Typeset the footer as "Page 1/1" without the page counter.
    single_page: bool,
}

/// Lays out a letter and returns its PDF. Pure: no file, no clock, no network.
pub fn render(letter: &Letter, output: Output) -> Result<RenderedLetter, LetterError> {
    let document = layout(letter)?;
    let pages = document.pages().len();
    let mut options = PdfOptions {
        ident: Smart::Custom(format!("{}-{}", letter.recipient.postcode(), letter.date)),
        creator: Smart::Custom(Some("Guichet".into())),
        timestamp: Datetime::from_ymd(letter.date.year_ce().1 as i32, month(letter), day(letter))
            .map(Timestamp::new_utc),
        ..PdfOptions::default()
    };
    match output {
        Output::Accessible => {
            options.standards = PdfStandards::new(&[PdfStandard::Ua_1])
                .map_err(|e| LetterError::Render(e.message().to_string()))?;
        }
        Output::Print => options.tagged = false,
    }
    let pdf = typst_pdf::pdf(&document, &options)
        .map_err(|diags| LetterError::Render(diagnostics(&diags)))?;
    // typst memoises layout work in a global cache; letters share the template
    // but not their text, so old entries are dropped regularly to keep memory flat.
    if RENDERED.fetch_add(1, Ordering::Relaxed) % 64 == 63 {
        typst::comemo::evict(3);
    }
    Ok(RenderedLetter { pdf, pages })
}

use chrono::Datelike;
fn month(letter: &Letter) -> u8 {
    u8::try_from(letter.date.month()).unwrap_or(1)
}
fn day(letter: &Letter) -> u8 {
    u8::try_from(letter.date.day()).unwrap_or(1)
}

/// Typesets the letter and runs the guards, without exporting.
pub fn layout(letter: &Letter) -> Result<PagedDocument, LetterError> {
    letter.check()?;
    let legal_mentions: &[String] = match &letter.kind {
        LetterKind::Decision { legal_mentions } => legal_mentions,
        LetterKind::Information => &[],
    };
    let mut data = TemplateData {
        title: format!("Courrier – {}", letter.sender.name),
        sender: &letter.sender,
        recipient: &letter.recipient,
        place: &letter.place,
        date_text: french_date(letter.date),
        reference: &letter.reference,
        subject: &letter.subject,
        salutation: &letter.salutation,
        body: &letter.body,
        legal_mentions,
        closing: &letter.closing,
        signature: &letter.signature,
        size: letter.size,
        wording: letter.wording,
        single_page: true,
    };
    let today = Datetime::from_ymd(letter.date.year(), month(letter), day(letter))
        .ok_or_else(|| LetterError::Content("Date de la lettre invalide.".into()))?;
    let compile = |data: &TemplateData| -> Result<PagedDocument, LetterError> {
        let json = serde_json::to_vec(data).map_err(|e| LetterError::Render(e.to_string()))?;
        let world = LetterWorld {
            data: Bytes::new(json),
            today,
        };
        typst::compile(&world)
            .output
            .map_err(|diags| LetterError::Render(diagnostics(&diags)))
    };
    // Most letters fit one page: typeset with a fixed "Page 1/1" footer first
    // (one layout pass), and again with the page counter only if they do not.
    let mut document = compile(&data)?;
    if document.pages().len() != 1 {
        data.single_page = false;
        document = compile(&data)?;
    }
    check_glyphs(&document)?;
    check_window(&document, letter)?;
    Ok(document)
}

fn diagnostics(diags: &[SourceDiagnostic]) -> String {
    diags
        .iter()
        .map(|d| {
            let hints: Vec<&str> = d.hints.iter().map(|h| h.v.as_str()).collect();
            if hints.is_empty() {
                d.message.to_string()
            } else {
                format!("{} ({})", d.message, hints.join("; "))
            }
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// A text run placed on a page, in page coordinates (points).
#[derive(Debug, Clone)]
pub struct PlacedText {
    pub x: f64,
    pub baseline: f64,
    pub width: f64,
    pub size: f64,
    pub text: String,
    pub font_family: String,
    /// Characters drawn with the font's "missing glyph" box.
    pub missing: Vec<char>,
}

/// Every text run of a page with its position, for the guards and for tests.
pub fn placed_texts(frame: &Frame) -> Vec<PlacedText> {
    let mut out = Vec::new();
    walk(frame, Transform::identity(), &mut out);
    out
}

fn walk(frame: &Frame, ts: Transform, out: &mut Vec<PlacedText>) {
    for (pos, item) in frame.items() {
        match item {
            FrameItem::Group(group) => {
                let inner = ts
                    .pre_concat(Transform::translate(pos.x, pos.y))
                    .pre_concat(group.transform);
                walk(&group.frame, inner, out);
            }
            FrameItem::Text(text) => {
                let p = pos.transform(ts);
                let missing = text
                    .glyphs
                    .iter()
                    .filter(|g| g.id == 0)
                    .flat_map(|g| text.text.get(g.range()).unwrap_or_default().chars())
                    .filter(|c| !c.is_whitespace())
                    .collect();
                out.push(PlacedText {
                    x: p.x.to_pt(),
                    baseline: p.y.to_pt(),
                    width: text.width().to_pt(),
                    size: text.size.to_pt(),
                    text: text.text.to_string(),
                    font_family: text.font.font().info().family.clone(),
                    missing,
                });
            }
            _ => {}
        }
    }
}

fn check_glyphs(document: &PagedDocument) -> Result<(), LetterError> {
    let mut missing: Vec<char> = document
        .pages()
        .iter()
        .flat_map(|page| placed_texts(&page.frame))
        .flat_map(|t| t.missing)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    missing.sort_unstable();
    missing.dedup();
    let listed: Vec<String> = missing
        .iter()
        .map(|c| format!("« {c} » (U+{:04X})", u32::from(*c)))
        .collect();
    Err(LetterError::UnsupportedCharacters(listed.join(", ")))
}

fn mm(v: f64) -> f64 {
    Abs::mm(v).to_pt()
}

/// Only the address, one line per baseline, may intersect the window area.
fn check_window(document: &PagedDocument, letter: &Letter) -> Result<(), LetterError> {
    let Some(first) = document.pages().first() else {
        return Err(LetterError::Render("document vide".into()));
    };
    let (l, t, r, b) = WINDOW_MM;
    let (l, t, r, b) = (mm(l), mm(t), mm(r), mm(b));
    let mut inside: Vec<PlacedText> = placed_texts(&first.frame)
        .into_iter()
        .filter(|p| {
            let top = p.baseline - p.size;
            let bottom = p.baseline + p.size * 0.3;
            p.x < r && p.x + p.width > l && bottom > t && top < b
        })
        .collect();
    inside.sort_by(|a, b| a.baseline.total_cmp(&b.baseline).then(a.x.total_cmp(&b.x)));
    let mut lines: Vec<(f64, String)> = Vec::new();
    for p in inside {
        match lines.last_mut() {
            Some((y, text)) if (p.baseline - *y).abs() < 0.5 => text.push_str(&p.text),
            _ => lines.push((p.baseline, p.text)),
        }
    }
    let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let got: Vec<String> = lines.iter().map(|(_, s)| squash(s)).collect();
    let want: Vec<String> = letter.recipient.lines().iter().map(|s| squash(s)).collect();
    if got != want {
        let extra: Vec<&String> = got.iter().filter(|g| !want.contains(g)).collect();
        return Err(LetterError::WindowLeak(if extra.is_empty() {
            "l’adresse ne tient pas sur ses lignes".into()
        } else {
            format!("{extra:?}")
        }));
    }
    Ok(())
}
