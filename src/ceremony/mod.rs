//! The ceremony (摇号): one attempt of a task's draw, as a journaled state machine.
//!
//! ```text
//! prepared ─freeze─► frozen ─commit─► committed ─witness…, close─► witnessed ─entropy per witness─►
//! entropy_collected ─seed─► seeded ─reveal…─► revealing ─► revealed ─seal─► sealed
//!        └──────────────────────────── void (reason, operator) ────────────────────────┘ ─► voided
//! ```
//!
//! - **Every state change and its journal entry are one transaction** ([`crate::journal::transact`]).
//! - **No path to a different outcome except a recorded void.** The inputs are frozen and fingerprinted before
//!   any randomness exists; the app's secret is generated and stored at the commit, so a crash resumes with the
//!   same commitment; the seed and the outcome are computed once and stored; later steps only read them. A new
//!   attempt (after a void) has a new attempt number, which is part of the rules, so every fingerprint, the
//!   commitment and the seed change, and it needs new witness entropy.
//! - Every ceremony journal entry carries the offset in milliseconds into each running video recording, so a
//!   supervisor can jump to that moment of each video.
//!
//! The steps are in [`steps`], recordings and video addenda in [`media`], what may happen after the seal
//! (reserves, manual assignment) in [`after`], the frozen inputs in [`inputs`], the record hash and bundle in
//! [`record`], and the only calls into the draw engine in [`engine`].

pub mod after;
pub mod engine;
pub mod inputs;
pub mod media;
pub mod record;
pub mod steps;

use chrono::{DateTime, FixedOffset, NaiveDate};
use rusqlite::{Connection, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::{Value, json};

use crate::clock::{format_time, millis_between, parse_time};
use crate::error::{Error, ErrorCode, Result};
use crate::journal::{self, Entry, Event};
use crate::task;

/// The states of a ceremony.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Prepared,
    Frozen,
    Committed,
    Witnessed,
    EntropyCollected,
    Seeded,
    Revealing,
    Revealed,
    Sealed,
    Voided,
}

impl State {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Prepared => "prepared",
            State::Frozen => "frozen",
            State::Committed => "committed",
            State::Witnessed => "witnessed",
            State::EntropyCollected => "entropy_collected",
            State::Seeded => "seeded",
            State::Revealing => "revealing",
            State::Revealed => "revealed",
            State::Sealed => "sealed",
            State::Voided => "voided",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<State> {
        [
            State::Prepared,
            State::Frozen,
            State::Committed,
            State::Witnessed,
            State::EntropyCollected,
            State::Seeded,
            State::Revealing,
            State::Revealed,
            State::Sealed,
            State::Voided,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// The Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            State::Prepared => "准备",
            State::Frozen => "输入已冻结",
            State::Committed => "密钥已承诺",
            State::Witnessed => "见证人已登记",
            State::EntropyCollected => "随机数已收齐",
            State::Seeded => "种子已生成",
            State::Revealing => "揭晓中",
            State::Revealed => "已全部揭晓",
            State::Sealed => "已封存",
            State::Voided => "已作废",
        }
    }

    /// Whether the ceremony has ended (sealed or voided).
    pub fn is_finished(self) -> bool {
        matches!(self, State::Sealed | State::Voided)
    }

    /// Whether the secret may be shown (it has been revealed, or the attempt is dead).
    pub fn secret_is_public(self) -> bool {
        matches!(
            self,
            State::Seeded | State::Revealing | State::Revealed | State::Sealed | State::Voided
        )
    }

    /// The steps allowed next, as CLI subcommand names.
    pub fn next_steps(self, has_witnesses: bool) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = match self {
            State::Prepared => vec!["freeze"],
            State::Frozen => vec!["commit"],
            State::Committed if has_witnesses => vec!["witness", "close-witnesses"],
            State::Committed => vec!["witness"],
            State::Witnessed => vec!["entropy"],
            State::EntropyCollected => vec!["seed"],
            State::Seeded | State::Revealing => vec!["reveal"],
            State::Revealed => vec!["seal"],
            State::Sealed => vec!["export", "attach-video", "use-reserve", "assign", "result add"],
            State::Voided => vec![],
        };
        if !self.is_finished() {
            v.push("void");
        }
        if self != State::Voided {
            v.extend(["mark", "record-start", "record-stop"]);
        }
        v
    }
}

/// The five fingerprints of the frozen inputs (hex).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fingerprints {
    pub population: String,
    pub inspectors: String,
    pub recusals: String,
    pub rules: String,
    pub inputs: String,
}

