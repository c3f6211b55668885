//! Exporting registers to xlsx and CSV: canonical headers, text cells, formula-injection neutralisation, and
//! the round trip export → re-import that must report every row unchanged.

use std::path::Path;
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook};
use chrono::NaiveDate;
use fairdraw::db::Db;
use fairdraw::export;
use fairdraw::import::ImportOptions;
use fairdraw::model::{Department, Entity, Inspector, Item, Register, RiskClass};
use fairdraw::{ErrorCode, registers};

use crate::import::{dump, run_import};

const MALICIOUS: &str = "=HYPERLINK(\"http://evil.example\",\"点我\")";

fn fill(db: &Db) {
    let c = db.conn();
    registers::upsert_department(
        c,
        &Department {
            code: "D18".into(),
            name: "林业局".into(),
        },
    )
    .unwrap();
    let base = Entity {
        code: "91330000566997460T".into(),
        name: MALICIOUS.into(),
        entity_type: "有限责任公司".into(),
        industry: "批发和零售业".into(),
        address: "永州市冷水滩区凤凰路1号".into(),
        authority: "永州市市场监督管理局".into(),
        region: "冷水滩区".into(),
        town: "凤凰街道".into(),
        established: NaiveDate::from_ymd_opt(2015, 3, 2),
        status: "存续".into(),
        risk_class: Some(RiskClass::C),
        tags: vec!["药品".into(), "食品".into()],
        last_inspected: NaiveDate::from_ymd_opt(2025, 11, 30),
    };
    registers::upsert_entity(c, &base).unwrap();
    let plain = Entity {
        code: "110105000000004".into(),
        name: "-2 号店".into(),
        entity_type: String::new(),
        industry: String::new(),
        address: "@home".into(),
        authority: String::new(),
        region: String::new(),
        town: String::new(),
        established: None,
        status: "+注销".into(),
        risk_class: None,
        tags: vec![],
        last_inspected: None,
    };
    registers::upsert_entity(c, &plain).unwrap();
    registers::upsert_inspector(
        c,
        &Inspector {
            staff_no: "S001".into(),
            name: "张三".into(),
            department: "D18".into(),
            certificate_no: "0043110012345".into(),
            certificate_valid_until: NaiveDate::from_ymd_opt(2027, 12, 31),
            qualifications: vec!["特种设备".into(), "食品安全".into()],
            expert: true,
            region: "冷水滩区".into(),
            status: "在岗".into(),
        },
    )
    .unwrap();
    registers::upsert_inspector(
        c,
        &Inspector {
            staff_no: "S002".into(),
            name: "李四".into(),
            department: "D01".into(),
            certificate_no: String::new(),
            certificate_valid_until: None,
            qualifications: vec![],
            expert: false,
            region: String::new(),
            status: String::new(),
        },
    )
    .unwrap();
    registers::upsert_item(
        c,
        &Item {
            code: "SJ-001".into(),
            name: "食品经营许可事项的检查".into(),
            department: "D01".into(),
            legal_basis: "《食品安全法》第一百一十条\n《食品经营许可管理办法》".into(),
            subject: "市场监管局".into(),
            object: "食品经营者".into(),
            method: "双随机".into(),
            ratio_frequency: "不低于5%".into(),
            inspector_requirements: "2 人以上".into(),
            notes: "=1+1".into(),
        },
    )
    .unwrap();
}

const ALL: [Register; 4] = [
    Register::Departments,
    Register::Entities,
    Register::Inspectors,
    Register::Items,
];

fn roundtrip(ext: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Db::open_in_memory().unwrap();
    fill(&db);
    let mut fresh = Db::open_in_memory().unwrap();
    for reg in ALL {
        let out = dir.path().join(format!("{}.{ext}", reg.as_str()));
        let s = export::export(db.conn(), reg, &out).unwrap();
        assert_eq!(s.rows, registers::count(db.conn(), reg).unwrap() as u64);
        assert!(!Path::new(&format!("{}.part", out.display())).exists());

        let again = run_import(&mut db, reg, &out, &ImportOptions::default()).unwrap();
        assert_eq!(
            (again.added, again.updated, again.unchanged, again.problem_count),
            (0, 0, s.rows, 0),
            "{reg:?} {ext}"
        );
        assert_eq!(again.header_row, 1);
        // Departments go first, so the other registers' references resolve in a fresh database too.
        run_import(&mut fresh, reg, &out, &ImportOptions::default()).unwrap();
    }
    let registers_only = |db: &Db| -> Vec<String> {
        dump(db)
            .into_iter()
            .filter(|l| !l.starts_with("import_run") && !l.starts_with("journal"))
            .collect()
    };
    assert_eq!(registers_only(&fresh), registers_only(&db));
}

