//! Tests of the plans, tasks and ceremony commands through Tauri's IPC with the mock runtime: a whole
//! ceremony driven from the console window, the stage's view at every step, the stage's one write (reveal
//! next), errors as `{code, message}`, the `ceremony-changed` events, and the stage coming back at the same
//! step in a new app on the same database (a restart).

use std::path::Path;
use std::sync::{Arc, Mutex};

use fairdraw::db::Db;
use fairdraw::registers;
use serde_json::{Value, json};
use tauri::test::MockRuntime;
use tauri::{Listener, WebviewWindow};

use crate::tests::{app, invoke, window};

/// Demo registers (600 entities, 120 inspectors) written through the core, as `fairdraw import` would.
fn load_demo(db: &Path) {
    let as_of = fairdraw::demo::default_as_of();
    let mut db = Db::open(db).unwrap();
    let tx = db.conn_mut().transaction().unwrap();
    for i in fairdraw::demo::items() {
        registers::upsert_item(&tx, &i).unwrap();
    }
    for e in fairdraw::demo::entities(b"app", 600, as_of) {
        registers::upsert_entity(&tx, &e).unwrap();
    }
    for i in fairdraw::demo::inspectors(b"app", 120, as_of) {
        registers::upsert_inspector(&tx, &i).unwrap();
    }
    tx.commit().unwrap();
}

/// The rule template the tasks page's form makes for "ratio by credit risk class, groups of 2".
fn rules() -> Value {
    json!({
        "scope": {"regions": [], "industries": [], "entity_types": [], "risk_classes": [], "tags_any": []},
        "exclusions": {"statuses": ["吊销", "撤销", "注销", "迁出"], "inspected_within_days": null, "entities": []},
        "strata": "risk_class",
        "quota": {"mode": "ratio", "ratios": [{"stratum": "D", "bp": 500}], "default_bp": 100},
        "reserve_per_stratum": null,
        "inspectors": {"group_size": 2, "groups": {"mode": "per_targets", "max_targets": 3},
            "leader": {"required": true, "qualification": ""}, "expert_required": false,
            "required_qualifications": [], "active_statuses": ["在岗"], "recuse_same_region": false}
    })
}

