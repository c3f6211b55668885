//! Ceremonies through the command line: a joint task from an empty database to a sealed record whose bundle
//! both verifiers accept, and the state machine's refusals (wrong order, unpublished plan, a second open
//! attempt, voids and new attempts).
//!
//! This module also holds the harness the other ceremony tests share ([`Env`]): a database in a temporary
//! directory and a way to run the real `fairdraw` binary on it with a fixed clock.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::NaiveDate;
use fairdraw::db::Db;
use fairdraw::model::{Entity, Inspector, RiskClass};
use fairdraw::registers;
use serde_json::{Value, json};

/// A database in a temporary directory and the `fairdraw` binary to run on it.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

impl Env {
    /// An empty database (created by the first command).
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("fairdraw.sqlite3");
        Env { dir, db }
    }

    /// A file path inside the temporary directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file into the temporary directory and returns its path as a string.
    pub fn write(&self, name: &str, content: &str) -> String {
        let p = self.path(name);
        std::fs::write(&p, content).unwrap();
        p.to_str().unwrap().to_string()
    }

    /// The command `fairdraw --db DB --lang en ARGS` with the clock fixed at `now`.
    pub fn cmd(&self, now: &str, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_fairdraw"));
        c.arg("--db")
            .arg(&self.db)
            .args(["--lang", "en"])
            .args(args)
            .env("FAIRDRAW_NOW", now)
            .env_remove("FAIRDRAW_FAULT");
        c
    }

    /// Runs a command and returns its output, whatever the exit status.
    pub fn run(&self, now: &str, args: &[&str]) -> Output {
        self.cmd(now, args).output().unwrap()
    }

    /// Runs a command that must succeed and returns its stdout.
    pub fn ok(&self, now: &str, args: &[&str]) -> String {
        let out = self.run(now, args);
        assert!(
            out.status.success(),
            "fairdraw {args:?} failed ({:?}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a command with `--json` that must succeed and parses its stdout.
    pub fn json(&self, now: &str, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok(now, &a)).unwrap()
    }

    /// Runs a command that must fail with `code` and returns its stderr.
    pub fn fails(&self, now: &str, args: &[&str], code: i32) -> String {
        let out = self.run(now, args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "fairdraw {args:?}: stdout {} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).unwrap()
    }

    /// Opens the database with the library.
    pub fn open(&self) -> Db {
        Db::open(&self.db).unwrap()
    }
}

/// The words of a command line, split at ASCII white space: `words("plan list")` is `["plan", "list"]`.
pub fn words(line: &str) -> Vec<&str> {
    line.split_ascii_whitespace().collect()
}

/// A rule template for a joint task of 市场监管局 (lead) and 卫健委.
pub fn joint_rules() -> Value {
    json!({
        "scope": {"regions": [], "industries": [], "entity_types": [], "risk_classes": [], "tags_any": []},
        "exclusions": {"statuses": ["吊销", "撤销", "注销", "迁出"], "inspected_within_days": 365, "entities": []},
        "strata": "risk_class",
        "quota": {"mode": "ratio", "ratios": [{"stratum": "A", "bp": 50}, {"stratum": "D", "bp": 500}], "default_bp": 100},
        "reserve_per_stratum": null,
        "inspectors": {"group_size": 3, "groups": {"mode": "per_targets", "max_targets": 10},
            "leader": {"required": true, "qualification": ""}, "expert_required": false,
            "required_qualifications": [], "active_statuses": ["在岗"], "recuse_same_region": false}
    })
}

/// Loads the demo registers (seed "ceremony", as of 2026-06-01) into the database through the library.
pub fn load_demo_registers(db: &Path, entities: u64, inspectors: usize) {
    let as_of = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let mut db = Db::open(db).unwrap();
    let tx = db.conn_mut().transaction().unwrap();
    for d in fairdraw::demo::departments() {
        registers::upsert_department(&tx, &d).unwrap();
    }
    for i in fairdraw::demo::items() {
        registers::upsert_item(&tx, &i).unwrap();
    }
    for e in fairdraw::demo::entities(b"ceremony", entities, as_of) {
        registers::upsert_entity(&tx, &e).unwrap();
    }
    for i in fairdraw::demo::inspectors(b"ceremony", inspectors, as_of) {
        registers::upsert_inspector(&tx, &i).unwrap();
    }
    tx.commit().unwrap();
}

/// An entity for hand-made registers.
pub fn entity(code: &str, name: &str, region: &str, risk: RiskClass) -> Entity {
    Entity {
        code: code.into(),
        name: name.into(),
        entity_type: "有限责任公司".into(),
        industry: "餐饮业".into(),
        address: String::new(),
        authority: String::new(),
        region: region.into(),
        town: String::new(),
        established: None,
        status: "存续".into(),
        risk_class: Some(risk),
        tags: vec![],
        last_inspected: None,
    }
}

/// An inspector for hand-made registers.
pub fn inspector(staff_no: &str, name: &str, department: &str, region: &str) -> Inspector {
    Inspector {
        staff_no: staff_no.into(),
        name: name.into(),
        department: department.into(),
        certificate_no: format!("C{staff_no}"),
        certificate_valid_until: NaiveDate::from_ymd_opt(2030, 12, 31),
        qualifications: vec![],
        expert: false,
        region: region.into(),
        status: "在岗".into(),
    }
}

const T0: &str = "2026-06-10T09:00:00+08:00";

fn at(minute: u32) -> String {
    format!("2026-06-10T09:{minute:02}:00+08:00")
}

fn plan_and_joint_task(env: &Env) {
    env.ok(
        T0,
        &words("plan create --year 2026 --title 2026年度双随机抽查计划 --departments D01,D13"),
    );
    env.ok(
        T0,
        &words("plan publish 1 --on 2026-06-01 --where 永州市人民政府门户网站"),
    );
    let rules = env.write("rules.json", &joint_rules().to_string());
    let items: Vec<String> = fairdraw::demo::items()
        .into_iter()
        .filter(|i| i.department == "D01" || i.department == "D13")
        .take(3)
        .map(|i| i.code)
        .collect();
    let items = items.join(",");
    env.ok(
        T0,
        &words(&format!(
            "task create --plan 1 --number 永市监抽〔2026〕3号 --name 2026年食品经营者联合抽查 --lead 市场监管局 \
             --participating 卫健委 --items {items} --method 实地检查 --start 2026-06-15 --end 2026-07-15 \
             --rules {rules} --operator 王五"
        )),
    );
}

#[test]
fn joint_task_ceremony_from_empty_database_to_verified_bundle() {
    let env = Env::new();
    // The registers come the way an office gets them: spreadsheets, imported.
    let demo = env.path("demo");
    env.ok(
        T0,
        &words(&format!(
            "demo --out {} --format csv --entities 3000 --inspectors 200 --seed ceremony",
            demo.display()
        )),
    );
    for register in ["departments", "items", "entities", "inspectors"] {
        let file = demo.join(format!("{register}.csv"));
        let out = env.ok(T0, &["import", register, file.to_str().unwrap()]);
        assert!(out.contains("0 rejected"), "{out}");
    }
    plan_and_joint_task(&env);
    // The task was added to a published plan: it cannot be drawn before that adjustment is published.
    let err = env.fails(
        T0,
        &words("ceremony start 永市监抽〔2026〕3号 --operator 张三"),
        1,
    );
    assert!(
        err.contains("was added by plan adjustment 1, which is not published yet"),
        "{err}"
    );
    env.ok(
        T0,
        &words("plan publish-adjustment 1 --on 2026-06-09 --where 永州市市场监管局网站"),
    );

    let s = env.json(T0, &words("ceremony start 永市监抽〔2026〕3号 --operator 张三"));
    assert_eq!(s["state"], "prepared");
    assert_eq!(s["attempt"], 1);
    assert_eq!(
        s["next_steps"],
        json!(["freeze", "void", "mark", "record-start", "record-stop"])
    );
    env.ok(T0, &words("ceremony record-start 1 --device 会议室摄像机"));
    // Out of order: no commitment before the inputs are frozen.
    let err = env.fails(&at(1), &words("ceremony commit 1"), 1);
    assert!(err.contains("ceremony 1 (永市监抽〔2026〕3号 attempt 1) is prepared: “commit” is not allowed now; allowed: freeze"), "{err}");

    let s = env.json(&at(1), &words("ceremony freeze 1"));
    assert_eq!(s["state"], "frozen");
    let fp = s["fingerprints"]["inputs"].as_str().unwrap().to_string();
    assert_eq!(s["summary"]["departments"], json!(["D01", "D13"]));
    let s = env.json(&at(2), &words("ceremony commit 1"));
    assert_eq!(s["secret_source"], "os");
    assert_eq!(s["secret"], Value::Null, "the secret stays hidden until the seed");
    let commitment = s["commitment"].as_str().unwrap().to_string();

    for (name, role, unit) in [
        ("李明", "人大代表", "永州市人大常委会"),
        ("周敏", "政协委员", "永州市政协"),
        ("陈公正", "公证员", "永州市公证处"),
    ] {
        env.ok(
            &at(3),
            &words(&format!(
                "ceremony witness 1 --name {name} --role {role} --unit {unit}"
            )),
        );
    }
    env.ok(&at(4), &words("ceremony close-witnesses 1"));
    let err = env.fails(&at(5), &words("ceremony entropy 1 --witness 1 31415"), 1);
    assert!(
        err.contains("entropy: at least 6 digits are needed, got 5"),
        "{err}"
    );
    env.ok(&at(5), &words("ceremony entropy 1 --witness 1 314159"));
    env.ok(&at(6), &words("ceremony entropy 1 --witness 周敏 271828"));
    let e = env.json(&at(7), &words("ceremony entropy 1 --witness 3 １６１８０３３"));
    assert_eq!(e["witness"]["entropy"], "1618033", "full-width digits are folded");
    assert_eq!(e["all_collected"], true);
    assert_eq!(e["total_digits"], 19);

    let s = env.json(&at(8), &words("ceremony seed 1"));
    assert_eq!(s["state"], "seeded");
    assert_eq!(s["commitment"], commitment.as_str());
    let k = s["targets"].as_u64().unwrap();
    assert!(k >= 3, "{s}");
    assert!((s["entropy_bits"].as_f64().unwrap() - 19.0 * std::f64::consts::LOG2_10).abs() < 1e-9);
    let r = env.json(&at(9), &words("ceremony reveal 1"));
    assert_eq!(r["revealed"][0]["position"], 1);
    assert_eq!(r["state"], "revealing");
    env.ok(&at(9), &words("ceremony mark 1 第一个检查对象已揭晓"));
    let r = env.json(&at(10), &words("ceremony reveal 1 --all"));
    assert_eq!(r["revealed"].as_array().unwrap().len() as u64, k - 1);
    assert_eq!(r["state"], "revealed");
    let s = env.json(&at(11), &words("ceremony seal 1"));
    assert_eq!(s["state"], "sealed");
    assert_eq!(s["revealed"].as_array().unwrap().len() as u64, k);
    let groups = s["groups"].as_array().unwrap();
    for g in groups {
        let deps: Vec<&str> = g["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["department"].as_str().unwrap())
            .collect();
        assert_eq!(deps[0], "D01", "the leader comes from the lead department: {g}");
        assert!(
            deps.contains(&"D13"),
            "a joint task's group has a member of each department: {g}"
        );
    }
    let record_hash = s["record_hash"].as_str().unwrap().to_string();
    env.ok(&at(12), &words("ceremony record-stop 1 --device 会议室摄像机"));
    let video = env.write("ceremony.mp4", &"video bytes ".repeat(1000));
    let v = env.json(&at(30), &words(&format!("ceremony attach-video 1 {video}")));
    assert_eq!(v["size"], 12000);

    // The whole journal re-checks.
    let audit = env.ok(&at(31), &["audit"]);
    assert!(audit.starts_with("audit OK: "), "{audit}");
    assert!(
        audit.contains("; 1 ceremony matches the journal and its recomputation\n"),
        "{audit}"
    );

    // The bundle: both verifiers agree with the record, and the record hash recomputes from it.
    let bundle = env.path("record.zip");
    env.ok(
        &at(32),
        &["ceremony", "export", "1", "--out", bundle.to_str().unwrap()],
    );
    let verify = env.ok(&at(32), &["verify", bundle.to_str().unwrap()]);
    assert!(verify.starts_with("MATCH"), "{verify}");
    assert!(verify.contains(&fp), "{verify}");
    let b = fairdraw::bundle::Bundle::read(&bundle).unwrap();
    assert_eq!(
        b.json.attempt.as_ref().unwrap()["record_hash"],
        record_hash.as_str()
    );
    assert_eq!(
        fairdraw::ceremony::record::check_bundle_record(&b.json).unwrap(),
        None
    );
    assert_eq!(b.json.attempt.as_ref().unwrap()["task"]["joint"], true);
    let events = b.json.events.as_ref().unwrap().as_array().unwrap();
    assert_eq!(events[0]["event"], "ceremony_started");
    assert_eq!(events.last().unwrap()["event"], "video_attached");
    // The commitment was made 2 minutes into the recording.
    let commit: Value = serde_json::from_str(
        events.iter().find(|e| e["event"] == "secret_committed").unwrap()["payload"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        commit["recordings"],
        json!([{"device": "会议室摄像机", "started_at": "2026-06-10T09:00:00.000+08:00", "offset_ms": 120000}])
    );
    assert_eq!(b.json.addenda.as_ref().unwrap()["videos"][0]["size"], 12000);
    let verifier = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/verify.py");
    if verifier.exists() {
        let out = Command::new("python3")
            .arg(&verifier)
            .arg(&bundle)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "verify.py: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("MATCH"), "{text}");
    } else {
        eprintln!("note: tools/verify.py is not on this branch yet; only `fairdraw verify` was run");
    }
}

#[test]
fn a_voided_attempt_stays_on_record_and_the_next_needs_new_commitment_and_entropy() {
    let env = Env::new();
    load_demo_registers(&env.db, 600, 120);
    plan_and_joint_task(&env);
    env.ok(
        T0,
        &words("plan publish-adjustment 1 --on 2026-06-09 --where 网站"),
    );
    env.ok(T0, &words("ceremony start 1 --operator 张三"));
    env.ok(&at(1), &words("ceremony freeze 1"));
    let c1 = env.json(&at(2), &words("ceremony commit 1"))["commitment"].clone();
    // One unfinished attempt at a time.
    let err = env.fails(&at(2), &words("ceremony start 1 --operator 张三"), 1);
    assert!(
        err.contains(
            "attempt 1 of task 永市监抽〔2026〕3号 (ceremony 1) is not finished; continue it or void it first"
        ),
        "{err}"
    );
    // A void needs a reason and who decided it.
    let err = env.fails(
        &at(3),
        &["ceremony", "void", "1", "--reason", " ", "--operator", "张三"],
        1,
    );
    assert!(err.contains("reason: must not be empty"), "{err}");
    let v = env.json(
        &at(3),
        &words("ceremony void 1 --reason 投影仪故障，见证人无法看清 --operator 局长李四"),
    );
    assert_eq!(v["state"], "voided");
    assert_eq!(v["voided_in_state"], "committed");
    assert!(
        v["secret"].is_string(),
        "the voided attempt's secret is published"
    );
    // A voided attempt takes no more steps.
    let err = env.fails(
        &at(3),
        &words("ceremony witness 1 --name 李明 --role 人大代表"),
        1,
    );
    assert!(
        err.contains("ceremony 1 (永市监抽〔2026〕3号 attempt 1) is voided"),
        "{err}"
    );

    let s = env.json(
        &at(4),
        &words("ceremony start 永市监抽〔2026〕3号 --operator 张三"),
    );
    assert_eq!(s["attempt"], 2);
    assert_eq!(s["voided_attempts"][0]["reason"], "投影仪故障，见证人无法看清");
    let s = env.json(&at(5), &words("ceremony freeze 2"));
    assert_eq!(s["summary"]["attempt"], 2);
    let c2 = env.json(&at(6), &words("ceremony commit 2"))["commitment"].clone();
    assert_ne!(c1, c2);
    env.ok(
        &at(7),
        &words("ceremony witness 2 --name 李明 --role deputy --unit 永州市人大常委会"),
    );
    let err = env.fails(&at(7), &words("ceremony entropy 2 --witness 1 123456"), 1);
    assert!(
        err.contains("“entropy” is not allowed now; allowed: witness, close-witnesses, void"),
        "{err}"
    );
    env.ok(&at(8), &words("ceremony close-witnesses 2"));
    env.ok(&at(9), &words("ceremony entropy 2 --witness 1 654321"));
    let err = env.fails(&at(9), &words("ceremony entropy 2 --witness 1 111111"), 1);
    assert!(err.contains("“entropy” is not allowed now"), "{err}");
    env.ok(&at(10), &words("ceremony seed 2"));
    env.ok(&at(11), &words("ceremony reveal 2 --all"));
    let s = env.json(&at(12), &words("ceremony seal 2"));
    assert_eq!(s["attempt"], 2);
    // A sealed draw is final.
    let err = env.fails(
        &at(13),
        &words("ceremony void 2 --reason 不满意 --operator 张三"),
        1,
    );
    assert!(err.contains("ceremony 2 is sealed; it cannot be voided"), "{err}");
    let err = env.fails(&at(13), &words("ceremony start 1 --operator 张三"), 1);
    assert!(
        err.contains("already has a sealed draw (ceremony 2, attempt 2); a sealed draw cannot be redone"),
        "{err}"
    );
    // The task can no longer change.
    let err = env.fails(&at(13), &words("task update 1 --name 改名"), 1);
    assert!(err.contains("were frozen by a ceremony"), "{err}");

    let bundle = env.path("attempt2.zip");
    env.ok(
        &at(14),
        &["ceremony", "export", "2", "--out", bundle.to_str().unwrap()],
    );
    let b = fairdraw::bundle::Bundle::read(&bundle).unwrap();
    let a = b.json.attempt.as_ref().unwrap();
    assert_eq!(a["number"], 2);
    assert_eq!(a["voided_attempts"][0]["attempt"], 1);
    assert_eq!(a["voided_attempts"][0]["operator"], "局长李四");
    let voided: Vec<&Value> = b
        .json
        .events
        .as_ref()
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "ceremony_voided")
        .collect();
    assert_eq!(
        voided.len(),
        1,
        "the voided attempt's events are part of the later record"
    );
    assert_eq!(
        fairdraw::ceremony::record::check_bundle_record(&b.json).unwrap(),
        None
    );
    // The record hash covers the voided attempts: hiding the void changes it.
    let mut j = b.json.clone();
    j.attempt.as_mut().unwrap()["voided_attempts"] = json!([]);
    let (recorded, recomputed) = fairdraw::ceremony::record::check_bundle_record(&j)
        .unwrap()
        .unwrap();
    assert_ne!(recorded, recomputed);
    assert!(
        env.ok(&at(15), &["verify", bundle.to_str().unwrap()])
            .starts_with("MATCH")
    );
    assert!(env.ok(&at(15), &["audit"]).starts_with("audit OK: "));
}

#[test]
fn an_infeasible_task_is_refused_at_the_freeze_before_any_randomness() {
    let env = Env::new();
    {
        let db = env.open();
        for (i, r) in [RiskClass::A, RiskClass::B, RiskClass::C].iter().enumerate() {
            registers::upsert_entity(
                db.conn(),
                &entity(&format!("91431100MA4L0000{i}X"), "某公司", "冷水滩区", *r),
            )
            .unwrap();
        }
        // Only one inspector of 卫健委: two groups cannot each have one.
        for (s, d) in [("S1", "D01"), ("S2", "D01"), ("S3", "D01"), ("S4", "D13")] {
            registers::upsert_inspector(db.conn(), &inspector(s, "某人", d, "零陵区")).unwrap();
        }
    }
    env.ok(
        T0,
        &words("plan create --year 2026 --title 计划 --departments D01,D13"),
    );
    let mut rules = joint_rules();
    rules["quota"] = json!({"mode": "count", "total": 3});
    rules["inspectors"]["group_size"] = json!(2);
    rules["inspectors"]["groups"] = json!({"mode": "fixed", "count": 2});
    let rules = env.write("rules.json", &rules.to_string());
    env.ok(
        T0,
        &words(&format!("task create --plan 1 --number T-1 --name 联合 --lead D01 --participating D13 --method 书面 --rules {rules}")),
    );
    // An unpublished plan may not be carried out.
    let err = env.fails(T0, &words("ceremony start T-1 --operator 张三"), 1);
    assert!(
        err.contains("is not published: an unpublished plan may not be carried out"),
        "{err}"
    );
    env.ok(T0, &words("plan publish 1 --on 2026-06-10 --where 网站"));
    env.ok(T0, &words("ceremony start T-1 --operator 张三"));
    let out = env.run(&at(1), &words("--json ceremony freeze 1"));
    assert_eq!(out.status.code(), Some(1));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "infeasible", "{err}");
    assert!(
        err["error"]["message"].as_str().unwrap().contains("卫健委"),
        "{err}"
    );
    let s = env.json(&at(2), &words("ceremony status 1"));
    assert_eq!(s["state"], "prepared", "nothing was written");
    assert_eq!(s["commitment"], Value::Null);
    assert_eq!(
        fairdraw::journal::entries(env.open().conn(), Some(1))
            .unwrap()
            .len(),
        1
    );
    // The task stays editable, and after the fix the freeze succeeds.
    let mut fixed = joint_rules();
    fixed["quota"] = json!({"mode": "count", "total": 3});
    fixed["inspectors"]["group_size"] = json!(2);
    fixed["inspectors"]["groups"] = json!({"mode": "fixed", "count": 1});
    let fixed = env.write("fixed.json", &fixed.to_string());
    env.ok(&at(3), &words(&format!("task update T-1 --rules {fixed}")));
    assert_eq!(env.json(&at(4), &words("ceremony freeze 1"))["state"], "frozen");
}
