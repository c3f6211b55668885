//! Inspection tasks (抽查任务 / 实施方案): what one draw is for.
//!
//! A task belongs to a plan and names its number (e.g. 永市监抽〔2026〕3号), the lead department and, for a joint
//! task (联合抽查), the participating departments, the items of the item list it covers, the method, the planned
//! dates, how results are handled, the draw-rule template and the recusal list (回避名单). The rule template is
//! the protocol's §4.4 rules without `task` and `draw_date`, which the ceremony fills in; its
//! `inspectors.departments` is always the task's departments, lead first, then the participating ones in
//! ascending order.
//!
//! A task is editable until its first ceremony freezes the inputs; from then on a change would need a new task.
//! A task added to an already published plan is recorded as a plan adjustment, and cannot be drawn until that
//! adjustment is published.

use std::path::Path;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::clock::{Clock, format_date, format_time};
use crate::db::Db;
use crate::error::{Error, ErrorCode, Result};
use crate::journal::{self, Event};
use crate::plan::{self, PlanStatus, SmallCsv, optional_text, required_text, resolve_departments};
use crate::registers;

/// 核查方式 / 抽查方式: how an inspection is carried out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Method {
    #[serde(rename = "实地检查")]
    OnSite,
    #[serde(rename = "书面检查")]
    Documents,
    #[serde(rename = "网络监测")]
    Online,
    #[serde(rename = "检验检测")]
    Testing,
    #[serde(rename = "委托专业机构")]
    Commissioned,
    #[serde(rename = "其他部门结果")]
    OtherDepartment,
}

impl Method {
    /// All methods in the order of the published list.
    pub const ALL: [Method; 6] = [
        Method::OnSite,
        Method::Documents,
        Method::Online,
        Method::Testing,
        Method::Commissioned,
        Method::OtherDepartment,
    ];

    /// The Chinese name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::OnSite => "实地检查",
            Method::Documents => "书面检查",
            Method::Online => "网络监测",
            Method::Testing => "检验检测",
            Method::Commissioned => "委托专业机构",
            Method::OtherDepartment => "其他部门结果",
        }
    }

    /// The English name used on the command line as an alternative.
    pub fn en(self) -> &'static str {
        match self {
            Method::OnSite => "on-site",
            Method::Documents => "documents",
            Method::Online => "online",
            Method::Testing => "testing",
            Method::Commissioned => "commissioned",
            Method::OtherDepartment => "other-department",
        }
    }

    /// Parses the Chinese name (also 实地, 书面 …) or the English one.
    pub fn parse(field: &str, s: &str) -> Result<Method> {
        let t = s.trim();
        Method::ALL
            .iter()
            .copied()
            .find(|m| m.as_str() == t || m.en() == t || m.as_str().get(..6) == Some(t))
            .ok_or_else(|| {
                let names: Vec<&str> = Method::ALL.iter().map(|m| m.as_str()).collect();
                Error::invalid_both(
                    field,
                    format!("未知方式“{t}”，可选：{}", names.join("、")),
                    format!(
                        "unknown method “{t}”; one of: {} (or {})",
                        names.join(", "),
                        Method::ALL.iter().map(|m| m.en()).collect::<Vec<_>>().join(", ")
                    ),
                )
            })
    }
}

/// One entry of a recusal list (回避名单): this inspector must never inspect this entity.
pub use crate::draw::Recusal;

/// A stored task.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Task {
    pub id: i64,
    pub plan: i64,
    pub number: String,
    pub name: String,
    pub lead_department: String,
    /// Participating department codes, ascending.
    pub participating: Vec<String>,
    /// Item codes, ascending.
    pub items: Vec<String>,
    pub method: Method,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub result_handling: String,
    /// The draw-rule template (§4.4 rules without `task` and `draw_date`).
    pub rules: Value,
    /// The recusal list, ascending by (staff_no, entity_code).
    pub recusals: Vec<Recusal>,
    /// The plan adjustment that added this task to a published plan, if any.
    pub adjustment: Option<i64>,
    pub frozen: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl Task {
    /// The task's departments as the draw wants them: lead first, then the participating ones ascending.
    pub fn departments(&self) -> Vec<String> {
        let mut d = vec![self.lead_department.clone()];
        d.extend(self.participating.iter().cloned());
        d
    }

    /// A joint task (联合抽查) has participating departments.
    pub fn is_joint(&self) -> bool {
        !self.participating.is_empty()
    }
}

