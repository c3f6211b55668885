//! The glyph check run before layout: every character of a document must have a glyph in some font.
//!
//! A missing glyph prints as an empty box (or nothing), and a record with a box in a company name is a
//! defective legal document; so rendering stops with an error that names the character, its code point and
//! where it occurs (block, row and column or field), in Chinese and English.

use super::model::{Block, Document};
use super::text::Metrics;
use crate::error::{Error, ErrorCode, Result};
use crate::i18n::Lang;

/// At most this many texts with missing characters are listed in the error; the rest are counted.
const MAX_LISTED: usize = 5;
/// At most this many missing characters are named per text.
const MAX_CHARS: usize = 8;
/// A quoted text in the error is cut to this many characters.
const MAX_QUOTED: usize = 40;

/// Texts the renderer itself prints (header, footer, signature table), checked like the document's own.
pub(crate) const FIXED_TEXTS: [&str; 3] = [
    "记录编号：第页共0123456789…",
    "姓名身份单位签名日期年月日",
    "\u{3000}",
];

/// Called with a printed text, whether it is set in the fixed-pitch face, and where it is.
pub(crate) type TextVisitor<'a> = dyn FnMut(&str, bool, &dyn Fn() -> Place) + 'a;

/// Where a text sits in the document, in both languages.
pub(crate) struct Place {
    pub(crate) zh: String,
    pub(crate) en: String,
}

/// A text with characters that have no glyph.
struct Missing {
    chars: Vec<char>,
    place: Place,
    text: String,
}

/// Calls `f` with every text of `doc` that is printed (the renderer's own fixed texts included) and a
/// function that describes where it is, so the description is only built when it is needed. The document's
/// texts come first, in reading order.
/// The flag says whether the text is set in the fixed-pitch face (`Block::Mono` values).
pub(crate) fn visit_texts(doc: &Document, f: &mut TextVisitor) {
    f(&doc.record_id, false, &|| Place {
        zh: "记录编号".into(),
        en: "record id".into(),
    });
    f(&doc.title, false, &|| Place {
        zh: "标题".into(),
        en: "title".into(),
    });
    f(&doc.subtitle, false, &|| Place {
        zh: "副标题".into(),
        en: "subtitle".into(),
    });
    f(&doc.mark, false, &|| Place {
        zh: "页眉标记".into(),
        en: "header mark".into(),
    });
    for (b, block) in doc.blocks.iter().enumerate() {
        let n = b + 1;
        match block {
            Block::Heading(_, text) => f(text, false, &|| Place {
                zh: format!("第 {n} 块（小标题）"),
                en: format!("block {n} (heading)"),
            }),
            Block::Paragraph(text) => f(text, false, &|| Place {
                zh: format!("第 {n} 块（段落）"),
                en: format!("block {n} (paragraph)"),
            }),
            Block::KeyValues(pairs) | Block::Mono(pairs) => {
                let mono = matches!(block, Block::Mono(_));
                let kind = if mono {
                    ("校验值", "hash values")
                } else {
                    ("项目表", "fields")
                };
                for (label, value) in pairs {
                    f(label, false, &|| Place {
                        zh: format!("第 {n} 块（{}）字段名“{label}”", kind.0),
                        en: format!("block {n} ({}), the label \"{label}\"", kind.1),
                    });
                    f(value, mono, &|| Place {
                        zh: format!("第 {n} 块（{}）字段“{label}”的值", kind.0),
                        en: format!("block {n} ({}), the value of \"{label}\"", kind.1),
                    });
                }
            }
            Block::Table(table) => {
                for column in &table.columns {
                    let header = &column.header;
                    f(header, false, &|| Place {
                        zh: format!("第 {n} 块（表格）表头“{header}”"),
                        en: format!("block {n} (table), the header \"{header}\""),
                    });
                }
                for (r, row) in table.rows.iter().enumerate() {
                    for (c, cell) in row.iter().enumerate() {
                        let header = table.columns.get(c).map_or("", |col| col.header.as_str());
                        let mono = table.columns.get(c).is_some_and(|col| col.mono);
                        f(cell, mono, &|| Place {
                            zh: format!("第 {n} 块（表格）第 {} 行“{header}”列", r + 1),
                            en: format!("block {n} (table), row {}, column \"{header}\"", r + 1),
                        });
                    }
                }
            }
            Block::Signatures(people) => {
                for (r, person) in people.iter().enumerate() {
                    for (field_zh, field_en, text) in [
                        ("姓名", "name", &person.name),
                        ("身份", "role", &person.role),
                        ("单位", "unit", &person.unit),
                    ] {
                        f(text, false, &|| Place {
                            zh: format!("第 {n} 块（签名表）第 {} 人的{field_zh}", r + 1),
                            en: format!("block {n} (signatures), the {field_en} of person {}", r + 1),
                        });
                    }
                }
            }
            // The payload is encoded in the QR code, not printed as text: any character is fine there.
            Block::Qr { payload: _, caption } => f(caption, false, &|| Place {
                zh: format!("第 {n} 块（二维码说明）"),
                en: format!("block {n} (QR code caption)"),
            }),
            Block::Spacer(_) | Block::PageBreak => {}
        }
    }
    // Last, so that the document's own problems are listed first.
    for text in FIXED_TEXTS {
        f(text, false, &|| Place {
            zh: "页眉、页脚或签名表的固定文字".into(),
            en: "the fixed text of headers, footers or the signature table".into(),
        });
    }
}

