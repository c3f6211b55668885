//! Record bundles: writing and reading them back (zip and folder), `verify` on an intact bundle, and the exact
//! first difference reported for each kind of tampering.

use std::path::Path;
use std::process::Command;

use fairdraw::Lang;
use fairdraw::bundle::{self, Bundle, BundleJson, Verdict, Witness};
use fairdraw::draw::{self, DrawEntity, Frozen, Hash32, Rules};
use serde_json::{Value, json};

use crate::draw_fixtures::{code, entity, inspector, recusal, rules, secret};

fn fairdraw() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fairdraw"))
}

/// A small but complete draw: two departments, leader, recusals, twelve entities in two strata.
pub fn sample() -> (Frozen, BundleJson) {
    let population: Vec<DrawEntity> = (0..12)
        .map(|i| DrawEntity {
            risk_class: if i % 3 == 0 { "A".into() } else { "C".into() },
            ..entity(&code(i), &format!("永州𠮷{i}号餐饮店"))
        })
        .collect();
    let mut pool: Vec<_> = (0..4)
        .map(|i| inspector(&format!("A{i}"), &format!("甲{i}"), "D01"))
        .collect();
    pool.extend((0..3).map(|i| inspector(&format!("B{i}"), &format!("乙{i}"), "D13")));
    let mut r = rules();
    r["strata"] = json!("risk_class");
    r["quota"] = json!({"mode": "ratio", "ratios": [{"stratum": "A", "bp": 5000}], "default_bp": 2500});
    r["inspectors"]["departments"] = json!(["D01", "D13"]);
    r["inspectors"]["groups"] = json!({"mode": "fixed", "count": 2});
    r["inspectors"]["leader"] = json!({"required": true, "qualification": ""});
    let rules = Rules::from_value(r).unwrap();
    let recusals = vec![
        recusal("A1", &code(3), "亲属关系"),
        recusal("B0", &code(4), "曾任职"),
    ];
    let frozen = draw::freeze(population, pool, recusals, rules).unwrap();
    let witnesses = vec![
        Witness {
            name: "李明".into(),
            role: "人大代表".into(),
            unit: "永州市人大常委会".into(),
            entropy: "31415926".into(),
        },
        Witness {
            name: "王芳".into(),
            role: "公证员".into(),
            unit: "永州市公证处".into(),
            entropy: "27182818".into(),
        },
    ];
    let departments = [
        ("D01".to_string(), "市场监管局".to_string()),
        ("D13".to_string(), "卫健委".to_string()),
    ]
    .into();
    let json = BundleJson::draw(&frozen, departments, secret("verify sample"), witnesses).unwrap();
    (frozen, json)
}

fn write_folder(dir: &Path) -> (Frozen, BundleJson) {
    let (frozen, json) = sample();
    bundle::write(dir, &json, &frozen).unwrap();
    (frozen, json)
}

fn verdict(path: &Path) -> Verdict {
    bundle::verify(Bundle::read(path).unwrap()).unwrap()
}

