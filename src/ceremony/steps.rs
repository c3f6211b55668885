//! The steps of a ceremony, from start to seal, and the void.
//!
//! Each step is one write transaction that checks the current state, makes the change and appends its journal
//! entry, with the crash points `ceremony.<step>.before_commit` / `.after_commit`. Heavy computations that
//! depend only on stored values (the seed and the outcome) run before the transaction, and the transaction
//! re-checks that the state has not moved meanwhile. The freeze reads the registers inside its transaction, so
//! the snapshot is consistent with what was stored.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::{Value, json};

use super::{
    Ceremony, State, VoidedAttempt, engine, entropy_bits, event, get, get_with_secret, inputs, record,
    require_state, set_state, stamp, voided_before, witnesses,
};
use crate::clock::{Clock, SecretSource, format_date};
use crate::db::Db;
use crate::error::{Error, ErrorCode, Result};
use crate::journal::{self, Event};
use crate::plan::{optional_text, required_text};
use crate::task;

/// The minimum number of entropy digits per witness unless the ceremony says otherwise.
pub const DEFAULT_MIN_ENTROPY_DIGITS: u32 = 6;

/// The roles a witness (监督见证人) can have.
pub const WITNESS_ROLES: [&str; 8] = [
    "人大代表",
    "政协委员",
    "公证员",
    "新闻媒体",
    "行业协会",
    "纪检监察",
    "企业代表",
    "其他",
];

/// English aliases of the roles, in the same order, for the command line.
const WITNESS_ROLES_EN: [&str; 8] = [
    "deputy",
    "cppcc",
    "notary",
    "media",
    "association",
    "discipline",
    "enterprise",
    "other",
];

/// Parses a witness role (Chinese or the English alias) into its Chinese name.
pub fn parse_role(s: &str) -> Result<&'static str> {
    let t = s.trim();
    WITNESS_ROLES
        .iter()
        .zip(WITNESS_ROLES_EN.iter())
        .find(|(zh, en)| **zh == t || en.eq_ignore_ascii_case(t))
        .map(|(zh, _)| *zh)
        .ok_or_else(|| {
            Error::invalid_both(
                "role",
                format!("未知身份“{t}”，可选：{}", WITNESS_ROLES.join("、")),
                format!(
                    "unknown role “{t}”; one of: {} ({})",
                    WITNESS_ROLES.join(", "),
                    WITNESS_ROLES_EN.join(", ")
                ),
            )
        })
}

/// Starts a new attempt of a task: checks that its plan (and the adjustment that added it) is published, that
/// no attempt is unfinished and none is sealed.
pub fn start(
    db: &mut Db,
    clock: &dyn Clock,
    task_key: &str,
    operator: &str,
    min_entropy_digits: Option<u32>,
) -> Result<Ceremony> {
    let operator = required_text("operator", operator)?;
    let min = min_entropy_digits.unwrap_or(DEFAULT_MIN_ENTROPY_DIGITS);
    if !(1..=64).contains(&min) {
        return Err(Error::invalid_both(
            "min_entropy_digits",
            format!("最少位数 {min} 应在 1–64 之间"),
            format!("the minimum number of digits {min} must be between 1 and 64"),
        ));
    }
    let now = clock.now();
    let draw_date = now.date_naive();
    let id = journal::transact(db, "ceremony.start", |tx| {
        let t = task::find(tx, task_key)?;
        task::check_drawable(tx, &t)?;
        let existing = super::attempts(tx, t.id)?;
        if let Some(s) = existing.iter().find(|c| c.state == State::Sealed) {
            return Err(Error::other(
                ErrorCode::State,
                format!(
                    "任务 {} 已有封存的摇号（摇号 {}，第 {} 次），封存的结果不能重摇",
                    t.number, s.id, s.attempt
                ),
                format!(
                    "task {} already has a sealed draw (ceremony {}, attempt {}); a sealed draw cannot be redone",
                    t.number, s.id, s.attempt
                ),
            ));
        }
        if let Some(open) = existing.iter().find(|c| !c.state.is_finished()) {
            return Err(Error::other(
                ErrorCode::State,
                format!(
                    "任务 {} 的第 {} 次摇号（摇号 {}）尚未完成；请继续或先作废",
                    t.number, open.attempt, open.id
                ),
                format!(
                    "attempt {} of task {} (ceremony {}) is not finished; continue it or void it first",
                    open.attempt, t.number, open.id
                ),
            ));
        }
        let attempt = existing.iter().map(|c| c.attempt).max().unwrap_or(0) + 1;
        tx.execute(
            "INSERT INTO ceremony (task, attempt, state, operator, draw_date, min_entropy_digits, started_at)
             VALUES (?1, ?2, 'prepared', ?3, ?4, ?5, ?6)",
            params![t.id, attempt, operator, format_date(draw_date), min, stamp(now)],
        )?;
        let id = tx.last_insert_rowid();
        let c = get(tx, id)?;
        let voided = voided_before(tx, t.id, attempt)?;
        event(
            tx,
            now,
            &c,
            Event::CeremonyStarted,
            json!({"task_name": t.name, "operator": operator, "draw_date": format_date(draw_date),
                   "min_entropy_digits": min, "joint": t.is_joint(), "departments": t.departments(),
                   "voided_attempts": voided, "clock": clock.kind()}),
        )?;
        Ok(id)
    })?;
    get(db.conn(), id)
}

