//! The demo-data generator: reproducible files, valid unique credit codes, the canonical headers, GB18030
//! CSV that decodes to the same rows as the xlsx, rare names, and the command line's errors.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook};
use chrono::NaiveDate;
use fairdraw::codes::{CodeCheck, check};
use fairdraw::demo::{self, DemoFormat, DemoOptions, RARE_CHARS};
use fairdraw::model::Register;

fn fairdraw() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fairdraw"))
}

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
}

fn xlsx_rows(path: &Path) -> Vec<Vec<String>> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => panic!("{}: a cell that is not text: {other:?}", path.display()),
                })
                .collect()
        })
        .collect()
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    rdr.records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn decode_gb18030(bytes: &[u8]) -> String {
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    assert!(!had_errors, "GB18030 decoding found malformed bytes");
    text.into_owned()
}

fn run_demo(dir: &Path, extra: &[&str]) -> std::process::Output {
    let out = fairdraw()
        .args(["demo", "--out", dir.to_str().unwrap()])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

#[test]
fn same_arguments_give_byte_identical_files_in_every_format() {
    for format in ["xlsx", "csv", "gbk-csv"] {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let args = [
            "--entities",
            "300",
            "--inspectors",
            "60",
            "--seed",
            "同一种子",
            "--format",
            format,
        ];
        run_demo(a.path(), &args);
        run_demo(b.path(), &args);
        let ext = if format == "xlsx" { "xlsx" } else { "csv" };
        for name in ["entities", "inspectors", "items", "departments"] {
            let file = format!("{name}.{ext}");
            let x = std::fs::read(a.path().join(&file)).unwrap();
            let y = std::fs::read(b.path().join(&file)).unwrap();
            assert!(x.len() > 50, "{file}");
            assert!(x == y, "{format}: {file} differs between two runs");
        }
        // Only the four files, no temporary ones left behind.
        assert_eq!(std::fs::read_dir(a.path()).unwrap().count(), 4);
    }
}

#[test]
fn another_seed_or_as_of_date_gives_other_data() {
    let base: Vec<_> = demo::entities(b"one", 50, as_of()).collect();
    let other_seed: Vec<_> = demo::entities(b"two", 50, as_of()).collect();
    let later = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    let other_date: Vec<_> = demo::entities(b"one", 50, later).collect();
    assert_ne!(base, other_seed);
    assert_ne!(base, other_date);
    // A prefix of a larger register is the smaller register: the count does not change earlier rows.
    let more: Vec<_> = demo::entities(b"one", 80, as_of()).collect();
    assert_eq!(&more[..50], &base[..]);
    // Inspectors do not depend on the number of entities (their own stream).
    assert_eq!(
        demo::inspectors(b"one", 40, as_of()),
        demo::inspectors(b"one", 40, as_of())
    );
}

#[test]
fn every_credit_code_is_valid_and_unique() {
    let mut seen = HashSet::new();
    let mut legacy = 0;
    for e in demo::entities(b"codes", 50_000, as_of()) {
        assert_eq!(check(&e.code), CodeCheck::Valid, "{}", e.code);
        assert!(e.code.starts_with("9"));
        assert!(matches!(&e.code[1..2], "1" | "2" | "3"), "{}", e.code);
        assert!(e.code[2..8].starts_with("4311"), "{}", e.code);
        if e.code[8..16].bytes().all(|b| b.is_ascii_digit()) {
            legacy += 1;
        }
        assert!(seen.insert(e.code.clone()), "duplicate {}", e.code);
    }
    assert_eq!(seen.len(), 50_000);
    // Both families of organisation codes occur: pre-2015 numeric ones and MA… ones.
    assert!(legacy > 1000 && legacy < 25_000, "{legacy}");
}

#[test]
fn registers_have_realistic_distributions() {
    let v: Vec<_> = demo::entities(b"mix", 20_000, as_of()).collect();
    let share = |f: &dyn Fn(&fairdraw::model::Entity) -> bool| {
        v.iter().filter(|e| f(e)).count() as f64 / v.len() as f64
    };
    let shops = share(&|e| e.entity_type == "个体工商户");
    assert!((0.55..0.65).contains(&shops), "{shops}");
    let urban = share(&|e| e.region == "冷水滩区" || e.region == "零陵区");
    assert!((0.28..0.40).contains(&urban), "{urban}");
    let b = share(&|e| e.risk_class == Some(fairdraw::model::RiskClass::B));
    assert!((0.47..0.57).contains(&b), "{b}");
    let none = share(&|e| e.risk_class.is_none());
    assert!((0.03..0.07).contains(&none), "{none}");
    let alive = share(&|e| e.status == "存续");
    assert!((0.87..0.93).contains(&alive), "{alive}");
    let inspected = share(&|e| e.last_inspected.is_some());
    assert!((0.22..0.32).contains(&inspected), "{inspected}");
    let food = share(&|e| e.tags.iter().any(|t| t == "食品经营"));
    assert!(food > 0.3, "{food}");
    let regions: HashSet<&str> = v.iter().map(|e| e.region.as_str()).collect();
    assert_eq!(regions.len(), 14, "{regions:?}");
    assert!(regions.contains("江华瑶族自治县") && regions.contains("回龙圩管理区"));
}

#[test]
fn some_certificates_have_expired_before_the_as_of_date() {
    let v = demo::inspectors(b"certs", 2000, as_of());
    assert_eq!(v.len(), 2000);
    let expired = v
        .iter()
        .filter(|i| i.certificate_valid_until.is_some_and(|d| d < as_of()))
        .count();
    let missing = v.iter().filter(|i| i.certificate_valid_until.is_none()).count();
    assert!((120..=280).contains(&expired), "{expired} of 2000 expired");
    assert!((10..=80).contains(&missing), "{missing} without a date");
    let experts = v.iter().filter(|i| i.expert).count();
    assert!((120..=280).contains(&experts), "{experts} experts");
    let on_duty = v.iter().filter(|i| i.status == "在岗").count();
    assert!((1700..=1900).contains(&on_duty), "{on_duty} on duty");
    let market = v.iter().filter(|i| i.department == "D01").count();
    assert!((700..=1000).contains(&market), "{market} in 市场监管局");
    // The same seed with a later as-of date moves the expiry dates with it.
    let later = NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
    let w = demo::inspectors(b"certs", 2000, later);
    let expired_later = w
        .iter()
        .filter(|i| i.certificate_valid_until.is_some_and(|d| d < later))
        .count();
    assert_eq!(expired, expired_later);
}

#[test]
fn files_carry_exactly_the_canonical_headers_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let opts = DemoOptions {
        entities: 120,
        inspectors: 70,
        ..DemoOptions::default()
    };
    let summary = demo::generate(&opts, dir.path()).unwrap();
    let counts: Vec<(Register, u64)> = summary.files.iter().map(|f| (f.register, f.rows)).collect();
    assert_eq!(
        counts,
        vec![
            (Register::Entities, 120),
            (Register::Inspectors, 70),
            (Register::Items, demo::items().len() as u64),
            (Register::Departments, 17),
        ]
    );
    let expected: [(&str, &[&str]); 4] = [
        (
            "entities.xlsx",
            &[
                "统一社会信用代码",
                "企业名称",
                "类型",
                "行业",
                "住所",
                "登记机关",
                "所属区域",
                "乡镇街道",
                "成立日期",
                "经营状态",
                "信用风险分类",
                "标签",
                "最近检查日期",
            ],
        ),
        (
            "inspectors.xlsx",
            &[
                "工号",
                "姓名",
                "所在部门",
                "执法证编号",
                "执法证有效期",
                "岗位资质资格",
                "是否专家",
                "地区",
                "状态",
            ],
        ),
        (
            "items.xlsx",
            &[
                "事项编码",
                "抽查事项",
                "实施部门",
                "抽查依据",
                "抽查主体",
                "抽查对象",
                "抽查方式",
                "抽查比例和频次",
                "检查人员要求",
                "备注",
            ],
        ),
        ("departments.xlsx", &["部门编码", "部门名称"]),
    ];
    for ((file, headers), f) in expected.iter().zip(&summary.files) {
        assert_eq!(f.path, dir.path().join(file));
        let rows = xlsx_rows(&f.path);
        assert_eq!(rows[0], *headers, "{file}");
        assert_eq!(rows.len() as u64, f.rows + 1, "{file}");
    }

    let deps = xlsx_rows(&dir.path().join("departments.xlsx"));
    assert_eq!(deps[1], ["D01", "市场监管局"]);
    assert_eq!(deps[17], ["D17", "永州海关"]);

    let inspectors = xlsx_rows(&dir.path().join("inspectors.xlsx"));
    let names: HashSet<&str> = deps[1..].iter().map(|r| r[1].as_str()).collect();
    for r in &inspectors[1..] {
        assert!(names.contains(r[2].as_str()), "department by name: {r:?}");
        assert!(r[6] == "是" || r[6] == "否", "{r:?}");
        assert!(
            r[4].is_empty() || NaiveDate::parse_from_str(&r[4], "%Y-%m-%d").is_ok(),
            "{r:?}"
        );
        assert!(
            !r[5].is_empty() && !r[5].contains(';') && !r[5].contains(','),
            "{r:?}"
        );
    }

    let entities = xlsx_rows(&dir.path().join("entities.xlsx"));
    for r in &entities[1..] {
        assert_eq!(check(&r[0]), CodeCheck::Valid);
        assert!(["", "A", "B", "C", "D"].contains(&r[10].as_str()), "{r:?}");
        assert!(NaiveDate::parse_from_str(&r[8], "%Y-%m-%d").is_ok(), "{r:?}");
        assert!(r[4].starts_with("湖南省永州市"), "{r:?}");
        assert!(
            r[5].ends_with("市场监督管理局") || r[5].ends_with("分局"),
            "{r:?}"
        );
    }
    // Multi-valued tags are joined with the full-width semicolon.
    assert!(entities[1..].iter().any(|r| r[11].contains('；')));
}

