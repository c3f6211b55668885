//! Public notices (一公开) from a demo ceremony: the item list, plan, task and results notices written as
//! `.xlsx` (read back with calamine), `.csv` and self-contained `.html`; formula neutralising and HTML escaping
//! of hostile text; the task notice's limit on inspector data; refusal of an unsealed ceremony; the command.

use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use fairdraw::clock::{FixedClock, parse_time};
use fairdraw::model::Item;
use fairdraw::notice::{self, Format, Kind};
use fairdraw::record::{RecordData, sample::SampleOptions};
use fairdraw::result::{self, NewResult};
use fairdraw::task::Method;
use fairdraw::{ErrorCode, Lang, registers};

use super::record::Sample;

/// The cells of the one sheet of an `.xlsx` file, as text; the sheet's name must be `sheet`.
fn xlsx_rows(path: &Path, sheet: &str) -> Vec<Vec<String>> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    assert_eq!(wb.sheet_names(), [sheet]);
    let range = wb.worksheet_range(sheet).unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => panic!("a cell that is not text: {other:?}"),
                })
                .collect()
        })
        .collect()
}

/// Checks that an HTML page stands alone: nothing is loaded from elsewhere and nothing runs.
fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    for external in [
        "<script",
        "<link",
        "src=",
        "href=",
        "url(",
        "@import",
        "@font-face",
        "<img",
    ] {
        assert!(!html.contains(external), "{external} in the page");
    }
}

