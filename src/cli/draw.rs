//! `fairdraw draw TASK.json --out BUNDLE.zip`: a complete draw without the desktop app. Reads the task file
//! and the registers, freezes, commits, derives the seed from the task's witnesses' entropy, draws, writes
//! the record bundle and prints a plain summary.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use fairdraw::bundle::{self, BundleJson};
use fairdraw::draw::{ExclusionReason, FreezeSummary, Hash32, IneligibleReason, StrataBy};
use fairdraw::taskfile::{self, TaskFile};
use fairdraw::{Error, ErrorCode, Lang, tr};

use super::Ctx;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Task description file (JSON: rules, recusals, witnesses, optional secret).
    pub task: PathBuf,
    /// Where to write the record bundle: a name ending in .zip gives a zip file, anything else a folder.
    #[arg(long, value_name = "BUNDLE")]
    pub out: PathBuf,
}

/// 32 bytes from the operating system's cryptographic generator: the app's secret when the task gives none.
fn os_secret() -> fairdraw::Result<Hash32> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        Error::other(
            ErrorCode::Io,
            format!("无法从操作系统获取随机数：{e}"),
            format!("cannot get randomness from the operating system: {e}"),
        )
    })?;
    Ok(Hash32(bytes))
}

pub fn run(ctx: &Ctx, args: Args) -> fairdraw::Result<ExitCode> {
    let task = TaskFile::load(&args.task)?;
    let db = ctx.open_db()?;
    let registers = taskfile::load_registers(db.conn(), &task.rules)?;
    let secret = match task.secret {
        Some(s) => s,
        None => os_secret()?,
    };
    let run = taskfile::run(&task, registers, secret)?;
    bundle::write(&args.out, &run.record, &run.frozen)?;
    let summary = run.frozen.summary();
    let text = if ctx.json {
        let v = serde_json::json!({
            "summary": summary,
            "commitment": run.record.commitment,
            "seed": run.record.seed,
            "fingerprints": run.record.fingerprints,
            "targets": run.record.outcome.targets.len(),
            "unassigned": run.record.outcome.unassigned,
            "bundle": args.out,
        });
        serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
    } else {
        summary_text(ctx.lang, &summary, &run.record)
            + &tr!(
                ctx.lang,
                "摇号记录已写入 {}\n",
                "record written to {}\n",
                args.out.display()
            )
    };
    // The record is written; a closed stdout pipe must not turn that success into a panic.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(ExitCode::SUCCESS)
}

fn exclusion_label(r: ExclusionReason, lang: Lang) -> String {
    match r {
        ExclusionReason::Explicit => tr!(lang, "明确排除", "explicitly excluded"),
        ExclusionReason::Status => tr!(lang, "经营状态", "by status"),
        ExclusionReason::RecentlyInspected => tr!(lang, "近期已检查", "recently inspected"),
    }
}

fn ineligible_label(r: IneligibleReason, lang: Lang) -> String {
    match r {
        IneligibleReason::Department => tr!(lang, "非本次部门", "other department"),
        IneligibleReason::Status => tr!(lang, "非在岗", "not active"),
        IneligibleReason::NoCertificate => tr!(lang, "无执法证", "no certificate"),
        IneligibleReason::CertificateUnknown => tr!(lang, "执法证有效期不明", "certificate validity unknown"),
        IneligibleReason::CertificateExpired => tr!(lang, "执法证过期", "certificate expired"),
        IneligibleReason::Qualification => tr!(lang, "缺少资质", "missing qualification"),
    }
}

/// The plain summary of a draw ("本次摇号规则" and the result figures).
pub fn summary_text(lang: Lang, s: &FreezeSummary, record: &BundleJson) -> String {
    let mut out = String::new();
    let mut line = |l: String| {
        out.push_str(&l);
        out.push('\n');
    };
    line(tr!(lang, "本次摇号规则", "Rules of this draw"));
    line(tr!(
        lang,
        "任务：{} {}（第 {} 次摇号），摇号日期 {}",
        "task: {} {} (attempt {}), draw date {}",
        s.task_number,
        s.task_name,
        s.attempt,
        s.draw_date
    ));
    let excluded: u32 = s.excluded.iter().map(|x| x.count).sum();
    let parts: Vec<String> = s
        .excluded
        .iter()
        .map(|x| format!("{} {}", exclusion_label(x.reason, lang), x.count))
        .collect();
    line(tr!(
        lang,
        "检查对象 {} 户，排除 {} 户（{}）",
        "population {} entities, {} excluded ({})",
        s.population,
        excluded,
        parts.join(", ")
    ));
    let by = match (s.strata_by, lang) {
        (StrataBy::None, Lang::Zh) => "不分层",
        (StrataBy::None, Lang::En) => "no strata",
        (StrataBy::RiskClass, Lang::Zh) => "按信用风险分类分层",
        (StrataBy::RiskClass, Lang::En) => "strata by credit risk class",
        (StrataBy::Region, Lang::Zh) => "按区域分层",
        (StrataBy::Region, Lang::En) => "strata by region",
    };
    line(by.to_string());
    for st in &s.strata {
        let key = if st.key.is_empty() { "-" } else { st.key.as_str() };
        line(tr!(
            lang,
            "  {} 层：{} 户，抽取 {} 户，替补 {} 户",
            "  stratum {}: {} entities, {} targets, {} reserves",
            key,
            st.size,
            st.quota,
            st.reserve
        ));
    }
    let depts: Vec<String> = s
        .departments
        .iter()
        .map(|d| match record.departments.get(d) {
            Some(n) if !n.is_empty() => format!("{d} {n}"),
            _ => d.clone(),
        })
        .collect();
    line(tr!(
        lang,
        "部门（牵头在前）：{}",
        "departments (lead first): {}",
        depts.join("、")
    ));
    let inel: Vec<String> = s
        .ineligible_inspectors
        .iter()
        .filter(|x| x.count > 0)
        .map(|x| format!("{} {}", ineligible_label(x.reason, lang), x.count))
        .collect();
    line(tr!(
        lang,
        "执法检查人员 {} 名，符合条件 {} 名（不符合：{}）",
        "inspectors {}, eligible {} (not eligible: {})",
        s.inspectors,
        s.eligible_inspectors,
        if inel.is_empty() {
            "-".to_string()
        } else {
            inel.join(", ")
        }
    ));
    line(tr!(
        lang,
        "抽取检查对象 {} 户，检查组 {} 组，每组 {} 人",
        "{} targets, {} groups of {}",
        s.targets,
        s.groups,
        s.group_size
    ));
    line(tr!(lang, "输入指纹 {}", "fp_inputs {}", s.fingerprints.inputs));
    line(tr!(lang, "承诺值 {}", "commitment {}", record.commitment));
    line(tr!(lang, "种子 {}", "seed {}", record.seed));
    line(tr!(
        lang,
        "结果指纹 {}",
        "fp_outcome {}",
        record.fingerprints.outcome
    ));
    let unassigned = &record.outcome.unassigned;
    if !unassigned.is_empty() {
        line(tr!(
            lang,
            "因回避无法分配检查组的对象 {} 户：{}（须另行指派并记录）",
            "{} targets could not be assigned a group because of recusals: {} (assign them by hand and record it)",
            unassigned.len(),
            unassigned.join(", ")
        ));
    }
    out
}
