//! The four notices, read from the database: each a pure description ([`Notice`]) of what is published.

use chrono::NaiveDate;
use rusqlite::Connection;

use super::{Kind, Notice};
use crate::ceremony::{self, State, inputs};
use crate::draw::DepartmentNames;
use crate::error::{Error, ErrorCode, Result};
use crate::record::{RecordData, TaskItem, wording};
use crate::task::Task;
use crate::{plan as plans, registers, result, task as tasks};

fn department(names: &DepartmentNames, code: &str) -> String {
    names
        .get(code)
        .filter(|n| !n.is_empty())
        .cloned()
        .unwrap_or_else(|| code.to_string())
}

fn columns(headers: &[&str]) -> Vec<String> {
    headers.iter().map(|h| h.to_string()).collect()
}

fn date(d: Option<NaiveDate>) -> String {
    d.map(crate::clock::format_date).unwrap_or_default()
}

fn period(t: &Task) -> String {
    match (t.planned_start, t.planned_end) {
        (None, None) => String::new(),
        (s, e) => format!("{} 至 {}", date(s), date(e)),
    }
}

/// The task's departments: "市场监管局（牵头）、卫健委".
fn task_departments(t: &Task, names: &DepartmentNames) -> String {
    let mut v = vec![format!("{}（牵头）", department(names, &t.lead_department))];
    v.extend(t.participating.iter().map(|d| department(names, d)));
    v.join("、")
}

/// The names of the task's items, from the item list (the code where the list no longer has it).
fn item_names(conn: &Connection, t: &Task) -> Result<String> {
    let mut v = Vec::with_capacity(t.items.len());
    for code in &t.items {
        v.push(registers::get_item(conn, code)?.map_or_else(|| code.clone(), |i| i.name));
    }
    Ok(v.join("；"))
}

/// The item list (抽查事项清单), of one department (code or name) or of all.
pub fn items(conn: &Connection, dept: Option<&str>) -> Result<Notice> {
    let names = inputs::department_names(conn)?;
    let only = match dept {
        Some(d) => Some(registers::find_department(conn, d)?.ok_or_else(|| {
            Error::other(
                ErrorCode::NotFound,
                format!("部门“{d}”不在部门名录中"),
                format!("department \"{d}\" is not in the department register"),
            )
        })?),
        None => None,
    };
    let mut list = registers::list_items(conn)?;
    if let Some(d) = &only {
        list.retain(|i| i.department == d.code);
    }
    list.sort_by(|a, b| (&a.department, &a.code).cmp(&(&b.department, &b.code)));
    let rows = list
        .iter()
        .enumerate()
        .map(|(n, i)| {
            vec![
                (n + 1).to_string(),
                department(&names, &i.department),
                i.code.clone(),
                i.name.clone(),
                i.legal_basis.clone(),
                i.subject.clone(),
                i.object.clone(),
                i.method.clone(),
                i.ratio_frequency.clone(),
                i.notes.clone(),
            ]
        })
        .collect();
    let whose = only.map_or_else(|| "各部门".to_string(), |d| department(&names, &d.code));
    Ok(Notice {
        kind: Kind::Items,
        title: format!("{whose}随机抽查事项清单"),
        subtitle: String::new(),
        intro: vec![("事项数".into(), format!("{} 项", list.len()))],
        columns: columns(&[
            "序号",
            "实施部门",
            "事项编码",
            "抽查事项",
            "抽查依据",
            "抽查主体",
            "抽查对象",
            "抽查方式",
            "抽查比例和频次",
            "备注",
        ]),
        code_columns: vec![2],
        wide: vec![3, 4, 6],
        rows,
        notes: vec!["抽查事项清单实行动态管理，根据法律法规规章修订情况和工作实际及时调整。".into()],
    })
}