fn edit_json(dir: &Path, f: impl FnOnce(&mut Value)) {
    let p = dir.join("bundle.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

#[test]
fn zip_and_folder_bundles_read_back_and_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let (frozen, json) = sample();
    let zip = tmp.path().join("record.zip");
    let dir = tmp.path().join("record");
    bundle::write(&zip, &json, &frozen).unwrap();
    bundle::write(&dir, &json, &frozen).unwrap();
    for path in [&zip, &dir] {
        let b = Bundle::read(path).unwrap();
        assert_eq!(b.json, json);
        assert_eq!(b.population, frozen.population());
        assert_eq!(b.inspectors, frozen.inspectors());
        assert_eq!(b.recusals, frozen.recusals());
        assert_eq!(
            verdict(path),
            Verdict::Match {
                fp_inputs: json.fingerprints.inputs,
                seed: json.seed,
                fp_outcome: json.fingerprints.outcome,
            }
        );
    }
    // A record never overwrites an existing one, and leaves no partial file behind.
    let err = bundle::write(&zip, &json, &frozen).unwrap_err();
    assert!(
        err.message(Lang::En).contains("already exists"),
        "{}",
        err.message(Lang::En)
    );
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn bundle_files_have_the_documented_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("record");
    let (_, json) = write_folder(&dir);
    let population = std::fs::read_to_string(dir.join("population.csv")).unwrap();
    let mut lines = population.lines();
    assert_eq!(
        lines.next(),
        Some(
            "code,name,entity_type,industry,address,authority,region,town,established,status,risk_class,tags,last_inspected"
        )
    );
    assert_eq!(
        lines.next(),
        Some(
            "91431100MA0000000X,永州𠮷0号餐饮店,有限责任公司,餐饮服务,永州市冷水滩区凤凰路1号,永州市市场监督管理局,冷水滩区,凤凰街道,2015-03-02,存续,A,\"[\"\"食品经营\"\"]\","
        )
    );
    assert!(!population.contains('\r') && !population.starts_with('\u{feff}'));
    let inspectors = std::fs::read_to_string(dir.join("inspectors.csv")).unwrap();
    assert!(inspectors.starts_with(
        "staff_no,name,department,certificate_no,certificate_valid_until,qualifications,expert,region,status\nA0,甲0,D01,4311A0,2028-12-31,[],false,零陵区,在岗\n"
    ));
    let recusals = std::fs::read_to_string(dir.join("recusals.csv")).unwrap();
    assert_eq!(
        recusals,
        format!(
            "staff_no,entity_code,reason\nA1,{},亲属关系\nB0,{},曾任职\n",
            code(3),
            code(4)
        )
    );
    let targets = std::fs::read_to_string(dir.join("targets.csv")).unwrap();
    assert!(targets.starts_with("order,code,name,region,stratum,group,leader,members\n1,"));
    assert_eq!(targets.lines().count(), 1 + json.outcome.targets.len());
    let readme = std::fs::read_to_string(dir.join("README.txt")).unwrap();
    assert!(readme.contains("fairdraw verify") && readme.contains("python3 tools/verify.py"));
    assert!(readme.contains(&json.seed.to_hex()));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("bundle.json")).unwrap()).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "format",
            "rules",
            "departments",
            "fingerprints",
            "commitment",
            "secret",
            "witnesses",
            "seed",
            "outcome"
        ]
    );
    assert_eq!(v["departments"], json!({"D01": "市场监管局", "D13": "卫健委"}));
}

#[test]
fn zip_bundles_are_byte_for_byte_reproducible() {
    let tmp = tempfile::tempdir().unwrap();
    let (frozen, json) = sample();
    bundle::write(&tmp.path().join("a.zip"), &json, &frozen).unwrap();
    bundle::write(&tmp.path().join("b.zip"), &json, &frozen).unwrap();
    assert_eq!(
        std::fs::read(tmp.path().join("a.zip")).unwrap(),
        std::fs::read(tmp.path().join("b.zip")).unwrap()
    );
}

fn mismatch(dir: &Path) -> bundle::Difference {
    match verdict(dir) {
        Verdict::Mismatch(d) => d,
        Verdict::Match { .. } => panic!("tampering was not detected"),
    }
}

#[test]
fn a_changed_entropy_digit_changes_the_seed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    let (frozen, json) = write_folder(&dir);
    edit_json(&dir, |v| v["witnesses"][1]["entropy"] = json!("27182819"));
    let recomputed = draw::derive_seed(
        &frozen.fingerprints().inputs,
        &json.secret,
        &["31415926", "27182819"],
    )
    .unwrap();
    let d = mismatch(&dir);
    assert_eq!(d.field, "seed");
    assert_eq!(
        Verdict::Mismatch(d).message(Lang::En),
        format!(
            "MISMATCH: first difference at seed: recorded {}, recomputed {recomputed}",
            json.seed
        )
    );
}

#[test]
fn a_changed_population_row_changes_the_population_fingerprint() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    let (mut frozen_pop, json) = {
        let (f, j) = write_folder(&dir);
        (f.population().to_vec(), j)
    };
    let p = dir.join("population.csv");
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace("永州𠮷5号餐饮店", "永州𠮷5号餐饮店（改）");
    std::fs::write(&p, text).unwrap();
    frozen_pop[5].name = "永州𠮷5号餐饮店（改）".into();
    let d = mismatch(&dir);
    assert_eq!(
        d,
        bundle::Difference {
            field: "fingerprints.population".into(),
            recorded: json.fingerprints.population.to_hex(),
            recomputed: draw::fp_population(&frozen_pop).to_hex(),
        }
    );
    assert!(
        Verdict::Mismatch(d)
            .message(Lang::Zh)
            .starts_with("不一致：第一处差异在 fingerprints.population：记录为 ")
    );
}