/// What a new task needs. Departments may be given by code or name.
#[derive(Clone, Debug)]
pub struct NewTask {
    pub plan: i64,
    pub number: String,
    pub name: String,
    pub lead_department: String,
    pub participating: Vec<String>,
    pub items: Vec<String>,
    pub method: Method,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub result_handling: String,
    pub rules: Value,
    pub recusals: Vec<Recusal>,
}

/// A change to a task; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct TaskChange {
    pub name: Option<String>,
    pub lead_department: Option<String>,
    pub participating: Option<Vec<String>>,
    pub items: Option<Vec<String>>,
    pub method: Option<Method>,
    pub planned_start: Option<Option<NaiveDate>>,
    pub planned_end: Option<Option<NaiveDate>>,
    pub result_handling: Option<String>,
    pub rules: Option<Value>,
    pub recusals: Option<Vec<Recusal>>,
}

const TASK_COLUMNS: &str = "id, plan, number, name, lead_department, participating, items, method, planned_start, \
     planned_end, result_handling, rules, recusals, adjustment, frozen, created_at, updated_at";

fn opt_date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

fn task_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Task> {
    let json_col = |i: usize| -> rusqlite::Result<Value> {
        let s: String = r.get(i)?;
        serde_json::from_str(&s).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
        })
    };
    let method: String = r.get(7)?;
    Ok(Task {
        id: r.get(0)?,
        plan: r.get(1)?,
        number: r.get(2)?,
        name: r.get(3)?,
        lead_department: r.get(4)?,
        participating: serde_json::from_value(json_col(5)?).unwrap_or_default(),
        items: serde_json::from_value(json_col(6)?).unwrap_or_default(),
        method: Method::parse("method", &method).unwrap_or(Method::OnSite),
        planned_start: opt_date(r.get(8)?),
        planned_end: opt_date(r.get(9)?),
        result_handling: r.get(10)?,
        rules: json_col(11)?,
        recusals: serde_json::from_value(json_col(12)?).unwrap_or_default(),
        adjustment: r.get(13)?,
        frozen: r.get::<_, i64>(14)? != 0,
        created_at: r.get(15)?,
        updated_at: r.get(16)?,
    })
}

/// A task by id.
pub fn get(conn: &Connection, id: i64) -> Result<Task> {
    conn.prepare_cached(&format!("SELECT {TASK_COLUMNS} FROM task WHERE id = ?1"))?
        .query_row([id], task_from_row)
        .optional()?
        .ok_or_else(|| {
            Error::other(
                ErrorCode::NotFound,
                format!("未找到抽查任务 {id}"),
                format!("task {id} not found"),
            )
        })
}

/// A task by its id (digits) or its number (e.g. 永市监抽〔2026〕3号).
pub fn find(conn: &Connection, id_or_number: &str) -> Result<Task> {
    let key = id_or_number.trim();
    if let Ok(id) = key.parse::<i64>() {
        return get(conn, id);
    }
    let id: Option<i64> = conn
        .prepare_cached("SELECT id FROM task WHERE number = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    match id {
        Some(id) => get(conn, id),
        None => Err(Error::other(
            ErrorCode::NotFound,
            format!("未找到编号为“{key}”的抽查任务"),
            format!("no task numbered “{key}”"),
        )),
    }
}

