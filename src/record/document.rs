//! The record (摇号记录) as a PDF document: a pure mapping from [`RecordData`] to `pdf::Document`.
//!
//! The order follows what a supervisor checks: what the task was and that its plan was published; which items,
//! which population and which rules; the fingerprints that froze them; where the randomness came from (the
//! app's commitment and revealed secret, each witness's digits) and the seed; what was drawn, with the reserve
//! list; what happened afterwards (reserves used, manual assignments); voided attempts; the timeline with video
//! offsets; the video files; how to verify; and the signatures. A record that is not sealed is a draft: every
//! page header carries the mark "草稿 / 未封存" and it has no record hash or QR code.

use std::collections::HashMap;

use serde_json::Value;

use super::data::{RecordData, TaskItem, payload};
use super::wording;
use crate::ceremony::State;
use crate::draw::{DrawEntity, StrataBy};
use crate::journal::{Entry, Event};
use crate::pdf::{Align, Block, Column, Document, Signatory, Table};

/// The title of every record.
pub const TITLE: &str = "双随机抽查摇号记录";
/// The mark printed in every page header of a record that is not sealed.
pub const DRAFT_MARK: &str = "草稿 / 未封存";
/// Runs of more consecutive reveal entries than this are printed as one timeline row (the bundle keeps
/// every entry); shorter runs are printed entry by entry.
const REVEAL_RUN_LIMIT: usize = 30;
const CODE_HEADER: &str = "统一社会信用代码";
/// Codes are set in the fixed-pitch font (0.6 em a character): 18 characters at 9 pt and the cell padding.
const CODE_WIDTH: f32 = 38.0;
/// Wide enough for "未分类" (the short stratum names) on one line.
const STRATUM_WIDTH: f32 = 13.5;

/// What the QR code of a sealed record carries: the record hash and the bundle's file name, so a scanned
/// page leads to the electronic record it belongs to.
pub fn qr_payload(record_hash: &str, bundle_name: &str) -> String {
    format!("fairdraw-record:sha256={record_hash};file={bundle_name}")
}

/// The record id printed in every page header: task number, attempt, and the first 12 hex digits of the
/// record hash (or "草稿" for a draft).
pub fn record_id(data: &RecordData) -> String {
    let c = &data.ceremony;
    match (&c.record_hash, data.is_sealed()) {
        (Some(h), true) => format!("{} 第{}次 {}", c.task_number, c.attempt, &h[..h.len().min(12)]),
        _ => format!("{} 第{}次 草稿", c.task_number, c.attempt),
    }
}

/// Section headings are numbered as they are added, so optional sections leave no gaps.
struct Sections {
    blocks: Vec<Block>,
    n: usize,
}

const NUMERALS: [&str; 20] = [
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五",
    "十六", "十七", "十八", "十九", "二十",
];

impl Sections {
    fn heading(&mut self, text: &str) {
        let numeral = NUMERALS.get(self.n).copied().unwrap_or("");
        self.n += 1;
        self.blocks.push(Block::Heading(1, format!("{numeral}、{text}")));
    }

    fn sub(&mut self, text: &str) {
        self.blocks.push(Block::Heading(2, text.into()));
    }

    fn push(&mut self, b: Block) {
        self.blocks.push(b);
    }

    fn para(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Paragraph(text.into()));
    }
}

