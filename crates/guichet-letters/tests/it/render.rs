//! Rendering: what a person reads, where it sits on the page, what the window shows.

use guichet_letters::render::{PlacedText, WINDOW_MM, layout, placed_texts};
use guichet_letters::{
    LetterError, LetterKind, Output, PostalAddress, PrintSize, Wording, render, sample_decision,
};

fn mm(pt: f64) -> f64 {
    pt / 72.0 * 25.4
}

/// Lines of a page as a person reads them: runs grouped by baseline.
fn lines(texts: &[PlacedText]) -> Vec<String> {
    let mut sorted = texts.to_vec();
    sorted.sort_by(|a, b| a.baseline.total_cmp(&b.baseline).then(a.x.total_cmp(&b.x)));
    let mut out: Vec<(f64, String)> = Vec::new();
    for t in sorted {
        match out.last_mut() {
            Some((y, s)) if (t.baseline - *y).abs() < 0.5 => {
                s.push(' ');
                s.push_str(&t.text);
            }
            _ => out.push((t.baseline, t.text.clone())),
        }
    }
    out.into_iter().map(|(_, s)| s).collect()
}

#[test]
fn decision_letter_reads_right() {
    let letter = sample_decision(PrintSize::Standard, Wording::Standard).expect("sample");
    let doc = layout(&letter).expect("layout");
    let text: Vec<String> = doc
        .pages()
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            let mut v = vec![format!("--- page {}", i + 1)];
            v.extend(lines(&placed_texts(&p.frame)));
            v
        })
        .collect();
    insta::assert_snapshot!("decision_standard", text.join("\n"));
}

#[test]
fn address_sits_in_the_window_and_nothing_else_does() {
    for size in [PrintSize::Standard, PrintSize::LargePrint] {
        let letter = sample_decision(size, Wording::Standard).expect("sample");
        let doc = layout(&letter).expect("layout");
        let texts = placed_texts(&doc.pages()[0].frame);
        let (l, t, r, b) = WINDOW_MM;
        let in_window: Vec<&PlacedText> = texts
            .iter()
            .filter(|p| {
                mm(p.x) < r
                    && mm(p.x + p.width) > l
                    && mm(p.baseline) > t
                    && mm(p.baseline - p.size) < b
            })
            .collect();
        let joined: String = in_window
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join("|");
        for line in letter.recipient.lines() {
            assert!(
                joined.contains(line.as_str()),
                "{line} not in window: {joined}"
            );
        }
        assert!(
            !joined.contains("Objet"),
            "subject shows through the window: {joined}"
        );
        assert!(
            !joined.contains("énergie"),
            "benefit shows through the window: {joined}"
        );
        assert!(
            !joined.contains("D-2026"),
            "reference shows through the window: {joined}"
        );
        assert_eq!(in_window.len(), letter.recipient.lines().len(), "{joined}");
        // The address block stays inside the window, with room to spare.
        for p in in_window {
            assert!(mm(p.x) >= 105.0 && mm(p.x + p.width) <= 200.0, "{p:?}");
            assert!(mm(p.baseline) >= 45.0 && mm(p.baseline) <= 95.0, "{p:?}");
        }
    }
}

#[test]
fn a_six_line_address_of_38_wide_characters_still_fits() {
    let wide = "W".repeat(38);
    let mut letter = sample_decision(PrintSize::LargePrint, Wording::Standard).expect("sample");
    letter.recipient = PostalAddress::new([
        wide.as_str(),
        wide.as_str(),
        wide.as_str(),
        wide.as_str(),
        wide.as_str(),
        "75001 PARIS",
    ])
    .expect("valid");
    let result = layout(&letter);
    // Either it fits the window on six lines, or the guard refuses it: never a cut address.
    match result {
        Ok(doc) => {
            let texts = placed_texts(&doc.pages()[0].frame);
            assert_eq!(texts.iter().filter(|t| t.text.contains(&wide)).count(), 5);
        }
        Err(e) => assert!(matches!(e, LetterError::WindowLeak(_)), "{e}"),
    }
}

#[test]
fn typical_long_address_fits_on_its_lines() {
    let mut letter = sample_decision(PrintSize::Standard, Wording::Standard).expect("sample");
    letter.recipient = PostalAddress::new([
        "MADAME MARIE-CHRISTINE DE LA FONTAINE",
        "APPARTEMENT 1204 ESCALIER C ETAGE 12",
        "RESIDENCE DU PARC DES COTEAUX BAT 4",
        "127 BOULEVARD DU GENERAL DE GAULLE",
        "BP 12345 SAINT-REMY-LES-CHEVREUSE",
        "78470 SAINT-REMY-LES-CHEVREUSE",
    ])
    .expect("valid");
    layout(&letter).expect("six full lines of capitals fit the window");
}

