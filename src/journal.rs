//! The journal: an append-only, hash-chained log of every state change, written in the same database
//! transaction as the change it records.
//!
//! Each entry has a sequence number (1, 2, …), a time (RFC 3339 with offset), an event from the closed list
//! [`Event`], an optional ceremony id, a JSON payload stored exactly as it was hashed, the previous entry's
//! hash and its own hash. The hash (defined in `docs/draw-protocol.md`, "Journal and record hash") covers all
//! of these, so changing any byte of a past entry, deleting one or reordering them breaks the chain at that
//! entry, and [`verify_chain`] names the first entry that does not match. SQLite triggers also refuse UPDATE
//! and DELETE on the table; they are only a guard against accidents, the chain is the real protection.
//!
//! Writers call [`transact`], which opens an IMMEDIATE transaction (so a second process gets a clear "busy"
//! at once instead of a deadlock on upgrade), runs the change together with its [`append`], and passes the
//! crash points of [`crate::fault`] just before and just after the commit.

use chrono::{DateTime, FixedOffset};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::clock::format_time;
use crate::db::Db;
use crate::error::{Error, ErrorCode, Result};
use crate::fault;

/// The kinds of journal entries. A closed list: an entry with any other name fails the audit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    PlanCreated,
    PlanPublished,
    PlanAdjusted,
    PlanAdjustmentPublished,
    TaskCreated,
    TaskUpdated,
    CeremonyStarted,
    InputsFrozen,
    SecretCommitted,
    WitnessAdded,
    WitnessesClosed,
    EntropyAdded,
    SeedDerived,
    TargetRevealed,
    RevealCompleted,
    CeremonySealed,
    CeremonyVoided,
    RecordingStarted,
    RecordingStopped,
    MarkerAdded,
    VideoAttached,
    ResultRecorded,
    ResultPublished,
    ReserveUsed,
    ManualAssignment,
    RegisterImported,
    CalendarImported,
    BackupCreated,
    DatabaseRestored,
}

impl Event {
    /// Every event, in the order of the list above.
    pub const ALL: [Event; 29] = [
        Event::PlanCreated,
        Event::PlanPublished,
        Event::PlanAdjusted,
        Event::PlanAdjustmentPublished,
        Event::TaskCreated,
        Event::TaskUpdated,
        Event::CeremonyStarted,
        Event::InputsFrozen,
        Event::SecretCommitted,
        Event::WitnessAdded,
        Event::WitnessesClosed,
        Event::EntropyAdded,
        Event::SeedDerived,
        Event::TargetRevealed,
        Event::RevealCompleted,
        Event::CeremonySealed,
        Event::CeremonyVoided,
        Event::RecordingStarted,
        Event::RecordingStopped,
        Event::MarkerAdded,
        Event::VideoAttached,
        Event::ResultRecorded,
        Event::ResultPublished,
        Event::ReserveUsed,
        Event::ManualAssignment,
        Event::RegisterImported,
        Event::CalendarImported,
        Event::BackupCreated,
        Event::DatabaseRestored,
    ];

