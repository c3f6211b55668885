//! Tests of the import, records and verify commands through Tauri's IPC with the mock runtime: the folder
//! listing of the file chooser, the preview with its mapping, an import refused and then done valid-rows-only
//! with its progress events and report file, the records list, and the verdicts on a real and a tampered
//! record bundle.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tauri::Listener;

use crate::tests::{app, invoke, window};

/// An inspectors CSV in GBK with a title row: two good rows, one with an unknown department.
fn inspectors_gbk(dir: &Path) -> PathBuf {
    let text = "执法检查人员名录\r\n工号,姓名,部门,执法证号,有效期至\r\nS001,张三,市场监管局,43110012345,2027-12-31\r\nS002,李四,卫健委,43110054321,2026-06-30\r\nS003,王五,宣传部,43110099999,2027-01-01\r\n";
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    let path = dir.join("人员.csv");
    std::fs::write(&path, bytes).unwrap();
    path
}

fn job_events(app: &tauri::App<tauri::test::MockRuntime>) -> Arc<Mutex<Vec<Value>>> {
    let events = Arc::new(Mutex::new(Vec::<Value>::new()));
    let sink = events.clone();
    app.listen_any("job", move |e| {
        sink.lock()
            .unwrap()
            .push(serde_json::from_str(e.payload()).unwrap())
    });
    events
}

#[test]
fn the_file_chooser_lists_folders_and_wanted_files() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path().join("fd.sqlite3"));
    let console = window(&app, "console");
    inspectors_gbk(dir.path());
    std::fs::create_dir(dir.path().join("子文件夹")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
    let folder = invoke(
        &console,
        "list_folder",
        json!({"path": dir.path(), "extensions": ["csv", "xlsx"]}),
    )
    .unwrap();
    let names: Vec<(&str, &str)> = folder["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(names, [("子文件夹", "folder"), ("人员.csv", "file")]);
    assert_eq!(folder["parent"], json!(dir.path().parent().unwrap()));
    let e = invoke(
        &console,
        "list_folder",
        json!({"path": dir.path().join("nope"), "extensions": []}),
    )
    .unwrap_err();
    assert_eq!(e["code"], "not_found");
    // The stage may not browse the file system.
    let e = invoke(
        &window(&app, "stage"),
        "list_folder",
        json!({"path": null, "extensions": []}),
    )
    .unwrap_err();
    assert!(e.as_str().unwrap_or_default().contains("not allowed"), "{e}");
}

#[test]
fn a_preview_shows_the_mapping_and_an_explicit_choice_changes_it() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path().join("fd.sqlite3"));
    let console = window(&app, "console");
    let path = inspectors_gbk(dir.path());
    let p = invoke(
        &console,
        "import_preview",
        json!({"register": "inspectors", "path": path, "request": {}}),
    )
    .unwrap();
    assert_eq!(p["encoding"], "gb18030");
    assert_eq!(p["header_row"], 2);
    let cols: Vec<(&str, Value, Value)> = p["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["header"].as_str().unwrap(),
                c["field"].clone(),
                c["matched"].clone(),
            )
        })
        .collect();
    assert_eq!(
        cols,
        [
            ("工号", json!("staff_no"), json!("canonical")),
            ("姓名", json!("name"), json!("canonical")),
            ("部门", json!("department"), json!("synonym")),
            ("执法证号", json!("certificate_no"), json!("synonym")),
            ("有效期至", json!("certificate_valid_until"), json!("synonym")),
        ]
    );
    assert_eq!(p["fields"].as_array().unwrap().len(), 9);
    assert_eq!(p["rows"].as_array().unwrap().len(), 3);
    assert_eq!(
        p["rows"][2]["problems"][0]["reason"]["kind"],
        "unknown_department"
    );
    // The certificate number taken away: the column is no longer mapped.
    let p = invoke(
        &console,
        "import_preview",
        json!({"register": "inspectors", "path": path, "request": {"mappings": [["certificate_no", ""]]}}),
    )
    .unwrap();
    assert_eq!(p["columns"][3]["field"], Value::Null);
    let e = invoke(
        &console,
        "import_preview",
        json!({"register": "inspectors", "path": path, "request": {"mappings": [["nmae", "姓名"]]}}),
    )
    .unwrap_err();
    assert_eq!(e["code"], "invalid");
}

