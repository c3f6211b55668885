//! What may change after the seal without touching the sealed outcome: a reserve (替补) replacing a target that
//! cannot be inspected, and the manual assignment of a target the draw left without a recusal-free group.
//!
//! Both are journaled additions: the outcome and the record hash stay as sealed, and the effective list of
//! targets ([`effective_targets`]) is the outcome with these additions applied in order. A reserve is always
//! the first unused reserve of the replaced target's stratum, in the reserve order the draw fixed (§7.3), so the
//! office cannot pick a convenient one. Recusal is never broken: a reserve joins the replaced target's group only
//! if no member of that group conflicts with it (§8.4), otherwise it waits for a manual assignment, which itself
//! refuses a conflicting group.

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::inputs::FrozenInputs;
use super::steps::stored_inputs;
use super::{Ceremony, State, event, get, outcome, require_state, stamp};
use crate::clock::Clock;
use crate::db::Db;
use crate::error::{Error, ErrorCode, Result};
use crate::journal::{self, Event};
use crate::plan::required_text;

#[derive(Clone, Debug, Deserialize)]
struct OTarget {
    code: String,
    stratum: String,
    group: Option<u32>,
}

#[derive(Clone, Debug, Deserialize)]
struct OReserve {
    code: String,
    stratum: String,
}

#[derive(Clone, Debug, Deserialize)]
struct OGroup {
    number: u32,
    members: Vec<String>,
}

/// The parts of a stored outcome (§10) this module reads.
#[derive(Clone, Debug, Deserialize)]
struct OutcomeView {
    targets: Vec<OTarget>,
    reserves: Vec<OReserve>,
    groups: Vec<OGroup>,
}

/// A target as it stands after reserves and manual assignments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EffectiveTarget {
    pub code: String,
    pub stratum: String,
    /// The group number, or `None` while unassigned.
    pub group: Option<u32>,
    /// `drawn` or `reserve`.
    pub origin: &'static str,
    /// For a reserve: the target it replaced.
    pub replaces: Option<String>,
    /// Whether the group was assigned by hand.
    pub manual: bool,
}

/// The effective targets of a sealed ceremony and the targets that were replaced.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Effective {
    pub targets: Vec<EffectiveTarget>,
    pub replaced: Vec<String>,
}

fn view(conn: &Connection, id: i64) -> Result<OutcomeView> {
    let o = outcome(conn, id)?.ok_or_else(|| {
        Error::other(
            ErrorCode::State,
            format!("摇号 {id} 还没有结果"),
            format!("ceremony {id} has no outcome yet"),
        )
    })?;
    serde_json::from_value(o).map_err(|e| {
        Error::other(
            ErrorCode::Corrupt,
            format!("摇号 {id} 存储的结果格式不对：{e}"),
            format!("the stored outcome of ceremony {id} is malformed: {e}"),
        )
    })
}

/// Applies the recorded reserve uses and manual assignments to the outcome's targets.
pub fn effective_targets(conn: &Connection, id: i64) -> Result<Effective> {
    let v = view(conn, id)?;
    let mut targets: Vec<EffectiveTarget> = v
        .targets
        .iter()
        .map(|t| EffectiveTarget {
            code: t.code.clone(),
            stratum: t.stratum.clone(),
            group: t.group,
            origin: "drawn",
            replaces: None,
            manual: false,
        })
        .collect();
    let mut replaced = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT target, reserve, stratum, grp FROM reserve_use WHERE ceremony = ?1 ORDER BY id",
    )?;
    let uses: Vec<(String, String, String, Option<u32>)> = stmt
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (target, reserve, stratum, grp) in uses {
        if let Some(pos) = targets.iter().position(|t| t.code == target) {
            targets.remove(pos);
            replaced.push(target.clone());
            targets.insert(
                pos,
                EffectiveTarget {
                    code: reserve,
                    stratum,
                    group: grp,
                    origin: "reserve",
                    replaces: Some(target),
                    manual: false,
                },
            );
        }
    }
    let mut stmt =
        conn.prepare_cached("SELECT target, grp FROM manual_assignment WHERE ceremony = ?1 ORDER BY id")?;
    let manual: Vec<(String, u32)> = stmt
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (target, grp) in manual {
        if let Some(t) = targets.iter_mut().find(|t| t.code == target) {
            t.group = Some(grp);
            t.manual = true;
        }
    }
    Ok(Effective { targets, replaced })
}

