//! The PDF layer: rendered documents checked with poppler's tools (`pdftotext`, `pdfinfo`, `pdffonts`,
//! `pdftoppm`) for text, page count, footers, repeated table headers, embedded subset fonts, size, margins
//! and a QR code that decodes back to its payload; and the glyph check with and without fallback fonts.
//!
//! The poppler helpers ([`Rendered`], [`poppler`], [`check_pages`], [`assert_within_margins`], [`decode_qr`], [`squash`]) are shared with the record and
//! notice tests.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use fairdraw::pdf::{Align, Block, Column, Document, Fonts, Signatory, Table, render};
use fairdraw::{ErrorCode, Lang};

/// DejaVu Sans (Debian `fonts-dejavu-core`): Latin, Greek, Cyrillic, Georgian, no CJK.
const DEJAVU: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// The built-in font, parsed once for the whole test binary (parsing a CJK font takes about a second).
pub fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts::load_default().unwrap())
}

fn built_in_font_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fonts/NotoSansCJKsc-Regular.otf")
}

fn dejavu() -> &'static Path {
    let path = Path::new(DEJAVU);
    assert!(
        path.exists(),
        "{DEJAVU} is missing: install the Debian package fonts-dejavu-core (scripts/setup.sh core does)"
    );
    path
}

/// Runs a poppler tool, failing with a clear message when poppler-utils is not installed.
pub fn poppler(tool: &str, args: &[&str]) -> String {
    let out = match Command::new(tool).args(args).output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "`{tool}` was not found: install poppler-utils (Debian: apt-get install poppler-utils; scripts/setup.sh core does)"
        ),
        Err(e) => panic!("running {tool}: {e}"),
    };
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub struct Rendered {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
    pub size: usize,
}

impl Rendered {
    pub fn new(bytes: Vec<u8>) -> Rendered {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("doc.pdf");
        std::fs::write(&path, &bytes).unwrap();
        Rendered {
            _dir: dir,
            path,
            size: bytes.len(),
        }
    }

    pub fn p(&self) -> &str {
        self.path.to_str().unwrap()
    }

    /// The text of each page (`pdftotext -layout` separates pages with form feeds).
    pub fn pages(&self) -> Vec<String> {
        let text = poppler("pdftotext", &["-layout", self.p(), "-"]);
        let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
        if pages.last().is_some_and(|p| p.trim().is_empty()) {
            pages.pop();
        }
        pages
    }

    pub fn page_count(&self) -> usize {
        let info = poppler("pdfinfo", &[self.p()]);
        let line = info.lines().find(|l| l.starts_with("Pages:")).unwrap();
        line["Pages:".len()..].trim().parse().unwrap()
    }

    /// `pdffonts` rows: (name, type, emb, sub).
    fn fonts(&self) -> Vec<(String, String, String, String)> {
        let out = poppler("pdffonts", &[self.p()]);
        out.lines()
            .skip(2)
            .map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                // name type [type words] encoding emb sub uni object ID
                let n = f.len();
                (
                    f[0].to_string(),
                    f[1].to_string(),
                    f[n - 5].to_string(),
                    f[n - 4].to_string(),
                )
            })
            .collect()
    }

    /// Page `page` (1-based) rasterised at 150 dpi in grey: (width, height, pixels).
    pub fn raster(&self, page: usize) -> (usize, usize, Vec<u8>) {
        let out = self.path.with_file_name(format!("page{page}"));
        let n = page.to_string();
        poppler(
            "pdftoppm",
            &[
                "-r",
                "150",
                "-gray",
                "-f",
                &n,
                "-l",
                &n,
                "-singlefile",
                self.p(),
                out.to_str().unwrap(),
            ],
        );
        read_pgm(&out.with_extension("pgm"))
    }
}

/// Reads a binary PGM (P5, 8 bit) as written by `pdftoppm -gray`.
fn read_pgm(path: &Path) -> (usize, usize, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap();
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8(bytes[start..i].to_vec()).unwrap());
    }
    assert_eq!(fields[0], "P5");
    assert_eq!(fields[3], "255");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let pixels = bytes[i + 1..].to_vec();
    assert_eq!(pixels.len(), w * h);
    (w, h, pixels)
}

/// All QR codes found on a rasterised page, decoded.
pub fn decode_qr((w, h, pixels): (usize, usize, Vec<u8>)) -> Vec<String> {
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
    img.detect_grids()
        .into_iter()
        .map(|grid| grid.decode().unwrap().1)
        .collect()
}

pub fn squash(s: &str) -> String {
    s.split_whitespace().collect()
}