#[test]
fn an_import_is_refused_whole_then_done_for_the_valid_rows_with_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path().join("fd.sqlite3"));
    let console = window(&app, "console");
    let events = job_events(&app);
    let path = inspectors_gbk(dir.path());
    let s = invoke(
        &console,
        "import_register",
        json!({"register": "inspectors", "path": path, "request": {}}),
    )
    .unwrap();
    assert_eq!(s["committed"], false);
    assert_eq!(
        (s["rows"].as_u64(), s["rejected"].as_u64(), s["added"].as_u64()),
        (Some(3), Some(1), Some(0))
    );
    let p = &s["problems"][0];
    assert_eq!(
        (p["file"].as_str(), p["row"].as_u64(), p["column"].as_str()),
        (Some("人员.csv"), Some(5), Some("部门"))
    );
    assert_eq!(p["value"], "宣传部");
    let counts = invoke(&console, "register_counts", json!({})).unwrap();
    assert_eq!(counts["inspectors"], 0, "all-or-nothing: nothing written");

    let report = dir.path().join("问题行.csv");
    let s = invoke(
        &console,
        "import_register",
        json!({"register": "inspectors", "path": path, "request": {"partial": true, "report": report}}),
    )
    .unwrap();
    assert_eq!(s["committed"], true);
    assert_eq!(
        (
            s["added"].as_u64(),
            s["rejected"].as_u64(),
            s["report_rows"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.contains("S003") && text.contains("宣传部"), "{text}");
    let counts = invoke(&console, "register_counts", json!({})).unwrap();
    assert_eq!(counts["inspectors"], 2);

    let events = events.lock().unwrap();
    let states: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["state"].as_str().unwrap()))
        .collect();
    assert_eq!(states.first(), Some(&("import", "started")));
    assert_eq!(states.last(), Some(&("import", "done")));
    let done = events.last().unwrap();
    // A CSV file's progress is counted in bytes: the whole file at the end.
    assert_eq!(done["done"], done["total"]);
    assert_eq!(
        done["total"].as_u64(),
        Some(std::fs::metadata(&path).unwrap().len())
    );
}

/// The record bundle of a scripted ceremony, unpacked into a folder (which `fairdraw verify` reads too).
fn unpacked_bundle(dir: &Path) -> PathBuf {
    let zip = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tools/testdata/ceremony.fairdraw.zip"
    );
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    let out = dir.join("bundle");
    archive.extract(&out).unwrap();
    out
}

#[test]
fn a_bundle_verifies_and_a_tampered_one_shows_its_first_difference() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path().join("fd.sqlite3"));
    let console = window(&app, "console");
    let zip = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tools/testdata/ceremony.fairdraw.zip"
    ));
    let v = invoke(&console, "verify_bundle", json!({"path": zip})).unwrap();
    assert_eq!(v["result"], "match");
    assert_eq!(
        v["seed"],
        "0928e9a790bcaaacefe01b6d1e2a9bae408a681ae36c42ccfd0620948a3a08ee"
    );

    let folder = unpacked_bundle(dir.path());
    let json_path = folder.join("bundle.json");
    let text = std::fs::read_to_string(&json_path).unwrap();
    std::fs::write(&json_path, text.replacen("044260695", "044260696", 1)).unwrap();
    let v = invoke(&console, "verify_bundle", json!({"path": folder})).unwrap();
    assert_eq!(v["result"], "mismatch");
    assert_eq!(v["field"], "seed");
    assert_eq!(
        v["recorded"],
        "0928e9a790bcaaacefe01b6d1e2a9bae408a681ae36c42ccfd0620948a3a08ee"
    );
    assert_ne!(v["recomputed"], v["recorded"]);

    let e = invoke(
        &console,
        "verify_bundle",
        json!({"path": dir.path().join("none.zip")}),
    )
    .unwrap_err();
    assert_eq!(e["code"], "io");
}

#[test]
fn records_list_ceremonies_and_refuse_to_export_what_does_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path().join("fd.sqlite3"));
    let console = window(&app, "console");
    assert_eq!(invoke(&console, "list_ceremonies", json!({})).unwrap(), json!([]));
    let out = dir.path().join("record.zip");
    let e = invoke(&console, "export_bundle", json!({"ceremony": 7, "out": out})).unwrap_err();
    assert_eq!(e, json!({"code": "not_found", "message": "未找到摇号 7"}));
    assert!(!out.exists());
    let dir_out = dir.path().join("records");
    let e = invoke(&console, "export_record", json!({"ceremony": 7, "dir": dir_out})).unwrap_err();
    assert_eq!(e["code"], "not_found");
    assert!(
        !dir_out.exists(),
        "nothing is created for a ceremony that does not exist"
    );
}
