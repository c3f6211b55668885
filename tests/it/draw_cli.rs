//! `fairdraw draw TASK.json --out BUNDLE`: a headless draw from the registers of a database, its summary,
//! reproducibility with a given secret, and infeasible tasks named plainly.

use std::path::Path;
use std::process::{Command, Output};

use chrono::NaiveDate;
use fairdraw::db::Db;
use fairdraw::model::{Entity, Inspector, RiskClass};
use fairdraw::registers;
use serde_json::{Value, json};

use crate::draw_fixtures::{code, rules};

fn fairdraw(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fairdraw"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

/// A database with 30 entities of 冷水滩区 and 零陵区 in classes A and B (and two of 祁阳市, outside the
/// scope), and inspectors of D01 and D13.
fn database(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("f.sqlite3");
    let db = Db::open(&path).unwrap();
    let c = db.conn();
    for i in 0..32u64 {
        let region = match i {
            30 | 31 => "祁阳市",
            _ if i % 2 == 0 => "冷水滩区",
            _ => "零陵区",
        };
        let e = Entity {
            code: code(i),
            name: format!("永州䶮{i}号食品店"),
            entity_type: "个体工商户".into(),
            industry: "食品销售".into(),
            address: "永州市".into(),
            authority: "永州市市场监督管理局".into(),
            region: region.into(),
            town: String::new(),
            established: NaiveDate::from_ymd_opt(2018, 5, 1),
            status: if i == 7 { "注销".into() } else { "存续".into() },
            risk_class: Some(if i % 3 == 0 { RiskClass::A } else { RiskClass::B }),
            tags: vec![],
            last_inspected: if i == 9 {
                NaiveDate::from_ymd_opt(2026, 3, 1)
            } else {
                None
            },
        };
        registers::upsert_entity(c, &e).unwrap();
    }
    for (dept, n) in [("D01", 5), ("D13", 3), ("D05", 2)] {
        for i in 0..n {
            let m = Inspector {
                staff_no: format!("{dept}{i:02}"),
                name: format!("{dept}检查员{i}"),
                department: dept.into(),
                certificate_no: format!("CERT{dept}{i}"),
                certificate_valid_until: if i == 0 && dept == "D13" {
                    None
                } else {
                    NaiveDate::from_ymd_opt(9999, 12, 31)
                },
                qualifications: vec![],
                expert: false,
                region: if i % 2 == 0 {
                    "冷水滩区".into()
                } else {
                    "零陵区".into()
                },
                status: "在岗".into(),
            };
            registers::upsert_inspector(c, &m).unwrap();
        }
    }
    path
}

fn task(dir: &Path, name: &str, f: impl FnOnce(&mut Value)) -> std::path::PathBuf {
    let mut r = rules();
    r["scope"]["regions"] = json!(["冷水滩区", "零陵区"]);
    r["strata"] = json!("risk_class");
    r["quota"] = json!({"mode": "ratio", "ratios": [{"stratum": "A", "bp": 2000}, {"stratum": "B", "bp": 3000}], "default_bp": null});
    r["exclusions"] = json!({"statuses": ["注销"], "inspected_within_days": 365, "entities": []});
    r["inspectors"]["departments"] = json!(["D01", "D13"]);
    r["inspectors"]["groups"] = json!({"mode": "fixed", "count": 2});
    let mut t = json!({
        "rules": r,
        "recusals": "recusals.csv",
        "witnesses": [
            {"name": "李明", "role": "人大代表", "unit": "永州市人大常委会", "entropy": "31415926"},
            {"name": "王芳", "role": "公证员", "unit": "永州市公证处", "entropy": "27182818"}
        ],
        "secret": "11".repeat(32)
    });
    f(&mut t);
    std::fs::write(
        dir.join("recusals.csv"),
        format!("staff_no,entity_code,reason\nD0101,{},亲属关系\n", code(0)),
    )
    .unwrap();
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(&t).unwrap()).unwrap();
    p
}