/// Checks the page header and the footer "第 N 页 共 M 页" of every page.
pub fn check_pages(pdf: &Rendered, header: &str) -> Vec<String> {
    let pages = pdf.pages();
    let count = pdf.page_count();
    assert_eq!(pages.len(), count);
    for (i, page) in pages.iter().enumerate() {
        let text = squash(page);
        assert!(
            text.contains(&format!("第{}页共{count}页", i + 1)),
            "page {} footer:\n{page}",
            i + 1
        );
        assert!(
            text.contains(&squash(header)),
            "page {} header {header:?}:\n{page}",
            i + 1
        );
    }
    pages
}

const SEED: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
const QR_PAYLOAD: &str = "fairdraw:record:sha256=3f2a9c0e5b7d41a8c6e2f90b1d3c5a7e9f0b2d4c6e8a0b1c3d5e7f9a1b2c3d4e;file=FD-2026-0001.zip";

fn small_document() -> Document {
    Document {
        record_id: "FD-2026-0001".into(),
        title: "双随机抽查摇号记录".into(),
        subtitle: "任务编号：YZ-SJ-2026-018".into(),
        mark: String::new(),
        blocks: vec![
            Block::Heading(1, "一、任务概况".into()),
            Block::KeyValues(vec![
                ("任务名称".into(), "2026年度食品生产企业双随机抽查".into()),
                ("牵头部门".into(), "永州市市场监督管理局".into()),
            ]),
            Block::Paragraph(
                "本次摇号全程录音录像，见证人现场见证并签字。The seed is derived from SHA-256.".into(),
            ),
            Block::Mono(vec![("种子".into(), SEED.into())]),
            Block::Table(Table {
                columns: vec![
                    Column::fixed("序号", 12.0).align(Align::Right),
                    Column::fixed("统一社会信用代码", 40.0),
                    Column::new("企业名称", 3.0),
                    Column::new("检查组", 1.0).align(Align::Center),
                ],
                rows: vec![
                    vec![
                        "1".into(),
                        "91330000566997460T".into(),
                        "𠮷祥商贸有限公司".into(),
                        "第1组".into(),
                    ],
                    vec![
                        "2".into(),
                        "91330000697024247P".into(),
                        "䶮记餐饮店".into(),
                        "第2组".into(),
                    ],
                    vec![
                        "3".into(),
                        "91110105MA0012008X".into(),
                        "永州市零陵区建材经营部".into(),
                        "第1组".into(),
                    ],
                ],
            }),
            Block::Qr {
                payload: QR_PAYLOAD.into(),
                caption: "记录文件的 SHA-256 值".into(),
            },
            Block::Signatures(vec![
                Signatory {
                    name: "王小明".into(),
                    role: "公证员".into(),
                    unit: "永州市潇湘公证处".into(),
                },
                Signatory {
                    name: "欧阳娜娜".into(),
                    role: "监督见证人".into(),
                    unit: "永州市人大常委会".into(),
                },
            ]),
        ],
    }
}

#[test]
fn small_record_is_one_page_of_real_text_with_subset_fonts_and_a_qr_code() {
    let pdf = Rendered::new(render(&small_document(), fonts()).unwrap());
    assert_eq!(pdf.page_count(), 1);
    let pages = pdf.pages();
    assert_eq!(pages.len(), 1);
    let text = squash(&pages[0]);
    for expected in [
        "双随机抽查摇号记录",
        "记录编号：FD-2026-0001",
        "任务编号：YZ-SJ-2026-018",
        "2026年度食品生产企业双随机抽查",
        "永州市市场监督管理局",
        "见证人现场见证并签字。Theseedisderived",
        SEED,
        "𠮷祥商贸有限公司",
        "䶮记餐饮店",
        "91110105MA0012008X",
        "王小明",
        "欧阳娜娜",
        "永州市潇湘公证处",
        "第1页共1页",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{}",
            pages[0]
        );
    }
    // The seed is set in the fixed-pitch font and extracts as one word, ready to copy.
    assert!(pages[0].contains(&format!(" {SEED}\n")), "{}", pages[0]);
    let fonts = pdf.fonts();
    let mut names: Vec<&str> = fonts
        .iter()
        .map(|f| f.0.split('+').nth(1).unwrap_or(""))
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["NotoSansCJKsc-Regular", "NotoSansMono-Regular"],
        "{fonts:?}"
    );
    for (name, _, emb, sub) in &fonts {
        assert_eq!((emb.as_str(), sub.as_str()), ("yes", "yes"), "{name}");
    }
    assert!(pdf.size < 80_000, "a one-page record is {} bytes", pdf.size);
    // No false claim of PDF/X conformance and no 1970 dates in the document information.
    let info = poppler("pdfinfo", &[pdf.p()]);
    assert!(info.contains("Producer:        fairdraw\n"), "{info}");
    assert!(!info.contains("PDF/X") && !info.contains("1970"), "{info}");
    assert_eq!(decode_qr(pdf.raster(1)), [QR_PAYLOAD]);
}

