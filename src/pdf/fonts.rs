//! The fonts a PDF is drawn with: the built-in CJK font and optional fallback fonts, parsed once.
//!
//! A character is drawn with the first font that has a glyph for it, so a fallback only fills the gaps of the
//! fonts before it. Parsing the built-in fonts takes 40–100 ms (printpdf reads most tables lazily) and copies
//! 11.6 MB, so a [`Fonts`] is built once and shared by every document (it is `Send + Sync`). The renderer refuses a document with a character that no font has (see
//! `pdf::render`): a company name printed with an empty box is a defective legal document.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use allsorts::binary::read::ReadScope;
use allsorts::font_data::FontData;
use allsorts::tables::cmap::CmapSubtable;

use super::check::{is_layout_char, visit_texts};
use super::model::Document;
use crate::error::{Error, ErrorCode, Result};

/// The built-in font: Noto Sans CJK SC Regular (SIL Open Font License 1.1), see `assets/fonts/README.md`.
const DEFAULT_FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansCJKsc-Regular.otf");
/// The name the built-in font is reported under.
const DEFAULT_FONT_NAME: &str = "Noto Sans CJK SC Regular (built in)";
/// The built-in fixed-pitch font for hashes and seeds: Noto Sans Mono Regular (SIL Open Font License 1.1).
const MONO_FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansMono-Regular.ttf");
const MONO_FONT_NAME: &str = "Noto Sans Mono Regular (built in, for hashes)";

/// Font files are recognised by these extensions (compared case-insensitively) when searching directories.
/// `tte` is Windows' end-user-defined character font (`EUDC.TTE`), where offices keep self-made glyphs for
/// rare name characters in the private use area (造字).
const FONT_EXTENSIONS: [&str; 5] = ["ttf", "otf", "ttc", "otc", "tte"];

/// How deep the system font search descends below each font directory (Debian nests two levels).
const MAX_SEARCH_DEPTH: usize = 4;

/// An ordered list of parsed font faces: the primary first, then the fallbacks; and optionally a
/// fixed-pitch face used first for `Block::Mono` values (hashes and seeds), so their digits line up and copy
/// out of the PDF without gaps.
#[derive(Clone, Debug)]
pub struct Fonts {
    /// All faces; a text is drawn with the first one (the fixed-pitch face excepted) that has the glyph.
    faces: Vec<Face>,
    /// The index in `faces` of the fixed-pitch face, which is skipped for ordinary text.
    mono: Option<usize>,
}

/// One parsed font face and what the layout needs to know about it.
#[derive(Clone, Debug)]
pub(crate) struct Face {
    /// A name for messages: the font file (and face index) or the built-in font's name.
    pub(crate) name: String,
    pub(crate) font: printpdf::ParsedFont,
    units_per_em: f32,
}

/// The face that draws a character and the character's advance width in em.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Glyph {
    pub(crate) face: usize,
    pub(crate) advance: f32,
}

impl Face {
    fn parse(bytes: &[u8], face_index: usize, name: String) -> Result<Face> {
        let mut warnings = Vec::new();
        let font = printpdf::ParsedFont::from_bytes(bytes, face_index, &mut warnings).ok_or_else(|| {
            let detail = warnings
                .iter()
                .map(|w| w.message.clone())
                .collect::<Vec<_>>()
                .join("; ");
            Error::other(
                ErrorCode::Invalid,
                format!("{name}：不是可用的字体文件（第 {face_index} 个字体）：{detail}"),
                format!("{name}: not a usable font file (face {face_index}): {detail}"),
            )
        })?;
        let units_per_em = f32::from(font.font_metrics.units_per_em);
        if units_per_em <= 0.0 {
            return Err(Error::other(
                ErrorCode::Invalid,
                format!("{name}：字体的 unitsPerEm 为 0"),
                format!("{name}: the font's unitsPerEm is 0"),
            ));
        }
        Ok(Face {
            name,
            font,
            units_per_em,
        })
    }

