//! Broken files (`tests/corpus/`, made by `tests/corpus/make.py`; large ones written here at run time) and every
//! input the fuzzers found (`tests/corpus/fuzz-regressions/TARGET/`): each gives a clear error naming the file
//! (and sheet, row, column where there is one), and leaves the database exactly as it was.

use std::path::{Path, PathBuf};

use fairdraw::db::Db;
use fairdraw::import::{self, ImportError, ImportOptions, ImportSummary};
use fairdraw::model::Register;
use fairdraw::{Error, Lang, fuzzing, registers};

use super::import::dump;

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(name)
}

/// A database file with one entity and one import already in it.
fn database(dir: &Path) -> Db {
    let db = Db::open(dir.join("f.sqlite3")).unwrap();
    let e = super::ceremony::entity(
        "91431100MA4L0A001X",
        "冷水滩甲餐饮有限公司",
        "冷水滩区",
        fairdraw::model::RiskClass::A,
    );
    registers::upsert_entity(db.conn(), &e).unwrap();
    db
}

fn import(db: &mut Db, register: Register, path: &Path) -> fairdraw::Result<ImportSummary> {
    import::import_file(
        db,
        register,
        path,
        &ImportOptions::default(),
        fuzzing::fixed_now(),
        &mut |_| {},
    )
}

/// Imports `path` into `register`, which must fail and leave the database as it was; returns the error's
/// message in English and Chinese.
fn refused(register: Register, path: &Path) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut db = database(dir.path());
    let before = dump(&db);
    let e = match import(&mut db, register, path) {
        Ok(s) => panic!("{}: imported {} rows", path.display(), s.rows),
        Err(e) => e,
    };
    assert_eq!(dump(&db), before, "{}: the database changed", path.display());
    (e.message(Lang::En), e.message(Lang::Zh))
}

/// The English message of refusing `name` from the corpus as entities.
fn refused_en(name: &str) -> String {
    refused(Register::Entities, &corpus(name)).0
}

fn row_errors(e: Error) -> Box<ImportSummary> {
    match e {
        Error::Import(b) => match *b {
            ImportError::RowErrors(s) => s,
            other => panic!("expected row errors, got {}", other.message(Lang::En)),
        },
        other => panic!("expected an import error, got {other:?}"),
    }
}

#[test]
fn a_truncated_xlsx_is_unreadable() {
    assert_eq!(
        refused_en("truncated.xlsx"),
        "truncated.xlsx: cannot read the file: the file is cut short or is not an Excel workbook (a renamed CSV \
         file?); save it again from Excel (Zip error: invalid Zip archive: Could not find EOCD)"
    );
}

