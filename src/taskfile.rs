//! The task description file of a headless draw (`fairdraw draw TASK.json`): the rules (§4.4 JSON), the
//! recusal list (inline or a CSV file), the witnesses with their entropy, and optionally the app's secret
//! (for reproducible runs). The registers come from the database: the population is every register entity
//! within `rules.scope`, the pool every inspector of the rules' departments.
//!
//! ```json
//! {
//!   "rules": { "algorithm": "fairdraw-draw/1", ... },
//!   "recusals": [ { "staff_no": "S001", "entity_code": "9143...", "reason": "亲属关系" } ],
//!   "witnesses": [ { "name": "李明", "role": "人大代表", "unit": "永州市人大常委会", "entropy": "31415926" } ],
//!   "secret": "64 hex digits (optional)"
//! }
//! ```
//!
//! `recusals` may instead be a path (relative to the task file) of a CSV file with the columns
//! `staff_no,entity_code,reason`. This module reads files and the database; the draw itself stays pure.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde::Deserialize;
use serde_json::Value;

use crate::bundle::{BundleJson, Witness};
use crate::draw::{self, DrawEntity, DrawInspector, Frozen, Hash32, Recusal, Rules};
use crate::error::{Error, ErrorCode, Result};
use crate::model::{Entity, Inspector};
use crate::registers;

/// A parsed task file.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskFile {
    pub rules: Rules,
    pub recusals: Vec<Recusal>,
    pub witnesses: Vec<Witness>,
    /// The app's secret, when given for a reproducible run.
    pub secret: Option<Hash32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTask {
    rules: Value,
    #[serde(default)]
    recusals: RawRecusals,
    witnesses: Vec<Witness>,
    #[serde(default)]
    secret: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawRecusals {
    Inline(Vec<Recusal>),
    File(PathBuf),
}

impl Default for RawRecusals {
    fn default() -> RawRecusals {
        RawRecusals::Inline(Vec::new())
    }
}

fn invalid(file: &str, zh: String, en: String) -> Error {
    Error::other(
        ErrorCode::Invalid,
        format!("{file}：{zh}"),
        format!("{file}: {en}"),
    )
}

impl TaskFile {
    /// Reads and checks a task file; a recusal CSV is resolved relative to the file's folder.
    pub fn load(path: &Path) -> Result<TaskFile> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let base = path.parent().unwrap_or(Path::new("."));
        TaskFile::parse(&text, base, &path.display().to_string())
    }

    /// Parses task JSON; `file` names it in errors and `base` resolves a recusal CSV path.
    pub fn parse(text: &str, base: &Path, file: &str) -> Result<TaskFile> {
        let raw: RawTask = serde_json::from_str(text).map_err(|e| {
            invalid(
                file,
                format!("格式不符合要求：{e}"),
                format!("not of the required form: {e}"),
            )
        })?;
        let rules = Rules::from_value(raw.rules).map_err(|e| {
            let err = e.into_error(&BTreeMap::new());
            invalid(file, err.message(crate::Lang::Zh), err.message(crate::Lang::En))
        })?;
        let recusals = match raw.recusals {
            RawRecusals::Inline(v) => v,
            RawRecusals::File(p) => {
                let p = base.join(p);
                let f = File::open(&p).map_err(|e| Error::io(&p, e))?;
                let name = p.display().to_string();
                crate::bundle::read_recusals(&mut BufReader::new(f), &name)?.0
            }
        };
        if raw.witnesses.is_empty() {
            return Err(invalid(
                file,
                "至少需要一位监督见证人（witnesses）".into(),
                "at least one witness is needed (witnesses)".into(),
            ));
        }
        if let Some((i, _)) = raw
            .witnesses
            .iter()
            .enumerate()
            .find(|(_, w)| w.entropy.is_empty() || w.name.is_empty())
        {
            return Err(invalid(
                file,
                format!("第 {} 位见证人缺少姓名或随机数", i + 1),
                format!("witness {} has no name or no entropy", i + 1),
            ));
        }
        for (i, w) in raw.witnesses.iter().enumerate() {
            draw::check_witness(i, &w.name, &w.role, &w.unit)
                .and_then(|()| {
                    draw::derive_seed(&Hash32::default(), &Hash32::default(), &[w.entropy.as_str()])
                        .map(|_| ())
                })
                .map_err(|e| {
                    let err = e.into_error(&BTreeMap::new());
                    invalid(file, err.message(crate::Lang::Zh), err.message(crate::Lang::En))
                })?;
        }
        let secret = match raw.secret {
            None => None,
            Some(s) => Some(Hash32::from_hex(&s).ok_or_else(|| {
                invalid(
                    file,
                    "secret 须为 64 位小写十六进制数".into(),
                    "secret must be 64 lower-case hex digits".into(),
                )
            })?),
        };
        Ok(TaskFile {
            rules,
            recusals,
            witnesses: raw.witnesses,
            secret,
        })
    }
}

