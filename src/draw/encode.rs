//! The byte encodings of the protocol (§2 of `docs/draw-protocol.md`) and SHA-256 over them.
//!
//! Every byte string fairdraw hashes is built from `u32`, `u64`, `bool`, `bytes`, `str`, `list` and `opt_u32`
//! only, so it can be parsed back unambiguously. [`Enc`] writes these encodings into a buffer that is fed to
//! SHA-256 in large chunks: hashing a million entities field by field would otherwise spend most of its time
//! in per-call overhead.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// A SHA-256 digest, seed, secret or commitment: 32 bytes, written as 64 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hash32(pub [u8; 32]);

impl Hash32 {
    /// Lower-case hex, 64 digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses exactly 64 hex digits; upper-case digits are refused because records are lower-case.
    pub fn from_hex(s: &str) -> Option<Hash32> {
        if s.len() != 64 || s.bytes().any(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(Hash32(out))
    }
}

impl fmt::Debug for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash32({})", self.to_hex())
    }
}

impl fmt::Display for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl Serialize for Hash32 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Hash32 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Hash32, D::Error> {
        let s = String::deserialize(d)?;
        Hash32::from_hex(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("expected 64 lower-case hex digits, found {s:?}"))
        })
    }
}

/// Buffer size after which the encoder hands its bytes to SHA-256.
const FLUSH_AT: usize = 1 << 16;

/// Writes the protocol's encodings and hashes them with SHA-256.
pub(crate) struct Enc {
    /// `None`: the bytes are kept for [`Enc::take_bytes`] rather than hashed.
    hasher: Option<Sha256>,
    buf: Vec<u8>,
}

impl Enc {
    pub(crate) fn new() -> Enc {
        Enc {
            hasher: Some(Sha256::new()),
            buf: Vec::with_capacity(FLUSH_AT + 1024),
        }
    }

    /// An encoder that only collects bytes, for a hasher elsewhere ([`Enc::take_bytes`]).
    pub(crate) fn unhashed() -> Enc {
        Enc {
            hasher: None,
            buf: Vec::with_capacity(FLUSH_AT + 1024),
        }
    }

    /// The bytes collected by an [`Enc::unhashed`] encoder since the last call, leaving `spare` (emptied) to
    /// collect the next ones.
    pub(crate) fn take_bytes(&mut self, mut spare: Vec<u8>) -> Vec<u8> {
        spare.clear();
        std::mem::replace(&mut self.buf, spare)
    }

    /// Hashes `bytes` as they are: encodings made by another encoder.
    pub(crate) fn raw(&mut self, bytes: &[u8]) {
        if let Some(h) = &mut self.hasher {
            h.update(&self.buf);
            self.buf.clear();
            h.update(bytes);
        }
    }

    /// `size` more bytes at the end of the collected ones, for the caller to fill (zero until it does); a
    /// hashing encoder first hands what it holds to SHA-256 if its buffer is full, as [`Enc::bytes`] does.
    pub(crate) fn room(&mut self, size: usize) -> &mut [u8] {
        self.flush_if_full();
        let start = self.buf.len();
        self.buf.resize(start + size, 0);
        &mut self.buf[start..]
    }

    /// Bytes collected but not yet hashed.
    pub(crate) fn collected(&self) -> usize {
        self.buf.len()
    }

    /// An encoder that starts with `str(domain)`, the domain-separation label of every hash in the protocol.
    pub(crate) fn labelled(domain: &str) -> Enc {
        let mut e = Enc::new();
        e.str(domain);
        e
    }

    fn flush_if_full(&mut self) {
        if self.buf.len() >= FLUSH_AT
            && let Some(h) = &mut self.hasher
        {
            h.update(&self.buf);
            self.buf.clear();
        }
    }

    /// `u32(n)`: 4 bytes big-endian.
    pub(crate) fn u32(&mut self, n: u32) {
        self.buf.extend_from_slice(&n.to_be_bytes());
    }

    /// `u32(len)` for a length. Lengths are bounded when inputs are validated (`MAX_LEN`), so this never
    /// truncates in practice; a longer value is a bug caught by the debug assertion.
    pub(crate) fn len(&mut self, n: usize) {
        debug_assert!(n <= u32::MAX as usize, "length {n} does not fit u32");
        self.u32(n as u32);
    }

    /// `bool(b)`: one byte.
    pub(crate) fn bool(&mut self, b: bool) {
        self.buf.push(u8::from(b));
    }

    /// `bytes(b)`: length then bytes.
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.buf.extend_from_slice(b);
        self.flush_if_full();
    }

    /// `str(s)`: the UTF-8 bytes with their length.
    pub(crate) fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    /// `list(str, xs)`.
    pub(crate) fn strs<S: AsRef<str>>(&mut self, xs: &[S]) {
        self.len(xs.len());
        for x in xs {
            self.str(x.as_ref());
        }
    }

    /// `opt_u32(x)`.
    pub(crate) fn opt_u32(&mut self, x: Option<u32>) {
        match x {
            None => self.buf.push(0),
            Some(n) => {
                self.buf.push(1);
                self.u32(n);
            }
        }
    }

    /// The SHA-256 of everything written.
    pub(crate) fn finish(self) -> Hash32 {
        let mut hasher = self.hasher.unwrap_or_default();
        hasher.update(&self.buf);
        Hash32(hasher.finalize().into())
    }

    /// The bytes written so far that have not yet been hashed (for tests of the encodings).
    #[cfg(test)]
    pub(crate) fn pending(&self) -> &[u8] {
        &self.buf
    }
}

/// SHA-256 of a byte string.
pub fn sha256(bytes: &[u8]) -> Hash32 {
    Hash32(Sha256::digest(bytes).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_match_the_spec_examples() {
        let mut e = Enc::new();
        e.str("永州");
        assert_eq!(hex::encode(e.pending()), "00000006e6b0b8e5b79e");
        let mut e = Enc::new();
        e.str("");
        assert_eq!(hex::encode(e.pending()), "00000000");
        let mut e = Enc::new();
        e.str("𠮷");
        assert_eq!(hex::encode(e.pending()), "00000004f0a0aeb7");
        let mut e = Enc::new();
        e.opt_u32(None);
        e.opt_u32(Some(365));
        e.bool(true);
        e.bool(false);
        e.strs(&["a", "bc"]);
        assert_eq!(
            hex::encode(e.pending()),
            "00010000016d0100000000020000000161000000026263"
        );
    }

    #[test]
    fn hashing_is_independent_of_flush_points() {
        let mut a = Enc::new();
        let mut whole = Vec::new();
        for i in 0..50_000u32 {
            a.str(&i.to_string());
            whole.extend_from_slice(&(i.to_string().len() as u32).to_be_bytes());
            whole.extend_from_slice(i.to_string().as_bytes());
        }
        assert_eq!(a.finish(), sha256(&whole));
    }

    #[test]
    fn sha256_of_empty_input_is_the_standard_value() {
        assert_eq!(
            sha256(b"").to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn hex_is_strict_lower_case() {
        let h = sha256(b"abc");
        assert_eq!(Hash32::from_hex(&h.to_hex()), Some(h));
        assert_eq!(Hash32::from_hex(&h.to_hex().to_uppercase()), None);
        assert_eq!(Hash32::from_hex("00"), None);
    }
}
