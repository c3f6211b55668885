//! Rendering the record and writing it with its bundle: safe file names, the glyph check that names the entity,
//! and the export the command line and the desktop app call (with a progress callback).
//!
//! The PDF is rendered in memory first, so a record that cannot be printed (a character no font has) stops
//! the export before anything is written. Then the bundle is written (it refuses to replace a file) and the PDF
//! beside it under a temporary name that is renamed at the end; if the PDF cannot be written, the bundle just
//! written is removed again, so an export leaves both files or neither.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde::Serialize;

use super::data::RecordData;
use super::document::document;
use crate::ceremony;
use crate::error::{Error, ErrorCode, Result};
use crate::i18n::Lang;
use crate::pdf::{self, Fonts};

/// Characters Windows refuses in file names, with the full-width forms that replace them (readable, and
/// valid everywhere).
const FORBIDDEN: [(char, char); 9] = [
    ('<', '＜'),
    ('>', '＞'),
    (':', '：'),
    ('"', '＂'),
    ('/', '／'),
    ('\\', '＼'),
    ('|', '｜'),
    ('?', '？'),
    ('*', '＊'),
];

/// Names Windows reserves for devices, with or without an extension.
const RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
    "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// At most this many characters of a task number go into a file name (Windows allows 255 per name, and a
/// path of 260 in older programs).
const MAX_STEM_CHARS: usize = 80;

/// Turns text (a task number such as 永市监抽〔2026〕3号) into a file name stem valid on Windows, macOS and
/// Linux: the characters Windows forbids become their full-width forms, control characters are dropped,
/// leading and trailing dots and spaces are trimmed, device names such as `CON` get a leading underscore, and
/// the length is capped. Chinese characters and brackets such as 〔〕 are valid and kept.
pub fn safe_file_stem(s: &str) -> String {
    let mapped: String = s
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| FORBIDDEN.iter().find(|f| f.0 == c).map_or(c, |f| f.1))
        .take(MAX_STEM_CHARS)
        .collect();
    let trimmed = mapped.trim_matches(|c: char| c == '.' || c.is_whitespace());
    if trimmed.is_empty() {
        return "摇号记录".into();
    }
    let base = trimmed.split('.').next().unwrap_or("").to_ascii_uppercase();
    if RESERVED.contains(&base.as_str()) {
        format!("_{trimmed}")
    } else {
        trimmed.to_string()
    }
}

/// The file name of a ceremony's record bundle: `永市监抽〔2026〕3号-第1次.fairdraw.zip`.
pub fn bundle_file_name(task_number: &str, attempt: u32) -> String {
    format!("{}-第{attempt}次.fairdraw.zip", safe_file_stem(task_number))
}

/// The file name of a ceremony's PDF record: `永市监抽〔2026〕3号-第1次-摇号记录.pdf`, or `…-摇号记录-草稿.pdf`
/// for a record that is not sealed.
pub fn pdf_file_name(task_number: &str, attempt: u32, draft: bool) -> String {
    format!(
        "{}-第{attempt}次-摇号记录{}.pdf",
        safe_file_stem(task_number),
        if draft { "-草稿" } else { "" }
    )
}

/// A rendered record.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub pages: usize,
    /// System fonts added as fallbacks for characters the given fonts lack (empty normally).
    pub fonts_added: Vec<String>,
}

fn char_name(c: char, lang: Lang) -> String {
    let code = format!("U+{:04X}", u32::from(c));
    let private = matches!(u32::from(c), 0xE000..=0xF8FF | 0xF0000..=0x10FFFF);
    match (lang, private || c.is_whitespace() || c.is_control()) {
        (Lang::Zh, true) => format!("{code}（不可见字符或本单位自造字）"),
        (Lang::En, true) => format!("{code} (invisible, or a self-made glyph)"),
        (Lang::Zh, false) => format!("“{c}”（{code}）"),
        (Lang::En, false) => format!("'{c}' ({code})"),
    }
}

