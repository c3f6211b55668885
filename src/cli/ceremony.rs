//! `fairdraw ceremony …`: every step of a ceremony from the command line, so that a whole draw can be scripted
//! and tested end to end. `fairdraw ceremony status C` shows where a ceremony stands and what may come next.
//!
//! A ceremony is named by its id, or by a task (id or number), meaning the task's latest attempt. The hidden
//! `--secret HEX` of `commit` supplies the app's secret for reproducible scripted runs; the record then says
//! `secret_source: supplied`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use fairdraw::ceremony::{self, Status, after, media, steps};
use fairdraw::clock::{FixedSecret, OsSecret, SecretSource};
use fairdraw::{Lang, Result, tr};
use serde_json::json;

use super::Ctx;

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Start a new attempt of a task.
    Start {
        /// Task id or number.
        task: String,
        #[arg(long)]
        operator: String,
        /// Minimum number of entropy digits per witness (default 6).
        #[arg(long)]
        min_digits: Option<u32>,
    },
    /// Freeze the inputs: snapshot, fingerprints, feasibility check.
    Freeze { ceremony: String },
    /// Generate the app's secret and show its commitment.
    Commit {
        ceremony: String,
        #[arg(long, hide = true, value_name = "HEX")]
        secret: Option<String>,
    },
    /// Record a witness (监督见证人).
    Witness {
        ceremony: String,
        #[arg(long)]
        name: String,
        /// 人大代表, 政协委员, 公证员, 新闻媒体, 行业协会, 纪检监察, 企业代表 or 其他.
        #[arg(long)]
        role: String,
        #[arg(long, default_value = "")]
        unit: String,
    },
    /// Close the list of witnesses.
    CloseWitnesses { ceremony: String },
    /// Record a witness's entropy (digits).
    Entropy {
        ceremony: String,
        /// Witness number (1, 2, …) or name.
        #[arg(long)]
        witness: String,
        digits: String,
    },
    /// Reveal the secret, derive the seed and compute the outcome.
    Seed { ceremony: String },
    /// Reveal the next target (or all remaining ones).
    Reveal {
        ceremony: String,
        #[arg(long)]
        all: bool,
    },
    /// Seal the record.
    Seal { ceremony: String },
    /// Void an unfinished ceremony.
    Void {
        ceremony: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        operator: String,
    },
    /// Add a free-text marker to the journal.
    Mark { ceremony: String, text: String },
    /// Mark that a camera or recorder started recording.
    RecordStart {
        ceremony: String,
        #[arg(long)]
        device: String,
    },
    /// Mark that a camera or recorder stopped recording.
    RecordStop {
        ceremony: String,
        #[arg(long)]
        device: String,
    },
    /// Attach the video file of a sealed ceremony (SHA-256 and size).
    AttachVideo { ceremony: String, file: PathBuf },
    /// Show where a ceremony stands.
    Status { ceremony: String },
    /// List all ceremonies.
    List,
    /// Export the record bundle of a sealed ceremony (voided attempts are in the record of the attempt that follows).
    Export {
        ceremony: String,
        #[arg(long, value_name = "FILE.zip")]
        out: PathBuf,
    },
    /// Replace a target that cannot be inspected by the next reserve of its stratum.
    UseReserve {
        ceremony: String,
        #[arg(long)]
        target: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        operator: String,
    },
    /// Assign an unassigned target to a group by hand (never breaking recusal).
    Assign {
        ceremony: String,
        #[arg(long)]
        target: String,
        #[arg(long)]
        group: u32,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        operator: String,
    },
}