/// A wrapping company name for row `i`; every row has its own key so that lost rows are noticed.
fn company(i: usize) -> String {
    format!("湖南永州潇湘源生态农业科技开发有限责任公司冷水滩区第{i}分公司（连锁经营）")
}

fn big_document(rows: usize) -> Document {
    let table = Table {
        columns: vec![
            Column::fixed("序号", 12.0).align(Align::Right),
            Column::fixed("编号", 24.0),
            Column::new("企业名称", 3.0),
            Column::new("住所", 2.0),
            Column::fixed("检查组", 16.0).align(Align::Center),
        ],
        rows: (1..=rows)
            .map(|i| {
                vec![
                    i.to_string(),
                    format!("K{i:05}"),
                    company(i),
                    format!("永州市冷水滩区凤凰街道{i}号"),
                    format!("第{}组", i % 7 + 1),
                ]
            })
            .collect(),
    };
    Document {
        record_id: "FD-2026-0002".into(),
        title: "双随机抽查摇号记录".into(),
        subtitle: String::new(),
        mark: String::new(),
        blocks: vec![Block::Heading(1, "抽取结果".into()), Block::Table(table)],
    }
}

#[test]
fn thousand_row_table_breaks_across_pages_with_repeated_header_and_every_row() {
    let pdf = Rendered::new(render(&big_document(1000), fonts()).unwrap());
    let pages = check_pages(&pdf, "记录编号：FD-2026-0002");
    let count = pages.len();
    assert!(count > 20, "{count} pages");
    let mut seen = vec![0usize; 1001];
    for (i, page) in pages.iter().enumerate() {
        let header = page
            .lines()
            .find(|l| l.contains("企业名称"))
            .unwrap_or_else(|| panic!("no table header on page {}:\n{page}", i + 1));
        for h in ["序号", "编号", "住所", "检查组"] {
            assert!(header.contains(h), "page {}: {header}", i + 1);
        }
        for word in page.split_whitespace() {
            if let Some(n) = word.strip_prefix('K').and_then(|n| n.parse::<usize>().ok()) {
                seen[n] += 1;
            }
        }
    }
    let wrong: Vec<usize> = (1..=1000).filter(|&i| seen[i] != 1).collect();
    assert!(wrong.is_empty(), "rows not printed exactly once: {wrong:?}");
    let all = squash(&pages.concat());
    assert!(all.contains("第1000分公司（连锁经营）"));
    assert!(pdf.size < 1_500_000, "{} bytes", pdf.size);
    for (name, _, emb, sub) in pdf.fonts() {
        assert_eq!((emb.as_str(), sub.as_str()), ("yes", "yes"), "{name}");
    }
}

/// A word box from `pdftotext -bbox`: (text, x_min, y_min, x_max, y_max) in points from the top left.
type WordBox = (String, f32, f32, f32, f32);

/// The word boxes of each page.
fn words(pdf: &Rendered) -> Vec<Vec<WordBox>> {
    let html = poppler("pdftotext", &["-bbox", pdf.p(), "-"]);
    let mut pages = Vec::new();
    for page in html.split("<page ").skip(1) {
        let mut words = Vec::new();
        for w in page.split("<word ").skip(1) {
            let attr = |name: &str| -> f32 {
                let start = w.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                let end = start + w[start..].find('"').unwrap();
                w[start..end].parse().unwrap()
            };
            let text = &w[w.find('>').unwrap() + 1..w.find("</word>").unwrap()];
            words.push((
                text.to_string(),
                attr("xMin"),
                attr("yMin"),
                attr("xMax"),
                attr("yMax"),
            ));
        }
        pages.push(words);
    }
    pages
}

#[test]
fn no_text_crosses_the_margins() {
    let mut doc = big_document(120);
    doc.blocks.push(Block::Paragraph(format!(
        "{}{}",
        "很长的段落".repeat(300),
        "0123456789abcdef".repeat(40)
    )));
    let pdf = Rendered::new(render(&doc, fonts()).unwrap());
    assert_within_margins(&pdf);
}

