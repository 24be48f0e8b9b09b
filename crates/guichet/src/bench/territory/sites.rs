#![allow(clippy::disallowed_methods)] // a benchmark reads the clock to measure elapsed time
//! Stage 4: site selection for all French communes — every commune a demand point and a
//! candidate site, 30 minutes by the estimated network, 100 sites chosen by lazy greedy
//! maximum cover.

use std::path::Path;
use std::time::Instant;

use guichet_places::LatLon;
use guichet_territory::{Network, cover_sets, lazy_greedy_max_cover};

use super::timing::secs;

/// Chooses the sites and prints the figures; the time in seconds, `None` without the
/// communes file.
pub(super) fn measure(data: &Path) -> anyhow::Result<Option<f64>> {
    let mut mclp_s = None;
    let communes_path = data.join("communes-2026.csv");
    if let Ok(f) = std::fs::File::open(&communes_path) {
        let set = guichet_places::load_communes(std::io::BufReader::new(f))?;
        let pts: Vec<(LatLon, u64)> = set
            .communes
            .iter()
            .filter_map(|c| Some((c.point?, u64::from(c.population.unwrap_or(0)))))
            .collect();
        let demand: Vec<LatLon> = pts.iter().map(|p| p.0).collect();
        let weights: Vec<u64> = pts.iter().map(|p| p.1).collect();
        let network = Network::estimate(1.3, 50.0)?;
        let t = Instant::now();
        let sets = cover_sets(&network, &demand, &demand, 30 * 600)?;
        let choices = lazy_greedy_max_cover(&weights, &sets, 100);
        mclp_s = Some(secs(t.elapsed()));
        let pairs: usize = sets.iter().map(Vec::len).sum();
        println!(
            "  choix de sites : {} communes × {} sites candidats, 30 min, {} paires, 100 sites en {:.2} s \
             (premier : +{} personnes)",
            demand.len(),
            demand.len(),
            pairs,
            mclp_s.unwrap_or(0.0),
            choices.first().map_or(0, |c| c.gain)
        );
    } else {
        println!("  choix de sites : {} absent", communes_path.display());
    }
    Ok(mclp_s)
}