#[test]
fn gbk_csv_decodes_to_the_same_rows_as_the_xlsx() {
    let x = tempfile::tempdir().unwrap();
    let g = tempfile::tempdir().unwrap();
    let u = tempfile::tempdir().unwrap();
    let args = [
        "--entities",
        "400",
        "--inspectors",
        "50",
        "--seed",
        "gbk",
        "--rare-names",
        "0.05",
    ];
    run_demo(x.path(), &args);
    run_demo(g.path(), &[&args[..], &["--format", "gbk-csv"]].concat());
    run_demo(u.path(), &[&args[..], &["--format", "csv"]].concat());
    for name in ["entities", "inspectors", "items", "departments"] {
        let from_xlsx = xlsx_rows(&x.path().join(format!("{name}.xlsx")));
        let gbk = std::fs::read(g.path().join(format!("{name}.csv"))).unwrap();
        assert!(
            std::str::from_utf8(&gbk).is_err(),
            "{name}.csv must be GB18030, not UTF-8"
        );
        assert!(gbk.ends_with(b"\r\n"));
        let from_gbk = csv_rows(&decode_gb18030(&gbk));
        assert_eq!(from_gbk, from_xlsx, "{name}");
        let utf8 = std::fs::read(u.path().join(format!("{name}.csv"))).unwrap();
        let text = std::str::from_utf8(&utf8).unwrap();
        let without_bom = text
            .strip_prefix('\u{feff}')
            .expect("UTF-8 CSV starts with a BOM");
        assert_eq!(csv_rows(without_bom), from_xlsx, "{name}");
    }
    // The rare characters survived the GB18030 round trip.
    let entities = xlsx_rows(&x.path().join("entities.xlsx"));
    assert!(
        entities
            .iter()
            .any(|r| RARE_CHARS.iter().any(|c| r[1].contains(c)))
    );
}

