//! Crash safety: a real `fairdraw` process is killed with SIGKILL at every fault point of a whole ceremony
//! (`fairdraw::fault::POINTS`), and the database it leaves behind must hold either the state before the step or
//! the state after it — never half of one — with an intact journal; the commitment and the seed never change
//! once reported, and finishing the ceremony gives exactly the same database as an uninterrupted run.
//! A second test kills a heavy freeze at delays spread over its duration, and a third checks that a second
//! process gets a clear "busy" error (exit code 4) while another holds the write lock.

use fairdraw::db::Db;
use fairdraw::model::RiskClass;
use fairdraw::registers;
use serde_json::{Value, json};

use super::ceremony::{Env, entity, inspector, words};

/// The task of the scenario.
pub const TASK: &str = "永市监抽〔2026〕8号";

/// Registers made so that the scenario exercises reserves and a manual assignment: stratum A has two entities
/// in different regions (quota 1, one reserve), inspectors come from both regions, and an inspector may not
/// inspect an entity of their own region.
pub fn scenario_registers(db: &Db) {
    let c = db.conn();
    registers::upsert_entity(
        c,
        &entity(
            "91431100MA4L0A001X",
            "冷水滩甲餐饮有限公司",
            "冷水滩区",
            RiskClass::A,
        ),
    )
    .unwrap();
    registers::upsert_entity(
        c,
        &entity("91431100MA4L0A002X", "零陵乙餐饮有限公司", "零陵区", RiskClass::A),
    )
    .unwrap();
    for i in 1..=12 {
        registers::upsert_entity(
            c,
            &entity(
                &format!("91431100MA4L0B{i:03}X"),
                &format!("𠀀丙{i}食品店"),
                "",
                RiskClass::B,
            ),
        )
        .unwrap();
    }
    for (i, region) in ["冷水滩区", "零陵区", "冷水滩区", "零陵区"].iter().enumerate() {
        registers::upsert_inspector(
            c,
            &inspector(&format!("L{}", i + 1), &format!("组长{}", i + 1), "D01", region),
        )
        .unwrap();
        registers::upsert_inspector(
            c,
            &inspector(&format!("M{}", i + 1), &format!("卫健{}", i + 1), "D13", region),
        )
        .unwrap();
    }
}

/// The scenario's rule template.
pub fn rules() -> Value {
    json!({
        "scope": {"regions": [], "industries": [], "entity_types": [], "risk_classes": [], "tags_any": []},
        "exclusions": {"statuses": [], "inspected_within_days": null, "entities": []},
        "strata": "risk_class",
        "quota": {"mode": "per_stratum", "counts": [{"stratum": "A", "count": 1}, {"stratum": "B", "count": 3}]},
        "reserve_per_stratum": null,
        "inspectors": {"group_size": 2, "groups": {"mode": "fixed", "count": 2},
            "leader": {"required": true, "qualification": ""}, "expert_required": false,
            "required_qualifications": [], "active_statuses": ["在岗"], "recuse_same_region": true}
    })
}

/// The secrets of the two attempts (supplied, so that every run of the scenario is identical). The second
/// was chosen so that the drawn groups force a manual assignment after the reserve is used.
const SECRET_1: &str = "0101010101010101010101010101010101010101010101010101010101010101";
const SECRET_2: &str = "035e000000000000000000000000000000000000000000000000000000000000";
/// The stratum-A target, its reserve, and the group the reserve is assigned to by hand.
const TARGET_A: &str = "91431100MA4L0A002X";
const RESERVE_A: &str = "91431100MA4L0A001X";
const TARGET_B: &str = "91431100MA4L0B011X";

/// The time of step `i`: one minute per step, so every journal entry has a known time.
fn now(i: usize) -> String {
    format!("2026-06-10T09:{i:02}:00+08:00")
}