/// The characters of `text` that no face of `fonts` can draw.
fn missing_in(text: &str, fonts: &Fonts) -> Vec<char> {
    let mut out: Vec<char> = Vec::new();
    for c in text.chars() {
        if !matches!(c, '\n' | '\r' | '\t') && !fonts.covers(c) && !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// Refuses a record in which the name or address of an entity, or the name of an inspector or witness, has a
/// character no font can draw, naming the character, its code point and the entity (code and name) or person.
/// This runs before the generic check of `pdf::render`, whose message can only say where in the document.
fn check_names(data: &RecordData, fonts: &Fonts) -> Result<()> {
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut report = |chars: Vec<char>, zh: String, en: String| {
        if chars.is_empty() {
            return;
        }
        let zh_chars: Vec<String> = chars.iter().map(|&c| char_name(c, Lang::Zh)).collect();
        let en_chars: Vec<String> = chars.iter().map(|&c| char_name(c, Lang::En)).collect();
        problems.push((
            format!("{zh}：{}", zh_chars.join("、")),
            format!("{en}: {}", en_chars.join(", ")),
        ));
    };
    let mut codes: Vec<&String> = data.entities.keys().collect();
    codes.sort();
    for code in codes {
        let e = &data.entities[code];
        for (field_zh, field_en, text) in [
            ("名称", "name", &e.name),
            ("住所", "address", &e.address),
            ("所属区域", "region", &e.region),
        ] {
            report(
                missing_in(text, fonts),
                format!("检查对象 {code}（{}）的{field_zh}“{text}”", e.name),
                format!("the {field_en} \"{text}\" of entity {code} ({})", e.name),
            );
        }
    }
    let mut staff: Vec<&String> = data.inspectors.keys().collect();
    staff.sort();
    for s in staff {
        let i = &data.inspectors[s];
        report(
            missing_in(&i.name, fonts),
            format!("检查人员 {s} 的姓名“{}”", i.name),
            format!("the name \"{}\" of inspector {s}", i.name),
        );
    }
    for w in &data.witnesses {
        report(
            missing_in(&format!("{}{}", w.name, w.unit), fonts),
            format!("第 {} 位见证人“{}”（{}）", w.seq, w.name, w.unit),
            format!("witness {} \"{}\" ({})", w.seq, w.name, w.unit),
        );
    }
    if problems.is_empty() {
        return Ok(());
    }
    let faces = fonts.face_names().join(", ");
    let zh: Vec<&str> = problems.iter().map(|p| p.0.as_str()).collect();
    let en: Vec<&str> = problems.iter().map(|p| p.1.as_str()).collect();
    Err(Error::other(
        ErrorCode::Invalid,
        format!(
            "无法生成摇号记录：以下字符在所有可用字体（包括已查找的本机字体）中都没有字形，打印出来会是空白方框，\
             这样的记录不能作为正式记录：\n- {}\n已使用的字体：{faces}。请添加包含这些字的字体（例如本单位的造字字体），\
             或核对名录中的文字后重试。",
            zh.join("\n- ")
        ),
        format!(
            "cannot make the record: these characters have no glyph in any available font (system fonts \
             included) and would print as empty boxes, which makes a defective record:\n- {}\nFonts used: \
             {faces}. Add a font that has them (for example the office's self-made glyph font), or check the \
             text in the register, and try again.",
            en.join("\n- ")
        ),
    ))
}

/// Renders the record of `data`. When `fonts` lack a character and `system_fallbacks` is set, the system's
/// font directories are searched for faces that have it (only then, and only for those characters) before the
/// record is refused with an error naming the character, its code point and the entity.
pub fn render(data: &RecordData, fonts: &Fonts, system_fallbacks: bool) -> Result<Rendered> {
    let doc = document(data);
    let mut fonts_added = Vec::new();
    let extended;
    let fonts = if system_fallbacks && !fonts.missing_chars(&doc).is_empty() {
        let mut more = fonts.clone();
        fonts_added = more.add_system_fallbacks(&doc);
        extended = more;
        &extended
    } else {
        fonts
    };
    check_names(data, fonts)?;
    let pdf = pdf::render(&doc, fonts)?;
    let pages = lopdf::Document::load_mem(&pdf).map_or(0, |d| d.get_pages().len());
    Ok(Rendered {
        pdf,
        pages,
        fonts_added,
    })
}

/// The steps of an export, reported to the progress callback in this order (`Bundle` only for a sealed
/// record).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Read,
    Render,
    Bundle,
    Pdf,
}

impl Step {
    /// What the step does, for a progress display.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Step::Read, Lang::Zh) => "读取摇号记录",
            (Step::Read, Lang::En) => "reading the record",
            (Step::Render, Lang::Zh) => "生成 PDF",
            (Step::Render, Lang::En) => "rendering the PDF",
            (Step::Bundle, Lang::Zh) => "写出记录包",
            (Step::Bundle, Lang::En) => "writing the bundle",
            (Step::Pdf, Lang::Zh) => "写出 PDF",
            (Step::Pdf, Lang::En) => "writing the PDF",
        }
    }
}

/// What an export wrote.
#[derive(Clone, Debug, Serialize)]
pub struct Exported {
    pub ceremony: i64,
    /// The record is not sealed: only the PDF was written, marked as a draft.
    pub draft: bool,
    /// The bundle (zip), for a sealed record.
    pub bundle: Option<PathBuf>,
    /// Its size in bytes: a million entities make about 236 MB (`population.csv` is stored, §12).
    pub bundle_bytes: Option<u64>,
    pub pdf: PathBuf,
    pub record_hash: Option<String>,
    pub pages: usize,
    pub pdf_bytes: usize,
    pub fonts_added: Vec<String>,
}