#[test]
fn rare_name_ratio_controls_how_many_names_have_a_rare_character() {
    let has_rare = |name: &str| RARE_CHARS.iter().any(|c| name.contains(c));
    let all = demo::entities(b"rare", 500, as_of()).rare_names_ppm(1_000_000);
    assert!(all.into_iter().all(|e| has_rare(&e.name)));
    let none = demo::entities(b"rare", 5000, as_of()).rare_names_ppm(0);
    assert!(!none.into_iter().any(|e| has_rare(&e.name)));
    let some = demo::entities(b"rare", 20_000, as_of())
        .rare_names_ppm(10_000)
        .filter(|e| has_rare(&e.name))
        .count();
    assert!((120..=280).contains(&some), "{some} of 20000 at 1%");
    let default = demo::entities(b"rare", 20_000, as_of())
        .filter(|e| has_rare(&e.name))
        .count();
    assert!(
        (15..=70).contains(&default),
        "{default} of 20000 at the default 0.2%"
    );
}

#[test]
fn output_is_pinned_for_the_default_seed() {
    // Guards the generator against accidental changes: demo files named in docs and benchmarks stay the same.
    let dir = tempfile::tempdir().unwrap();
    let opts = DemoOptions {
        entities: 200,
        inspectors: 30,
        format: DemoFormat::Csv,
        ..DemoOptions::default()
    };
    demo::generate(&opts, dir.path()).unwrap();
    let digest = |name: &str| {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(std::fs::read(dir.path().join(name)).unwrap()))
    };
    let first = demo::entities(b"demo", 1, as_of()).next().unwrap();
    assert_eq!(
        (first.code.as_str(), first.name.as_str()),
        ("92431181MACJ4J9T4T", "祁阳市永旺超市")
    );
    assert_eq!(
        digest("entities.csv"),
        "5c932e52f013a1dcd500d81830205cd85493854288735ad82566ff24d8bf6c1b"
    );
    assert_eq!(
        digest("inspectors.csv"),
        "58ad31f60a9b5192f199ecc304b4181c9eeaf64a8d2232d6c04a1c757dfb0a2e"
    );
}