fn kv(pairs: Vec<(&str, String)>) -> Block {
    Block::KeyValues(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn mono(pairs: Vec<(&str, String)>) -> Block {
    Block::Mono(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn or_dash(s: &str) -> String {
    if s.trim().is_empty() {
        "—".into()
    } else {
        s.to_string()
    }
}

/// Builds the record document.
pub fn document(data: &RecordData) -> Document {
    let c = &data.ceremony;
    let sealed = data.is_sealed();
    let mut s = Sections {
        blocks: Vec::new(),
        n: 0,
    };
    overview(&mut s, data);
    seal(&mut s, data);
    items(&mut s, data);
    population(&mut s, data);
    inspector_rules(&mut s, data);
    fingerprints(&mut s, data);
    randomness(&mut s, data);
    results(&mut s, data);
    after_seal(&mut s, data);
    voided(&mut s, data);
    timeline(&mut s, data);
    videos(&mut s, data);
    verify(&mut s, data);
    signatures(&mut s, data);
    let title = match (sealed, c.state) {
        (true, _) => TITLE.to_string(),
        (false, State::Voided) => format!("{TITLE}（已作废）"),
        (false, _) => format!("{TITLE}（草稿）"),
    };
    Document {
        record_id: record_id(data),
        title,
        subtitle: format!(
            "{}\n任务编号：{}　第 {} 次摇号",
            c.task_name, c.task_number, c.attempt
        ),
        mark: if sealed { String::new() } else { DRAFT_MARK.into() },
        blocks: s.blocks,
    }
}

fn overview(s: &mut Sections, data: &RecordData) {
    let c = &data.ceremony;
    let t = &data.task;
    let p = &data.plan;
    s.heading("基本情况");
    let status = match c.state {
        State::Sealed => format!(
            "已封存（{}）",
            wording::time(c.sealed_at.as_deref().unwrap_or(""))
        ),
        State::Voided => format!(
            "已作废（{}，作废时状态：{}）；本记录为草稿，未封存",
            wording::time(c.voided_at.as_deref().unwrap_or("")),
            c.voided_in_state
                .as_deref()
                .and_then(State::parse)
                .map_or("—", State::label_zh)
        ),
        other => format!("进行中（{}）；本记录为草稿，未封存", other.label_zh()),
    };
    let attempt = if data.voided.is_empty() {
        format!("第 {} 次", c.attempt)
    } else {
        format!(
            "第 {} 次（此前作废 {} 次，见“作废的摇号”）",
            c.attempt,
            data.voided.len()
        )
    };
    let published = match (p.published_on, &p.published_where) {
        (Some(d), Some(w)) => format!("{} 公示于 {w}", crate::clock::format_date(d)),
        (Some(d), None) => format!("{} 公示", crate::clock::format_date(d)),
        _ => "未公示".into(),
    };
    // The task's name and number are in the subtitle above.
    let mut rows = vec![
        ("摇号次数", attempt),
        ("记录状态", status),
        ("抽查计划", format!("{}（{} 年度）", p.title, p.year)),
        ("计划公示", published),
    ];
    if !data.adjustments.is_empty() {
        let lines: Vec<String> = data
            .adjustments
            .iter()
            .map(|a| {
                let publication = match (a.published_on, &a.published_where) {
                    (Some(d), Some(w)) => format!("{} 公示于 {w}", crate::clock::format_date(d)),
                    (Some(d), None) => format!("{} 公示", crate::clock::format_date(d)),
                    _ => "未公示".into(),
                };
                let mark = if t.adjustment == Some(a.id) {
                    "（本任务由此调整列入计划）"
                } else {
                    ""
                };
                format!("第 {} 号：{}{mark}；{publication}", a.id, a.description)
            })
            .collect();
        rows.push(("计划调整", lines.join("\n")));
    }
    rows.push(("牵头部门", data.department(&t.lead_department)));
    rows.push((
        "参与部门",
        if t.participating.is_empty() {
            "无（本部门抽查）".into()
        } else {
            let names: Vec<String> = t.participating.iter().map(|d| data.department(d)).collect();
            format!("{}（联合抽查）", names.join("、"))
        },
    ));
    rows.push(("检查方式", t.method.as_str().to_string()));
    let planned = match (t.planned_start, t.planned_end) {
        (Some(a), Some(b)) => format!(
            "{} 至 {}",
            crate::clock::format_date(a),
            crate::clock::format_date(b)
        ),
        (Some(a), None) => format!("{} 起", crate::clock::format_date(a)),
        (None, Some(b)) => format!("至 {}", crate::clock::format_date(b)),
        (None, None) => "—".into(),
    };
    rows.push(("计划实施时间", planned));
    rows.push(("结果处理", or_dash(&t.result_handling)));
    rows.push(("摇号日期", crate::clock::format_date(c.draw_date)));
    rows.push(("摇号开始", wording::time(&c.started_at)));
    rows.push(("操作人员", c.operator.clone()));
    s.push(kv(rows));
}

fn seal(s: &mut Sections, data: &RecordData) {
    let c = &data.ceremony;
    s.heading("记录哈希");
    match (&c.record_hash, data.is_sealed()) {
        (Some(hash), true) => {
            s.push(mono(vec![
                ("记录哈希 (record hash)", hash.clone()),
                (
                    "日志头 (journal head)",
                    c.journal_head.clone().unwrap_or_default(),
                ),
            ]));
            s.push(qr(data, hash));
        }
        _ => s.para(
            "本记录尚未封存，没有记录哈希和二维码，不能代替封存后的正式记录；每页页眉标有“草稿 / 未封存”。",
        ),
    }
}

/// The QR code of a sealed record with what it holds spelled out beside it.
fn qr(data: &RecordData, hash: &str) -> Block {
    Block::Qr {
        payload: qr_payload(hash, &data.bundle_name),
        caption: format!(
            "记录包文件：{}\n封存时间：{}\n二维码内容为记录哈希和记录包文件名，用于核对纸质记录与电子记录包是否对应。",
            data.bundle_name,
            wording::time(data.ceremony.sealed_at.as_deref().unwrap_or(""))
        ),
    }
}

fn items(s: &mut Sections, data: &RecordData) {
    s.heading("抽查事项");
    if data.items.is_empty() {
        s.para("本任务未列出抽查事项。");
        return;
    }
    let rows = data
        .items
        .iter()
        .map(|i| match i {
            TaskItem::Known(item) => vec![
                item.code.clone(),
                item.name.clone(),
                data.department(&item.department),
                or_dash(&item.legal_basis),
            ],
            TaskItem::Missing(code) => vec![
                code.clone(),
                "（抽查事项清单中已无此事项）".into(),
                "—".into(),
                "—".into(),
            ],
        })
        .collect();
    s.push(Block::Table(Table {
        columns: vec![
            Column::fixed("事项编码", 22.0),
            Column::new("抽查事项", 2.0),
            Column::fixed("部门", 24.0),
            Column::new("抽查依据", 3.0),
        ],
        rows,
    }));
}

fn population(s: &mut Sections, data: &RecordData) {
    s.heading("检查对象范围与抽取规则");
    let Some(rules) = &data.rules else {
        s.para("本次摇号在冻结输入之前结束，没有可打印的规则。");
        return;
    };
    let by = rules.strata;
    let mut rows = vec![
        ("对象范围", wording::scope(&rules.scope)),
        ("排除条件", wording::exclusions(&rules.exclusions)),
    ];
    if let Some(sum) = &data.summary {
        let excluded: u32 = sum.excluded.iter().map(|x| x.count).sum();
        let by_reason: Vec<String> = sum
            .excluded
            .iter()
            .map(|x| format!("{} {} 户", wording::exclusion_reason(&x.reason), x.count))
            .collect();
        rows.push(("符合范围的对象", format!("{} 户", sum.population)));
        rows.push(("排除", format!("共 {excluded} 户（{}）", by_reason.join("，"))));
        rows.push((
            "参与抽取",
            format!("{} 户", sum.population.saturating_sub(excluded)),
        ));
    }
    rows.push(("分层", wording::strata(by).to_string()));
    rows.push(("抽取数量", wording::quota(&rules.quota, by)));
    rows.push(("备选名单", wording::reserve(rules.reserve_per_stratum)));
    if let Some(sum) = &data.summary {
        rows.push(("本次抽取", format!("{} 户", sum.targets)));
    }
    s.push(kv(rows));
    if let Some(sum) = &data.summary {
        let rows = sum
            .strata
            .iter()
            .map(|x| {
                vec![
                    wording::stratum(by, &x.key),
                    x.size.to_string(),
                    wording::quota_for(&rules.quota, &x.key),
                    x.quota.to_string(),
                    x.reserve.to_string(),
                ]
            })
            .collect();
        s.push(Block::Table(Table {
            columns: vec![
                Column::new("分层", 2.0),
                Column::fixed("可抽取对象数", 26.0).align(Align::Right),
                Column::new("抽取规则", 2.0),
                Column::fixed("抽取数", 18.0).align(Align::Right),
                Column::fixed("备选数", 18.0).align(Align::Right),
            ],
            rows,
        }));
    }
    if !rules.exclusions.entities.is_empty() {
        s.sub("逐户排除的对象");
        let rows = rules
            .exclusions
            .entities
            .iter()
            .map(|x| {
                let name = data.entities.get(&x.code).map_or_else(
                    || "（不在本次对象范围内，不起作用）".to_string(),
                    |e| e.name.clone(),
                );
                vec![x.code.clone(), name, x.reason.clone()]
            })
            .collect();
        s.push(Block::Table(Table {
            columns: vec![
                Column::fixed(CODE_HEADER, CODE_WIDTH).mono(),
                Column::new("名称", 3.0),
                Column::new("排除原因", 2.0),
            ],
            rows,
        }));
    }
}

fn inspector_rules(s: &mut Sections, data: &RecordData) {
    let Some(rules) = &data.rules else {
        return;
    };
    s.heading("检查人员与分组规则");
    let mut rows =
        wording::inspector_rules(rules, &data.departments, data.summary.as_ref().map(|x| x.groups));
    if let Some(sum) = &data.summary {
        let not: Vec<String> = sum
            .ineligible_inspectors
            .iter()
            .filter(|x| x.count > 0)
            .map(|x| format!("{} {} 名", wording::ineligible_reason(&x.reason), x.count))
            .collect();
        let not = if not.is_empty() {
            String::new()
        } else {
            format!("；不符合条件：{}", not.join("，"))
        };
        rows.push((
            "人员名录".to_string(),
            format!(
                "参与部门的执法检查人员 {} 名，符合条件 {} 名{not}",
                sum.inspectors, sum.eligible_inspectors
            ),
        ));
        rows.push(("回避名单".to_string(), format!("{} 条", sum.recusals)));
    }
    s.push(Block::KeyValues(rows));
}

fn fingerprints(s: &mut Sections, data: &RecordData) {
    let c = &data.ceremony;
    let Some(fp) = &c.fingerprints else {
        return;
    };
    s.heading("校验值（指纹，SHA-256）");
    s.para("冻结输入时计算，摇号前已在屏幕上公示；名录、规则或回避名单的任何改动都会改变对应的指纹。");
    let mut rows = vec![
        ("检查对象名录 (population)", fp.population.clone()),
        ("检查人员名录 (inspectors)", fp.inspectors.clone()),
        ("回避名单 (recusals)", fp.recusals.clone()),
        ("摇号规则 (rules)", fp.rules.clone()),
        ("输入总指纹 (inputs)", fp.inputs.clone()),
    ];
    if let Some(o) = &c.fp_outcome {
        rows.push(("摇号结果 (outcome)", o.clone()));
    }
    s.push(mono(rows));
}

fn randomness(s: &mut Sections, data: &RecordData) {
    let c = &data.ceremony;
    if c.commitment.is_none() && data.witnesses.is_empty() {
        return;
    }
    s.heading("随机数来源与种子");
    s.para(
        "系统先生成密钥，只公示其承诺值（密钥的哈希）；见证人现场贡献随机数字后，系统公开密钥，\
         由输入总指纹、系统密钥和全部见证人随机数计算种子。任何人都可以核对承诺值与密钥是否相符，并重新计算种子\
         （docs/draw-protocol.md §5）。",
    );
    let mut rows = Vec::new();
    if let Some(commitment) = &c.commitment {
        rows.push(("系统密钥承诺值 (commitment)", commitment.clone()));
    }
    match &c.secret {
        Some(secret) => rows.push(("系统密钥（已公开，secret）", secret.clone())),
        None if c.commitment.is_some() => rows.push(("系统密钥", "尚未公开（生成种子时公开）".to_string())),
        None => {}
    }
    if !rows.is_empty() {
        s.push(mono(rows));
    }
    s.push(kv(vec![
        (
            "密钥来源",
            wording::secret_source(c.secret_source.as_deref()).to_string(),
        ),
        (
            "算法版本",
            data.rules
                .as_ref()
                .map_or_else(|| crate::draw::ALGORITHM.to_string(), |r| r.algorithm.clone()),
        ),
    ]));
    if !data.witnesses.is_empty() {
        s.sub("监督见证人及其随机数");
        let rows = data
            .witnesses
            .iter()
            .map(|w| {
                vec![
                    w.seq.to_string(),
                    w.name.clone(),
                    w.role.clone(),
                    or_dash(&w.unit),
                    w.entropy.clone().unwrap_or_else(|| "（未贡献）".into()),
                    w.entropy_at.as_deref().map_or("—".into(), wording::time),
                ]
            })
            .collect();
        s.push(Block::Table(Table {
            columns: vec![
                Column::fixed("序号", 11.0).align(Align::Center),
                Column::new("姓名", 1.2),
                Column::new("身份", 1.2),
                Column::new("单位", 2.2),
                Column::new("随机数", 1.6),
                Column::fixed("贡献时间", 27.0),
            ],
            rows,
        }));
    }
    if let Some(seed) = &c.seed {
        s.push(mono(vec![("种子 (seed)", seed.clone())]));
    }
}

/// "张三（组长）、李四、王五" for a group, with departments.
fn group_members(data: &RecordData, members: &[String], leader: Option<&str>) -> Vec<String> {
    members
        .iter()
        .map(|m| {
            let (name, dep) = data.inspectors.get(m).map_or((m.clone(), String::new()), |i| {
                (i.name.clone(), data.department(&i.department))
            });
            let role = if Some(m.as_str()) == leader {
                "，组长"
            } else {
                ""
            };
            if dep.is_empty() {
                format!("{name}（{m}{role}）")
            } else {
                format!("{name}（{dep}，{m}{role}）")
            }
        })
        .collect()
}

fn place(e: Option<&DrawEntity>) -> String {
    match e {
        Some(e) if !e.address.is_empty() && !e.region.is_empty() && !e.address.contains(&e.region) => {
            format!("{}（{}）", e.address, e.region)
        }
        Some(e) if !e.address.is_empty() => e.address.clone(),
        Some(e) => or_dash(&e.region),
        None => "—".into(),
    }
}

fn results(s: &mut Sections, data: &RecordData) {
    let Some(o) = &data.outcome else {
        return;
    };
    let by = data.rules.as_ref().map_or(StrataBy::None, |r| r.strata);
    s.heading("抽取结果");
    s.para(format!(
        "共抽取检查对象 {} 户，分为 {} 个检查组。序号即抽取顺序（揭晓顺序）。",
        o.targets.len(),
        o.groups.len()
    ));
    // Short names per group for the results table: "张三（组长）、李四".
    let short: HashMap<u32, String> = o
        .groups
        .iter()
        .map(|g| {
            let names: Vec<String> = g
                .members
                .iter()
                .map(|m| {
                    let name = data.inspectors.get(m).map_or(m.as_str(), |i| i.name.as_str());
                    if g.leader.as_deref() == Some(m.as_str()) {
                        format!("{name}（组长）")
                    } else {
                        name.to_string()
                    }
                })
                .collect();
            (g.number, names.join("\n"))
        })
        .collect();
    let rows = o
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let e = data.entities.get(&t.code);
            vec![
                (i + 1).to_string(),
                t.code.clone(),
                e.map_or("—".into(), |e| e.name.clone()),
                place(e),
                wording::stratum_short(by, &t.stratum),
                t.group.map_or("未分派".into(), |g| g.to_string()),
                t.group
                    .and_then(|g| short.get(&g).cloned())
                    .unwrap_or_else(|| "—".into()),
            ]
        })
        .collect();
    s.push(Block::Table(Table {
        columns: vec![
            Column::fixed("序号", 10.0).align(Align::Right),
            Column::fixed(CODE_HEADER, CODE_WIDTH).mono(),
            Column::new("名称", 1.1),
            Column::new("住所（所属区域）", 1.0),
            Column::fixed("分层", STRATUM_WIDTH).align(Align::Center),
            Column::fixed("组", 10.0).align(Align::Center),
            Column::fixed("检查人员", 26.0),
        ],
        rows,
    }));
    if !o.groups.is_empty() {
        s.sub("检查组");
        let rows = o
            .groups
            .iter()
            .map(|g| {
                vec![
                    g.number.to_string(),
                    group_members(data, &g.members, g.leader.as_deref()).join("\n"),
                    g.targets.len().to_string(),
                ]
            })
            .collect();
        s.push(Block::Table(Table {
            columns: vec![
                Column::fixed("组", 10.0).align(Align::Center),
                Column::new("成员（部门，工号）；组长列第一", 1.0),
                Column::fixed("检查对象数", 22.0).align(Align::Right),
            ],
            rows,
        }));
    }
    s.sub("备选名单（替补顺序）");
    if o.reserves.is_empty() {
        s.para("无备选对象。");
    } else {
        let used: HashMap<&str, &str> = data
            .reserves_used
            .iter()
            .map(|r| (r.reserve.as_str(), r.target.as_str()))
            .collect();
        let mut position: HashMap<&str, usize> = HashMap::new();
        let rows = o
            .reserves
            .iter()
            .map(|r| {
                let n = position.entry(r.stratum.as_str()).or_insert(0);
                *n += 1;
                let e = data.entities.get(&r.code);
                vec![
                    wording::stratum_short(by, &r.stratum),
                    n.to_string(),
                    r.code.clone(),
                    e.map_or("—".into(), |e| e.name.clone()),
                    e.map_or("—".into(), |e| or_dash(&e.region)),
                    used.get(r.code.as_str())
                        .map_or(String::new(), |t| format!("已替补 {t}")),
                ]
            })
            .collect();
        s.push(Block::Table(Table {
            columns: vec![
                Column::fixed("分层", STRATUM_WIDTH).align(Align::Center),
                Column::fixed("顺序", 11.0).align(Align::Right),
                Column::fixed(CODE_HEADER, CODE_WIDTH).mono(),
                Column::new("名称", 3.0),
                Column::new("所属区域", 1.2),
                Column::new("使用情况", 1.6),
            ],
            rows,
        }));
    }
    if !o.unassigned.is_empty() {
        s.sub("未分派的检查对象");
        s.para(
            "以下对象与抽中的各检查组都有回避关系，按规则不自动分派（不以备选对象替换），由人工分派并记录在案。",
        );
        let rows = o
            .unassigned
            .iter()
            .map(|code| {
                let manual = data.manual_assignments.iter().rev().find(|m| &m.target == code);
                vec![
                    code.clone(),
                    data.entities.get(code).map_or("—".into(), |e| e.name.clone()),
                    manual.map_or("尚未分派".into(), |m| {
                        format!(
                            "人工分派至第 {} 组：{}（{}，{}）",
                            m.group,
                            m.reason,
                            m.operator,
                            wording::time(&m.assigned_at)
                        )
                    }),
                ]
            })
            .collect();
        s.push(Block::Table(Table {
            columns: vec![
                Column::fixed(CODE_HEADER, CODE_WIDTH).mono(),
                Column::new("名称", 2.0),
                Column::new("处理", 3.0),
            ],
            rows,
        }));
    }
}

fn after_seal(s: &mut Sections, data: &RecordData) {
    let o_unassigned: Vec<&str> = data
        .outcome
        .as_ref()
        .map(|o| o.unassigned.iter().map(String::as_str).collect())
        .unwrap_or_default();
    // Manual assignments of unassigned targets are shown with them; the others (reserves that could not keep
    // the group) are listed here.
    let other_manual: Vec<_> = data
        .manual_assignments
        .iter()
        .filter(|m| !o_unassigned.contains(&m.target.as_str()))
        .collect();
    if data.reserves_used.is_empty() && other_manual.is_empty() {
        return;
    }
    s.heading("封存后的补充（替补与人工分派）");
    s.para("以下为封存后按规则追加的记录，不改变封存的抽取结果和记录哈希，每项都已记入日志。");
    if !data.reserves_used.is_empty() {
        let rows = data
            .reserves_used
            .iter()
            .map(|r| {
                vec![
                    r.target.clone(),
                    format!(
                        "{}\n{}",
                        r.reserve,
                        data.entities.get(&r.reserve).map_or("", |e| e.name.as_str())
                    ),
                    r.group.map_or("待人工分派".into(), |g| g.to_string()),
                    r.reason.clone(),
                    format!("{}\n{}", r.operator, wording::time(&r.used_at)),
                ]
            })
            .collect();
        s.push(Block::Table(Table {
            columns: vec![
                Column::fixed("被替换对象", CODE_WIDTH).mono(),
                Column::new("替补对象", 2.0),
                Column::fixed("组", 14.0).align(Align::Center),
                Column::new("原因", 1.6),
                Column::new("操作人员、时间", 1.4),
            ],
            rows,
        }));
    }
    if !other_manual.is_empty() {
        let rows = other_manual
            .iter()
            .map(|m| {
                vec![
                    m.target.clone(),
                    m.group.to_string(),
                    m.reason.clone(),
                    format!("{}\n{}", m.operator, wording::time(&m.assigned_at)),
                ]
            })
            .collect();
        s.push(Block::Table(Table {
            columns: vec![
                Column::fixed("检查对象", CODE_WIDTH).mono(),
                Column::fixed("分派至组", 18.0).align(Align::Center),
                Column::new("原因", 2.0),
                Column::new("操作人员、时间", 1.4),
            ],
            rows,
        }));
    }
}

fn voided(s: &mut Sections, data: &RecordData) {
    let c = &data.ceremony;
    let mut list: Vec<&crate::ceremony::Ceremony> = data.voided.iter().collect();
    if c.state == State::Voided {
        list.push(c);
    }
    if list.is_empty() {
        return;
    }
    s.heading("作废的摇号");
    s.para(
        "作废的摇号保留在记录中。已提交承诺的，作废时公开其系统密钥，任何人都可以据此算出该次摇号本会得到的结果，\
         作废不能隐藏不满意的结果；重新摇号使用新的密钥和新的见证人随机数。",
    );
    let rows = list
        .iter()
        .map(|v| {
            vec![
                format!("第 {} 次", v.attempt),
                wording::time(v.voided_at.as_deref().unwrap_or("")),
                v.voided_in_state
                    .as_deref()
                    .and_then(State::parse)
                    .map_or("—", State::label_zh)
                    .to_string(),
                v.void_reason.clone().unwrap_or_default(),
                v.void_operator.clone().unwrap_or_default(),
            ]
        })
        .collect();
    s.push(Block::Table(Table {
        columns: vec![
            Column::fixed("次数", 16.0).align(Align::Center),
            Column::fixed("作废时间", 27.0),
            Column::fixed("作废时状态", 22.0),
            Column::new("原因", 2.0),
            Column::new("决定人", 1.0),
        ],
        rows,
    }));
    let mut hashes = Vec::new();
    for v in &list {
        if let Some(commitment) = &v.commitment {
            hashes.push((format!("第 {} 次 承诺值", v.attempt), commitment.clone()));
            hashes.push((
                format!("第 {} 次 公开的密钥", v.attempt),
                v.secret.clone().unwrap_or_else(|| "—".into()),
            ));
        }
    }
    if !hashes.is_empty() {
        s.push(Block::Mono(hashes));
    }
}

/// The offsets into the running recordings of a ceremony journal entry, one line per recording.
fn offsets(p: &Value) -> String {
    let lines: Vec<String> = p["recordings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            format!(
                "{} {}",
                r["device"].as_str().unwrap_or(""),
                wording::video_offset(r["offset_ms"].as_i64().unwrap_or(0))
            )
        })
        .collect();
    if lines.is_empty() {
        "—".into()
    } else {
        lines.join("\n")
    }
}

