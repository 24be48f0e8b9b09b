//! Lazy greedy equals plain greedy, and stays within (1 − 1/e) of the brute-force optimum.

use guichet_territory::lazy_greedy_max_cover;
use proptest::prelude::*;

fn plain_greedy(w: &[u64], sets: &[Vec<u32>], k: usize) -> Vec<(usize, u64)> {
    let mut covered = vec![false; w.len()];
    let mut out = Vec::new();
    for _ in 0..k {
        let mut best: Option<(u64, usize)> = None;
        for (c, s) in sets.iter().enumerate() {
            let mut s = s.clone();
            s.sort_unstable();
            s.dedup();
            let g: u64 = s
                .iter()
                .filter(|&&d| !covered[d as usize])
                .map(|&d| w[d as usize])
                .sum();
            if g > 0 && best.is_none_or(|(bg, _)| g > bg) {
                best = Some((g, c));
            }
        }
        let Some((g, c)) = best else { break };
        for &d in &sets[c] {
            covered[d as usize] = true;
        }
        out.push((c, g));
    }
    out
}

fn value(w: &[u64], sets: &[Vec<u32>], chosen: &[usize]) -> u64 {
    let mut covered = vec![false; w.len()];
    for &c in chosen {
        for &d in &sets[c] {
            covered[d as usize] = true;
        }
    }
    covered
        .iter()
        .zip(w)
        .filter(|(c, _)| **c)
        .map(|(_, w)| *w)
        .sum()
}

fn optimum(w: &[u64], sets: &[Vec<u32>], k: usize) -> u64 {
    let n = sets.len();
    let mut best = 0;
    for mask in 0u32..(1 << n) {
        if mask.count_ones() as usize <= k {
            let chosen: Vec<usize> = (0..n).filter(|i| mask & (1 << i) != 0).collect();
            best = best.max(value(w, sets, &chosen));
        }
    }
    best
}

proptest! {
    #[test]
    fn lazy_equals_plain_greedy_and_keeps_the_guarantee(
        w in prop::collection::vec(0u64..1000, 1..25),
        raw in prop::collection::vec(prop::collection::vec(0u32..25, 0..8), 1..10),
        k in 1usize..4,
    ) {
        let sets: Vec<Vec<u32>> = raw.iter().map(|s| s.iter().map(|&d| d % w.len() as u32).collect()).collect();
        let lazy = lazy_greedy_max_cover(&w, &sets, k);
        let plain = plain_greedy(&w, &sets, k);
        let got: Vec<(usize, u64)> = lazy.iter().map(|c| (c.candidate, c.gain)).collect();
        prop_assert_eq!(&got, &plain);
        let chosen: Vec<usize> = lazy.iter().map(|c| c.candidate).collect();
        let v = value(&w, &sets, &chosen);
        prop_assert_eq!(v, lazy.iter().map(|c| c.gain).sum::<u64>());
        let opt = optimum(&w, &sets, k);
        prop_assert!(v as f64 >= (1.0 - (-1.0f64).exp()) * opt as f64 - 1e-9, "{} < (1-1/e) {}", v, opt);
    }
}

#[test]
fn stops_when_nothing_more_can_be_covered() {
    let w = [5, 0, 7];
    let sets = vec![vec![0], vec![1], vec![0, 2], vec![]];
    let c = lazy_greedy_max_cover(&w, &sets, 10);
    assert_eq!(c.len(), 1);
    assert_eq!((c[0].candidate, c[0].gain), (2, 12));
    assert_eq!(c[0].newly_covered, vec![0, 2]);
}
