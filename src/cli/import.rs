//! `fairdraw import entities|inspectors|items|departments FILE [--sheet NAME] [--map FIELD=HEADER]...
//! [--partial --report OUT]`: imports a spreadsheet into a register and prints what it did.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use fairdraw::import::{self, ImportError, ImportOptions, ImportSummary};
use fairdraw::{Error, Lang, tr};

use super::Ctx;
use super::list::RegisterArg;

/// How many problems the human output lists before giving only the total.
const PROBLEMS_SHOWN: usize = 20;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Which register.
    #[arg(value_enum)]
    pub register: RegisterArg,
    /// The spreadsheet: .xlsx, .xlsm, .xls, .csv (UTF-8, UTF-8 with BOM, GBK/GB18030 or UTF-16 with BOM), .tsv, .txt.
    pub file: PathBuf,
    /// The sheet to read (default: the first sheet that has a header row).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Map a field to a column header explicitly, e.g. --map code=纳税人识别号 (repeatable).
    #[arg(long = "map", value_name = "FIELD=HEADER", value_parser = parse_map)]
    pub map: Vec<(String, String)>,
    /// Import the valid rows even if other rows have errors (needs --report for the rejected rows).
    #[arg(long, requires = "report")]
    pub partial: bool,
    /// Write the rows with errors (original values and problems) to this .xlsx or .csv file.
    #[arg(long, value_name = "OUT.xlsx|OUT.csv")]
    pub report: Option<PathBuf>,
}

fn parse_map(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((f, h)) if !f.trim().is_empty() && !h.trim().is_empty() => {
            Ok((f.trim().to_string(), h.trim().to_string()))
        }
        _ => Err(format!("expected FIELD=HEADER, got {s:?}")),
    }
}

pub fn run(ctx: &Ctx, args: Args) -> fairdraw::Result<ExitCode> {
    let mut db = ctx.open_db()?;
    let options = ImportOptions {
        sheet: args.sheet,
        mappings: args.map,
        partial: args.partial,
        report: args.report,
        lang: ctx.lang,
    };
    let show_progress = !ctx.json && std::io::stderr().is_terminal();
    let mut progress = |p: import::ImportProgress| {
        if !show_progress {
            return;
        }
        // Writing the rows of a large file takes about as long as reading them: say which is going on.
        if p.read_all {
            eprint!(
                "\r\x1b[K{}",
                tr!(
                    ctx.lang,
                    "已读完 {} 行，正在写入数据库…",
                    "{} rows read; writing to the database…",
                    p.rows_done
                )
            );
        } else if p.rows_done > 0 && p.rows_done.is_multiple_of(100_000) {
            eprint!(
                "\r{}",
                tr!(ctx.lang, "已处理 {} 行…", "{} rows processed…", p.rows_done)
            );
        }
    };
    let now = ctx.clock()?.now();
    let result = import::import_file(
        &mut db,
        args.register.into(),
        &args.file,
        &options,
        now,
        &mut progress,
    );
    if show_progress {
        eprint!("\r\x1b[K");
    }
    match result {
        Ok(summary) => {
            if ctx.json {
                ctx.print_json(&serde_json::to_value(&summary).unwrap_or_default());
            } else {
                super::out(&summary.message(ctx.lang));
                for line in problem_lines(&summary, ctx.lang) {
                    super::out(&line);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(Error::Import(e)) => match *e {
            ImportError::RowErrors(summary) => report_row_errors(ctx, summary),
            other => Err(Error::from(other)),
        },
        Err(e) => Err(e),
    }
}

/// Prints the problems of an all-or-nothing import that found row errors, and gives its exit code.
fn report_row_errors(ctx: &Ctx, summary: Box<ImportSummary>) -> fairdraw::Result<ExitCode> {
    let message = ImportError::RowErrors(summary.clone()).message(ctx.lang);
    if ctx.json {
        let v = serde_json::json!({"error": {
            "code": fairdraw::ErrorCode::Import.as_str(),
            "message": message,
            "summary": summary,
        }});
        eprintln!("{v}");
    } else {
        for line in problem_lines(&summary, ctx.lang) {
            eprintln!("{line}");
        }
        eprintln!("{}: {message}", tr!(ctx.lang, "错误", "error"));
        if let Some(r) = &summary.report {
            eprintln!(
                "{}",
                tr!(
                    ctx.lang,
                    "有问题的 {} 行已写入 {}",
                    "{} rows with errors written to {}",
                    summary.report_rows,
                    r.display()
                )
            );
        }
    }
    Ok(super::exit_code(fairdraw::ErrorCode::Import))
}

/// The first problems, one per line, and how many more there are.
fn problem_lines(summary: &ImportSummary, lang: Lang) -> Vec<String> {
    let mut lines: Vec<String> = summary
        .problems
        .iter()
        .take(PROBLEMS_SHOWN)
        .map(|p| p.message(lang))
        .collect();
    let shown = lines.len() as u64;
    if summary.problem_count > shown {
        lines.push(tr!(
            lang,
            "……另有 {} 个问题（共 {} 个；用 --report 文件 可写出全部）",
            "... and {} more problems ({} in all; --report FILE writes them all)",
            summary.problem_count - shown,
            summary.problem_count
        ));
    }
    lines
}