/// Freezes the inputs: snapshot of the registers, fingerprints, feasibility. An infeasible draw is reported
/// here, before any randomness exists, and nothing is written.
pub fn freeze(db: &mut Db, clock: &dyn Clock, id: i64) -> Result<Ceremony> {
    let now = clock.now();
    journal::transact(db, "ceremony.freeze", |tx| {
        let c = get(tx, id)?;
        require_state(&c, &[State::Prepared], "freeze")?;
        let t = task::get(tx, c.task)?;
        let (snapshot, names) = inputs::snapshot(tx, &t, c.attempt, c.draw_date)?;
        let counts = json!({"population": snapshot.population.len(), "inspectors": snapshot.inspectors.len(),
                            "recusals": snapshot.recusals.len()});
        let frozen = engine::freeze(snapshot, &names)?;
        let blob = inputs::compress(&frozen.inner)?;
        let fp = &frozen.fingerprints;
        tx.execute(
            "UPDATE ceremony SET state = 'frozen', summary = ?2, fp_population = ?3, fp_inspectors = ?4,
                 fp_recusals = ?5, fp_rules = ?6, fp_inputs = ?7 WHERE id = ?1",
            params![
                id,
                frozen.summary.to_string(),
                fp.population,
                fp.inspectors,
                fp.recusals,
                fp.rules,
                fp.inputs
            ],
        )?;
        tx.execute(
            "INSERT INTO ceremony_inputs (ceremony, inputs) VALUES (?1, ?2)",
            params![id, blob],
        )?;
        tx.execute("UPDATE task SET frozen = 1 WHERE id = ?1", [c.task])?;
        event(
            tx,
            now,
            &c,
            Event::InputsFrozen,
            json!({"fingerprints": fp, "population": counts["population"],
                   "inspectors": counts["inspectors"], "recusals": counts["recusals"],
                   "stored_bytes": blob.len(), "summary": frozen.summary}),
        )?;
        Ok(())
    })?;
    get(db.conn(), id)
}

fn fp_inputs_of(c: &Ceremony) -> Result<[u8; 32]> {
    let fp = c.fingerprints.as_ref().map(|f| f.inputs.as_str()).unwrap_or("");
    hex32("fp_inputs", fp)
}

/// Parses a stored 64-hex-digit value.
pub(crate) fn hex32(what: &str, s: &str) -> Result<[u8; 32]> {
    hex::decode(s)
        .ok()
        .and_then(|v| <[u8; 32]>::try_from(v).ok())
        .ok_or_else(|| {
            Error::other(
                ErrorCode::Corrupt,
                format!("存储的 {what} 不是 64 位十六进制值"),
                format!("the stored {what} is not 64 hex digits"),
            )
        })
}

/// Generates the app's secret and stores it with its commitment; only the commitment is shown.
pub fn commit(db: &mut Db, clock: &dyn Clock, id: i64, secrets: &mut dyn SecretSource) -> Result<Ceremony> {
    let now = clock.now();
    journal::transact(db, "ceremony.commit", |tx| {
        let c = get(tx, id)?;
        require_state(&c, &[State::Frozen], "commit")?;
        let fp_inputs = fp_inputs_of(&c)?;
        let secret = secrets.secret()?;
        let commitment = hex::encode(engine::commitment(&fp_inputs, &secret));
        tx.execute(
            "UPDATE ceremony SET state = 'committed', secret = ?2, secret_source = ?3, commitment = ?4 WHERE id = ?1",
            params![id, hex::encode(secret), secrets.kind().as_str(), commitment],
        )?;
        event(
            tx,
            now,
            &c,
            Event::SecretCommitted,
            json!({"commitment": commitment, "secret_source": secrets.kind().as_str(),
                   "fp_inputs": hex::encode(fp_inputs)}),
        )?;
        Ok(())
    })?;
    get(db.conn(), id)
}

