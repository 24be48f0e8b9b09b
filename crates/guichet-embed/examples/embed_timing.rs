//! Times the embedding of queries and passages, single-threaded, and prints the cosine of each
//! query with the first passage, to compare with the Python package by eye:
//!
//! ```sh
//! cargo run --release -p guichet-embed --example embed_timing -- "refaire mon passeport" …
//! ```

use guichet_embed::{Embedder, locate_model};

#[allow(clippy::disallowed_methods)] // reads the clock to measure, decides nothing
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let start = std::time::Instant::now();
    let e = Embedder::load(&locate_model()?)?;
    println!("load: {:?}", start.elapsed());
    let texts: Vec<String> = std::env::args().skip(1).collect();
    let queries = if texts.is_empty() {
        vec!["changer l'adresse sur ma carte grise".to_owned()]
    } else {
        texts
    };
    for q in &queries {
        let ids = e.token_ids("query: ", q);
        let mut times = Vec::new();
        for _ in 0..20 {
            let start = std::time::Instant::now();
            std::hint::black_box(e.embed_query(q));
            times.push(start.elapsed());
        }
        times.sort();
        println!(
            "{} tokens, median {:?}: {q}",
            ids.len(),
            times[times.len() / 2]
        );
    }
    let passage = "Carte grise : changement d'adresse. Transports > Carte grise. En cas de \
                   déménagement, vous devez modifier l'adresse de votre carte grise dans le mois.";
    let start = std::time::Instant::now();
    let p = e.embed_passage(passage);
    println!(
        "passage of {} tokens: {:?}",
        e.token_ids("passage: ", passage).len(),
        start.elapsed()
    );
    for q in &queries {
        let v = e.embed_query(q);
        println!(
            "cosine {:.4}: {q}",
            v.iter().zip(&p).map(|(a, b)| a * b).sum::<f32>()
        );
    }
    Ok(())
}
