//! The PDF record (摇号记录) and the record export, checked on real renderings of demo ceremonies run through the
//! library: the text with `pdftotext` (Chinese, witnesses, entropy, seed, every drawn code, the voided attempt),
//! page count and footers with `pdfinfo`, the QR code rasterised with `pdftoppm` and decoded with rqrr, the draft
//! mark, the bundle written beside the PDF (and verified), the glyph check naming the entity, and the command.

use std::path::{Path, PathBuf};
use std::process::Command;

use fairdraw::bundle::{self, Bundle, Verdict};
use fairdraw::ceremony::media;
use fairdraw::clock::{FixedClock, parse_time};
use fairdraw::db::Db;
use fairdraw::draw::DrawEntity;
use fairdraw::record::{self, RecordData, Step, sample::SampleOptions};
use fairdraw::{ErrorCode, Lang};

use super::pdf::{Rendered, assert_within_margins, check_pages, decode_qr, fonts, poppler, squash};

/// A database with the demo ceremony, and the id of its drawn attempt (the default options void a first
/// attempt, so the drawn one is ceremony 2).
pub struct Sample {
    pub dir: tempfile::TempDir,
    pub db: Db,
    pub id: i64,
}

impl Sample {
    pub fn new(o: &SampleOptions) -> Sample {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(dir.path().join("fairdraw.sqlite3")).unwrap();
        let id = record::sample::demo_ceremony(&mut db, o).unwrap();
        Sample { dir, db, id }
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("fairdraw.sqlite3")
    }

    /// Runs the `fairdraw` binary on this database, in English.
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_fairdraw"))
            .arg("--db")
            .arg(self.db_path())
            .args(["--lang", "en"])
            .args(args)
            .output()
            .unwrap()
    }

    pub fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }
}

/// The files in a folder, by name.
fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The text in content-stream order (`pdftotext -raw`): the lines of a table cell come one after the other,
/// so a wrapped name reads whole once white space is squashed.
fn raw_text(pdf: &Rendered) -> String {
    squash(&poppler("pdftotext", &["-raw", pdf.p(), "-"]))
}