/// Records a witness (in the committed state, before the list is closed).
pub fn add_witness(
    db: &mut Db,
    clock: &dyn Clock,
    id: i64,
    name: &str,
    role: &str,
    unit: &str,
) -> Result<super::Witness> {
    let name = required_text("name", name)?;
    let role = parse_role(role)?;
    let unit = optional_text(unit);
    let now = clock.now();
    journal::transact(db, "ceremony.witness", |tx| {
        let c = get(tx, id)?;
        require_state(&c, &[State::Committed], "witness")?;
        let ws = witnesses(tx, id)?;
        if ws.iter().any(|w| w.name == name && w.unit == unit) {
            return Err(Error::invalid_both(
                "name",
                format!("见证人“{name}”（{unit}）已登记"),
                format!("the witness “{name}” ({unit}) is already recorded"),
            ));
        }
        let seq = ws.len() as u32 + 1;
        tx.execute(
            "INSERT INTO witness (ceremony, seq, name, role, unit, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, seq, name, role, unit, stamp(now)],
        )?;
        event(
            tx,
            now,
            &c,
            Event::WitnessAdded,
            json!({"witness": seq, "name": name, "role": role, "unit": unit}),
        )?;
        Ok(())
    })?;
    witnesses(db.conn(), id)?
        .pop()
        .ok_or_else(|| Error::other(ErrorCode::Database, "见证人未写入", "the witness was not written"))
}

/// Closes the witness list: from now on each witness contributes entropy, in the recorded order.
pub fn close_witnesses(db: &mut Db, clock: &dyn Clock, id: i64) -> Result<Ceremony> {
    let now = clock.now();
    journal::transact(db, "ceremony.close_witnesses", |tx| {
        let c = get(tx, id)?;
        require_state(&c, &[State::Committed], "close-witnesses")?;
        let ws = witnesses(tx, id)?;
        if ws.is_empty() {
            return Err(Error::other(
                ErrorCode::State,
                "至少需要登记一位见证人",
                "at least one witness must be recorded",
            ));
        }
        set_state(tx, id, State::Witnessed)?;
        let list: Vec<Value> = ws
            .iter()
            .map(|w| json!({"witness": w.seq, "name": w.name, "role": w.role, "unit": w.unit}))
            .collect();
        event(tx, now, &c, Event::WitnessesClosed, json!({"witnesses": list}))?;
        Ok(())
    })?;
    get(db.conn(), id)
}

/// Folds full-width digits (０–９, as typed with a Chinese input method) to ASCII and checks that the entropy is
/// digits only and long enough.
pub fn clean_entropy(s: &str, min_digits: u32) -> Result<String> {
    let t: String = s
        .trim()
        .chars()
        .map(|ch| match ch {
            '０'..='９' => char::from(b'0' + (ch as u32 - '０' as u32) as u8),
            _ => ch,
        })
        .collect();
    if let Some(bad) = t.chars().find(|ch| !ch.is_ascii_digit()) {
        return Err(Error::invalid_both(
            "entropy",
            format!("只能输入数字，发现“{bad}”"),
            format!("digits only; found “{bad}”"),
        ));
    }
    if (t.len() as u32) < min_digits {
        return Err(Error::invalid_both(
            "entropy",
            format!("至少需要 {min_digits} 位数字，只有 {} 位", t.len()),
            format!("at least {min_digits} digits are needed, got {}", t.len()),
        ));
    }
    Ok(t)
}

/// Finds a witness by its number (1, 2, …) or exact name.
fn find_witness(ws: &[super::Witness], key: &str) -> Result<super::Witness> {
    let key = key.trim();
    let hit = match key.parse::<u32>() {
        Ok(n) => ws.iter().find(|w| w.seq == n),
        Err(_) => {
            let named: Vec<_> = ws.iter().filter(|w| w.name == key).collect();
            if named.len() > 1 {
                return Err(Error::invalid_both(
                    "witness",
                    format!("有多位见证人名为“{key}”，请用序号"),
                    format!("several witnesses are named “{key}”; use the number"),
                ));
            }
            named.into_iter().next()
        }
    };
    hit.cloned().ok_or_else(|| {
        Error::other(
            ErrorCode::NotFound,
            format!("未找到见证人“{key}”"),
            format!("witness “{key}” not found"),
        )
    })
}