/// All tasks, or those of one plan, by id.
pub fn list(conn: &Connection, plan: Option<i64>) -> Result<Vec<Task>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {TASK_COLUMNS} FROM task WHERE ?1 IS NULL OR plan = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([plan], task_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Checks and completes a rule template: no `task`/`draw_date` (the ceremony sets them), `algorithm` defaults
/// to `fairdraw-draw/1`, and `inspectors.departments` is set to (or must equal) the task's departments.
pub fn complete_rule_template(template: &Value, departments: &[String]) -> Result<Value> {
    let Some(obj) = template.as_object() else {
        return Err(Error::invalid_both(
            "rules",
            "规则必须是 JSON 对象",
            "the rules must be a JSON object",
        ));
    };
    let mut obj = obj.clone();
    for key in ["task", "draw_date"] {
        if obj.contains_key(key) {
            return Err(Error::invalid_both(
                "rules",
                format!("规则模板不能含“{key}”，它由摇号时填入"),
                format!("the rule template must not contain “{key}”: the ceremony fills it in"),
            ));
        }
    }
    match obj.get("algorithm") {
        None => {
            obj.insert("algorithm".into(), json!("fairdraw-draw/1"));
        }
        Some(Value::String(a)) if a == "fairdraw-draw/1" => {}
        Some(other) => {
            return Err(Error::invalid_both(
                "rules.algorithm",
                format!("不支持的算法 {other}，应为 fairdraw-draw/1"),
                format!("unsupported algorithm {other}; expected fairdraw-draw/1"),
            ));
        }
    }
    let Some(inspectors) = obj.get_mut("inspectors").and_then(Value::as_object_mut) else {
        return Err(Error::invalid_both(
            "rules.inspectors",
            "缺少检查人员规则（inspectors）",
            "the inspector rules (inspectors) are missing",
        ));
    };
    match inspectors.get("departments") {
        None => {
            inspectors.insert("departments".into(), json!(departments));
        }
        Some(d) if *d == json!(departments) => {}
        Some(d) => {
            return Err(Error::invalid_both(
                "rules.inspectors.departments",
                format!(
                    "{d} 与任务的部门 {} 不一致（牵头部门在前，其余升序）",
                    json!(departments)
                ),
                format!(
                    "{d} differs from the task's departments {} (lead first, then the others ascending)",
                    json!(departments)
                ),
            ));
        }
    }
    Ok(Value::Object(obj))
}

/// The full rules (§4.4 JSON, in the specification's member order) of one attempt: the template with the task,
/// the attempt and the draw date filled in.
pub fn full_rules(template: &Value, number: &str, name: &str, attempt: u32, draw_date: NaiveDate) -> Value {
    let mut rules = serde_json::Map::new();
    rules.insert(
        "algorithm".into(),
        template
            .get("algorithm")
            .cloned()
            .unwrap_or(json!(crate::draw::ALGORITHM)),
    );
    rules.insert(
        "task".into(),
        json!({"number": number, "name": name, "attempt": attempt}),
    );
    rules.insert("draw_date".into(), json!(format_date(draw_date)));
    if let Some(t) = template.as_object() {
        for (k, v) in t {
            if k != "algorithm" {
                rules.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(rules)
}

/// Reads a recusal list from a `.json` file (an array of `{staff_no, entity_code, reason}`) or a CSV file with
/// the columns `staff_no,entity_code,reason` (or 工号, 统一社会信用代码/检查对象, 回避原因). Errors name the
/// file and the row.
pub fn read_recusals(path: &Path) -> Result<Vec<Recusal>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let file = path.display().to_string();
    let is_json = path
        .extension()
        .map(|e| e.eq_ignore_ascii_case("json"))
        .unwrap_or(false);
    let raw: Vec<(String, Recusal)> = if is_json {
        let v: Vec<Recusal> = serde_json::from_slice(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes))
            .map_err(|e| {
            Error::invalid_both(
                &file,
                format!("不是回避名单 JSON（[{{\"staff_no\",\"entity_code\",\"reason\"}}, …]）：{e}"),
                format!("not a recusal list JSON ([{{\"staff_no\",\"entity_code\",\"reason\"}}, …]): {e}"),
            )
        })?;
        v.into_iter()
            .enumerate()
            .map(|(i, r)| (format!("{file} [{i}]"), r))
            .collect()
    } else {
        let csv = SmallCsv::parse(&file, &bytes)?;
        let (Some(s), Some(c)) = (
            csv.column(&["staff_no", "工号"]),
            csv.column(&["entity_code", "统一社会信用代码", "检查对象", "code"]),
        ) else {
            return Err(Error::invalid_both(
                &file,
                "表头需要 staff_no（工号）和 entity_code（统一社会信用代码）两列",
                "the header needs the columns staff_no (工号) and entity_code (统一社会信用代码)",
            ));
        };
        let r = csv.column(&["reason", "回避原因", "原因"]);
        csv.rows
            .iter()
            .map(|(row, rec)| {
                let get = |i: usize| crate::draw::Text::from(rec.get(i).unwrap_or(""));
                (
                    format!("{file} row {row}"),
                    Recusal {
                        staff_no: get(s),
                        entity_code: get(c),
                        reason: r.map(get).unwrap_or_default(),
                    },
                )
            })
            .collect()
    };
    normalize_recusals(raw)
}

/// Cleans a recusal list (trims, NFC, upper-case codes), refuses empty keys and repeated pairs, and sorts it
/// by (staff_no, entity_code). Each entry comes with the place it was read from, for error messages.
pub fn normalize_recusals(raw: Vec<(String, Recusal)>) -> Result<Vec<Recusal>> {
    let mut out: Vec<(Recusal, String)> = Vec::with_capacity(raw.len());
    for (place, r) in raw {
        let staff_no = required_text(&format!("{place} staff_no"), &r.staff_no)?;
        let entity_code = required_text(&format!("{place} entity_code"), &r.entity_code)?.to_uppercase();
        out.push((
            Recusal {
                staff_no: staff_no.into(),
                entity_code: entity_code.into(),
                reason: optional_text(&r.reason).into(),
            },
            place,
        ));
    }
    out.sort_by(|a, b| (&a.0.staff_no, &a.0.entity_code).cmp(&(&b.0.staff_no, &b.0.entity_code)));
    for w in out.windows(2) {
        if w[0].0.staff_no == w[1].0.staff_no && w[0].0.entity_code == w[1].0.entity_code {
            return Err(Error::invalid_both(
                &w[1].1,
                format!(
                    "回避（{}，{}）与 {} 重复",
                    w[1].0.staff_no, w[1].0.entity_code, w[0].1
                ),
                format!(
                    "the recusal ({}, {}) repeats {}",
                    w[1].0.staff_no, w[1].0.entity_code, w[0].1
                ),
            ));
        }
    }
    Ok(out.into_iter().map(|(r, _)| r).collect())
}

struct Checked {
    lead: String,
    participating: Vec<String>,
    items: Vec<String>,
    rules: Value,
}

/// Validates the department, item and rule fields together (they depend on each other).
fn check_fields(
    conn: &Connection,
    (number, name): (&str, &str),
    lead: &str,
    participating: &[String],
    items: &[String],
    rules: &Value,
    (start, end): (Option<NaiveDate>, Option<NaiveDate>),
) -> Result<Checked> {
    let lead = resolve_departments(conn, "lead_department", &[lead.to_string()])?
        .pop()
        .ok_or_else(|| Error::invalid_both("lead_department", "不能为空", "must not be empty"))?;
    let mut participating = resolve_departments(conn, "participating", participating)?;
    participating.retain(|d| *d != lead);
    participating.sort();
    let mut departments = vec![lead.clone()];
    departments.extend(participating.iter().cloned());
    let mut codes = Vec::new();
    for i in items {
        let code = required_text("items", i)?;
        let item = registers::get_item(conn, &code)?.ok_or_else(|| {
            Error::invalid_both(
                "items",
                format!("抽查事项清单中没有事项“{code}”"),
                format!("item “{code}” is not in the item list"),
            )
        })?;
        if !departments.contains(&item.department) {
            return Err(Error::invalid_both(
                "items",
                format!("事项“{code}”属于部门 {}，不是本任务的部门", item.department),
                format!(
                    "item “{code}” belongs to department {}, which is not one of this task's",
                    item.department
                ),
            ));
        }
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes.sort();
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        return Err(Error::invalid_both(
            "planned_end",
            format!("计划结束日期 {} 早于开始日期 {}", format_date(e), format_date(s)),
            format!(
                "the planned end {} is before the planned start {}",
                format_date(e),
                format_date(s)
            ),
        ));
    }
    let rules = complete_rule_template(rules, &departments)?;
    // The draw engine checks the whole rules now, so a bad template is refused when the task is written, not
    // at the ceremony. The draw date is only a placeholder here: no rule depends on its value.
    let placeholder = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
    let names = crate::ceremony::inputs::department_names(conn)?;
    crate::draw::Rules::from_value(full_rules(&rules, number, name, 1, placeholder))
        .map_err(|e| e.into_error(&names))?;
    Ok(Checked {
        lead,
        participating,
        items: codes,
        rules,
    })
}

fn task_json(t: &Task) -> Value {
    json!({
        "task": t.id, "plan": t.plan, "number": t.number, "name": t.name,
        "lead_department": t.lead_department, "participating": t.participating, "items": t.items,
        "method": t.method.as_str(),
        "planned_start": t.planned_start.map(format_date), "planned_end": t.planned_end.map(format_date),
        "result_handling": t.result_handling, "rules": t.rules, "recusals": t.recusals,
        "adjustment": t.adjustment,
    })
}

/// Creates a task. In a published plan it is recorded as a plan adjustment by `operator` (required then),
/// which must be published before the task can be drawn.
pub fn create(db: &mut Db, clock: &dyn Clock, new: &NewTask, operator: Option<&str>) -> Result<Task> {
    let number = required_text("number", &new.number)?;
    let name = required_text("name", &new.name)?;
    let checked = check_fields(
        db.conn(),
        (&number, &name),
        &new.lead_department,
        &new.participating,
        &new.items,
        &new.rules,
        (new.planned_start, new.planned_end),
    )?;
    let recusals = normalize_recusals(
        new.recusals
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("recusals[{i}]"), r.clone()))
            .collect(),
    )?;
    let now = clock.now();
    let id = journal::transact(db, "task", |tx| {
        let p = plan::get(tx, new.plan)?;
        let exists: Option<i64> = tx
            .query_row("SELECT id FROM task WHERE number = ?1", [&number], |r| r.get(0))
            .optional()?;
        if let Some(other) = exists {
            return Err(Error::invalid_both(
                "number",
                format!("任务编号“{number}”已被任务 {other} 使用"),
                format!("the task number “{number}” is already used by task {other}"),
            ));
        }
        let adjustment = if p.status == PlanStatus::Published {
            let operator = required_text(
                "operator",
                operator.ok_or_else(|| {
                    Error::invalid_both(
                        "operator",
                        "向已公示的计划增加任务属于计划调整，需要填写经办人",
                        "adding a task to a published plan is a plan adjustment and needs an operator",
                    )
                })?,
            )?;
            let adj = plan::insert_adjustment(
                tx,
                now,
                p.id,
                &operator,
                &format!("新增抽查任务 {number} {name}"),
                &json!({}),
                &json!({"task": {"number": number, "name": name}}),
            )?;
            Some(adj.id)
        } else {
            None
        };
        let t = format_time(now);
        tx.execute(
            &format!(
                "INSERT INTO task ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 0, ?14, ?14)",
                "plan, number, name, lead_department, participating, items, method, planned_start, planned_end, \
                 result_handling, rules, recusals, adjustment, frozen, created_at, updated_at"
            ),
            params![
                p.id,
                number,
                name,
                checked.lead,
                json!(checked.participating).to_string(),
                json!(checked.items).to_string(),
                new.method.as_str(),
                new.planned_start.map(format_date),
                new.planned_end.map(format_date),
                optional_text(&new.result_handling),
                checked.rules.to_string(),
                serde_json::to_string(&recusals).unwrap_or_else(|_| "[]".into()),
                adjustment,
                t
            ],
        )?;
        let id = tx.last_insert_rowid();
        let task = get(tx, id)?;
        journal::append(tx, now, Event::TaskCreated, None, &task_json(&task))?;
        Ok(id)
    })?;
    get(db.conn(), id)
}