#[test]
fn a_sealed_record_holds_the_whole_ceremony_and_its_qr_code_names_the_bundle() {
    let mut s = Sample::new(&SampleOptions::default());
    // The video file, attached after the seal: its name and SHA-256 are printed.
    let video = s.dir.path().join("摇号现场录像.mp4");
    std::fs::write(&video, b"not really a video, but bytes to hash").unwrap();
    let video_sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
        std::fs::read(&video).unwrap(),
    ));
    let clock = FixedClock(parse_time("now", "2026-06-10T10:30:00+08:00").unwrap());
    media::attach_video(&mut s.db, &clock, s.id, &video, &mut |_, _| {}).unwrap();
    let mut steps = Vec::new();
    let done = record::export(s.db.conn(), s.id, &s.out(), fonts(), &mut |step| steps.push(step)).unwrap();
    assert_eq!(steps, [Step::Read, Step::Render, Step::Bundle, Step::Pdf]);
    assert!(!done.draft);
    assert_eq!(
        files(&s.out()),
        [
            "永市监抽〔2026〕3号-第2次-摇号记录.pdf",
            "永市监抽〔2026〕3号-第2次.fairdraw.zip"
        ]
    );
    let bundle_path = done.bundle.clone().unwrap();
    assert_eq!(
        done.bundle_bytes,
        Some(std::fs::metadata(&bundle_path).unwrap().len())
    );
    let bundle_name = "永市监抽〔2026〕3号-第2次.fairdraw.zip";
    let b = Bundle::read(&bundle_path).unwrap();
    let hash = b.json.attempt.as_ref().unwrap()["record_hash"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(done.record_hash.as_deref(), Some(hash.as_str()));
    assert!(matches!(
        bundle::verify(Bundle::read(&bundle_path).unwrap()).unwrap(),
        Verdict::Match { .. }
    ));

    let data = RecordData::load(s.db.conn(), s.id).unwrap();
    let c = &data.ceremony;
    let pdf = Rendered::new(std::fs::read(&done.pdf).unwrap());
    assert_eq!(pdf.size, done.pdf_bytes);
    assert_eq!(pdf.page_count(), done.pages);
    let pages = check_pages(
        &pdf,
        &format!("记录编号：永市监抽〔2026〕3号 第2次 {}", &hash[..12]),
    );
    let all = squash(&pages.concat());
    let fp = c.fingerprints.as_ref().unwrap();
    let mut expected: Vec<String> = [
        "双随机抽查摇号记录",
        "2026年食品经营者联合抽查",
        "任务编号：永市监抽〔2026〕3号",
        "永州市2026年度部门联合双随机抽查工作计划",
        "2026-06-01公示于永州市人民政府门户网站",
        "2026-06-09公示于永州市市场监督管理局网站",
        "卫健委（联合抽查）",
        "企业信息公示情况检查",
        "《企业信息公示暂行条例》",
        "公共场所卫生监督检查",
        "经营状态为吊销、撤销、注销、迁出的对象",
        "摇号日前365天内已被检查过的对象",
        "每组3名执法检查人员",
        "本机操作系统",
        "fairdraw-draw/1",
        "投影仪故障，见证人无法看清屏幕",
        "局长李四",
        "会议室摄像机",
        "全部检查对象已揭晓，见证人核对屏幕",
        "fairdrawverify永市监抽〔2026〕3号-第2次.fairdraw.zip",
        "python3tools/verify.py永市监抽〔2026〕3号-第2次.fairdraw.zip",
        "操作人员",
        "张三",
        "摇号现场录像.mp4",
        "附加的录像文件（封存后补充）",
    ]
    .iter()
    .map(|x| x.to_string())
    .collect();
    // "本机操作系统" is wrong here: the demo supplies its secret, and the record says so.
    expected.retain(|x| x != "本机操作系统");
    expected.push("由外部提供".into());
    for (name, role, unit, entropy) in record::sample::WITNESSES {
        expected.extend([name, role, unit, entropy].map(String::from));
    }
    for v in [
        &fp.population,
        &fp.inspectors,
        &fp.recusals,
        &fp.rules,
        &fp.inputs,
    ] {
        expected.push(v.clone());
    }
    expected.extend([
        c.fp_outcome.clone().unwrap(),
        c.commitment.clone().unwrap(),
        c.seed.clone().unwrap(),
        "02".repeat(32),
        hash.clone(),
        c.journal_head.clone().unwrap(),
        // The voided attempt's secret is published in the later record.
        "01".repeat(32),
        video_sha256,
        data.voided[0].commitment.clone().unwrap(),
    ]);
    let outcome = data.outcome.as_ref().unwrap();
    for t in &outcome.targets {
        expected.push(t.code.clone());
        expected.push(squash(&data.entities[&t.code].name));
    }
    for r in &outcome.reserves {
        expected.push(r.code.clone());
    }
    for g in &outcome.groups {
        for m in &g.members {
            expected.push(data.inspectors[m].name.to_string());
        }
    }
    let raw = raw_text(&pdf);
    let missing: Vec<&String> = expected
        .iter()
        .filter(|x| !all.contains(x.as_str()) && !raw.contains(x.as_str()))
        .collect();
    assert!(missing.is_empty(), "missing from the PDF: {missing:?}");
    assert!(!all.contains("草稿/未封存"), "a sealed record is not a draft");
    // Hashes are set in the fixed-pitch font and extract as one word each, ready to copy.
    let text = pages.concat();
    assert!(
        text.contains(&format!(" {}\n", c.seed.as_ref().unwrap())),
        "{text}"
    );
    // The QR code on the first page holds the record hash and the bundle's file name.
    assert_eq!(
        decode_qr(pdf.raster(1)),
        [format!("fairdraw-record:sha256={hash};file={bundle_name}")]
    );
    assert_eq!(
        record::qr_payload(&hash, bundle_name),
        format!("fairdraw-record:sha256={hash};file={bundle_name}")
    );
    // The signature page names every witness and the operator, and carries the record hash.
    let last = squash(pages.last().unwrap());
    for x in ["李明", "周敏", "陈公正", "张三", "签名", "日期", &hash[..40]] {
        assert!(last.contains(x), "{x} not on the signature page:\n{last}");
    }

    // A second export never replaces the first.
    let before = files(&s.out());
    let err = record::export(s.db.conn(), s.id, &s.out(), fonts(), &mut |_| {}).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Invalid);
    assert!(err.message(Lang::En).contains("already exists"), "{err:?}");
    assert_eq!(files(&s.out()), before);
}