fn short(hex: &str) -> String {
    if hex.len() > 16 {
        format!("{}…", &hex[..16])
    } else {
        hex.to_string()
    }
}

/// What a journal entry says, in a few words.
fn detail(event: Option<Event>, p: &Value) -> String {
    let text = |k: &str| p[k].as_str().unwrap_or("").to_string();
    let num = |k: &str| p[k].as_u64().unwrap_or(0);
    match event {
        Some(Event::CeremonyStarted) => {
            format!("操作人员 {}；摇号日期 {}", text("operator"), text("draw_date"))
        }
        Some(Event::InputsFrozen) => format!(
            "对象 {} 户，检查人员 {} 名，回避 {} 条；输入总指纹 {}",
            num("population"),
            num("inspectors"),
            num("recusals"),
            short(p["fingerprints"]["inputs"].as_str().unwrap_or(""))
        ),
        Some(Event::SecretCommitted) => format!("承诺值 {}", short(&text("commitment"))),
        Some(Event::WitnessAdded) => format!(
            "第 {} 位：{}（{}，{}）",
            num("witness"),
            text("name"),
            text("role"),
            or_dash(&text("unit"))
        ),
        Some(Event::WitnessesClosed) => {
            format!("共 {} 位见证人", p["witnesses"].as_array().map_or(0, Vec::len))
        }
        Some(Event::EntropyAdded) => {
            format!("第 {} 位 {}：{}", num("witness"), text("name"), text("entropy"))
        }
        Some(Event::SeedDerived) => format!(
            "公开密钥 {}；种子 {}；抽取 {} 户",
            short(&text("secret")),
            short(&text("seed")),
            num("targets")
        ),
        Some(Event::TargetRevealed) => {
            let t = &p["target"];
            let code = t["code"].as_str().unwrap_or("");
            format!(
                "第 {}/{} 个：{} {}{}",
                num("position"),
                num("of"),
                code,
                t["name"].as_str().unwrap_or(""),
                t["group"]
                    .as_u64()
                    .map_or(String::new(), |g| format!("，第 {g} 组"))
            )
        }
        Some(Event::RevealCompleted) => format!("共 {} 户", num("targets")),
        Some(Event::CeremonySealed) => format!("记录哈希 {}", short(&text("record_hash"))),
        Some(Event::CeremonyVoided) => format!("原因：{}；决定人：{}", text("reason"), text("operator")),
        Some(Event::RecordingStarted) => format!("设备：{}", text("device")),
        Some(Event::RecordingStopped) => format!(
            "设备：{}；时长 {}",
            text("device"),
            wording::video_offset(p["duration_ms"].as_i64().unwrap_or(0))
        ),
        Some(Event::MarkerAdded) => text("text"),
        Some(Event::VideoAttached) => format!("{}（{}）", text("file_name"), wording::file_size(num("size"))),
        Some(Event::ReserveUsed) => format!(
            "{} 由备选 {} 替补：{}",
            text("target"),
            text("reserve"),
            text("reason")
        ),
        Some(Event::ManualAssignment) => format!(
            "{} 分派至第 {} 组：{}",
            text("target"),
            num("group"),
            text("reason")
        ),
        _ => String::new(),
    }
}