/// Runs `fairdraw demo` with `args` into `dir`, expecting failure: the exit code and stderr.
fn demo_fails(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = fairdraw().args(args).arg("--out").arg(dir).output().unwrap();
    assert!(!out.status.success());
    (out.status.code(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn command_line_refuses_what_it_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = demo_fails(dir.path(), &["--lang", "en", "demo", "--entities", "1048576"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains(
            "--entities: 1048576 is more than the maximum 1048575 (rows of an xlsx sheet; use --format csv or gbk-csv)"
        ),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );

    let (code, err) = demo_fails(dir.path(), &["--lang", "zh", "demo", "--inspectors", "1000000"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("--inspectors：1000000 超出上限 999999（执法证编号序号空间）"),
        "{err}"
    );

    let (code, err) = demo_fails(dir.path(), &["demo", "--as-of", "2026/06/01"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("YYYY-MM-DD"), "{err}");

    let (code, err) = demo_fails(dir.path(), &["demo", "--rare-names", "2"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("between 0 and 1"), "{err}");

    // An output path that is a file: an I/O error naming it, and the file is left as it was.
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"keep me").unwrap();
    let (code, err) = demo_fails(&file, &["--lang", "en", "demo"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("not-a-dir"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), b"keep me");
}

#[test]
fn command_line_reports_the_files_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = fairdraw()
        .args([
            "--json",
            "demo",
            "--entities",
            "10",
            "--inspectors",
            "5",
            "--format",
            "gbk-csv",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 4);
    assert_eq!(files[0]["register"], "entities");
    assert_eq!(files[0]["rows"], 10);
    assert_eq!(files[1]["rows"], 5);
    assert!(files[0]["path"].as_str().unwrap().ends_with("entities.csv"));
    assert!(dir.path().join("inspectors.csv").exists());
}

#[test]
fn a_failed_run_leaves_earlier_demo_files_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let first = DemoOptions {
        entities: 20,
        inspectors: 5,
        ..DemoOptions::default()
    };
    demo::generate(&first, dir.path()).unwrap();
    let before = std::fs::read(dir.path().join("entities.xlsx")).unwrap();
    // A directory where the inspectors' temporary file must go makes the second run fail after it has
    // written the new entities.
    std::fs::create_dir(dir.path().join(".inspectors.xlsx.part")).unwrap();
    let second = DemoOptions {
        entities: 30,
        seed: b"other".to_vec(),
        ..first
    };
    let err = demo::generate(&second, dir.path()).unwrap_err();
    assert!(
        err.message(fairdraw::Lang::En).contains(".inspectors.xlsx.part"),
        "{err}"
    );
    assert_eq!(std::fs::read(dir.path().join("entities.xlsx")).unwrap(), before);
    assert!(!dir.path().join(".entities.xlsx.part").exists());
}