    fn glyph_id(&self, c: char) -> Option<u16> {
        // Glyph 0 is .notdef, the empty box: a cmap entry pointing there is no glyph at all.
        self.font.lookup_glyph_index(u32::from(c)).filter(|&gid| gid != 0)
    }
}

impl Fonts {
    /// The built-in fonts: Noto Sans CJK SC, and Noto Sans Mono for hashes. Call once and keep the result
    /// (`benches/pdf.rs` prints how long parsing takes).
    pub fn load_default() -> Result<Fonts> {
        Ok(Fonts {
            faces: vec![
                Face::parse(DEFAULT_FONT, 0, DEFAULT_FONT_NAME.to_string())?,
                Face::parse(MONO_FONT, 0, MONO_FONT_NAME.to_string())?,
            ],
            mono: Some(1),
        })
    }

    /// A font file as the only font (no fixed-pitch face: hashes are set in it with centred fixed-width
    /// cells). `face_index` picks the face of a collection (`.ttc`); 0 otherwise.
    pub fn from_file(path: &Path, face_index: usize) -> Result<Fonts> {
        Ok(Fonts {
            faces: vec![parse_file(path, face_index)?],
            mono: None,
        })
    }

    /// Adds a font file as a fallback after the fonts already present.
    pub fn add_fallback_file(&mut self, path: &Path, face_index: usize) -> Result<()> {
        let face = parse_file(path, face_index)?;
        self.faces.push(face);
        Ok(())
    }

    /// The names of the faces in order of preference (the primary first; the fixed-pitch face, if any, where
    /// it was added).
    pub fn face_names(&self) -> Vec<String> {
        self.faces.iter().map(|f| f.name.clone()).collect()
    }

    /// Whether some face has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        self.glyph(c).is_some()
    }

    /// The characters of `doc` (its printed texts, the renderer's fixed texts included) that no face has a
    /// glyph for; empty when the document can be rendered as it is.
    pub fn missing_chars(&self, doc: &Document) -> BTreeSet<char> {
        let mut missing = BTreeSet::new();
        visit_texts(doc, &mut |text, _, _| {
            missing.extend(text.chars().filter(|&c| !is_layout_char(c) && !self.covers(c)));
        });
        missing
    }

    /// Finds the characters of `doc` that no face has a glyph for and, only if there are any, searches the
    /// system's font directories ([`system_font_dirs`]) for faces that have them, adding each useful face as
    /// a fallback. Returns the names of the faces added (empty when nothing was missing or nothing helped).
    ///
    /// Unreadable or broken font files are skipped: a character that is still missing afterwards is reported
    /// by [`render`](super::render) with its location, which is the message the operator can act on.
    pub fn add_system_fallbacks(&mut self, doc: &Document) -> Vec<String> {
        self.add_fallbacks_from_dirs(&system_font_dirs(), doc)
    }

    /// Like [`Fonts::add_system_fallbacks`], searching the given directories (recursively, in sorted order).
    pub fn add_fallbacks_from_dirs(&mut self, dirs: &[PathBuf], doc: &Document) -> Vec<String> {
        let mut missing = self.missing_chars(doc);
        let mut added = Vec::new();
        if missing.is_empty() {
            return added;
        }
        let mut files = Vec::new();
        for dir in dirs {
            collect_font_files(dir, MAX_SEARCH_DEPTH, &mut files);
        }
        // Regular faces first: a fallback should not make one character of a name bold or italic.
        files.sort_by_cached_key(|p| (is_styled(p), p.clone()));
        files.dedup();
        for path in files {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            // A cheap cmap look-up first: fully parsing every CJK face on the system would take minutes.
            for index in faces_covering(&bytes, &missing) {
                let name = face_name(&path, index);
                if let Ok(face) = Face::parse(&bytes, index, name.clone()) {
                    // Trust the parsed face, not the cheap look-up, for what it really covers.
                    let before = missing.len();
                    missing.retain(|&c| face.glyph_id(c).is_none());
                    if missing.len() < before {
                        self.faces.push(face);
                        added.push(name);
                    }
                }
                if missing.is_empty() {
                    return added;
                }
            }
        }
        added
    }

    /// The face that draws `c` in ordinary text and its advance in em, or `None` when no face has it.
    pub(crate) fn glyph(&self, c: char) -> Option<Glyph> {
        (0..self.faces.len())
            .filter(|&i| Some(i) != self.mono)
            .find_map(|i| self.glyph_in(i, c))
    }

    /// The face that draws `c` in a fixed-pitch value: the fixed-pitch face if it has the glyph, else as in
    /// ordinary text.
    pub(crate) fn mono_glyph(&self, c: char) -> Option<Glyph> {
        self.mono
            .and_then(|i| self.glyph_in(i, c))
            .or_else(|| self.glyph(c))
    }

    fn glyph_in(&self, i: usize, c: char) -> Option<Glyph> {
        let face = &self.faces[i];
        face.glyph_id(c).map(|gid| Glyph {
            face: i,
            advance: f32::from(face.font.get_horizontal_advance(gid)) / face.units_per_em,
        })
    }

    pub(crate) fn faces(&self) -> &[Face] {
        &self.faces
    }
}