#[test]
fn the_four_notices_of_a_sealed_ceremony_as_xlsx_and_html() {
    let mut s = Sample::new(&SampleOptions::default());
    let dir = s.out();
    std::fs::create_dir_all(&dir).unwrap();
    let data = RecordData::load(s.db.conn(), s.id).unwrap();
    let outcome = data.outcome.clone().unwrap();

    // The item list: every item of the register, with its legal basis.
    let n = notice::items(s.db.conn(), None).unwrap();
    let all_items = registers::list_items(s.db.conn()).unwrap();
    assert_eq!(n.rows.len(), all_items.len());
    let x = notice::write(&n, &dir.join("items.xlsx")).unwrap();
    assert_eq!(
        (x.kind, x.format, x.rows),
        (Kind::Items, Format::Xlsx, all_items.len())
    );
    let rows = xlsx_rows(&dir.join("items.xlsx"), "抽查事项清单");
    assert_eq!(rows[0][..4], ["序号", "实施部门", "事项编码", "抽查事项"]);
    assert_eq!(rows.len(), all_items.len() + 1);
    let d01 = all_items.iter().find(|i| i.code == "D01-001").unwrap();
    let row = rows.iter().find(|r| r[2] == "D01-001").unwrap();
    assert_eq!((&row[3], &row[4]), (&d01.name, &d01.legal_basis));
    // One department only, by name.
    let n = notice::items(s.db.conn(), Some("卫健委")).unwrap();
    assert!(!n.rows.is_empty());
    assert!(n.rows.iter().all(|r| r[1] == "卫健委"), "{:?}", n.rows);
    assert_eq!(n.title, "卫健委随机抽查事项清单");
    let err = notice::items(s.db.conn(), Some("不存在局")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert!(err.message(Lang::Zh).contains("部门“不存在局”不在部门名录中"));

    // The plan: its publication and the task added by the published adjustment.
    let n = notice::plan(s.db.conn(), data.plan.id).unwrap();
    notice::write(&n, &dir.join("plan.html")).unwrap();
    let html = std::fs::read_to_string(dir.join("plan.html")).unwrap();
    assert_self_contained(&html);
    for x in [
        "<title>永州市2026年度部门联合双随机抽查工作计划</title>",
        "2026-06-01 公示于 永州市人民政府门户网站",
        "<td>永市监抽〔2026〕3号</td>",
        "<td>2026年食品经营者联合抽查</td>",
        "市场监管局（牵头）、卫健委",
        "企业信息公示情况检查",
        "共抽取 12 户",
        "2026-06-15 至 2026-07-15",
        "计划调整新增（2026-06-09 公示）",
    ] {
        assert!(html.contains(x), "{x} not in the plan notice:\n{html}");
    }

    // The task: every drawn entity with its group; inspectors by name and certificate number, nothing else.
    let n = notice::task(s.db.conn(), s.id).unwrap();
    assert_eq!(n.rows.len(), outcome.targets.len());
    notice::write(&n, &dir.join("task.html")).unwrap();
    notice::write(&n, &dir.join("task.xlsx")).unwrap();
    let html = std::fs::read_to_string(dir.join("task.html")).unwrap();
    assert_self_contained(&html);
    let rows = xlsx_rows(&dir.join("task.xlsx"), "抽查任务");
    assert_eq!(rows.len(), outcome.targets.len() + 1);
    for (i, t) in outcome.targets.iter().enumerate() {
        let e = &data.entities[&t.code];
        let row = &rows[i + 1];
        assert_eq!(
            row[..4],
            [
                (i + 1).to_string(),
                data.task.number.clone(),
                t.code.clone(),
                e.name.to_string()
            ]
        );
        assert_eq!(row[5], format!("第 {} 组", t.group.unwrap()));
        assert!(html.contains(&format!("<td class=\"code\">{}</td>", t.code)));
    }
    for g in &outcome.groups {
        for m in &g.members {
            let i = &data.inspectors[m];
            let shown = format!("{}（执法证号 {}）", i.name, i.certificate_no);
            assert!(html.contains(&shown), "{shown}");
            assert!(rows.iter().any(|r| r[6].contains(&shown)));
            // No staff number (工号) and no certificate validity in either file.
            assert!(!html.contains(m.as_str()), "staff number {m} published");
            assert!(!rows.iter().flatten().any(|c| c.contains(m.as_str())));
            if !i.certificate_valid_until.is_empty() {
                assert!(!html.contains(i.certificate_valid_until.as_str()));
            }
        }
    }
    assert!(html.contains(data.ceremony.record_hash.as_deref().unwrap()));

    // The results: one recorded result, with the entity's name from the draw.
    let first = &outcome.targets[0].code;
    let clock = FixedClock(parse_time("now", "2026-07-01T10:00:00+08:00").unwrap());
    result::add(
        &mut s.db,
        &clock,
        &NewResult {
            ceremony: s.id,
            entity_code: first.clone(),
            category: "未发现问题".into(),
            method: Method::OnSite,
            disposal: String::new(),
            check_end: chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
            remarks: "=1+2".into(),
            published_on: None,
        },
    )
    .unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
    let n = notice::results(s.db.conn(), s.id, today).unwrap();
    notice::write(&n, &dir.join("results.xlsx")).unwrap();
    notice::write(&n, &dir.join("results.csv")).unwrap();
    let rows = xlsx_rows(&dir.join("results.xlsx"), "抽查结果");
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[1],
        [
            "1",
            "永市监抽〔2026〕3号",
            "2026年食品经营者联合抽查",
            first,
            &data.entities[first].name,
            "实地检查",
            "2026-06-30",
            "未发现问题",
            "",
            "=1+2",
        ]
    );
    // In CSV the formula-like remark gets the apostrophe that keeps it text.
    let csv = std::fs::read_to_string(dir.join("results.csv")).unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains(",'=1+2\r\n"), "{csv}");
}

