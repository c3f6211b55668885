//! The demo generator's random numbers: ChaCha20 keyed from SHA-256 of the seed, read only through
//! `next_u64`, with our own bounded sampler, weighted choice and shuffle.
//!
//! rand's `gen_range`, `shuffle` and `choose` changed their outputs between versions, so demo files made
//! today could not be remade after an upgrade; everything here is built on the raw keystream instead, which
//! is fixed by the ChaCha20 definition. The key is `SHA-256("fairdraw-demo/1" || seed)`; each register
//! reads its own ChaCha stream (see [`Stream`]) so, for example, the inspectors do not depend on how many
//! entities were asked for.

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

/// The domain-separation prefix hashed before the seed. A change of the generator's output is a new prefix.
pub const KEY_PREFIX: &[u8] = b"fairdraw-demo/1";

/// The ChaCha stream (nonce) each register reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Entities = 1,
    Inspectors = 2,
}

/// A deterministic random source for demo data.
pub struct DemoRng {
    inner: ChaCha20Rng,
}

impl DemoRng {
    /// The generator for `seed` (any bytes) on `stream`.
    pub fn new(seed: &[u8], stream: Stream) -> DemoRng {
        let mut h = Sha256::new();
        h.update(KEY_PREFIX);
        h.update(seed);
        let key: [u8; 32] = h.finalize().into();
        let mut inner = ChaCha20Rng::from_seed(key);
        inner.set_stream(stream as u64);
        DemoRng { inner }
    }

    /// The next raw 64-bit word.
    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// A uniform integer in `0..n` by rejection sampling: words at or above the largest multiple of `n`
    /// that fits in 2^64 are drawn again, so every result is equally likely (no modulo bias).
    /// `n == 0` is treated as 1 and returns 0 without reading the stream.
    pub fn below(&mut self, n: u64) -> u64 {
        if n <= 1 {
            return 0;
        }
        // Accept words in [2^64 mod n, 2^64): that range's length is a multiple of n, so `x % n` is uniform.
        // `n.wrapping_neg() % n` is (2^64 - n) mod n = 2^64 mod n, computed without overflow.
        let reject_below = n.wrapping_neg() % n;
        loop {
            let x = self.next_u64();
            if x >= reject_below {
                return x % n;
            }
        }
    }

    /// A uniform index into a slice of length `len`.
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// A uniform integer in `lo..=hi` (`lo <= hi`).
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        let span = hi.abs_diff(lo);
        lo.wrapping_add(self.below(span.saturating_add(1)) as i64)
    }

    /// True with probability `parts_per_million / 1_000_000`.
    pub fn chance_ppm(&mut self, parts_per_million: u32) -> bool {
        self.below(1_000_000) < u64::from(parts_per_million)
    }

    /// True with probability `percent / 100`.
    pub fn percent(&mut self, percent: u32) -> bool {
        self.below(100) < u64::from(percent)
    }

    /// A uniformly chosen element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// An element chosen with probability proportional to its weight (the weights are not all zero).
    pub fn weighted<'a, T>(&mut self, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
        let total: u64 = items.iter().map(|t| u64::from(weight(t))).sum();
        let mut r = self.below(total);
        for t in items {
            let w = u64::from(weight(t));
            if r < w {
                return t;
            }
            r -= w;
        }
        // Unreachable when the weights sum to `total`; the last element keeps this total.
        &items[items.len() - 1]
    }

    /// Fisher–Yates shuffle from the last position down: position `i` swaps with `below(i + 1)`.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.index(i + 1);
            v.swap(i, j);
        }
    }

    /// `k` distinct elements of `items` (all of them if `k >= len`), in the order drawn: a partial
    /// Fisher–Yates over the indices.
    pub fn sample<'a, T>(&mut self, items: &'a [T], k: usize) -> Vec<&'a T> {
        let mut idx: Vec<usize> = (0..items.len()).collect();
        let k = k.min(items.len());
        for i in 0..k {
            let j = i + self.index(idx.len() - i);
            idx.swap(i, j);
        }
        idx[..k].iter().map(|&i| &items[i]).collect()
    }
}

/// A bijection of `0..radix^digits` onto itself: an affine map `k ↦ (a·k + b) mod m` (`a` coprime to `m`),
/// then the base-`radix` digits reversed, then a second affine map. It hands out unique, scattered serial
/// numbers without remembering the ones already issued, so a million unique credit codes need no set in
/// memory; the digit reversal hides the constant step an affine map alone leaves between consecutive serials.
#[derive(Clone, Copy, Debug)]
pub struct Scatter {
    radix: u64,
    digits: u32,
    modulus: u64,
    first: (u64, u64),
    second: (u64, u64),
}