/// A ceremony row (the large values, inputs and outcome, are in their own tables).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ceremony {
    pub id: i64,
    pub task: i64,
    pub task_number: String,
    pub task_name: String,
    pub attempt: u32,
    pub state: State,
    pub operator: String,
    pub draw_date: NaiveDate,
    pub min_entropy_digits: u32,
    pub started_at: String,
    pub fingerprints: Option<Fingerprints>,
    pub summary: Option<Value>,
    pub secret_source: Option<String>,
    /// The secret, hex; only filled in when it is public (see [`State::secret_is_public`]).
    pub secret: Option<String>,
    pub commitment: Option<String>,
    pub seed: Option<String>,
    pub fp_outcome: Option<String>,
    pub reveal_position: u32,
    pub journal_head: Option<String>,
    pub record_hash: Option<String>,
    pub sealed_at: Option<String>,
    pub void_reason: Option<String>,
    pub void_operator: Option<String>,
    pub voided_at: Option<String>,
    pub voided_in_state: Option<String>,
}

const COLUMNS: &str = "c.id, c.task, t.number, t.name, c.attempt, c.state, c.operator, c.draw_date, \
     c.min_entropy_digits, c.started_at, c.fp_population, c.fp_inspectors, c.fp_recusals, c.fp_rules, c.fp_inputs, \
     c.summary, c.secret_source, c.secret, c.commitment, c.seed, c.fp_outcome, c.reveal_position, c.journal_head, \
     c.record_hash, c.sealed_at, c.void_reason, c.void_operator, c.voided_at, c.voided_in_state";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Ceremony, Option<String>)> {
    let state_s: String = r.get(5)?;
    let state = State::parse(&state_s).unwrap_or(State::Prepared);
    let draw_date: String = r.get(7)?;
    let fp: [Option<String>; 5] = [r.get(10)?, r.get(11)?, r.get(12)?, r.get(13)?, r.get(14)?];
    let fingerprints = match fp {
        [
            Some(population),
            Some(inspectors),
            Some(recusals),
            Some(rules),
            Some(inputs),
        ] => Some(Fingerprints {
            population,
            inspectors,
            recusals,
            rules,
            inputs,
        }),
        _ => None,
    };
    let summary: Option<String> = r.get(15)?;
    let secret: Option<String> = r.get(17)?;
    Ok((
        Ceremony {
            id: r.get(0)?,
            task: r.get(1)?,
            task_number: r.get(2)?,
            task_name: r.get(3)?,
            attempt: r.get(4)?,
            state,
            operator: r.get(6)?,
            draw_date: NaiveDate::parse_from_str(&draw_date, "%Y-%m-%d").unwrap_or_default(),
            min_entropy_digits: r.get(8)?,
            started_at: r.get(9)?,
            fingerprints,
            summary: summary.and_then(|s| serde_json::from_str(&s).ok()),
            secret_source: r.get(16)?,
            secret: if state.secret_is_public() {
                secret.clone()
            } else {
                None
            },
            commitment: r.get(18)?,
            seed: r.get(19)?,
            fp_outcome: r.get(20)?,
            reveal_position: r.get(21)?,
            journal_head: r.get(22)?,
            record_hash: r.get(23)?,
            sealed_at: r.get(24)?,
            void_reason: r.get(25)?,
            void_operator: r.get(26)?,
            voided_at: r.get(27)?,
            voided_in_state: r.get(28)?,
        },
        secret,
    ))
}

fn not_found(id: i64) -> Error {
    Error::other(
        ErrorCode::NotFound,
        format!("未找到摇号 {id}"),
        format!("ceremony {id} not found"),
    )
}

/// A ceremony by id.
pub fn get(conn: &Connection, id: i64) -> Result<Ceremony> {
    Ok(get_with_secret(conn, id)?.0)
}

/// A ceremony and its stored secret (hex) regardless of state — for the steps that need it.
pub(crate) fn get_with_secret(conn: &Connection, id: i64) -> Result<(Ceremony, Option<String>)> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM ceremony c JOIN task t ON t.id = c.task WHERE c.id = ?1"
    ))?
    .query_row([id], from_row)
    .optional()?
    .ok_or_else(|| not_found(id))
}

/// All attempts of a task, by attempt number.
pub fn attempts(conn: &Connection, task: i64) -> Result<Vec<Ceremony>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM ceremony c JOIN task t ON t.id = c.task WHERE c.task = ?1 ORDER BY c.attempt"
    ))?;
    let rows = stmt.query_map([task], from_row)?;
    Ok(rows.map(|r| r.map(|(c, _)| c)).collect::<rusqlite::Result<_>>()?)
}

/// All ceremonies, by id.
pub fn list(conn: &Connection) -> Result<Vec<Ceremony>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM ceremony c JOIN task t ON t.id = c.task ORDER BY c.id"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.map(|r| r.map(|(c, _)| c)).collect::<rusqlite::Result<_>>()?)
}

