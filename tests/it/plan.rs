//! Plans and tasks through the command line: publication, recorded adjustments, and the rule that an
//! unpublished plan (or an unpublished adjustment that added a task) may not be carried out.

use serde_json::{Value, json};

use super::ceremony::{Env, joint_rules, words};

const NOW: &str = "2026-03-02T10:00:00+08:00";

#[test]
fn plans_are_published_and_adjusted_with_their_history_kept() {
    let env = Env::new();
    let p = env.json(
        NOW,
        &[
            "plan",
            "create",
            "--year",
            "2026",
            "--title",
            "2026年度双随机抽查计划",
            "--departments",
            "市场监管局,D13, 卫健委 ",
        ],
    );
    assert_eq!(p["departments"], json!(["D01", "D13"]));
    assert_eq!(p["status"], "draft");
    let err = env.fails(
        NOW,
        &words("plan create --year 2026 --title x --departments 外交部"),
        1,
    );
    assert!(err.contains("departments: unknown department “外交部”"), "{err}");
    // An adjustment of a draft is published together with the plan.
    env.ok(
        NOW,
        &words("plan adjust 1 --description 增加说明 --operator 王五 --notes 每年至少一次"),
    );
    let err = env.fails(NOW, &words("plan publish 1 --on 2026-03-03 --where 网站"), 1);
    assert!(
        err.contains("on: the publication date 2026-03-03 is after today 2026-03-02"),
        "{err}"
    );
    let p = env.json(
        NOW,
        &words("plan publish 1 --on 2026-03-01 --where 永州市人民政府门户网站"),
    );
    assert_eq!(p["published_on"], "2026-03-01");
    let err = env.fails(NOW, &words("plan publish 1 --on 2026-03-02 --where 网站"), 1);
    assert!(
        err.contains("plan 1 was already published on 2026-03-01; change it with a plan adjustment"),
        "{err}"
    );

    let a = env.json(
        NOW,
        &words("plan adjust 1 --description 增加联合抽查部门 --operator 王五 --departments D01,D13,D05"),
    );
    assert_eq!(a["before"], json!({"departments": ["D01", "D13"]}));
    assert_eq!(a["after"], json!({"departments": ["D01", "D13", "D05"]}));
    assert_eq!(a["published_on"], Value::Null);
    let err = env.fails(
        NOW,
        &words("plan adjust 1 --description 无变化 --operator 王五 --departments D01,D13,D05"),
        1,
    );
    assert!(err.contains("nothing to adjust"), "{err}");
    env.ok(
        NOW,
        &words("plan publish-adjustment 2 --on 2026-03-02 --where 网站"),
    );
    let err = env.fails(
        NOW,
        &words("plan publish-adjustment 2 --on 2026-03-02 --where 网站"),
        1,
    );
    assert!(
        err.contains("plan adjustment 2 was already published on 2026-03-02"),
        "{err}"
    );

    let show = env.json(NOW, &words("plan show 1"));
    assert_eq!(show["plan"]["departments"], json!(["D01", "D13", "D05"]));
    assert_eq!(show["plan"]["notes"], "每年至少一次");
    let adj = show["adjustments"].as_array().unwrap();
    assert_eq!(adj.len(), 2);
    assert_eq!(adj[0]["published_on"], "2026-03-01", "published with the plan");
    assert_eq!(adj[0]["before"], json!({"notes": ""}));
    assert_eq!(adj[1]["published_where"], "网站");
    let list = env.ok(NOW, &["plan", "list"]);
    assert_eq!(
        list,
        "1\t2026\t2026年度双随机抽查计划\tD01,D13,D05\t已公示 2026-03-01 永州市人民政府门户网站\n"
    );
    assert!(env.ok(NOW, &["audit"]).starts_with("audit OK: 5 journal entries"));
}

