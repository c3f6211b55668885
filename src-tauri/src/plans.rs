//! Commands of the plans (抽查计划) and tasks (抽查任务) pages: each is one call into `fairdraw::plan` or
//! `fairdraw::task`, the same functions `fairdraw plan …` and `fairdraw task …` call.
//!
//! The only work done here is parsing the page's arguments into the core's types at the edge (dates, the
//! method name), with errors naming the field, exactly as the command line parses its options.

use chrono::NaiveDate;
use fairdraw::ceremony::steps::{DEFAULT_MIN_ENTROPY_DIGITS, WITNESS_ROLES};
use fairdraw::clock::{SystemClock, parse_date};
use fairdraw::db::Db;
use fairdraw::plan::{self, Adjustment, NewPlan, Plan};
use fairdraw::task::{self, Method, NewTask, Recusal, Task};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tauri::{AppHandle, Runtime};

use crate::background::db_call;
use crate::ipc::IpcError;

/// A plan with its adjustments and tasks (what `fairdraw plan show` prints).
#[derive(Clone, Debug, Serialize)]
pub struct PlanDetail {
    pub plan: Plan,
    pub adjustments: Vec<Adjustment>,
    pub tasks: Vec<Task>,
}

/// The closed lists the forms offer, from the core: methods (抽查方式) and witness roles (见证人身份).
#[derive(Clone, Debug, Serialize)]
pub struct Choices {
    pub methods: Vec<&'static str>,
    pub witness_roles: Vec<&'static str>,
    pub min_entropy_digits: u32,
}

/// A new task as the tasks page sends it (the options of `fairdraw task create`).
#[derive(Clone, Debug, Deserialize)]
pub struct TaskInput {
    pub plan: i64,
    pub number: String,
    pub name: String,
    pub lead: String,
    #[serde(default)]
    pub participating: Vec<String>,
    #[serde(default)]
    pub items: Vec<String>,
    pub method: String,
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub end: Option<String>,
    #[serde(default)]
    pub result_handling: String,
    /// The rule template (§4.4 without `task` and `draw_date`), built by the page's rules form.
    pub rules: Value,
    #[serde(default)]
    pub recusals: Vec<Recusal>,
}

fn optional_date(field: &str, s: &Option<String>) -> fairdraw::Result<Option<NaiveDate>> {
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => parse_date(field, s).map(Some),
    }
}

impl TaskInput {
    /// The core's `NewTask`, with the method and dates parsed.
    pub fn into_new_task(self) -> fairdraw::Result<NewTask> {
        Ok(NewTask {
            method: Method::parse("method", &self.method)?,
            planned_start: optional_date("start", &self.start)?,
            planned_end: optional_date("end", &self.end)?,
            plan: self.plan,
            number: self.number,
            name: self.name,
            lead_department: self.lead,
            participating: self.participating,
            items: self.items,
            result_handling: self.result_handling,
            rules: self.rules,
            recusals: self.recusals,
        })
    }
}

/// Every plan with its adjustments and tasks.
pub fn plan_details(db: &Db) -> fairdraw::Result<Vec<PlanDetail>> {
    let conn = db.conn();
    plan::list(conn)?
        .into_iter()
        .map(|p| {
            Ok(PlanDetail {
                adjustments: plan::adjustments(conn, p.id)?,
                tasks: task::list(conn, Some(p.id))?,
                plan: p,
            })
        })
        .collect()
}

#[tauri::command]
pub fn choices() -> Choices {
    Choices {
        methods: Method::ALL.iter().map(|m| m.as_str()).collect(),
        witness_roles: WITNESS_ROLES.to_vec(),
        min_entropy_digits: DEFAULT_MIN_ENTROPY_DIGITS,
    }
}

#[tauri::command]
pub async fn list_plans<R: Runtime>(app: AppHandle<R>) -> Result<Vec<PlanDetail>, IpcError> {
    db_call(app, |db| plan_details(db)).await
}

#[tauri::command]
pub async fn create_plan<R: Runtime>(
    app: AppHandle<R>,
    year: i32,
    title: String,
    departments: Vec<String>,
    notes: String,
) -> Result<Plan, IpcError> {
    let new = NewPlan {
        year,
        title,
        departments,
        notes,
    };
    db_call(app, move |db| plan::create(db, &SystemClock, &new)).await
}

#[tauri::command]
pub async fn publish_plan<R: Runtime>(
    app: AppHandle<R>,
    plan: i64,
    on: String,
    place: String,
) -> Result<Plan, IpcError> {
    db_call(app, move |db| {
        plan::publish(db, &SystemClock, plan, parse_date("on", &on)?, &place)
    })
    .await
}

#[tauri::command]
pub async fn publish_adjustment<R: Runtime>(
    app: AppHandle<R>,
    adjustment: i64,
    on: String,
    place: String,
) -> Result<Adjustment, IpcError> {
    db_call(app, move |db| {
        plan::publish_adjustment(db, &SystemClock, adjustment, parse_date("on", &on)?, &place)
    })
    .await
}

#[tauri::command]
pub async fn list_tasks<R: Runtime>(app: AppHandle<R>, plan: Option<i64>) -> Result<Vec<Task>, IpcError> {
    db_call(app, move |db| task::list(db.conn(), plan)).await
}

#[tauri::command]
pub async fn get_task<R: Runtime>(app: AppHandle<R>, key: String) -> Result<Task, IpcError> {
    db_call(app, move |db| task::find(db.conn(), &key)).await
}

#[tauri::command]
pub async fn create_task<R: Runtime>(
    app: AppHandle<R>,
    task: TaskInput,
    operator: Option<String>,
) -> Result<Task, IpcError> {
    db_call(app, move |db| {
        task::create(db, &SystemClock, &task.into_new_task()?, operator.as_deref())
    })
    .await
}
