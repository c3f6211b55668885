//! The frozen inputs of a ceremony: the snapshot of the registers taken at the freeze, and how it is stored.
//!
//! The population is every entity of the register that matches the task's scope (§6.1 of the protocol: the
//! scope defines the population, it is not a filter the draw applies later); the inspector pool is every
//! inspector of the task's departments; the recusal list is the task's; the rules are the task's template with
//! the task number, name, attempt and draw date filled in. The snapshot is stored in the ceremony row as
//! deflate-compressed JSON so that `fairdraw audit` and the bundle export can recompute everything years later,
//! even after the registers have changed. It is written and read as a stream: a population of a million
//! entities never exists as one JSON string in memory.

use std::io::{BufReader, Write};

use chrono::NaiveDate;
use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::clock::format_date;
use crate::error::{Error, ErrorCode, Result};
use crate::model::{Entity, Inspector};
use crate::registers;
use crate::task::{Recusal, Task};

/// The four frozen inputs of a draw.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrozenInputs {
    /// The full rules of §4.4 (JSON).
    pub rules: Value,
    /// The population in canonical order (ascending code).
    pub population: Vec<Entity>,
    /// The inspector pool in canonical order (ascending staff number).
    pub inspectors: Vec<Inspector>,
    /// The recusal list, ascending by (staff_no, entity_code).
    pub recusals: Vec<Recusal>,
}