#[test]
fn a_truncated_xls_is_unreadable_and_a_whole_one_imports() {
    assert_eq!(
        refused_en("truncated.xls"),
        "truncated.xls: cannot read the file: the file is cut short or is not an Excel workbook (a renamed CSV \
         file?); save it again from Excel (Xls error: Cfb error: Sector 8 points past end of file)"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut db = database(dir.path());
    let s = import(&mut db, Register::Entities, &corpus("valid.xls")).unwrap();
    assert_eq!(
        (s.sheet.as_deref(), s.header_row, s.rows, s.added),
        (Some("名录"), 1, 2, 2)
    );
}

#[test]
fn an_xlsx_that_is_really_a_csv_is_unreadable() {
    assert_eq!(
        refused_en("renamed-csv.xlsx"),
        "renamed-csv.xlsx: cannot read the file: the file is cut short or is not an Excel workbook (a renamed \
         CSV file?); save it again from Excel (Zip error: invalid Zip archive: Could not find EOCD)"
    );
}

#[test]
fn binary_junk_is_unreadable_under_every_spreadsheet_name() {
    assert_eq!(
        refused_en("binary-junk.csv"),
        "binary-junk.csv: cannot read the file: bytes at offset 5 are neither UTF-8 nor GBK/GB18030"
    );
    assert!(refused_en("binary-junk.xlsx").starts_with(
        "binary-junk.xlsx: cannot read the file: the file is cut short or is not an Excel workbook"
    ));
    assert!(refused_en("binary-junk.xls").starts_with(
        "binary-junk.xls: cannot read the file: the file is damaged or is not an Excel workbook (Xls error: "
    ));
}

#[test]
fn empty_files_have_no_header() {
    let (en, zh) = refused(Register::Entities, &corpus("empty.csv"));
    assert!(
        en.starts_with(
            "empty.csv: the file is empty (no rows at all); a header row with the required columns is needed: \
             统一社会信用代码 ("
        ),
        "{en}"
    );
    assert!(zh.starts_with("empty.csv：文件是空的（没有任何行）；"), "{zh}");
    assert_eq!(
        refused_en("empty.xlsx"),
        "empty.xlsx: cannot read the file: the file is empty (Zip error: invalid Zip archive: Could not find EOCD)"
    );
}

#[test]
fn a_title_row_alone_is_no_header() {
    let closest =
        "; the closest is row 1: 永州市市场主体名录（2026年）. Use --map FIELD=HEADER to name them.";
    let csv = refused_en("title-only.csv");
    assert!(csv.starts_with("title-only.csv: no header row in the first 1 rows; required columns missing: "));
    assert!(csv.ends_with(closest), "{csv}");
    let xlsx = refused_en("title-only.xlsx");
    assert!(xlsx.starts_with("title-only.xlsx, sheet \"名录\": no header row in the first 1 rows; "));
    assert!(xlsx.ends_with(closest), "{xlsx}");
}

#[test]
fn a_header_without_rows_imports_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = database(dir.path());
    let s = import(&mut db, Register::Entities, &corpus("header-only.csv")).unwrap();
    assert_eq!((s.rows, s.added, s.header_row), (0, 0, 1));
    assert_eq!(
        s.message(Lang::En),
        "header-only.csv, encoding UTF-8, header in row 1\n0 data rows: 0 added, 0 updated, 0 unchanged, 0 \
         rejected; 0 warnings; 0 blank rows skipped"
    );
}

#[test]
fn a_missing_required_column_is_named() {
    let (en, zh) = refused(Register::Entities, &corpus("missing-required.csv"));
    assert_eq!(
        en,
        "missing-required.csv: no header row in the first 2 rows; required columns missing: 企业名称 \
         (企业名称/主体名称/名称/单位名称/市场主体名称); the closest is row 1: 统一社会信用代码, 住所. Use --map \
         FIELD=HEADER to name them."
    );
    assert_eq!(
        zh,
        "missing-required.csv：前 2 行中没有找到表头，缺少必需的列：企业名称 \
         (企业名称/主体名称/名称/单位名称/市场主体名称)；最接近的是第 1 行：统一社会信用代码, 住所。可用 --map \
         字段=列名 指定。"
    );
}

#[test]
fn wrong_encodings_are_refused_with_the_offset_or_the_header_they_garble() {
    // Shift-JIS bytes happen to be valid GB18030: they decode to nonsense, which the header search shows.
    let sjis = refused_en("shift-jis.csv");
    assert!(
        sjis.starts_with("shift-jis.csv: no header row in the first 2 rows; "),
        "{sjis}"
    );
    assert!(
        sjis.contains("the closest is row 1: 摑堦幮夛怣梡僐乕僪, 婇嬈柤徧."),
        "{sjis}"
    );
    assert_eq!(
        refused_en("latin1.csv"),
        "latin1.csv: cannot read the file: bytes at offset 33 are neither UTF-8 nor GBK/GB18030"
    );
    // UTF-16 with a byte-order mark (Excel's "Unicode Text") is read, not refused.
    let dir = tempfile::tempdir().unwrap();
    let mut db = database(dir.path());
    let s = import(&mut db, Register::Entities, &corpus("utf16-bom.csv")).unwrap();
    assert_eq!((s.rows, s.added), (2, 2));
}

#[test]
fn an_encrypted_xlsx_asks_for_the_password_to_be_removed() {
    assert_eq!(
        refused_en("encrypted.xlsx"),
        "encrypted.xlsx: cannot read the file: the workbook is password protected, or is an old .xls workbook \
         renamed .xlsx; remove the password in Excel and save it again as .xlsx"
    );
}

