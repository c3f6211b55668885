//! Command-line parsing and dispatch. Each subcommand lives in its own module and turns validated arguments
//! into calls of the core library; this module owns the global options and the mapping of errors to exit codes.
//!
//! Exit codes: 0 success; 1 failure (bad input, infeasible draw, refused step); 2 usage error; 3 a
//! verification or audit found a mismatch; 4 the database is busy; 5 the database is newer or damaged.

mod audit;
mod backup;
mod calendar;
mod ceremony;
mod coverage;
mod demo;
mod draw;
mod export;
mod import;
mod list;
mod notice;
mod plan;
mod record;
mod restore;
mod result;
mod task;
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
    /// Annual plans (年度抽查计划): create, publish, adjust.
    #[command(subcommand)]
    Plan(plan::Cmd),
    /// Inspection tasks (抽查任务): create, update, list, show.
    #[command(subcommand)]
    Task(task::Cmd),
    /// Run a ceremony (摇号) step by step.
    #[command(subcommand)]
    Ceremony(ceremony::Cmd),
    /// Public notices (一公开): item list, plan, task, results as .xlsx, .csv or .html.
    #[command(subcommand)]
    Notice(notice::Cmd),
    /// The record of a ceremony: bundle and PDF (摇号记录).
    #[command(subcommand)]
    Record(record::Cmd),
    /// Inspection results (检查结果) and their publication deadlines.
    #[command(subcommand)]
    Result(result::Cmd),
    /// The holiday calendar for working-day deadlines.
    #[command(subcommand)]
    Calendar(calendar::Cmd),
    /// Which items of a department's list were covered in a year.
    Coverage(coverage::Args),
    /// Re-check the journal chain and every ceremony; exit code 3 on the first mismatch.
    Audit,
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
    /// Back up the database to a new file, verified after writing (备份).
    Backup(backup::Args),
    /// Replace the database with a checked backup; the current one is kept as a dated copy (恢复).
    Restore(restore::Args),
}

/// What every subcommand gets: the global options.
pub struct Ctx {
    pub db_path: Option<PathBuf>,
    pub lang: Lang,
    pub json: bool,
}

impl Ctx {
    /// Opens the database named by `--db`, or the default one. The hidden `FAIRDRAW_BUSY_TIMEOUT_MS` shortens
    /// the wait for another process's lock (tests of the "busy" error).
    pub fn open_db(&self) -> fairdraw::Result<Db> {
        let db = Db::open(self.db_file()?)?;
        db.conn().busy_timeout(self.busy_timeout())?;
        Ok(db)
    }

    /// The database file named by `--db`, or the default one (not opened).
    pub fn db_file(&self) -> fairdraw::Result<PathBuf> {
        match &self.db_path {
            Some(p) => Ok(p.clone()),
            None => fairdraw::db::default_path(),
        }
    }

    /// How long to wait for another process's lock: `fairdraw::db::BUSY_TIMEOUT`, or the hidden
    /// `FAIRDRAW_BUSY_TIMEOUT_MS` (tests of the "busy" error).
    pub fn busy_timeout(&self) -> std::time::Duration {
        std::env::var("FAIRDRAW_BUSY_TIMEOUT_MS")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .map(std::time::Duration::from_millis)
            .unwrap_or(fairdraw::db::BUSY_TIMEOUT)
    }

    /// The clock: the computer's, or the fixed time of the hidden `FAIRDRAW_NOW` (RFC 3339, for tests and
    /// scripted runs; records made with it say `"clock": "supplied"`).
    pub fn clock(&self) -> fairdraw::Result<Box<dyn fairdraw::clock::Clock>> {
        match std::env::var("FAIRDRAW_NOW") {
            Ok(s) if !s.is_empty() => Ok(Box::new(fairdraw::clock::FixedClock(
                fairdraw::clock::parse_time("FAIRDRAW_NOW", &s)?,
            ))),
            _ => Ok(Box::new(fairdraw::clock::SystemClock)),
        }
    }

    /// Prints `value` as JSON with `--json`, otherwise the text lines `text` makes.
    pub fn emit(&self, value: &serde_json::Value, text: impl FnOnce() -> Vec<String>) {
        if self.json {
            self.print_json(value);
        } else {
            for l in text() {
                out(&l);
            }
        }
    }

    /// Prints a JSON value on stdout.
    pub fn print_json(&self, value: &serde_json::Value) {
        out(&serde_json::to_string_pretty(value).unwrap_or_default());
    }
}

/// Writes one line to stdout. A failed write is ignored: it means the reader has gone (`fairdraw … | head`
/// closed the pipe), the work itself is already done, and the exit code must stay the command's own, so
/// `println!`'s panic on EPIPE is never reached.
pub fn out(line: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(line.as_bytes())
        .and_then(|()| stdout.write_all(b"\n"));
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
        Command::Plan(cmd) => plan::run(&ctx, cmd),
        Command::Task(cmd) => task::run(&ctx, cmd),
        Command::Ceremony(cmd) => ceremony::run(&ctx, cmd),
        Command::Notice(cmd) => notice::run(&ctx, cmd),
        Command::Record(cmd) => record::run(&ctx, cmd),
        Command::Result(cmd) => result::run(&ctx, cmd),
        Command::Calendar(cmd) => calendar::run(&ctx, cmd),
        Command::Coverage(args) => coverage::run(&ctx, args),
        Command::Audit => audit::run(&ctx),
        Command::Draw(args) => draw::run(&ctx, args),
        Command::Verify(args) => verify::run(&ctx, args),
        Command::Demo(args) => demo::run(&ctx, args),
        Command::Import(args) => import::run(&ctx, args),
        Command::Export(args) => export::run(&ctx, args),
        Command::Backup(args) => backup::run(&ctx, args),
        Command::Restore(args) => restore::run(&ctx, args),
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
