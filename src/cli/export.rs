//! `fairdraw export entities|inspectors|items|departments OUT.xlsx|OUT.csv`: writes a register as a spreadsheet
//! that re-imports unchanged.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Ctx;
use super::list::RegisterArg;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Which register.
    #[arg(value_enum)]
    pub register: RegisterArg,
    /// The output file: .xlsx, or .csv (UTF-8 with BOM).
    pub out: PathBuf,
}

pub fn run(ctx: &Ctx, args: Args) -> fairdraw::Result<ExitCode> {
    let db = ctx.open_db()?;
    let summary = fairdraw::export::export(db.conn(), args.register.into(), &args.out)?;
    if ctx.json {
        ctx.print_json(&serde_json::to_value(&summary).unwrap_or_default());
    } else {
        super::out(&summary.message(ctx.lang));
    }
    Ok(ExitCode::SUCCESS)
}