/// Found by the xlsx fuzzer: an OLE file named .xlsx with a bad sector size made calamine panic (an assertion
/// in its OLE reader); such files are now refused before calamine sees them.
#[test]
fn an_ole_file_named_xlsx_is_refused_without_a_panic() {
    let name = "fuzz-regressions/xlsx_import/ole-with-bad-sector-size-panicked-calamine.xlsx";
    let (en, _) = refused(Register::Entities, &corpus(name));
    assert_eq!(
        en,
        "ole-with-bad-sector-size-panicked-calamine.xlsx: cannot read the file: the workbook is password \
         protected, or is an old .xls workbook renamed .xlsx; remove the password in Excel and save it again as \
         .xlsx"
    );
}

#[test]
fn an_html_table_saved_as_xls_is_refused_clearly() {
    assert!(refused_en("html-table.xls").starts_with(
        "html-table.xls: cannot read the file: this is a web page (HTML/XML), not an Excel workbook; open it in \
         Excel and save it as .xlsx (Xls error: "
    ));
}

#[test]
fn merged_header_cells_are_reported_with_the_closest_row() {
    let e = refused_en("merged-header.xlsx");
    assert!(
        e.starts_with(
            "merged-header.xlsx, sheet \"名录\": no header row in the first 3 rows; required columns \
             missing: 统一社会信用代码 ("
        ),
        "{e}"
    );
    assert!(
        e.ends_with("the closest is row 2: 企业名称, 住所. Use --map FIELD=HEADER to name them."),
        "{e}"
    );
}

#[test]
fn a_group_row_above_the_header_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = database(dir.path());
    let s = import(&mut db, Register::Entities, &corpus("two-row-header.xlsx")).unwrap();
    assert_eq!((s.header_row, s.rows, s.added), (2, 2, 2));
}

#[test]
fn formula_cells_are_read_as_their_cached_values_never_computed() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = database(dir.path());
    let s = import(&mut db, Register::Entities, &corpus("formulas.xlsx")).unwrap();
    assert_eq!((s.rows, s.added), (2, 2));
    let e = registers::get_entity(db.conn(), "91330000566997460T")
        .unwrap()
        .unwrap();
    assert_eq!(e.name, "缓存的名称", "the cached value, not the formula's result");
    assert_eq!(e.address, "", "a formula without a cached value is an empty cell");
    let e = registers::get_entity(db.conn(), "91330000697024247P")
        .unwrap()
        .unwrap();
    assert_eq!(e.address, "零陵区南津路2号");
}

#[test]
fn a_ten_megabyte_cell_is_refused_by_the_field_not_by_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge-cell.csv");
    let mut text = String::from("统一社会信用代码,企业名称\n91330000566997460T,");
    text.push_str(&"永".repeat(10 * 1024 * 1024 / 3));
    text.push('\n');
    std::fs::write(&path, text).unwrap();
    let mut db = database(dir.path());
    let before = dump(&db);
    let r = import(&mut db, Register::Entities, &path);
    let e = row_errors(r.unwrap_err());
    assert_eq!(e.problems.len(), 1);
    let p = &e.problems[0];
    assert_eq!((p.row, p.column.as_deref()), (2, Some("企业名称")));
    assert!(
        p.value.chars().count() <= 101,
        "the message shows only the start of the cell"
    );
    assert!(
        p.message(Lang::En)
            .contains("too long: 3495253 characters, at most 1000 are allowed"),
        "{}",
        p.message(Lang::En)
    );
    assert_eq!(dump(&db), before);
}

#[test]
fn a_hundred_thousand_columns_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.csv");
    let mut header: Vec<String> = (0..100_000).map(|i| format!("列{i}")).collect();
    header[0] = "统一社会信用代码".into();
    header[99_999] = "企业名称".into();
    let mut row: Vec<String> = (0..100_000).map(|i| i.to_string()).collect();
    row[0] = "91330000566997460T".into();
    row[99_999] = "宽表公司".into();
    std::fs::write(&path, format!("{}\n{}\n", header.join(","), row.join(","))).unwrap();
    let mut db = database(dir.path());
    let before = dump(&db);
    let e = import(&mut db, Register::Entities, &path).unwrap_err();
    assert_eq!(
        e.message(Lang::En),
        "wide.csv: cannot read the file: row 1 has 100000 columns; at most 16384 are read (the limit of Excel)"
    );
    assert_eq!(dump(&db), before);
}