/// Recusal conflicts (§8.4) over the frozen inputs.
struct Conflicts {
    pairs: HashSet<(String, String)>,
    same_region: bool,
    inspector_region: HashMap<String, String>,
    entity_region: HashMap<String, String>,
}

impl Conflicts {
    fn new(inputs: &FrozenInputs, codes: &HashSet<&str>) -> Conflicts {
        Conflicts {
            pairs: inputs
                .recusals
                .iter()
                .map(|r| (r.staff_no.to_string(), r.entity_code.to_string()))
                .collect(),
            same_region: inputs.rules.inspectors.recuse_same_region,
            inspector_region: inputs
                .inspectors
                .iter()
                .map(|i| (i.staff_no.to_string(), i.region.to_string()))
                .collect(),
            entity_region: inputs
                .population
                .iter()
                .filter(|e| codes.contains(e.code.as_str()))
                .map(|e| (e.code.to_string(), e.region.to_string()))
                .collect(),
        }
    }

    /// The first member of `members` that conflicts with `entity`, if any.
    fn first(&self, members: &[String], entity: &str) -> Option<String> {
        let er = self.entity_region.get(entity).map(String::as_str).unwrap_or("");
        members
            .iter()
            .find(|m| {
                self.pairs.contains(&((*m).clone(), entity.to_string()))
                    || (self.same_region
                        && self
                            .inspector_region
                            .get(*m)
                            .map(|r| !r.is_empty() && r == er)
                            .unwrap_or(false))
            })
            .cloned()
    }
}

/// The cleaned input of a post-seal change and the frozen inputs it checks recusal against.
struct Request {
    target: String,
    reason: String,
    operator: String,
    inputs: FrozenInputs,
}

/// Cleans `(target, reason, operator)`, checks that the ceremony is sealed and loads its frozen inputs
/// (outside the write transaction: decompressing a large population takes a moment).
fn request(db: &Db, id: i64, (target, reason, operator): (&str, &str, &str), step: &str) -> Result<Request> {
    let target = required_text("target", target)?.to_uppercase();
    let reason = required_text("reason", reason)?;
    let operator = required_text("operator", operator)?;
    require_state(&get(db.conn(), id)?, &[State::Sealed], step)?;
    Ok(Request {
        target,
        reason,
        operator,
        inputs: stored_inputs(db.conn(), id)?,
    })
}

/// Inside the transaction: the ceremony, its outcome, its effective targets and the one named `target`.
fn current(
    conn: &Connection,
    id: i64,
    target: &str,
) -> Result<(Ceremony, OutcomeView, Effective, EffectiveTarget)> {
    let c = get(conn, id)?;
    let v = view(conn, id)?;
    let eff = effective_targets(conn, id)?;
    let t = eff
        .targets
        .iter()
        .find(|t| t.code == target)
        .cloned()
        .ok_or_else(|| {
            Error::other(
                ErrorCode::NotFound,
                format!("“{target}”不是摇号 {id} 当前的检查对象"),
                format!("“{target}” is not a current target of ceremony {id}"),
            )
        })?;
    Ok((c, v, eff, t))
}

/// A recorded use of a reserve.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReserveUse {
    pub target: String,
    pub reserve: String,
    pub stratum: String,
    pub group: Option<u32>,
    /// The group member who prevented joining the replaced target's group, if any.
    pub conflict: Option<String>,
}

