//! Where to open the next places: the maximal covering location problem, lazy greedy.
//!
//! Given demand points with weights (people not yet within the threshold of any place),
//! candidate sites, and for each candidate the set of demand points it would bring within
//! the threshold, choose `k` sites covering the most weight. The problem is NP-hard, but the
//! covered weight is a monotone submodular function of the chosen set, so the greedy choice
//! (always take the site with the largest marginal gain) covers at least (1 − 1/e) ≈ 63.2 %
//! of the optimum (Nemhauser, Wolsey and Fisher, 1978). Lazy evaluation (Minoux, 1978) keeps
//! stale gains in a max-heap and recomputes only the top: by submodularity a stale gain is an
//! upper bound, so it returns exactly the greedy choices, usually with far fewer evaluations.

use std::collections::BinaryHeap;

/// One chosen site, in the order chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteChoice {
    /// Index of the candidate.
    pub candidate: usize,
    /// Weight newly covered by this site (given the sites chosen before it).
    pub gain: u64,
    /// Demand points newly covered.
    pub newly_covered: Vec<u32>,
}

/// Chooses up to `k` candidates maximising covered weight; stops early when no candidate
/// adds anything. Ties go to the lower candidate index, so results are deterministic.
pub fn lazy_greedy_max_cover(weights: &[u64], covers: &[Vec<u32>], k: usize) -> Vec<SiteChoice> {
    // A demand point listed twice in one set must not count twice.
    let covers: Vec<Vec<u32>> = covers
        .iter()
        .map(|s| {
            let mut s = s.clone();
            s.sort_unstable();
            s.dedup();
            s
        })
        .collect();
    let mut covered = vec![false; weights.len()];
    let gain_of = |c: usize, covered: &[bool]| -> u64 {
        covers[c]
            .iter()
            .filter(|&&d| (d as usize) < weights.len() && !covered[d as usize])
            .map(|&d| weights[d as usize])
            .sum()
    };
    // (gain, Reverse(index), round the gain was computed in)
    let mut heap: BinaryHeap<(u64, std::cmp::Reverse<usize>, usize)> = (0..covers.len())
        .map(|c| (gain_of(c, &covered), std::cmp::Reverse(c), 0))
        .collect();
    let mut chosen = Vec::new();
    while chosen.len() < k {
        let Some((gain, std::cmp::Reverse(c), round)) = heap.pop() else {
            break;
        };
        if gain == 0 {
            break;
        }
        if round == chosen.len() {
            // Fresh: no other candidate can beat it (their stale gains are upper bounds).
            let newly: Vec<u32> = covers[c]
                .iter()
                .copied()
                .filter(|&d| (d as usize) < weights.len() && !covered[d as usize])
                .collect();
            for &d in &newly {
                covered[d as usize] = true;
            }
            chosen.push(SiteChoice {
                candidate: c,
                gain,
                newly_covered: newly,
            });
        } else {
            heap.push((gain_of(c, &covered), std::cmp::Reverse(c), chosen.len()));
        }
    }
    chosen
}