/// Resolves a ceremony named on the command line: its id, or a task (id or number) whose latest attempt is meant.
pub fn find(conn: &Connection, key: &str) -> Result<Ceremony> {
    let key = key.trim();
    if let Ok(id) = key.parse::<i64>() {
        return get(conn, id);
    }
    let t = task::find(conn, key)?;
    let id: Option<i64> = conn
        .query_row(
            "SELECT id FROM ceremony WHERE task = ?1 ORDER BY attempt DESC LIMIT 1",
            [t.id],
            |r| r.get(0),
        )
        .optional()?;
    match id {
        Some(id) => get(conn, id),
        None => Err(Error::other(
            ErrorCode::NotFound,
            format!("任务 {} 还没有摇号", t.number),
            format!("task {} has no ceremony yet", t.number),
        )),
    }
}

/// The stored outcome JSON of a seeded ceremony.
pub fn outcome(conn: &Connection, id: i64) -> Result<Option<Value>> {
    let s: Option<String> = conn
        .prepare_cached("SELECT outcome FROM ceremony_outcome WHERE ceremony = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    s.map(|s| {
        serde_json::from_str(&s).map_err(|e| {
            Error::other(
                ErrorCode::Corrupt,
                format!("摇号 {id} 存储的结果无法读取：{e}"),
                format!("the stored outcome of ceremony {id} cannot be read: {e}"),
            )
        })
    })
    .transpose()
}

/// The names behind the outcome's codes for the reveal (see `record::display`), or `null` before the seed.
pub fn display(conn: &Connection, id: i64) -> Result<Value> {
    Ok(conn
        .prepare_cached("SELECT display FROM ceremony_outcome WHERE ceremony = ?1")?
        .query_row([id], |r| r.get::<_, String>(0))
        .optional()?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null))
}

/// A witness (监督见证人) of a ceremony.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Witness {
    pub seq: u32,
    pub name: String,
    pub role: String,
    pub unit: String,
    pub entropy: Option<String>,
    pub entropy_at: Option<String>,
    pub added_at: String,
}

