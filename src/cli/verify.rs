//! `fairdraw verify BUNDLE`: re-checks a record bundle (zip or folder) and prints plainly whether it
//! matches — "一致 / MATCH" — or the first difference. Exit code 3 on a mismatch.

use std::path::PathBuf;
use std::process::ExitCode;

use fairdraw::bundle::{self, Bundle, Verdict};

use super::Ctx;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The record bundle: a .zip file or a folder.
    pub bundle: PathBuf,
}

pub fn run(ctx: &Ctx, args: Args) -> fairdraw::Result<ExitCode> {
    let verdict = bundle::verify(Bundle::read(&args.bundle)?)?;
    if ctx.json {
        ctx.print_json(&serde_json::to_value(&verdict).unwrap_or_default());
    } else {
        println!("{}", verdict.message(ctx.lang));
    }
    Ok(match verdict {
        Verdict::Match { .. } => ExitCode::SUCCESS,
        Verdict::Mismatch(_) => super::exit_code(fairdraw::ErrorCode::Mismatch),
    })
}
