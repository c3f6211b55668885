//! `fairdraw result add|publish|list`: inspection results, their 20-working-day publication deadline and the
//! overdue ones.

use std::process::ExitCode;

use fairdraw::ceremony;
use fairdraw::clock::{format_date, parse_date};
use fairdraw::result::{self, NewResult, ResultRow};
use fairdraw::task::Method;
use fairdraw::{Result, tr};
use serde_json::json;

use super::Ctx;

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Record the result of inspecting a target of a sealed ceremony.
    Add {
        /// Ceremony id, or task id/number.
        ceremony: String,
        /// The entity's code.
        #[arg(long)]
        entity: String,
        /// Result category (name, or its number 1–10 in the standard list).
        #[arg(long)]
        category: String,
        /// 核查方式: 实地检查, 书面检查, 网络监测, 检验检测, 委托专业机构, 其他部门结果.
        #[arg(long)]
        method: String,
        /// Follow-up disposal (后续处置).
        #[arg(long, default_value = "")]
        disposal: String,
        /// The date the check ended, YYYY-MM-DD.
        #[arg(long)]
        check_end: String,
        #[arg(long, default_value = "")]
        remarks: String,
        #[arg(long)]
        published_on: Option<String>,
    },
    /// Record that a result was published.
    Publish {
        ceremony: String,
        #[arg(long)]
        entity: String,
        #[arg(long)]
        on: String,
    },
    /// List results with their deadlines (overdue ones flagged).
    List {
        ceremony: Option<String>,
        /// Only results not published by their deadline.
        #[arg(long)]
        overdue: bool,
    },
}

fn line(r: &ResultRow, lang: fairdraw::Lang) -> String {
    let state = match (r.published_on, r.overdue, r.published_late) {
        (Some(d), _, true) => tr!(lang, "逾期公示 {}", "published late {}", format_date(d)),
        (Some(d), _, false) => tr!(lang, "已公示 {}", "published {}", format_date(d)),
        (None, true, _) => tr!(lang, "已逾期", "OVERDUE"),
        (None, false, _) => tr!(lang, "待公示", "to publish"),
    };
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}",
        r.task,
        r.entity_code,
        r.category,
        r.method,
        format_date(r.check_end),
        format_date(r.deadline),
        state
    )
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<ExitCode> {
    let mut db = ctx.open_db()?;
    let clock = ctx.clock()?;
    let lang = ctx.lang;
    match cmd {
        Cmd::Add {
            ceremony: key,
            entity,
            category,
            method,
            disposal,
            check_end,
            remarks,
            published_on,
        } => {
            let c = ceremony::find(db.conn(), &key)?;
            let r = result::add(
                &mut db,
                clock.as_ref(),
                &NewResult {
                    ceremony: c.id,
                    entity_code: entity,
                    category,
                    method: Method::parse("--method", &method)?,
                    disposal,
                    check_end: parse_date("--check-end", &check_end)?,
                    remarks,
                    published_on: published_on
                        .as_deref()
                        .map(|d| parse_date("--published-on", d))
                        .transpose()?,
                },
            )?;
            ctx.emit(&json!(r), || vec![line(&r, lang)]);
        }
        Cmd::Publish {
            ceremony: key,
            entity,
            on,
        } => {
            let c = ceremony::find(db.conn(), &key)?;
            let r = result::publish(&mut db, clock.as_ref(), c.id, &entity, parse_date("--on", &on)?)?;
            ctx.emit(&json!(r), || vec![line(&r, lang)]);
        }
        Cmd::List {
            ceremony: key,
            overdue,
        } => {
            let id = key
                .as_deref()
                .map(|k| ceremony::find(db.conn(), k))
                .transpose()?
                .map(|c| c.id);
            let mut v = result::list(db.conn(), clock.today(), id)?;
            if overdue {
                v.retain(|r| r.overdue || r.published_late);
            }
            ctx.emit(&json!(v), || v.iter().map(|r| line(r, lang)).collect());
        }
    }
    Ok(ExitCode::SUCCESS)
}