/// Entries of a ceremony that belong in the timeline: the draw and what was added to its record; results
/// are not part of the draw record (they are published in the results notice).
fn in_timeline(event: Option<Event>) -> bool {
    !matches!(event, Some(Event::ResultRecorded | Event::ResultPublished) | None)
}

fn timeline(s: &mut Sections, data: &RecordData) {
    let entries: Vec<(&Entry, Option<Event>, Value)> = data
        .events
        .iter()
        .map(|e| (e, Event::parse(&e.event), payload(e)))
        .filter(|(_, ev, _)| in_timeline(*ev))
        .collect();
    if entries.is_empty() {
        return;
    }
    let several = data.voided.len() + 1 > 1;
    s.heading("过程记录（时间线）");
    s.para(format!(
        "以下为日志（哈希链）中本次{}摇号的全部步骤{}。时间为本机时间；“录像位置”为该时刻在各路录像中的位置（时:分:秒），\
         可据此在录像中找到对应画面。{}",
        if several { "及此前作废的" } else { "" },
        if several { "，“次”为第几次摇号" } else { "" },
        if entries.iter().filter(|e| e.1 == Some(Event::TargetRevealed)).count() > REVEAL_RUN_LIMIT {
            format!(
                "连续揭晓超过 {REVEAL_RUN_LIMIT} 个对象时合并为一行，每个对象的揭晓时间见记录包中的日志（events）。"
            )
        } else {
            String::new()
        }
    ));
    let sealed_seq = data
        .events
        .iter()
        .find(|e| e.event == Event::CeremonySealed.as_str())
        .map(|e| e.seq);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut i = 0;
    // Date and time on two lines: the column stays narrow and the time is not broken in the middle.
    let when = |at: &str| wording::time(at).replacen(' ', "\n", 1);
    while i < entries.len() {
        let (e, ev, p) = &entries[i];
        let attempt = p["attempt"].as_u64().unwrap_or(0).to_string();
        let mut label = ev.map_or(e.event.clone(), |ev| ev.label_zh().to_string());
        if sealed_seq.is_some_and(|s| e.seq > s) {
            label.push_str("（封存后补充）");
        }
        // A long run of reveals is one row.
        let run = entries[i..]
            .iter()
            .take_while(|x| x.1 == Some(Event::TargetRevealed))
            .count();
        if run > REVEAL_RUN_LIMIT {
            let (last, _, lp) = &entries[i + run - 1];
            rows.push(vec![
                format!("{}–\n{}", e.seq, last.seq),
                attempt,
                format!("{}\n至\n{}", when(&e.at), when(&last.at)),
                label,
                format!(
                    "第 {}–{} 个（共 {}），逐个揭晓",
                    p["position"].as_u64().unwrap_or(0),
                    lp["position"].as_u64().unwrap_or(0),
                    p["of"].as_u64().unwrap_or(0)
                ),
                format!("{}\n至 {}", offsets(p), offsets(lp)),
            ]);
            i += run;
            continue;
        }
        rows.push(vec![
            e.seq.to_string(),
            attempt,
            when(&e.at),
            label,
            detail(*ev, p),
            offsets(p),
        ]);
        i += 1;
    }
    let mut columns = vec![
        Column::fixed("序号", 12.0).align(Align::Right),
        Column::fixed("次", 8.0).align(Align::Center),
        Column::fixed("时间", 24.0),
        Column::new("步骤", 1.0),
        Column::new("内容", 2.4),
        Column::fixed("录像位置", 27.0),
    ];
    // The attempt column only when the timeline spans several attempts.
    if !several {
        columns.remove(1);
        for r in &mut rows {
            r.remove(1);
        }
    }
    s.push(Block::Table(Table { columns, rows }));
}

