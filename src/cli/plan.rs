//! `fairdraw plan create|publish|adjust|publish-adjustment|list|show`: annual plans and their publication.

use std::process::ExitCode;

use fairdraw::clock::{format_date, parse_date};
use fairdraw::plan::{self, NewPlan, Plan, PlanChange};
use fairdraw::task;
use serde_json::json;

use super::Ctx;

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Create a draft plan.
    Create {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        title: String,
        /// Department codes or names, comma-separated (e.g. D01,卫健委).
        #[arg(long, value_delimiter = ',', required = true)]
        departments: Vec<String>,
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// Record that a plan was published (公示).
    Publish {
        plan: i64,
        /// Publication date, YYYY-MM-DD.
        #[arg(long)]
        on: String,
        /// Where it was published (e.g. the portal's address).
        #[arg(long = "where")]
        where_: String,
    },
    /// Adjust a plan; the change is recorded with its before and after values.
    Adjust {
        plan: i64,
        #[arg(long)]
        description: String,
        #[arg(long)]
        operator: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long, value_delimiter = ',')]
        departments: Option<Vec<String>>,
        #[arg(long)]
        notes: Option<String>,
    },
    /// Record that an adjustment of a published plan was published.
    PublishAdjustment {
        adjustment: i64,
        #[arg(long)]
        on: String,
        #[arg(long = "where")]
        where_: String,
    },
    /// List the plans.
    List,
    /// Show a plan with its adjustments and tasks.
    Show { plan: i64 },
}

fn line(p: &Plan) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}",
        p.id,
        p.year,
        p.title,
        p.departments.join(","),
        match p.published_on {
            Some(d) => format!(
                "已公示 {} {}",
                format_date(d),
                p.published_where.clone().unwrap_or_default()
            ),
            None => "草稿".to_string(),
        }
    )
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> fairdraw::Result<ExitCode> {
    let mut db = ctx.open_db()?;
    let clock = ctx.clock()?;
    match cmd {
        Cmd::Create {
            year,
            title,
            departments,
            notes,
        } => {
            let p = plan::create(
                &mut db,
                clock.as_ref(),
                &NewPlan {
                    year,
                    title,
                    departments,
                    notes,
                },
            )?;
            ctx.emit(&json!(p), || vec![line(&p)]);
        }
        Cmd::Publish { plan: id, on, where_ } => {
            let p = plan::publish(&mut db, clock.as_ref(), id, parse_date("--on", &on)?, &where_)?;
            ctx.emit(&json!(p), || vec![line(&p)]);
        }
        Cmd::Adjust {
            plan: id,
            description,
            operator,
            title,
            departments,
            notes,
        } => {
            let a = plan::adjust(
                &mut db,
                clock.as_ref(),
                id,
                &PlanChange {
                    title,
                    departments,
                    notes,
                },
                &description,
                &operator,
            )?;
            ctx.emit(&json!(a), || {
                vec![format!(
                    "调整 {} / adjustment {}: {} → {}",
                    a.id, a.id, a.before, a.after
                )]
            });
        }
        Cmd::PublishAdjustment {
            adjustment,
            on,
            where_,
        } => {
            let a = plan::publish_adjustment(
                &mut db,
                clock.as_ref(),
                adjustment,
                parse_date("--on", &on)?,
                &where_,
            )?;
            ctx.emit(&json!(a), || {
                vec![format!(
                    "调整 {} 已公示 / adjustment {} published: {}",
                    a.id,
                    a.id,
                    a.published_on.map(format_date).unwrap_or_default()
                )]
            });
        }
        Cmd::List => {
            let v = plan::list(db.conn())?;
            ctx.emit(&json!(v), || v.iter().map(line).collect());
        }
        Cmd::Show { plan: id } => {
            let p = plan::get(db.conn(), id)?;
            let adjustments = plan::adjustments(db.conn(), id)?;
            let tasks = task::list(db.conn(), Some(id))?;
            let value = json!({"plan": p, "adjustments": adjustments, "tasks": tasks});
            ctx.emit(&value, || {
                let mut out = vec![line(&p)];
                for a in &adjustments {
                    out.push(format!(
                        "  调整 {}\t{}\t{}\t{}\t{}",
                        a.id,
                        a.made_at,
                        a.operator,
                        a.description,
                        a.published_on.map(format_date).unwrap_or_else(|| "未公示".into())
                    ));
                }
                for t in &tasks {
                    out.push(format!("  任务 {}\t{}\t{}", t.id, t.number, t.name));
                }
                out
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}