#[test]
fn a_thousand_target_record_prints_every_drawn_code_on_numbered_pages() {
    let s = Sample::new(&SampleOptions {
        entities: 20_000,
        inspectors: 2_000,
        targets: 1_000,
        targets_per_group: 20,
        ..SampleOptions::default()
    });
    let done = record::export(s.db.conn(), s.id, &s.out(), fonts(), &mut |_| {}).unwrap();
    let pdf = Rendered::new(std::fs::read(&done.pdf).unwrap());
    let hash = done.record_hash.clone().unwrap();
    let pages = check_pages(&pdf, &format!("永市监抽〔2026〕3号 第2次 {}", &hash[..12]));
    assert!(pages.len() > 50, "{} pages", pages.len());
    let data = RecordData::load(s.db.conn(), s.id).unwrap();
    let outcome = data.outcome.as_ref().unwrap();
    assert_eq!(outcome.targets.len(), 1000);
    assert_eq!(outcome.groups.len(), 50);
    let words: std::collections::HashMap<&str, usize> = pages
        .iter()
        .enumerate()
        .flat_map(|(p, page)| page.split_whitespace().map(move |w| (w, p)))
        .collect();
    let drawn = [
        (
            "target",
            outcome
                .targets
                .iter()
                .map(|t| t.code.as_str())
                .collect::<Vec<_>>(),
        ),
        (
            "reserve",
            outcome.reserves.iter().map(|r| r.code.as_str()).collect(),
        ),
    ];
    for (what, codes) in drawn {
        let absent: Vec<&str> = codes.into_iter().filter(|c| !words.contains_key(c)).collect();
        assert!(absent.is_empty(), "{what} codes not printed: {absent:?}");
    }
    // Every page with a drawn code repeats the results table's header.
    for t in outcome.targets.iter().step_by(97) {
        let page = &pages[words[t.code.as_str()]];
        assert!(
            page.contains("统一社会信用代码") && page.contains("检查人员"),
            "{page}"
        );
    }
    // The long run of reveals is one timeline row; the bundle keeps every entry.
    let all = squash(&pages.concat());
    assert!(all.contains("第1–1000个（共1000），逐个揭晓"), "timeline");
    assert_eq!(decode_qr(pdf.raster(1)).len(), 1);
    // Long names and addresses wrap inside their cells: no word crosses a margin on any page.
    assert_within_margins(&pdf);
    eprintln!(
        "1,000-target record: {} pages, {} bytes",
        done.pages, done.pdf_bytes
    );
}

#[test]
fn an_unsealed_ceremony_prints_as_a_draft_marked_on_every_page_without_bundle_or_qr() {
    let s = Sample::new(&SampleOptions {
        seal: false,
        ..SampleOptions::default()
    });
    let mut steps = Vec::new();
    let done = record::export(s.db.conn(), s.id, &s.out(), fonts(), &mut |step| steps.push(step)).unwrap();
    assert_eq!(steps, [Step::Read, Step::Render, Step::Pdf], "no bundle step");
    assert!(done.draft);
    assert_eq!(done.bundle, None);
    assert_eq!(done.record_hash, None);
    assert_eq!(files(&s.out()), ["永市监抽〔2026〕3号-第2次-摇号记录-草稿.pdf"]);
    let pdf = Rendered::new(std::fs::read(&done.pdf).unwrap());
    let pages = check_pages(&pdf, "草稿 / 未封存");
    let all = squash(&pages.concat());
    assert!(all.contains("双随机抽查摇号记录（草稿）"));
    assert!(all.contains("记录编号：永市监抽〔2026〕3号第2次草稿"));
    assert!(all.contains("本记录尚未封存，没有记录哈希和二维码"));
    assert!(all.contains("进行中（已全部揭晓）"));
    assert!(decode_qr(pdf.raster(1)).is_empty(), "a draft has no QR code");

    // The voided first attempt prints too, with its reason and its published secret.
    let done = record::export(s.db.conn(), 1, &s.out(), fonts(), &mut |_| {}).unwrap();
    assert!(done.draft);
    assert!(done.pdf.ends_with("永市监抽〔2026〕3号-第1次-摇号记录-草稿.pdf"));
    let pdf = Rendered::new(std::fs::read(&done.pdf).unwrap());
    let pages = check_pages(&pdf, "草稿 / 未封存");
    let all = squash(&pages.concat());
    for x in [
        "双随机抽查摇号记录（已作废）",
        "已作废（2026-06-10",
        "作废时状态：密钥已承诺",
        "投影仪故障，见证人无法看清屏幕",
        "局长李四",
        "第1次公开的密钥",
        &"01".repeat(32),
        "李明",
        "（未贡献）",
    ] {
        assert!(all.contains(x), "{x} missing from the voided record");
    }
}

fn first_target(data: &RecordData) -> DrawEntity {
    let code = &data.outcome.as_ref().unwrap().targets[0].code;
    data.entities[code].clone()
}

/// The README's demo ceremony draws from demo registers with rare names and must always print its record:
/// every rare character the demo puts in names is in the built-in font (𪚥, which is not, only when a test asks
/// for it).
#[test]
fn every_rare_character_of_the_demo_is_in_the_built_in_font() {
    let built_in = fairdraw::pdf::Fonts::load_default().unwrap();
    for c in fairdraw::demo::RARE_CHARS {
        let ch = c.chars().next().unwrap();
        assert!(built_in.covers(ch), "{c} (U+{:X})", ch as u32);
    }
    assert!(!built_in.covers('𪚥'));
}