#[test]
fn hostile_text_stays_text_in_every_format() {
    let s = Sample::new(&SampleOptions::default());
    let dir = s.out();
    std::fs::create_dir_all(&dir).unwrap();
    let mut item = registers::list_items(s.db.conn()).unwrap().remove(0);
    item = Item {
        code: "D99-001".into(),
        name: "=HYPERLINK(\"http://evil\",\"点我\")".into(),
        legal_basis: "<script>alert('x')</script>".into(),
        notes: "@SUM(A1) & \"引号\"".into(),
        ..item
    };
    registers::upsert_item(s.db.conn(), &item).unwrap();
    let n = notice::items(s.db.conn(), None).unwrap();

    notice::write(&n, &dir.join("items.xlsx")).unwrap();
    let rows = xlsx_rows(&dir.join("items.xlsx"), "抽查事项清单");
    let row = rows.iter().find(|r| r[2] == "D99-001").unwrap();
    // String cells: calamine would report a formula cell as something other than `Data::String`.
    assert_eq!(row[3], item.name);
    assert_eq!(row[9], item.notes);

    notice::write(&n, &dir.join("items.csv")).unwrap();
    let csv = std::fs::read_to_string(dir.join("items.csv")).unwrap();
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil\"\",\"\"点我\"\")\""),
        "{csv}"
    );
    assert!(csv.contains("'@SUM(A1)"));

    notice::write(&n, &dir.join("items.html")).unwrap();
    let html = std::fs::read_to_string(dir.join("items.html")).unwrap();
    assert_self_contained(&html);
    assert!(html.contains("<td>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</td>"));
    assert!(html.contains("<td>=HYPERLINK(&quot;http://evil&quot;,&quot;点我&quot;)</td>"));
    assert!(html.contains("@SUM(A1) &amp; &quot;引号&quot;"));

    // Unknown extensions are refused and nothing is written.
    let err = notice::write(&n, &dir.join("items.pdf")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Invalid);
    assert!(err.message(Lang::En).contains(".xlsx, .csv or .html"), "{err:?}");
    assert!(!dir.join("items.pdf").exists());
}

#[test]
fn an_unsealed_ceremony_has_no_task_or_results_notice() {
    let s = Sample::new(&SampleOptions {
        seal: false,
        ..SampleOptions::default()
    });
    let today = chrono::NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
    for err in [
        notice::task(s.db.conn(), s.id).unwrap_err(),
        notice::results(s.db.conn(), s.id, today).unwrap_err(),
    ] {
        assert_eq!(err.code(), ErrorCode::Invalid);
        assert!(
            err.message(Lang::Zh)
                .contains("任务 永市监抽〔2026〕3号 第 2 次摇号尚未封存"),
            "{err:?}"
        );
        assert!(err.message(Lang::En).contains("cannot be published"));
    }
}

#[test]
fn notice_command_writes_by_extension_and_refuses_unknown_ones() {
    let s = Sample::new(&SampleOptions::default());
    let out = s.out();
    std::fs::create_dir_all(&out).unwrap();
    let run = |args: &[&str]| s.run(args);
    let html = out.join("task.html");
    let o = run(&[
        "notice",
        "task",
        "永市监抽〔2026〕3号",
        "--out",
        html.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains(&format!(
            "{}: {} (12 rows)",
            "2026年食品经营者联合抽查抽查对象名单",
            html.display()
        )),
        "{stdout}"
    );
    assert!(std::fs::read_to_string(&html).unwrap().contains("抽查对象名单"));
    let xlsx = out.join("items.xlsx");
    let o = run(&["--json", "notice", "items", "--out", xlsx.to_str().unwrap()]);
    assert!(o.status.success());
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["kind"], "items");
    assert_eq!(j["format"], "xlsx");
    assert!(xlsx.exists());
    let o = run(&[
        "notice",
        "plan",
        "1",
        "--out",
        out.join("plan.txt").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains(".xlsx, .csv or .html"));
    assert!(!out.join("plan.txt").exists());
    // A folder that does not exist is named as such (not as "no such file" on a temporary name), for every
    // format, and nothing is created.
    for name in ["items.html", "items.xlsx", "items.csv"] {
        let missing = out.join("没有的文件夹").join(name);
        let o = run(&["notice", "items", "--out", missing.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(
            String::from_utf8_lossy(&o.stderr).trim_end(),
            format!(
                "error: {}: no such folder; {name} cannot be written there",
                out.join("没有的文件夹").display()
            )
        );
        assert!(!out.join("没有的文件夹").exists());
    }
}
