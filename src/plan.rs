//! Annual inspection plans (年度抽查计划), their publication (公示) and their adjustments (计划调整).
//!
//! "未经公示的随机抽查工作计划不得实施": a ceremony of a task may start only when the task's plan is published, and,
//! if the task was added to the plan later by an adjustment, when that adjustment is published too. A
//! published plan is never silently edited: every change is a `plan_adjustment` row with the values before and
//! after, who made it and when, and its own publication date and place. Adjustments made while a plan is still
//! a draft are published together with the plan. Every change here is journaled in the same transaction.
//!
//! This module also holds the small input cleaners ([`required_text`], [`optional_text`]) that plans, tasks,
//! ceremonies and results share: text from the command line or the UI is trimmed and NFC-normalised once, at
//! the edge, because the protocol hashes NFC text.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use serde_json::{Value, json};
use unicode_normalization::UnicodeNormalization;

use crate::clock::{Clock, format_date, format_time};
use crate::db::Db;
use crate::error::{Error, ErrorCode, Result};
use crate::journal::{self, Event};
use crate::registers;

/// Trims and NFC-normalises a required text field; an empty value is an error naming `field`.
pub fn required_text(field: &str, s: &str) -> Result<String> {
    let t: String = s.trim().nfc().collect();
    if t.is_empty() {
        return Err(Error::invalid_both(field, "不能为空", "must not be empty"));
    }
    Ok(t)
}

/// Trims and NFC-normalises an optional text field (empty stays empty).
pub fn optional_text(s: &str) -> String {
    s.trim().nfc().collect()
}

/// A small CSV file given on the command line (a recusal list, a holiday calendar): UTF-8 with or without a
/// BOM, one header row whose columns may be named in English or Chinese.
pub(crate) struct SmallCsv {
    /// The file as named in messages.
    pub file: String,
    headers: csv::StringRecord,
    /// The data rows with their row numbers (the header is row 1); rows with only empty cells are skipped.
    pub rows: Vec<(usize, csv::StringRecord)>,
}

impl SmallCsv {
    /// Parses `bytes` read from `file`.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<SmallCsv> {
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes))
            .map_err(|_| Error::invalid_both(file, "不是 UTF-8 文本", "is not UTF-8 text"))?;
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let headers = rdr
            .headers()
            .map_err(|e| {
                Error::invalid_both(
                    file,
                    format!("无法读取表头：{e}"),
                    format!("cannot read the header: {e}"),
                )
            })?
            .clone();
        let mut rows = Vec::new();
        for (i, rec) in rdr.records().enumerate() {
            let row = i + 2;
            let rec = rec.map_err(|e| {
                Error::invalid_both(&format!("{file} row {row}"), e.to_string(), e.to_string())
            })?;
            if !rec.iter().all(|c| c.trim().is_empty()) {
                rows.push((row, rec));
            }
        }
        Ok(SmallCsv {
            file: file.to_string(),
            headers,
            rows,
        })
    }

    /// The index of the column named by any of `names`.
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        self.headers.iter().position(|h| names.contains(&h.trim()))
    }
}

/// Resolves department codes or names (`D01` or `市场监管局`) to codes, keeping the given order and dropping
/// repeats. `field` names the option for errors.
pub fn resolve_departments(conn: &Connection, field: &str, given: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for g in given {
        let g = required_text(field, g)?;
        let d = registers::find_department(conn, &g)?.ok_or_else(|| {
            Error::invalid_both(
                field,
                format!("未知部门“{g}”（可用部门编码或名称，见 fairdraw list departments）"),
                format!("unknown department “{g}” (use a code or name from `fairdraw list departments`)"),
            )
        })?;
        if !out.contains(&d.code) {
            out.push(d.code);
        }
    }
    Ok(out)
}

/// A publication date may not lie after today: it records something that has happened.
fn check_publication_date(field: &str, on: NaiveDate, today: NaiveDate) -> Result<()> {
    if on > today {
        return Err(Error::invalid_both(
            field,
            format!("公示日期 {} 晚于今天 {}", format_date(on), format_date(today)),
            format!(
                "the publication date {} is after today {}",
                format_date(on),
                format_date(today)
            ),
        ));
    }
    Ok(())
}

