//! Builders of draw inputs shared by the vector, property, uniformity and verification tests, and the one
//! function that runs a vector's input through the whole protocol.

use fairdraw::draw::{self, DrawEntity, DrawError, DrawInspector, Hash32, Recusal, Rules, Text};
use serde_json::{Value, json};

/// An entity with plausible defaults; tests override fields with struct update syntax.
pub fn entity(code: &str, name: &str) -> DrawEntity {
    DrawEntity {
        code: code.into(),
        name: name.into(),
        entity_type: "有限责任公司".into(),
        industry: "餐饮服务".into(),
        address: "永州市冷水滩区凤凰路1号".into(),
        authority: "永州市市场监督管理局".into(),
        region: "冷水滩区".into(),
        town: "凤凰街道".into(),
        established: "2015-03-02".into(),
        status: "存续".into(),
        risk_class: "B".into(),
        tags: vec!["食品经营".into()],
        last_inspected: Text::default(),
    }
}

/// An eligible inspector of `department` with plausible defaults.
pub fn inspector(staff_no: &str, name: &str, department: &str) -> DrawInspector {
    DrawInspector {
        staff_no: staff_no.into(),
        name: name.into(),
        department: department.into(),
        certificate_no: format!("4311{staff_no}").into(),
        certificate_valid_until: "2028-12-31".into(),
        qualifications: vec![],
        expert: false,
        region: "零陵区".into(),
        status: "在岗".into(),
    }
}

pub fn recusal(staff_no: &str, entity_code: &str, reason: &str) -> Recusal {
    Recusal {
        staff_no: staff_no.into(),
        entity_code: entity_code.into(),
        reason: reason.into(),
    }
}

/// Rules JSON with neutral defaults: no scope, no exclusions, no strata, two targets, one department,
/// groups of two, no leader, no expert, no recusal by region.
pub fn rules() -> Value {
    json!({
        "algorithm": "fairdraw-draw/1",
        "task": {"number": "永市监抽〔2026〕3号", "name": "2026年食品经营者抽查", "attempt": 1},
        "draw_date": "2026-12-01",
        "scope": {"regions": [], "industries": [], "entity_types": [], "risk_classes": [], "tags_any": []},
        "exclusions": {"statuses": [], "inspected_within_days": null, "entities": []},
        "strata": "none",
        "quota": {"mode": "count", "total": 2},
        "reserve_per_stratum": null,
        "inspectors": {
            "departments": ["D01"],
            "group_size": 2,
            "groups": {"mode": "fixed", "count": 1},
            "leader": {"required": false, "qualification": ""},
            "expert_required": false,
            "required_qualifications": [],
            "active_statuses": ["在岗"],
            "recuse_same_region": false
        }
    })
}

/// A secret for vectors: SHA-256 of a label, so it is visibly not chosen.
pub fn secret(label: &str) -> Hash32 {
    draw::sha256(label.as_bytes())
}

/// A vector's `input` object.
pub fn input(
    rules: Value,
    population: &[DrawEntity],
    inspectors: &[DrawInspector],
    recusals: &[Recusal],
    secret: Hash32,
    entropies: &[&str],
) -> Value {
    json!({
        "rules": rules,
        "population": population,
        "inspectors": inspectors,
        "recusals": recusals,
        "secret": secret,
        "entropies": entropies,
    })
}

/// Runs a vector input through the protocol (§4–§10) and returns the `expected` object, or the error.
/// Panics only on a malformed vector file (a test bug), not on protocol errors.
pub fn run_input(input: &Value) -> Result<(Value, draw::DrawTrace), DrawError> {
    let population: Vec<DrawEntity> =
        serde_json::from_value(input["population"].clone()).expect("population");
    let inspectors: Vec<DrawInspector> =
        serde_json::from_value(input["inspectors"].clone()).expect("inspectors");
    let recusals: Vec<Recusal> = serde_json::from_value(input["recusals"].clone()).expect("recusals");
    let secret: Hash32 = serde_json::from_value(input["secret"].clone()).expect("secret");
    let entropies: Vec<String> = serde_json::from_value(input["entropies"].clone()).expect("entropies");
    let rules = Rules::from_value(input["rules"].clone())?;
    let frozen = draw::freeze(population, inspectors, recusals, rules)?;
    let fp = *frozen.fingerprints();
    let commitment = draw::commitment(&fp.inputs, &secret);
    let seed = draw::derive_seed(&fp.inputs, &secret, &entropies)?;
    let (outcome, trace) = draw::draw_traced(&frozen, &seed);
    let expected = json!({
        "fingerprints": {
            "population": fp.population,
            "inspectors": fp.inspectors,
            "recusals": fp.recusals,
            "rules": fp.rules,
            "inputs": fp.inputs,
            "outcome": outcome.fingerprint(),
        },
        "commitment": commitment,
        "seed": seed,
        "outcome": outcome,
    });
    Ok((expected, trace))
}

/// A small deterministic generator for building larger fixtures (not the protocol's generator).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// A valid-looking 18-character code from a number (not a real credit code; the draw does not check them).
pub fn code(n: u64) -> String {
    format!("91431100MA{n:07}X")
}
