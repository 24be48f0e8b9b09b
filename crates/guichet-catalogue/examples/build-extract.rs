//! Rebuilds the shipped extract without the full binary:
//! `cargo run --release -p guichet-catalogue --example build-extract -- <package> <out>`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let (Some(package), Some(out)) = (args.next(), args.next()) else {
        return Err("usage: build-extract <package .tgz or folder> <out .jsonl.gz>".into());
    };
    guichet_catalogue::cli::write_extract(package.as_ref(), out.as_ref(), &mut std::io::stdout())?;
    Ok(())
}