#[test]
fn tasks_are_checked_at_the_edge_and_drawable_only_when_published() {
    let env = Env::new();
    env.ok(
        NOW,
        &words("plan create --year 2026 --title 计划 --departments D01,D13"),
    );
    let rules = env.write("rules.json", &joint_rules().to_string());
    let mut bad = joint_rules();
    bad["quota"] = json!({"mode": "ratio", "ratios": [{"stratum": "B", "bp": 100}, {"stratum": "A", "bp": 100}], "default_bp": null});
    let bad = env.write("bad.json", &bad.to_string());
    let recusals = env.write(
        "回避.csv",
        "工号,统一社会信用代码,回避原因\nS1,91431100ma4l00001x,亲属\nS1,91431100MA4L00001X,同学\n",
    );
    let base = [
        "task",
        "create",
        "--plan",
        "1",
        "--number",
        "永市监抽〔2026〕1号",
        "--name",
        "食品抽查",
        "--lead",
        "D01",
        "--participating",
        "卫健委",
        "--method",
        "实地检查",
    ];
    let with = |extra: &[&str]| -> Vec<String> { base.iter().chain(extra).map(|s| s.to_string()).collect() };
    let run = |args: Vec<String>| env.run(NOW, &args.iter().map(String::as_str).collect::<Vec<_>>());
    let out = run(with(&["--rules", &bad]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("rules.quota.ratios"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(with(&words(&format!("--rules {rules} --recusals {recusals}"))));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("row 3: the recusal (S1, 91431100MA4L00001X) repeats"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(with(&words(&format!("--rules {rules} --method 抽签"))));
    assert_eq!(out.status.code(), Some(2), "clap refuses a repeated --method");
    let out = run(with(&words(&format!(
        "--rules {rules} --start 2026-05-01 --end 2026-04-01"
    ))));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("planned_end: the planned end 2026-04-01 is before the planned start 2026-05-01")
    );
    let t = env.json(
        NOW,
        &with(&["--rules", &rules])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(
        t["adjustment"],
        Value::Null,
        "a task of a draft plan is part of the plan"
    );
    assert_eq!(t["rules"]["inspectors"]["departments"], json!(["D01", "D13"]));
    let err = env.fails(
        NOW,
        &words("ceremony start 永市监抽〔2026〕1号 --operator 张三"),
        1,
    );
    assert!(
        err.contains("the plan “计划” of task 永市监抽〔2026〕1号 is not published"),
        "{err}"
    );
    env.ok(NOW, &words("plan publish 1 --on 2026-03-01 --where 网站"));
    // A task added to the published plan is an adjustment, drawable after that adjustment is published.
    let err = env.fails(
        NOW,
        &words(&format!("task create --plan 1 --number 永市监抽〔2026〕2号 --name 追加 --lead D01 --method 书面检查 --rules {rules}")),
        1,
    );
    assert!(
        err.contains("adding a task to a published plan is a plan adjustment and needs an operator"),
        "{err}"
    );
    let t2 = env.json(
        NOW,
        &words(&format!("task create --plan 1 --number 永市监抽〔2026〕2号 --name 追加 --lead D01 --method 书面检查 --rules {rules} --operator 王五")),
    );
    assert_eq!(t2["adjustment"], 1);
    assert_eq!(t2["rules"]["inspectors"]["departments"], json!(["D01"]));
    let show = env.json(NOW, &words("plan show 1"));
    assert_eq!(
        show["adjustments"][0]["description"],
        "新增抽查任务 永市监抽〔2026〕2号 追加"
    );
    assert_eq!(show["tasks"].as_array().unwrap().len(), 2);
    env.ok(NOW, &words("ceremony start 永市监抽〔2026〕1号 --operator 张三"));
    let err = env.fails(
        NOW,
        &words("ceremony start 永市监抽〔2026〕2号 --operator 张三"),
        1,
    );
    assert!(
        err.contains("was added by plan adjustment 1, which is not published yet"),
        "{err}"
    );
    // Tasks are editable until frozen, and the update is journaled with before and after.
    let t = env.json(
        NOW,
        &words("task update 永市监抽〔2026〕1号 --name 食品经营者抽查 --end 2026-06-30"),
    );
    assert_eq!(t["name"], "食品经营者抽查");
    let db = env.open();
    let last = fairdraw::journal::entries(db.conn(), None)
        .unwrap()
        .into_iter()
        .rfind(|e| e.event == "task_updated")
        .unwrap();
    let p: Value = serde_json::from_str(&last.payload).unwrap();
    assert_eq!(p["before"], json!({"name": "食品抽查", "planned_end": null}));
    assert_eq!(
        p["after"],
        json!({"name": "食品经营者抽查", "planned_end": "2026-06-30"})
    );
    let shown = env.ok(NOW, &words("task show 1"));
    assert!(
        shown.starts_with("1\t永市监抽〔2026〕1号\t食品经营者抽查\tD01,D13\t实地检查\n"),
        "{shown}"
    );
}