fn exists_error(path: &Path) -> Error {
    Error::other(
        ErrorCode::Invalid,
        format!("{}：已存在，摇号记录不会覆盖已有文件", path.display()),
        format!(
            "{}: already exists; a record never replaces an existing file",
            path.display()
        ),
    )
}

/// Writes the record of ceremony `id` into the folder `dir` (created if needed): for a sealed ceremony the
/// bundle (`…-第N次.fairdraw.zip`) and the PDF (`…-第N次-摇号记录.pdf`); for any other state only the PDF,
/// marked as a draft (`…-摇号记录-草稿.pdf`), since only a sealed ceremony has a bundle. Nothing is replaced:
/// an existing file of either name stops the export before anything is written. `progress` is called at the
/// start of each step.
pub fn export(
    conn: &Connection,
    id: i64,
    dir: &Path,
    fonts: &Fonts,
    progress: &mut dyn FnMut(Step),
) -> Result<Exported> {
    progress(Step::Read);
    let data = RecordData::load(conn, id)?;
    let c = &data.ceremony;
    let draft = !data.is_sealed();
    let pdf_path = dir.join(pdf_file_name(&c.task_number, c.attempt, draft));
    let bundle_path = (!draft).then(|| dir.join(&data.bundle_name));
    for p in bundle_path.iter().chain([&pdf_path]) {
        if p.exists() {
            return Err(exists_error(p));
        }
    }
    progress(Step::Render);
    let rendered = render(&data, fonts, true)?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut bundle_bytes = None;
    if let Some(b) = &bundle_path {
        progress(Step::Bundle);
        ceremony::record::export(conn, id, b)?;
        bundle_bytes = std::fs::metadata(b).ok().map(|m| m.len());
    }
    progress(Step::Pdf);
    if let Err(e) = write_new(&pdf_path, &rendered.pdf) {
        if let Some(b) = &bundle_path {
            // Best effort: the export failed as a whole, so its first half goes too.
            let _ = std::fs::remove_file(b);
        }
        return Err(e);
    }
    Ok(Exported {
        ceremony: id,
        draft,
        bundle: bundle_path,
        bundle_bytes,
        pdf: pdf_path,
        record_hash: if draft { None } else { c.record_hash.clone() },
        pages: rendered.pages,
        pdf_bytes: rendered.pdf.len(),
        fonts_added: rendered.fonts_added,
    })
}

/// Writes `bytes` to a new file through a temporary name in the same folder, synced before the rename.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    if path.exists() {
        return Err(exists_error(path));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.partial"));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        f.write_all(bytes).map_err(|e| Error::io(&tmp, e))?;
        f.sync_all().map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The characters of the record of `data` that `fonts` cannot draw (for a settings screen that offers to add
/// a font before exporting).
pub fn missing_chars(data: &RecordData, fonts: &Fonts) -> BTreeSet<char> {
    fonts.missing_chars(&document(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_numbers_become_file_names_valid_on_windows() {
        assert_eq!(safe_file_stem("永市监抽〔2026〕3号"), "永市监抽〔2026〕3号");
        assert_eq!(
            bundle_file_name("永市监抽〔2026〕3号", 1),
            "永市监抽〔2026〕3号-第1次.fairdraw.zip"
        );
        assert_eq!(
            pdf_file_name("永市监抽〔2026〕3号", 2, true),
            "永市监抽〔2026〕3号-第2次-摇号记录-草稿.pdf"
        );
        assert_eq!(safe_file_stem("永市监/抽:2026*3?"), "永市监／抽：2026＊3？");
        assert_eq!(safe_file_stem("a<b>c\"d|e\\f"), "a＜b＞c＂d｜e＼f");
        assert_eq!(safe_file_stem(" 任务.\t"), "任务");
        assert_eq!(safe_file_stem("CON"), "_CON");
        assert_eq!(safe_file_stem("com1.2026"), "_com1.2026");
        assert_eq!(safe_file_stem("..."), "摇号记录");
        assert_eq!(safe_file_stem(&"长".repeat(300)).chars().count(), MAX_STEM_CHARS);
        for name in [safe_file_stem("x/y\\z:*?\"<>|\u{1}"), bundle_file_name("A:B", 3)] {
            assert!(
                !name.chars().any(|c| "<>:\"/\\|?*".contains(c) || c.is_control()),
                "{name}"
            );
        }
    }
}
