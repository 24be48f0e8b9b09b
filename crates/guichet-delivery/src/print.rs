//! Print batches: one PDF per postage class and a CSV manifest, as files.
//!
//! The printing provider receives a batch as a folder: `BATCH-CLASS.pdf` for
//! each postage class and `BATCH-manifest.csv` (letter id, case reference,
//! postage class, file, first page, pages, postcode), sorted by postcode within
//! each class, which is how letters are pre-sorted for La Poste. Letters arrive
//! already ordered from the store and are rendered in sets of [`SET`] letters (one
//! PDF per set, so fonts are embedded once per set), the sets in parallel (worker
//! processes or threads, see [`crate::render_workers`]), then
//! appended in order, so memory stays flat whatever the batch size. Files
//! are written under a `.part` name and renamed only when complete: a full disk
//! leaves no half batch behind that could be mistaken for a finished one.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use guichet_letters::{AppendError, Letter, PdfBatchWriter};
use guichet_notify::payload::PostageClass;

use guichet_notify::NotifyError;

/// One letter waiting for print.
#[derive(Debug, Clone)]
pub struct BatchLetter {
    pub letter_id: String,
    pub case_reference: String,
    pub postage: PostageClass,
    pub letter: Letter,
}

/// What a finished batch contains.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchSummary {
    pub files: Vec<PathBuf>,
    /// Letters in the batch, with their page count.
    pub included: Vec<(String, usize)>,
    /// Letters that could not be typeset, with the reason; they stay out of the batch.
    pub rejected: Vec<(String, String)>,
    pub pages: usize,
}

/// Opens the files of a batch; tests inject a writer that fails like a full disk.
pub trait BatchSink {
    fn create(&self, path: &Path) -> io::Result<Box<dyn Write + Send>>;
}

/// Writes real files.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileSink;

impl BatchSink for FileSink {
    fn create(&self, path: &Path) -> io::Result<Box<dyn Write + Send>> {
        Ok(Box::new(BufWriter::with_capacity(
            1 << 20,
            File::create(path)?,
        )))
    }
}

/// Letters read from the input at a time.
const CHUNK: usize = 256;
/// Letters typeset into one PDF: large enough to embed the fonts once for many
/// letters, small enough to keep both cores busy and memory low.
pub const SET: usize = 32;

/// Threads that typeset letters. Typst lays out recursively and needs more stack than the
/// 2 MiB rayon gives its threads by default (optimised builds overflowed it).
pub fn render_pool() -> &'static rayon::ThreadPool {
    static POOL: std::sync::LazyLock<rayon::ThreadPool> = std::sync::LazyLock::new(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(64 << 20)
            .thread_name(|i| format!("letters-{i}"))
            .build()
            .unwrap_or_else(|_| {
                rayon::ThreadPoolBuilder::new()
                    .build()
                    .unwrap_or_else(|e| panic!("no thread for letters: {e}"))
            })
    });
    &POOL
}

fn io_err(what: &Path, e: io::Error) -> NotifyError {
    NotifyError::Transient(format!("écriture de {} impossible : {e}", what.display()))
}

/// Writes a batch from letters sorted by (postage class name, postcode), the store's order.
pub fn write_batch<I>(
    dir: &Path,
    batch_id: &str,
    letters: I,
    sink: &dyn BatchSink,
) -> Result<BatchSummary, NotifyError>
where
    I: IntoIterator<Item = Result<BatchLetter, NotifyError>>,
{
    let mut parts: Vec<PathBuf> = Vec::new();
    let result = write_parts(dir, batch_id, letters, sink, &mut parts);
    match result {
        Ok(mut summary) => {
            for part in &parts {
                let done = part.with_extension("");
                fs::rename(part, &done).map_err(|e| io_err(&done, e))?;
                summary.files.push(done);
            }
            Ok(summary)
        }
        Err(e) => {
            for part in &parts {
                let _ = fs::remove_file(part);
            }
            Err(e)
        }
    }
}

struct OpenPdf {
    class: PostageClass,
    file_name: String,
    path: PathBuf,
    writer: PdfBatchWriter<Box<dyn Write + Send>>,
}