/// The scenario: a register import, a calendar, a plan, a joint task, a voided first attempt, a complete second attempt with
/// recordings, a marker and a video, a reserve, a manual assignment and a published result. Together its steps
/// pass every fault point.
fn script(env: &Env) -> Vec<Vec<String>> {
    let cal = env.write(
        "2026.csv",
        "date,kind,name\n2026-06-19,holiday,端午节\n2026-09-27,workday,国庆调休\n",
    );
    let rules = env.write("rules.json", &rules().to_string());
    let video = env.write("ceremony.mp4", &"frame".repeat(100_000));
    let departments = env.write("departments.csv", "部门编码,部门名称\nD01,市场监管局\n");
    let steps: Vec<Vec<&str>> = vec![
        vec!["import", "departments", &departments],
        vec!["calendar", "import", &cal],
        vec![
            "plan",
            "create",
            "--year",
            "2026",
            "--title",
            "2026年度计划",
            "--departments",
            "D01,D13",
        ],
        vec![
            "task",
            "create",
            "--plan",
            "1",
            "--number",
            TASK,
            "--name",
            "联合抽查",
            "--lead",
            "D01",
            "--participating",
            "D13",
            "--method",
            "实地检查",
            "--rules",
            &rules,
        ],
        vec![
            "plan",
            "publish",
            "1",
            "--on",
            "2026-06-01",
            "--where",
            "门户网站",
        ],
        vec!["ceremony", "start", TASK, "--operator", "张三"],
        vec!["ceremony", "record-start", "1", "--device", "摄像机A"],
        vec!["ceremony", "freeze", "1"],
        vec!["ceremony", "commit", "1", "--secret", SECRET_1],
        vec!["ceremony", "void", "1", "--reason", "停电", "--operator", "李四"],
        vec!["ceremony", "start", TASK, "--operator", "张三"],
        vec!["ceremony", "record-start", "2", "--device", "摄像机B"],
        vec!["ceremony", "freeze", "2"],
        vec!["ceremony", "commit", "2", "--secret", SECRET_2],
        vec![
            "ceremony",
            "witness",
            "2",
            "--name",
            "李明",
            "--role",
            "人大代表",
            "--unit",
            "永州市人大常委会",
        ],
        vec![
            "ceremony",
            "witness",
            "2",
            "--name",
            "陈公正",
            "--role",
            "公证员",
            "--unit",
            "永州市公证处",
        ],
        vec!["ceremony", "close-witnesses", "2"],
        vec!["ceremony", "entropy", "2", "--witness", "1", "3141592"],
        vec!["ceremony", "entropy", "2", "--witness", "2", "2718281"],
        vec!["ceremony", "seed", "2"],
        vec!["ceremony", "reveal", "2"],
        vec!["ceremony", "mark", "2", "第一个检查对象已揭晓"],
        vec!["ceremony", "reveal", "2", "--all"],
        vec!["ceremony", "seal", "2"],
        vec!["ceremony", "record-stop", "2", "--device", "摄像机B"],
        vec!["ceremony", "attach-video", "2", &video],
        vec![
            "ceremony",
            "use-reserve",
            "2",
            "--target",
            TARGET_A,
            "--reason",
            "已停业",
            "--operator",
            "张三",
        ],
        vec![
            "ceremony",
            "assign",
            "2",
            "--target",
            RESERVE_A,
            "--group",
            "2",
            "--reason",
            "回避后人工分派",
            "--operator",
            "张三",
        ],
        vec![
            "result",
            "add",
            "2",
            "--entity",
            TARGET_B,
            "--category",
            "1",
            "--method",
            "实地检查",
            "--check-end",
            "2026-06-10",
        ],
        vec![
            "result",
            "publish",
            "2",
            "--entity",
            TARGET_B,
            "--on",
            "2026-06-10",
        ],
    ];
    steps
        .into_iter()
        .map(|s| s.into_iter().map(str::to_string).collect())
        .collect()
}

/// Every row of every table, in key order, as text: two databases with the same dump hold the same data.
fn dump(db: &std::path::Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mut out = String::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {t} ORDER BY 1")).unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            out.push_str(&t);
            for i in 0..n {
                let v: rusqlite::types::Value = r.get(i).unwrap();
                out.push_str(&format!("|{v:?}"));
            }
            out.push('\n');
        }
    }
    out
}

fn fresh_env() -> Env {
    let env = Env::new();
    scenario_registers(&Db::open(&env.db).unwrap());
    env
}

fn run_step(env: &Env, i: usize, step: &[String], fault: Option<&str>) -> std::process::Output {
    let args: Vec<&str> = step.iter().map(String::as_str).collect();
    let mut cmd = env.cmd(&now(i), &args);
    if let Some(f) = fault {
        cmd.env("FAIRDRAW_FAULT", f);
    }
    cmd.output().unwrap()
}

