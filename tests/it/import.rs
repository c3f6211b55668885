//! Importing registers from real files the tests write: xlsx (rust_xlsxwriter), GBK and UTF-8-BOM CSV, title
//! rows, full-width characters, apostrophes, bad and malformed codes, duplicates, unknown departments.
//! The reported problems are asserted exactly, and so is the database afterwards.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, FixedOffset, NaiveDate};
use fairdraw::db::Db;
use fairdraw::import::{
    self, Encoding, ImportError, ImportOptions, ImportSummary, Problem, Reason, Severity,
};
use fairdraw::model::{Department, Inspector, Register, RiskClass};
use fairdraw::{Error, ErrorCode, Lang, registers};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

pub fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-03-01T09:30:00+08:00").unwrap()
}

pub fn run_import(
    db: &mut Db,
    register: Register,
    path: &Path,
    options: &ImportOptions,
) -> fairdraw::Result<ImportSummary> {
    import::import_file(db, register, path, options, now(), &mut |_| {})
}

/// Every row of every table, as text: two databases with equal dumps have the same content.
pub fn dump(db: &Db) -> Vec<String> {
    dump_conn(db.conn())
}

/// [`dump`] of an open connection (for a database file opened read-only, say).
pub fn dump_conn(conn: &rusqlite::Connection) -> Vec<String> {
    let mut tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables.retain(|t| !t.starts_with("sqlite_"));
    let mut out = Vec::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {t} ORDER BY 1")).unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            let cells: Vec<String> = (0..n).map(|i| format!("{:?}", row.get_ref(i).unwrap())).collect();
            out.push(format!("{t}: {}", cells.join(" | ")));
        }
    }
    out
}

fn partial() -> ImportOptions {
    ImportOptions {
        partial: true,
        ..ImportOptions::default()
    }
}

fn problems_of(e: Error) -> Box<ImportSummary> {
    match e {
        Error::Import(b) => match *b {
            ImportError::RowErrors(s) => s,
            other => panic!("expected row errors, got {}", other.message(Lang::En)),
        },
        other => panic!("expected an import error, got {other:?}"),
    }
}

/// (row, column, severity, reason) of each problem, in order.
fn brief(problems: &[Problem]) -> Vec<(u32, String, Severity, Reason)> {
    problems
        .iter()
        .map(|p| {
            (
                p.row,
                p.column.clone().unwrap_or_default(),
                p.severity,
                p.reason.clone(),
            )
        })
        .collect()
}

