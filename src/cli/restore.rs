//! `fairdraw restore IN`: replaces the database with a checked backup, keeping the current database as a dated
//! copy (see `fairdraw::backup::restore`). The database is not opened first: restoring is also the way
//! out of a damaged one.

use std::path::PathBuf;
use std::process::ExitCode;

use fairdraw::Result;
use fairdraw::backup;

use super::Ctx;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The backup file (written by `fairdraw backup`).
    pub backup: PathBuf,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let path = ctx.db_file()?;
    let clock = ctx.clock()?;
    let report = backup::restore(&path, &args.backup, clock.as_ref(), ctx.busy_timeout())?;
    ctx.emit(&serde_json::json!(report), || vec![report.message(ctx.lang)]);
    Ok(ExitCode::SUCCESS)
}
