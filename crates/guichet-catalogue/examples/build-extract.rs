//! Rebuilds the shipped extract without the full binary:
//! `cargo run --release -p guichet-catalogue --example build-extract -- <package> <out>`
//! (the same as `guichet catalogue extract <package> <out>`).

use std::path::Path;

use guichet_catalogue::{extract, vdd};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let (Some(package), Some(out)) = (args.next(), args.next()) else {
        return Err("usage: build-extract <package .tgz or folder> <out .jsonl.gz>".into());
    };
    let (package, out) = (Path::new(&package), Path::new(&out));
    let sheets = vdd::import(package)?;
    let header = extract::Header::for_package(&vdd::package_label(package), sheets.len());
    let size = extract::write_file(out, &header, &sheets)?;
    println!(
        "{} fiches écrites dans {} ({} octets).",
        sheets.len(),
        out.display(),
        size
    );
    Ok(())
}
