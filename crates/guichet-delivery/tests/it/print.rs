//! Print batch files: one PDF per postage class, a manifest sorted by postcode,
//! and nothing left behind when the disk fills up.

use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use guichet_delivery::print::{BatchLetter, BatchSink, FileSink, write_batch};
use guichet_letters::{PostalAddress, PrintSize, Wording, sample_decision};
use guichet_notify::NotifyError;
use guichet_notify::payload::PostageClass;

fn letter(id: usize, postcode: &str, postage: PostageClass) -> BatchLetter {
    let mut letter = sample_decision(PrintSize::Standard, Wording::Standard).expect("sample");
    letter.recipient = PostalAddress::new([
        format!("Personne {id}"),
        "1 rue de la Paix".into(),
        format!("{postcode} VILLE"),
    ])
    .expect("address");
    if id.is_multiple_of(3) {
        letter.size = PrintSize::LargePrint;
    }
    BatchLetter {
        letter_id: format!("L{id}"),
        case_reference: format!("D-2026-{id:06}"),
        postage,
        letter,
    }
}

fn sorted_letters() -> Vec<BatchLetter> {
    let mut v = vec![
        letter(1, "13001", PostageClass::Standard),
        letter(2, "69003", PostageClass::Standard),
        letter(3, "75011", PostageClass::Standard),
        letter(4, "01000", PostageClass::Registered),
        letter(5, "97400", PostageClass::Registered),
    ];
    v.sort_by(|a, b| {
        (a.postage.as_str(), a.letter.recipient.postcode())
            .cmp(&(b.postage.as_str(), b.letter.recipient.postcode()))
    });
    v
}

#[test]
fn one_pdf_per_class_and_a_sorted_manifest() {
    let dir = tempfile::tempdir().expect("tmp");
    let summary = write_batch(
        dir.path(),
        "B1",
        sorted_letters().into_iter().map(Ok),
        &FileSink,
    )
    .expect("batch");
    assert_eq!(summary.included.len(), 5, "{:?}", summary.rejected);
    assert!(summary.rejected.is_empty());
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec!["B1-manifest.csv", "B1-registered.pdf", "B1-standard.pdf"]
    );
    let manifest = std::fs::read_to_string(dir.path().join("B1-manifest.csv")).expect("manifest");
    let rows: Vec<Vec<String>> = manifest
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    let postcodes: Vec<&str> = rows.iter().map(|r| r[6].as_str()).collect();
    assert_eq!(postcodes, vec!["01000", "97400", "13001", "69003", "75011"]);
    for class in ["standard", "registered"] {
        let pdf =
            lopdf::Document::load(dir.path().join(format!("B1-{class}.pdf"))).expect("valid pdf");
        let class_rows: Vec<&Vec<String>> = rows.iter().filter(|r| r[2] == class).collect();
        let pages: usize = class_rows
            .iter()
            .map(|r| r[5].parse::<usize>().expect("pages"))
            .sum();
        assert_eq!(pdf.get_pages().len(), pages, "{class}");
        // First pages follow each other.
        let mut next = 1;
        for r in class_rows {
            assert_eq!(r[4].parse::<usize>().expect("first"), next);
            next += r[5].parse::<usize>().expect("pages");
        }
    }
    assert_eq!(
        summary.pages,
        rows.iter()
            .map(|r| r[5].parse::<usize>().expect("p"))
            .sum::<usize>()
    );
}

#[test]
fn unsorted_input_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut v = sorted_letters();
    v.swap(0, 2);
    assert!(write_batch(dir.path(), "B2", v.into_iter().map(Ok), &FileSink).is_err());
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("ls").count(),
        0,
        "no partial files left"
    );
}

#[test]
fn a_letter_that_cannot_be_typeset_stays_out_and_is_reported() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut v = sorted_letters();
    let bad = v.iter_mut().find(|l| l.letter_id == "L2").expect("L2");
    bad.letter.body.push("王小明".into());
    let summary = write_batch(dir.path(), "B3", v.into_iter().map(Ok), &FileSink).expect("batch");
    assert_eq!(summary.included.len(), 4);
    assert_eq!(summary.rejected.len(), 1);
    assert_eq!(summary.rejected[0].0, "L2");
}

/// Fails like a full disk once a shared byte budget is spent.
struct FullDisk {
    budget: Arc<AtomicUsize>,
}

struct Limited {
    inner: std::fs::File,
    budget: Arc<AtomicUsize>,
}

impl Write for Limited {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let left = self.budget.load(Ordering::SeqCst);
        if left < buf.len() {
            return Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "No space left on device",
            ));
        }
        self.budget.fetch_sub(buf.len(), Ordering::SeqCst);
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl BatchSink for FullDisk {
    fn create(&self, path: &Path) -> io::Result<Box<dyn Write + Send>> {
        Ok(Box::new(Limited {
            inner: std::fs::File::create(path)?,
            budget: self.budget.clone(),
        }))
    }
}

#[test]
fn full_disk_is_transient_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().expect("tmp");
    let sink = FullDisk {
        budget: Arc::new(AtomicUsize::new(60_000)),
    };
    let err = write_batch(
        dir.path(),
        "B4",
        sorted_letters().into_iter().map(Ok),
        &sink,
    )
    .expect_err("disk full");
    assert!(matches!(err, NotifyError::Transient(_)), "{err}");
    assert!(err.to_string().contains("No space left"), "{err}");
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("ls").count(),
        0,
        "no partial files left"
    );
    // Same letters, room on the disk: the batch is complete.
    write_batch(
        dir.path(),
        "B4",
        sorted_letters().into_iter().map(Ok),
        &FileSink,
    )
    .expect("retry works");
}