/// The plan notice (抽查计划): the plan and its tasks, with the adjustments that added tasks.
pub fn plan(conn: &Connection, id: i64) -> Result<Notice> {
    let p = plans::get(conn, id)?;
    let names = inputs::department_names(conn)?;
    let list = tasks::list(conn, Some(p.id))?;
    let adjustments = plans::adjustments(conn, p.id)?;
    let mut rows = Vec::with_capacity(list.len());
    for (n, t) in list.iter().enumerate() {
        let draw_date = t
            .planned_start
            .or_else(|| NaiveDate::from_ymd_opt(p.year, 1, 1))
            .unwrap_or(NaiveDate::MIN);
        // The quota in words; a task whose rules are not complete yet shows none.
        let quota = inputs::rules_for(t, 1, draw_date, &names)
            .map(|r| wording::quota(&r.quota, r.strata))
            .unwrap_or_default();
        let added = t
            .adjustment
            .and_then(|a| adjustments.iter().find(|x| x.id == a))
            .map(|a| match a.published_on {
                Some(d) => format!("计划调整新增（{} 公示）", crate::clock::format_date(d)),
                None => "计划调整新增".into(),
            })
            .unwrap_or_default();
        rows.push(vec![
            (n + 1).to_string(),
            t.number.clone(),
            t.name.clone(),
            task_departments(t, &names),
            item_names(conn, t)?,
            t.method.as_str().to_string(),
            quota,
            period(t),
            t.result_handling.clone(),
            added,
        ]);
    }
    let mut intro = vec![
        ("计划年度".to_string(), format!("{} 年", p.year)),
        (
            "制定部门".to_string(),
            p.departments
                .iter()
                .map(|d| department(&names, d))
                .collect::<Vec<_>>()
                .join("、"),
        ),
        ("抽查任务".to_string(), format!("{} 项", list.len())),
    ];
    if let Some(d) = p.published_on {
        intro.push((
            "公示".into(),
            format!(
                "{} 公示于 {}",
                crate::clock::format_date(d),
                p.published_where.clone().unwrap_or_default()
            ),
        ));
    }
    if !p.notes.is_empty() {
        intro.push(("说明".into(), p.notes.clone()));
    }
    Ok(Notice {
        kind: Kind::Plan,
        title: p.title.clone(),
        subtitle: String::new(),
        intro,
        columns: columns(&[
            "序号",
            "任务编号",
            "任务名称",
            "抽查部门",
            "抽查事项",
            "抽查方式",
            "抽查比例或数量",
            "实施时间",
            "结果处理",
            "备注",
        ]),
        code_columns: vec![],
        wide: vec![2, 4, 6],
        rows,
        notes: vec!["未经公示的随机抽查工作计划不得实施；计划调整后重新公示。".into()],
    })
}

/// The record data of a sealed ceremony; a notice never publishes a draw that is not sealed.
fn sealed(conn: &Connection, id: i64) -> Result<RecordData> {
    let c = ceremony::get(conn, id)?;
    if c.state != State::Sealed {
        return Err(Error::other(
            ErrorCode::Invalid,
            format!(
                "任务 {} 第 {} 次摇号尚未封存（{}），不能公示",
                c.task_number,
                c.attempt,
                c.state.as_str()
            ),
            format!(
                "attempt {} of task {} is not sealed ({}); it cannot be published",
                c.attempt,
                c.task_number,
                c.state.as_str()
            ),
        ));
    }
    RecordData::load(conn, id)
}

fn task_intro(data: &RecordData) -> Result<Vec<(String, String)>> {
    let t = &data.task;
    let c = &data.ceremony;
    let items: Vec<String> = data
        .items
        .iter()
        .map(|i| match i {
            TaskItem::Known(item) => item.name.clone(),
            TaskItem::Missing(code) => code.clone(),
        })
        .collect();
    Ok(vec![
        ("任务编号".into(), t.number.clone()),
        ("任务名称".into(), t.name.clone()),
        ("抽查部门".into(), task_departments(t, &data.departments)),
        ("抽查事项".into(), items.join("；")),
        ("抽查方式".into(), t.method.as_str().into()),
        ("实施时间".into(), period(t)),
        (
            "摇号".into(),
            format!(
                "{} 第 {} 次摇号，记录哈希 {}",
                crate::clock::format_date(c.draw_date),
                c.attempt,
                c.record_hash.clone().unwrap_or_default()
            ),
        ),
    ])
}

