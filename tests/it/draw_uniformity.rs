//! Statistical tests that the draw is uniform: every ordered selection of targets and reserves, and every
//! ordered pair of group members, is equally likely.
//!
//! The seeds are fixed (SHA-256 of "uniformity i"), so each test is deterministic: it either always passes or
//! always fails. The thresholds are the chi-square quantiles with an upper tail of about 1e-6 (df 359: 502.0,
//! tail 8.7e-7; df 29: 81.0, tail 8.3e-7), so a correct implementation had a chance below 2 in a million of
//! meeting a seed set that fails — once it passes, it passes forever. A wrong shuffle (for example Sattolo's
//! variant, which never leaves an element in place) exceeds the threshold by far, which the last test shows
//! with the same seeds.

use crate::draw_fixtures::{code, entity, inspector, rules};
use fairdraw::draw::{self, Frozen, Hash32, Rules, rng::WordStream};

const SEEDS: u32 = 36_000;

fn seed(i: u32) -> Hash32 {
    draw::sha256(format!("uniformity {i}").as_bytes())
}

fn frozen() -> Frozen {
    let population = (0..6).map(|i| entity(&code(i), &format!("商户{i}"))).collect();
    let pool = (0..6)
        .map(|i| inspector(&format!("S{i}"), &format!("人员{i}"), "D01"))
        .collect();
    // Two targets and, by default, as many reserves: four ordered positions out of six entities.
    let rules = Rules::from_value(rules()).unwrap();
    draw::freeze(population, pool, vec![], rules).unwrap()
}

fn chi_square(counts: &[u64], total: u64) -> f64 {
    let expected = total as f64 / counts.len() as f64;
    counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum()
}

/// Index of an ordered tuple of distinct values from `0..n` (a mixed-radix number).
fn tuple_index(values: &[usize], n: usize) -> usize {
    let mut used: Vec<usize> = Vec::new();
    let mut index = 0;
    for (pos, &v) in values.iter().enumerate() {
        let rank = v - used.iter().filter(|&&u| u < v).count();
        index = index * (n - pos) + rank;
        used.push(v);
    }
    index
}

fn cells(n: usize, len: usize) -> usize {
    (0..len).map(|i| n - i).product()
}

#[test]
fn targets_and_reserves_are_uniform_over_ordered_selections() {
    let f = frozen();
    let position = |c: &str| f.population().iter().position(|e| e.code == c).unwrap();
    let mut counts = vec![0u64; cells(6, 4)];
    for i in 0..SEEDS {
        let o = draw::draw(&f, &seed(i));
        let drawn: Vec<usize> = o
            .targets
            .iter()
            .map(|t| position(&t.code))
            .chain(o.reserves.iter().map(|r| position(&r.code)))
            .collect();
        assert_eq!(drawn.len(), 4);
        counts[tuple_index(&drawn, 6)] += 1;
    }
    let x2 = chi_square(&counts, u64::from(SEEDS));
    assert!(x2 < 502.0, "chi-square {x2:.1} with 359 degrees of freedom");
    assert!(counts.iter().all(|&c| c > 0));
}

#[test]
fn group_members_are_uniform_over_ordered_pairs() {
    let f = frozen();
    let mut counts = vec![0u64; cells(6, 2)];
    for i in 0..SEEDS {
        let o = draw::draw(&f, &seed(i));
        let members: Vec<usize> = o.groups[0]
            .members
            .iter()
            .map(|s| s[1..].parse().unwrap())
            .collect();
        counts[tuple_index(&members, 6)] += 1;
    }
    let x2 = chi_square(&counts, u64::from(SEEDS));
    assert!(x2 < 81.0, "chi-square {x2:.1} with 29 degrees of freedom");
}

#[test]
fn the_test_detects_a_wrong_shuffle() {
    // Sattolo's algorithm (j ≥ i + 1) on the same streams: the statistic must be far above the threshold,
    // otherwise the tests above could not fail.
    let mut counts = vec![0u64; cells(6, 4)];
    for i in 0..SEEDS {
        let mut rng = WordStream::new(&draw::rng::subseed(&seed(i), "stratum", ""));
        let mut a: Vec<usize> = (0..6).collect();
        for i in 0..4 {
            let j = i + 1 + rng.uniform((6 - i - 1) as u64) as usize;
            a.swap(i, j);
        }
        counts[tuple_index(&a[..4], 6)] += 1;
    }
    assert!(chi_square(&counts, u64::from(SEEDS)) > 5.0 * 502.0);
}

#[test]
fn tuple_index_is_a_bijection() {
    let mut seen = vec![false; cells(5, 3)];
    for a in 0..5 {
        for b in (0..5).filter(|&b| b != a) {
            for c in (0..5).filter(|&c| c != a && c != b) {
                let i = tuple_index(&[a, b, c], 5);
                assert!(!seen[i]);
                seen[i] = true;
            }
        }
    }
    assert!(seen.iter().all(|&s| s));
}