/// The registers a draw takes from the database.
#[derive(Clone, Debug, PartialEq)]
pub struct Registers {
    /// Register entities within the rules' scope, in code order.
    pub population: Vec<DrawEntity>,
    /// Inspectors of the rules' departments, in staff-number order.
    pub pool: Vec<DrawInspector>,
    /// All departments, code → name.
    pub departments: BTreeMap<String, String>,
}

/// The draw's view of a register entity: dates as `YYYY-MM-DD`, missing values as empty strings.
pub fn entity_for_draw(e: Entity) -> DrawEntity {
    DrawEntity {
        code: e.code.into(),
        name: e.name.into(),
        entity_type: e.entity_type.into(),
        industry: e.industry.into(),
        address: e.address.into(),
        authority: e.authority.into(),
        region: e.region.into(),
        town: e.town.into(),
        established: date(e.established),
        status: e.status.into(),
        risk_class: e.risk_class.map(|r| r.as_str().into()).unwrap_or_default(),
        tags: e.tags.into_iter().map(Into::into).collect(),
        last_inspected: date(e.last_inspected),
    }
}

/// The draw's view of a register inspector.
pub fn inspector_for_draw(i: Inspector) -> DrawInspector {
    DrawInspector {
        staff_no: i.staff_no.into(),
        name: i.name.into(),
        department: i.department.into(),
        certificate_no: i.certificate_no.into(),
        certificate_valid_until: date(i.certificate_valid_until),
        qualifications: i.qualifications.into_iter().map(Into::into).collect(),
        expert: i.expert,
        region: i.region.into(),
        status: i.status.into(),
    }
}

fn date(d: Option<chrono::NaiveDate>) -> draw::Text {
    d.map(|d| d.format("%Y-%m-%d").to_string().into())
        .unwrap_or_default()
}

/// Reads the population (entities within `rules.scope`) and the pool (inspectors of the rules'
/// departments) from the database.
pub fn load_registers(conn: &Connection, rules: &Rules) -> Result<Registers> {
    let mut population = Vec::new();
    registers::for_each_entity(conn, |e| {
        let e = entity_for_draw(e);
        if rules.scope.admits(&e) {
            population.push(e);
        }
        Ok(())
    })?;
    let pool = registers::list_inspectors(conn)?
        .into_iter()
        .filter(|i| rules.inspectors.departments.contains(&i.department))
        .map(inspector_for_draw)
        .collect();
    let departments = registers::list_departments(conn)?
        .into_iter()
        .map(|d| (d.code, d.name))
        .collect();
    Ok(Registers {
        population,
        pool,
        departments,
    })
}

/// A finished headless draw: the frozen inputs and the record to write.
#[derive(Clone, Debug)]
pub struct DrawRun {
    pub frozen: Frozen,
    pub record: BundleJson,
}

/// Freezes, commits, derives the seed and draws. `secret` is the task's secret or fresh OS randomness,
/// chosen by the caller.
pub fn run(task: &TaskFile, registers: Registers, secret: Hash32) -> Result<DrawRun> {
    let names = registers.departments;
    let frozen = draw::freeze(
        registers.population,
        registers.pool,
        task.recusals.clone(),
        task.rules.clone(),
    )
    .map_err(|e| e.into_error(&names))?;
    let departments = frozen
        .rules()
        .inspectors
        .departments
        .iter()
        .map(|d| (d.clone(), names.get(d).cloned().unwrap_or_default()))
        .collect();
    let record = BundleJson::draw(&frozen, departments, secret, task.witnesses.clone())
        .map_err(|e| e.into_error(&names))?;
    Ok(DrawRun { frozen, record })
}