    /// The stored and hashed name, e.g. `inputs_frozen`.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::PlanCreated => "plan_created",
            Event::PlanPublished => "plan_published",
            Event::PlanAdjusted => "plan_adjusted",
            Event::PlanAdjustmentPublished => "plan_adjustment_published",
            Event::TaskCreated => "task_created",
            Event::TaskUpdated => "task_updated",
            Event::CeremonyStarted => "ceremony_started",
            Event::InputsFrozen => "inputs_frozen",
            Event::SecretCommitted => "secret_committed",
            Event::WitnessAdded => "witness_added",
            Event::WitnessesClosed => "witnesses_closed",
            Event::EntropyAdded => "entropy_added",
            Event::SeedDerived => "seed_derived",
            Event::TargetRevealed => "target_revealed",
            Event::RevealCompleted => "reveal_completed",
            Event::CeremonySealed => "ceremony_sealed",
            Event::CeremonyVoided => "ceremony_voided",
            Event::RecordingStarted => "recording_started",
            Event::RecordingStopped => "recording_stopped",
            Event::MarkerAdded => "marker_added",
            Event::VideoAttached => "video_attached",
            Event::ResultRecorded => "result_recorded",
            Event::ResultPublished => "result_published",
            Event::ReserveUsed => "reserve_used",
            Event::ManualAssignment => "manual_assignment",
            Event::RegisterImported => "register_imported",
            Event::CalendarImported => "calendar_imported",
            Event::BackupCreated => "backup_created",
            Event::DatabaseRestored => "database_restored",
        }
    }

    /// The event with this stored name.
    pub fn parse(s: &str) -> Option<Event> {
        Event::ALL.iter().copied().find(|e| e.as_str() == s)
    }

    /// A short Chinese label for people reading a record.
    pub fn label_zh(self) -> &'static str {
        match self {
            Event::PlanCreated => "创建抽查计划",
            Event::PlanPublished => "公示抽查计划",
            Event::PlanAdjusted => "调整抽查计划",
            Event::PlanAdjustmentPublished => "公示计划调整",
            Event::TaskCreated => "创建抽查任务",
            Event::TaskUpdated => "修改抽查任务",
            Event::CeremonyStarted => "开始摇号",
            Event::InputsFrozen => "冻结输入",
            Event::SecretCommitted => "提交系统密钥承诺",
            Event::WitnessAdded => "登记监督见证人",
            Event::WitnessesClosed => "见证人登记完毕",
            Event::EntropyAdded => "见证人贡献随机数",
            Event::SeedDerived => "公开密钥并生成种子",
            Event::TargetRevealed => "揭晓检查对象",
            Event::RevealCompleted => "揭晓完毕",
            Event::CeremonySealed => "封存摇号记录",
            Event::CeremonyVoided => "作废本次摇号",
            Event::RecordingStarted => "开始录像",
            Event::RecordingStopped => "停止录像",
            Event::MarkerAdded => "添加标记",
            Event::VideoAttached => "附加录像文件",
            Event::ResultRecorded => "录入检查结果",
            Event::ResultPublished => "公示检查结果",
            Event::ReserveUsed => "启用替补对象",
            Event::ManualAssignment => "人工分派检查组",
            Event::RegisterImported => "导入名录",
            Event::CalendarImported => "导入节假日日历",
            Event::BackupCreated => "备份数据库",
            Event::DatabaseRestored => "从备份恢复数据库",
        }
    }
}

/// The previous hash of the first entry: 32 zero bytes.
pub const GENESIS: [u8; 32] = [0u8; 32];

/// One stored journal entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub event: String,
    pub ceremony_id: Option<i64>,
    /// The payload exactly as stored and hashed (compact JSON).
    pub payload: String,
    #[serde(serialize_with = "ser_hex")]
    pub prev_hash: [u8; 32],
    #[serde(serialize_with = "ser_hex")]
    pub hash: [u8; 32],
}

fn ser_hex<S: serde::Serializer>(b: &[u8; 32], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(b))
}

/// The length-prefixed encodings of the protocol's §2, for the hashes the journal and the record use.
#[derive(Default)]
pub struct Enc(Vec<u8>);

impl Enc {
    /// An empty encoding.
    pub fn new() -> Enc {
        Enc(Vec::new())
    }
    /// `u32(n)`: 4 bytes big-endian.
    pub fn u32(&mut self, n: u32) -> &mut Enc {
        self.0.extend_from_slice(&n.to_be_bytes());
        self
    }
    /// `u64(n)`: 8 bytes big-endian.
    pub fn u64(&mut self, n: u64) -> &mut Enc {
        self.0.extend_from_slice(&n.to_be_bytes());
        self
    }
    /// `bytes(b)`: `u32(len) || b`.
    pub fn bytes(&mut self, b: &[u8]) -> &mut Enc {
        // Every hashed value of fairdraw is far below 4 GiB; the journal refuses larger payloads before this.
        self.u32(b.len() as u32);
        self.0.extend_from_slice(b);
        self
    }
    /// `str(s)`: `bytes(utf8(s))`.
    pub fn str(&mut self, s: &str) -> &mut Enc {
        self.bytes(s.as_bytes())
    }
    /// `list(f, xs)`: `u32(len) || f(x1) || …`.
    pub fn list<T>(&mut self, xs: &[T], mut f: impl FnMut(&mut Enc, &T)) -> &mut Enc {
        self.u32(xs.len() as u32);
        for x in xs {
            f(self, x);
        }
        self
    }
    /// SHA-256 of the bytes encoded so far.
    pub fn sha256(&self) -> [u8; 32] {
        Sha256::digest(&self.0).into()
    }
}