/// What [`add_entropy`] reports.
#[derive(Clone, Debug, Serialize)]
pub struct EntropyAdded {
    pub witness: super::Witness,
    pub total_digits: usize,
    pub total_bits: f64,
    pub all_collected: bool,
    pub state: State,
}

/// Records one witness's entropy (digits). When every witness has contributed, the state becomes
/// `entropy_collected`.
pub fn add_entropy(
    db: &mut Db,
    clock: &dyn Clock,
    id: i64,
    witness: &str,
    entropy: &str,
) -> Result<EntropyAdded> {
    let now = clock.now();
    let (c, _) = get_with_secret(db.conn(), id)?;
    let entropy = clean_entropy(entropy, c.min_entropy_digits)?;
    journal::transact(db, "ceremony.entropy", |tx| {
        let c = get(tx, id)?;
        require_state(&c, &[State::Witnessed], "entropy")?;
        let ws = witnesses(tx, id)?;
        let w = find_witness(&ws, witness)?;
        if w.entropy.is_some() {
            return Err(Error::other(
                ErrorCode::State,
                format!("见证人 {}（{}）已贡献过随机数，不能更改", w.seq, w.name),
                format!(
                    "witness {} ({}) has already contributed entropy; it cannot be changed",
                    w.seq, w.name
                ),
            ));
        }
        tx.execute(
            "UPDATE witness SET entropy = ?3, entropy_at = ?4 WHERE ceremony = ?1 AND seq = ?2",
            params![id, w.seq, entropy, stamp(now)],
        )?;
        let ws = witnesses(tx, id)?;
        let total_digits: usize = ws
            .iter()
            .filter_map(|w| w.entropy.as_ref())
            .map(String::len)
            .sum();
        let all = ws.iter().all(|w| w.entropy.is_some());
        let state = if all {
            State::EntropyCollected
        } else {
            State::Witnessed
        };
        set_state(tx, id, state)?;
        event(
            tx,
            now,
            &c,
            Event::EntropyAdded,
            json!({"witness": w.seq, "name": w.name, "entropy": entropy, "digits": entropy.len(),
                   "total_digits": total_digits, "total_bits": entropy_bits(total_digits),
                   "all_collected": all}),
        )?;
        let witness = ws
            .into_iter()
            .find(|x| x.seq == w.seq)
            .ok_or_else(|| Error::other(ErrorCode::Database, "见证人丢失", "witness vanished"))?;
        Ok(EntropyAdded {
            witness,
            total_digits,
            total_bits: entropy_bits(total_digits),
            all_collected: all,
            state,
        })
    })
}

/// Loads the stored frozen inputs of a ceremony.
pub(crate) fn stored_inputs(conn: &rusqlite::Connection, id: i64) -> Result<inputs::FrozenInputs> {
    let blob: Option<Vec<u8>> = conn
        .query_row(
            "SELECT inputs FROM ceremony_inputs WHERE ceremony = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    let blob = blob.ok_or_else(|| {
        Error::other(
            ErrorCode::State,
            format!("摇号 {id} 还没有冻结的输入"),
            format!("ceremony {id} has no frozen inputs yet"),
        )
    })?;
    inputs::decompress(&blob)
}