fn err(row: u32, col: &str, reason: Reason) -> (u32, String, Severity, Reason) {
    (row, col.to_string(), Severity::Error, reason)
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// An entities workbook as county offices send it: a title row, a blank row, synonyms in the header, a
/// "说明" sheet in front, full-width characters, apostrophes, a real date cell, bad and malformed codes,
/// a duplicate and a missing name.
fn write_entities_xlsx(path: &Path) {
    let mut wb = Workbook::new();
    let notes = wb.add_worksheet();
    notes.set_name("说明").unwrap();
    notes
        .write_string(0, 0, "本表由市场监管局导出，请勿修改表头")
        .unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("名录").unwrap();
    ws.write_string(0, 0, "永州市2026年检查对象名录").unwrap();
    let headers = [
        "信用代码",
        "主体名称",
        "住所（经营场所）",
        "风险等级",
        "成立日期",
        "标签",
        "备注",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    // Row 4: full-width code, ideographic spaces, an Excel date cell.
    ws.write_string(3, 0, "９１３３００００５６６９９７４６０ｔ")
        .unwrap();
    ws.write_string(3, 1, "\u{3000}永州  甲  食品有限公司 ").unwrap();
    ws.write_string(3, 2, "冷水滩区凤凰路１号").unwrap();
    ws.write_string(3, 3, "A类").unwrap();
    ws.write_datetime_with_format(3, 4, ExcelDateTime::from_ymd(2015, 3, 2).unwrap(), &date_fmt)
        .unwrap();
    ws.write_string(3, 5, "食品；药品,食品").unwrap();
    // Row 5: leading apostrophe, Chinese date text.
    ws.write_string(4, 0, "'91330000697024247P").unwrap();
    ws.write_string(4, 1, "乙商贸有限公司").unwrap();
    ws.write_string(4, 3, "低风险").unwrap();
    ws.write_string(4, 4, "2026年1月31日").unwrap();
    // Row 6: wrong check character (warning only).
    ws.write_string(5, 0, "91330000566997460A").unwrap();
    ws.write_string(5, 1, "丙个体户").unwrap();
    ws.write_number(5, 4, 20200102.0).unwrap();
    // Row 7: malformed code (16 characters).
    ws.write_string(6, 0, "9133000056699746").unwrap();
    ws.write_string(6, 1, "丁公司").unwrap();
    // Row 8 is blank. Row 9 duplicates row 4's code in another spelling.
    ws.write_string(8, 0, " 91330000566997460T").unwrap();
    ws.write_string(8, 1, "甲的重复").unwrap();
    // Row 10: missing name, unknown risk class, bad date.
    ws.write_string(9, 0, "91110105MA0012008X").unwrap();
    ws.write_string(9, 3, "E").unwrap();
    ws.write_string(9, 4, "2026-02-30").unwrap();
    wb.save(path).unwrap();
}

#[test]
fn xlsx_with_title_row_reports_exact_problems_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("名录.xlsx");
    write_entities_xlsx(&path);
    let mut db = Db::open(dir.path().join("f.sqlite3")).unwrap();
    let before = dump(&db);

    let e = run_import(&mut db, Register::Entities, &path, &ImportOptions::default()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Import);
    let s = problems_of(e);
    assert_eq!(
        brief(&s.problems),
        vec![
            (
                6,
                "信用代码".to_string(),
                Severity::Warning,
                Reason::CheckCharacter {
                    expected: 'T',
                    found: 'A'
                }
            ),
            err(7, "信用代码", Reason::CodeLength { length: 16 }),
            err(9, "信用代码", Reason::DuplicateKey { first_row: 4 }),
            err(10, "主体名称", Reason::Missing),
            err(10, "风险等级", Reason::RiskClass),
            err(10, "成立日期", Reason::Date),
        ]
    );
    assert_eq!(s.sheet.as_deref(), Some("名录"));
    assert_eq!(s.header_row, 3);
    assert_eq!((s.rows, s.rejected, s.warnings, s.blank_rows), (6, 3, 1, 1));
    assert_eq!((s.added, s.updated, s.unchanged), (0, 0, 0));
    assert!(!s.committed);
    assert_eq!(s.problems[1].value, "9133000056699746");
    assert_eq!(s.problems[1].file, "名录.xlsx");
    assert_eq!(
        s.problems[1].message(Lang::Zh),
        "[错误] 名录.xlsx，工作表「名录」，第 7 行，列「信用代码」，值「9133000056699746」：代码格式错误：长度为 16 位，应为 18 位统一社会信用代码或 15 位注册号"
    );
    assert_eq!(
        s.problems[2].message(Lang::En),
        "[error] 名录.xlsx, sheet \"名录\", row 9, column \"信用代码\", value \" 91330000566997460T\": duplicate of row 4 of this file"
    );
    assert_eq!(
        dump(&db),
        before,
        "all-or-nothing: the database content is exactly as before"
    );
}

#[test]
fn partial_import_stores_valid_rows_normalised_and_reports_the_rejected_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("名录.xlsx");
    write_entities_xlsx(&path);
    let report = dir.path().join("rejected.xlsx");
    let mut db = Db::open_in_memory().unwrap();
    let options = ImportOptions {
        report: Some(report.clone()),
        ..partial()
    };
    let s = run_import(&mut db, Register::Entities, &path, &options).unwrap();
    assert_eq!(
        (s.added, s.updated, s.unchanged, s.rejected, s.warnings),
        (3, 0, 0, 3, 1)
    );
    assert_eq!(s.report_rows, 3);
    assert!(s.committed);

    let stored = registers::list_entities(db.conn()).unwrap();
    let codes: Vec<&str> = stored.iter().map(|e| e.code.as_str()).collect();
    assert_eq!(
        codes,
        ["91330000566997460A", "91330000566997460T", "91330000697024247P"]
    );
    let a = &stored[1];
    assert_eq!(a.name, "永州 甲 食品有限公司");
    assert_eq!(a.address, "冷水滩区凤凰路1号");
    assert_eq!(a.risk_class, Some(RiskClass::A));
    assert_eq!(a.established, Some(d(2015, 3, 2)));
    assert_eq!(a.tags, ["药品", "食品"]);
    assert_eq!(stored[2].established, Some(d(2026, 1, 31)));
    assert_eq!(stored[2].risk_class, Some(RiskClass::A));
    assert_eq!(stored[0].established, Some(d(2020, 1, 2)));

    // The report: row number, the original header row, the problems; re-importable once fixed.
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(&report).unwrap();
    let range = wb.worksheet_range("问题行").unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| {
                    if let Data::Empty = c {
                        String::new()
                    } else {
                        c.to_string()
                    }
                })
                .collect()
        })
        .collect();
    assert_eq!(
        rows[0],
        [
            "行号",
            "信用代码",
            "主体名称",
            "住所（经营场所）",
            "风险等级",
            "成立日期",
            "标签",
            "备注",
            "问题"
        ]
    );
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[1][..3], ["7", "9133000056699746", "丁公司"]);
    assert_eq!(
        rows[1][8],
        "[错误] 信用代码「9133000056699746」：代码格式错误：长度为 16 位，应为 18 位统一社会信用代码或 15 位注册号"
    );
    assert_eq!(rows[2][0], "9");
    assert_eq!(rows[3][0], "10");
    assert_eq!(rows[3][5], "2026-02-30");
    assert_eq!(rows[3][8].matches("[错误]").count(), 3, "{}", rows[3][8]);

    // The import is recorded with the file's SHA-256 and the time passed in.
    use sha2::Digest;
    let sha = hex::encode(sha2::Sha256::digest(std::fs::read(&path).unwrap()));
    let run: (String, String, String, i64, i64, i64) = db
        .conn()
        .query_row(
            "SELECT register, file_sha256, imported_at, added, rejected, partial FROM import_run WHERE id = ?1",
            [s.import_run.unwrap()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .unwrap();
    assert_eq!(
        run,
        (
            "entities".into(),
            sha,
            "2026-03-01T09:30:00+08:00".into(),
            3,
            3,
            1
        )
    );
}

/// GBK bytes, as Excel on a Chinese Windows saves "CSV".
fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

const INSPECTORS_CSV: &str = "执法检查人员名录\r\n\
工号,姓名,部门,执法证号,有效期至,资质,专家,地区,人员状态\r\n\
s001,张三,市场监管局,43110012345,2027/12/31,食品安全、特种设备,是,冷水滩区,在岗\r\n\
S002,李四,D05,43110012346,长期,,否,零陵区,在岗\r\n\
S003,王五,市教育局,43110012347,2026.6.30,,√,道县,在岗\r\n\
S004,赵六,司法局,43110012348,2026-13-01,,也许,东安县,离岗\r\n";

#[test]
fn gbk_csv_is_detected_and_departments_resolve_by_name_or_code() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("人员.csv");
    std::fs::write(&path, gbk(INSPECTORS_CSV)).unwrap();
    let mut db = Db::open_in_memory().unwrap();

    let e = run_import(&mut db, Register::Inspectors, &path, &ImportOptions::default()).unwrap_err();
    let s = problems_of(e);
    assert_eq!(s.encoding, Some(Encoding::Gb18030));
    assert_eq!(s.header_row, 2);
    assert_eq!(
        brief(&s.problems),
        vec![
            err(5, "部门", Reason::UnknownDepartment),
            err(6, "有效期至", Reason::Date),
            err(6, "专家", Reason::Boolean),
        ]
    );
    assert_eq!(s.problems[0].value, "市教育局");
    assert_eq!(
        s.problems[0].message(Lang::Zh),
        "[错误] 人员.csv，第 5 行，列「部门」，值「市教育局」：未知部门（既不是已有部门的编码也不是其名称；请先导入部门）"
    );
    assert_eq!(registers::count(db.conn(), Register::Inspectors).unwrap(), 0);

    let s = run_import(&mut db, Register::Inspectors, &path, &partial()).unwrap();
    assert_eq!((s.added, s.rejected), (2, 2));
    assert_eq!(
        registers::list_inspectors(db.conn()).unwrap(),
        vec![
            Inspector {
                staff_no: "S001".into(),
                name: "张三".into(),
                department: "D01".into(),
                certificate_no: "43110012345".into(),
                certificate_valid_until: Some(d(2027, 12, 31)),
                qualifications: vec!["特种设备".into(), "食品安全".into()],
                expert: true,
                region: "冷水滩区".into(),
                status: "在岗".into(),
            },
            Inspector {
                staff_no: "S002".into(),
                name: "李四".into(),
                department: "D05".into(),
                certificate_no: "43110012346".into(),
                // 长期 (no expiry) is stored as the protocol's 9999-12-31, distinct from "unknown" (None).
                certificate_valid_until: Some(d(9999, 12, 31)),
                qualifications: vec![],
                expert: false,
                region: "零陵区".into(),
                status: "在岗".into(),
            },
        ]
    );
}

