//! The verifiable draw, `fairdraw-draw/1`: the reference implementation of `docs/draw-protocol.md`.
//!
//! A draw is a pure function of its frozen inputs and a seed. This module does no I/O, reads no clock and
//! takes no randomness from the operating system: the seed is derived from recorded values (the app's
//! revealed secret and the witnesses' entropy), and the only generator is ChaCha20 used through
//! `from_seed` and `next_u64`. The API follows the ceremony:
//!
//! 1. [`freeze`] (population, pool, recusals, rules) → [`Frozen`]: canonical order, fingerprints, exclusions,
//!    strata, quotas, eligibility and every feasibility check — all before any randomness exists;
//! 2. [`commitment`] (fp_inputs, secret) → the hash shown before the witnesses speak;
//! 3. [`derive_seed`] (fp_inputs, secret, entropies) → the seed;
//! 4. [`draw`] (&Frozen, seed) → [`Outcome`], which cannot fail.
//!
//! Section numbers (§) in comments refer to the specification.

mod assign;
mod encode;
mod engine;
mod error;
mod freeze;
mod inputs;
mod outcome;
mod population;
pub mod rng;
mod rules;
mod seed;
mod text;

pub use encode::{Hash32, sha256};
pub use engine::{DrawTrace, draw, draw_matches, draw_traced};
pub use error::{
    DepartmentNames, DrawError, Infeasible, InputCode, InputError, Lack, Place, StratumName, Table,
    input_problem,
};
pub use freeze::{
    CanonicalInputs, FreezeSummary, Frozen, InputFingerprints, ReasonCount, UNCLASSIFIED, canonicalise,
    canonicalise_sorted, freeze,
};
pub use inputs::{
    DrawEntity, DrawInspector, ENTITY_COLUMNS, EntityRow, INSPECTOR_COLUMNS, PopulationHash, RECUSAL_COLUMNS,
    Recusal, SortedRows, Text, fp_inputs, fp_inspectors, fp_population, fp_recusals,
};
pub use outcome::{
    Excluded, ExclusionReason, GroupEntry, Ineligible, IneligibleReason, Outcome, ReserveEntry,
    StratumSummary, TargetEntry,
};
pub use population::{Field, LeanPopulation, Population};
pub use rules::{
    Exclusions, ExplicitExclusion, Groups, InspectorRules, Leader, Quota, Rules, Scope, StrataBy, StratumBp,
    StratumCount, Task,
};
pub use seed::{check_witness, commitment, derive_seed};
pub(crate) use text::StableRuns;

/// The algorithm identifier this module implements.
pub const ALGORITHM: &str = "fairdraw-draw/1";