/// The task's rule template completed for one attempt.
pub fn rules_for(task: &Task, attempt: u32, draw_date: NaiveDate) -> Value {
    let mut rules = serde_json::Map::new();
    // §4.4 member order, so the stored JSON reads like the specification's example.
    rules.insert(
        "algorithm".into(),
        task.rules
            .get("algorithm")
            .cloned()
            .unwrap_or(json!("fairdraw-draw/1")),
    );
    rules.insert(
        "task".into(),
        json!({"number": task.number, "name": task.name, "attempt": attempt}),
    );
    rules.insert("draw_date".into(), json!(format_date(draw_date)));
    if let Some(t) = task.rules.as_object() {
        for (k, v) in t {
            if k != "algorithm" {
                rules.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(rules)
}

fn str_list(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// The scope of the rules (§4.4 `scope`), as sets to test entities against.
struct Scope {
    regions: Vec<String>,
    industries: Vec<String>,
    entity_types: Vec<String>,
    risk_classes: Vec<String>,
    tags_any: Vec<String>,
}

impl Scope {
    fn of(rules: &Value) -> Scope {
        let s = &rules["scope"];
        Scope {
            regions: str_list(&s["regions"]),
            industries: str_list(&s["industries"]),
            entity_types: str_list(&s["entity_types"]),
            risk_classes: str_list(&s["risk_classes"]),
            tags_any: str_list(&s["tags_any"]),
        }
    }

    fn admits(&self, e: &Entity) -> bool {
        let ok = |list: &Vec<String>, v: &str| list.is_empty() || list.iter().any(|x| x == v);
        let class = e.risk_class.map(|r| r.as_str()).unwrap_or("未分类");
        ok(&self.regions, &e.region)
            && ok(&self.industries, &e.industry)
            && ok(&self.entity_types, &e.entity_type)
            && ok(&self.risk_classes, class)
            && (self.tags_any.is_empty() || e.tags.iter().any(|t| self.tags_any.contains(t)))
    }
}

/// Takes the snapshot for a ceremony of `task` (call it inside the freeze transaction, so that no import can
/// change the registers between the reading and the storing).
pub fn snapshot(conn: &Connection, task: &Task, attempt: u32, draw_date: NaiveDate) -> Result<FrozenInputs> {
    let rules = rules_for(task, attempt, draw_date);
    let scope = Scope::of(&rules);
    let mut population = Vec::new();
    registers::for_each_entity(conn, |e| {
        if scope.admits(&e) {
            population.push(e);
        }
        Ok(())
    })?;
    let departments = task.departments();
    let inspectors = registers::list_inspectors(conn)?
        .into_iter()
        .filter(|i| departments.contains(&i.department))
        .collect();
    Ok(FrozenInputs {
        rules,
        population,
        inspectors,
        recusals: task.recusals.clone(),
    })
}

fn damaged(what: &str, e: impl std::fmt::Display) -> Error {
    Error::other(
        ErrorCode::Corrupt,
        format!("存储的冻结输入无法读取（{what}）：{e}"),
        format!("the stored frozen inputs cannot be read ({what}): {e}"),
    )
}

/// Compresses the inputs (deflate, fast level: the freeze of a large population must not keep the
/// projector waiting; the size is still a small fraction of the JSON).
pub fn compress(inputs: &FrozenInputs) -> Result<Vec<u8>> {
    let mut enc = DeflateEncoder::new(Vec::new(), Compression::fast());
    serde_json::to_writer(&mut enc, inputs).map_err(|e| damaged("encode", e))?;
    enc.flush().map_err(|e| damaged("compress", e))?;
    enc.finish().map_err(|e| damaged("compress", e))
}

/// Reads back what [`compress`] wrote.
pub fn decompress(blob: &[u8]) -> Result<FrozenInputs> {
    let reader = BufReader::with_capacity(1 << 16, DeflateDecoder::new(blob));
    serde_json::from_reader(reader).map_err(|e| damaged("decode", e))
}

/// The uncompressed size of a stored blob (for the status display).
pub fn uncompressed_len(blob: &[u8]) -> Result<u64> {
    let mut d = DeflateDecoder::new(blob);
    std::io::copy(&mut d, &mut std::io::sink()).map_err(|e| damaged("decompress", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RiskClass;

    fn entity(code: &str, region: &str, risk: Option<RiskClass>, tags: &[&str]) -> Entity {
        Entity {
            code: code.into(),
            name: format!("{code}公司"),
            entity_type: "有限责任公司".into(),
            industry: "餐饮业".into(),
            address: String::new(),
            authority: String::new(),
            region: region.into(),
            town: String::new(),
            established: None,
            status: "存续".into(),
            risk_class: risk,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            last_inspected: None,
        }
    }

    #[test]
    fn scope_lists_restrict_only_when_not_empty() {
        let rules = json!({"scope": {"regions": ["冷水滩区"], "industries": [], "entity_types": [],
            "risk_classes": ["C", "未分类"], "tags_any": ["食品"]}});
        let s = Scope::of(&rules);
        assert!(s.admits(&entity("1", "冷水滩区", Some(RiskClass::C), &["食品", "x"])));
        assert!(s.admits(&entity("2", "冷水滩区", None, &["食品"])));
        assert!(!s.admits(&entity("3", "零陵区", Some(RiskClass::C), &["食品"])));
        assert!(!s.admits(&entity("4", "冷水滩区", Some(RiskClass::A), &["食品"])));
        assert!(!s.admits(&entity("5", "冷水滩区", Some(RiskClass::C), &[])));
        let all = Scope::of(&json!({}));
        assert!(all.admits(&entity("6", "", None, &[])));
    }

    #[test]
    fn compressed_inputs_round_trip() {
        let inputs = FrozenInputs {
            rules: json!({"algorithm": "fairdraw-draw/1"}),
            population: (0..500)
                .map(|i| entity(&format!("9143{i:014}"), "祁阳市", Some(RiskClass::B), &["𠀀"]))
                .collect(),
            inspectors: vec![],
            recusals: vec![Recusal {
                staff_no: "S1".into(),
                entity_code: "X".into(),
                reason: "亲属".into(),
            }],
        };
        let blob = compress(&inputs).unwrap();
        assert_eq!(decompress(&blob).unwrap(), inputs);
        let raw = serde_json::to_vec(&inputs).unwrap();
        assert_eq!(uncompressed_len(&blob).unwrap(), raw.len() as u64);
        assert!(blob.len() * 5 < raw.len(), "{} vs {}", blob.len(), raw.len());
        let e = decompress(b"not deflate").unwrap_err();
        assert_eq!(e.code(), ErrorCode::Corrupt);
    }
}