#[test]
fn utf8_bom_item_list_without_code_column_gets_stable_codes_and_reimport_counts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("事项.csv");
    let body = "\u{FEFF}序号,抽查事项,实施部门,抽查依据,抽查方式,抽查比例和频次\n\
1,食品经营许可事项的检查,市场监管局,\"《食品安全法》第一百一十条\n《食品经营许可管理办法》\",\"双随机\",不低于5%\n\
2,  校外培训机构的检查,教育局,《民办教育促进法》,书面检查,每年一次\n";
    std::fs::write(&path, body).unwrap();
    let mut db = Db::open_in_memory().unwrap();
    let s = run_import(&mut db, Register::Items, &path, &ImportOptions::default()).unwrap();
    assert_eq!(s.encoding, Some(Encoding::Utf8Bom));
    assert_eq!((s.added, s.rows, s.header_row), (2, 2, 1));
    let items = registers::list_items(db.conn()).unwrap();
    let food = items.iter().find(|i| i.department == "D01").unwrap();
    assert_eq!(
        food.code,
        fairdraw::import::parse::derived_item_code("D01", "食品经营许可事项的检查")
    );
    assert_eq!(
        food.legal_basis,
        "《食品安全法》第一百一十条\n《食品经营许可管理办法》"
    );
    let school = items.iter().find(|i| i.department == "D04").unwrap();
    assert_eq!(school.name, "校外培训机构的检查");

    // The same file again: unchanged. Row order and spacing do not change the derived codes.
    let s = run_import(&mut db, Register::Items, &path, &ImportOptions::default()).unwrap();
    assert_eq!((s.added, s.updated, s.unchanged), (0, 0, 2));
    let reordered = "抽查事项,实施部门,抽查依据,抽查方式,抽查比例和频次\n\
校外培训机构的检查,D04,《民办教育促进法》,书面检查,每年两次\n\
食品经营许可事项的检查,市场监管局,\"《食品安全法》第一百一十条\n《食品经营许可管理办法》\",双随机,不低于5%\n";
    std::fs::write(&path, reordered).unwrap();
    let s = run_import(&mut db, Register::Items, &path, &ImportOptions::default()).unwrap();
    assert_eq!((s.added, s.updated, s.unchanged), (0, 1, 1));
    assert_eq!(s.encoding, Some(Encoding::Utf8));
    assert_eq!(
        registers::get_item(db.conn(), &school.code)
            .unwrap()
            .unwrap()
            .ratio_frequency,
        "每年两次"
    );
    let runs: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM import_run", [], |r| r.get(0))
        .unwrap();
    assert_eq!(runs, 3);
}

