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

use ecow::EcoVec;
use serde::Serialize;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::layout::{Abs, Frame, FrameItem, GroupItem, Point, Transform};
use typst::model::Document as _;
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook, TextItem};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::{Page, PagedDocument};
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::error::LetterError;
use crate::model::{Letter, LetterKind, PrintSize, french_date};

const TEMPLATE: &str = include_str!("letter.typ");
const FOOTER: &str = include_str!("footer.typ");

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
    footer: Source,
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
        footer: Source::new(file_id("/footer.typ"), FOOTER.to_owned()),
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
    /// `SHARED.main` (a letter) or `SHARED.footer` (its footers).
    main: FileId,
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
        self.main
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == SHARED.main.id() {
            Ok(SHARED.main.clone())
        } else if id == SHARED.footer.id() {
            Ok(SHARED.footer.clone())
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

/// Text as the template sets it: runs that alternate between text that may break across lines
/// (even indices) and text that must stay on one line (odd indices: a case reference, a
/// follow-up code, a phone number, a date), which the template puts in a `box`.
type Runs = Vec<String>;

/// The JSON view of a letter that the typst template reads.
#[derive(Serialize)]
struct LetterData<'a> {
    sender_name: &'a str,
    sender_lines: Vec<Runs>,
    recipient: &'a crate::address::PostalAddress,
    /// « Saint-Clair-sur-Lys, le 12 mars 2026 ».
    place_date: Runs,
    reference: &'a Option<crate::model::Reference>,
    subject: Runs,
    salutation: &'a str,
    body: Vec<Runs>,
    legal_mentions: Vec<Runs>,
    closing: &'a str,
    signature: &'a crate::model::Signature,
    size: crate::model::PrintSize,
    wording: crate::model::Wording,
    /// Body text, in points.
    body_size: u32,
    /// Footer text, in points.
    footer_size: u32,
    /// « Dossier REFERENCE », or empty.
    case_line: String,
    /// The letter's page count: 1 typesets a fixed "Page 1/1" footer without
    /// the page counter (one layout pass); with more, the template typesets no
    /// footer and Rust adds them (`add_footers`), unless `page_footers`.
    pages: usize,
    /// For a tagged PDF: a letter of several pages gets typst's own page
    /// footers (read from the page counter, marked as artifacts) instead of
    /// footers added after layout, which the structure tree would not mark.
    page_footers: bool,
}

impl<'a> LetterData<'a> {
    fn new(letter: &'a Letter, pages: usize, output: Output) -> Self {
        let legal_mentions: &[String] = match &letter.kind {
            LetterKind::Decision { legal_mentions } => legal_mentions,
            LetterKind::Information => &[],
        };
        let codes: Vec<&str> = letter
            .reference
            .iter()
            .flat_map(|r| [r.case_reference.as_str(), r.follow_up_code.as_str()])
            .collect();
        let runs = |text: &str| keep_together(text, &codes);
        LetterData {
            sender_name: &letter.sender.name,
            sender_lines: letter.sender.lines.iter().map(|l| runs(l)).collect(),
            recipient: &letter.recipient,
            place_date: runs(&format!(
                "{}, le {}",
                letter.place,
                french_date(letter.date)
            )),
            reference: &letter.reference,
            subject: runs(&letter.subject),
            salutation: &letter.salutation,
            body: letter.body.iter().map(|p| runs(p)).collect(),
            legal_mentions: legal_mentions.iter().map(|p| runs(p)).collect(),
            closing: &letter.closing,
            signature: &letter.signature,
            size: letter.size,
            wording: letter.wording,
            body_size: body_size(letter.size),
            footer_size: footer_size(letter.size),
            case_line: case_line(letter),
            pages,
            page_footers: output == Output::Accessible,
        }
    }
}