#[test]
fn a_changed_outcome_code_is_named_with_its_path() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    let (_, json) = write_folder(&dir);
    let real = json.outcome.targets[2].code.clone();
    edit_json(&dir, |v| v["outcome"]["targets"][2]["code"] = json!(code(77)));
    assert_eq!(
        mismatch(&dir),
        bundle::Difference {
            field: "outcome.targets[2].code".into(),
            recorded: code(77),
            recomputed: real,
        }
    );
}

#[test]
fn a_changed_secret_breaks_the_commitment() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    let (frozen, json) = write_folder(&dir);
    let other = Hash32([7; 32]);
    edit_json(&dir, |v| v["secret"] = json!(other.to_hex()));
    assert_eq!(
        mismatch(&dir),
        bundle::Difference {
            field: "commitment".into(),
            recorded: json.commitment.to_hex(),
            recomputed: draw::commitment(&frozen.fingerprints().inputs, &other).to_hex(),
        }
    );
}

#[test]
fn a_changed_rule_changes_the_rules_fingerprint_first() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    write_folder(&dir);
    edit_json(&dir, |v| v["rules"]["task"]["attempt"] = json!(2));
    assert_eq!(mismatch(&dir).field, "fingerprints.rules");
}

#[test]
fn a_changed_outcome_fingerprint_alone_is_found() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    write_folder(&dir);
    edit_json(&dir, |v| v["fingerprints"]["outcome"] = json!("00".repeat(32)));
    assert_eq!(mismatch(&dir).field, "fingerprints.outcome");
}