/// The hash of a journal entry (see "Journal and record hash" in `docs/draw-protocol.md`):
/// `H(str("fairdraw-journal/1") || u64(seq) || str(at) || str(event) || u64(ceremony_id or 0) || str(payload) || bytes(prev_hash))`.
pub fn entry_hash(
    seq: i64,
    at: &str,
    event: &str,
    ceremony_id: Option<i64>,
    payload: &str,
    prev_hash: &[u8; 32],
) -> [u8; 32] {
    Enc::new()
        .str("fairdraw-journal/1")
        .u64(seq as u64)
        .str(at)
        .str(event)
        .u64(ceremony_id.unwrap_or(0) as u64)
        .str(payload)
        .bytes(prev_hash)
        .sha256()
}

/// The last entry's sequence number and hash, or `None` for an empty journal.
pub fn head(conn: &Connection) -> Result<Option<(i64, [u8; 32])>> {
    let row: Option<(i64, String)> = conn
        .prepare_cached("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match row {
        None => Ok(None),
        Some((seq, h)) => Ok(Some((seq, parse_hash(seq, "hash", &h)?))),
    }
}

fn parse_hash(seq: i64, column: &str, s: &str) -> Result<[u8; 32]> {
    hex::decode(s)
        .ok()
        .and_then(|v| <[u8; 32]>::try_from(v).ok())
        .ok_or_else(|| {
            Error::other(
                ErrorCode::Mismatch,
                format!("日志第 {seq} 条的 {column} 不是 64 位十六进制值"),
                format!("journal entry {seq}: {column} is not 64 hex digits"),
            )
        })
}

/// Appends an entry inside the caller's transaction and returns it. `at` is the time of the change (the same
/// instant the caller used for any offsets in the payload). The payload is stored as compact JSON, exactly the
/// text that is hashed.
pub fn append(
    tx: &Transaction<'_>,
    at: DateTime<FixedOffset>,
    event: Event,
    ceremony_id: Option<i64>,
    payload: &serde_json::Value,
) -> Result<Entry> {
    let payload = serde_json::to_string(payload).map_err(|e| {
        Error::other(
            ErrorCode::Invalid,
            format!("日志内容无法编码：{e}"),
            format!("journal payload cannot be encoded: {e}"),
        )
    })?;
    if payload.len() > u32::MAX as usize / 2 {
        return Err(Error::other(
            ErrorCode::Invalid,
            "日志内容过大",
            "journal payload too large",
        ));
    }
    let (prev_seq, prev_hash) = head(tx)?.unwrap_or((0, GENESIS));
    let seq = prev_seq + 1;
    let at = format_time(at);
    let hash = entry_hash(seq, &at, event.as_str(), ceremony_id, &payload, &prev_hash);
    tx.prepare_cached(
        "INSERT INTO journal (seq, at, event, ceremony_id, payload, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        seq,
        at,
        event.as_str(),
        ceremony_id,
        payload,
        hex::encode(prev_hash),
        hex::encode(hash)
    ])?;
    Ok(Entry {
        seq,
        at,
        event: event.as_str().to_string(),
        ceremony_id,
        payload,
        prev_hash,
        hash,
    })
}

/// Runs `f` in an IMMEDIATE write transaction and commits it, passing the fault points
/// `{fault_prefix}.before_commit` and `{fault_prefix}.after_commit`. If `f` fails, nothing is written.
pub fn transact<T>(
    db: &mut Db,
    fault_prefix: &str,
    f: impl FnOnce(&Transaction<'_>) -> Result<T>,
) -> Result<T> {
    let path = db.path().to_path_buf();
    let tx = db
        .conn_mut()
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| crate::db::map_open_error(&path, e))?;
    // SQLite errors of the change itself (busy, disk full, read-only, damaged) name the database file too.
    let value = f(&tx).map_err(|e| crate::db::name_db_error(&path, e))?;
    fault::point(&format!("{fault_prefix}.before_commit"));
    tx.commit().map_err(|e| crate::db::map_open_error(&path, e))?;
    fault::point(&format!("{fault_prefix}.after_commit"));
    Ok(value)
}

/// A journal row as stored: seq, at, event, ceremony_id, payload, prev_hash (hex), hash (hex).
type RawEntry = (i64, String, String, Option<i64>, String, String, String);

fn entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawEntry> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn raw_to_entry(raw: RawEntry) -> Result<Entry> {
    let (seq, at, event, ceremony_id, payload, prev, hash) = raw;
    Ok(Entry {
        prev_hash: parse_hash(seq, "prev_hash", &prev)?,
        hash: parse_hash(seq, "hash", &hash)?,
        seq,
        at,
        event,
        ceremony_id,
        payload,
    })
}

