//! Everything the record of one ceremony prints, read from the database in one place.
//!
//! [`RecordData::load`] gathers the ceremony, its task, plan and items, the frozen rules and summary, the
//! outcome with the names behind its codes (taken from the frozen inputs, not from today's registers: the
//! record shows what was drawn from), the witnesses, the earlier voided attempts, the journal entries and the
//! addenda. Building the document ([`super::document`]) is then a pure function of this value, which is what
//! the benchmark times and the unit tests exercise.

use std::collections::{BTreeSet, HashMap};

use rusqlite::Connection;
use serde::Deserialize;
use serde_json::Value;

use crate::ceremony::{self, Ceremony, Recording, State, Witness, inputs, media, record};
use crate::draw::{DepartmentNames, DrawEntity, DrawInspector, Outcome, Rules, StratumSummary};
use crate::error::{Error, ErrorCode, Result};
use crate::journal::{self, Entry};
use crate::model::Item;
use crate::plan::{self, Adjustment, Plan};
use crate::registers;
use crate::task::{self, Task};

/// A count per reason, as stored in the freeze summary.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ReasonCount {
    pub reason: String,
    pub count: u32,
}

/// The parts of the summary stored at the freeze (`draw::FreezeSummary`) that the record prints.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Summary {
    /// Entities within scope, before exclusions.
    pub population: u32,
    pub excluded: Vec<ReasonCount>,
    pub strata: Vec<StratumSummary>,
    pub targets: u32,
    pub groups: u32,
    pub inspectors: u32,
    pub eligible_inspectors: u32,
    pub ineligible_inspectors: Vec<ReasonCount>,
    pub recusals: u32,
}

/// A reserve that replaced a target after the seal (an addendum).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ReserveUsed {
    pub target: String,
    pub reserve: String,
    pub stratum: String,
    pub group: Option<u32>,
    pub reason: String,
    pub operator: String,
    pub used_at: String,
}

/// A target assigned to a group by hand after the seal (an addendum).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ManualAssignment {
    pub target: String,
    pub group: u32,
    pub reason: String,
    pub operator: String,
    pub assigned_at: String,
}

/// An item of the task, or only its code when the item list no longer has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskItem {
    Known(Box<Item>),
    Missing(String),
}

