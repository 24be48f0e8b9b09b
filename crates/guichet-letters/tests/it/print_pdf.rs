//! The printer's PDF (the lean writer of `print_pdf.rs`) against typst's own
//! exporter (used for accessible PDFs): rasterised by poppler, the pages must
//! look the same, and the text must still extract.

use std::path::Path;
use std::process::Command;

use guichet_letters::{Letter, Output, PrintSize, Wording, render, render_set, sample_decision};

/// Grey pixels of each page at 72 dpi, by poppler's `pdftoppm`.
fn raster(pdf: &[u8], dir: &Path, name: &str) -> Vec<Vec<u8>> {
    let file = dir.join(format!("{name}.pdf"));
    std::fs::write(&file, pdf).expect("write pdf");
    let prefix = dir.join(name);
    let status = Command::new("pdftoppm")
        .args(["-r", "72", "-gray"])
        .arg(&file)
        .arg(&prefix)
        .status()
        .expect("pdftoppm (Debian package poppler-utils, installed by scripts/test)");
    assert!(status.success(), "pdftoppm failed on {name}");
    let mut pages: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{name}-")) && n.ends_with(".pgm"))
        })
        .collect();
    pages.sort();
    pages
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).expect("pgm");
            // P5 header: magic, width, height, maxval, then one byte per pixel.
            let mut fields = 0;
            let mut at = 0;
            while fields < 4 {
                while bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
                while !bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
                fields += 1;
            }
            bytes[at + 1..].to_vec()
        })
        .collect()
}

/// Share of pixels that differ by more than an eighth of the grey range.
fn differing(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len(), "same page size");
    let n = a
        .iter()
        .zip(b)
        .filter(|(x, y)| x.abs_diff(**y) > 32)
        .count();
    n as f64 / a.len() as f64
}

fn letter(size: PrintSize, wording: Wording, salutation: &str) -> Letter {
    let mut letter = sample_decision(size, wording).expect("sample");
    letter.salutation = salutation.into();
    letter
}

#[test]
fn print_pdf_looks_like_typsts_export() {
    let dir = tempfile::tempdir().expect("tmp");
    for (i, (size, wording)) in [
        (PrintSize::Standard, Wording::Standard),
        (PrintSize::LargePrint, Wording::Standard),
        (PrintSize::Standard, Wording::EasyToRead),
    ]
    .into_iter()
    .enumerate()
    {
        let l = letter(size, wording, "Madame,");
        let print = render(&l, Output::Print).expect("print");
        let typst = render(&l, Output::Accessible).expect("typst");
        assert_ne!(print.pdf, typst.pdf);
        let ours = raster(&print.pdf, dir.path(), &format!("print{i}"));
        let theirs = raster(&typst.pdf, dir.path(), &format!("typst{i}"));
        assert_eq!(ours.len(), print.pages);
        assert_eq!(ours.len(), theirs.len());
        // A control, both by typst's exporter: the same letter with another
        // salutation. Ours must differ from typst's far less than that (only by
        // anti-aliasing), so a misplaced line or a missing glyph would show.
        let other = render(&letter(size, wording, "Monsieur,"), Output::Accessible).expect("other");
        let control = raster(&other.pdf, dir.path(), &format!("other{i}"));
        let control_diff = differing(&control[0], &theirs[0]);
        for (page, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            let diff = differing(a, b);
            assert!(
                diff * 5.0 < control_diff,
                "letter {i} page {page}: {diff} of pixels differ from typst's export \
                 (another salutation: {control_diff})"
            );
        }
    }
}

#[test]
fn print_pdf_text_extracts_and_fonts_are_embedded() {
    let dir = tempfile::tempdir().expect("tmp");
    let letters: Vec<Letter> = ["Madame,", "Monsieur,"]
        .iter()
        .map(|s| letter(PrintSize::Standard, Wording::Standard, s))
        .collect();
    let set = render_set(&letters.iter().collect::<Vec<_>>());
    let pdf = set.pdf.expect("pdf");
    let file = dir.path().join("set.pdf");
    std::fs::write(&file, &pdf).expect("write");
    let out = Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    for line in letters[0].recipient.lines() {
        assert!(text.contains(line.as_str()), "{line:?} in {text}");
    }
    for needle in [
        "Monsieur,",
        "Madame,",
        "Voies et délais de recours",
        "Page 1/1",
    ] {
        assert!(text.contains(needle), "{needle:?} in {text}");
    }
    let fonts = Command::new("pdffonts")
        .arg(&file)
        .output()
        .expect("pdffonts (poppler-utils)");
    let listing = String::from_utf8_lossy(&fonts.stdout);
    let rows: Vec<&str> = listing.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{listing}");
    for row in rows {
        // name, type, encoding, emb, sub, uni, …
        assert!(row.contains("CID TrueType"), "{row}");
        assert!(
            row.contains("yes yes yes"),
            "embedded, subset, ToUnicode: {row}"
        );
    }
}