#[test]
fn csv_row_numbers_count_blank_lines_and_multi_line_cells_as_excel_does() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.csv");
    let body = "标题\n\n统一社会信用代码,企业名称,住所\n\
91330000566997460T,甲,\"第一行\n第二行\"\n\
\n\n\
9133000056699746,乙,\n\
 , ,\n\
91330000566997460T,丙,\n\n\n";
    std::fs::write(&path, body).unwrap();
    let mut db = Db::open_in_memory().unwrap();
    let s =
        problems_of(run_import(&mut db, Register::Entities, &path, &ImportOptions::default()).unwrap_err());
    assert_eq!(s.header_row, 3);
    assert_eq!(
        brief(&s.problems),
        vec![
            err(7, "统一社会信用代码", Reason::CodeLength { length: 16 }),
            err(9, "统一社会信用代码", Reason::DuplicateKey { first_row: 4 }),
        ]
    );
    // Rows 5, 6 and 8 are blank; the blank lines after the last row are not counted.
    assert_eq!(s.blank_rows, 3);
}

#[test]
fn explicit_mapping_and_its_errors_name_what_is_available() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.csv");
    std::fs::write(&path, "纳税人识别号,企业名称\n91330000566997460T,甲\n").unwrap();
    let mut db = Db::open_in_memory().unwrap();

    let e = run_import(&mut db, Register::Entities, &path, &ImportOptions::default()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Import);
    let msg = e.message(Lang::En);
    assert!(
        msg.starts_with("e.csv: no header row in the first 2 rows; required columns missing: 统一社会信用代码 (统一社会信用代码/信用代码/注册号"),
        "{msg}"
    );
    assert!(
        msg.contains("the closest is row 1: 纳税人识别号, 企业名称"),
        "{msg}"
    );

    let with = |field: &str, header: &str| ImportOptions {
        mappings: vec![(field.into(), header.into())],
        ..ImportOptions::default()
    };
    let s = run_import(&mut db, Register::Entities, &path, &with("code", "纳税人识别号")).unwrap();
    assert_eq!(s.added, 1);

    let e = run_import(
        &mut db,
        Register::Entities,
        &path,
        &with("credit", "纳税人识别号"),
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Invalid);
    let msg = e.message(Lang::En);
    assert!(
        msg.starts_with("--map names an unknown field \"credit\"; the fields are: code (统一社会信用代码), name (企业名称), entity_type (类型)"),
        "{msg}"
    );

    let e = run_import(
        &mut db,
        Register::Entities,
        &path,
        &with("统一社会信用代码", "税号"),
    )
    .unwrap_err();
    assert_eq!(
        e.message(Lang::Zh),
        "e.csv：--map code=税号 中的列「税号」在表头中不存在；表头中的列：纳税人识别号, 企业名称"
    );
}