/// The witnesses of a ceremony in the order they were recorded.
pub fn witnesses(conn: &Connection, ceremony: i64) -> Result<Vec<Witness>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, name, role, unit, entropy, entropy_at, added_at FROM witness WHERE ceremony = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([ceremony], |r| {
        Ok(Witness {
            seq: r.get(0)?,
            name: r.get(1)?,
            role: r.get(2)?,
            unit: r.get(3)?,
            entropy: r.get(4)?,
            entropy_at: r.get(5)?,
            added_at: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A video recording of a ceremony.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Recording {
    pub id: i64,
    pub device: String,
    pub started_at: String,
    pub stopped_at: Option<String>,
}

/// The recordings of a ceremony, in start order.
pub fn recordings(conn: &Connection, ceremony: i64) -> Result<Vec<Recording>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, device, started_at, stopped_at FROM recording WHERE ceremony = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([ceremony], |r| {
        Ok(Recording {
            id: r.get(0)?,
            device: r.get(1)?,
            started_at: r.get(2)?,
            stopped_at: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The offsets into the running recordings at `at`: `[{"device", "started_at", "offset_ms"}]`.
pub(crate) fn recording_offsets(
    conn: &Connection,
    ceremony: i64,
    at: DateTime<FixedOffset>,
) -> Result<Value> {
    let mut out = Vec::new();
    for r in recordings(conn, ceremony)?
        .into_iter()
        .filter(|r| r.stopped_at.is_none())
    {
        let started = parse_time("recording.started_at", &r.started_at)?;
        out.push(
            json!({"device": r.device, "started_at": r.started_at, "offset_ms": millis_between(started, at)}),
        );
    }
    Ok(Value::Array(out))
}

/// Appends a ceremony journal entry: the payload gets the ceremony id, task, attempt and the offsets into
/// every running recording.
pub(crate) fn event(
    tx: &Transaction<'_>,
    at: DateTime<FixedOffset>,
    c: &Ceremony,
    event: Event,
    payload: Value,
) -> Result<Entry> {
    let mut obj = serde_json::Map::new();
    obj.insert("ceremony".into(), json!(c.id));
    obj.insert("task".into(), json!(c.task_number));
    obj.insert("attempt".into(), json!(c.attempt));
    if let Value::Object(p) = payload {
        obj.extend(p);
    }
    obj.insert("recordings".into(), recording_offsets(tx, c.id, at)?);
    journal::append(tx, at, event, Some(c.id), &Value::Object(obj))
}

/// Refuses a step in the wrong state, naming the state and what is allowed.
pub(crate) fn require_state(c: &Ceremony, allowed: &[State], step: &str) -> Result<()> {
    if allowed.contains(&c.state) {
        return Ok(());
    }
    let next = c.state.next_steps(true).join(", ");
    Err(Error::other(
        ErrorCode::State,
        format!(
            "摇号 {}（{} 第 {} 次）当前状态为“{}”，不能执行“{step}”；可执行：{next}",
            c.id,
            c.task_number,
            c.attempt,
            c.state.label_zh()
        ),
        format!(
            "ceremony {} ({} attempt {}) is {}: “{step}” is not allowed now; allowed: {next}",
            c.id,
            c.task_number,
            c.attempt,
            c.state.as_str()
        ),
    ))
}

/// Sets the state (inside the caller's transaction).
pub(crate) fn set_state(tx: &Transaction<'_>, id: i64, state: State) -> Result<()> {
    tx.execute(
        "UPDATE ceremony SET state = ?2 WHERE id = ?1",
        rusqlite::params![id, state.as_str()],
    )?;
    Ok(())
}

/// Everything `fairdraw ceremony status` shows.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    #[serde(flatten)]
    pub ceremony: Ceremony,
    pub state_label: &'static str,
    pub witnesses: Vec<Witness>,
    /// Total witness entropy in bits: digits × log2(10).
    pub entropy_bits: f64,
    /// Number of targets to reveal, once seeded.
    pub targets: Option<u32>,
    /// The targets revealed so far, with names and groups (for the projector).
    pub revealed: Vec<Value>,
    /// Once everything is revealed: the groups with their members, and the reserve list.
    pub groups: Option<Value>,
    pub reserves: Option<Value>,
    pub recordings: Vec<Recording>,
    pub next_steps: Vec<&'static str>,
    /// The earlier attempts of the same task that were voided.
    pub voided_attempts: Vec<VoidedAttempt>,
}

/// A voided earlier attempt, as the record of a later attempt lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct VoidedAttempt {
    pub attempt: u32,
    pub reason: String,
    pub operator: String,
    pub voided_at: String,
    pub state: String,
    #[serde(default)]
    pub commitment: Option<String>,
}

/// The voided attempts of `task` before `attempt`.
pub fn voided_before(conn: &Connection, task: i64, attempt: u32) -> Result<Vec<VoidedAttempt>> {
    Ok(attempts(conn, task)?
        .into_iter()
        .filter(|c| c.state == State::Voided && c.attempt < attempt)
        .map(|c| VoidedAttempt {
            attempt: c.attempt,
            reason: c.void_reason.unwrap_or_default(),
            operator: c.void_operator.unwrap_or_default(),
            voided_at: c.voided_at.unwrap_or_default(),
            state: c.voided_in_state.unwrap_or_default(),
            commitment: c.commitment,
        })
        .collect())
}

/// Entropy in bits of decimal digits.
pub fn entropy_bits(digits: usize) -> f64 {
    digits as f64 * std::f64::consts::LOG2_10
}

/// The status of a ceremony.
pub fn status(conn: &Connection, id: i64) -> Result<Status> {
    let c = get(conn, id)?;
    let ws = witnesses(conn, id)?;
    let digits: usize = ws
        .iter()
        .filter_map(|w| w.entropy.as_ref())
        .map(|e| e.chars().count())
        .sum();
    let targets = match outcome(conn, id)? {
        Some(o) => o["targets"].as_array().map(|a| a.len() as u32),
        None => None,
    };
    let next_steps = c.state.next_steps(!ws.is_empty());
    let display = display(conn, id)?;
    let revealed: Vec<Value> = display["targets"]
        .as_array()
        .map(|t| t.iter().take(c.reveal_position as usize).cloned().collect())
        .unwrap_or_default();
    let complete = matches!(c.state, State::Revealed | State::Sealed);
    Ok(Status {
        revealed,
        groups: complete.then(|| display["groups"].clone()),
        reserves: complete.then(|| display["reserves"].clone()),
        state_label: c.state.label_zh(),
        entropy_bits: entropy_bits(digits),
        targets,
        recordings: recordings(conn, id)?,
        next_steps,
        voided_attempts: voided_before(conn, c.task, c.attempt)?,
        witnesses: ws,
        ceremony: c,
    })
}

/// Formats the current time as stored.
pub(crate) fn stamp(t: DateTime<FixedOffset>) -> String {
    format_time(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_steps_follow_the_machine() {
        for s in [State::Prepared, State::Revealing, State::Voided] {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        assert_eq!(
            State::Committed.next_steps(false),
            vec!["witness", "void", "mark", "record-start", "record-stop"]
        );
        assert_eq!(State::Voided.next_steps(true), Vec::<&str>::new());
        assert!(!State::Sealed.next_steps(true).contains(&"void"));
        assert!(!State::Witnessed.secret_is_public());
        assert!(State::Voided.secret_is_public());
    }

    #[test]
    fn six_digits_carry_about_twenty_bits() {
        assert!((entropy_bits(6) - 19.93).abs() < 0.01);
    }
}
