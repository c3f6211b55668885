//! `fairdraw coverage --department D --year Y`: which items of a department's list were covered by tasks with
//! a sealed draw, and which tasks were joint.

use std::process::ExitCode;

use fairdraw::{Result, coverage, tr};
use serde_json::json;

use super::Ctx;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Department code or name.
    #[arg(long)]
    department: String,
    #[arg(long)]
    year: i32,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let db = ctx.open_db()?;
    let c = coverage::coverage(db.conn(), &args.department, args.year)?;
    let lang = ctx.lang;
    ctx.emit(&json!(c), || {
        let mut out = vec![tr!(
            lang,
            "{}（{}）{} 年：抽查事项 {}/{} 已覆盖（{}%）",
            "{} ({}) {}: {}/{} items covered ({}%)",
            c.department_name,
            c.department,
            c.year,
            c.covered,
            c.total,
            c.percent()
        )];
        for i in &c.items {
            out.push(format!(
                "  {}\t{}\t{}",
                i.code,
                i.name,
                if i.covered_by.is_empty() {
                    tr!(lang, "未覆盖", "not covered")
                } else {
                    i.covered_by.join(",")
                }
            ));
        }
        for t in &c.tasks {
            out.push(format!(
                "  {}\t{}\t{}\t{}\t{}",
                t.number,
                t.name,
                t.departments.join(","),
                if t.joint {
                    tr!(lang, "联合", "joint")
                } else {
                    tr!(lang, "单部门", "single")
                },
                if t.sealed {
                    tr!(lang, "已封存", "sealed")
                } else {
                    tr!(lang, "未封存", "not sealed")
                }
            ));
        }
        out
    });
    Ok(ExitCode::SUCCESS)
}
