//! `fairdraw audit`: re-checks everything the database claims, and names the first thing that does not match.
//!
//! 1. The journal chain: every entry's hash is recomputed and its link to the previous entry checked
//!    ([`crate::journal::verify_chain`]). A changed byte, a deleted entry or a reordering stops the audit at the
//!    first entry concerned.
//! 2. Replay: each ceremony's journal entries are replayed through the state machine (each event must be
//!    allowed in the replayed state) and the result is compared with the ceremony's row and its witnesses,
//!    videos, reserve uses, manual assignments and results. A change made to the tables without a journal entry
//!    (or the other way round) shows up here.
//! 3. Recomputation: for every ceremony with stored inputs, the fingerprints, the commitment, the seed, the
//!    outcome and its fingerprint, and the record hash are recomputed from the stored inputs and compared.
//!
//! A consistent rewrite of the whole database by someone who recomputes every hash cannot be detected from the
//! inside; that is what the record hash and journal head printed on the signed paper record are for.

use rusqlite::Connection;
use serde::Serialize;
use serde_json::Value;

use crate::ceremony::{self, Ceremony, State, engine, record, steps};
use crate::error::Result;
use crate::i18n::Lang;
use crate::journal::{self, ChainProblem, ChainReport, Entry, Event};
use crate::tr;

/// What the audit found wrong first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum Problem {
    /// The journal chain is broken.
    Journal {
        problem: ChainProblem,
        message_zh: String,
        message_en: String,
    },
    /// A ceremony does not match its journal or its recomputation.
    Ceremony {
        ceremony: i64,
        task: String,
        attempt: u32,
        /// The journal entry concerned, if one is.
        seq: Option<i64>,
        message_zh: String,
        message_en: String,
    },
}

impl Problem {
    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        let (zh, en) = match self {
            Problem::Journal {
                message_zh,
                message_en,
                ..
            }
            | Problem::Ceremony {
                message_zh,
                message_en,
                ..
            } => (message_zh, message_en),
        };
        match lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// The audit's findings.
#[derive(Clone, Debug, Serialize)]
pub struct AuditReport {
    pub journal: ChainReport,
    pub ceremonies_checked: usize,
    /// Whether the SQLite triggers that refuse UPDATE/DELETE on the journal are in place.
    pub guards_intact: bool,
    pub problem: Option<Problem>,
}

impl AuditReport {
    /// Whether everything matched.
    pub fn ok(&self) -> bool {
        self.problem.is_none()
    }
}

/// A ceremony problem, built with both languages.
struct Finding {
    seq: Option<i64>,
    zh: String,
    en: String,
}

fn finding(seq: Option<i64>, zh: String, en: String) -> Finding {
    Finding { seq, zh, en }
}

/// Runs the whole audit.
pub fn audit(conn: &Connection) -> Result<AuditReport> {
    let chain = journal::verify_chain(conn)?;
    let guards: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ('journal_no_update', 'journal_no_delete')",
        [],
        |r| r.get(0),
    )?;
    let mut report = AuditReport {
        journal: chain.clone(),
        ceremonies_checked: 0,
        guards_intact: guards == 2,
        problem: None,
    };
    if let Some(p) = chain.problem {
        report.problem = Some(Problem::Journal {
            message_zh: p.message(Lang::Zh),
            message_en: p.message(Lang::En),
            problem: p,
        });
        return Ok(report);
    }
    let all = journal::entries(conn, None)?;
    // Ceremony ids that appear in the journal but not in the table are a problem of their own.
    for c in ceremony::list(conn)? {
        report.ceremonies_checked += 1;
        let entries: Vec<&Entry> = all.iter().filter(|e| e.ceremony_id == Some(c.id)).collect();
        let found = match replay(conn, &c, &entries, &all)? {
            Some(f) => Some(f),
            None => recompute(conn, &c)?,
        };
        if let Some(f) = found {
            report.problem = Some(Problem::Ceremony {
                ceremony: c.id,
                task: c.task_number.clone(),
                attempt: c.attempt,
                seq: f.seq,
                message_zh: format!("摇号 {}（{} 第 {} 次）：{}", c.id, c.task_number, c.attempt, f.zh),
                message_en: format!(
                    "ceremony {} ({} attempt {}): {}",
                    c.id, c.task_number, c.attempt, f.en
                ),
            });
            return Ok(report);
        }
    }
    if let Some(e) = all.iter().find(|e| {
        e.ceremony_id
            .map(|id| ceremony::get(conn, id).is_err())
            .unwrap_or(false)
    }) {
        report.problem = Some(Problem::Journal {
            message_zh: format!(
                "日志第 {} 条（{}）所指的摇号 {} 不存在",
                e.seq,
                e.event,
                e.ceremony_id.unwrap_or(0)
            ),
            message_en: format!(
                "journal entry {} ({}) names ceremony {}, which does not exist",
                e.seq,
                e.event,
                e.ceremony_id.unwrap_or(0)
            ),
            problem: ChainProblem::Content {
                seq: e.seq,
                event: e.event.clone(),
            },
        });
    }
    Ok(report)
}

