//! The journal as the command line writes it: one entry per step in the same transaction, in a closed list of
//! events, hash-chained, each payload stored exactly as hashed, and every ceremony entry carrying the offsets
//! into the running video recordings.

use fairdraw::journal::{self, GENESIS, entry_hash};
use serde_json::{Value, json};

use super::ceremony::{Env, words};
use super::crash::finished_scenario;

#[test]
fn each_step_of_the_scenario_writes_its_entries_in_order_and_the_chain_links() {
    let env = finished_scenario();
    let db = env.open();
    let entries = journal::entries(db.conn(), None).unwrap();
    let events: Vec<(&str, Option<i64>)> = entries
        .iter()
        .map(|e| (e.event.as_str(), e.ceremony_id))
        .collect();
    let c1 = Some(1);
    let c2 = Some(2);
    let mut want = vec![
        ("register_imported", None),
        ("calendar_imported", None),
        ("plan_created", None),
        ("task_created", None),
        ("plan_published", None),
        ("ceremony_started", c1),
        ("recording_started", c1),
        ("inputs_frozen", c1),
        ("secret_committed", c1),
        ("ceremony_voided", c1),
        ("ceremony_started", c2),
        ("recording_started", c2),
        ("inputs_frozen", c2),
        ("secret_committed", c2),
        ("witness_added", c2),
        ("witness_added", c2),
        ("witnesses_closed", c2),
        ("entropy_added", c2),
        ("entropy_added", c2),
        ("seed_derived", c2),
        ("target_revealed", c2),
        ("marker_added", c2),
    ];
    want.extend([("target_revealed", c2); 3]);
    want.extend([
        ("reveal_completed", c2),
        ("ceremony_sealed", c2),
        ("recording_stopped", c2),
        ("video_attached", c2),
        ("reserve_used", c2),
        ("manual_assignment", c2),
        ("result_recorded", c2),
        ("result_published", c2),
    ]);
    assert_eq!(events, want);
    let mut prev = GENESIS;
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e.seq, i as i64 + 1);
        assert_eq!(e.prev_hash, prev, "entry {} links to the previous one", e.seq);
        assert_eq!(
            e.hash,
            entry_hash(e.seq, &e.at, &e.event, e.ceremony_id, &e.payload, &e.prev_hash)
        );
        // Stored exactly as hashed: compact JSON, re-serialising gives the same text.
        let v: Value = serde_json::from_str(&e.payload).unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), e.payload);
        prev = e.hash;
    }
    let audit = env.json("2026-06-11T10:00:00+08:00", &["audit"]);
    assert_eq!(audit["journal"]["head"], hex::encode(prev));
    // The seal anchors the journal: the head it records is the entry before it.
    let seal = entries.iter().find(|e| e.event == "ceremony_sealed").unwrap();
    let p: Value = serde_json::from_str(&seal.payload).unwrap();
    assert_eq!(p["journal_head"], hex::encode(seal.prev_hash));
    assert_eq!(p["clock"], "supplied", "a run with FAIRDRAW_NOW says so");
    assert_eq!(p["secret_source"], "supplied", "a run with --secret says so");
    // The void publishes the voided attempt's secret and says in which state it happened.
    let void = entries.iter().find(|e| e.event == "ceremony_voided").unwrap();
    let void: Value = serde_json::from_str(&void.payload).unwrap();
    assert_eq!(void["secret"], "01".repeat(32));
    assert_eq!(void["state"], "committed");
    assert_eq!(void["reason"], "停电");
}

#[test]
fn every_ceremony_entry_carries_the_offsets_into_the_running_recordings() {
    let env = Env::new();
    let now = |m: u32, s: u32| format!("2026-06-10T09:{m:02}:{s:02}+08:00");
    super::ceremony::load_demo_registers(&env.db, 200, 60);
    let rules = env.write("rules.json", &super::ceremony::joint_rules().to_string());
    env.ok(
        &now(0, 0),
        &words("plan create --year 2026 --title 计划 --departments D01,D13"),
    );
    env.ok(
        &now(0, 0),
        &words(&format!("task create --plan 1 --number T-9 --name 任务 --lead D01 --participating D13 --method 实地检查 --rules {rules}")),
    );
    env.ok(&now(0, 0), &words("plan publish 1 --on 2026-06-01 --where 网站"));
    env.ok(&now(0, 0), &words("ceremony start T-9 --operator 张三"));
    env.ok(&now(0, 0), &words("ceremony record-start 1 --device 摄像机A"));
    env.ok(&now(1, 0), &words("ceremony record-start 1 --device 录音笔"));
    let err = env.fails(&now(1, 5), &words("ceremony record-start 1 --device 摄像机A"), 1);
    assert!(
        err.contains("device “摄像机A” is already recording; stop it before starting again"),
        "{err}"
    );
    env.ok(&now(2, 0), &words("ceremony freeze 1"));
    env.ok(&now(3, 0), &words("ceremony record-stop 1 --device 摄像机A"));
    env.ok(&now(4, 0), &words("ceremony commit 1"));
    env.ok(&now(5, 0), &words("ceremony record-start 1 --device 摄像机A"));
    env.ok(&now(6, 30), &words("ceremony mark 1 见证人入场"));
    let err = env.fails(&now(6, 31), &words("ceremony record-stop 1 --device 手机"), 1);
    assert!(err.contains("device “手机” is not recording"), "{err}");

    let db = env.open();
    let offsets: Vec<(String, Value)> = journal::entries(db.conn(), Some(1))
        .unwrap()
        .into_iter()
        .map(|e| {
            let p: Value = serde_json::from_str(&e.payload).unwrap();
            let o: Vec<Value> = p["recordings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| json!([r["device"], r["offset_ms"]]))
                .collect();
            (e.event, json!(o))
        })
        .collect();
    assert_eq!(
        offsets,
        vec![
            ("ceremony_started".into(), json!([])),
            ("recording_started".into(), json!([["摄像机A", 0]])),
            (
                "recording_started".into(),
                json!([["摄像机A", 60000], ["录音笔", 0]])
            ),
            (
                "inputs_frozen".into(),
                json!([["摄像机A", 120000], ["录音笔", 60000]])
            ),
            (
                "recording_stopped".into(),
                json!([["摄像机A", 180000], ["录音笔", 120000]])
            ),
            ("secret_committed".into(), json!([["录音笔", 180000]])),
            (
                "recording_started".into(),
                json!([["录音笔", 240000], ["摄像机A", 0]])
            ),
            (
                "marker_added".into(),
                json!([["录音笔", 330000], ["摄像机A", 90000]])
            ),
        ]
    );
    let stopped: Value =
        serde_json::from_str(&journal::entries(db.conn(), Some(1)).unwrap()[4].payload).unwrap();
    assert_eq!(stopped["duration_ms"], 180000);
    let s = env.json(&now(7, 0), &words("ceremony status 1"));
    assert_eq!(
        s["recordings"].as_array().unwrap().len(),
        3,
        "a restart is a new recording"
    );
}