/// Replaces a target that cannot be inspected by the first unused reserve of its stratum.
pub fn use_reserve(
    db: &mut Db,
    clock: &dyn Clock,
    id: i64,
    target: &str,
    reason: &str,
    operator: &str,
) -> Result<ReserveUse> {
    let Request {
        target,
        reason,
        operator,
        inputs,
    } = request(db, id, (target, reason, operator), "use-reserve")?;
    let now = clock.now();
    journal::transact(db, "ceremony.reserve", |tx| {
        let (c, v, eff, t) = current(tx, id, &target)?;
        let used: HashSet<String> = eff
            .targets
            .iter()
            .map(|t| t.code.clone())
            .chain(eff.replaced.clone())
            .collect();
        let reserve = v
            .reserves
            .iter()
            .filter(|r| r.stratum == t.stratum)
            .find(|r| !used.contains(&r.code))
            .ok_or_else(|| {
                Error::other(
                    ErrorCode::State,
                    format!("分层“{}”的替补已用完", t.stratum),
                    format!("no reserve is left in stratum “{}”", t.stratum),
                )
            })?
            .clone();
        let codes: HashSet<&str> = [reserve.code.as_str()].into_iter().collect();
        let conflicts = Conflicts::new(&inputs, &codes);
        let (group, conflict) = match t.group {
            None => (None, None),
            Some(g) => {
                let members = v
                    .groups
                    .iter()
                    .find(|x| x.number == g)
                    .map(|x| x.members.clone())
                    .unwrap_or_default();
                match conflicts.first(&members, &reserve.code) {
                    Some(m) => (None, Some(m)),
                    None => (Some(g), None),
                }
            }
        };
        tx.execute(
            "INSERT INTO reserve_use (ceremony, target, reserve, stratum, grp, reason, operator, used_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                id,
                target,
                reserve.code,
                reserve.stratum,
                group,
                reason,
                operator,
                stamp(now)
            ],
        )?;
        event(
            tx,
            now,
            &c,
            Event::ReserveUsed,
            json!({"target": target, "reserve": reserve.code, "stratum": reserve.stratum, "group": group,
                   "recusal_conflict": conflict, "reason": reason, "operator": operator}),
        )?;
        Ok(ReserveUse {
            target: target.clone(),
            reserve: reserve.code,
            stratum: reserve.stratum,
            group,
            conflict,
        })
    })
}

/// Assigns an unassigned target to a group by hand; refuses a group with a recusal conflict.
pub fn assign(
    db: &mut Db,
    clock: &dyn Clock,
    id: i64,
    target: &str,
    group: u32,
    reason: &str,
    operator: &str,
) -> Result<EffectiveTarget> {
    let Request {
        target,
        reason,
        operator,
        inputs,
    } = request(db, id, (target, reason, operator), "assign")?;
    let now = clock.now();
    journal::transact(db, "ceremony.assign", |tx| {
        let (c, v, _, t) = current(tx, id, &target)?;
        if let Some(g) = t.group {
            return Err(Error::other(
                ErrorCode::State,
                format!("“{target}”已分配给第 {g} 组；只有未分配的对象可以人工分派"),
                format!(
                    "“{target}” is already assigned to group {g}; only unassigned targets can be assigned by hand"
                ),
            ));
        }
        let g = v.groups.iter().find(|x| x.number == group).ok_or_else(|| {
            Error::invalid_both(
                "group",
                format!("没有第 {group} 组（共 {} 组）", v.groups.len()),
                format!("there is no group {group} (there are {})", v.groups.len()),
            )
        })?;
        let codes: HashSet<&str> = [target.as_str()].into_iter().collect();
        if let Some(m) = Conflicts::new(&inputs, &codes).first(&g.members, &target) {
            return Err(Error::other(
                ErrorCode::Invalid,
                format!("第 {group} 组成员 {m} 与“{target}”存在回避关系，不能分派"),
                format!(
                    "member {m} of group {group} must recuse from “{target}”; the assignment would break recusal"
                ),
            ));
        }
        tx.execute(
            "INSERT INTO manual_assignment (ceremony, target, grp, reason, operator, assigned_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, target, group, reason, operator, stamp(now)],
        )?;
        event(
            tx,
            now,
            &c,
            Event::ManualAssignment,
            json!({"target": target, "group": group, "reason": reason, "operator": operator}),
        )?;
        Ok(EffectiveTarget {
            group: Some(group),
            manual: true,
            ..t.clone()
        })
    })
}