/// Checks every word box (`pdftotext -bbox`): inside the left and right margins, header and body above the
/// text area's bottom, and below it only the footer "第 N 页 共 M 页".
pub fn assert_within_margins(pdf: &Rendered) {
    let mm = 72.0 / 25.4;
    let pages = words(pdf);
    assert_eq!(pages.len(), pdf.page_count());
    for (i, page) in pages.iter().enumerate() {
        for (text, x0, y0, x1, y1) in page {
            let at = format!(
                "page {} word {text:?} at x {x0:.1}..{x1:.1}, y {y0:.1}..{y1:.1}",
                i + 1
            );
            assert!(*x0 >= 28.0 * mm - 0.5 && *x1 <= 190.0 * mm + 0.5, "{at}");
            if *y0 < (297.0 - 22.0) * mm {
                assert!(*y0 >= 10.0 * mm && *y1 <= (297.0 - 22.0) * mm + 1.0, "{at}");
            } else {
                let footer = ["第", "页", "共"].contains(&text.as_str()) || text.parse::<usize>().is_ok();
                assert!(footer && *y1 <= (297.0 - 8.0) * mm, "{at}");
            }
        }
    }
}

#[test]
fn a_row_taller_than_a_page_is_split_between_lines_under_repeated_headers() {
    let tall: String = (1..=150).map(|i| format!("第{i:03}行内容\n")).collect();
    let doc = Document {
        record_id: "FD-3".into(),
        title: "长单元格".into(),
        subtitle: String::new(),
        mark: String::new(),
        blocks: vec![Block::Table(Table {
            columns: vec![Column::new("说明", 1.0), Column::new("备注", 1.0)],
            rows: vec![vec![tall, "短".into()], vec!["下一行".into(), "尾".into()]],
        })],
    };
    let pdf = Rendered::new(render(&doc, fonts()).unwrap());
    let pages = pdf.pages();
    assert!(pages.len() >= 3, "{} pages", pages.len());
    for page in &pages {
        assert!(page.contains("说明") && page.contains("备注"), "{page}");
    }
    let all = squash(&pages.concat());
    let mut at = 0;
    for i in 1..=150 {
        let line = format!("第{i:03}行内容");
        let found = all[at..]
            .find(&line)
            .unwrap_or_else(|| panic!("{line} missing or out of order"));
        at += found;
    }
    assert!(all.contains("下一行"));
}

#[test]
fn built_in_font_covers_rare_characters_in_names() {
    let fonts = fonts();
    for c in ['𠮷', '䶮', '冷', '凤', 'A', '0', '（', '《'] {
        assert!(fonts.covers(c), "{c} (U+{:04X})", u32::from(c));
    }
}

fn rare_name_document() -> Document {
    Document {
        record_id: "FD-4".into(),
        title: "Record".into(),
        subtitle: String::new(),
        mark: String::new(),
        blocks: vec![
            Block::Paragraph("Witnesses and entities".into()),
            Block::Table(Table {
                columns: vec![Column::new("Code", 1.0), Column::new("Name", 2.0)],
                rows: vec![
                    vec!["91330000566997460T".into(), "Alpha Trading".into()],
                    vec!["91330000697024247P".into(), "𠮷祥商贸有限公司".into()],
                ],
            }),
        ],
    }
}

#[test]
fn a_character_no_font_has_is_refused_naming_character_and_place() {
    // DejaVu Sans has no Chinese at all: the document cannot be printed with it alone.
    let fonts = Fonts::from_file(dejavu(), 0).unwrap();
    let err = render(&rare_name_document(), &fonts).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Invalid);
    let zh = err.message(Lang::Zh);
    let en = err.message(Lang::En);
    let first = zh.lines().nth(1).unwrap();
    assert!(first.starts_with("- “𠮷”（U+20BB7）、“祥”（U+7965）、"), "{zh}");
    assert!(
        first.ends_with("位于第 2 块（表格）第 2 行“Name”列：“𠮷祥商贸有限公司”"),
        "{zh}"
    );
    assert!(zh.contains("空白方框"), "{zh}");
    // The fixed texts of header and footer are Chinese too; they are listed after the document's own.
    assert!(zh.lines().nth(2).unwrap().contains("“记”（U+8BB0）"), "{zh}");
    let first = en.lines().nth(1).unwrap();
    assert!(first.starts_with("- '𠮷' (U+20BB7), '祥' (U+7965), "), "{en}");
    assert!(
        first.ends_with(" in block 2 (table), row 2, column \"Name\": \"𠮷祥商贸有限公司\""),
        "{en}"
    );
    assert!(en.contains("DejaVuSans.ttf"), "{en}");
}