/// Reveals the secret, derives the seed and computes and stores the outcome. Anyone can now recompute it.
pub fn seed(db: &mut Db, clock: &dyn Clock, id: i64) -> Result<Ceremony> {
    let (c, secret) = get_with_secret(db.conn(), id)?;
    require_state(&c, &[State::EntropyCollected], "seed")?;
    let secret = hex32("secret", secret.as_deref().unwrap_or(""))?;
    let ws = witnesses(db.conn(), id)?;
    let entropies: Vec<String> = ws.iter().filter_map(|w| w.entropy.clone()).collect();
    // The heavy part (decompressing, re-freezing and drawing) runs outside the write lock; it only reads values
    // that can no longer change in this state.
    let stored = stored_inputs(db.conn(), id)?;
    let frozen = engine::freeze(stored, &inputs::department_names(db.conn())?)?;
    if Some(&frozen.fingerprints) != c.fingerprints.as_ref() {
        return Err(Error::other(
            ErrorCode::Mismatch,
            format!("摇号 {id} 存储的输入与其指纹不符，已停止"),
            format!("the stored inputs of ceremony {id} do not match their fingerprints; stopped"),
        ));
    }
    let seed = engine::derive_seed(&frozen, &secret, &entropies)?;
    let drawn = engine::draw(&frozen, &seed)?;
    let display = record::display(&frozen.inner, &drawn.outcome);
    let now = clock.now();
    journal::transact(db, "ceremony.seed", |tx| {
        let c = get(tx, id)?;
        require_state(&c, &[State::EntropyCollected], "seed")?;
        tx.execute(
            "UPDATE ceremony SET state = 'seeded', seed = ?2, fp_outcome = ?3 WHERE id = ?1",
            params![id, hex::encode(seed), drawn.fp_outcome],
        )?;
        tx.execute(
            "INSERT INTO ceremony_outcome (ceremony, outcome, display) VALUES (?1, ?2, ?3)",
            params![id, drawn.outcome.to_string(), display.to_string()],
        )?;
        let o = &drawn.outcome;
        let count = |k: &str| o[k].as_array().map(Vec::len).unwrap_or(0);
        event(
            tx,
            now,
            &c,
            Event::SeedDerived,
            json!({"secret": hex::encode(secret), "commitment": c.commitment, "entropies": entropies,
                   "seed": hex::encode(seed), "fp_outcome": drawn.fp_outcome,
                   "targets": count("targets"), "reserves": count("reserves"), "groups": count("groups"),
                   "unassigned": count("unassigned"), "excluded": count("excluded")}),
        )?;
        Ok(())
    })?;
    get(db.conn(), id)
}

/// One revealed target, as shown on the projector.
#[derive(Clone, Debug, Serialize)]
pub struct Revealed {
    /// 1-based position in the target order.
    pub position: u32,
    pub of: u32,
    pub target: Value,
}