/// Whether `c` is layout rather than a glyph: line breaks and tabs.
pub(crate) fn is_layout_char(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\t')
}

/// Checks that `metrics`' fonts have a glyph for every character of `doc`, filling its glyph cache.
pub(crate) fn check_glyphs(doc: &Document, metrics: &mut Metrics) -> Result<()> {
    let mut missing: Vec<Missing> = Vec::new();
    let mut count = 0usize;
    visit_texts(doc, &mut |text, mono, place| {
        let mut chars: Vec<char> = Vec::new();
        for c in text.chars() {
            let glyph = if mono {
                metrics.mono_glyph(c)
            } else {
                metrics.glyph(c)
            };
            if is_layout_char(c) || glyph.is_some() {
                continue;
            }
            count += 1;
            if !chars.contains(&c) {
                chars.push(c);
            }
        }
        if !chars.is_empty() && missing.len() < MAX_LISTED {
            missing.push(Missing {
                chars,
                place: place(),
                text: text.to_string(),
            });
        }
    });
    if missing.is_empty() {
        return Ok(());
    }
    Err(missing_error(&missing, count, &metrics.fonts().face_names()))
}

fn missing_error(missing: &[Missing], count: usize, faces: &[String]) -> Error {
    let quote = |text: &str| -> String {
        let cut: String = text.chars().take(MAX_QUOTED).collect();
        if cut.chars().count() < text.chars().count() {
            format!("{cut}…")
        } else {
            cut
        }
    };
    let name = |c: char, lang: Lang| -> String {
        let code = format!("U+{:04X}", u32::from(c));
        // Private use characters usually come from an office's self-made glyphs (造字); they look like nothing
        // (or like anything) outside the font that defines them, so they are named by code only.
        let private = matches!(u32::from(c), 0xE000..=0xF8FF | 0xF0000..=0x10FFFF);
        match (lang, c.is_control() || c.is_whitespace(), private) {
            (Lang::Zh, true, _) => format!("不可见字符 {code}"),
            (Lang::Zh, _, true) => format!("私用区字符 {code}（可能是本单位自造字，需要提供其造字字体）"),
            (Lang::Zh, false, false) => format!("“{c}”（{code}）"),
            (Lang::En, true, _) => format!("an invisible character {code}"),
            (Lang::En, _, true) => {
                format!("a private use character {code} (probably a self-made glyph: its font is needed)")
            }
            (Lang::En, false, false) => format!("'{c}' ({code})"),
        }
    };
    let names = |m: &Missing, lang: Lang, sep: &str| -> String {
        let mut list: Vec<String> = m.chars.iter().take(MAX_CHARS).map(|&c| name(c, lang)).collect();
        if m.chars.len() > MAX_CHARS {
            list.push("…".into());
        }
        list.join(sep)
    };
    let mut zh = String::from("无法生成 PDF：以下字符在所有可用字体中都没有字形，打印出来会是空白方框：");
    let mut en = String::from(
        "cannot make the PDF: these characters have no glyph in any available font and would print as empty boxes:",
    );
    for m in missing {
        zh.push_str(&format!(
            "\n- {}，位于{}：“{}”",
            names(m, Lang::Zh, "、"),
            m.place.zh,
            quote(&m.text)
        ));
        en.push_str(&format!(
            "\n- {} in {}: \"{}\"",
            names(m, Lang::En, ", "),
            m.place.en,
            quote(&m.text)
        ));
    }
    let listed: usize = missing.iter().map(|m| m.chars.len().min(MAX_CHARS)).sum();
    if count > listed {
        zh.push_str(&format!("\n（共 {count} 处缺字，以上只列出一部分）"));
        en.push_str(&format!(
            "\n({count} missing characters in all; only some are listed above)"
        ));
    }
    let faces = faces.join(", ");
    zh.push_str(&format!(
        "\n已使用的字体：{faces}。请在设置中添加包含这些字的字体作为后备字体，或改正数据中的字符后重试。"
    ));
    en.push_str(&format!(
        "\nFonts used: {faces}. Add a font that has these characters as a fallback font in the settings, or correct the characters in the data, and try again."
    ));
    Error::other(ErrorCode::Invalid, zh, en)
}
