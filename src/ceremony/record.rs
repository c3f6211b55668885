//! The sealed record: its hash, the names shown during the reveal, and the bundle export of a ceremony.
//!
//! The record hash (defined in `docs/draw-protocol.md`, "Journal and record hash") covers everything that
//! determined or witnessed the outcome — the inputs fingerprint, the commitment and the revealed secret, the
//! witnesses and their entropy in order, the seed, the outcome fingerprint, the task number and attempt, the
//! voided earlier attempts, the operator, the seal time and the journal head at sealing — and is computable from
//! the bundle alone, so a verifier can check the number printed on the signed paper record.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::{Value, json};

use super::VoidedAttempt;
use super::inputs::FrozenInputs;
use crate::journal::Enc;

/// A witness as the record hash covers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordWitness {
    pub name: String,
    pub role: String,
    pub unit: String,
    pub entropy: String,
}

/// The values the record hash covers.
#[derive(Clone, Debug)]
pub struct RecordFields {
    pub fp_inputs: [u8; 32],
    pub commitment: [u8; 32],
    pub secret: [u8; 32],
    pub witnesses: Vec<RecordWitness>,
    pub seed: [u8; 32],
    pub fp_outcome: [u8; 32],
    pub task_number: String,
    pub attempt: u32,
    pub voided: Vec<VoidedAttempt>,
    pub operator: String,
    pub sealed_at: String,
    pub journal_head: [u8; 32],
}

impl RecordFields {
    /// `record_hash = H(str("fairdraw-record/1") || bytes(fp_inputs) || bytes(commitment) || bytes(secret)
    /// || list(w ↦ str(name) || str(role) || str(unit) || str(entropy), witnesses) || bytes(seed)
    /// || bytes(fp_outcome) || str(task_number) || u32(attempt)
    /// || list(v ↦ u32(attempt) || str(reason) || str(operator) || str(voided_at), voided)
    /// || str(operator) || str(sealed_at) || bytes(journal_head))`.
    pub fn hash(&self) -> [u8; 32] {
        let mut e = Enc::new();
        e.str("fairdraw-record/1")
            .bytes(&self.fp_inputs)
            .bytes(&self.commitment)
            .bytes(&self.secret)
            .list(&self.witnesses, |e, w| {
                e.str(&w.name).str(&w.role).str(&w.unit).str(&w.entropy);
            })
            .bytes(&self.seed)
            .bytes(&self.fp_outcome)
            .str(&self.task_number)
            .u32(self.attempt)
            .list(&self.voided, |e, v| {
                e.u32(v.attempt).str(&v.reason).str(&v.operator).str(&v.voided_at);
            })
            .str(&self.operator)
            .str(&self.sealed_at)
            .bytes(&self.journal_head);
        e.sha256()
    }
}

/// The names behind the codes of an outcome, for the reveal on the projector and the status display:
/// `{"targets": [{code, name, region, stratum, group}], "groups": [{number, leader, members: [{staff_no, name,
/// department}], targets}], "unassigned": [...]}`.
pub fn display(inputs: &FrozenInputs, outcome: &Value) -> Value {
    let codes: HashSet<&str> = outcome["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(outcome["reserves"].as_array().into_iter().flatten())
        .filter_map(|t| t["code"].as_str())
        .collect();
    let entities: HashMap<&str, (&str, &str)> = inputs
        .population
        .iter()
        .filter(|e| codes.contains(e.code.as_str()))
        .map(|e| (e.code.as_str(), (e.name.as_str(), e.region.as_str())))
        .collect();
    let people: HashMap<&str, (&str, &str)> = inputs
        .inspectors
        .iter()
        .map(|i| (i.staff_no.as_str(), (i.name.as_str(), i.department.as_str())))
        .collect();
    let target = |t: &Value| {
        let code = t["code"].as_str().unwrap_or("");
        let (name, region) = entities.get(code).copied().unwrap_or(("", ""));
        json!({"code": code, "name": name, "region": region, "stratum": t["stratum"], "group": t.get("group").cloned().unwrap_or(Value::Null)})
    };
    let person = |s: &Value| {
        let staff = s.as_str().unwrap_or("");
        let (name, dep) = people.get(staff).copied().unwrap_or(("", ""));
        json!({"staff_no": staff, "name": name, "department": dep})
    };
    let targets: Vec<Value> = outcome["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(target)
        .collect();
    let reserves: Vec<Value> = outcome["reserves"]
        .as_array()
        .into_iter()
        .flatten()
        .map(target)
        .collect();
    let groups: Vec<Value> = outcome["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            json!({
                "number": g["number"],
                "leader": if g["leader"].is_null() { Value::Null } else { person(&g["leader"]) },
                "members": g["members"].as_array().into_iter().flatten().map(person).collect::<Vec<_>>(),
                "targets": g["targets"],
            })
        })
        .collect();
    json!({"targets": targets, "reserves": reserves, "groups": groups, "unassigned": outcome["unassigned"]})
}

/// Writes the record bundle of a ceremony (§12 plus the ceremony members) to `out`.
///
/// TEMPORARY: needs `src/bundle.rs` from the draw branch.
pub fn export(_conn: &rusqlite::Connection, _id: i64, _out: &std::path::Path) -> crate::Result<Value> {
    Err(crate::Error::other(
        crate::ErrorCode::Io,
        "记录包导出尚未实现（等待 src/bundle.rs）",
        "bundle export is not available yet (waiting for src/bundle.rs)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn record_hash_follows_the_documented_encoding() {
        let f = RecordFields {
            fp_inputs: [1; 32],
            commitment: [2; 32],
            secret: [3; 32],
            witnesses: vec![RecordWitness {
                name: "张三".into(),
                role: "公证员".into(),
                unit: "永州市公证处".into(),
                entropy: "123456".into(),
            }],
            seed: [4; 32],
            fp_outcome: [5; 32],
            task_number: "永市监抽〔2026〕3号".into(),
            attempt: 2,
            voided: vec![VoidedAttempt {
                attempt: 1,
                reason: "停电".into(),
                operator: "李四".into(),
                voided_at: "2026-12-01T09:00:00.000+08:00".into(),
                state: "committed".into(),
                commitment: None,
            }],
            operator: "王五".into(),
            sealed_at: "2026-12-01T10:00:00.000+08:00".into(),
            journal_head: [6; 32],
        };
        let mut b: Vec<u8> = Vec::new();
        let s = |b: &mut Vec<u8>, x: &[u8]| {
            b.extend_from_slice(&(x.len() as u32).to_be_bytes());
            b.extend_from_slice(x);
        };
        s(&mut b, b"fairdraw-record/1");
        for v in [[1u8; 32], [2; 32], [3; 32]] {
            s(&mut b, &v);
        }
        b.extend_from_slice(&1u32.to_be_bytes());
        for x in ["张三", "公证员", "永州市公证处", "123456"] {
            s(&mut b, x.as_bytes());
        }
        s(&mut b, &[4; 32]);
        s(&mut b, &[5; 32]);
        s(&mut b, "永市监抽〔2026〕3号".as_bytes());
        b.extend_from_slice(&2u32.to_be_bytes());
        b.extend_from_slice(&1u32.to_be_bytes());
        b.extend_from_slice(&1u32.to_be_bytes());
        for x in [
            "停电",
            "李四",
            "2026-12-01T09:00:00.000+08:00",
            "王五",
            "2026-12-01T10:00:00.000+08:00",
        ] {
            s(&mut b, x.as_bytes());
        }
        s(&mut b, &[6; 32]);
        let want: [u8; 32] = Sha256::digest(&b).into();
        assert_eq!(f.hash(), want);
    }
}
