//! `fairdraw audit`: recomputes the journal chain and every ceremony; prints OK or the first mismatch
//! (exit code 3).

use std::process::ExitCode;

use fairdraw::{Result, audit};
use serde_json::json;

use super::Ctx;

pub fn run(ctx: &Ctx) -> Result<ExitCode> {
    let db = ctx.open_db()?;
    let report = audit::audit(db.conn())?;
    ctx.emit(&json!(report), || audit::render(&report, ctx.lang));
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}