/// Whether a plan is published.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Draft,
    Published,
}

impl PlanStatus {
    fn parse(s: &str) -> PlanStatus {
        if s == "published" {
            PlanStatus::Published
        } else {
            PlanStatus::Draft
        }
    }
    /// `draft` or `published`.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Published => "published",
        }
    }
}

/// An annual plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub id: i64,
    pub year: i32,
    pub title: String,
    /// Department codes.
    pub departments: Vec<String>,
    pub status: PlanStatus,
    pub published_on: Option<NaiveDate>,
    pub published_where: Option<String>,
    pub notes: String,
    pub created_at: String,
}

/// What a new plan needs.
#[derive(Clone, Debug, Default)]
pub struct NewPlan {
    pub year: i32,
    pub title: String,
    /// Department codes or names.
    pub departments: Vec<String>,
    pub notes: String,
}

/// A change to a plan's fields; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct PlanChange {
    pub title: Option<String>,
    pub departments: Option<Vec<String>>,
    pub notes: Option<String>,
}

/// A recorded adjustment of a plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Adjustment {
    pub id: i64,
    pub plan: i64,
    pub made_at: String,
    pub operator: String,
    pub description: String,
    pub before: Value,
    pub after: Value,
    pub published_on: Option<NaiveDate>,
    pub published_where: Option<String>,
}

const PLAN_COLUMNS: &str =
    "id, year, title, departments, status, published_on, published_where, notes, created_at";

fn plan_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Plan> {
    let deps: String = r.get(3)?;
    let published_on: Option<String> = r.get(5)?;
    Ok(Plan {
        id: r.get(0)?,
        year: r.get(1)?,
        title: r.get(2)?,
        departments: serde_json::from_str(&deps).unwrap_or_default(),
        status: PlanStatus::parse(&r.get::<_, String>(4)?),
        published_on: published_on.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()),
        published_where: r.get(6)?,
        notes: r.get(7)?,
        created_at: r.get(8)?,
    })
}

/// One plan by id.
pub fn get(conn: &Connection, id: i64) -> Result<Plan> {
    conn.prepare_cached(&format!("SELECT {PLAN_COLUMNS} FROM plan WHERE id = ?1"))?
        .query_row([id], plan_from_row)
        .optional()?
        .ok_or_else(|| not_found("抽查计划", "plan", id))
}

fn not_found(zh: &str, en: &str, id: i64) -> Error {
    Error::other(
        ErrorCode::NotFound,
        format!("未找到{zh} {id}"),
        format!("{en} {id} not found"),
    )
}