#[test]
fn departments_import_checks_names_against_other_codes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.csv");
    std::fs::write(
        &path,
        "部门编码,部门名称\nD18,林业局\nd01,市场监管局\nD19,司法局\nD20,林业局\n",
    )
    .unwrap();
    let mut db = Db::open_in_memory().unwrap();
    let s = problems_of(
        run_import(&mut db, Register::Departments, &path, &ImportOptions::default()).unwrap_err(),
    );
    assert_eq!(
        brief(&s.problems),
        vec![
            err(4, "部门名称", Reason::NameTaken { code: "D02".into() }),
            err(5, "部门名称", Reason::DuplicateName { first_row: 2 }),
        ]
    );
    let s = run_import(&mut db, Register::Departments, &path, &partial()).unwrap();
    assert_eq!((s.added, s.unchanged, s.rejected), (1, 1, 2));
    let deps = registers::list_departments(db.conn()).unwrap();
    assert_eq!(deps.len(), 18);
    assert_eq!(
        deps.last().unwrap(),
        &Department {
            code: "D18".into(),
            name: "林业局".into()
        }
    );
}

#[test]
fn preview_shows_mapping_missing_fields_and_first_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("名录.xlsx");
    write_entities_xlsx(&path);
    let db = Db::open_in_memory().unwrap();
    let p = import::preview(db.conn(), &path, Register::Entities, &ImportOptions::default()).unwrap();
    assert_eq!(p.sheets, ["说明", "名录"]);
    assert_eq!(p.sheet.as_deref(), Some("名录"));
    assert_eq!(p.header_row, Some(3));
    let fields: Vec<(String, Option<&str>)> = p.columns.iter().map(|c| (c.header.clone(), c.field)).collect();
    assert_eq!(
        fields,
        vec![
            ("信用代码".to_string(), Some("code")),
            ("主体名称".to_string(), Some("name")),
            ("住所（经营场所）".to_string(), Some("address")),
            ("风险等级".to_string(), Some("risk_class")),
            ("成立日期".to_string(), Some("established")),
            ("标签".to_string(), Some("tags")),
            ("备注".to_string(), None),
        ]
    );
    assert!(p.missing_required.is_empty());
    let rows: Vec<(u32, usize)> = p.rows.iter().map(|r| (r.row, r.problems.len())).collect();
    assert_eq!(rows, [(4, 0), (5, 0), (6, 1), (7, 1), (9, 1), (10, 3)]);
    assert_eq!(p.rows[0].values[4], "2015-03-02");

    // A sheet chosen explicitly, without the required columns: the closest row is offered for mapping.
    let p = import::preview(
        db.conn(),
        &path,
        Register::Inspectors,
        &ImportOptions {
            sheet: Some("名录".into()),
            ..ImportOptions::default()
        },
    )
    .unwrap();
    assert_eq!(p.missing_required, ["staff_no", "name", "department"]);
    assert!(p.rows.iter().all(|r| r.problems.is_empty()));

    let e = import::preview(
        db.conn(),
        &path,
        Register::Entities,
        &ImportOptions {
            sheet: Some("Sheet9".into()),
            ..ImportOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
    assert_eq!(
        e.message(Lang::En),
        "名录.xlsx: there is no sheet named \"Sheet9\"; the sheets are: 说明, 名录"
    );
}

#[test]
fn bytes_in_no_supported_encoding_fail_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    let mut bytes = "统一社会信用代码,企业名称\n".as_bytes().to_vec();
    bytes.extend_from_slice(b"91330000566997460T,\x81\x20\n");
    std::fs::write(&path, bytes).unwrap();
    let mut db = Db::open_in_memory().unwrap();
    let before = dump(&db);
    let cache = |db: &Db| -> i64 {
        db.conn()
            .query_row("PRAGMA cache_size", [], |r| r.get(0))
            .unwrap()
    };
    let cache_before = cache(&db);
    let e = run_import(&mut db, Register::Entities, &path, &ImportOptions::default()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Import);
    assert_eq!(
        e.message(Lang::En),
        "bad.csv: cannot read the file: bytes at offset 57 are neither UTF-8 nor GBK/GB18030"
    );
    assert_eq!(dump(&db), before);
    assert_eq!(
        cache(&db),
        cache_before,
        "the import's larger page cache is given back"
    );
}