fn face_name(path: &Path, index: usize) -> String {
    if index == 0 {
        path.display().to_string()
    } else {
        format!("{} #{index}", path.display())
    }
}

fn parse_file(path: &Path, face_index: usize) -> Result<Face> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    Face::parse(&bytes, face_index, face_name(path, face_index))
}

/// The faces of a font file (one, or several for a collection) whose cmap maps at least one of `wanted`.
/// Reads only the cmap, so it is cheap even for large CJK collections.
fn faces_covering(bytes: &[u8], wanted: &BTreeSet<char>) -> Vec<usize> {
    let Ok(data) = ReadScope::new(bytes).read::<FontData<'_>>() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    // A collection has a handful of faces; the bound only guards against a damaged header.
    for index in 0..64 {
        let Ok(provider) = data.table_provider(index) else {
            break;
        };
        let Ok(font) = allsorts::font::Font::new(provider) else {
            continue;
        };
        let Ok(cmap) = ReadScope::new(font.cmap_subtable_data()).read::<CmapSubtable<'_>>() else {
            continue;
        };
        if wanted
            .iter()
            .any(|&c| matches!(cmap.map_glyph(u32::from(c)), Ok(Some(gid)) if gid != 0))
        {
            found.push(index);
        }
        if !matches!(data, FontData::OpenType(ref f) if matches!(f.data, allsorts::tables::OpenTypeData::Collection(_)))
        {
            break;
        }
    }
    found
}

/// Whether a font file's name says it is not the regular style.
fn is_styled(path: &Path) -> bool {
    const STYLES: [&str; 10] = [
        "bold",
        "italic",
        "oblique",
        "light",
        "thin",
        "black",
        "heavy",
        "medium",
        "condensed",
        "semi",
    ];
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    STYLES.iter().any(|s| stem.contains(s))
}

fn collect_font_files(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if depth > 0 {
                collect_font_files(&path, depth - 1, out);
            }
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| FONT_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
        {
            out.push(path);
        }
    }
}

/// The usual font directories of Linux (including Kylin and UOS), Windows and macOS that exist here.
pub fn system_font_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if cfg!(windows) {
        let windir = std::env::var_os("WINDIR").map_or_else(|| PathBuf::from(r"C:\Windows"), PathBuf::from);
        dirs.push(windir.join("Fonts"));
        if let Some(local) = std::env::var_os("LOCALAPPDATA") {
            dirs.push(PathBuf::from(local).join(r"Microsoft\Windows\Fonts"));
        }
    } else if cfg!(target_os = "macos") {
        dirs.push("/System/Library/Fonts".into());
        dirs.push("/Library/Fonts".into());
        if let Some(home) = &home {
            dirs.push(home.join("Library/Fonts"));
        }
    } else {
        dirs.push("/usr/share/fonts".into());
        dirs.push("/usr/local/share/fonts".into());
        if let Some(home) = &home {
            dirs.push(home.join(".local/share/fonts"));
            dirs.push(home.join(".fonts"));
        }
    }
    dirs.retain(|d| d.is_dir());
    dirs
}