/// The entries of one ceremony (or all entries with `None`), in sequence order.
pub fn entries(conn: &Connection, ceremony_id: Option<i64>) -> Result<Vec<Entry>> {
    let sql = "SELECT seq, at, event, ceremony_id, payload, prev_hash, hash FROM journal
               WHERE ?1 IS NULL OR ceremony_id = ?1 ORDER BY seq";
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([ceremony_id], entry_from_row)?;
    let mut out = Vec::new();
    for raw in rows {
        out.push(raw_to_entry(raw?)?);
    }
    Ok(out)
}

/// What is wrong with the first bad entry of the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChainProblem {
    /// The entry's sequence number is not the next one: an entry is missing (deleted) or the order changed.
    Sequence { seq: i64, expected: i64 },
    /// The entry's stored hash does not match its contents: it was changed after it was written.
    Content { seq: i64, event: String },
    /// The entry does not point at the previous entry's hash: entries were removed, inserted or reordered.
    Link { seq: i64, event: String },
    /// The event name is not one of the closed list.
    UnknownEvent { seq: i64, event: String },
    /// A hash column is not 64 hex digits.
    Malformed { seq: i64, column: String },
}

impl ChainProblem {
    /// The sequence number of the entry at fault.
    pub fn seq(&self) -> i64 {
        match self {
            ChainProblem::Sequence { seq, .. }
            | ChainProblem::Content { seq, .. }
            | ChainProblem::Link { seq, .. }
            | ChainProblem::UnknownEvent { seq, .. }
            | ChainProblem::Malformed { seq, .. } => *seq,
        }
    }

    /// A plain sentence for the audit report.
    pub fn message(&self, lang: crate::Lang) -> String {
        match self {
            ChainProblem::Sequence { seq, expected } => crate::tr!(
                lang,
                "日志第 {} 条处出现序号 {}（应为 {}）：有条目被删除或顺序被改动",
                "journal entry {}: found sequence number {} where {} was expected — an entry was deleted or the entries were reordered",
                expected,
                seq,
                expected
            ),
            ChainProblem::Content { seq, event } => crate::tr!(
                lang,
                "日志第 {} 条（{}）的内容与其哈希不符：该条目在写入后被改动",
                "journal entry {} ({}): its content does not match its hash — it was changed after it was written",
                seq,
                event
            ),
            ChainProblem::Link { seq, event } => crate::tr!(
                lang,
                "日志第 {} 条（{}）未指向前一条的哈希：有条目被删除、插入或调换",
                "journal entry {} ({}): it does not link to the previous entry's hash — entries were removed, inserted or swapped",
                seq,
                event
            ),
            ChainProblem::UnknownEvent { seq, event } => crate::tr!(
                lang,
                "日志第 {} 条的事件类型“{}”不在规定列表中",
                "journal entry {}: event “{}” is not one of the known events",
                seq,
                event
            ),
            ChainProblem::Malformed { seq, column } => crate::tr!(
                lang,
                "日志第 {} 条的 {} 不是 64 位十六进制值",
                "journal entry {}: {} is not 64 hex digits",
                seq,
                column
            ),
        }
    }
}

/// The result of re-checking the whole chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// Entries checked (up to and including the first bad one).
    pub checked: i64,
    /// The hash of the last entry, hex, when the chain is intact and not empty.
    pub head: Option<String>,
    /// The first problem, if any.
    pub problem: Option<ChainProblem>,
}