fn ok(w: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Value {
    invoke(w, cmd, args.clone()).unwrap_or_else(|e| panic!("{cmd} {args}: {e}"))
}

fn err(w: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Value {
    match invoke(w, cmd, args.clone()) {
        Ok(v) => panic!("{cmd} {args} succeeded: {v}"),
        Err(e) => e,
    }
}

/// A published plan with one joint task (市场监管局 + 卫健委); returns the task number.
fn plan_and_task(console: &WebviewWindow<MockRuntime>) -> String {
    let items: Vec<String> = fairdraw::demo::items()
        .into_iter()
        .filter(|i| i.department == "D01" || i.department == "D13")
        .take(2)
        .map(|i| i.code)
        .collect();
    let plan = ok(
        console,
        "create_plan",
        json!({"year": 2026, "title": "2026年度双随机抽查计划", "departments": ["D01", "卫健委"], "notes": ""}),
    );
    assert_eq!(plan["departments"], json!(["D01", "D13"]));
    assert_eq!(plan["status"], "draft");
    let number = "永市监抽〔2026〕9号";
    let task = ok(
        console,
        "create_task",
        json!({"task": {"plan": plan["id"], "number": number, "name": "食品经营者联合抽查", "lead": "市场监管局",
                        "participating": ["卫健委"], "items": items, "method": "实地检查",
                        "start": "2026-06-15", "end": "", "rules": rules()}, "operator": null}),
    );
    assert_eq!(task["participating"], json!(["D13"]));
    assert_eq!(task["rules"]["inspectors"]["departments"], json!(["D01", "D13"]));
    assert_eq!(task["planned_end"], Value::Null);
    let e = err(
        console,
        "publish_plan",
        json!({"plan": plan["id"], "on": "2026-13-01", "place": "门户网站"}),
    );
    assert_eq!(e["code"], "invalid");
    assert!(e["message"].as_str().unwrap().contains("on"), "{e}");
    ok(
        console,
        "publish_plan",
        json!({"plan": plan["id"], "on": "2026-03-01", "place": "永州市人民政府门户网站"}),
    );
    let plans = ok(console, "list_plans", json!({}));
    assert_eq!(plans[0]["plan"]["status"], "published");
    assert_eq!(plans[0]["plan"]["published_where"], "永州市人民政府门户网站");
    assert_eq!(plans[0]["tasks"][0]["number"], number);
    number.to_string()
}

fn phase(stage: &WebviewWindow<MockRuntime>) -> (String, Value) {
    let v = ok(stage, "stage_view", json!({}));
    (v["phase"].as_str().unwrap().to_string(), v["ceremony"].clone())
}

#[test]
fn a_whole_ceremony_from_the_console_with_the_stage_following_each_step() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fd.sqlite3");
    load_demo(&db);
    let app = app(db.clone());
    let console = window(&app, "console");
    let stage = window(&app, "stage");
    let events = Arc::new(Mutex::new(Vec::<Value>::new()));
    let sink = events.clone();
    app.listen_any("ceremony-changed", move |e| {
        sink.lock()
            .unwrap()
            .push(serde_json::from_str(e.payload()).unwrap())
    });

    let choices = ok(&console, "choices", json!({}));
    assert_eq!(choices["witness_roles"][2], "公证员");
    assert_eq!(choices["methods"][0], "实地检查");
    let number = plan_and_task(&console);
    assert_eq!(phase(&stage).0, "idle");

    let s = ok(
        &console,
        "ceremony_start",
        json!({"task": number, "operator": "张三", "minDigits": null}),
    );
    let id = s["id"].as_i64().unwrap();
    assert_eq!(s["state"], "prepared");
    let (p, c) = phase(&stage);
    assert_eq!(p, "task", "starting puts the ceremony on the stage");
    assert_eq!(
        (c["task_number"].as_str(), c["attempt"].as_u64()),
        (Some(number.as_str()), Some(1))
    );
    assert_eq!(c["departments"][1]["name"], "卫健委");

    ok(
        &console,
        "ceremony_record_start",
        json!({"id": id, "device": "会议室摄像机"}),
    );
    ok(&console, "ceremony_freeze", json!({"id": id}));
    let (p, c) = phase(&stage);
    assert_eq!(p, "rules");
    assert!(c["summary"]["population"].as_u64().unwrap() > 0, "{c}");
    assert_eq!(c["summary"]["group_size"], 2);
    assert_eq!(c["commitment"], Value::Null);

    ok(&console, "ceremony_commit", json!({"id": id}));
    let (p, c) = phase(&stage);
    assert_eq!(p, "commitment");
    assert_eq!(c["commitment"].as_str().unwrap().len(), 64);
    assert_eq!(c["secret"], Value::Null, "the secret stays hidden until the seed");

    let e = err(
        &console,
        "ceremony_add_witness",
        json!({"id": id, "name": "李明", "role": "路人", "unit": ""}),
    );
    assert_eq!(e["code"], "invalid");
    assert!(e["message"].as_str().unwrap().contains("未知身份“路人”"), "{e}");
    for (name, role, unit) in [
        ("李明", "人大代表", "永州市人大常委会"),
        ("周敏", "政协委员", "永州市政协"),
        ("陈公正", "公证员", "永州市公证处"),
    ] {
        ok(
            &console,
            "ceremony_add_witness",
            json!({"id": id, "name": name, "role": role, "unit": unit}),
        );
    }
    let (p, c) = phase(&stage);
    assert_eq!(p, "witnesses");
    assert_eq!(c["witnesses"][2]["name"], "陈公正");
    ok(&console, "ceremony_close_witnesses", json!({"id": id}));
    assert_eq!(phase(&stage).0, "entropy");

    let e = err(
        &console,
        "ceremony_add_entropy",
        json!({"id": id, "witness": "1", "digits": "12345"}),
    );
    assert_eq!(
        e,
        json!({"code": "invalid", "message": "entropy：至少需要 6 位数字，只有 5 位"})
    );
    for (w, d) in [("1", "314159"), ("2", "２７１８２８"), ("3", "1618033")] {
        ok(
            &console,
            "ceremony_add_entropy",
            json!({"id": id, "witness": w, "digits": d}),
        );
    }
    let (p, c) = phase(&stage);
    assert_eq!(p, "entropy");
    assert_eq!(c["state"], "entropy_collected");
    assert_eq!(
        c["witnesses"][1]["entropy"], "271828",
        "full-width digits are folded by the core"
    );

    let s = ok(&console, "ceremony_seed", json!({"id": id}));
    let targets = s["targets"].as_u64().unwrap();
    assert!(targets >= 3, "{targets} targets");
    let (p, c) = phase(&stage);
    assert_eq!(p, "seed");
    assert_eq!(c["seed"], s["seed"]);
    assert_eq!(c["secret"].as_str().unwrap().len(), 64);
    assert_eq!(c["revealed"], json!([]));

    // Space on the projector: the stage's one write, the same core step as the console's button.
    let r = ok(&stage, "stage_reveal_next", json!({}));
    assert_eq!(r["reveal_position"], 1);
    let (p, c) = phase(&stage);
    assert_eq!(p, "reveal");
    assert_eq!(c["current"]["position"], 1);
    assert_eq!(c["current"]["code"], c["revealed"][0]["code"]);
    assert_eq!(c["current"]["group_detail"]["number"], c["current"]["group"]);
    assert!(
        !c["current"]["group_detail"]["members"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let e = err(&stage, "ceremony_seal", json!({"id": id}));
    assert!(e.as_str().unwrap_or_default().contains("not allowed"), "{e}");

    ok(&console, "ceremony_reveal", json!({"id": id, "all": false}));
    assert_eq!(phase(&stage).1["revealed"].as_array().unwrap().len(), 2);
    let e = err(&console, "ceremony_seal", json!({"id": id}));
    assert_eq!(e["code"], "state");
    ok(
        &console,
        "ceremony_mark",
        json!({"id": id, "text": "第三位见证人掷骰子"}),
    );
    ok(&console, "ceremony_reveal", json!({"id": id, "all": true}));
    let (p, c) = phase(&stage);
    assert_eq!(p, "final");
    assert_eq!(c["revealed"].as_array().unwrap().len() as u64, targets);
    assert!(!c["groups"].as_array().unwrap().is_empty());

    let s = ok(&console, "ceremony_seal", json!({"id": id}));
    let (p, c) = phase(&stage);
    assert_eq!(p, "sealed");
    assert_eq!(c["record_hash"], s["record_hash"]);
    // The bundle's size comes back with it, for the records page to show: a zip's, none for a folder.
    let zip = dir.path().join("记录包.fairdraw.zip");
    let b = ok(&console, "export_bundle", json!({"ceremony": id, "out": zip}));
    assert_eq!(b["bytes"], std::fs::metadata(&zip).unwrap().len());
    let folder = dir.path().join("记录包");
    let b = ok(&console, "export_bundle", json!({"ceremony": id, "out": folder}));
    assert!(folder.join("bundle.json").is_file());
    assert_eq!(b["bytes"], Value::Null);
    let qr = &c["qr"];
    assert!(qr["width"].as_u64().unwrap() >= 21);
    assert!(
        qr["path"].as_str().unwrap().starts_with("M0 0h7v1h-7z"),
        "finder pattern"
    );
    let e = err(
        &console,
        "ceremony_void",
        json!({"id": id, "reason": "x", "operator": "张三"}),
    );
    assert_eq!(e["code"], "state");

    // One event per successful step, none for a refused one.
    let events = events.lock().unwrap();
    let states: Vec<&str> = events.iter().map(|e| e["state"].as_str().unwrap()).collect();
    assert_eq!(states.first(), Some(&"prepared"));
    assert_eq!(states.last(), Some(&"sealed"));
    assert_eq!(states.len(), 17, "{states:?}");
    assert!(events.iter().all(|e| e["id"] == id));
    drop(events);

    // The video file after the seal: hashed as a `video` job with byte progress, then listed.
    let jobs = Arc::new(Mutex::new(Vec::<Value>::new()));
    let sink = jobs.clone();
    app.listen_any("job", move |e| {
        sink.lock()
            .unwrap()
            .push(serde_json::from_str(e.payload()).unwrap())
    });
    let video = dir.path().join("录像.mp4");
    std::fs::write(&video, vec![7u8; (1 << 20) + 3]).unwrap();
    let v = ok(
        &console,
        "ceremony_attach_video",
        json!({"id": id, "path": video}),
    );
    assert_eq!(v["file_name"], "录像.mp4");
    assert_eq!(v["size"], (1 << 20) + 3);
    assert_eq!(
        ok(&console, "ceremony_videos", json!({"id": id}))[0]["sha256"],
        v["sha256"]
    );
    let jobs = jobs.lock().unwrap();
    let states: Vec<&str> = jobs.iter().map(|j| j["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["started", "progress", "progress", "done"]);
    assert!(jobs.iter().all(|j| j["kind"] == "video"));
    assert_eq!(jobs[3]["done"], (1 << 20) + 3);
    drop(jobs);
    let e = err(
        &console,
        "ceremony_attach_video",
        json!({"id": id, "path": video}),
    );
    assert_eq!(e["code"], "invalid", "the same content twice: {e}");

    // A recording still arriving (a pipe, which the hashing reads only as it is written): while the hashing
    // waits, the other pages get the database. The attach holds it only to check the ceremony and to record.
    #[cfg(unix)]
    {
        let pipe = dir.path().join("录像-拷贝中.mp4");
        let made = std::process::Command::new("mkfifo").arg(&pipe).status().unwrap();
        assert!(made.success());
        let hashing = {
            let (console, pipe) = (console.clone(), pipe.clone());
            std::thread::spawn(move || {
                invoke(&console, "ceremony_attach_video", json!({"id": id, "path": pipe}))
            })
        };
        // Time for the attach to check the ceremony and reach the pipe (were the database held through the
        // hashing, the listing below would wait for the pipe's writer, which comes only after it).
        std::thread::sleep(std::time::Duration::from_millis(500));
        let (sender, listed) = std::sync::mpsc::channel();
        {
            let console = console.clone();
            std::thread::spawn(move || {
                let _ = sender.send(invoke(&console, "ceremony_videos", json!({"id": id})));
            });
        }
        let listed = listed
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("the listing of videos waited for the hashing of another video");
        assert_eq!(listed.unwrap().as_array().unwrap().len(), 1);
        std::fs::write(&pipe, vec![9u8; 4096]).unwrap();
        let v = hashing.join().unwrap().unwrap();
        assert_eq!(
            (v["file_name"].as_str(), v["size"].as_u64()),
            (Some("录像-拷贝中.mp4"), Some(4096))
        );
        assert_eq!(
            ok(&console, "ceremony_videos", json!({"id": id}))
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }

    // A restart (a new app on the same database and settings) shows the same ceremony at the same step.
    drop(app);
    let again = crate::tests::app(db);
    let (p, c) = phase(&window(&again, "stage"));
    assert_eq!((p.as_str(), c["id"].as_i64()), ("sealed", Some(id)));
}

#[test]
fn a_void_needs_a_reason_and_the_stage_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fd.sqlite3");
    load_demo(&db);
    let app = app(db);
    let console = window(&app, "console");
    let number = plan_and_task(&console);
    let id = ok(
        &console,
        "ceremony_start",
        json!({"task": number, "operator": "张三", "minDigits": 8}),
    )["id"]
        .clone();
    ok(&console, "ceremony_freeze", json!({"id": id}));
    let e = err(
        &console,
        "ceremony_void",
        json!({"id": id, "reason": "  ", "operator": "张三"}),
    );
    assert_eq!(e, json!({"code": "invalid", "message": "reason：不能为空"}));
    let s = ok(
        &console,
        "ceremony_void",
        json!({"id": id, "reason": "投影仪故障", "operator": "张三"}),
    );
    assert_eq!(s["state"], "voided");
    let (p, c) = phase(&window(&app, "stage"));
    assert_eq!(p, "voided");
    assert_eq!(c["void_reason"], "投影仪故障");
    // Back to the idle screen, and a ceremony that does not exist cannot be put on the stage.
    ok(&console, "set_stage_ceremony", json!({"id": null}));
    assert_eq!(phase(&window(&app, "stage")).0, "idle");
    let e = err(&console, "set_stage_ceremony", json!({"id": 99}));
    assert_eq!(e["code"], "not_found");
    let e = err(&window(&app, "stage"), "stage_reveal_next", json!({}));
    assert_eq!(e["code"], "state");
}