/// Text lines of a status.
fn status_lines(s: &Status, lang: Lang) -> Vec<String> {
    let c = &s.ceremony;
    let mut out = vec![
        tr!(
            lang,
            "摇号 {}：{} {}，第 {} 次",
            "ceremony {}: {} {}, attempt {}",
            c.id,
            c.task_number,
            c.task_name,
            c.attempt
        ),
        tr!(
            lang,
            "状态：{}（{}）",
            "state: {} ({})",
            s.state_label,
            c.state.as_str()
        ),
        tr!(
            lang,
            "经办人：{}；摇号日期：{}",
            "operator: {}; draw date: {}",
            c.operator,
            c.draw_date
        ),
    ];
    for v in &s.voided_attempts {
        out.push(tr!(
            lang,
            "此前作废：第 {} 次，{}，{}，{}",
            "voided before: attempt {}, {}, {}, {}",
            v.attempt,
            v.reason,
            v.operator,
            v.voided_at
        ));
    }
    if let Some(f) = &c.fingerprints {
        out.push(tr!(lang, "输入指纹：{}", "inputs fingerprint: {}", f.inputs));
        out.push(format!("  population {}", f.population));
        out.push(format!("  inspectors {}", f.inspectors));
        out.push(format!("  recusals   {}", f.recusals));
        out.push(format!("  rules      {}", f.rules));
    }
    if let Some(cm) = &c.commitment {
        out.push(tr!(lang, "承诺值：{}", "commitment: {}", cm));
    }
    for w in &s.witnesses {
        out.push(tr!(
            lang,
            "见证人 {}：{}（{}，{}）随机数：{}",
            "witness {}: {} ({}, {}) entropy: {}",
            w.seq,
            w.name,
            w.role,
            w.unit,
            w.entropy.as_deref().unwrap_or("—")
        ));
    }
    if !s.witnesses.is_empty() {
        out.push(tr!(
            lang,
            "见证随机数合计：{:.1} 比特",
            "witness entropy in total: {:.1} bits",
            s.entropy_bits
        ));
    }
    if let Some(secret) = &c.secret {
        out.push(tr!(lang, "系统密钥：{}", "secret: {}", secret));
    }
    if let Some(seed) = &c.seed {
        out.push(tr!(lang, "种子：{}", "seed: {}", seed));
    }
    if let Some(k) = s.targets {
        out.push(tr!(
            lang,
            "已揭晓：{}/{}",
            "revealed: {}/{}",
            c.reveal_position,
            k
        ));
    }
    if let Some(h) = &c.record_hash {
        out.push(tr!(lang, "记录哈希：{}", "record hash: {}", h));
    }
    if let Some(r) = &c.void_reason {
        out.push(tr!(
            lang,
            "作废原因：{}（{}，{}）",
            "voided: {} ({}, {})",
            r,
            c.void_operator.as_deref().unwrap_or(""),
            c.voided_at.as_deref().unwrap_or("")
        ));
    }
    for r in &s.recordings {
        out.push(tr!(
            lang,
            "录像：{} 开始于 {}{}",
            "recording: {} started {}{}",
            r.device,
            r.started_at,
            r.stopped_at
                .as_ref()
                .map(|t| format!(" – {t}"))
                .unwrap_or_default()
        ));
    }
    out.push(tr!(
        lang,
        "下一步可执行：{}",
        "next steps: {}",
        s.next_steps.join(", ")
    ));
    out
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<ExitCode> {
    let mut db = ctx.open_db()?;
    let clock = ctx.clock()?;
    let clock = clock.as_ref();
    let lang = ctx.lang;
    let id_of = |db: &fairdraw::db::Db, key: &str| -> Result<i64> { Ok(ceremony::find(db.conn(), key)?.id) };
    let show = |db: &fairdraw::db::Db, id: i64| -> Result<()> {
        let s = ceremony::status(db.conn(), id)?;
        ctx.emit(&json!(s), || status_lines(&s, lang));
        Ok(())
    };
    match cmd {
        Cmd::Start {
            task,
            operator,
            min_digits,
        } => {
            let c = steps::start(&mut db, clock, &task, &operator, min_digits)?;
            show(&db, c.id)?;
        }
        Cmd::Freeze { ceremony: key } => {
            let id = id_of(&db, &key)?;
            steps::freeze(&mut db, clock, id)?;
            show(&db, id)?;
        }
        Cmd::Commit {
            ceremony: key,
            secret,
        } => {
            let id = id_of(&db, &key)?;
            let mut source: Box<dyn SecretSource> = match secret {
                Some(hex) => Box::new(FixedSecret::from_hex("--secret", &hex)?),
                None => Box::new(OsSecret),
            };
            steps::commit(&mut db, clock, id, source.as_mut())?;
            show(&db, id)?;
        }
        Cmd::Witness {
            ceremony: key,
            name,
            role,
            unit,
        } => {
            let id = id_of(&db, &key)?;
            let w = steps::add_witness(&mut db, clock, id, &name, &role, &unit)?;
            ctx.emit(&json!(w), || {
                vec![tr!(
                    lang,
                    "见证人 {}：{}（{}，{}）",
                    "witness {}: {} ({}, {})",
                    w.seq,
                    w.name,
                    w.role,
                    w.unit
                )]
            });
        }
        Cmd::CloseWitnesses { ceremony: key } => {
            let id = id_of(&db, &key)?;
            steps::close_witnesses(&mut db, clock, id)?;
            show(&db, id)?;
        }
        Cmd::Entropy {
            ceremony: key,
            witness,
            digits,
        } => {
            let id = id_of(&db, &key)?;
            let e = steps::add_entropy(&mut db, clock, id, &witness, &digits)?;
            ctx.emit(&json!(e), || {
                vec![tr!(
                    lang,
                    "见证人 {}（{}）随机数 {}；合计 {} 位，{:.1} 比特{}",
                    "witness {} ({}) entropy {}; {} digits, {:.1} bits in total{}",
                    e.witness.seq,
                    e.witness.name,
                    e.witness.entropy.as_deref().unwrap_or(""),
                    e.total_digits,
                    e.total_bits,
                    if e.all_collected {
                        tr!(lang, "；已收齐", "; all collected")
                    } else {
                        String::new()
                    }
                )]
            });
        }
        Cmd::Seed { ceremony: key } => {
            let id = id_of(&db, &key)?;
            steps::seed(&mut db, clock, id)?;
            show(&db, id)?;
        }
        Cmd::Reveal { ceremony: key, all } => {
            let id = id_of(&db, &key)?;
            let shown = steps::reveal(&mut db, clock, id, all)?;
            let c = ceremony::get(db.conn(), id)?;
            ctx.emit(&json!({"revealed": shown, "state": c.state}), || {
                let mut out: Vec<String> = shown
                    .iter()
                    .map(|r| {
                        format!(
                            "{}/{}\t{}\t{}\t{}\t{}",
                            r.position,
                            r.of,
                            r.target["code"].as_str().unwrap_or(""),
                            r.target["name"].as_str().unwrap_or(""),
                            r.target["stratum"].as_str().unwrap_or(""),
                            r.target["group"]
                        )
                    })
                    .collect();
                if c.state == ceremony::State::Revealed {
                    out.push(tr!(lang, "全部揭晓完毕", "all targets revealed"));
                }
                out
            });
        }
        Cmd::Seal { ceremony: key } => {
            let id = id_of(&db, &key)?;
            steps::seal(&mut db, clock, id)?;
            show(&db, id)?;
        }
        Cmd::Void {
            ceremony: key,
            reason,
            operator,
        } => {
            let id = id_of(&db, &key)?;
            steps::void(&mut db, clock, id, &reason, &operator)?;
            show(&db, id)?;
        }
        Cmd::Mark { ceremony: key, text } => {
            let id = id_of(&db, &key)?;
            let e = media::mark(&mut db, clock, id, &text)?;
            ctx.emit(&json!(e), || vec![format!("{}\t{}\t{}", e.seq, e.at, e.payload)]);
        }
        Cmd::RecordStart {
            ceremony: key,
            device,
        } => {
            let id = id_of(&db, &key)?;
            let r = media::record_start(&mut db, clock, id, &device)?;
            ctx.emit(&json!(r), || {
                vec![tr!(
                    lang,
                    "录像开始：{} {}",
                    "recording started: {} {}",
                    r.device,
                    r.started_at
                )]
            });
        }
        Cmd::RecordStop {
            ceremony: key,
            device,
        } => {
            let id = id_of(&db, &key)?;
            let r = media::record_stop(&mut db, clock, id, &device)?;
            ctx.emit(&json!(r), || {
                vec![tr!(
                    lang,
                    "录像停止：{} {}",
                    "recording stopped: {} {}",
                    r.device,
                    r.stopped_at.as_deref().unwrap_or("")
                )]
            });
        }
        Cmd::AttachVideo { ceremony: key, file } => {
            let id = id_of(&db, &key)?;
            let tty = std::io::stderr().is_terminal() && !ctx.json;
            let mut last = 0u64;
            let mut progress = |done: u64, total: u64| {
                let pct = (done * 100).checked_div(total).unwrap_or(100);
                if tty && pct != last {
                    last = pct;
                    eprint!("\r{pct:3}%");
                }
            };
            let v = media::attach_video(&mut db, clock, id, &file, &mut progress)?;
            if tty {
                eprintln!();
            }
            ctx.emit(&json!(v), || {
                vec![format!("{}\t{} bytes\tsha256 {}", v.file_name, v.size, v.sha256)]
            });
        }
        Cmd::Status { ceremony: key } => {
            let id = id_of(&db, &key)?;
            show(&db, id)?;
        }
        Cmd::List => {
            let v = ceremony::list(db.conn())?;
            ctx.emit(&json!(v), || {
                v.iter()
                    .map(|c| {
                        format!(
                            "{}\t{}\t{}\t{}\t{}",
                            c.id,
                            c.task_number,
                            c.attempt,
                            c.state.as_str(),
                            c.draw_date
                        )
                    })
                    .collect()
            });
        }
        Cmd::Export { ceremony: key, out } => {
            let id = id_of(&db, &key)?;
            let summary = ceremony::record::export(db.conn(), id, &out)?;
            ctx.emit(&summary, || {
                vec![tr!(
                    lang,
                    "已导出记录包：{}",
                    "record bundle written: {}",
                    out.display()
                )]
            });
        }
        Cmd::UseReserve {
            ceremony: key,
            target,
            reason,
            operator,
        } => {
            let id = id_of(&db, &key)?;
            let u = after::use_reserve(&mut db, clock, id, &target, &reason, &operator)?;
            ctx.emit(&json!(u), || {
                let mut out = vec![tr!(
                    lang,
                    "{} 由替补 {} 替换（分层 {}）",
                    "{} replaced by reserve {} (stratum {})",
                    u.target,
                    u.reserve,
                    u.stratum
                )];
                match (u.group, &u.conflict) {
                    (Some(g), _) => out.push(tr!(lang, "分配给第 {} 组", "assigned to group {}", g)),
                    (None, Some(m)) => out.push(tr!(
                        lang,
                        "原检查组成员 {} 需回避，请人工分派检查组",
                        "member {} of the group must recuse; assign a group by hand",
                        m
                    )),
                    (None, None) => out.push(tr!(lang, "未分配检查组", "no group assigned")),
                }
                out
            });
        }
        Cmd::Assign {
            ceremony: key,
            target,
            group,
            reason,
            operator,
        } => {
            let id = id_of(&db, &key)?;
            let t = after::assign(&mut db, clock, id, &target, group, &reason, &operator)?;
            ctx.emit(&json!(t), || {
                vec![tr!(
                    lang,
                    "{} 已人工分派给第 {} 组",
                    "{} assigned to group {} by hand",
                    t.code,
                    group
                )]
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}