/// The reference run: the dump before the first step and after each step.
fn reference() -> (Vec<String>, String) {
    let env = fresh_env();
    let steps = script(&env);
    let mut dumps = vec![dump(&env.db)];
    for (i, s) in steps.iter().enumerate() {
        let out = run_step(&env, i, s, None);
        assert!(
            out.status.success(),
            "step {i} {s:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        dumps.push(dump(&env.db));
    }
    let status = env.json(&now(40), &words("ceremony status 2"));
    (
        dumps,
        status["commitment"].as_str().unwrap().to_string() + " " + status["seed"].as_str().unwrap(),
    )
}

#[cfg(unix)]
fn killed(out: &std::process::Output) -> bool {
    use std::os::unix::process::ExitStatusExt;
    out.status.signal() == Some(libc::SIGKILL)
}

/// Runs the scenario with `FAIRDRAW_FAULT=point`, checks the database right after the kill, finishes the
/// scenario and returns a description of what happened.
#[cfg(unix)]
fn kill_at(point: &str, dumps: &[String], reported: &str) -> String {
    let env = fresh_env();
    let steps = script(&env);
    let mut i = 0;
    let mut fired = None;
    while i < steps.len() {
        let fault = if fired.is_none() { Some(point) } else { None };
        let out = run_step(&env, i, &steps[i], fault);
        if fault.is_some() && killed(&out) {
            assert!(
                out.stdout.is_empty(),
                "{point}: nothing may be reported before the commit is done"
            );
            let d = dump(&env.db);
            let done = if d == dumps[i] {
                false
            } else if d == dumps[i + 1] {
                true
            } else {
                panic!(
                    "{point}: after the kill in step {i} {:?} the database is neither the state before nor after it",
                    steps[i]
                );
            };
            let audit = env.run(&now(50), &["audit"]);
            assert!(
                audit.status.success(),
                "{point}: audit after the kill: {}",
                String::from_utf8_lossy(&audit.stdout)
            );
            if d.contains("ceremony|Integer(2)") {
                // Whatever was reported of ceremony 2 so far is what the reference run reported.
                let s = env.json(&now(50), &words("ceremony status 2"));
                for (k, v) in [("commitment", 0), ("seed", 1)] {
                    if let Some(x) = s[k].as_str() {
                        assert_eq!(x, reported.split(' ').nth(v).unwrap(), "{point}: {k} changed");
                    }
                }
            }
            fired = Some((i, done));
            if !done {
                continue; // run the same step again, without the fault
            }
        } else {
            assert!(
                out.status.success(),
                "{point}: step {i} {:?}: {}",
                steps[i],
                String::from_utf8_lossy(&out.stderr)
            );
        }
        i += 1;
    }
    let (step, done) =
        fired.unwrap_or_else(|| panic!("fault point {point} was never reached by the scenario"));
    assert_eq!(
        &dump(&env.db),
        dumps.last().unwrap(),
        "{point}: finishing after the kill gives a different database"
    );
    format!(
        "{point}: killed in step {step} ({})",
        if done { "committed" } else { "rolled back" }
    )
}

#[cfg(unix)]
#[test]
fn killing_the_process_at_every_fault_point_loses_nothing_and_changes_nothing() {
    let (dumps, reported) = reference();
    let points = fairdraw::fault::POINTS;
    let results: Vec<String> = std::thread::scope(|s| {
        let half = points.len() / 2;
        let handles: Vec<_> = [&points[..half], &points[half..]]
            .into_iter()
            .map(|chunk| {
                let (dumps, reported) = (&dumps, &reported);
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|p| kill_at(p, dumps, reported))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.len(), points.len());
    // Before-commit kills roll back, after-commit kills keep the change.
    for r in &results {
        if r.contains(".before_commit:") {
            assert!(r.ends_with("(rolled back)"), "{r}");
        } else {
            assert!(r.ends_with("(committed)"), "{r}");
        }
    }
}

/// Kills `fairdraw ceremony freeze` of a large population at delays spread over the time the freeze takes:
/// each time the ceremony is still `prepared` with nothing stored, or `frozen` with the right fingerprints.
#[cfg(unix)]
#[test]
fn killing_a_heavy_freeze_at_any_moment_leaves_it_prepared_or_frozen() {
    let env = Env::new();
    {
        let mut db = Db::open(&env.db).unwrap();
        let tx = db.conn_mut().transaction().unwrap();
        for i in 0..20_000u32 {
            let class = [RiskClass::A, RiskClass::B, RiskClass::C][(i % 3) as usize];
            registers::upsert_entity(
                &tx,
                &entity(
                    &format!("9143110{i:011}"),
                    &format!("永州第{i}号商行"),
                    "冷水滩区",
                    class,
                ),
            )
            .unwrap();
        }
        for (s, d) in [("S1", "D01"), ("S2", "D01"), ("S3", "D13"), ("S4", "D13")] {
            registers::upsert_inspector(&tx, &inspector(s, "某人", d, "零陵区")).unwrap();
        }
        tx.commit().unwrap();
    }
    let mut r = rules();
    r["quota"] = json!({"mode": "count", "total": 20});
    r["inspectors"]["recuse_same_region"] = json!(false);
    let rules = env.write("rules.json", &r.to_string());
    env.ok(
        &now(0),
        &words("plan create --year 2026 --title 计划 --departments D01,D13"),
    );
    env.ok(
        &now(0),
        &words(&format!("task create --plan 1 --number {TASK} --name 大 --lead D01 --participating D13 --method 书面检查 --rules {rules}")),
    );
    env.ok(&now(0), &words("plan publish 1 --on 2026-06-01 --where 网站"));
    env.ok(&now(0), &words(&format!("ceremony start {TASK} --operator 张三")));
    let prepared = dump(&env.db);

    // A reference freeze on a copy measures the duration and gives the fingerprints.
    let copy = Env::new();
    {
        let conn = rusqlite::Connection::open(&env.db).unwrap();
        conn.execute_batch(&format!("VACUUM INTO '{}'", copy.db.display()))
            .unwrap();
    }
    let started = std::time::Instant::now();
    let reference = copy.json(&now(1), &words("ceremony freeze 1"));
    let duration = started.elapsed();
    let fingerprints = reference["fingerprints"].clone();

    let mut outcomes = Vec::new();
    for i in 1..=10u32 {
        let mut child = env
            .cmd(&now(1), &words("ceremony freeze 1"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(duration * i / 9);
        let _ = child.kill(); // SIGKILL on unix; an error means it had already finished
        child.wait().unwrap();
        let s = env.json(&now(2), &words("ceremony status 1"));
        match s["state"].as_str().unwrap() {
            "prepared" => {
                assert_eq!(
                    dump(&env.db),
                    prepared,
                    "kill {i}: a rolled-back freeze leaves nothing behind"
                );
                outcomes.push("prepared");
            }
            "frozen" => {
                assert_eq!(s["fingerprints"], fingerprints, "kill {i}");
                outcomes.push("frozen");
                break;
            }
            other => panic!("kill {i}: state {other}"),
        }
        assert!(
            env.run(&now(2), &["audit"]).status.success(),
            "kill {i}: the journal must verify"
        );
    }
    if outcomes.last() == Some(&"prepared") {
        env.ok(&now(1), &words("ceremony freeze 1"));
    }
    assert_eq!(
        env.json(&now(3), &words("ceremony status 1"))["fingerprints"],
        fingerprints
    );
    assert!(env.ok(&now(3), &["audit"]).starts_with("audit OK"));
    eprintln!("freeze of 20000 entities: {duration:?}; kills: {outcomes:?}");
    assert!(
        outcomes.contains(&"prepared"),
        "at least one kill must land inside the freeze: {outcomes:?} ({duration:?})"
    );
}

/// While another connection holds the write lock, a writing command fails at once with a clear "busy" error and
/// exit code 4 (after the configurable wait), readers still work, and the database is intact afterwards.
#[test]
fn a_second_writer_gets_a_clear_busy_error_and_exit_code_4() {
    let env = Env::new();
    env.ok(
        &now(0),
        &words("plan create --year 2026 --title 计划 --departments D01"),
    );
    let holder = rusqlite::Connection::open(&env.db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE; INSERT INTO calendar_day (date, kind, name) VALUES ('2026-10-01', 'holiday', '国庆');").unwrap();
    let out = env
        .cmd(
            &now(1),
            &words("plan create --year 2026 --title 第二个 --departments D01"),
        )
        .env("FAIRDRAW_BUSY_TIMEOUT_MS", "200")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(
            "the database is busy (another fairdraw process is using it); try again when it has finished"
        ),
        "{err}"
    );
    // Reading is not blocked by a writer (WAL).
    assert!(env.ok(&now(1), &["plan", "list"]).contains("计划"));
    holder.execute_batch("COMMIT").unwrap();
    drop(holder);
    env.ok(
        &now(2),
        &words("plan create --year 2026 --title 第二个 --departments D01"),
    );
    assert!(
        env.ok(&now(3), &["audit"])
            .starts_with("audit OK: 2 journal entries")
    );
}

/// A database file holding the whole scenario, finished: for the tamper tests.
pub fn finished_scenario() -> Env {
    let env = fresh_env();
    for (i, s) in script(&env).iter().enumerate() {
        let out = run_step(&env, i, s, None);
        assert!(
            out.status.success(),
            "step {i} {s:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    env
}