#[test]
fn a_fallback_font_draws_what_the_primary_lacks() {
    let mut fonts = Fonts::from_file(dejavu(), 0).unwrap();
    fonts.add_fallback_file(&built_in_font_file(), 0).unwrap();
    assert_eq!(fonts.face_names().len(), 2);
    let pdf = Rendered::new(render(&rare_name_document(), &fonts).unwrap());
    let text = squash(&pdf.pages().concat());
    assert!(text.contains("𠮷祥商贸有限公司"), "{text}");
    assert!(text.contains("AlphaTrading"), "{text}");
    let used = pdf.fonts();
    assert_eq!(used.len(), 2, "{used:?}");
    assert!(used.iter().any(|f| f.0.contains("DejaVuSans")), "{used:?}");
    assert!(used.iter().any(|f| f.0.contains("NotoSansCJKsc")), "{used:?}");
    for (name, _, emb, sub) in used {
        assert_eq!((emb.as_str(), sub.as_str()), ("yes", "yes"), "{name}");
    }
}

#[test]
fn system_fonts_are_searched_only_for_missing_characters() {
    let georgian = Document {
        record_id: "FD-5".into(),
        title: "见证人 ნინო".into(),
        subtitle: String::new(),
        mark: String::new(),
        blocks: vec![],
    };
    let mut fonts = fonts().clone();
    let err = render(&georgian, &fonts).unwrap_err();
    assert!(
        err.message(Lang::En).contains("U+10DC"),
        "{}",
        err.message(Lang::En)
    );
    assert!(
        err.message(Lang::Zh).contains("标题"),
        "{}",
        err.message(Lang::Zh)
    );

    let dirs = [dejavu().parent().unwrap().to_path_buf()];
    // Nothing is missing from the built-in font: no directory is searched, nothing is added.
    assert!(fonts.add_fallbacks_from_dirs(&dirs, &small_document()).is_empty());
    let added = fonts.add_fallbacks_from_dirs(&dirs, &georgian);
    assert_eq!(added.len(), 1, "{added:?}");
    assert!(added[0].contains("DejaVu"), "{added:?}");
    let pdf = Rendered::new(render(&georgian, &fonts).unwrap());
    assert!(pdf.pages()[0].contains("见证人 ნინო"));
}

#[test]
fn control_characters_and_ragged_rows_are_refused() {
    let mut doc = small_document();
    doc.blocks
        .push(Block::KeyValues(vec![("备注".into(), "响铃\u{7}".into())]));
    let err = render(&doc, fonts()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Invalid);
    let zh = err.message(Lang::Zh);
    assert!(
        zh.contains("\n- 不可见字符 U+0007，位于第 8 块（项目表）字段“备注”的值：“响铃\u{7}”"),
        "{zh}"
    );

    let mut doc = small_document();
    doc.blocks.push(Block::Signatures(vec![Signatory {
        name: "李\u{E000}".into(),
        role: "监督见证人".into(),
        unit: "永州市".into(),
    }]));
    let zh = render(&doc, fonts()).unwrap_err().message(Lang::Zh);
    assert!(
        zh.contains("\n- 私用区字符 U+E000（可能是本单位自造字，需要提供其造字字体），位于第 8 块（签名表）第 1 人的姓名："),
        "{zh}"
    );

    let mut doc = small_document();
    doc.blocks.push(Block::Table(Table {
        columns: vec![Column::new("甲", 1.0), Column::new("乙", 1.0)],
        rows: vec![vec!["1".into(), "2".into()], vec!["3".into()]],
    }));
    let err = render(&doc, fonts()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Invalid);
    assert!(
        err.message(Lang::Zh)
            .contains("第 8 块（表格）第 2 行有 1 个单元格，表格有 2 列"),
        "{}",
        err.message(Lang::Zh)
    );
    assert!(
        err.message(Lang::En)
            .contains("block 8 (table), row 2: 1 cells for 2 columns")
    );
}

#[test]
fn fonts_can_be_shared_between_threads_and_bad_font_files_are_named() {
    fn shared<T: Send + Sync>(_: &T) {}
    shared(fonts());

    let dir = tempfile::tempdir().unwrap();
    let not_a_font = dir.path().join("notes.ttf");
    std::fs::write(&not_a_font, "这不是字体").unwrap();
    let err = Fonts::from_file(&not_a_font, 0).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Invalid);
    assert!(
        err.message(Lang::Zh).contains("notes.ttf：不是可用的字体文件"),
        "{}",
        err.message(Lang::Zh)
    );
    let mut fonts = fonts().clone();
    let err = fonts
        .add_fallback_file(&dir.path().join("missing.otf"), 0)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Io);
    assert!(err.message(Lang::En).contains("missing.otf"));
    assert_eq!(fonts.face_names().len(), 2, "a failed fallback is not added");
}
