//! The app's commitment and the seed (§5): the only places where randomness enters a draw.

use super::ALGORITHM;
use super::encode::{Enc, Hash32};
use super::error::{DrawError, InputCode, Place};
use super::text::{TextFault, check_text};

/// `commitment = H(str("fairdraw-commit/1") || bytes(fp_inputs) || bytes(secret))` (§5.1).
pub fn commitment(fp_inputs: &Hash32, secret: &Hash32) -> Hash32 {
    let mut e = Enc::labelled("fairdraw-commit/1");
    e.bytes(&fp_inputs.0);
    e.bytes(&secret.0);
    e.finish()
}

/// Checks a witness's name, role and unit against the text rules of §2 (they are recorded, not hashed).
/// `index` is the witness's position (0-based) in the order recorded.
pub fn check_witness(index: usize, name: &str, role: &str, unit: &str) -> Result<(), DrawError> {
    for (member, s) in [("name", name), ("role", role), ("unit", unit)] {
        check_text(s).map_err(|f| {
            let code = match f {
                TextFault::NotNfc => InputCode::NotNfc,
                TextFault::Whitespace => InputCode::Whitespace,
            };
            DrawError::input(code, Place::Witness { index, member }, s)
        })?;
    }
    Ok(())
}

/// The seed `S` (§5.3) from the inputs fingerprint, the revealed secret and the witnesses' entropies in the
/// order they were recorded. Refuses an empty list and entropies that break the text rules.
pub fn derive_seed<S: AsRef<str>>(
    fp_inputs: &Hash32,
    secret: &Hash32,
    entropies: &[S],
) -> Result<Hash32, DrawError> {
    if entropies.is_empty() {
        return Err(DrawError::input(InputCode::NoEntropy, Place::Entropies, ""));
    }
    for (i, s) in entropies.iter().enumerate() {
        let s = s.as_ref();
        check_text(s).map_err(|f| {
            let code = match f {
                TextFault::NotNfc => InputCode::NotNfc,
                TextFault::Whitespace => InputCode::Whitespace,
            };
            DrawError::input(code, Place::Entropy(i), s)
        })?;
    }
    let mut e = Enc::labelled("fairdraw-seed/1");
    e.str(ALGORITHM);
    e.bytes(&fp_inputs.0);
    e.bytes(&secret.0);
    e.len(entropies.len());
    for s in entropies {
        e.str(s.as_ref());
    }
    Ok(e.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draw::encode::sha256;

    #[test]
    fn seed_is_the_hash_of_the_documented_bytes() {
        let fp = sha256(b"inputs");
        let secret = sha256(b"secret");
        let mut bytes = Vec::new();
        let mut put = |b: &[u8]| {
            bytes.extend_from_slice(&(b.len() as u32).to_be_bytes());
            bytes.extend_from_slice(b);
        };
        put(b"fairdraw-seed/1");
        put(b"fairdraw-draw/1");
        put(&fp.0);
        put(&secret.0);
        bytes.extend_from_slice(&2u32.to_be_bytes());
        bytes.extend_from_slice(&6u32.to_be_bytes());
        bytes.extend_from_slice(b"314159");
        bytes.extend_from_slice(&6u32.to_be_bytes());
        bytes.extend_from_slice("二七".as_bytes());
        assert_eq!(
            derive_seed(&fp, &secret, &["314159", "二七"]).unwrap(),
            sha256(&bytes)
        );
    }

    #[test]
    fn entropy_order_matters_and_bad_entropy_is_refused() {
        let fp = sha256(b"inputs");
        let secret = sha256(b"secret");
        assert_ne!(
            derive_seed(&fp, &secret, &["1", "2"]).unwrap(),
            derive_seed(&fp, &secret, &["2", "1"]).unwrap()
        );
        assert_ne!(
            derive_seed(&fp, &secret, &["12"]).unwrap(),
            derive_seed(&fp, &secret, &["1", "2"]).unwrap()
        );
        let none: [&str; 0] = [];
        assert_eq!(
            derive_seed(&fp, &secret, &none).unwrap_err().details()["code"],
            "no_entropy"
        );
        assert_eq!(
            derive_seed(&fp, &secret, &["1", "2 "]).unwrap_err().details()["field"],
            "entropies[1]"
        );
    }

    #[test]
    fn witness_texts_follow_the_text_rules() {
        assert!(check_witness(0, "李明", "人大代表", "永州市人大常委会").is_ok());
        let e = check_witness(1, "王芳", "公证员 ", "永州市公证处").unwrap_err();
        assert_eq!(e.details()["field"], "witnesses[1].role");
    }

    #[test]
    fn commitment_binds_the_inputs() {
        let secret = sha256(b"secret");
        assert_ne!(
            commitment(&sha256(b"a"), &secret),
            commitment(&sha256(b"b"), &secret)
        );
    }
}