/// All plans, newest year first.
pub fn list(conn: &Connection) -> Result<Vec<Plan>> {
    let mut stmt = conn.prepare(&format!("SELECT {PLAN_COLUMNS} FROM plan ORDER BY year DESC, id"))?;
    let rows = stmt.query_map([], plan_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn adjustment_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Adjustment> {
    let before: String = r.get(5)?;
    let after: String = r.get(6)?;
    let published_on: Option<String> = r.get(7)?;
    Ok(Adjustment {
        id: r.get(0)?,
        plan: r.get(1)?,
        made_at: r.get(2)?,
        operator: r.get(3)?,
        description: r.get(4)?,
        before: serde_json::from_str(&before).unwrap_or(Value::Null),
        after: serde_json::from_str(&after).unwrap_or(Value::Null),
        published_on: published_on.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()),
        published_where: r.get(8)?,
    })
}

const ADJ_COLUMNS: &str =
    "id, plan, made_at, operator, description, before, after, published_on, published_where";

/// The adjustments of a plan, oldest first.
pub fn adjustments(conn: &Connection, plan: i64) -> Result<Vec<Adjustment>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {ADJ_COLUMNS} FROM plan_adjustment WHERE plan = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([plan], adjustment_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One adjustment by id.
pub fn get_adjustment(conn: &Connection, id: i64) -> Result<Adjustment> {
    conn.prepare_cached(&format!(
        "SELECT {ADJ_COLUMNS} FROM plan_adjustment WHERE id = ?1"
    ))?
    .query_row([id], adjustment_from_row)
    .optional()?
    .ok_or_else(|| not_found("计划调整", "plan adjustment", id))
}

fn plan_json(p: &Plan) -> Value {
    json!({"title": p.title, "departments": p.departments, "notes": p.notes})
}

/// Creates a draft plan.
pub fn create(db: &mut Db, clock: &dyn Clock, new: &NewPlan) -> Result<Plan> {
    if !(2000..=2200).contains(&new.year) {
        return Err(Error::invalid_both(
            "year",
            format!("年度 {} 不在 2000–2200 之间", new.year),
            format!("year {} is not between 2000 and 2200", new.year),
        ));
    }
    let title = required_text("title", &new.title)?;
    let notes = optional_text(&new.notes);
    let departments = resolve_departments(db.conn(), "departments", &new.departments)?;
    if departments.is_empty() {
        return Err(Error::invalid_both(
            "departments",
            "至少需要一个部门",
            "at least one department is needed",
        ));
    }
    let now = clock.now();
    let id = journal::transact(db, "plan", |tx| {
        tx.execute(
            "INSERT INTO plan (year, title, departments, status, notes, created_at) VALUES (?1, ?2, ?3, 'draft', ?4, ?5)",
            params![new.year, title, json!(departments).to_string(), notes, format_time(now)],
        )?;
        let id = tx.last_insert_rowid();
        journal::append(
            tx,
            now,
            Event::PlanCreated,
            None,
            &json!({"plan": id, "year": new.year, "title": title, "departments": departments, "notes": notes}),
        )?;
        Ok(id)
    })?;
    get(db.conn(), id)
}

/// Marks a plan published (公示) on `on` at `where_` (e.g. the portal's address). Adjustments made while it was
/// a draft are published with it.
pub fn publish(db: &mut Db, clock: &dyn Clock, id: i64, on: NaiveDate, where_: &str) -> Result<Plan> {
    let where_ = required_text("where", where_)?;
    let now = clock.now();
    check_publication_date("on", on, now.date_naive())?;
    journal::transact(db, "plan", |tx| {
        let plan = get(tx, id)?;
        if plan.status == PlanStatus::Published {
            return Err(Error::other(
                ErrorCode::State,
                format!(
                    "抽查计划 {id} 已于 {} 公示，不能重复公示；修改请用计划调整",
                    plan.published_on.map(format_date).unwrap_or_default()
                ),
                format!(
                    "plan {id} was already published on {}; change it with a plan adjustment",
                    plan.published_on.map(format_date).unwrap_or_default()
                ),
            ));
        }
        tx.execute(
            "UPDATE plan SET status = 'published', published_on = ?2, published_where = ?3 WHERE id = ?1",
            params![id, format_date(on), where_],
        )?;
        tx.execute(
            "UPDATE plan_adjustment SET published_on = ?2, published_where = ?3 WHERE plan = ?1 AND published_on IS NULL",
            params![id, format_date(on), where_],
        )?;
        journal::append(
            tx,
            now,
            Event::PlanPublished,
            None,
            &json!({"plan": id, "published_on": format_date(on), "published_where": where_}),
        )?;
        Ok(())
    })?;
    get(db.conn(), id)
}

/// Records an adjustment of a plan: the changed fields before and after, who and why. On a draft plan it is
/// published with the plan; on a published plan it must be published with [`publish_adjustment`].
pub fn adjust(
    db: &mut Db,
    clock: &dyn Clock,
    id: i64,
    change: &PlanChange,
    description: &str,
    operator: &str,
) -> Result<Adjustment> {
    let description = required_text("description", description)?;
    let operator = required_text("operator", operator)?;
    let title = change
        .title
        .as_deref()
        .map(|t| required_text("title", t))
        .transpose()?;
    let notes = change.notes.as_deref().map(optional_text);
    let departments = match &change.departments {
        None => None,
        Some(d) => {
            let d = resolve_departments(db.conn(), "departments", d)?;
            if d.is_empty() {
                return Err(Error::invalid_both(
                    "departments",
                    "至少需要一个部门",
                    "at least one department is needed",
                ));
            }
            Some(d)
        }
    };
    let now = clock.now();
    let adj = journal::transact(db, "plan", |tx| {
        let plan = get(tx, id)?;
        let old = plan_json(&plan);
        let mut before = serde_json::Map::new();
        let mut after = serde_json::Map::new();
        let mut set = |key: &str, new: Value| {
            if old[key] != new {
                before.insert(key.to_string(), old[key].clone());
                after.insert(key.to_string(), new);
            }
        };
        if let Some(t) = &title {
            set("title", json!(t));
        }
        if let Some(d) = &departments {
            set("departments", json!(d));
        }
        if let Some(n) = &notes {
            set("notes", json!(n));
        }
        if after.is_empty() {
            return Err(Error::invalid_both(
                "adjustment",
                "没有要调整的内容（新值与现值相同）",
                "nothing to adjust (the new values equal the current ones)",
            ));
        }
        let (before, after) = (Value::Object(before), Value::Object(after));
        let mut merged = old.clone();
        if let (Some(m), Some(a)) = (merged.as_object_mut(), after.as_object()) {
            for (k, v) in a {
                m.insert(k.clone(), v.clone());
            }
        }
        tx.execute(
            "UPDATE plan SET title = ?2, departments = ?3, notes = ?4 WHERE id = ?1",
            params![
                id,
                merged["title"].as_str().unwrap_or_default(),
                merged["departments"].to_string(),
                merged["notes"].as_str().unwrap_or_default()
            ],
        )?;
        insert_adjustment(tx, now, id, &operator, &description, &before, &after)
    })?;
    Ok(adj)
}

/// Records an adjustment row and its journal entry inside a transaction. Used by [`adjust`] and by
/// `task::create` when a task is added to an already published plan.
pub(crate) fn insert_adjustment(
    tx: &Transaction<'_>,
    now: chrono::DateTime<chrono::FixedOffset>,
    plan: i64,
    operator: &str,
    description: &str,
    before: &Value,
    after: &Value,
) -> Result<Adjustment> {
    tx.execute(
        "INSERT INTO plan_adjustment (plan, made_at, operator, description, before, after) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![plan, format_time(now), operator, description, before.to_string(), after.to_string()],
    )?;
    let adj = tx.last_insert_rowid();
    journal::append(
        tx,
        now,
        Event::PlanAdjusted,
        None,
        &json!({"plan": plan, "adjustment": adj, "operator": operator, "description": description,
                "before": before, "after": after}),
    )?;
    get_adjustment(tx, adj)
}

/// Marks an adjustment of a published plan as published.
pub fn publish_adjustment(
    db: &mut Db,
    clock: &dyn Clock,
    adjustment: i64,
    on: NaiveDate,
    where_: &str,
) -> Result<Adjustment> {
    let where_ = required_text("where", where_)?;
    let now = clock.now();
    check_publication_date("on", on, now.date_naive())?;
    journal::transact(db, "plan", |tx| {
        let adj = get_adjustment(tx, adjustment)?;
        if let Some(d) = adj.published_on {
            return Err(Error::other(
                ErrorCode::State,
                format!("计划调整 {adjustment} 已于 {} 公示", format_date(d)),
                format!(
                    "plan adjustment {adjustment} was already published on {}",
                    format_date(d)
                ),
            ));
        }
        let plan = get(tx, adj.plan)?;
        if plan.status != PlanStatus::Published {
            return Err(Error::other(
                ErrorCode::State,
                format!("抽查计划 {} 尚未公示；草稿阶段的调整随计划一并公示", plan.id),
                format!(
                    "plan {} is not published yet; adjustments of a draft are published with the plan",
                    plan.id
                ),
            ));
        }
        tx.execute(
            "UPDATE plan_adjustment SET published_on = ?2, published_where = ?3 WHERE id = ?1",
            params![adjustment, format_date(on), where_],
        )?;
        journal::append(
            tx,
            now,
            Event::PlanAdjustmentPublished,
            None,
            &json!({"plan": plan.id, "adjustment": adjustment, "published_on": format_date(on), "published_where": where_}),
        )?;
        get_adjustment(tx, adjustment)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;

    fn clock() -> FixedClock {
        FixedClock(chrono::DateTime::parse_from_rfc3339("2026-02-10T10:00:00+08:00").unwrap())
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn plan_life_cycle_is_journaled() {
        let mut db = Db::open_in_memory().unwrap();
        let c = clock();
        let p = create(
            &mut db,
            &c,
            &NewPlan {
                year: 2026,
                title: " 2026年度双随机抽查计划 ".into(),
                departments: vec!["市场监管局".into(), "D13".into(), "D01".into()],
                notes: String::new(),
            },
        )
        .unwrap();
        assert_eq!(p.title, "2026年度双随机抽查计划");
        assert_eq!(p.departments, vec!["D01", "D13"]);
        assert_eq!(p.status, PlanStatus::Draft);
        let p = publish(&mut db, &c, p.id, d("2026-02-01"), "永州市人民政府门户网站").unwrap();
        assert_eq!(p.published_on, Some(d("2026-02-01")));
        let e = publish(&mut db, &c, p.id, d("2026-02-02"), "x").unwrap_err();
        assert_eq!(e.code(), ErrorCode::State);
        let a = adjust(
            &mut db,
            &c,
            p.id,
            &PlanChange {
                title: Some("2026年度双随机抽查计划（调整）".into()),
                ..Default::default()
            },
            "增补联合抽查",
            "李四",
        )
        .unwrap();
        assert_eq!(a.before, json!({"title": "2026年度双随机抽查计划"}));
        assert_eq!(a.after, json!({"title": "2026年度双随机抽查计划（调整）"}));
        assert_eq!(a.published_on, None);
        assert_eq!(
            get(db.conn(), p.id).unwrap().title,
            "2026年度双随机抽查计划（调整）"
        );
        let a = publish_adjustment(&mut db, &c, a.id, d("2026-02-10"), "门户网站").unwrap();
        assert_eq!(a.published_on, Some(d("2026-02-10")));
        let events: Vec<String> = journal::entries(db.conn(), None)
            .unwrap()
            .into_iter()
            .map(|e| e.event)
            .collect();
        assert_eq!(
            events,
            vec![
                "plan_created",
                "plan_published",
                "plan_adjusted",
                "plan_adjustment_published"
            ]
        );
    }

    #[test]
    fn bad_input_is_refused_and_nothing_is_written() {
        let mut db = Db::open_in_memory().unwrap();
        let c = clock();
        let e = create(
            &mut db,
            &c,
            &NewPlan {
                year: 2026,
                title: "计划".into(),
                departments: vec!["不存在局".into()],
                notes: String::new(),
            },
        )
        .unwrap_err();
        assert!(
            e.message(crate::Lang::Zh).contains("未知部门“不存在局”"),
            "{}",
            e.message(crate::Lang::Zh)
        );
        let p = create(
            &mut db,
            &c,
            &NewPlan {
                year: 2026,
                title: "计划".into(),
                departments: vec!["D01".into()],
                notes: String::new(),
            },
        )
        .unwrap();
        let e = publish(&mut db, &c, p.id, d("2026-03-01"), "网站").unwrap_err();
        assert_eq!(
            e.message(crate::Lang::En),
            "on: the publication date 2026-03-01 is after today 2026-02-10"
        );
        let e = adjust(&mut db, &c, p.id, &PlanChange::default(), "无", "李四").unwrap_err();
        assert_eq!(e.code(), ErrorCode::Invalid);
        assert_eq!(journal::entries(db.conn(), None).unwrap().len(), 1);
    }
}
