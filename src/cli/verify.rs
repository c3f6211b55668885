//! `fairdraw verify BUNDLE`: re-checks a record bundle (zip or folder) and prints plainly whether it
//! matches — "一致 / MATCH" — or the first difference. Exit code 3 on a mismatch.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use fairdraw::bundle::{self, Verdict};

use super::Ctx;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The record bundle: a .zip file or a folder.
    pub bundle: PathBuf,
}

pub fn run(ctx: &Ctx, args: Args) -> fairdraw::Result<ExitCode> {
    let verdict = bundle::verify_path(&args.bundle)?;
    let text = if ctx.json {
        serde_json::to_string_pretty(&verdict).unwrap_or_default()
    } else {
        verdict.message(ctx.lang)
    };
    // A closed pipe (`fairdraw verify X | head -1`) must not turn the verdict into a panic: the exit code
    // still says whether the record matched.
    let _ = writeln!(std::io::stdout().lock(), "{text}");
    Ok(match verdict {
        Verdict::Match { .. } => ExitCode::SUCCESS,
        Verdict::Mismatch(_) => super::exit_code(fairdraw::ErrorCode::Mismatch),
    })
}
