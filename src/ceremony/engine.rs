//! The only place where the ceremony calls the draw engine (`crate::draw`): freezing the inputs, the commitment,
//! the seed and the draw itself. Keeping the calls here keeps the state machine independent of the engine's
//! types: it sees fingerprints as hex and the outcome as the JSON of the protocol's §10.

use serde_json::Value;

use super::Fingerprints;
use super::inputs::FrozenInputs;
use crate::draw::{self, DepartmentNames, Hash32};
use crate::error::Result;

/// Frozen inputs as the engine holds them, with their fingerprints and the plain summary for the projector.
pub struct Frozen {
    pub fingerprints: Fingerprints,
    pub summary: Value,
    pub inner: draw::Frozen,
}

/// A computed outcome: the §10 JSON and its fingerprint (hex).
pub struct Drawn {
    pub outcome: Value,
    pub fp_outcome: String,
}

/// Canonicalises and fingerprints the inputs and checks feasibility; errors name departments by `names`.
/// Takes the inputs by value: a population of a million entities is not copied.
pub fn freeze(inputs: FrozenInputs, names: &DepartmentNames) -> Result<Frozen> {
    let FrozenInputs {
        rules,
        population,
        inspectors,
        recusals,
    } = inputs;
    let inner = draw::freeze(population, inspectors, recusals, rules).map_err(|e| e.into_error(names))?;
    let fp = inner.fingerprints();
    Ok(Frozen {
        fingerprints: Fingerprints {
            population: fp.population.to_hex(),
            inspectors: fp.inspectors.to_hex(),
            recusals: fp.recusals.to_hex(),
            rules: fp.rules.to_hex(),
            inputs: fp.inputs.to_hex(),
        },
        summary: serde_json::to_value(inner.summary()).unwrap_or(Value::Null),
        inner,
    })
}

/// The commitment to the app's secret (§5.1).
pub fn commitment(fp_inputs: &[u8; 32], secret: &[u8; 32]) -> [u8; 32] {
    draw::commitment(&Hash32(*fp_inputs), &Hash32(*secret)).0
}

/// The seed (§5.3).
pub fn derive_seed(frozen: &Frozen, secret: &[u8; 32], entropies: &[String]) -> Result<[u8; 32]> {
    Ok(draw::derive_seed(&frozen.inner.fingerprints().inputs, &Hash32(*secret), entropies)?.0)
}

/// Runs the draw (it cannot fail once the inputs are frozen).
pub fn draw(frozen: &Frozen, seed: &[u8; 32]) -> Result<Drawn> {
    let outcome = draw::draw(&frozen.inner, &Hash32(*seed));
    Ok(Drawn {
        fp_outcome: outcome.fingerprint().to_hex(),
        outcome: serde_json::to_value(&outcome).map_err(|e| {
            crate::Error::other(
                crate::ErrorCode::Database,
                format!("摇号结果无法编码：{e}"),
                format!("the outcome cannot be encoded: {e}"),
            )
        })?,
    })
}
