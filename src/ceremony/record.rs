//! The sealed record: its hash, the names shown during the reveal, and the bundle export of a ceremony.
//!
//! The record hash (defined in `docs/draw-protocol.md`, "Journal and record hash") covers everything that
//! determined or witnessed the outcome — the inputs fingerprint, the commitment and the revealed secret, the
//! witnesses and their entropy in order, the seed, the outcome fingerprint, the task number and attempt, the
//! voided earlier attempts, the operator, the seal time and the journal head at sealing — and is computable from
//! the bundle alone, so a verifier can check the number printed on the signed paper record.

use std::path::Path;

use rusqlite::Connection;
use serde::Serialize;
use serde_json::{Value, json};

use super::inputs;
use super::{Ceremony, Fingerprints, State, VoidedAttempt, engine, media, steps};
use crate::bundle::{self, BundleJson, RecordedFingerprints};
use crate::ceremony;
use crate::clock::format_date;
use crate::draw::{self, Hash32, Outcome};
use crate::error::{Error, ErrorCode, Result};
use crate::journal::{self, Enc};
use crate::task;

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
pub fn display(frozen: &draw::Frozen, outcome: &Value) -> Value {
    let entity = |code: &str| {
        frozen
            .entity(code)
            .map(|e| (e.name.as_str(), e.region.as_str()))
            .unwrap_or(("", ""))
    };
    let inspector = |staff: &str| {
        frozen
            .inspector(staff)
            .map(|i| (i.name.as_str(), i.department.as_str()))
            .unwrap_or(("", ""))
    };
    let target = |t: &Value| {
        let code = t["code"].as_str().unwrap_or("");
        let (name, region) = entity(code);
        json!({"code": code, "name": name, "region": region, "stratum": t["stratum"], "group": t.get("group").cloned().unwrap_or(Value::Null)})
    };
    let person = |s: &Value| {
        let staff = s.as_str().unwrap_or("");
        let (name, dep) = inspector(staff);
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

/// The `attempt` member of a ceremony's bundle: everything about this attempt that the §12 members do not
/// already hold, including what the record hash covers beyond them (see "Journal and record hash" in the
/// protocol document).
pub fn attempt_json(conn: &Connection, c: &Ceremony) -> Result<Value> {
    let t = task::get(conn, c.task)?;
    let witnesses: Vec<Value> = ceremony::witnesses(conn, c.id)?
        .into_iter()
        .map(|w| json!({"seq": w.seq, "name": w.name, "added_at": w.added_at, "entropy_at": w.entropy_at}))
        .collect();
    Ok(json!({
        "number": c.attempt,
        "ceremony": c.id,
        "task": {
            "number": t.number, "name": t.name, "joint": t.is_joint(), "lead_department": t.lead_department,
            "participating": t.participating, "items": t.items, "method": t.method.as_str(),
            "planned_start": t.planned_start.map(format_date), "planned_end": t.planned_end.map(format_date),
            "result_handling": t.result_handling,
        },
        "operator": c.operator,
        "started_at": c.started_at,
        "draw_date": format_date(c.draw_date),
        "min_entropy_digits": c.min_entropy_digits,
        "secret_source": c.secret_source,
        "witnesses": witnesses,
        "voided_attempts": ceremony::voided_before(conn, c.task, c.attempt)?,
        "sealed_at": c.sealed_at,
        "journal_head": c.journal_head,
        "record_hash": c.record_hash,
    }))
}

/// The journal entries of a task's attempts up to and including `c`, exactly as stored (the payload is the
/// hashed text), so anyone can recompute each entry's hash.
pub fn events_json(conn: &Connection, c: &Ceremony) -> Result<Value> {
    let ids: Vec<i64> = ceremony::attempts(conn, c.task)?
        .into_iter()
        .filter(|a| a.attempt <= c.attempt)
        .map(|a| a.id)
        .collect();
    let mut all = Vec::new();
    for id in ids {
        all.extend(journal::entries(conn, Some(id))?);
    }
    all.sort_by_key(|e| e.seq);
    Ok(json!(all))
}

/// The `addenda` member: what was added after the seal (videos, reserves used, manual assignments) and the
/// recordings of the ceremony.
pub fn addenda_json(conn: &Connection, c: &Ceremony) -> Result<Value> {
    let mut stmt = conn.prepare(
        "SELECT target, reserve, stratum, grp, reason, operator, used_at FROM reserve_use WHERE ceremony = ?1 ORDER BY id",
    )?;
    let reserves: Vec<Value> = stmt
        .query_map([c.id], |r| {
            Ok(
                json!({"target": r.get::<_, String>(0)?, "reserve": r.get::<_, String>(1)?,
                      "stratum": r.get::<_, String>(2)?, "group": r.get::<_, Option<u32>>(3)?,
                      "reason": r.get::<_, String>(4)?, "operator": r.get::<_, String>(5)?,
                      "used_at": r.get::<_, String>(6)?}),
            )
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare(
        "SELECT target, grp, reason, operator, assigned_at FROM manual_assignment WHERE ceremony = ?1 ORDER BY id",
    )?;
    let manual: Vec<Value> = stmt
        .query_map([c.id], |r| {
            Ok(
                json!({"target": r.get::<_, String>(0)?, "group": r.get::<_, u32>(1)?,
                      "reason": r.get::<_, String>(2)?, "operator": r.get::<_, String>(3)?,
                      "assigned_at": r.get::<_, String>(4)?}),
            )
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(json!({
        "recordings": ceremony::recordings(conn, c.id)?,
        "videos": media::videos(conn, c.id)?,
        "reserves_used": reserves,
        "manual_assignments": manual,
    }))
}

fn hash32(what: &str, s: Option<&str>) -> Result<Hash32> {
    Ok(Hash32(steps::hex32(what, s.unwrap_or(""))?))
}

/// The bundle JSON of a sealed ceremony.
pub fn bundle_json(conn: &Connection, id: i64) -> Result<(BundleJson, inputs::FrozenInputs)> {
    let (c, secret) = ceremony::get_with_secret(conn, id)?;
    super::require_state(&c, &[State::Sealed], "export")?;
    let stored = steps::stored_inputs(conn, id)?;
    let names = inputs::department_names(conn)?;
    let outcome: Outcome = serde_json::from_value(ceremony::outcome(conn, id)?.unwrap_or(Value::Null))
        .map_err(|e| {
            Error::other(
                ErrorCode::Corrupt,
                format!("摇号 {id} 存储的结果无法读取：{e}"),
                format!("the stored outcome of ceremony {id} cannot be read: {e}"),
            )
        })?;
    let fp = c.fingerprints.clone().unwrap_or(Fingerprints {
        population: String::new(),
        inspectors: String::new(),
        recusals: String::new(),
        rules: String::new(),
        inputs: String::new(),
    });
    let json = BundleJson {
        format: bundle::FORMAT.to_string(),
        rules: stored.rules.clone(),
        departments: stored
            .rules
            .inspectors
            .departments
            .iter()
            .map(|d| (d.clone(), names.get(d).cloned().unwrap_or_default()))
            .collect(),
        fingerprints: RecordedFingerprints {
            population: hash32("fp_population", Some(&fp.population))?,
            inspectors: hash32("fp_inspectors", Some(&fp.inspectors))?,
            recusals: hash32("fp_recusals", Some(&fp.recusals))?,
            rules: hash32("fp_rules", Some(&fp.rules))?,
            inputs: hash32("fp_inputs", Some(&fp.inputs))?,
            outcome: hash32("fp_outcome", c.fp_outcome.as_deref())?,
        },
        commitment: hash32("commitment", c.commitment.as_deref())?,
        secret: hash32("secret", secret.as_deref())?,
        witnesses: ceremony::witnesses(conn, id)?
            .into_iter()
            .map(|w| bundle::Witness {
                name: w.name,
                role: w.role,
                unit: w.unit,
                entropy: w.entropy.unwrap_or_default(),
            })
            .collect(),
        seed: hash32("seed", c.seed.as_deref())?,
        outcome,
        attempt: Some(attempt_json(conn, &c)?),
        events: Some(events_json(conn, &c)?),
        addenda: Some(addenda_json(conn, &c)?),
    };
    Ok((json, stored))
}

/// Writes the record bundle of a sealed ceremony (§12 plus the ceremony members) to `out` (`.zip` or a
/// folder) and returns a short summary.
pub fn export(conn: &Connection, id: i64, out: &Path) -> Result<Value> {
    let (json, stored) = bundle_json(conn, id)?;
    let frozen = engine::freeze(stored, &inputs::department_names(conn)?)?;
    bundle::write(out, &json, &frozen.inner)?;
    // The zip's size (none for a folder): a million entities make about 236 MB.
    let bytes = std::fs::metadata(out)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    Ok(
        json!({"ceremony": id, "bundle": out.display().to_string(), "bytes": bytes,
              "record_hash": json.attempt.as_ref().map(|a| a["record_hash"].clone())}),
    )
}

/// Recomputes the record hash from a bundle's members. Returns `(recorded, recomputed)` when they differ,
/// `None` when they match, and an error when the bundle has no ceremony record (`attempt`) or it is malformed.
pub fn check_bundle_record(json: &BundleJson) -> Result<Option<(String, String)>> {
    let bad = |m: &str| {
        Error::other(
            ErrorCode::Invalid,
            format!("bundle.json 的 attempt.{m} 缺失或格式不对"),
            format!("bundle.json: attempt.{m} is missing or malformed"),
        )
    };
    let a = json.attempt.as_ref().ok_or_else(|| bad("record_hash"))?;
    let text = |m: &str| a[m].as_str().map(str::to_string).ok_or_else(|| bad(m));
    let voided: Vec<VoidedAttempt> =
        serde_json::from_value(a["voided_attempts"].clone()).map_err(|_| bad("voided_attempts"))?;
    let head = Hash32::from_hex(&text("journal_head")?).ok_or_else(|| bad("journal_head"))?;
    let fields = RecordFields {
        fp_inputs: json.fingerprints.inputs.0,
        commitment: json.commitment.0,
        secret: json.secret.0,
        witnesses: json
            .witnesses
            .iter()
            .map(|w| RecordWitness {
                name: w.name.clone(),
                role: w.role.clone(),
                unit: w.unit.clone(),
                entropy: w.entropy.clone(),
            })
            .collect(),
        seed: json.seed.0,
        fp_outcome: json.fingerprints.outcome.0,
        task_number: json.rules.task.number.clone(),
        attempt: json.rules.task.attempt,
        voided,
        operator: text("operator")?,
        sealed_at: text("sealed_at")?,
        journal_head: head.0,
    };
    let recorded = text("record_hash")?;
    let recomputed = hex::encode(fields.hash());
    Ok((recorded != recomputed).then_some((recorded, recomputed)))
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