/// Everything the record prints about one ceremony.
#[derive(Clone, Debug)]
pub struct RecordData {
    pub ceremony: Ceremony,
    pub task: Task,
    pub plan: Plan,
    /// All adjustments of the plan, oldest first.
    pub adjustments: Vec<Adjustment>,
    /// Department code → name.
    pub departments: DepartmentNames,
    pub items: Vec<TaskItem>,
    /// The full rules of this attempt: the frozen ones, or (before the freeze) the task's template filled in,
    /// if that is valid.
    pub rules: Option<Rules>,
    /// The summary computed at the freeze.
    pub summary: Option<Summary>,
    /// The outcome, once seeded.
    pub outcome: Option<Outcome>,
    /// The entities the record names (targets, reserves, explicit exclusions), from the frozen population.
    pub entities: HashMap<String, DrawEntity>,
    /// The inspectors the record names (group members), from the frozen pool.
    pub inspectors: HashMap<String, DrawInspector>,
    pub witnesses: Vec<Witness>,
    /// Earlier attempts of the task that were voided (their secrets are public).
    pub voided: Vec<Ceremony>,
    /// Journal entries of this attempt and of the earlier attempts, by sequence number.
    pub events: Vec<Entry>,
    pub recordings: Vec<Recording>,
    pub videos: Vec<media::Video>,
    pub reserves_used: Vec<ReserveUsed>,
    pub manual_assignments: Vec<ManualAssignment>,
    /// The file name of the record bundle this record belongs to (empty for a draft, which has none).
    pub bundle_name: String,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> Error {
    Error::other(
        ErrorCode::Corrupt,
        format!("摇号记录的数据无法读取（{what}）：{e}"),
        format!("the record data cannot be read ({what}): {e}"),
    )
}

impl RecordData {
    /// Reads the record of ceremony `id`, in any state (an unsealed ceremony gives a draft).
    pub fn load(conn: &Connection, id: i64) -> Result<RecordData> {
        let c = ceremony::get(conn, id)?;
        let task = task::get(conn, c.task)?;
        let plan = plan::get(conn, task.plan)?;
        let adjustments = plan::adjustments(conn, plan.id)?;
        let departments = inputs::department_names(conn)?;
        let mut items = Vec::with_capacity(task.items.len());
        for code in &task.items {
            items.push(match registers::get_item(conn, code)? {
                Some(item) => TaskItem::Known(Box::new(item)),
                None => TaskItem::Missing(code.clone()),
            });
        }
        let summary = match &c.summary {
            Some(v) => Some(serde_json::from_value(v.clone()).map_err(|e| corrupt("summary", e))?),
            None => None,
        };
        let outcome: Option<Outcome> = match ceremony::outcome(conn, id)? {
            Some(v) => Some(serde_json::from_value(v).map_err(|e| corrupt("outcome", e))?),
            None => None,
        };
        let (rules, entities, inspectors) = if c.fingerprints.is_some() {
            let stored = ceremony::steps::stored_inputs(conn, id)?;
            let (entities, inspectors) = named(
                &stored.rules,
                outcome.as_ref(),
                stored.population,
                stored.inspectors,
            );
            (Some(stored.rules), entities, inspectors)
        } else {
            // Not frozen yet (or voided before the freeze): the rules the task would have given this attempt.
            let rules = inputs::rules_for(&task, c.attempt, c.draw_date, &departments).ok();
            (rules, HashMap::new(), HashMap::new())
        };
        let witnesses = ceremony::witnesses(conn, id)?;
        let attempts = ceremony::attempts(conn, c.task)?;
        let voided: Vec<Ceremony> = attempts
            .iter()
            .filter(|a| a.state == State::Voided && a.attempt < c.attempt)
            .cloned()
            .collect();
        let mut events = Vec::new();
        for a in attempts.iter().filter(|a| a.attempt <= c.attempt) {
            events.extend(journal::entries(conn, Some(a.id))?);
        }
        events.sort_by_key(|e| e.seq);
        let addenda = record::addenda_json(conn, &c)?;
        let list = |key: &str| addenda[key].clone();
        let reserves_used: Vec<ReserveUsed> =
            serde_json::from_value(list("reserves_used")).map_err(|e| corrupt("reserves_used", e))?;
        let manual_assignments: Vec<ManualAssignment> = serde_json::from_value(list("manual_assignments"))
            .map_err(|e| corrupt("manual_assignments", e))?;
        let bundle_name = if c.state == State::Sealed {
            super::export::bundle_file_name(&c.task_number, c.attempt)
        } else {
            String::new()
        };
        Ok(RecordData {
            recordings: ceremony::recordings(conn, id)?,
            videos: media::videos(conn, id)?,
            ceremony: c,
            task,
            plan,
            adjustments,
            departments,
            items,
            rules,
            summary,
            outcome,
            entities,
            inspectors,
            witnesses,
            voided,
            events,
            reserves_used,
            manual_assignments,
            bundle_name,
        })
    }

    /// Whether the record is sealed (otherwise it prints as a draft).
    pub fn is_sealed(&self) -> bool {
        self.ceremony.state == State::Sealed
    }

    /// A department's name, or its code when the register does not know it.
    pub fn department(&self, code: &str) -> String {
        self.departments
            .get(code)
            .filter(|n| !n.is_empty())
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }
}

/// Keeps only the entities and inspectors the record names: a population of a million entities is read once
/// and dropped, not kept for the rendering.
fn named(
    rules: &Rules,
    outcome: Option<&Outcome>,
    population: Vec<DrawEntity>,
    pool: Vec<DrawInspector>,
) -> (HashMap<String, DrawEntity>, HashMap<String, DrawInspector>) {
    let mut codes: BTreeSet<&str> = rules
        .exclusions
        .entities
        .iter()
        .map(|x| x.code.as_str())
        .collect();
    let mut staff: BTreeSet<&str> = BTreeSet::new();
    if let Some(o) = outcome {
        codes.extend(o.targets.iter().map(|t| t.code.as_str()));
        codes.extend(o.reserves.iter().map(|t| t.code.as_str()));
        for g in &o.groups {
            staff.extend(g.members.iter().map(String::as_str));
        }
    }
    let entities = population
        .into_iter()
        .filter(|e| codes.contains(e.code.as_str()))
        .map(|e| (e.code.clone(), e))
        .collect();
    let inspectors = pool
        .into_iter()
        .filter(|i| staff.contains(i.staff_no.as_str()))
        .map(|i| (i.staff_no.clone(), i))
        .collect();
    (entities, inspectors)
}

/// The value of `key` in a journal payload, if the payload parses.
pub(crate) fn payload(entry: &Entry) -> Value {
    serde_json::from_str(&entry.payload).unwrap_or(Value::Null)
}
