//! The only place where the ceremony calls the draw engine (`crate::draw`): freezing the inputs, the commitment,
//! the seed and the draw itself. Keeping the calls here keeps the state machine independent of the engine's
//! types: it sees fingerprints as hex and the outcome as the JSON of the protocol's §10.
//!
//! TEMPORARY: the draw engine (`src/draw`, branch `draw`) has not landed yet. Until it does, `freeze` and
//! `draw` report that the engine is missing; `commitment` and `derive_seed` follow §5.1 and §5.3 directly.

use serde_json::Value;

use super::Fingerprints;
use super::inputs::FrozenInputs;
use crate::error::{Error, ErrorCode, Result};
use crate::journal::Enc;

/// Frozen inputs as the engine holds them, with their fingerprints and a plain summary for the projector.
pub struct Frozen {
    pub fingerprints: Fingerprints,
    pub summary: Value,
    fp_inputs: [u8; 32],
    algorithm: String,
}

/// A computed outcome: the §10 JSON and its fingerprint (hex).
pub struct Drawn {
    pub outcome: Value,
    pub fp_outcome: String,
}

fn missing() -> Error {
    Error::other(
        ErrorCode::Infeasible,
        "摇号引擎尚未合并（src/draw）",
        "the draw engine (src/draw) is not merged yet",
    )
}

/// Canonicalises and fingerprints the inputs and checks feasibility.
pub fn freeze(_inputs: &FrozenInputs) -> Result<Frozen> {
    let _ = |f: Frozen| (f.fp_inputs, f.algorithm);
    Err(missing())
}

/// `commitment = H(str("fairdraw-commit/1") || bytes(fp_inputs) || bytes(secret))` (§5.1).
pub fn commitment(fp_inputs: &[u8; 32], secret: &[u8; 32]) -> [u8; 32] {
    Enc::new()
        .str("fairdraw-commit/1")
        .bytes(fp_inputs)
        .bytes(secret)
        .sha256()
}

/// The seed (§5.3).
pub fn derive_seed(frozen: &Frozen, secret: &[u8; 32], entropies: &[String]) -> [u8; 32] {
    Enc::new()
        .str("fairdraw-seed/1")
        .str(&frozen.algorithm)
        .bytes(&frozen.fp_inputs)
        .bytes(secret)
        .list(entropies, |e, s| {
            e.str(s);
        })
        .sha256()
}

/// Runs the draw.
pub fn draw(_frozen: &Frozen, _seed: &[u8; 32]) -> Result<Drawn> {
    Err(missing())
}
