//! `fairdraw backup [OUT]`: writes a verified copy of the database to one new file (see `fairdraw::backup`,
//! which the desktop app's backup button calls too).

use std::path::PathBuf;
use std::process::ExitCode;

use fairdraw::backup;
use fairdraw::{Result, tr};

use super::Ctx;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The backup file to write; it must not exist yet. Default: `backups/fairdraw-YYYYMMDD-HHMMSS.sqlite3`
    /// beside the database (the desktop app's default too).
    pub out: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let mut db = ctx.open_db()?;
    let clock = ctx.clock()?;
    let out = match args.out {
        Some(p) => p,
        None => backup::default_backup_path(db.path(), clock.now().naive_local()),
    };
    let report = backup::backup_to(&mut db, &out, clock.as_ref(), &mut |_, _| {})?;
    ctx.emit(&serde_json::json!(report), || {
        let mut lines = vec![report.message(ctx.lang)];
        if let Some(p) = &report.snapshot.journal.problem {
            lines.push(tr!(
                ctx.lang,
                "警告：数据库的日志校验不通过，备份如实保存了它：{}",
                "warning: the database's journal does not verify, and the backup keeps it as it is: {}",
                p.message(ctx.lang)
            ));
        }
        lines
    });
    Ok(ExitCode::SUCCESS)
}
