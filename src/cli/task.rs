//! `fairdraw task create|update|list|show`: inspection tasks, their rule templates and recusal lists.
//!
//! The rule template is read from a JSON file (the protocol's §4.4 rules without `task` and `draw_date`); the
//! recusal list from a JSON or CSV file (`staff_no,entity_code,reason`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fairdraw::clock::{format_date, parse_date};
use fairdraw::task::{self, Method, NewTask, Task, TaskChange};
use fairdraw::{Error, Result};
use serde_json::{Value, json};

use super::Ctx;

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Create a task in a plan. In a published plan this is a plan adjustment and needs --operator.
    Create {
        #[arg(long)]
        plan: i64,
        /// Task number, e.g. 永市监抽〔2026〕3号.
        #[arg(long)]
        number: String,
        #[arg(long)]
        name: String,
        /// Lead department (code or name).
        #[arg(long)]
        lead: String,
        /// Participating departments of a joint task, comma-separated.
        #[arg(long, value_delimiter = ',')]
        participating: Vec<String>,
        /// Item codes from the item list, comma-separated.
        #[arg(long, value_delimiter = ',')]
        items: Vec<String>,
        /// 实地检查, 书面检查, 网络监测, 检验检测, 委托专业机构 or 其他部门结果.
        #[arg(long)]
        method: String,
        #[arg(long)]
        start: Option<String>,
        #[arg(long)]
        end: Option<String>,
        #[arg(long, default_value = "")]
        result_handling: String,
        /// The draw-rule template (JSON).
        #[arg(long, value_name = "FILE")]
        rules: PathBuf,
        /// The recusal list (JSON or CSV).
        #[arg(long, value_name = "FILE")]
        recusals: Option<PathBuf>,
        #[arg(long)]
        operator: Option<String>,
    },
    /// Change a task that no ceremony has frozen yet.
    Update {
        /// Task id or number.
        task: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        lead: Option<String>,
        #[arg(long, value_delimiter = ',')]
        participating: Option<Vec<String>>,
        #[arg(long, value_delimiter = ',')]
        items: Option<Vec<String>>,
        #[arg(long)]
        method: Option<String>,
        #[arg(long)]
        start: Option<String>,
        #[arg(long)]
        end: Option<String>,
        #[arg(long)]
        result_handling: Option<String>,
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
        #[arg(long, value_name = "FILE")]
        recusals: Option<PathBuf>,
    },
    /// List tasks.
    List {
        #[arg(long)]
        plan: Option<i64>,
    },
    /// Show a task.
    Show {
        /// Task id or number.
        task: String,
    },
}

fn read_rules(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::invalid_both(
            &path.display().to_string(),
            format!("不是有效的 JSON：{e}"),
            format!("not valid JSON: {e}"),
        )
    })
}

fn date(field: &str, s: &Option<String>) -> Result<Option<chrono::NaiveDate>> {
    s.as_deref().map(|s| parse_date(field, s)).transpose()
}

fn line(t: &Task) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}{}",
        t.id,
        t.number,
        t.name,
        t.departments().join(","),
        t.method.as_str(),
        if t.frozen { "\t已冻结" } else { "" }
    )
}

fn details(t: &Task) -> Vec<String> {
    vec![
        line(t),
        format!("  计划 / plan: {}", t.plan),
        format!(
            "  联合抽查 / joint: {}",
            if t.is_joint() { "是 yes" } else { "否 no" }
        ),
        format!("  事项 / items: {}", t.items.join(",")),
        format!(
            "  计划时间 / planned: {} – {}",
            t.planned_start.map(format_date).unwrap_or_default(),
            t.planned_end.map(format_date).unwrap_or_default()
        ),
        format!("  结果处理 / result handling: {}", t.result_handling),
        format!("  回避 / recusals: {}", t.recusals.len()),
        format!("  规则 / rules: {}", t.rules),
    ]
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<ExitCode> {
    let mut db = ctx.open_db()?;
    let clock = ctx.clock()?;
    match cmd {
        Cmd::Create {
            plan,
            number,
            name,
            lead,
            participating,
            items,
            method,
            start,
            end,
            result_handling,
            rules,
            recusals,
            operator,
        } => {
            let new = NewTask {
                plan,
                number,
                name,
                lead_department: lead,
                participating,
                items,
                method: Method::parse("--method", &method)?,
                planned_start: date("--start", &start)?,
                planned_end: date("--end", &end)?,
                result_handling,
                rules: read_rules(&rules)?,
                recusals: match &recusals {
                    Some(p) => task::read_recusals(p)?,
                    None => vec![],
                },
            };
            let t = task::create(&mut db, clock.as_ref(), &new, operator.as_deref())?;
            ctx.emit(&json!(t), || details(&t));
        }
        Cmd::Update {
            task: key,
            name,
            lead,
            participating,
            items,
            method,
            start,
            end,
            result_handling,
            rules,
            recusals,
        } => {
            let t = task::find(db.conn(), &key)?;
            let change = TaskChange {
                name,
                lead_department: lead,
                participating,
                items,
                method: method
                    .as_deref()
                    .map(|m| Method::parse("--method", m))
                    .transpose()?,
                planned_start: date("--start", &start)?.map(Some),
                planned_end: date("--end", &end)?.map(Some),
                result_handling,
                rules: rules.as_deref().map(read_rules).transpose()?,
                recusals: recusals.as_deref().map(task::read_recusals).transpose()?,
            };
            let t = task::update(&mut db, clock.as_ref(), t.id, &change)?;
            ctx.emit(&json!(t), || details(&t));
        }
        Cmd::List { plan } => {
            let v = task::list(db.conn(), plan)?;
            ctx.emit(&json!(v), || v.iter().map(line).collect());
        }
        Cmd::Show { task: key } => {
            let t = task::find(db.conn(), &key)?;
            ctx.emit(&json!(t), || details(&t));
        }
    }
    Ok(ExitCode::SUCCESS)
}