#[test]
fn large_print_is_at_least_16pt() {
    let letter = sample_decision(PrintSize::LargePrint, Wording::Standard).expect("sample");
    let doc = layout(&letter).expect("layout");
    let body: Vec<PlacedText> = doc
        .pages()
        .iter()
        .flat_map(|p| placed_texts(&p.frame))
        .filter(|t| t.text.contains("commission") || t.text.contains("recours"))
        .collect();
    assert!(!body.is_empty());
    assert!(body.iter().all(|t| t.size >= 16.0), "{body:?}");
    let standard =
        layout(&sample_decision(PrintSize::Standard, Wording::Standard).expect("s")).expect("l");
    assert!(
        doc.pages().len() > standard.pages().len(),
        "large print takes more pages"
    );
}

#[test]
fn page_numbers_read_n_of_total() {
    let letter = sample_decision(PrintSize::LargePrint, Wording::Standard).expect("sample");
    let doc = layout(&letter).expect("layout");
    let total = doc.pages().len();
    assert!(total >= 2);
    for (i, page) in doc.pages().iter().enumerate() {
        let all: String = placed_texts(&page.frame)
            .iter()
            .map(|t| t.text.clone())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            all.contains(&format!("{}/{total}", i + 1)),
            "page {}: {all}",
            i + 1
        );
    }
}

#[test]
fn characters_missing_from_the_main_font_use_the_fallback() {
    let mut letter = sample_decision(PrintSize::Standard, Wording::Standard).expect("sample");
    // Georgian and Armenian names: not in Liberation Sans, present in DejaVu Sans.
    letter.salutation = "Madame ნინო ბერიძე, Պարոն Արամ,".into();
    let doc = layout(&letter).expect("fallback font draws them");
    let texts = placed_texts(&doc.pages()[0].frame);
    let run = texts
        .iter()
        .find(|t| t.text.contains('ნ'))
        .expect("georgian run");
    assert_eq!(run.font_family, "DejaVu Sans");
    assert!(texts.iter().all(|t| t.missing.is_empty()));
}

#[test]
fn characters_in_no_font_are_refused_not_boxed() {
    let mut letter = sample_decision(PrintSize::Standard, Wording::Standard).expect("sample");
    letter.body.push("Nom d’usage : 王小明".into());
    match layout(&letter) {
        Err(LetterError::UnsupportedCharacters(list)) => {
            assert!(list.contains('王'), "{list}");
        }
        other => panic!("expected UnsupportedCharacters, got {other:?}"),
    }
}

#[test]
fn user_text_is_never_markup() {
    let mut letter = sample_decision(PrintSize::Standard, Wording::Standard).expect("sample");
    letter.body = vec!["*gras* _x_ #panic(\"boom\") $x^2$ @ref <label> \\ ] [ } {".into()];
    let doc = layout(&letter).expect("layout");
    let all: String = doc
        .pages()
        .iter()
        .flat_map(|p| placed_texts(&p.frame))
        .map(|t| t.text)
        .collect();
    assert!(all.contains("*gras*"), "{all}");
    assert!(all.contains("#panic"), "{all}");
}

#[test]
fn a_decision_without_legal_mentions_is_refused() {
    let mut letter = sample_decision(PrintSize::Standard, Wording::Standard).expect("sample");
    letter.kind = LetterKind::Decision {
        legal_mentions: vec![],
    };
    assert!(matches!(layout(&letter), Err(LetterError::Content(_))));
}

#[test]
fn accessible_pdf_is_tagged_pdf_ua() {
    let letter = sample_decision(PrintSize::Standard, Wording::EasyToRead).expect("sample");
    let rendered = render(&letter, Output::Accessible).expect("render");
    assert!(rendered.pdf.starts_with(b"%PDF-"));
    let doc = lopdf::Document::load_mem(&rendered.pdf).expect("valid PDF");
    let catalog = doc.catalog().expect("catalog");
    assert!(catalog.has(b"StructTreeRoot"), "tagged");
    let lang = catalog.get(b"Lang").and_then(|l| l.as_str()).expect("lang");
    assert_eq!(lang, b"fr-FR");
    let raw = String::from_utf8_lossy(&rendered.pdf);
    assert!(
        raw.contains("pdfuaid"),
        "PDF/UA identification in XMP metadata"
    );
    let print = render(&letter, Output::Print).expect("render");
    let print_doc = lopdf::Document::load_mem(&print.pdf).expect("valid PDF");
    assert!(!print_doc.catalog().expect("catalog").has(b"StructTreeRoot"));
    assert_eq!(print_doc.get_pages().len(), rendered.pages);
}

