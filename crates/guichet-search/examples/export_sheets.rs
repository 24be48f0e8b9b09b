//! Writes the searchable text of every shipped sheet and demo procedure as JSON lines, for
//! experiments outside the engine (dense embeddings of the corpus):
//!
//! ```sh
//! cargo run --release -p guichet-search --example export_sheets -- sheets.jsonl
//! ```
//!
//! One line per document: `id`, `kind` (`sheet` or `procedure`), `title`, `breadcrumb` (without
//! the audience's home), `description` and `body` (empty for a procedure, whose result card is
//! all the index shows of it).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use guichet_catalogue::OperatorDirectory;
use guichet_search::SearchIndex;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).ok_or("usage: export_sheets FILE")?;
    let (_, sheets) = guichet_catalogue::extract::shipped()?;
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guichet-catalogue/demo");
    let defs = guichet_catalogue::definition::load_dir(&demo)?;
    let index = SearchIndex::build(
        &sheets,
        &defs,
        &OperatorDirectory::shipped()?,
        &BTreeMap::new(),
    )?;
    let mut file = std::io::BufWriter::new(std::fs::File::create(&out)?);
    for s in &sheets {
        let line = serde_json::json!({
            "id": s.id.as_str(),
            "kind": "sheet",
            "title": s.title,
            "breadcrumb": s.breadcrumb.iter().skip(1).collect::<Vec<_>>(),
            "description": s.description,
            "body": s.body,
        });
        writeln!(file, "{line}")?;
    }
    for id in index.ids().filter(|id| index.is_procedure(id)) {
        let Some(hit) = index.get(id) else { continue };
        let line = serde_json::json!({
            "id": hit.id,
            "kind": "procedure",
            "title": hit.title,
            "breadcrumb": Vec::<String>::new(),
            "description": hit.description,
            "body": "",
        });
        writeln!(file, "{line}")?;
    }
    file.flush()?;
    Ok(())
}
