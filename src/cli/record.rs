//! `fairdraw record export CEREMONY --out DIR`: writes a ceremony's record bundle and its PDF record (摇号记录)
//! together, and prints their paths and the record hash. A ceremony that is not sealed gives only a PDF
//! marked as a draft.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use fairdraw::pdf::Fonts;
use fairdraw::{record, tr};

use super::Ctx;

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Write the record bundle (.fairdraw.zip) and the PDF record of a ceremony into a folder.
    Export {
        /// The ceremony: its id, or a task number or id (its latest attempt).
        ceremony: String,
        /// The folder to write to (created if missing); existing files are never replaced.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// A fallback font file for characters the built-in font lacks (e.g. the office's self-made glyph
        /// font, EUDC.TTE); may be given several times. System fonts are searched as well.
        #[arg(long = "font", value_name = "FILE")]
        fonts: Vec<PathBuf>,
    },
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> fairdraw::Result<ExitCode> {
    let lang = ctx.lang;
    match cmd {
        Cmd::Export {
            ceremony,
            out,
            fonts: extra,
        } => {
            let db = ctx.open_db()?;
            let id = fairdraw::ceremony::find(db.conn(), &ceremony)?.id;
            let mut fonts = Fonts::load_default()?;
            for f in &extra {
                fonts.add_fallback_file(f, 0)?;
            }
            let quiet = ctx.json;
            let done = record::export(db.conn(), id, &out, &fonts, &mut |step| {
                if !quiet {
                    eprintln!("… {}", step.label(lang));
                }
            })?;
            ctx.emit(&serde_json::to_value(&done).unwrap_or_default(), || {
                let mut lines = Vec::new();
                if let Some(b) = &done.bundle {
                    lines.push(tr!(lang, "记录包：{}", "bundle: {}", b.display()));
                }
                lines.push(tr!(
                    lang,
                    "摇号记录 PDF：{}（{} 页，{} 字节）",
                    "PDF record: {} ({} pages, {} bytes)",
                    done.pdf.display(),
                    done.pages,
                    done.pdf_bytes
                ));
                match &done.record_hash {
                    Some(h) => lines.push(tr!(lang, "记录哈希：{}", "record hash: {}", h)),
                    None => lines.push(tr!(
                        lang,
                        "摇号未封存：只生成了标有“草稿 / 未封存”的 PDF，没有记录包",
                        "the ceremony is not sealed: only a PDF marked as a draft was written, no bundle"
                    )),
                }
                for f in &done.fonts_added {
                    lines.push(tr!(
                        lang,
                        "使用了本机后备字体：{}",
                        "system fallback font used: {}",
                        f
                    ));
                }
                lines
            });
            Ok(ExitCode::SUCCESS)
        }
    }
}