#[test]
fn damaged_files_are_named_by_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    write_folder(&dir);
    let p = dir.join("inspectors.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, text.replacen(",false,", ",否,", 2)).unwrap();
    let err = Bundle::read(&dir).unwrap_err();
    assert_eq!(
        err.message(Lang::En),
        "inspectors.csv: line 2, column expert: must be true or false, not \"否\""
    );
    std::fs::write(&p, &text).unwrap();
    let p = dir.join("population.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, text.replace("永州𠮷3号餐饮店", "Cafe\u{301}")).unwrap();
    let err = bundle::verify(Bundle::read(&dir).unwrap()).unwrap_err();
    assert_eq!(err.code(), fairdraw::ErrorCode::Invalid);
    assert_eq!(
        err.message(Lang::Zh),
        "population.csv 第 5 行 name 列：文本不是 Unicode NFC 规范形式（\"Cafe\\u{301}\"），请先经导入规范化"
    );
}

#[test]
fn cli_verify_prints_match_or_the_first_difference_with_exit_code_3() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = tmp.path().join("record.zip");
    let (frozen, json) = sample();
    bundle::write(&zip, &json, &frozen).unwrap();
    let out = fairdraw()
        .args(["--lang", "zh", "verify", zip.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("一致："), "{text}");
    assert!(text.contains(&json.seed.to_hex()));

    let dir = tmp.path().join("record");
    bundle::write(&dir, &json, &frozen).unwrap();
    edit_json(&dir, |v| v["witnesses"][0]["entropy"] = json!("31415927"));
    let out = fairdraw()
        .args(["--lang", "en", "verify", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with(&format!(
        "MISMATCH: first difference at seed: recorded {}, recomputed ",
        json.seed
    )));
    let out = fairdraw()
        .args(["--json", "verify", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["result"], "mismatch");
    assert_eq!(v["field"], "seed");
    assert_eq!(v["recorded"], json.seed.to_hex());
}

#[test]
fn readers_accept_columns_in_any_order_crlf_and_empty_list_cells() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    let (_, json) = write_folder(&dir);
    // Reverse the columns of inspectors.csv, write CRLF line ends and empty cells for empty lists.
    let p = dir.join("inspectors.csv");
    let mut reader = csv::Reader::from_path(&p).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().rev().map(String::from).collect();
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(&header).unwrap();
    for r in reader.records() {
        let r = r.unwrap();
        let cells: Vec<&str> = r.iter().rev().map(|c| if c == "[]" { "" } else { c }).collect();
        out.write_record(&cells).unwrap();
    }
    std::fs::write(&p, out.into_inner().unwrap()).unwrap();
    assert!(
        std::fs::read_to_string(&p)
            .unwrap()
            .starts_with("status,region,expert,qualifications,")
    );
    assert!(matches!(verdict(&dir), Verdict::Match { seed, .. } if seed == json.seed));
    // A header with a column missing or repeated is refused.
    std::fs::write(&p, "status,status,expert,qualifications,certificate_valid_until,certificate_no,department,name,staff_no\n").unwrap();
    let err = Bundle::read(&dir).unwrap_err();
    assert!(
        err.message(Lang::En)
            .starts_with("inspectors.csv: line 1 must be the header staff_no,name,"),
        "{}",
        err.message(Lang::En)
    );
}

#[test]
fn witness_names_follow_the_text_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    write_folder(&dir);
    edit_json(&dir, |v| v["witnesses"][1]["unit"] = json!("永州市公证处 "));
    let err = bundle::verify(Bundle::read(&dir).unwrap()).unwrap_err();
    assert_eq!(
        err.message(Lang::En),
        "witness 2, unit: text has leading or trailing white space (\"永州市公证处 \")"
    );
}

/// Runs the independent Python verifier (standard library only) on a bundle and returns its JSON verdict.
fn python_verify(path: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tools")
        .join("verify.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg("--json")
        .arg(path)
        .output()
        .expect("python3 runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Bundles the Rust code writes from random inputs verify in `tools/verify.py`, and tampering is reported at
/// the same place by both implementations.
#[test]
fn the_python_verifier_agrees_on_rust_bundles() {
    let tmp = tempfile::tempdir().unwrap();
    let mut written = 0;
    for (i, s) in crate::draw_properties::sample_scenarios(60).iter().enumerate() {
        let Ok(frozen) = crate::draw_properties::freeze(s) else {
            continue;
        };
        let witnesses = vec![Witness {
            name: "见证人".into(),
            role: "公证员".into(),
            unit: "公证处".into(),
            entropy: format!("{i}{}", s.shuffle % 1000),
        }];
        let json = BundleJson::draw(&frozen, Default::default(), s.seed, witnesses).unwrap();
        let path = tmp.path().join(format!("s{i}.zip"));
        bundle::write(&path, &json, &frozen).unwrap();
        let v = python_verify(&path);
        assert_eq!(v["result"], "match", "scenario {i}: {v}");
        assert_eq!(v["seed"], json.seed.to_hex());
        assert_eq!(v["fingerprints"]["outcome"], json.fingerprints.outcome.to_hex());
        written += 1;
    }
    assert!(written >= 15, "only {written} feasible scenarios");

    let dir = tmp.path().join("tampered");
    let (_, json) = write_folder(&dir);
    edit_json(&dir, |v| v["witnesses"][1]["entropy"] = json!("27182819"));
    let rust = mismatch(&dir);
    let python = python_verify(&dir);
    assert_eq!(
        (python["result"].as_str(), python["difference"]["field"].as_str()),
        (Some("mismatch"), Some("seed"))
    );
    assert_eq!(python["difference"]["expected"], rust.recomputed.as_str());
    edit_json(&dir, |v| {
        v["witnesses"][1]["entropy"] = json!("27182818");
        v["outcome"]["targets"][2]["code"] = json!(code(77));
    });
    let rust = mismatch(&dir);
    let python = python_verify(&dir);
    assert_eq!(python["difference"]["field"], rust.field.as_str());
    assert_eq!(python["difference"]["recorded"], code(77));
    assert_eq!(rust.recomputed, json.outcome.targets[2].code);
}

/// Regression: `fairdraw verify X | head -1` closed stdout early and the tool panicked (exit 101).
#[test]
fn cli_verify_survives_a_closed_stdout() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    write_folder(&dir);
    let mut child = fairdraw()
        .args(["verify", dir.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