/// The journal's view of a ceremony, built by replaying its entries.
#[derive(Default)]
struct Replayed {
    state: Option<State>,
    fingerprints: Option<Value>,
    commitment: Option<String>,
    witnesses: Vec<(u32, String, String, String, Option<String>)>,
    secret: Option<String>,
    seed: Option<String>,
    fp_outcome: Option<String>,
    revealed: u32,
    record_hash: Option<String>,
    journal_head: Option<String>,
    sealed_at: Option<String>,
    void: Option<(String, String)>,
    videos: Vec<String>,
    reserves: Vec<(String, String)>,
    assignments: Vec<(String, u32)>,
    results: Vec<(String, String, String)>,
}

fn s(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// Which state an event requires and which it leads to (`None`: the state does not change).
fn transition(event: Event, from: Option<State>, all_collected: bool) -> Option<(bool, Option<State>)> {
    use State::*;
    let ok = |allowed: &[State]| from.map(|f| allowed.contains(&f)).unwrap_or(false);
    let not_voided = from.map(|f| f != Voided).unwrap_or(false);
    Some(match event {
        Event::CeremonyStarted => (from.is_none(), Some(Prepared)),
        Event::InputsFrozen => (ok(&[Prepared]), Some(Frozen)),
        Event::SecretCommitted => (ok(&[Frozen]), Some(Committed)),
        Event::WitnessAdded => (ok(&[Committed]), None),
        Event::WitnessesClosed => (ok(&[Committed]), Some(Witnessed)),
        Event::EntropyAdded => (ok(&[Witnessed]), all_collected.then_some(EntropyCollected)),
        Event::SeedDerived => (ok(&[EntropyCollected]), Some(Seeded)),
        Event::TargetRevealed => (ok(&[Seeded, Revealing]), Some(Revealing)),
        Event::RevealCompleted => (ok(&[Seeded, Revealing]), Some(Revealed)),
        Event::CeremonySealed => (ok(&[Revealed]), Some(Sealed)),
        Event::CeremonyVoided => (from.map(|f| !f.is_finished()).unwrap_or(false), Some(Voided)),
        Event::RecordingStarted | Event::RecordingStopped | Event::MarkerAdded => (not_voided, None),
        Event::VideoAttached
        | Event::ReserveUsed
        | Event::ManualAssignment
        | Event::ResultRecorded
        | Event::ResultPublished => (ok(&[Sealed]), None),
        _ => return None,
    })
}

fn replay(conn: &Connection, c: &Ceremony, entries: &[&Entry], all: &[Entry]) -> Result<Option<Finding>> {
    let mut r = Replayed::default();
    for e in entries {
        let Some(event) = Event::parse(&e.event) else {
            continue;
        };
        let p: Value = match serde_json::from_str(&e.payload) {
            Ok(v) => v,
            Err(_) => {
                return Ok(Some(finding(
                    Some(e.seq),
                    format!("日志第 {} 条的内容不是有效的 JSON", e.seq),
                    format!("journal entry {}'s payload is not valid JSON", e.seq),
                )));
            }
        };
        let all_collected = p["all_collected"].as_bool().unwrap_or(false);
        let Some((allowed, next)) = transition(event, r.state, all_collected) else {
            return Ok(Some(finding(
                Some(e.seq),
                format!("日志第 {} 条（{}）不是摇号事件", e.seq, e.event),
                format!("journal entry {} ({}) is not a ceremony event", e.seq, e.event),
            )));
        };
        if !allowed {
            let st = r.state.map(|s| s.as_str()).unwrap_or("none");
            return Ok(Some(finding(
                Some(e.seq),
                format!("日志第 {} 条（{}）在状态 {st} 下不允许发生", e.seq, e.event),
                format!(
                    "journal entry {} ({}) is not allowed in state {st}",
                    e.seq, e.event
                ),
            )));
        }
        match event {
            Event::InputsFrozen => r.fingerprints = Some(p["fingerprints"].clone()),
            Event::SecretCommitted => r.commitment = s(&p["commitment"]),
            Event::WitnessAdded => r.witnesses.push((
                p["witness"].as_u64().unwrap_or(0) as u32,
                s(&p["name"]).unwrap_or_default(),
                s(&p["role"]).unwrap_or_default(),
                s(&p["unit"]).unwrap_or_default(),
                None,
            )),
            Event::EntropyAdded => {
                let n = p["witness"].as_u64().unwrap_or(0) as u32;
                if let Some(w) = r.witnesses.iter_mut().find(|w| w.0 == n) {
                    w.4 = s(&p["entropy"]);
                }
            }
            Event::SeedDerived => {
                r.secret = s(&p["secret"]);
                r.seed = s(&p["seed"]);
                r.fp_outcome = s(&p["fp_outcome"]);
            }
            Event::TargetRevealed => r.revealed += 1,
            Event::CeremonySealed => {
                r.record_hash = s(&p["record_hash"]);
                r.journal_head = s(&p["journal_head"]);
                r.sealed_at = s(&p["sealed_at"]);
                // The journal head recorded at sealing must be the hash of the entry just before the seal.
                let before = all
                    .iter()
                    .take_while(|x| x.seq < e.seq)
                    .last()
                    .map(|x| hex::encode(x.hash));
                if before != r.journal_head {
                    return Ok(Some(finding(
                        Some(e.seq),
                        format!("日志第 {} 条记录的封存时日志头与前一条的哈希不符", e.seq),
                        format!(
                            "journal entry {}: the journal head recorded at sealing is not the previous entry's hash",
                            e.seq
                        ),
                    )));
                }
            }
            Event::CeremonyVoided => {
                r.void = Some((
                    s(&p["reason"]).unwrap_or_default(),
                    s(&p["operator"]).unwrap_or_default(),
                ))
            }
            Event::VideoAttached => r.videos.push(s(&p["sha256"]).unwrap_or_default()),
            Event::ReserveUsed => r.reserves.push((
                s(&p["target"]).unwrap_or_default(),
                s(&p["reserve"]).unwrap_or_default(),
            )),
            Event::ManualAssignment => r.assignments.push((
                s(&p["target"]).unwrap_or_default(),
                p["group"].as_u64().unwrap_or(0) as u32,
            )),
            Event::ResultRecorded => r.results.push((
                s(&p["entity"]).unwrap_or_default(),
                s(&p["category"]).unwrap_or_default(),
                s(&p["check_end"]).unwrap_or_default(),
            )),
            _ => {}
        }
        if let Some(n) = next {
            r.state = Some(n);
        }
    }
    compare(conn, c, &r)
}

fn mismatch(what_zh: &str, what_en: &str) -> Option<Finding> {
    Some(finding(
        None,
        format!("{what_zh}与日志记录不符"),
        format!("{what_en} does not match the journal"),
    ))
}

fn compare(conn: &Connection, c: &Ceremony, r: &Replayed) -> Result<Option<Finding>> {
    let (_, secret) = ceremony::get_with_secret(conn, c.id)?;
    if r.state != Some(c.state) {
        return Ok(Some(finding(
            None,
            format!(
                "状态为 {}，但日志重放得到 {}",
                c.state.as_str(),
                r.state.map(|s| s.as_str()).unwrap_or("（无记录）")
            ),
            format!(
                "its state is {} but replaying the journal gives {}",
                c.state.as_str(),
                r.state.map(|s| s.as_str()).unwrap_or("(nothing)")
            ),
        )));
    }
    let fps = c.fingerprints.as_ref().map(|f| serde_json::json!(f));
    if r.fingerprints != fps {
        return Ok(mismatch("输入指纹", "the inputs fingerprints"));
    }
    if r.commitment != c.commitment {
        return Ok(mismatch("承诺值", "the commitment"));
    }
    let ws: Vec<(u32, String, String, String, Option<String>)> = ceremony::witnesses(conn, c.id)?
        .into_iter()
        .map(|w| (w.seq, w.name, w.role, w.unit, w.entropy))
        .collect();
    if ws != r.witnesses {
        return Ok(mismatch("见证人或其随机数", "the witnesses or their entropy"));
    }
    if r.seed.is_some() && (r.secret != secret || r.seed != c.seed || r.fp_outcome != c.fp_outcome) {
        return Ok(mismatch(
            "密钥、种子或结果指纹",
            "the secret, the seed or the outcome fingerprint",
        ));
    }
    if r.seed.is_none() && (c.seed.is_some() || c.fp_outcome.is_some()) {
        return Ok(mismatch("种子", "the seed"));
    }
    if r.revealed != c.reveal_position {
        return Ok(mismatch("揭晓进度", "the reveal position"));
    }
    if r.record_hash != c.record_hash || r.journal_head != c.journal_head || r.sealed_at != c.sealed_at {
        return Ok(mismatch("记录哈希或封存信息", "the record hash or the seal"));
    }
    let void = c.void_reason.clone().zip(c.void_operator.clone());
    if r.void != void {
        return Ok(mismatch("作废信息", "the void"));
    }
    let videos: Vec<String> = ceremony::media::videos(conn, c.id)?
        .into_iter()
        .map(|v| v.sha256)
        .collect();
    if videos != r.videos {
        return Ok(mismatch("附加录像", "the attached videos"));
    }
    let mut stmt = conn.prepare("SELECT target, reserve FROM reserve_use WHERE ceremony = ?1 ORDER BY id")?;
    let reserves: Vec<(String, String)> = stmt
        .query_map([c.id], |x| Ok((x.get(0)?, x.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if reserves != r.reserves {
        return Ok(mismatch("替补使用", "the use of reserves"));
    }
    let mut stmt =
        conn.prepare("SELECT target, grp FROM manual_assignment WHERE ceremony = ?1 ORDER BY id")?;
    let assignments: Vec<(String, u32)> = stmt
        .query_map([c.id], |x| Ok((x.get(0)?, x.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if assignments != r.assignments {
        return Ok(mismatch("人工分派", "the manual assignments"));
    }
    let mut stmt =
        conn.prepare("SELECT entity_code, category, check_end FROM result WHERE ceremony = ?1 ORDER BY id")?;
    let results: Vec<(String, String, String)> = stmt
        .query_map([c.id], |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if results != r.results {
        return Ok(mismatch("检查结果", "the inspection results"));
    }
    Ok(None)
}

fn recomputed(what_zh: &str, what_en: &str) -> Option<Finding> {
    Some(finding(
        None,
        format!("存储的{what_zh}与由冻结输入重新计算的结果不符"),
        format!("the stored {what_en} does not match the value recomputed from its frozen inputs"),
    ))
}

fn recompute(conn: &Connection, c: &Ceremony) -> Result<Option<Finding>> {
    if c.fingerprints.is_none() {
        return Ok(None);
    }
    let inputs = match steps::stored_inputs(conn, c.id) {
        Ok(i) => i,
        Err(e) => {
            return Ok(Some(finding(None, e.message(Lang::Zh), e.message(Lang::En))));
        }
    };
    let frozen = match engine::freeze(inputs, &ceremony::inputs::department_names(conn)?) {
        Ok(f) => f,
        Err(e) => {
            return Ok(Some(finding(
                None,
                format!("存储的冻结输入无法重新冻结：{}", e.message(Lang::Zh)),
                format!(
                    "the stored frozen inputs cannot be frozen again: {}",
                    e.message(Lang::En)
                ),
            )));
        }
    };
    if Some(&frozen.fingerprints) != c.fingerprints.as_ref() {
        return Ok(recomputed("输入指纹", "inputs fingerprints"));
    }
    let (_, secret) = ceremony::get_with_secret(conn, c.id)?;
    let Some(secret) = secret else {
        return Ok(None);
    };
    let Ok(secret) = steps::hex32("secret", &secret) else {
        return Ok(recomputed("密钥", "secret"));
    };
    let fp_inputs = steps::hex32("fp_inputs", &frozen.fingerprints.inputs)?;
    if c.commitment.as_deref() != Some(hex::encode(engine::commitment(&fp_inputs, &secret)).as_str()) {
        return Ok(recomputed("承诺值", "commitment"));
    }
    let Some(stored_seed) = &c.seed else {
        return Ok(None);
    };
    let entropies: Vec<String> = ceremony::witnesses(conn, c.id)?
        .into_iter()
        .filter_map(|w| w.entropy)
        .collect();
    let seed = engine::derive_seed(&frozen, &secret, &entropies)?;
    if hex::encode(seed) != *stored_seed {
        return Ok(recomputed("种子", "seed"));
    }
    let drawn = engine::draw(&frozen, &seed)?;
    if ceremony::outcome(conn, c.id)? != Some(drawn.outcome) {
        return Ok(recomputed("摇号结果", "outcome"));
    }
    if c.fp_outcome.as_deref() != Some(drawn.fp_outcome.as_str()) {
        return Ok(recomputed("结果指纹", "outcome fingerprint"));
    }
    if c.state == State::Sealed {
        let fields = record::RecordFields {
            fp_inputs,
            commitment: steps::hex32("commitment", c.commitment.as_deref().unwrap_or(""))?,
            secret,
            witnesses: ceremony::witnesses(conn, c.id)?
                .into_iter()
                .map(|w| record::RecordWitness {
                    name: w.name,
                    role: w.role,
                    unit: w.unit,
                    entropy: w.entropy.unwrap_or_default(),
                })
                .collect(),
            seed,
            fp_outcome: steps::hex32("fp_outcome", &drawn.fp_outcome)?,
            task_number: c.task_number.clone(),
            attempt: c.attempt,
            voided: ceremony::voided_before(conn, c.task, c.attempt)?,
            operator: c.operator.clone(),
            sealed_at: c.sealed_at.clone().unwrap_or_default(),
            journal_head: steps::hex32("journal_head", c.journal_head.as_deref().unwrap_or(""))?,
        };
        if c.record_hash.as_deref() != Some(hex::encode(fields.hash()).as_str()) {
            return Ok(recomputed("记录哈希", "record hash"));
        }
    }
    Ok(None)
}

/// The report as plain text lines.
pub fn render(report: &AuditReport, lang: Lang) -> Vec<String> {
    let mut lines = Vec::new();
    match &report.problem {
        None => {
            let (entries, n) = (report.journal.checked, report.ceremonies_checked);
            lines.push(match lang {
                Lang::Zh => format!("审计通过：日志 {entries} 条，哈希链完整；{n} 次摇号与日志一致，重新计算结果一致"),
                Lang::En if n == 1 => format!(
                    "audit OK: {entries} journal entries, the hash chain is intact; 1 ceremony matches the journal and its recomputation"
                ),
                Lang::En => format!(
                    "audit OK: {entries} journal entries, the hash chain is intact; {n} ceremonies match the journal and their recomputation"
                ),
            });
            if let Some(h) = &report.journal.head {
                lines.push(tr!(lang, "日志头哈希：{}", "journal head: {}", h));
            }
        }
        Some(p) => {
            lines.push(tr!(lang, "审计未通过：{}", "audit FAILED: {}", p.message(lang)));
        }
    }
    if !report.guards_intact {
        lines.push(tr!(
            lang,
            "警告：日志表的防改触发器已被删除",
            "warning: the journal's guard triggers have been removed"
        ));
    }
    lines
}