fn videos(s: &mut Sections, data: &RecordData) {
    if data.recordings.is_empty() && data.videos.is_empty() {
        return;
    }
    s.heading("录音录像");
    if data.recordings.is_empty() {
        s.para("摇号过程中没有登记录像设备。");
    } else {
        let rows = data
            .recordings
            .iter()
            .map(|r| {
                vec![
                    r.device.clone(),
                    wording::time(&r.started_at),
                    r.stopped_at
                        .as_deref()
                        .map_or("（未登记结束）".into(), wording::time),
                ]
            })
            .collect();
        s.push(Block::Table(Table {
            columns: vec![
                Column::new("录像设备", 2.0),
                Column::new("开始录像", 1.0),
                Column::new("停止录像", 1.0),
            ],
            rows,
        }));
    }
    if data.videos.is_empty() {
        s.para("尚未附加录像文件。录像文件附加后，其 SHA-256 记入日志，可重新打印本记录。");
        return;
    }
    s.sub("附加的录像文件（封存后补充）");
    let rows = data
        .videos
        .iter()
        .map(|v| {
            vec![
                v.file_name.clone(),
                wording::file_size(v.size),
                wording::time(&v.attached_at),
            ]
        })
        .collect();
    s.push(Block::Table(Table {
        columns: vec![
            Column::new("文件名", 2.0),
            Column::new("大小", 1.3),
            Column::fixed("附加时间", 30.0),
        ],
        rows,
    }));
    s.push(Block::Mono(
        data.videos
            .iter()
            .map(|v| (format!("{} 的 SHA-256", v.file_name), v.sha256.clone()))
            .collect(),
    ));
    s.para(
        "核对录像文件：Linux 上运行 sha256sum 文件名，Windows 上运行 certutil -hashfile 文件名 SHA256，结果应与上面的值相同。",
    );
}