/// Every input a fuzzer ever found (`fuzz-regressions/TARGET/`), and every broken file of the corpus, run
/// through the same harness function as its fuzz target: none may panic, hang or fail to return.
#[test]
fn fuzz_regressions_stay_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let mut inputs: Vec<(String, PathBuf)> = Vec::new();
    let root = corpus("fuzz-regressions");
    if let Ok(targets) = std::fs::read_dir(&root) {
        for target in targets {
            let target = target.unwrap();
            let name = target.file_name().to_string_lossy().into_owned();
            for input in std::fs::read_dir(target.path()).unwrap() {
                inputs.push((name.clone(), input.unwrap().path()));
            }
        }
    }
    for entry in std::fs::read_dir(corpus("")).unwrap() {
        let path = entry.unwrap().path();
        let target = match path.extension().and_then(|e| e.to_str()) {
            Some("csv") => "csv_import",
            Some("xlsx") => "xlsx_import",
            Some("xls") => "xls_import",
            _ => continue,
        };
        inputs.push((target.to_string(), path));
    }
    assert!(inputs.len() >= 20, "{} inputs", inputs.len());
    for (target, input) in inputs {
        let bytes = std::fs::read(&input).unwrap();
        match target.as_str() {
            "csv_import" => drop(fuzzing::spreadsheet(dir.path(), "input.csv", &bytes)),
            "xlsx_import" => drop(fuzzing::spreadsheet(dir.path(), "input.xlsx", &bytes)),
            "xls_import" => drop(fuzzing::spreadsheet(dir.path(), "input.xls", &bytes)),
            "bundle_zip" => drop(fuzzing::bundle_zip(dir.path(), &bytes)),
            "bundle_parts" => drop(fuzzing::bundle_parts(&bytes)),
            "task_file" => drop(fuzzing::task_file(dir.path(), &bytes)),
            other => panic!("{}: no fuzz target named {other}", input.display()),
        }
    }
}

/// Found by the xls fuzzer: a damaged OLE file with a short sector made calamine's .xls reader panic (a slice
/// past the end); the panic is contained and reported as a damaged file, and the database is unchanged.
#[test]
fn a_damaged_xls_that_panics_the_reader_is_refused_clearly() {
    let name = "fuzz-regressions/xls_import/short-sector-panicked-calamine.xls";
    let (en, _) = refused(Register::Entities, &corpus(name));
    assert!(
        en.starts_with(
            "short-sector-panicked-calamine.xls: cannot read the file: the file is damaged: the spreadsheet \
             reader failed on it ("
        ),
        "{en}"
    );
}

/// The fuzzer's 5.4 KB .xls that made calamine ask for more than 2 GB: a sector chain of its OLE container
/// loops, and calamine follows it without bound. Refused before calamine reads it, with the database unchanged
/// (`refused` checks that).
#[test]
fn an_xls_whose_container_loops_is_refused_before_reading_it() {
    let name = "fuzz-regressions/xls_import/oom-5kb-xls-needed-2gb.xls";
    let (en, zh) = refused(Register::Entities, &corpus(name));
    assert_eq!(
        en,
        "oom-5kb-xls-needed-2gb.xls: cannot read the file: the file is damaged: a sector chain of its OLE container \
         loops; open it in Excel or WPS and save it again as .xlsx"
    );
    assert!(
        zh.starts_with("oom-5kb-xls-needed-2gb.xls：无法读取文件："),
        "{zh}"
    );
}

/// The guard in front of calamine reads a sound .xls (written by Excel) the way calamine does: it finds the
/// workbook stream (a BIFF8 BOF record first) and its one sheet within the .xls limits.
#[test]
fn the_xls_guard_reads_a_sound_workbook_like_calamine() {
    let bytes = std::fs::read(corpus("valid.xls")).unwrap();
    let stream = fairdraw::import::xls_extent::workbook_stream(&bytes)
        .unwrap()
        .expect("the workbook stream");
    assert_eq!(&stream[..4], &[0x09, 0x08, 0x10, 0x00], "BOF, 16 bytes");
    assert_eq!(fairdraw::import::xls_extent::oversized_sheet(&stream), None);
}