/// Splits `text` into runs that alternate between breakable text and what must never be split
/// across lines: the `codes` given (a case reference, a follow-up code), French phone numbers
/// (« 03 20 00 00 00 », « +33 3 20 00 00 00 ») and dates written out (« 12 mars 2026 »).
pub fn keep_together(text: &str, codes: &[&str]) -> Vec<String> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for code in codes.iter().filter(|c| !c.is_empty()) {
        spans.extend(text.match_indices(code).map(|(i, m)| (i, i + m.len())));
    }
    spans.extend(phone_numbers(text));
    spans.extend(dates(text));
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start < last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    let mut runs = Vec::with_capacity(merged.len() * 2 + 1);
    let mut at = 0;
    for (start, end) in merged {
        runs.push(text[at..start].to_owned());
        runs.push(text[start..end].to_owned());
        at = end;
    }
    runs.push(text[at..].to_owned());
    runs
}

/// Byte spans of French phone numbers: ten digits from a 0 (or « +33 » and nine), in groups
/// separated by single spaces, dots or no-break spaces (letters keep them on one line; the
/// search results make them `tel:` links).
pub fn phone_numbers(text: &str) -> Vec<(usize, usize)> {
    let bytes: Vec<(usize, char)> = text.char_indices().collect();
    let is_sep = |c: char| matches!(c, ' ' | '.' | '\u{a0}' | '\u{202f}');
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let (start, c) = bytes[i];
        let boundary = i == 0 || !bytes[i - 1].1.is_alphanumeric();
        if !(boundary && (c == '0' || c == '+')) {
            i += 1;
            continue;
        }
        let mut j = i + usize::from(c == '+');
        let mut digits = 0;
        let mut last_digit = None;
        while j < bytes.len() {
            let ch = bytes[j].1;
            if ch.is_ascii_digit() {
                digits += 1;
                last_digit = Some(j);
                j += 1;
            } else if is_sep(ch)
                && last_digit == Some(j - 1)
                && bytes.get(j + 1).is_some_and(|n| n.1.is_ascii_digit())
            {
                j += 1;
            } else {
                break;
            }
        }
        let ok = if c == '+' { digits == 11 } else { digits == 10 };
        match last_digit {
            Some(end) if ok && bytes.get(end + 1).is_none_or(|n| !n.1.is_alphanumeric()) => {
                let end_byte = bytes.get(end + 1).map_or(text.len(), |n| n.0);
                out.push((start, end_byte));
                i = end + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// Byte spans of dates written out the French way (« 1er mars 2026 », « 12 mars 2026 »).
fn dates(text: &str) -> Vec<(usize, usize)> {
    const MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let mut out = Vec::new();
    for month in MONTHS {
        for (at, _) in text.match_indices(month) {
            let before = &text[..at];
            let after = &text[at + month.len()..];
            let Some(day_end) = before.strip_suffix(' ').map(str::len) else {
                continue;
            };
            let day_start = before[..day_end]
                .rfind(|c: char| !(c.is_ascii_digit() || c == 'e' || c == 'r'))
                .map_or(0, |i| {
                    i + before[i..].chars().next().map_or(1, char::len_utf8)
                });
            let day = &before[day_start..day_end];
            let is_day = !day.is_empty()
                && (day == "1er" || (day.len() <= 2 && day.chars().all(|c| c.is_ascii_digit())));
            let year: String = after
                .strip_prefix(' ')
                .map(|a| a.chars().take_while(char::is_ascii_digit).collect())
                .unwrap_or_default();
            if is_day && year.len() == 4 {
                out.push((day_start, at + month.len() + 1 + year.len()));
            }
        }
    }
    out
}

/// The whole data file: document metadata and the letter.
#[derive(Serialize)]
struct FileData<'a> {
    title: String,
    author: &'a str,
    letter: LetterData<'a>,
}

/// Lays out a letter and returns its PDF. Pure: no file, no clock, no network.
pub fn render(letter: &Letter, output: Output) -> Result<RenderedLetter, LetterError> {
    let document = layout_for(letter, output)?;
    let pages = document.pages().len();
    let pdf = export(&document, letter, output, 1)?;
    Ok(RenderedLetter { pdf, pages })
}

/// Letters rendered into one PDF, for a print batch.
#[derive(Debug, Clone)]
pub struct RenderedSet {
    /// The PDF of every letter that could be typeset, in input order; `None`
    /// when none could.
    pub pdf: Option<Vec<u8>>,
    /// Per input letter: its page count in `pdf`, or why it was left out.
    pub letters: Vec<Result<usize, LetterError>>,
}

/// Renders several letters into one PDF, each on its own sheets exactly as if
/// rendered alone, for the printer (untagged). Each letter is typeset as its
/// own typst document, which lets typst reuse the layout of everything letters
/// share, and the pages are then exported together, so the fonts are subset,
/// compressed and embedded once per set instead of once per letter (that was
/// 40 % of the cost of a letter). A letter that cannot be typeset is left out
/// with its own error; the others still print.
pub fn render_set(letters: &[&Letter]) -> RenderedSet {
    let (document, mut results) = layout_set(letters);
    let first = letters
        .iter()
        .zip(&results)
        .find_map(|(l, r)| r.is_ok().then_some(*l));
    let (Some(document), Some(first)) = (document, first) else {
        return RenderedSet {
            pdf: None,
            letters: results,
        };
    };
    let kept = results.iter().filter(|r| r.is_ok()).count();
    match export(&document, first, Output::Print, kept) {
        Ok(pdf) => RenderedSet {
            pdf: Some(pdf),
            letters: results,
        },
        Err(e) => {
            for r in results.iter_mut().filter(|r| r.is_ok()) {
                *r = Err(e.clone());
            }
            RenderedSet {
                pdf: None,
                letters: results,
            }
        }
    }
}

/// Typesets each letter alone, runs the guards, and gathers the pages of those
/// that pass into one document (`None` when none passes), with each letter's
/// page count or error, in order.
pub fn layout_set(letters: &[&Letter]) -> (Option<PagedDocument>, Vec<Result<usize, LetterError>>) {
    let mut pages: EcoVec<Page> = EcoVec::new();
    let mut info = None;
    let mut results = Vec::with_capacity(letters.len());
    for letter in letters {
        match layout(letter) {
            Ok(document) => {
                results.push(Ok(document.pages().len()));
                info.get_or_insert_with(|| document.info().clone());
                pages.extend(document.pages().iter().cloned());
            }
            Err(e) => results.push(Err(e)),
        }
    }
    let document = info.map(|mut info| {
        let kept = results.iter().filter(|r| r.is_ok()).count();
        if kept > 1 {
            info.title = Some(format!("Lot de {kept} courriers").into());
        }
        PagedDocument::new(pages, info)
    });
    (document, results)
}

fn export(
    document: &PagedDocument,
    first: &Letter,
    output: Output,
    letters: usize,
) -> Result<Vec<u8>, LetterError> {
    if output == Output::Print {
        let title = document.info().title.as_deref().unwrap_or_default();
        let meta = crate::print_pdf::Meta {
            title,
            creator: "Guichet",
            date: (first.date.year(), month(first), day(first)),
            ident: &format!("{}-{}-{title}", first.recipient.postcode(), first.date),
        };
        if let Some(pdf) = crate::print_pdf::write(document.pages(), &meta) {
            evict_now_and_then(letters);
            return Ok(pdf);
        }
    }
    let mut options = PdfOptions {
        ident: Smart::Custom(format!("{}-{}", first.recipient.postcode(), first.date)),
        creator: Smart::Custom(Some("Guichet".into())),
        timestamp: Datetime::from_ymd(first.date.year(), month(first), day(first))
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
    let pdf = typst_pdf::pdf(document, &options)
        .map_err(|diags| LetterError::Render(diagnostics(&diags)))?;
    evict_now_and_then(letters);
    Ok(pdf)
}

/// typst memoises layout work in a global cache; letters share the template
/// but not their text, so old entries are dropped regularly to keep memory flat.
fn evict_now_and_then(letters: usize) {
    let before = RENDERED.fetch_add(letters, Ordering::Relaxed);
    if before / 64 != (before + letters) / 64 {
        typst::comemo::evict(3);
    }
}

use chrono::Datelike;
fn month(letter: &Letter) -> u8 {
    u8::try_from(letter.date.month()).unwrap_or(1)
}
fn day(letter: &Letter) -> u8 {
    u8::try_from(letter.date.day()).unwrap_or(1)
}

/// Typesets the letter for the printer and runs the guards, without exporting.
pub fn layout(letter: &Letter) -> Result<PagedDocument, LetterError> {
    layout_for(letter, Output::Print)
}

/// Typesets the letter for `output` and runs the guards, without exporting.
/// The two differ only in how a letter of several pages gets its footers.
pub fn layout_for(letter: &Letter, output: Output) -> Result<PagedDocument, LetterError> {
    letter.check()?;
    let document = typeset(letter, output)?;
    check_glyphs(document.pages())?;
    check_window(document.pages(), letter)?;
    Ok(document)
}

/// Typesets a letter: first as one page with a fixed footer (no introspection
/// pass), and again with its page count if it runs over.
fn typeset(letter: &Letter, output: Output) -> Result<PagedDocument, LetterError> {
    let today = Datetime::from_ymd(letter.date.year(), month(letter), day(letter))
        .ok_or_else(|| LetterError::Content("Date de la lettre invalide.".into()))?;
    // Large print with legal mentions rarely fits one page: start from two.
    let mut pages = match letter.size {
        PrintSize::LargePrint => 2,
        PrintSize::Standard => 1,
    };
    // Two rounds suffice: the footer has the same height whatever the count,
    // so the count cannot change; a third is a safety margin.
    for _ in 0..3 {
        let data = FileData {
            title: format!("Courrier – {}", letter.sender.name),
            author: &letter.sender.name,
            letter: LetterData::new(letter, pages, output),
        };
        let json = serde_json::to_vec(&data).map_err(|e| LetterError::Render(e.to_string()))?;
        let world = LetterWorld {
            main: SHARED.main.id(),
            data: Bytes::new(json),
            today,
        };
        let document = typst::compile::<PagedDocument>(&world)
            .output
            .map_err(|diags| LetterError::Render(diagnostics(&diags)))?;
        if document.pages().len() == pages {
            return if pages > 1 && output == Output::Print {
                add_footers(document, letter, today)
            } else {
                Ok(document)
            };
        }
        pages = document.pages().len();
    }
    Err(LetterError::Render(
        "la pagination ne se stabilise pas".into(),
    ))
}

/// Where a footer's block starts, from the top of an A4 page: the body ends
/// 22 mm above the bottom edge and the footer sits 30 % into that margin, as a
/// one-page letter's footer in letter.typ.
const FOOTER_TOP_MM: f64 = 297.0 - 22.0 + 0.3 * 22.0;
/// The left margin, where the footer line starts.
const FOOTER_LEFT_MM: f64 = 20.0;

/// The size of a letter's text, in points: 11 at least, 16 in large print. (The address in
/// the window is set at 10 pt whatever the size, so that six lines of 38 characters fit it.)
fn body_size(size: PrintSize) -> u32 {
    match size {
        PrintSize::LargePrint => 16,
        PrintSize::Standard => 11,
    }
}

/// The size of a letter's footer, in points.
fn footer_size(size: PrintSize) -> u32 {
    match size {
        PrintSize::LargePrint => 16,
        PrintSize::Standard => 11,
    }
}

/// A letter's footer text on the left: its case reference.
fn case_line(letter: &Letter) -> String {
    letter
        .reference
        .as_ref()
        .map(|r| format!("Dossier {}", r.case_reference))
        .unwrap_or_default()
}

/// Adds its footer (case reference, « Page i/N ») to each page of a letter
/// that runs over one page, typeset apart from the letter (footer.typ).
fn add_footers(
    document: PagedDocument,
    letter: &Letter,
    today: Datetime,
) -> Result<PagedDocument, LetterError> {
    let total = document.pages().len();
    let json = serde_json::json!({
        "footer_size": footer_size(letter.size),
        "pages": total,
        "case_line": case_line(letter),
    });
    let world = LetterWorld {
        main: SHARED.footer.id(),
        data: Bytes::new(json.to_string().into_bytes()),
        today,
    };
    let footers = typst::compile::<PagedDocument>(&world)
        .output
        .map_err(|diags| LetterError::Render(diagnostics(&diags)))?;
    if footers.pages().len() != total {
        return Err(LetterError::Render(format!(
            "{} pieds de page pour {total} pages",
            footers.pages().len()
        )));
    }
    let at = Point::new(Abs::mm(FOOTER_LEFT_MM), Abs::mm(FOOTER_TOP_MM));
    let mut pages: EcoVec<Page> = EcoVec::with_capacity(total);
    for (page, footer) in document.pages().iter().zip(footers.pages()) {
        let mut page = page.clone();
        page.frame
            .push(at, FrameItem::Group(GroupItem::new(footer.frame.clone())));
        pages.push(page);
    }
    Ok(PagedDocument::new(pages, document.info().clone()))
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
    visit_texts(frame, Transform::identity(), &mut |at, text| {
        out.push(placed(at, text));
    });
    out
}

/// Calls `f` with each text run of a frame and where its baseline starts on the page.
fn visit_texts(frame: &Frame, ts: Transform, f: &mut impl FnMut(Point, &TextItem)) {
    for (pos, item) in frame.items() {
        match item {
            FrameItem::Group(group) => {
                let inner = ts
                    .pre_concat(Transform::translate(pos.x, pos.y))
                    .pre_concat(group.transform);
                visit_texts(&group.frame, inner, f);
            }
            FrameItem::Text(text) => f(pos.transform(ts), text),
            _ => {}
        }
    }
}

fn placed(at: Point, text: &TextItem) -> PlacedText {
    PlacedText {
        x: at.x.to_pt(),
        baseline: at.y.to_pt(),
        width: text.width().to_pt(),
        size: text.size.to_pt(),
        text: text.text.to_string(),
        font_family: text.font.font().info().family.clone(),
        missing: missing_chars(text).collect(),
    }
}

/// Characters of a text run drawn with the font's "missing glyph" box.
fn missing_chars(text: &TextItem) -> impl Iterator<Item = char> + '_ {
    text.glyphs
        .iter()
        .filter(|g| g.id == 0)
        .flat_map(|g| text.text.get(g.range()).unwrap_or_default().chars())
        .filter(|c| !c.is_whitespace())
}

fn check_glyphs(pages: &[Page]) -> Result<(), LetterError> {
    let mut missing: Vec<char> = Vec::new();
    for page in pages {
        visit_texts(&page.frame, Transform::identity(), &mut |_, text| {
            missing.extend(missing_chars(text));
        });
    }
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
fn check_window(pages: &[Page], letter: &Letter) -> Result<(), LetterError> {
    let Some(first) = pages.first() else {
        return Err(LetterError::Render("document vide".into()));
    };
    let (l, t, r, b) = WINDOW_MM;
    let (l, t, r, b) = (mm(l), mm(t), mm(r), mm(b));
    let mut inside: Vec<PlacedText> = Vec::new();
    visit_texts(&first.frame, Transform::identity(), &mut |at, text| {
        let (x, baseline, size) = (at.x.to_pt(), at.y.to_pt(), text.size.to_pt());
        let (top, bottom) = (baseline - size, baseline + size * 0.3);
        if x < r && bottom > t && top < b && x + text.width().to_pt() > l {
            inside.push(placed(at, text));
        }
    });
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