#[test]
fn xlsx_export_reimports_unchanged() {
    roundtrip("xlsx");
}

#[test]
fn csv_export_reimports_unchanged() {
    roundtrip("csv");
}

#[test]
fn malicious_name_stays_text_in_xlsx_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_in_memory().unwrap();
    fill(&db);

    let xlsx = dir.path().join("e.xlsx");
    export::export(db.conn(), Register::Entities, &xlsx).unwrap();
    let mut wb: Xlsx<_> = open_workbook(&xlsx).unwrap();
    assert_eq!(wb.sheet_names(), ["检查对象名录库"]);
    let range = wb.worksheet_range("检查对象名录库").unwrap();
    let header: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        header,
        [
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
            "最近检查日期"
        ]
    );
    // Row 2 is the registration number (sorted by code): a string cell, not a number.
    assert_eq!(
        range.get_value((1, 0)),
        Some(&Data::String("110105000000004".into()))
    );
    assert_eq!(range.get_value((2, 1)), Some(&Data::String(MALICIOUS.into())));
    assert_eq!(range.get_value((2, 8)), Some(&Data::String("2015-03-02".into())));
    assert_eq!(range.get_value((2, 11)), Some(&Data::String("药品、食品".into())));
    let formulas = wb.worksheet_formula("检查对象名录库").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no cell is a formula"
    );

    let csv = dir.path().join("e.csv");
    export::export(db.conn(), Register::Entities, &csv).unwrap();
    let text = String::from_utf8(std::fs::read(&csv).unwrap()).unwrap();
    assert!(text.starts_with("\u{FEFF}统一社会信用代码,企业名称,"));
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines[1], "110105000000004,'-2 号店,,,'@home,,,,,'+注销,,,");
    assert_eq!(
        lines[2],
        "91330000566997460T,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"点我\"\")\",有限责任公司,批发和零售业,永州市冷水滩区凤凰路1号,永州市市场监督管理局,冷水滩区,凤凰街道,2015-03-02,存续,C,药品、食品,2025-11-30"
    );

    // Both re-import as the same text.
    let mut fresh = Db::open_in_memory().unwrap();
    for f in [&xlsx, &csv] {
        run_import(&mut fresh, Register::Entities, f, &ImportOptions::default()).unwrap();
        let e = registers::get_entity(fresh.conn(), "91330000566997460T")
            .unwrap()
            .unwrap();
        assert_eq!(e.name, MALICIOUS);
        let p = registers::get_entity(fresh.conn(), "110105000000004")
            .unwrap()
            .unwrap();
        assert_eq!(
            (p.name.as_str(), p.address.as_str(), p.status.as_str()),
            ("-2 号店", "@home", "+注销")
        );
    }
}

#[test]
fn export_refuses_other_extensions_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_in_memory().unwrap();
    let out = dir.path().join("e.pdf");
    let e = export::export(db.conn(), Register::Entities, &out).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Invalid);
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}

#[test]
fn cli_export_writes_the_file_and_a_json_summary() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.sqlite3");
    let out = dir.path().join("部门.xlsx");
    let o = Command::new(env!("CARGO_BIN_EXE_fairdraw"))
        .args(["--db", db.to_str().unwrap(), "--json", "export", "departments"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["rows"], 17);
    assert_eq!(v["register"], "departments");
    let o = Command::new(env!("CARGO_BIN_EXE_fairdraw"))
        .args([
            "--db",
            db.to_str().unwrap(),
            "--lang",
            "zh",
            "export",
            "departments",
        ])
        .arg(dir.path().join("d.csv"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        format!("已导出部门 17 行到 {}\n", dir.path().join("d.csv").display())
    );
    let text = std::fs::read_to_string(dir.path().join("d.csv")).unwrap();
    assert!(
        text.starts_with("\u{FEFF}部门编码,部门名称\r\nD01,市场监管局\r\n"),
        "{text}"
    );
}