impl Scatter {
    /// A random bijection of `0..radix^digits` (`radix >= 2`, `digits >= 1`, `radix^digits` fits in u64).
    pub fn new(rng: &mut DemoRng, radix: u64, digits: u32) -> Scatter {
        let modulus = radix.pow(digits);
        let mut affine = || {
            let a = loop {
                let a = 1 + rng.below(modulus - 1);
                if gcd(a, modulus) == 1 {
                    break a;
                }
            };
            (a, rng.below(modulus))
        };
        let first = affine();
        let second = affine();
        Scatter {
            radix,
            digits,
            modulus,
            first,
            second,
        }
    }

    fn affine(&self, (a, b): (u64, u64), k: u64) -> u64 {
        ((u128::from(a) * u128::from(k) + u128::from(b)) % u128::from(self.modulus)) as u64
    }

    /// The image of `k` (`k < modulus`).
    pub fn map(&self, k: u64) -> u64 {
        let mut x = self.affine(self.first, k);
        let mut reversed = 0;
        for _ in 0..self.digits {
            reversed = reversed * self.radix + x % self.radix;
            x /= self.radix;
        }
        self.affine(self.second, reversed)
    }

    /// How many distinct values there are.
    pub fn modulus(&self) -> u64 {
        self.modulus
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_key_is_sha256_of_prefix_and_seed_and_streams_differ() {
        // The first word of stream 1 for seed "demo", pinned: a change here changes every demo file.
        let mut a = DemoRng::new(b"demo", Stream::Entities);
        let mut b = DemoRng::new(b"demo", Stream::Entities);
        let mut c = DemoRng::new(b"demo", Stream::Inspectors);
        let x = a.next_u64();
        assert_eq!(x, b.next_u64());
        assert_ne!(x, c.next_u64());
        let mut key = Sha256::new();
        key.update(b"fairdraw-demo/1demo");
        let mut raw = ChaCha20Rng::from_seed(key.finalize().into());
        raw.set_stream(1);
        assert_eq!(x, raw.next_u64());
    }

    #[test]
    fn below_stays_in_range_and_hits_every_value() {
        let mut r = DemoRng::new(b"t", Stream::Entities);
        assert_eq!(r.below(0), 0);
        assert_eq!(r.below(1), 0);
        let mut seen = [0u32; 7];
        for _ in 0..7000 {
            let v = r.below(7);
            seen[v as usize] += 1;
        }
        // Each of the 7 values is expected 1000 times; 800..1200 is more than 6 standard deviations wide.
        assert!(seen.iter().all(|&c| (800..1200).contains(&c)), "{seen:?}");
        for _ in 0..1000 {
            assert!(r.below(u64::MAX) < u64::MAX);
            let b = r.between(-3, 3);
            assert!((-3..=3).contains(&b));
        }
    }

    #[test]
    fn rejection_happens_for_words_below_two_to_the_64_mod_n() {
        // For n = 2^63 + 1, 2^64 mod n = 2^63 - 1: about half of all words are rejected, and the accepted
        // ones map to x mod n. The result must still be below n.
        let n = (1u64 << 63) + 1;
        assert_eq!(n.wrapping_neg() % n, (1u64 << 63) - 1);
        let mut r = DemoRng::new(b"t", Stream::Inspectors);
        for _ in 0..100 {
            assert!(r.below(n) < n);
        }
    }

    #[test]
    fn weighted_choice_follows_the_weights_and_never_picks_zero_weight() {
        let mut r = DemoRng::new(b"w", Stream::Entities);
        let items = [("a", 1u32), ("b", 0), ("c", 3)];
        let mut counts = [0u32; 3];
        for _ in 0..4000 {
            let t = r.weighted(&items, |t| t.1);
            counts[items.iter().position(|x| x.0 == t.0).unwrap()] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!((800..1200).contains(&counts[0]), "{counts:?}");
    }

    #[test]
    fn shuffle_and_sample_are_permutations() {
        let mut r = DemoRng::new(b"s", Stream::Entities);
        let mut v: Vec<u32> = (0..50).collect();
        r.shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(v, sorted);
        let items = ["x", "y", "z"];
        let s = r.sample(&items, 2);
        assert_eq!(s.len(), 2);
        assert_ne!(s[0], s[1]);
        assert_eq!(r.sample(&items, 9).len(), 3);
    }

    #[test]
    fn scatter_is_a_bijection() {
        let mut r = DemoRng::new(b"p", Stream::Entities);
        for (radix, digits) in [(2u64, 1u32), (10, 1), (31, 3), (10, 3), (2, 10)] {
            let s = Scatter::new(&mut r, radix, digits);
            let m = radix.pow(digits);
            assert_eq!(s.modulus(), m);
            let set: HashSet<u64> = (0..m).map(|k| s.map(k)).collect();
            assert_eq!(set.len() as u64, m);
            assert!(set.iter().all(|&v| v < m));
        }
    }
}
