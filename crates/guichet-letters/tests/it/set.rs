//! Sets of letters typeset together for the printer: each prints exactly as alone.

use guichet_letters::render::{layout, layout_set, placed_texts};
use guichet_letters::{
    Letter, LetterError, LetterKind, Output, PrintSize, Wording, render, render_set,
    sample_decision,
};

fn page_texts(pages: &[typst_layout::Page]) -> Vec<Vec<String>> {
    pages
        .iter()
        .map(|p| {
            let mut t: Vec<String> = placed_texts(&p.frame)
                .into_iter()
                .map(|t| format!("{:.2} {:.2} {}", t.x, t.baseline, t.text))
                .collect();
            t.sort();
            t
        })
        .collect()
}

fn varied() -> Vec<Letter> {
    let mut out = Vec::new();
    for (i, (size, wording)) in [
        (PrintSize::Standard, Wording::Standard),
        (PrintSize::LargePrint, Wording::Standard),
        (PrintSize::Standard, Wording::EasyToRead),
        (PrintSize::LargePrint, Wording::EasyToRead),
        (PrintSize::Standard, Wording::Standard),
    ]
    .into_iter()
    .enumerate()
    {
        let mut letter = sample_decision(size, wording).expect("sample");
        letter.salutation = format!("Madame {i},");
        out.push(letter);
    }
    out
}

#[test]
fn each_letter_of_a_set_prints_exactly_as_alone() {
    let letters = varied();
    let refs: Vec<&Letter> = letters.iter().collect();
    let (set, results) = layout_set(&refs);
    let set = set.expect("set");
    assert_eq!(results.len(), letters.len());
    let mut multi_page = 0;
    let mut start = 0;
    for (letter, pages) in letters.iter().zip(&results) {
        let pages = *pages.as_ref().expect("typeset");
        let alone = layout(letter).expect("alone");
        assert_eq!(pages, alone.pages().len());
        multi_page += usize::from(pages > 1);
        assert_eq!(
            page_texts(&set.pages()[start..start + pages]),
            page_texts(alone.pages()),
            "letter {} differs in the set",
            letter.salutation
        );
        start += pages;
    }
    assert!(multi_page >= 1, "the set holds a letter of several pages");
    assert_eq!(start, set.pages().len());
}

#[test]
fn the_set_pdf_holds_every_page_in_order() {
    let letters = varied();
    let refs: Vec<&Letter> = letters.iter().collect();
    let set = render_set(&refs);
    let pages: Vec<usize> = set
        .letters
        .iter()
        .map(|r| *r.as_ref().expect("rendered"))
        .collect();
    let alone: Vec<usize> = letters
        .iter()
        .map(|l| render(l, Output::Print).expect("alone").pages)
        .collect();
    assert_eq!(pages, alone);
    let pdf = lopdf::Document::load_mem(&set.pdf.expect("pdf")).expect("valid PDF");
    assert_eq!(pdf.get_pages().len(), alone.iter().sum::<usize>());
}

#[test]
fn a_letter_at_fault_is_left_out_and_the_others_print() {
    let mut letters = varied();
    letters[1].body.push("Nom d’usage : 王小明".into());
    letters[3].kind = LetterKind::Decision {
        legal_mentions: vec![],
    };
    let refs: Vec<&Letter> = letters.iter().collect();
    let set = render_set(&refs);
    assert!(matches!(
        set.letters[1],
        Err(LetterError::UnsupportedCharacters(_))
    ));
    assert!(matches!(set.letters[3], Err(LetterError::Content(_))));
    let good: usize = [0, 2, 4]
        .iter()
        .map(|&i| *set.letters[i].as_ref().expect("good letter"))
        .sum();
    let pdf = lopdf::Document::load_mem(&set.pdf.expect("pdf")).expect("valid PDF");
    assert_eq!(pdf.get_pages().len(), good);
    let document = layout_set(&refs).0.expect("the good letters");
    assert_eq!(document.pages().len(), good);
}

#[test]
fn a_set_of_only_bad_letters_gives_no_pdf() {
    let mut letter = sample_decision(PrintSize::Standard, Wording::Standard).expect("sample");
    letter.subject = " ".into();
    let set = render_set(&[&letter, &letter]);
    assert!(set.pdf.is_none());
    assert!(
        set.letters
            .iter()
            .all(|r| matches!(r, Err(LetterError::Content(_))))
    );
}