#[test]
fn a_character_no_font_has_stops_the_record_naming_character_and_entity() {
    // Every demo name gets one of the rare characters, 𪚥 (U+2A6A5) in place of one of them; 𪚥 is in no font
    // Debian installs, and with 24 entities drawn or reserved some have it.
    let s = Sample::new(&SampleOptions {
        rare_names_ppm: 1_000_000,
        char_no_font_has: true,
        ..SampleOptions::default()
    });
    assert!(!fonts().covers('𪚥'));
    let err = record::export(s.db.conn(), s.id, &s.out(), fonts(), &mut |_| {}).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Invalid);
    let zh = err.message(Lang::Zh);
    let en = err.message(Lang::En);
    let data = RecordData::load(s.db.conn(), s.id).unwrap();
    let culprit = data
        .entities
        .values()
        .filter(|e| e.name.contains('𪚥'))
        .min_by_key(|e| e.code.clone())
        .unwrap();
    assert!(
        zh.contains(&format!(
            "检查对象 {}（{}）的名称“{}”：“𪚥”（U+2A6A5）",
            culprit.code, culprit.name, culprit.name
        )),
        "{zh}"
    );
    assert!(zh.contains("空白方框"), "{zh}");
    assert!(
        en.contains(&format!("of entity {} ({})", culprit.code, culprit.name))
            && en.contains("'𪚥' (U+2A6A5)"),
        "{en}"
    );
    // Nothing was written: neither the bundle nor the PDF.
    assert!(files(&s.out()).is_empty(), "{:?}", files(&s.out()));

    // A self-made glyph (private use) is named by its code point only.
    let mut data = RecordData::load(s.db.conn(), s.id).unwrap();
    data.entities.retain(|_, e| !e.name.contains('𪚥'));
    let mut e = first_target(&data);
    e.name = "永州市\u{F0001}记商行".into();
    data.entities.insert(e.code.to_string(), e.clone());
    let zh = record::render(&data, fonts(), false)
        .unwrap_err()
        .message(Lang::Zh);
    assert!(
        zh.contains(&format!(
            "检查对象 {}（永州市\u{F0001}记商行）的名称“永州市\u{F0001}记商行”：U+F0001（不可见字符或本单位自造字）",
            e.code
        )),
        "{zh}"
    );
}

#[test]
fn system_fonts_fill_what_the_built_in_font_lacks_before_anything_is_refused() {
    let s = Sample::new(&SampleOptions::default());
    let mut data = RecordData::load(s.db.conn(), s.id).unwrap();
    // Georgian letters are not in the CJK font; DejaVu Sans (fonts-dejavu-core) has them.
    let mut e = first_target(&data);
    e.name = "第比利斯ნინო贸易有限公司".into();
    data.entities.insert(e.code.to_string(), e);
    let err = record::render(&data, fonts(), false).unwrap_err();
    assert!(err.message(Lang::En).contains("(U+10DC)"), "{err:?}");
    let rendered = record::render(&data, fonts(), true).unwrap();
    assert!(
        rendered.fonts_added.iter().any(|f| f.contains("DejaVu")),
        "{:?}",
        rendered.fonts_added
    );
    let pdf = Rendered::new(rendered.pdf);
    assert!(raw_text(&pdf).contains("第比利斯ნინო贸易有限公司"));
}

#[test]
fn record_export_command_prints_both_paths_and_the_record_hash() {
    let s = Sample::new(&SampleOptions::default());
    let hash = fairdraw::ceremony::get(s.db.conn(), s.id)
        .unwrap()
        .record_hash
        .unwrap();
    let out = s.out();
    let run = |args: &[&str]| s.run(args);
    // By task number: its latest attempt.
    let o = run(&[
        "record",
        "export",
        "永市监抽〔2026〕3号",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let bundle = out.join("永市监抽〔2026〕3号-第2次.fairdraw.zip");
    assert!(
        stdout.contains(&format!("bundle: {}\n", bundle.display())),
        "{stdout}"
    );
    assert!(stdout.contains(&format!(
        "PDF record: {} (",
        out.join("永市监抽〔2026〕3号-第2次-摇号记录.pdf").display()
    )));
    assert!(stdout.contains(&format!("record hash: {hash}\n")), "{stdout}");
    let v = run(&["verify", bundle.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&v.stdout).starts_with("MATCH"));
    // The voided attempt, as JSON: a draft with no bundle.
    let o = run(&["--json", "record", "export", "1", "--out", out.to_str().unwrap()]);
    assert!(o.status.success());
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["draft"], true);
    assert_eq!(j["bundle"], serde_json::Value::Null);
    assert_eq!(j["bundle_bytes"], serde_json::Value::Null);
    assert_eq!(j["record_hash"], serde_json::Value::Null);
    assert!(j["pages"].as_u64().unwrap() >= 3);
    // Again: refused, exit code 1, naming the file.
    let o = run(&["record", "export", "1", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
}