/// Changes a task that no ceremony has frozen yet. The journal entry lists the changed fields before and after.
pub fn update(db: &mut Db, clock: &dyn Clock, id: i64, change: &TaskChange) -> Result<Task> {
    let old = get(db.conn(), id)?;
    if old.frozen {
        return Err(frozen_error(&old));
    }
    let name = match &change.name {
        Some(n) => required_text("name", n)?,
        None => old.name.clone(),
    };
    let start = change.planned_start.unwrap_or(old.planned_start);
    let end = change.planned_end.unwrap_or(old.planned_end);
    // A change of departments changes the template's inspectors.departments; recompute it from the new ones.
    let rules_in = match &change.rules {
        Some(r) => r.clone(),
        None => {
            let mut r = old.rules.clone();
            if (change.lead_department.is_some() || change.participating.is_some())
                && let Some(i) = r.get_mut("inspectors").and_then(Value::as_object_mut)
            {
                i.remove("departments");
            }
            r
        }
    };
    let checked = check_fields(
        db.conn(),
        (&old.number, &name),
        change.lead_department.as_deref().unwrap_or(&old.lead_department),
        change.participating.as_deref().unwrap_or(&old.participating),
        change.items.as_deref().unwrap_or(&old.items),
        &rules_in,
        (start, end),
    )?;
    let recusals = match &change.recusals {
        Some(r) => normalize_recusals(
            r.iter()
                .enumerate()
                .map(|(i, r)| (format!("recusals[{i}]"), r.clone()))
                .collect(),
        )?,
        None => old.recusals.clone(),
    };
    let new = Task {
        name,
        lead_department: checked.lead,
        participating: checked.participating,
        items: checked.items,
        method: change.method.unwrap_or(old.method),
        planned_start: start,
        planned_end: end,
        result_handling: change
            .result_handling
            .as_deref()
            .map(optional_text)
            .unwrap_or_else(|| old.result_handling.clone()),
        rules: checked.rules,
        recusals,
        ..old.clone()
    };
    let (before, after) = diff(&task_json(&old), &task_json(&new));
    if after.as_object().map(|o| o.is_empty()).unwrap_or(true) {
        return Err(Error::invalid_both(
            "task",
            "没有要修改的内容（新值与现值相同）",
            "nothing to change (the new values equal the current ones)",
        ));
    }
    let now = clock.now();
    journal::transact(db, "task", |tx| {
        // Re-check inside the write lock: a ceremony may have frozen the task meanwhile.
        let current = get(tx, id)?;
        if current.frozen {
            return Err(frozen_error(&current));
        }
        tx.execute(
            "UPDATE task SET name = ?2, lead_department = ?3, participating = ?4, items = ?5, method = ?6,
                 planned_start = ?7, planned_end = ?8, result_handling = ?9, rules = ?10, recusals = ?11,
                 updated_at = ?12 WHERE id = ?1",
            params![
                id,
                new.name,
                new.lead_department,
                json!(new.participating).to_string(),
                json!(new.items).to_string(),
                new.method.as_str(),
                new.planned_start.map(format_date),
                new.planned_end.map(format_date),
                new.result_handling,
                new.rules.to_string(),
                serde_json::to_string(&new.recusals).unwrap_or_else(|_| "[]".into()),
                format_time(now)
            ],
        )?;
        journal::append(
            tx,
            now,
            Event::TaskUpdated,
            None,
            &json!({"task": id, "number": new.number, "before": before, "after": after}),
        )?;
        Ok(())
    })?;
    get(db.conn(), id)
}

