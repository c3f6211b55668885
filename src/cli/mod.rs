//! Command-line parsing and dispatch. Each subcommand lives in its own module and turns validated arguments
//! into calls of the core library; this module owns the global options and the mapping of errors to exit codes.
//!
//! Exit codes: 0 success; 1 failure (bad input, infeasible draw, refused step); 2 usage error; 3 a
//! verification or audit found a mismatch; 4 the database is busy; 5 the database is newer or damaged.

mod demo;
mod draw;
mod export;
mod import;
mod list;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fairdraw::db::Db;
use fairdraw::{Error, ErrorCode, Lang};

/// fairdraw — 双随机公开摇号: verifiable public random draws for market supervision.
#[derive(Parser, Debug)]
#[command(name = "fairdraw", version, about)]
pub struct Cli {
    /// Database file (default: fairdraw.sqlite3 in the per-user data directory).
    #[arg(long, global = true, value_name = "PATH", env = "FAIRDRAW_DB")]
    pub db: Option<PathBuf>,
    /// Language of messages: zh or en (default: from the locale).
    #[arg(long, global = true, value_name = "zh|en", value_parser = parse_lang)]
    pub lang: Option<Lang>,
    /// Machine-readable JSON output on stdout (and JSON errors on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("unknown language {s:?}: use zh or en"))
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List a register (部门 / 检查对象 / 执法检查人员 / 抽查事项).
    List(list::Args),
    /// Run a complete draw from a task file and write its record bundle (摇号).
    Draw(draw::Args),
    /// Re-check a record bundle: MATCH or the first difference (复核).
    Verify(verify::Args),
    /// Write synthetic demo registers (Yongzhou): entities, inspectors, items, departments.
    Demo(demo::Args),
    /// Import a register from a spreadsheet (.xlsx, .xls, .csv in UTF-8 or GBK).
    Import(import::Args),
    /// Export a register to .xlsx or .csv.
    Export(export::Args),
}

/// What every subcommand gets: the global options.
pub struct Ctx {
    pub db_path: Option<PathBuf>,
    pub lang: Lang,
    pub json: bool,
}

impl Ctx {
    /// Opens the database named by `--db`, or the default one.
    pub fn open_db(&self) -> fairdraw::Result<Db> {
        let path = match &self.db_path {
            Some(p) => p.clone(),
            None => fairdraw::db::default_path()?,
        };
        Db::open(path)
    }

    /// Prints a JSON value on stdout.
    pub fn print_json(&self, value: &serde_json::Value) {
        println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
    }
}

/// Parses the command line, runs the command, prints errors and returns the exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let ctx = Ctx {
        db_path: cli.db,
        lang: cli.lang.unwrap_or_else(Lang::from_env),
        json: cli.json,
    };
    let outcome = match cli.command {
        Command::List(args) => list::run(&ctx, args),
        Command::Draw(args) => draw::run(&ctx, args),
        Command::Verify(args) => verify::run(&ctx, args),
        Command::Demo(args) => demo::run(&ctx, args),
        Command::Import(args) => import::run(&ctx, args),
        Command::Export(args) => export::run(&ctx, args),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => report(&ctx, &e),
    }
}

/// Prints an error to stderr (as JSON with `--json`) and returns its exit code.
pub fn report(ctx: &Ctx, e: &Error) -> ExitCode {
    let code = e.code();
    let message = e.message(ctx.lang);
    if ctx.json {
        let v = serde_json::json!({"error": {"code": code.as_str(), "message": message}});
        eprintln!("{v}");
    } else {
        let prefix = match ctx.lang {
            Lang::Zh => "错误",
            Lang::En => "error",
        };
        eprintln!("{prefix}: {message}");
    }
    exit_code(code)
}

/// The process exit code for an error code.
pub fn exit_code(code: ErrorCode) -> ExitCode {
    ExitCode::from(match code {
        ErrorCode::Mismatch => 3,
        ErrorCode::Busy => 4,
        ErrorCode::NewerSchema | ErrorCode::Corrupt => 5,
        _ => 1,
    })
}