fn write_parts<I>(
    dir: &Path,
    batch_id: &str,
    letters: I,
    sink: &dyn BatchSink,
    parts: &mut Vec<PathBuf>,
) -> Result<BatchSummary, NotifyError>
where
    I: IntoIterator<Item = Result<BatchLetter, NotifyError>>,
{
    let mut summary = BatchSummary::default();
    let manifest_path = dir.join(format!("{batch_id}-manifest.csv.part"));
    parts.push(manifest_path.clone());
    let manifest_file = sink
        .create(&manifest_path)
        .map_err(|e| io_err(&manifest_path, e))?;
    let mut manifest = csv::Writer::from_writer(manifest_file);
    manifest
        .write_record([
            "letter_id",
            "case_reference",
            "postage_class",
            "file",
            "first_page",
            "pages",
            "postcode",
        ])
        .map_err(|e| io_err(&manifest_path, e.into()))?;
    let mut current: Option<OpenPdf> = None;
    let mut last_key: Option<(&'static str, String)> = None;
    let mut iter = letters.into_iter();
    loop {
        let chunk: Vec<BatchLetter> = iter.by_ref().take(CHUNK).collect::<Result<_, _>>()?;
        if chunk.is_empty() {
            break;
        }
        for item in &chunk {
            let key = (
                item.postage.as_str(),
                item.letter.recipient.postcode().to_owned(),
            );
            if last_key.as_ref().is_some_and(|last| *last > key) {
                return Err(NotifyError::Permanent(
                    "les lettres d’un lot doivent arriver triées par tarif puis code postal".into(),
                ));
            }
            last_key = Some(key);
        }
        // Letters of one postage class are rendered in sets (one PDF each, fonts
        // embedded once), the sets in parallel, then appended in order.
        let sets: Vec<&[BatchLetter]> = chunk
            .chunk_by(|a, b| a.postage == b.postage)
            .flat_map(|run| run.chunks(SET))
            .collect();
        let letter_sets: Vec<Vec<&Letter>> = sets
            .iter()
            .map(|set| set.iter().map(|l| &l.letter).collect())
            .collect();
        let rendered = crate::render_workers::render_sets(&letter_sets)?;
        for (set, result) in sets.into_iter().zip(rendered) {
            let Some(class) = set.first().map(|l| l.postage) else {
                continue;
            };
            let Some(pdf) = result.pdf else {
                for (item, r) in set.iter().zip(result.letters) {
                    let why = r.err().map(|e| e.to_string()).unwrap_or_default();
                    summary.rejected.push((item.letter_id.clone(), why));
                }
                continue;
            };
            if current.as_ref().is_none_or(|c| c.class != class) {
                if let Some(done) = current.take() {
                    done.writer.finish().map_err(|e| io_err(&done.path, e))?;
                }
                let file_name = format!("{batch_id}-{}.pdf", class.as_str());
                let path = dir.join(format!("{file_name}.part"));
                parts.push(path.clone());
                let out = sink.create(&path).map_err(|e| io_err(&path, e))?;
                let writer = PdfBatchWriter::new(out).map_err(|e| io_err(&path, e))?;
                current = Some(OpenPdf {
                    class,
                    file_name,
                    path,
                    writer,
                });
            }
            let Some(open) = current.as_mut() else {
                continue;
            };
            let mut first_page = open.writer.page_count() + 1;
            let expected: usize = result.letters.iter().flatten().sum();
            match open.writer.append(&pdf) {
                Ok(n) if n == expected => {}
                Ok(n) => {
                    return Err(NotifyError::Permanent(format!(
                        "le PDF d’un groupe de lettres compte {n} pages au lieu de {expected}"
                    )));
                }
                Err(AppendError::Io(e)) => return Err(io_err(&open.path, e)),
                Err(AppendError::Letter(e)) => {
                    for item in set {
                        summary
                            .rejected
                            .push((item.letter_id.clone(), e.to_string()));
                    }
                    continue;
                }
            }
            for (item, r) in set.iter().zip(result.letters) {
                let pages = match r {
                    Ok(pages) => pages,
                    Err(e) => {
                        summary
                            .rejected
                            .push((item.letter_id.clone(), e.to_string()));
                        continue;
                    }
                };
                manifest
                    .write_record([
                        item.letter_id.as_str(),
                        item.case_reference.as_str(),
                        item.postage.as_str(),
                        open.file_name.as_str(),
                        &first_page.to_string(),
                        &pages.to_string(),
                        item.letter.recipient.postcode(),
                    ])
                    .map_err(|e| io_err(&manifest_path, e.into()))?;
                first_page += pages;
                summary.pages += pages;
                summary.included.push((item.letter_id.clone(), pages));
            }
        }
    }
    if let Some(done) = current.take() {
        done.writer.finish().map_err(|e| io_err(&done.path, e))?;
    }
    let mut inner = manifest
        .into_inner()
        .map_err(|e| io_err(&manifest_path, e.into_error()))?;
    inner.flush().map_err(|e| io_err(&manifest_path, e))?;
    Ok(summary)
}