/// The task notice: the entities to inspect (after reserves replaced targets) with their groups, inspectors
/// by name and certificate number only.
pub fn task(conn: &Connection, ceremony_id: i64) -> Result<Notice> {
    let data = sealed(conn, ceremony_id)?;
    let Some(o) = &data.outcome else {
        return Err(Error::other(
            ErrorCode::Corrupt,
            format!("摇号 {ceremony_id} 已封存但没有抽取结果"),
            format!("ceremony {ceremony_id} is sealed but has no outcome"),
        ));
    };
    let staff = |m: &String| match data.inspectors.get(m) {
        Some(i) if !i.certificate_no.is_empty() => format!("{}（执法证号 {}）", i.name, i.certificate_no),
        Some(i) => i.name.clone(),
        None => m.clone(),
    };
    let group_staff = |g: Option<u32>| -> String {
        g.and_then(|g| o.groups.iter().find(|x| x.number == g))
            .map(|g| g.members.iter().map(staff).collect::<Vec<_>>().join("\n"))
            .unwrap_or_default()
    };
    let manual = |code: &str| data.manual_assignments.iter().rev().find(|m| m.target == code);
    let t = &data.task;
    let mut rows = Vec::with_capacity(o.targets.len());
    let mut push = |code: &str, group: Option<u32>, note: String| {
        let e = data.entities.get(code);
        let group = manual(code).map(|m| m.group).or(group);
        rows.push(vec![
            (rows.len() + 1).to_string(),
            t.number.clone(),
            code.to_string(),
            e.map_or_else(String::new, |e| e.name.clone()),
            e.map_or_else(String::new, |e| e.address.clone()),
            group.map_or_else(|| "未分派".into(), |g| format!("第 {g} 组")),
            group_staff(group),
            note,
        ]);
    };
    for target in &o.targets {
        match data.reserves_used.iter().find(|r| r.target == target.code) {
            None => push(&target.code, target.group, String::new()),
            Some(r) => push(
                &r.reserve,
                r.group.or(target.group),
                format!("备选对象，替补 {}", r.target),
            ),
        }
    }
    Ok(Notice {
        kind: Kind::Task,
        title: format!("{}抽查对象名单", t.name),
        subtitle: format!("任务编号：{}", t.number),
        intro: task_intro(&data)?,
        columns: columns(&[
            "序号",
            "任务编号",
            "统一社会信用代码",
            "检查对象名称",
            "住所",
            "检查组",
            "检查人员",
            "备注",
        ]),
        code_columns: vec![2],
        wide: vec![3, 4, 6],
        rows,
        notes: vec![
            "检查对象和执法检查人员由公开摇号随机抽取，摇号过程全程录像，摇号记录和记录包可复核。".into(),
        ],
    })
}

/// The results notice (抽查结果) of a sealed ceremony: one row per recorded result.
pub fn results(conn: &Connection, ceremony_id: i64, today: NaiveDate) -> Result<Notice> {
    let data = sealed(conn, ceremony_id)?;
    let t = &data.task;
    let list = result::list(conn, today, Some(ceremony_id))?;
    let rows = list
        .iter()
        .enumerate()
        .map(|(n, r)| {
            let name = data.entities.get(&r.entity_code).map(|e| e.name.clone());
            vec![
                (n + 1).to_string(),
                t.number.clone(),
                t.name.clone(),
                r.entity_code.clone(),
                name.unwrap_or_default(),
                r.method.clone(),
                crate::clock::format_date(r.check_end),
                r.category.clone(),
                r.disposal.clone(),
                r.remarks.clone(),
            ]
        })
        .collect();
    let mut intro = task_intro(&data)?;
    intro.push(("结果".into(), format!("{} 户", list.len())));
    Ok(Notice {
        kind: Kind::Results,
        title: format!("{}抽查结果", t.name),
        subtitle: format!("任务编号：{}", t.number),
        intro,
        columns: columns(&[
            "序号",
            "任务编号",
            "任务名称",
            "统一社会信用代码",
            "检查对象名称",
            "核查方式",
            "检查完成日期",
            "抽查结果",
            "处置情况",
            "备注",
        ]),
        code_columns: vec![3],
        wide: vec![2, 4, 7, 8],
        rows,
        notes: vec!["抽查结果自检查结束之日起 20 个工作日内通过国家企业信用信息公示系统向社会公示。".into()],
    })
}