/// Recomputes every entry's hash and link, streaming the journal in sequence order, and stops at the first
/// entry that does not match.
pub fn verify_chain(conn: &Connection) -> Result<ChainReport> {
    let mut stmt = conn
        .prepare("SELECT seq, at, event, ceremony_id, payload, prev_hash, hash FROM journal ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let mut prev = GENESIS;
    let mut expected = 1i64;
    let mut checked = 0i64;
    while let Some(row) = rows.next()? {
        let (seq, at, event, ceremony_id, payload, prev_hex, hash_hex) = entry_from_row(row)?;
        checked += 1;
        let fail = |problem| {
            Ok(ChainReport {
                checked,
                head: None,
                problem: Some(problem),
            })
        };
        if seq != expected {
            return fail(ChainProblem::Sequence { seq, expected });
        }
        let Ok(stored_prev) = parse_hash(seq, "prev_hash", &prev_hex) else {
            return fail(ChainProblem::Malformed {
                seq,
                column: "prev_hash".into(),
            });
        };
        let Ok(stored_hash) = parse_hash(seq, "hash", &hash_hex) else {
            return fail(ChainProblem::Malformed {
                seq,
                column: "hash".into(),
            });
        };
        if entry_hash(seq, &at, &event, ceremony_id, &payload, &stored_prev) != stored_hash {
            return fail(ChainProblem::Content { seq, event });
        }
        if stored_prev != prev {
            return fail(ChainProblem::Link { seq, event });
        }
        if Event::parse(&event).is_none() {
            return fail(ChainProblem::UnknownEvent { seq, event });
        }
        prev = stored_hash;
        expected += 1;
    }
    Ok(ChainReport {
        checked,
        head: (checked > 0).then(|| hex::encode(prev)),
        problem: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn hash_encoding_is_the_documented_one() {
        // Recomputed by hand from the definition, so a change of encoding cannot pass unnoticed.
        let mut b = Vec::new();
        let s = |b: &mut Vec<u8>, x: &str| {
            b.extend_from_slice(&(x.len() as u32).to_be_bytes());
            b.extend_from_slice(x.as_bytes());
        };
        s(&mut b, "fairdraw-journal/1");
        b.extend_from_slice(&1u64.to_be_bytes());
        s(&mut b, "2026-12-01T09:30:00.000+08:00");
        s(&mut b, "plan_created");
        b.extend_from_slice(&0u64.to_be_bytes());
        s(&mut b, r#"{"year":2026}"#);
        b.extend_from_slice(&32u32.to_be_bytes());
        b.extend_from_slice(&[0u8; 32]);
        let want: [u8; 32] = Sha256::digest(&b).into();
        assert_eq!(
            entry_hash(
                1,
                "2026-12-01T09:30:00.000+08:00",
                "plan_created",
                None,
                r#"{"year":2026}"#,
                &GENESIS
            ),
            want
        );
        assert_ne!(
            entry_hash(
                1,
                "2026-12-01T09:30:00.000+08:00",
                "plan_created",
                Some(1),
                r#"{"year":2026}"#,
                &GENESIS
            ),
            want,
            "the ceremony id is covered by the hash"
        );
    }

    #[test]
    fn appended_entries_chain_and_verify() {
        let mut db = Db::open_in_memory().unwrap();
        let e1 = transact(&mut db, "plan", |tx| {
            append(
                tx,
                at("2026-01-05T09:00:00+08:00"),
                Event::PlanCreated,
                None,
                &json!({"title": "计划"}),
            )
        })
        .unwrap();
        let e2 = transact(&mut db, "plan", |tx| {
            append(
                tx,
                at("2026-01-06T09:00:00+08:00"),
                Event::PlanPublished,
                None,
                &json!({"where": "门户网站"}),
            )
        })
        .unwrap();
        assert_eq!((e1.seq, e2.seq), (1, 2));
        assert_eq!(e1.prev_hash, GENESIS);
        assert_eq!(e2.prev_hash, e1.hash);
        assert_eq!(e1.payload, r#"{"title":"计划"}"#);
        assert_eq!(e1.at, "2026-01-05T09:00:00.000+08:00");
        let report = verify_chain(db.conn()).unwrap();
        assert_eq!(report.checked, 2);
        assert_eq!(report.head, Some(hex::encode(e2.hash)));
        assert_eq!(report.problem, None);
        assert_eq!(entries(db.conn(), None).unwrap(), vec![e1, e2]);
    }

    #[test]
    fn triggers_refuse_update_and_delete() {
        let mut db = Db::open_in_memory().unwrap();
        transact(&mut db, "plan", |tx| {
            append(
                tx,
                at("2026-01-05T09:00:00+08:00"),
                Event::PlanCreated,
                None,
                &json!({}),
            )
        })
        .unwrap();
        let e = db
            .conn()
            .execute("UPDATE journal SET payload = '{\"x\":1}'", [])
            .unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
        let e = db.conn().execute("DELETE FROM journal", []).unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
    }

    #[test]
    fn a_failed_change_writes_no_entry() {
        let mut db = Db::open_in_memory().unwrap();
        let r: Result<()> = transact(&mut db, "plan", |tx| {
            append(
                tx,
                at("2026-01-05T09:00:00+08:00"),
                Event::PlanCreated,
                None,
                &json!({}),
            )?;
            Err(Error::invalid("x", "refused"))
        });
        assert!(r.is_err());
        assert_eq!(head(db.conn()).unwrap(), None);
    }

    #[test]
    fn event_names_round_trip() {
        for e in Event::ALL {
            assert_eq!(Event::parse(e.as_str()), Some(e));
            assert_eq!(serde_json::to_value(e).unwrap(), json!(e.as_str()));
        }
        assert_eq!(Event::parse("silent_redraw"), None);
    }
}
