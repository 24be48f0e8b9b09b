//! Embeds each line of standard input as a query or a passage and prints its vector, numbers
//! separated by spaces, one line per input line: to compare with the Python package or to
//! embed a corpus from Rust.
//!
//! ```sh
//! cargo run --release -p guichet-embed --example embed_lines -- query < queries.txt
//! ```

use std::io::{BufRead, Write};

use guichet_embed::{Embedder, locate_model};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let query = match std::env::args().nth(1).as_deref() {
        Some("query") => true,
        Some("passage") => false,
        _ => return Err("usage: embed_lines query|passage < lines".into()),
    };
    let e = Embedder::load(&locate_model()?)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let v = if query {
            e.embed_query(&line)
        } else {
            e.embed_passage(&line)
        };
        let text: Vec<String> = v.iter().map(|x| x.to_string()).collect();
        writeln!(out, "{}", text.join(" "))?;
    }
    Ok(())
}
