//! The frozen inputs of a ceremony: the snapshot of the registers taken at the freeze, and how it is stored.
//!
//! The population is every entity of the register that matches the task's scope (§6.1 of the protocol: the
//! scope defines the population, it is not a filter the draw applies later); the inspector pool is every
//! inspector of the task's departments (both read as `taskfile::load_registers` reads them for a headless draw); the recusal list is the task's; the rules are the task's template with
//! the task number, name, attempt and draw date filled in. The snapshot is stored in `ceremony_inputs` as
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

use crate::draw::{DepartmentNames, DrawEntity, DrawInspector, Recusal, Rules};
use crate::error::{Error, ErrorCode, Result};
use crate::registers;
use crate::task::{Task, full_rules};
use crate::taskfile::load_registers;

/// The four frozen inputs of a draw, in the draw's own types (the protocol's §4 fields).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrozenInputs {
    /// The full rules of §4.4.
    pub rules: Rules,
    /// The population in canonical order (ascending code).
    pub population: Vec<DrawEntity>,
    /// The inspector pool in canonical order (ascending staff number).
    pub inspectors: Vec<DrawInspector>,
    /// The recusal list, ascending by (staff_no, entity_code).
    pub recusals: Vec<Recusal>,
}

/// The task's rules for one attempt, validated by the draw engine (errors name the member).
pub fn rules_for(task: &Task, attempt: u32, draw_date: NaiveDate, names: &DepartmentNames) -> Result<Rules> {
    Rules::from_value(full_rules(
        &task.rules,
        &task.number,
        &task.name,
        attempt,
        draw_date,
    ))
    .map_err(|e| e.into_error(names))
}

/// Department code → name, for messages that name departments.
pub fn department_names(conn: &Connection) -> Result<DepartmentNames> {
    Ok(registers::list_departments(conn)?
        .into_iter()
        .map(|d| (d.code, d.name))
        .collect())
}

/// Takes the snapshot for a ceremony of `task` (call it inside the freeze transaction, so that no import can
/// change the registers between the reading and the storing). Also returns the department names.
pub fn snapshot(
    conn: &Connection,
    task: &Task,
    attempt: u32,
    draw_date: NaiveDate,
) -> Result<(FrozenInputs, DepartmentNames)> {
    let names = department_names(conn)?;
    let rules = rules_for(task, attempt, draw_date, &names)?;
    let registers = load_registers(conn, &rules)?;
    Ok((
        FrozenInputs {
            rules,
            population: registers.population,
            inspectors: registers.pool,
            recusals: task.recusals.clone(),
        },
        registers.departments,
    ))
}

fn damaged(what: &str, e: impl std::fmt::Display) -> Error {
    Error::other(
        ErrorCode::Corrupt,
        format!("存储的冻结输入无法读取（{what}）：{e}"),
        format!("the stored frozen inputs cannot be read ({what}): {e}"),
    )
}

/// The frozen inputs as [`FrozenInputs`] serialises them, borrowed from the draw's canonical copy.
#[derive(Serialize)]
struct InputsRef<'a> {
    rules: &'a Rules,
    population: &'a [DrawEntity],
    inspectors: &'a [DrawInspector],
    recusals: &'a [Recusal],
}

/// Compresses the canonical inputs held by a frozen draw (deflate, fast level: the freeze of a large
/// population must not keep the projector waiting; the size is still a small fraction of the JSON).
pub fn compress(frozen: &crate::draw::Frozen) -> Result<Vec<u8>> {
    let view = InputsRef {
        rules: frozen.rules(),
        population: frozen.population(),
        inspectors: frozen.inspectors(),
        recusals: frozen.recusals(),
    };
    let mut enc = DeflateEncoder::new(Vec::new(), Compression::fast());
    {
        // serde_json writes many tiny pieces; the deflater is much faster fed in 64 KiB blocks.
        let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut enc);
        serde_json::to_writer(&mut w, &view).map_err(|e| damaged("encode", e))?;
        w.flush().map_err(|e| damaged("compress", e))?;
    }
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

    fn entity(code: &str) -> DrawEntity {
        DrawEntity {
            code: code.into(),
            name: format!("{code}公司𠀀").into(),
            region: "祁阳市".into(),
            risk_class: "B".into(),
            tags: vec!["食品".into()],
            ..Default::default()
        }
    }

    #[test]
    fn compressed_inputs_round_trip() {
        let rules: Rules = serde_json::from_value(serde_json::json!({
            "algorithm": "fairdraw-draw/1",
            "task": {"number": "永市监抽〔2026〕3号", "name": "抽查", "attempt": 1},
            "draw_date": "2026-12-01",
            "scope": {"regions": [], "industries": [], "entity_types": [], "risk_classes": [], "tags_any": []},
            "exclusions": {"statuses": [], "inspected_within_days": null, "entities": []},
            "strata": "none",
            "quota": {"mode": "count", "total": 1},
            "reserve_per_stratum": null,
            "inspectors": {"departments": ["D01"], "group_size": 2, "groups": {"mode": "fixed", "count": 1},
                "leader": {"required": false, "qualification": ""}, "expert_required": false,
                "required_qualifications": [], "active_statuses": ["在岗"], "recuse_same_region": false}
        }))
        .unwrap();
        let inspector = |s: &str| DrawInspector {
            staff_no: s.into(),
            name: "某人".into(),
            department: "D01".into(),
            certificate_no: "C1".into(),
            certificate_valid_until: "2030-12-31".into(),
            status: "在岗".into(),
            ..Default::default()
        };
        // Given in reverse order: what is stored is the canonical order.
        let inputs = FrozenInputs {
            rules,
            population: (0..500).rev().map(|i| entity(&format!("9143{i:014}"))).collect(),
            inspectors: vec![inspector("S2"), inspector("S1")],
            recusals: vec![Recusal {
                staff_no: "S1".into(),
                entity_code: "X".into(),
                reason: "亲属".into(),
            }],
        };
        let frozen = crate::draw::freeze(
            inputs.population.clone(),
            inputs.inspectors.clone(),
            inputs.recusals.clone(),
            inputs.rules.clone(),
        )
        .unwrap();
        let blob = compress(&frozen).unwrap();
        let back = decompress(&blob).unwrap();
        let mut canonical = inputs.clone();
        canonical.population.reverse();
        canonical.inspectors.reverse();
        assert_eq!(back, canonical);
        let inputs = canonical;
        let raw = serde_json::to_vec(&inputs).unwrap();
        assert_eq!(uncompressed_len(&blob).unwrap(), raw.len() as u64);
        assert!(blob.len() * 5 < raw.len(), "{} vs {}", blob.len(), raw.len());
        let e = decompress(b"not deflate").unwrap_err();
        assert_eq!(e.code(), ErrorCode::Corrupt);
    }
}
