//! `fairdraw notice items|plan|task|results ... --out FILE`: the public notices (一公开) as `.xlsx`, `.csv` or
//! a self-contained `.html` page, chosen by the file's extension.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use fairdraw::{ceremony, notice, tr};

use super::Ctx;

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// The item list (抽查事项清单), of one department or of all.
    Items {
        /// Only this department (code or name).
        #[arg(long)]
        department: Option<String>,
        /// The file to write: .xlsx, .csv or .html.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// The plan notice (抽查计划): the plan and its tasks.
    Plan {
        /// The plan id.
        plan: i64,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// The task notice: the drawn entities with their groups (sealed ceremonies only).
    Task {
        /// The ceremony: its id, or a task number or id (its latest attempt).
        ceremony: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// The results notice (抽查结果) of a sealed ceremony.
    Results {
        /// The ceremony: its id, or a task number or id (its latest attempt).
        ceremony: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> fairdraw::Result<ExitCode> {
    let db = ctx.open_db()?;
    let conn = db.conn();
    let (n, out) = match cmd {
        Cmd::Items { department, out } => (notice::items(conn, department.as_deref())?, out),
        Cmd::Plan { plan, out } => (notice::plan(conn, plan)?, out),
        Cmd::Task { ceremony: c, out } => (notice::task(conn, ceremony::find(conn, &c)?.id)?, out),
        Cmd::Results { ceremony: c, out } => {
            let today = ctx.clock()?.today();
            (notice::results(conn, ceremony::find(conn, &c)?.id, today)?, out)
        }
    };
    // Refuse a bad extension before reading more.
    notice::Format::of(&out)?;
    let done = notice::write(&n, &out)?;
    let lang = ctx.lang;
    ctx.emit(&serde_json::to_value(&done).unwrap_or_default(), || {
        vec![tr!(
            lang,
            "{}：{}（{} 行）",
            "{}: {} ({} rows)",
            n.title,
            done.path.display(),
            done.rows
        )]
    });
    Ok(ExitCode::SUCCESS)
}
