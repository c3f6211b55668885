//! Inspection results through the command line: only for targets of a sealed record, the 20-working-day
//! deadline with holidays and make-up workdays, overdue flags relative to the clock, the register's
//! last-inspected date, and the coverage of a department's item list.

use serde_json::{Value, json};

use super::ceremony::{Env, joint_rules, load_demo_registers, words};
use super::crash::finished_scenario;

const LATER: &str = "2026-07-20T10:00:00+08:00";

#[test]
fn results_get_working_day_deadlines_and_overdue_flags() {
    // The scenario imported a calendar with 端午节 (2026-06-19) and recorded a published result for one target.
    let env = finished_scenario();
    let r = env.json(LATER, &words("result list 2"));
    assert_eq!(r[0]["entity_code"], "91431100MA4L0B011X");
    assert_eq!(r[0]["category"], "未发现问题");
    // 2026-06-10 + 20 working days, skipping weekends and 端午节.
    assert_eq!(r[0]["deadline"], "2026-07-09");
    assert_eq!(r[0]["overdue"], false);

    // The replaced target has no result; its reserve has.
    let err = env.fails(
        LATER,
        &words(
            "result add 2 --entity 91431100MA4L0A002X --category 1 --method 实地检查 --check-end 2026-06-12",
        ),
        1,
    );
    assert!(
        err.contains("“91431100MA4L0A002X” is not a target of ceremony 2 (it was replaced by a reserve)"),
        "{err}"
    );
    let err = env.fails(
        LATER,
        &words(
            "result add 2 --entity 91431100MA4L0B001X --category 1 --method 实地检查 --check-end 2026-06-12",
        ),
        1,
    );
    assert!(err.contains("is not a target of ceremony 2"), "{err}");
    let err = env.fails(
        LATER,
        &words("result add 2 --entity 91431100MA4L0A001X --category 罚款 --method 实地检查 --check-end 2026-06-12"),
        1,
    );
    assert!(
        err.contains("category: unknown result category “罚款”; one of: 1 未发现问题;"),
        "{err}"
    );
    let err = env.fails(
        LATER,
        &words(
            "result add 2 --entity 91431100MA4L0A001X --category 1 --method 实地检查 --check-end 2026-06-09",
        ),
        1,
    );
    assert!(
        err.contains("the check end date 2026-06-09 is before the draw date 2026-06-10"),
        "{err}"
    );
    let r = env.json(
        LATER,
        &words("result add 2 --entity 91431100ma4l0a001x --category 通过登记的住所(经营场所)无法联系 --method 实地 --disposal 列入经营异常名录 --check-end 2026-06-12 --remarks 两次上门未见人"),
    );
    assert_eq!(r["category"], "通过登记的住所（经营场所）无法联系");
    assert_eq!(
        r["deadline"], "2026-07-13",
        "from Friday 06-12: 20 working days, 06-19 a holiday"
    );
    assert_eq!(
        r["overdue"], true,
        "not published and 2026-07-20 is after the deadline"
    );
    let err = env.fails(
        LATER,
        &words(
            "result add 2 --entity 91431100MA4L0A001X --category 1 --method 实地检查 --check-end 2026-06-12",
        ),
        1,
    );
    assert!(
        err.contains("the result for “91431100MA4L0A001X” is already recorded"),
        "{err}"
    );
    let overdue = env.ok(LATER, &words("result list --overdue"));
    assert_eq!(
        overdue,
        "永市监抽〔2026〕8号\t91431100MA4L0A001X\t通过登记的住所（经营场所）无法联系\t实地检查\t2026-06-12\t2026-07-13\tOVERDUE\n"
    );
    let r = env.json(
        LATER,
        &words("result publish 2 --entity 91431100MA4L0A001X --on 2026-07-15"),
    );
    assert_eq!(r["published_late"], true);
    assert_eq!(r["overdue"], false);

    // The register remembers the inspection, so later tasks can exclude the entity.
    let db = env.open();
    let e = fairdraw::registers::get_entity(db.conn(), "91431100MA4L0A001X")
        .unwrap()
        .unwrap();
    assert_eq!(e.last_inspected, chrono::NaiveDate::from_ymd_opt(2026, 6, 12));

    // A later calendar with a make-up workday moves the deadline of unpublished results only.
    let cal = env.write("more.csv", "date,kind,name\n2026-06-27,workday,调休上班\n");
    let out = env.json(LATER, &["calendar", "import", &cal]);
    assert_eq!(out["deadlines_changed"], 0, "both results are published");
    assert!(env.ok(LATER, &["audit"]).starts_with("audit OK"));
}