fn frozen_error(t: &Task) -> Error {
    Error::other(
        ErrorCode::State,
        format!("任务 {} 的输入已被摇号冻结，不能再修改", t.number),
        format!(
            "task {}'s inputs were frozen by a ceremony; it can no longer be changed",
            t.number
        ),
    )
}

/// The members of two JSON objects that differ: (before, after).
fn diff(old: &Value, new: &Value) -> (Value, Value) {
    let mut before = serde_json::Map::new();
    let mut after = serde_json::Map::new();
    if let (Some(o), Some(n)) = (old.as_object(), new.as_object()) {
        for (k, v) in n {
            if o.get(k) != Some(v) {
                before.insert(k.clone(), o.get(k).cloned().unwrap_or(Value::Null));
                after.insert(k.clone(), v.clone());
            }
        }
    }
    (Value::Object(before), Value::Object(after))
}

/// Refuses to draw a task whose plan is not published, or whose adding adjustment is not published
/// ("未经公示的随机抽查工作计划不得实施").
pub fn check_drawable(conn: &Connection, task: &Task) -> Result<()> {
    let p = plan::get(conn, task.plan)?;
    if p.status != PlanStatus::Published {
        return Err(Error::other(
            ErrorCode::State,
            format!(
                "任务 {} 所属的抽查计划“{}”尚未公示：未经公示的随机抽查工作计划不得实施",
                task.number, p.title
            ),
            format!(
                "the plan “{}” of task {} is not published: an unpublished plan may not be carried out",
                p.title, task.number
            ),
        ));
    }
    if let Some(a) = task.adjustment {
        let adj = plan::get_adjustment(conn, a)?;
        if adj.published_on.is_none() {
            return Err(Error::other(
                ErrorCode::State,
                format!("任务 {} 由计划调整 {a} 增加，该调整尚未公示", task.number),
                format!(
                    "task {} was added by plan adjustment {a}, which is not published yet",
                    task.number
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use crate::model::Item;
    use crate::plan::NewPlan;

    fn clock() -> FixedClock {
        FixedClock(chrono::DateTime::parse_from_rfc3339("2026-03-02T10:00:00+08:00").unwrap())
    }

    fn template() -> Value {
        json!({
            "scope": {"regions": [], "industries": [], "entity_types": [], "risk_classes": [], "tags_any": []},
            "exclusions": {"statuses": ["注销"], "inspected_within_days": 365, "entities": []},
            "strata": "risk_class",
            "quota": {"mode": "count", "total": 4},
            "reserve_per_stratum": null,
            "inspectors": {"group_size": 2, "groups": {"mode": "fixed", "count": 2},
                "leader": {"required": true, "qualification": ""}, "expert_required": false,
                "required_qualifications": [], "active_statuses": ["在岗"], "recuse_same_region": false}
        })
    }

    fn setup() -> (Db, i64) {
        let mut db = Db::open_in_memory().unwrap();
        for (code, dep) in [("SC-001", "D01"), ("WJ-001", "D13")] {
            registers::upsert_item(
                db.conn(),
                &Item {
                    code: code.into(),
                    name: format!("事项{code}"),
                    department: dep.into(),
                    legal_basis: String::new(),
                    subject: String::new(),
                    object: String::new(),
                    method: String::new(),
                    ratio_frequency: String::new(),
                    inspector_requirements: String::new(),
                    notes: String::new(),
                },
            )
            .unwrap();
        }
        let p = plan::create(
            &mut db,
            &clock(),
            &NewPlan {
                year: 2026,
                title: "2026年计划".into(),
                departments: vec!["D01".into(), "D13".into()],
                notes: String::new(),
            },
        )
        .unwrap();
        (db, p.id)
    }

    fn new_task(plan: i64) -> NewTask {
        NewTask {
            plan,
            number: "永市监抽〔2026〕3号".into(),
            name: "食品经营者联合抽查".into(),
            lead_department: "市场监管局".into(),
            participating: vec!["卫健委".into()],
            items: vec!["WJ-001".into(), "SC-001".into()],
            method: Method::OnSite,
            planned_start: NaiveDate::from_ymd_opt(2026, 4, 1),
            planned_end: NaiveDate::from_ymd_opt(2026, 4, 30),
            result_handling: "结果于20个工作日内公示".into(),
            rules: template(),
            recusals: vec![Recusal {
                staff_no: "S002".into(),
                entity_code: "91330000566997460t".into(),
                reason: "亲属".into(),
            }],
        }
    }

    #[test]
    fn joint_task_gets_its_departments_in_the_rules_and_is_editable_until_frozen() {
        let (mut db, plan) = setup();
        let t = create(&mut db, &clock(), &new_task(plan), None).unwrap();
        assert!(t.is_joint());
        assert_eq!(t.departments(), vec!["D01", "D13"]);
        assert_eq!(t.items, vec!["SC-001", "WJ-001"]);
        assert_eq!(t.rules["inspectors"]["departments"], json!(["D01", "D13"]));
        assert_eq!(t.rules["algorithm"], "fairdraw-draw/1");
        assert_eq!(t.recusals[0].entity_code, "91330000566997460T");
        assert_eq!(t.adjustment, None);
        let t2 = update(
            &mut db,
            &clock(),
            t.id,
            &TaskChange {
                participating: Some(vec![]),
                items: Some(vec!["SC-001".into()]),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(!t2.is_joint());
        assert_eq!(t2.rules["inspectors"]["departments"], json!(["D01"]));
        let last = journal::entries(db.conn(), None).unwrap().pop().unwrap();
        assert_eq!(last.event, "task_updated");
        let p: Value = serde_json::from_str(&last.payload).unwrap();
        assert_eq!(p["before"]["participating"], json!(["D13"]));
        assert_eq!(p["after"]["participating"], json!([]));
        db.conn().execute("UPDATE task SET frozen = 1", []).unwrap();
        let e = update(
            &mut db,
            &clock(),
            t.id,
            &TaskChange {
                name: Some("x".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::State);
    }

    #[test]
    fn tasks_of_unpublished_plans_and_adjustments_cannot_be_drawn() {
        let (mut db, plan) = setup();
        let t = create(&mut db, &clock(), &new_task(plan), None).unwrap();
        let e = check_drawable(db.conn(), &t).unwrap_err();
        assert!(
            e.message(crate::Lang::Zh)
                .contains("未经公示的随机抽查工作计划不得实施")
        );
        plan::publish(
            &mut db,
            &clock(),
            plan,
            NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            "门户网站",
        )
        .unwrap();
        check_drawable(db.conn(), &t).unwrap();
        let mut n = new_task(plan);
        n.number = "永市监抽〔2026〕4号".into();
        let e = create(&mut db, &clock(), &n, None).unwrap_err();
        assert!(e.message(crate::Lang::En).contains("needs an operator"));
        let t4 = create(&mut db, &clock(), &n, Some("王五")).unwrap();
        let adj = t4.adjustment.unwrap();
        let e = check_drawable(db.conn(), &t4).unwrap_err();
        assert_eq!(
            e.message(crate::Lang::En),
            format!(
                "task 永市监抽〔2026〕4号 was added by plan adjustment {adj}, which is not published yet"
            )
        );
        plan::publish_adjustment(
            &mut db,
            &clock(),
            adj,
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            "网站",
        )
        .unwrap();
        check_drawable(db.conn(), &get(db.conn(), t4.id).unwrap()).unwrap();
    }

    #[test]
    fn bad_fields_are_named() {
        let (mut db, plan) = setup();
        let mut n = new_task(plan);
        n.items = vec!["XX-9".into()];
        let e = create(&mut db, &clock(), &n, None).unwrap_err();
        assert_eq!(
            e.message(crate::Lang::En),
            "items: item “XX-9” is not in the item list"
        );
        let mut n = new_task(plan);
        n.rules["task"] = json!({});
        let e = create(&mut db, &clock(), &n, None).unwrap_err();
        assert!(
            e.message(crate::Lang::En)
                .starts_with("rules: the rule template must not contain “task”")
        );
        let mut n = new_task(plan);
        n.rules["inspectors"]["departments"] = json!(["D13", "D01"]);
        let e = create(&mut db, &clock(), &n, None).unwrap_err();
        assert!(
            e.message(crate::Lang::En)
                .starts_with("rules.inspectors.departments:")
        );
        let mut n = new_task(plan);
        n.recusals.push(n.recusals[0].clone());
        let e = create(&mut db, &clock(), &n, None).unwrap_err();
        assert_eq!(
            e.message(crate::Lang::En),
            "recusals[1]: the recusal (S002, 91330000566997460T) repeats recusals[0]"
        );
        assert_eq!(list(db.conn(), None).unwrap().len(), 0);
        create(&mut db, &clock(), &new_task(plan), None).unwrap();
        let e = create(&mut db, &clock(), &new_task(plan), None).unwrap_err();
        assert!(e.message(crate::Lang::En).contains("is already used by task 1"));
    }

    #[test]
    fn recusals_read_from_csv_with_chinese_headers() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("回避.csv");
        std::fs::write(&p, "\u{feff}工号,统一社会信用代码,回避原因\nS9,91110105ma0012008x,曾任职\nS1,91330000566997460T,亲属\n").unwrap();
        let r = read_recusals(&p).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].staff_no, "S1");
        assert_eq!(r[1].entity_code, "91110105MA0012008X");
        std::fs::write(&p, "工号,统一社会信用代码\nS1,\n").unwrap();
        let e = read_recusals(&p).unwrap_err();
        assert!(
            e.message(crate::Lang::En)
                .ends_with("row 2 entity_code: must not be empty"),
            "{}",
            e.message(crate::Lang::En)
        );
    }
}