#[test]
fn draw_from_a_task_file_writes_a_bundle_that_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let db = database(tmp.path());
    let t = task(tmp.path(), "task.json", |_| {});
    let out_zip = tmp.path().join("out.zip");
    let out = fairdraw(
        &db,
        &[
            "--lang",
            "zh",
            "draw",
            t.to_str().unwrap(),
            "--out",
            out_zip.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    // 30 entities in scope; 7 (注销) and 9 (inspected 2026-03-01) are excluded. A: 0,3,...,27 without 9 → 9;
    // B: 20 without 7 → 19. Quotas ⌈9·0.2⌉ = 2 and ⌈19·0.3⌉ = 6.
    for expected in [
        "本次摇号规则",
        "检查对象 30 户，排除 2 户（明确排除 0, 经营状态 1, 近期已检查 1）",
        "  A 层：9 户，抽取 2 户，替补 2 户",
        "  B 层：19 户，抽取 6 户，替补 6 户",
        "部门（牵头在前）：D01 市场监管局、D13 卫健委",
        "执法检查人员 8 名，符合条件 7 名（不符合：执法证有效期不明 1）",
        "抽取检查对象 8 户，检查组 2 组，每组 2 人",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let out = fairdraw(&db, &["verify", out_zip.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let b = fairdraw::bundle::Bundle::read(&out_zip).unwrap();
    assert_eq!(b.population.len(), 30, "祁阳市 is outside the scope");
    assert_eq!(b.inspectors.len(), 8, "only the rules' departments form the pool");
    assert_eq!(b.recusals.len(), 1);
    assert_eq!(b.json.witnesses[1].name, "王芳");
    assert_eq!(b.json.secret.to_hex(), "11".repeat(32));

    // The same task with the same secret gives the same record, byte for byte.
    let again = tmp.path().join("again.zip");
    let out = fairdraw(
        &db,
        &["draw", t.to_str().unwrap(), "--out", again.to_str().unwrap()],
    );
    assert!(out.status.success());
    assert_eq!(std::fs::read(&out_zip).unwrap(), std::fs::read(&again).unwrap());
}

#[test]
fn without_a_secret_the_os_provides_one_and_json_output_reports_it() {
    let tmp = tempfile::tempdir().unwrap();
    let db = database(tmp.path());
    let t = task(tmp.path(), "task.json", |t| {
        t.as_object_mut().unwrap().remove("secret");
        t["recusals"] = json!([{"staff_no": "D1301", "entity_code": code(2), "reason": "曾任职"}]);
    });
    let mut seeds = Vec::new();
    for name in ["a", "b"] {
        let dir = tmp.path().join(name);
        let out = fairdraw(
            &db,
            &[
                "--json",
                "draw",
                t.to_str().unwrap(),
                "--out",
                dir.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["summary"]["targets"], 8);
        assert_eq!(v["summary"]["recusals"], 1);
        seeds.push(v["seed"].as_str().unwrap().to_string());
        assert!(dir.join("bundle.json").is_file());
        assert!(fairdraw(&db, &["verify", dir.to_str().unwrap()]).status.success());
    }
    assert_ne!(seeds[0], seeds[1], "two secrets from the OS must differ");
}

#[test]
fn infeasible_tasks_name_the_department_and_leave_no_file() {
    let tmp = tempfile::tempdir().unwrap();
    let db = database(tmp.path());
    let t = task(tmp.path(), "task.json", |t| {
        t["rules"]["inspectors"]["groups"] = json!({"mode": "fixed", "count": 3});
    });
    let out_zip = tmp.path().join("out.zip");
    let out = fairdraw(
        &db,
        &[
            "--lang",
            "zh",
            "draw",
            t.to_str().unwrap(),
            "--out",
            out_zip.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap().trim_end(),
        "错误: 部门 D13 卫健委 只有 2 名符合条件的执法检查人员，需要 3 名（每组一名）"
    );
    assert!(!out_zip.exists());
    let out = fairdraw(
        &db,
        &[
            "--json",
            "draw",
            t.to_str().unwrap(),
            "--out",
            out_zip.to_str().unwrap(),
        ],
    );
    let v: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(v["error"]["code"], "infeasible");
}

#[test]
fn bad_task_files_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let db = database(tmp.path());
    let t = task(tmp.path(), "task.json", |t| {
        t["rules"]["scope"]["regions"] = json!(["零陵区", "冷水滩区"])
    });
    let out = fairdraw(
        &db,
        &["--lang", "en", "draw", t.to_str().unwrap(), "--out", "x.zip"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("task.json: rules.scope.regions: the list must be sorted ascending without duplicates"),
        "{err}"
    );
    let t = task(tmp.path(), "task2.json", |t| t["secret"] = json!("ABC"));
    let out = fairdraw(
        &db,
        &["--lang", "en", "draw", t.to_str().unwrap(), "--out", "x.zip"],
    );
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("secret must be 64 lower-case hex digits")
    );
}
