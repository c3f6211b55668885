//! Tests of the commands through Tauri's IPC with the mock runtime and the app's real configuration and
//! capabilities: what each window may call, the `{code, message}` error shape, settings events and the
//! progress events of a background job.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{App, Listener, Manager, WebviewWindow, WebviewWindowBuilder};

use crate::command_names::{COMMANDS, STAGE_COMMANDS};
use crate::state::AppState;

fn app(db: PathBuf) -> App<MockRuntime> {
    crate::setup(mock_builder(), AppState::new(db))
        .build(tauri::generate_context!())
        .unwrap()
}

fn window(app: &App<MockRuntime>, label: &str) -> WebviewWindow<MockRuntime> {
    app.get_webview_window(label).unwrap_or_else(|| {
        WebviewWindowBuilder::new(app, label, Default::default())
            .build()
            .unwrap()
    })
}

fn invoke(w: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        w,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

fn page(limit: u32) -> Value {
    json!({"page": {"offset": 0, "limit": limit, "filter": ""}})
}

#[test]
fn the_console_reads_registers() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path().join("fd.sqlite3"));
    let console = window(&app, "console");
    let p = invoke(&console, "list_departments", page(3)).unwrap();
    assert_eq!(p["total"], 17);
    assert_eq!(p["rows"][0], json!({"code": "D01", "name": "市场监管局"}));
    assert_eq!(p["rows"].as_array().unwrap().len(), 3);
    let counts = invoke(&console, "register_counts", json!({})).unwrap();
    assert_eq!(
        counts,
        json!({"departments": 17, "entities": 0, "inspectors": 0, "items": 0})
    );
}

#[test]
fn the_stage_may_read_its_view_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path().join("fd.sqlite3"));
    let stage = window(&app, "stage");
    let view = invoke(&stage, "stage_view", json!({})).unwrap();
    assert_eq!(view["phase"], "idle");
    assert_eq!(view["lang"], "zh");
    for cmd in ["list_entities", "set_language", "backup_database", "open_stage"] {
        let e = invoke(&stage, cmd, page(1)).unwrap_err();
        assert!(
            e.as_str().unwrap_or_default().contains("not allowed"),
            "{cmd}: {e}"
        );
    }
}

#[test]
fn errors_arrive_as_code_and_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.sqlite3");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE x (a INTEGER); PRAGMA user_version = 999;")
        .unwrap();
    let app = app(db);
    let console = window(&app, "console");
    let e = invoke(&console, "list_entities", page(10)).unwrap_err();
    assert_eq!(e["code"], "newer_schema");
    assert!(e["message"].as_str().unwrap().contains("结构版本 999"), "{e}");
    let status = invoke(&console, "db_status", json!({})).unwrap();
    assert_eq!(status["schema_version"], Value::Null);
    assert_eq!(status["error"]["code"], "newer_schema");
    // A bad argument is caught by the core's validation, not by a panic.
    let ok_dir = tempfile::tempdir().unwrap();
    let app = self::app(ok_dir.path().join("fd.sqlite3"));
    let e = invoke(&window(&app, "console"), "list_entities", page(0)).unwrap_err();
    assert_eq!(e["code"], "invalid");
}

#[test]
fn settings_changes_are_saved_and_announced() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path().join("fd.sqlite3"));
    let console = window(&app, "console");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    app.listen_any("settings-changed", move |e| {
        sink.lock().unwrap().push(e.payload().to_string())
    });
    invoke(&console, "set_language", json!({"lang": "en"})).unwrap();
    invoke(&console, "set_department", json!({"code": "D13"})).unwrap();
    let e = invoke(&console, "set_department", json!({"code": "D99"})).unwrap_err();
    assert_eq!(
        e,
        json!({"code": "not_found", "message": "department not found: D99"})
    );
    let saved: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("fairdraw-app.json")).unwrap()).unwrap();
    assert_eq!(saved["lang"], "en");
    assert_eq!(saved["department"], "D13");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen[1].contains(r#""department":"D13""#), "{}", seen[1]);
    let view = invoke(&window(&app, "stage"), "stage_view", json!({})).unwrap();
    assert_eq!(view["department"]["name"], "卫健委");
}

#[test]
fn a_backup_reports_progress_events_until_done() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path().join("fd.sqlite3"));
    let console = window(&app, "console");
    let events = Arc::new(Mutex::new(Vec::<Value>::new()));
    let sink = events.clone();
    app.listen_any("job", move |e| {
        sink.lock()
            .unwrap()
            .push(serde_json::from_str(e.payload()).unwrap())
    });
    let summary = invoke(&console, "backup_database", json!({})).unwrap();
    let path = PathBuf::from(summary["path"].as_str().unwrap());
    assert!(path.starts_with(dir.path().join("backups")), "{}", path.display());
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        summary["bytes"].as_u64().unwrap()
    );
    let events = events.lock().unwrap();
    let states: Vec<&str> = events.iter().map(|e| e["state"].as_str().unwrap()).collect();
    assert_eq!(states.first(), Some(&"started"));
    assert_eq!(states.last(), Some(&"done"));
    assert!(states.contains(&"progress"), "{states:?}");
    let done = events.last().unwrap();
    assert_eq!(done["kind"], "backup");
    assert_eq!(done["done"], summary["pages"]);
    assert_eq!(done["total"], summary["pages"]);
    assert!(events.iter().all(|e| e["id"] == done["id"]));
}

/// The `allow-…` permissions listed in the `[[set]]` of `permissions/sets.toml` named `identifier`.
fn permission_set(identifier: &str) -> Vec<String> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/permissions/sets.toml")).unwrap();
    let block = text
        .split("[[set]]")
        .find(|b| b.contains(&format!("identifier = \"{identifier}\"")))
        .unwrap_or_else(|| panic!("no set {identifier}"));
    block
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("\"allow-"))
        .map(|l| l.trim_end_matches(['"', ',']).replace('-', "_"))
        .collect()
}

#[test]
fn permission_sets_match_the_command_lists() {
    assert_eq!(permission_set("console"), COMMANDS);
    assert_eq!(permission_set("stage"), STAGE_COMMANDS);
}
