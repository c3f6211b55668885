//! `fairdraw calendar import FILE`: the holiday and make-up workday (调休) list for working-day deadlines.

use std::path::PathBuf;
use std::process::ExitCode;

use fairdraw::{Result, calendar, tr};
use serde_json::json;

use super::Ctx;

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Import a CSV file `date,kind,name` (kind: holiday/休 or workday/班).
    Import { file: PathBuf },
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<ExitCode> {
    let mut db = ctx.open_db()?;
    let clock = ctx.clock()?;
    match cmd {
        Cmd::Import { file } => {
            let r = calendar::import(&mut db, clock.as_ref(), &file)?;
            ctx.emit(&json!(r), || {
                vec![tr!(
                    ctx.lang,
                    "已导入 {}：节假日 {} 天，调休上班 {} 天；{} 条检查结果的公示期限已更新",
                    "imported {}: {} holidays, {} make-up workdays; {} result deadlines updated",
                    r.file_name,
                    r.holidays,
                    r.workdays,
                    r.deadlines_changed
                )]
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}