#[test]
fn rendering_is_deterministic() {
    let letter = sample_decision(PrintSize::Standard, Wording::Standard).expect("sample");
    let a = render(&letter, Output::Print).expect("a");
    let b = render(&letter, Output::Print).expect("b");
    assert_eq!(a.pdf, b.pdf);
}

/// Baseline of the footer run that holds "Page", in mm from the top of the page.
fn footer_baseline(page: &typst_layout::Page) -> f64 {
    placed_texts(&page.frame)
        .iter()
        .find(|t| t.text.contains("Page"))
        .map(|t| mm(t.baseline))
        .expect("footer")
}

#[test]
fn one_page_and_longer_letters_put_the_footer_at_the_same_place() {
    let one = layout(&sample_decision(PrintSize::Standard, Wording::Standard).expect("s"))
        .expect("layout");
    assert_eq!(one.pages().len(), 1);
    let mut long = sample_decision(PrintSize::Standard, Wording::Standard).expect("s");
    long.body = vec![long.body[0].clone(); 12];
    let long = layout(&long).expect("layout");
    assert!(long.pages().len() >= 2);
    let placed = footer_baseline(&one.pages()[0]);
    // In the 22 mm bottom margin of the 297 mm page, and where typst puts page footers.
    assert!(placed > 297.0 - 22.0 && placed < 297.0, "{placed} mm");
    for page in long.pages() {
        let footer = footer_baseline(page);
        assert!((footer - placed).abs() < 0.5, "{footer} mm vs {placed} mm");
    }
}

#[test]
fn every_page_of_a_longer_letter_has_its_footer_and_stays_pdf_ua() {
    let letter = sample_decision(PrintSize::LargePrint, Wording::Standard).expect("sample");
    let doc = layout(&letter).expect("layout");
    let total = doc.pages().len();
    assert!(total >= 2, "large print runs over one page");
    for (i, page) in doc.pages().iter().enumerate() {
        let text: String = placed_texts(&page.frame)
            .iter()
            .flat_map(|t| t.text.chars())
            .filter(|c| !c.is_whitespace())
            .collect();
        assert!(text.contains(&format!("Page{}/{total}", i + 1)), "page {i}");
        assert!(text.contains("DossierD-2026-004217"), "page {i}");
        // Exactly one page number per page.
        assert_eq!(text.matches("Page").count(), 1, "page {i}");
    }
    let rendered = render(&letter, Output::Accessible).expect("tagged export");
    assert_eq!(rendered.pages, total);
    let pdf = lopdf::Document::load_mem(&rendered.pdf).expect("valid PDF");
    assert!(pdf.catalog().expect("catalog").has(b"StructTreeRoot"));
    assert_eq!(pdf.get_pages().len(), total);
}

#[test]
fn footers_of_tagged_letters_are_artifacts_where_printed_ones_are() {
    for size in [PrintSize::Standard, PrintSize::LargePrint] {
        let letter = sample_decision(size, Wording::Standard).expect("sample");
        let print = layout(&letter).expect("print layout");
        let tagged = guichet_letters::render::layout_for(&letter, Output::Accessible)
            .expect("tagged layout");
        assert_eq!(print.pages().len(), tagged.pages().len());
        for (p, t) in print.pages().iter().zip(tagged.pages()) {
            let (p, t) = (footer_baseline(p), footer_baseline(t));
            assert!((p - t).abs() < 0.5, "{size:?}: {t} mm vs {p} mm");
        }
        let rendered = render(&letter, Output::Accessible).expect("tagged export");
        let pdf = lopdf::Document::load_mem(&rendered.pdf).expect("valid PDF");
        for (number, id) in pdf.get_pages() {
            let content = pdf.get_page_content(id);
            let marked = String::from_utf8_lossy(&content);
            // Screen readers skip artifacts: the repeated footer is not read on every page.
            assert_eq!(
                marked
                    .matches("/Artifact<</Attached[/Bottom]/Subtype/Footer")
                    .count(),
                1,
                "{size:?} page {number}"
            );
        }
    }
}