#[test]
fn coverage_counts_items_of_tasks_with_a_sealed_draw_and_lists_joint_tasks() {
    let env = Env::new();
    load_demo_registers(&env.db, 400, 120);
    let t0 = "2026-06-10T09:00:00+08:00";
    env.ok(
        t0,
        &words("plan create --year 2026 --title 计划 --departments D01,D13"),
    );
    let rules = env.write("rules.json", &joint_rules().to_string());
    let d01: Vec<String> = fairdraw::demo::items()
        .into_iter()
        .filter(|i| i.department == "D01")
        .map(|i| i.code)
        .collect();
    let d13: Vec<String> = fairdraw::demo::items()
        .into_iter()
        .filter(|i| i.department == "D13")
        .map(|i| i.code)
        .collect();
    let items = format!("{},{},{}", d01[0], d01[1], d13[0]);
    env.ok(
        t0,
        &words(&format!("task create --plan 1 --number 联-1 --name 联合 --lead D01 --participating D13 --items {items} --method 实地检查 --rules {rules}")),
    );
    let single = &d01[2];
    env.ok(
        t0,
        &words(&format!(
            "task create --plan 1 --number 单-2 --name 单部门 --lead D01 --items {single} --method 书面检查 --rules {rules}"
        )),
    );
    env.ok(t0, &words("plan publish 1 --on 2026-06-01 --where 网站"));
    for step in [
        vec!["ceremony", "start", "联-1", "--operator", "张三"],
        vec!["ceremony", "freeze", "1"],
        vec!["ceremony", "commit", "1"],
        vec!["ceremony", "witness", "1", "--name", "李明", "--role", "人大代表"],
        vec!["ceremony", "close-witnesses", "1"],
        vec!["ceremony", "entropy", "1", "--witness", "1", "123456"],
        vec!["ceremony", "seed", "1"],
        vec!["ceremony", "reveal", "1", "--all"],
        vec!["ceremony", "seal", "1"],
    ] {
        env.ok(t0, &step);
    }
    let c = env.json(t0, &words("coverage --department 市场监管局 --year 2026"));
    assert_eq!(c["total"], d01.len());
    assert_eq!(
        c["covered"], 2,
        "the single-department task has no sealed draw yet"
    );
    let covered: Vec<&Value> = c["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| !i["covered_by"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(covered[0]["covered_by"], json!(["联-1"]));
    assert_eq!(
        c["tasks"],
        json!([
            {"number": "联-1", "name": "联合", "departments": ["D01", "D13"], "joint": true, "sealed": true},
            {"number": "单-2", "name": "单部门", "departments": ["D01"], "joint": false, "sealed": false}
        ])
    );
    let text = env.ok(t0, &words("coverage --department D13 --year 2026"));
    assert_eq!(d13.len(), 2, "the demo item list has two items of 卫健委");
    assert!(
        text.starts_with("卫健委 (D13) 2026: 1/2 items covered (50.00%)\n"),
        "{text}"
    );
    let none = env.json(t0, &words("coverage --department D01 --year 2025"));
    assert_eq!(none["covered"], 0);
    assert_eq!(none["tasks"], json!([]));
}