fn fairdraw() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fairdraw"))
}

fn db_arg(dir: &Path) -> String {
    dir.join("f.sqlite3").to_str().unwrap().to_string()
}

#[test]
fn cli_import_prints_first_twenty_problems_and_the_total_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.csv");
    let mut body = String::from("统一社会信用代码,企业名称\n");
    for i in 0..25 {
        body.push_str(&format!("BAD{i},名称{i}\n"));
    }
    std::fs::write(&path, body).unwrap();
    let report: PathBuf = dir.path().join("r.csv");
    let out = fairdraw()
        .args(["--db", &db_arg(dir.path()), "--lang", "en", "import", "entities"])
        .arg(&path)
        .arg("--report")
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 23, "{err}");
    assert!(lines[0].starts_with(
        "[error] e.csv, row 2, column \"统一社会信用代码\", value \"BAD0\": malformed code: 4 characters"
    ));
    assert_eq!(
        lines[20],
        "... and 5 more problems (25 in all; --report FILE writes them all)"
    );
    assert!(lines[21].starts_with("error: e.csv: 25 rows have errors; nothing was imported"));
    assert_eq!(
        lines[22],
        format!("25 rows with errors written to {}", report.display())
    );
    let report_text = std::fs::read_to_string(&report).unwrap();
    assert!(report_text.starts_with("\u{FEFF}Row,统一社会信用代码,企业名称,Problems\r\n2,BAD0,名称0,"));
    assert_eq!(report_text.lines().count(), 26);
}

#[test]
fn cli_import_json_summary_and_partial_needs_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.csv");
    std::fs::write(&path, "统一社会信用代码,企业名称\n91330000566997460A,甲\n").unwrap();
    let out = fairdraw()
        .args(["--db", &db_arg(dir.path()), "--json", "import", "entities"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["added"], 1);
    assert_eq!(v["warnings"], 1);
    assert_eq!(v["encoding"], "utf8");
    assert_eq!(v["problems"][0]["reason"]["kind"], "check_character");
    assert_eq!(v["problems"][0]["reason"]["expected"], "T");

    let out = fairdraw()
        .args(["--db", &db_arg(dir.path()), "import", "entities"])
        .arg(&path)
        .arg("--partial")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "clap usage error");

    let out = fairdraw()
        .args(["--db", &db_arg(dir.path()), "--lang", "zh", "import", "entities"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("e.csv，编码 UTF-8，表头在第 1 行\n1 行数据：新增 0，更新 0，未变 1，拒绝 0；警告 1；跳过空行 0\n[警告] e.csv，第 2 行"),
        "{text}"
    );
}

#[test]
fn progress_reports_rows_and_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.csv");
    let mut body = String::from("部门编码,部门名称\n");
    for i in 0..2500 {
        body.push_str(&format!("X{i:04},部门{i}\n"));
    }
    std::fs::write(&path, &body).unwrap();
    let mut db = Db::open_in_memory().unwrap();
    let mut seen = Vec::new();
    let s = import::import_file(
        &mut db,
        Register::Departments,
        &path,
        &ImportOptions::default(),
        now(),
        &mut |p| seen.push((p.rows_done, p.bytes_read, p.bytes_total, p.read_all)),
    )
    .unwrap();
    assert_eq!(s.added, 2500);
    let total = body.len() as u64;
    assert_eq!(seen.len(), 3);
    assert_eq!(seen.iter().map(|p| p.0).collect::<Vec<_>>(), [1000, 2000, 2500]);
    assert!(seen[0].1.unwrap() > 0 && seen[0].1.unwrap() <= total);
    // Only the last report says the whole file is read (the rows are then written).
    assert_eq!(seen.iter().map(|p| p.3).collect::<Vec<_>>(), [false, false, true]);
    assert_eq!(seen[2], (2500, Some(total), total, true));
}
