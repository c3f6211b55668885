//! The protocol's only source of randomness (§3): the ChaCha20 word stream keyed by a 32-byte sub-seed, read
//! 64 bits at a time, and bounded integers by rejection sampling.
//!
//! Only `ChaCha20Rng::from_seed` and `next_u64` are used. rand's ranges, shuffles and samplers changed their
//! outputs between versions, so a draw made with them could not be reproduced after an upgrade; everything
//! above the raw word stream is written out here and in the specification.

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

use super::encode::{Enc, Hash32};

/// A ChaCha20 word stream (§3.1) with the protocol's bounded integers (§3.2).
pub struct WordStream(ChaCha20Rng);

impl WordStream {
    /// The stream keyed by `key`, nonce zero, block counter from zero.
    pub fn new(key: &Hash32) -> WordStream {
        WordStream(ChaCha20Rng::from_seed(key.0))
    }

    /// `w[i] + 2^32 · w[i+1]`, advancing by two words.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// `uniform(rng, n)` of §3.2: an integer in `[0, n)` with exactly equal probabilities, for `1 ≤ n ≤ 2^32`.
    /// Always consumes at least one `next_u64`, also for `n = 1`.
    pub fn uniform(&mut self, n: u64) -> u64 {
        uniform_from(|| self.next_u64(), n)
    }
}

/// Rejection sampling of §3.2 over any source of 64-bit words (the source is a parameter so that tests can
/// feed words that are rejected, which a real stream produces with probability below n / 2^64).
fn uniform_from(mut next_u64: impl FnMut() -> u64, n: u64) -> u64 {
    debug_assert!((1..=1u64 << 32).contains(&n), "uniform({n}) is outside 1..=2^32");
    let n = n.max(1);
    // 2^64 mod n, computed without 128-bit arithmetic: (2^64 − n) mod n.
    let threshold = n.wrapping_neg() % n;
    loop {
        let x = next_u64();
        if x >= threshold {
            return x % n;
        }
    }
}

/// `subseed(label, key) = H(str("fairdraw-subseed/1") || bytes(S) || str(label) || str(key))` (§3.3).
pub fn subseed(seed: &Hash32, label: &str, key: &str) -> Hash32 {
    let mut e = Enc::labelled("fairdraw-subseed/1");
    e.bytes(&seed.0);
    e.str(label);
    e.str(key);
    e.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chacha_check_values_of_the_spec() {
        let mut r = WordStream::new(&Hash32([0; 32]));
        assert_eq!(r.next_u64(), 0x903df1a0ade0b876);
        assert_eq!(r.next_u64(), 0x28bd8653e56a5d40);
    }

    /// The ChaCha20 block function written out from §3.1, to show that the word stream is the one the
    /// specification describes (and not only whatever rand_chacha does).
    fn block(key: &[u8; 32], counter: u64) -> [u32; 16] {
        let mut s = [0u32; 16];
        s[..4].copy_from_slice(&[0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
        for i in 0..8 {
            s[4 + i] = u32::from_le_bytes([key[4 * i], key[4 * i + 1], key[4 * i + 2], key[4 * i + 3]]);
        }
        s[12] = counter as u32;
        s[13] = (counter >> 32) as u32;
        let mut x = s;
        fn qr(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
            x[a] = x[a].wrapping_add(x[b]);
            x[d] = (x[d] ^ x[a]).rotate_left(16);
            x[c] = x[c].wrapping_add(x[d]);
            x[b] = (x[b] ^ x[c]).rotate_left(12);
            x[a] = x[a].wrapping_add(x[b]);
            x[d] = (x[d] ^ x[a]).rotate_left(8);
            x[c] = x[c].wrapping_add(x[d]);
            x[b] = (x[b] ^ x[c]).rotate_left(7);
        }
        for _ in 0..10 {
            qr(&mut x, 0, 4, 8, 12);
            qr(&mut x, 1, 5, 9, 13);
            qr(&mut x, 2, 6, 10, 14);
            qr(&mut x, 3, 7, 11, 15);
            qr(&mut x, 0, 5, 10, 15);
            qr(&mut x, 1, 6, 11, 12);
            qr(&mut x, 2, 7, 8, 13);
            qr(&mut x, 3, 4, 9, 14);
        }
        for i in 0..16 {
            x[i] = x[i].wrapping_add(s[i]);
        }
        x
    }

    #[test]
    fn word_stream_is_the_djb_keystream_across_blocks() {
        let key = subseed(&Hash32([7; 32]), "stratum", "B");
        let mut r = WordStream::new(&key);
        for b in 0..3u64 {
            let w = block(&key.0, b);
            for i in 0..8 {
                assert_eq!(
                    r.next_u64(),
                    u64::from(w[2 * i]) | (u64::from(w[2 * i + 1]) << 32)
                );
            }
        }
    }

    #[test]
    fn uniform_by_hand() {
        // First next_u64 of the zero key is 0x903df1a0ade0b876 = 10393729187455219830.
        // For n = 10 the threshold is 2^64 mod 10 = 6; 10393729187455219830 mod 10 = 0.
        let mut r = WordStream::new(&Hash32([0; 32]));
        assert_eq!(r.uniform(10), 0);
        // The second is 0x28bd8653e56a5d40 = 2935650227004792128; for n = 7 the threshold is 2^64 mod 7 = 2,
        // and 2935650227004792128 mod 7 = 6.
        assert_eq!(r.uniform(7), 6);
        // n = 1 consumes a word and returns 0.
        let mut a = WordStream::new(&Hash32([0; 32]));
        assert_eq!(a.uniform(1), 0);
        assert_eq!(a.next_u64(), 0x28bd8653e56a5d40);
    }

    #[test]
    fn rejection_threshold_is_two_to_the_64_mod_n() {
        // The threshold 2^64 mod n is computed as (2^64 − n) mod n; check it against 128-bit arithmetic.
        for n in [1u64, 2, 3, 7, 10, 1000, (1 << 32) - 1, 1 << 32] {
            let expect = ((1u128 << 64) % u128::from(n)) as u64;
            assert_eq!(n.wrapping_neg() % n, expect, "n = {n}");
        }
    }

    #[test]
    fn words_below_the_threshold_are_rejected() {
        // n = 10: threshold 6, so 0, 1 and 5 are rejected and 17 gives 7.
        let mut words = [0u64, 1, 5, 17, 99].into_iter();
        assert_eq!(uniform_from(|| words.next().unwrap(), 10), 7);
        assert_eq!(words.next(), Some(99));
    }
}