fn verify(s: &mut Sections, data: &RecordData) {
    s.heading("如何复核本记录");
    if !data.is_sealed() {
        s.para(
            "本记录是草稿，没有记录包可以复核。已作废的摇号，其公开的系统密钥和见证人随机数记入日志，\
             封存后的正式记录包（events）中包含这些日志，可据此核对。",
        );
        return;
    }
    let bundle = &data.bundle_name;
    s.para(format!(
        "1. 取得电子记录包 {bundle}（与本记录同时导出）。在任何一台电脑上运行：\n\
         \u{3000}\u{3000}fairdraw verify {bundle}\n\
         或者只用 Python 3 标准库（不需要安装本软件，程序在本项目 tools/verify.py）：\n\
         \u{3000}\u{3000}python3 tools/verify.py {bundle}\n\
         显示 MATCH 表示：由记录包中的名录、规则、承诺值、系统密钥和见证人随机数重新计算的指纹、种子和抽取结果与记录完全一致；\
         否则会指出第一处不一致。"
    ));
    s.para(
        "2. 核对本记录与记录包是否对应：扫描第一页的二维码，或比较页眉的记录编号、本记录所印的记录哈希与记录包 \
         bundle.json 中 attempt.record_hash 是否相同（fairdraw verify 也会重新计算记录哈希）。",
    );
    s.para(
        "3. 核对见证人随机数：本记录所印的随机数应与见证人在现场写下或看到的数字相同；任何一位数字不同，种子和结果都会不同。",
    );
    s.para(
        "4. 记录哈希（record hash）由输入指纹、承诺值、系统密钥、见证人及其随机数、种子、结果指纹、任务编号、摇号次数、\
         作废记录、操作人员、封存时间和封存时的日志头计算得出（docs/draw-protocol.md §15.2），封存后不能更改。",
    );
    s.para(format!(
        "How to verify (English): run “fairdraw verify {bundle}” or “python3 tools/verify.py {bundle}” \
         (Python standard library only); MATCH means the fingerprints, the seed and the outcome recompute \
         exactly from the bundle. The QR code holds the record hash and the bundle's file name."
    ));
}

fn signatures(s: &mut Sections, data: &RecordData) {
    // The signatures are a page of their own (签字页), never split from each other; the record hash is
    // repeated on it, so the signed page names the record it signs.
    s.push(Block::PageBreak);
    s.heading("签名");
    if let (Some(hash), true) = (&data.ceremony.record_hash, data.is_sealed()) {
        s.push(mono(vec![("记录哈希 (record hash)", hash.clone())]));
    }
    s.para(if data.is_sealed() {
        "以下监督见证人和操作人员确认：摇号过程公开进行，以上记录属实。".to_string()
    } else {
        "本记录为草稿（未封存），签名仅确认所记载的过程属实。".to_string()
    });
    let mut people: Vec<Signatory> = data
        .witnesses
        .iter()
        .map(|w| Signatory {
            name: w.name.clone(),
            role: w.role.clone(),
            unit: w.unit.clone(),
        })
        .collect();
    people.push(Signatory {
        name: data.ceremony.operator.clone(),
        role: "操作人员".into(),
        unit: data.department(&data.task.lead_department),
    });
    s.push(Block::Signatures(people));
}