/// Reveals the next target (or all remaining ones with `all`, each step its own transaction, so a crash keeps
/// every step already shown). After the last, the state is `revealed`.
pub fn reveal(db: &mut Db, clock: &dyn Clock, id: i64, all: bool) -> Result<Vec<Revealed>> {
    let mut shown = Vec::new();
    // The display list is fixed at the seed; it is read once (inside the first step's transaction, after the
    // state check) rather than once per target.
    let mut display: Option<Value> = None;
    loop {
        let now = clock.now();
        let step = journal::transact(db, "ceremony.reveal", |tx| {
            let c = get(tx, id)?;
            require_state(&c, &[State::Seeded, State::Revealing], "reveal")?;
            if display.is_none() {
                display = Some(super::display(tx, id)?);
            }
            let display = display.as_ref().unwrap_or(&Value::Null);
            let targets = display["targets"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            let k = targets.len() as u32;
            let pos = c.reveal_position;
            let mut revealed = None;
            if pos < k {
                let target = targets[pos as usize].clone();
                tx.execute(
                    "UPDATE ceremony SET reveal_position = ?2, state = 'revealing' WHERE id = ?1",
                    params![id, pos + 1],
                )?;
                event(
                    tx,
                    now,
                    &c,
                    Event::TargetRevealed,
                    json!({"position": pos + 1, "of": k, "target": target}),
                )?;
                revealed = Some(Revealed {
                    position: pos + 1,
                    of: k,
                    target,
                });
            }
            let done = pos + 1 >= k;
            if done {
                set_state(tx, id, State::Revealed)?;
                event(
                    tx,
                    now,
                    &c,
                    Event::RevealCompleted,
                    json!({"targets": k, "groups": display["groups"], "unassigned": display["unassigned"]}),
                )?;
            }
            Ok((revealed, done))
        })?;
        let (revealed, done) = step;
        shown.extend(revealed);
        if done || !all {
            return Ok(shown);
        }
    }
}

/// Seals the record: fixes the record hash over everything that determined and witnessed the outcome, and the
/// journal head at the moment of sealing, which anchors the journal in the printed record.
pub fn seal(db: &mut Db, clock: &dyn Clock, id: i64) -> Result<Ceremony> {
    let now = clock.now();
    journal::transact(db, "ceremony.seal", |tx| {
        let (c, secret) = get_with_secret(tx, id)?;
        require_state(&c, &[State::Revealed], "seal")?;
        let head = journal::head(tx)?.map(|(_, h)| h).unwrap_or(journal::GENESIS);
        let sealed_at = stamp(now);
        let ws = witnesses(tx, id)?;
        let voided: Vec<VoidedAttempt> = voided_before(tx, c.task, c.attempt)?;
        let fields = record::RecordFields {
            fp_inputs: fp_inputs_of(&c)?,
            commitment: hex32("commitment", c.commitment.as_deref().unwrap_or(""))?,
            secret: hex32("secret", secret.as_deref().unwrap_or(""))?,
            witnesses: ws
                .iter()
                .map(|w| record::RecordWitness {
                    name: w.name.clone(),
                    role: w.role.clone(),
                    unit: w.unit.clone(),
                    entropy: w.entropy.clone().unwrap_or_default(),
                })
                .collect(),
            seed: hex32("seed", c.seed.as_deref().unwrap_or(""))?,
            fp_outcome: hex32("fp_outcome", c.fp_outcome.as_deref().unwrap_or(""))?,
            task_number: c.task_number.clone(),
            attempt: c.attempt,
            voided: voided.clone(),
            operator: c.operator.clone(),
            sealed_at: sealed_at.clone(),
            journal_head: head,
        };
        let record_hash = hex::encode(fields.hash());
        tx.execute(
            "UPDATE ceremony SET state = 'sealed', record_hash = ?2, journal_head = ?3, sealed_at = ?4 WHERE id = ?1",
            params![id, record_hash, hex::encode(head), sealed_at],
        )?;
        event(
            tx,
            now,
            &c,
            Event::CeremonySealed,
            json!({"record_hash": record_hash, "journal_head": hex::encode(head), "sealed_at": sealed_at,
                   "operator": c.operator, "seed": c.seed, "fp_outcome": c.fp_outcome,
                   "voided_attempts": voided, "clock": clock.kind(),
                   "secret_source": c.secret_source}),
        )?;
        Ok(())
    })?;
    get(db.conn(), id)
}

/// Voids an unfinished ceremony with a reason and the name of who decided it. The attempt stays in the journal
/// and in later records; its secret is published with the void, so anyone can see what the attempt would have
/// drawn once all entropy was in — voiding cannot hide an unwelcome outcome.
pub fn void(db: &mut Db, clock: &dyn Clock, id: i64, reason: &str, operator: &str) -> Result<Ceremony> {
    let reason = required_text("reason", reason)?;
    let operator = required_text("operator", operator)?;
    let now = clock.now();
    journal::transact(db, "ceremony.void", |tx| {
        let (c, secret) = get_with_secret(tx, id)?;
        if c.state.is_finished() {
            return Err(Error::other(
                ErrorCode::State,
                format!("摇号 {id} 已{}，不能作废", c.state.label_zh()),
                format!("ceremony {id} is {}; it cannot be voided", c.state.as_str()),
            ));
        }
        let entropies: Vec<Value> = witnesses(tx, id)?
            .into_iter()
            .map(|w| json!({"witness": w.seq, "name": w.name, "entropy": w.entropy}))
            .collect();
        tx.execute(
            "UPDATE ceremony SET state = 'voided', void_reason = ?2, void_operator = ?3, voided_at = ?4,
                 voided_in_state = ?5 WHERE id = ?1",
            params![id, reason, operator, stamp(now), c.state.as_str()],
        )?;
        event(
            tx,
            now,
            &c,
            Event::CeremonyVoided,
            json!({"reason": reason, "operator": operator, "state": c.state.as_str(),
                   "commitment": c.commitment, "secret": secret, "witnesses": entropies,
                   "seed": c.seed}),
        )?;
        Ok(())
    })?;
    get(db.conn(), id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_is_digits_only_and_long_enough() {
        assert_eq!(clean_entropy(" 123456 ", 6).unwrap(), "123456");
        assert_eq!(clean_entropy("１２３４５６７", 6).unwrap(), "1234567");
        let e = clean_entropy("12345", 6).unwrap_err();
        assert_eq!(
            e.message(crate::Lang::En),
            "entropy: at least 6 digits are needed, got 5"
        );
        let e = clean_entropy("12 3456", 6).unwrap_err();
        assert_eq!(e.message(crate::Lang::En), "entropy: digits only; found “ ”");
    }

    #[test]
    fn roles_parse_in_both_languages() {
        assert_eq!(parse_role("公证员").unwrap(), "公证员");
        assert_eq!(parse_role("Notary").unwrap(), "公证员");
        assert!(
            parse_role("路人")
                .unwrap_err()
                .message(crate::Lang::Zh)
                .contains("人大代表、政协委员")
        );
    }
}
