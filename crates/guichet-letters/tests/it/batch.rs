//! Streaming batch PDFs: pages appended in order, readable by a PDF library.

use guichet_letters::{Output, PdfBatchWriter, PrintSize, Wording, render, sample_decision};

#[test]
fn batch_holds_every_page_in_order() {
    let a = render(
        &sample_decision(PrintSize::Standard, Wording::Standard).expect("s"),
        Output::Print,
    )
    .expect("a");
    let b = render(
        &sample_decision(PrintSize::LargePrint, Wording::Standard).expect("s"),
        Output::Print,
    )
    .expect("b");
    let mut w = PdfBatchWriter::new(Vec::new()).expect("new");
    assert_eq!(w.append(&a.pdf).expect("append a"), a.pages);
    assert_eq!(w.append(&b.pdf).expect("append b"), b.pages);
    assert_eq!(w.append(&a.pdf).expect("append a"), a.pages);
    let bytes = w.finish().expect("finish");
    let doc = lopdf::Document::load_mem(&bytes).expect("batch is a valid PDF");
    let pages = doc.get_pages();
    assert_eq!(pages.len(), 2 * a.pages + b.pages);
    // Each page keeps its content and fonts.
    for (_, id) in pages {
        let dict = doc.get_dictionary(id).expect("page");
        assert!(dict.has(b"Resources") && dict.has(b"MediaBox") && dict.has(b"Contents"));
    }
}

#[test]
fn garbage_is_refused_without_corrupting_the_batch() {
    let a = render(
        &sample_decision(PrintSize::Standard, Wording::Standard).expect("s"),
        Output::Print,
    )
    .expect("a");
    let mut w = PdfBatchWriter::new(Vec::new()).expect("new");
    assert!(w.append(b"not a pdf").is_err());
    w.append(&a.pdf).expect("append");
    let bytes = w.finish().expect("finish");
    assert_eq!(
        lopdf::Document::load_mem(&bytes)
            .expect("valid")
            .get_pages()
            .len(),
        a.pages
    );
}
