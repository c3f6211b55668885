//! A complete demo ceremony run through the library, for the record's tests, its benchmark and its screenshots.
//!
//! It loads the synthetic Yongzhou registers (`crate::demo`) into a database, creates and publishes a plan,
//! adds a joint task of 市场监管局 and 卫健委 to it (a plan adjustment, published too), optionally voids a
//! first attempt after its commitment, and runs a second ceremony through every step with a stepping clock,
//! a fixed secret, three witnesses and one recording. Everything is deterministic: the same options give the
//! same database content, record hash and PDF.

use chrono::{DateTime, Duration, NaiveDate};
use serde_json::json;

use crate::ceremony::{self, media, steps};
use crate::clock::{FixedSecret, StepClock};
use crate::db::Db;
use crate::error::Result;
use crate::plan::{self, NewPlan};
use crate::registers;
use crate::task::{self, Method, NewTask};

/// What the demo ceremony looks like.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleOptions {
    /// Entities in the register (the population).
    pub entities: u64,
    /// Inspectors in the register (all departments).
    pub inspectors: usize,
    /// Targets to draw (a count quota split over the credit risk classes).
    pub targets: u32,
    /// At most this many targets per inspection group.
    pub targets_per_group: u32,
    /// Void a first attempt after its commitment, before the one that is drawn.
    pub voided_first: bool,
    /// Seal the drawn attempt; otherwise it stays revealed and unsealed (its record is a draft).
    pub seal: bool,
    /// Share of entity names with a rare character (parts per million; see `demo::RARE_CHARS`, all of which
    /// the built-in font has).
    pub rare_names_ppm: u32,
    /// Put 𪚥 (U+2A6A5) in place of the rare character 𫖮 (U+2B5AE) in those names: 𪚥 is in neither the
    /// built-in font nor any font Debian installs by default, so a record that draws such an entity is refused
    /// unless a font that has it is added.
    pub char_no_font_has: bool,
}

impl Default for SampleOptions {
    fn default() -> SampleOptions {
        SampleOptions {
            entities: 600,
            inspectors: 300,
            targets: 12,
            targets_per_group: 5,
            voided_first: true,
            seal: true,
            rare_names_ppm: 0,
            char_no_font_has: false,
        }
    }
}

/// The task number of the demo task.
pub const TASK_NUMBER: &str = "永市监抽〔2026〕3号";
/// The witnesses of the demo ceremony: name, role, unit, entropy.
pub const WITNESSES: [(&str, &str, &str, &str); 3] = [
    ("李明", "人大代表", "永州市人大常委会", "314159"),
    ("周敏", "政协委员", "永州市政协", "271828"),
    ("陈公正", "公证员", "永州市潇湘公证处", "1618033"),
];
/// The reason the first attempt is voided.
pub const VOID_REASON: &str = "投影仪故障，见证人无法看清屏幕";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// Runs the demo ceremony in `db` (which should be empty) and returns the id of the drawn attempt.
pub fn demo_ceremony(db: &mut Db, o: &SampleOptions) -> Result<i64> {
    let as_of = crate::demo::default_as_of();
    {
        let tx = db.conn_mut().transaction()?;
        for d in crate::demo::departments() {
            registers::upsert_department(&tx, &d)?;
        }
        for i in crate::demo::items() {
            registers::upsert_item(&tx, &i)?;
        }
        for mut e in crate::demo::entities(b"record", o.entities, as_of).rare_names_ppm(o.rare_names_ppm) {
            if o.char_no_font_has {
                e.name = e.name.replace('𫖮', "𪚥");
            }
            registers::upsert_entity(&tx, &e)?;
        }
        for i in crate::demo::inspectors(b"record", o.inspectors, as_of) {
            registers::upsert_inspector(&tx, &i)?;
        }
        tx.commit()?;
    }
    let start = DateTime::parse_from_rfc3339("2026-06-10T09:00:00+08:00").unwrap_or_default();
    let clock = StepClock::new(start, Duration::seconds(7));
    let p = plan::create(
        db,
        &clock,
        &NewPlan {
            year: 2026,
            title: "永州市2026年度部门联合双随机抽查工作计划".into(),
            departments: vec!["D01".into(), "D13".into()],
            notes: String::new(),
        },
    )?;
    plan::publish(db, &clock, p.id, date(2026, 6, 1), "永州市人民政府门户网站")?;
    // Two items of the lead department and one of the participating one.
    let all = crate::demo::items();
    let of = |d: &'static str, n: usize| {
        all.iter()
            .filter(move |i| i.department == d)
            .take(n)
            .map(|i| i.code.clone())
    };
    let items: Vec<String> = of("D01", 2).chain(of("D13", 1)).collect();
    let rules = json!({
        "scope": {"regions": [], "industries": [], "entity_types": [], "risk_classes": [], "tags_any": []},
        "exclusions": {"statuses": ["吊销", "撤销", "注销", "迁出"], "inspected_within_days": 365, "entities": []},
        "strata": "risk_class",
        "quota": {"mode": "count", "total": o.targets},
        "reserve_per_stratum": null,
        "inspectors": {"group_size": 3, "groups": {"mode": "per_targets", "max_targets": o.targets_per_group},
            "leader": {"required": true, "qualification": ""}, "expert_required": false,
            "required_qualifications": [], "active_statuses": ["在岗"], "recuse_same_region": false}
    });
    let t = task::create(
        db,
        &clock,
        &NewTask {
            plan: p.id,
            number: TASK_NUMBER.into(),
            name: "2026年食品经营者联合抽查".into(),
            lead_department: "D01".into(),
            participating: vec!["D13".into()],
            items,
            method: Method::OnSite,
            planned_start: Some(date(2026, 6, 15)),
            planned_end: Some(date(2026, 7, 15)),
            result_handling: "检查结果于检查结束后 20 个工作日内通过国家企业信用信息公示系统公示".into(),
            rules,
            recusals: vec![],
        },
        Some("王五"),
    )?;
    if let Some(adjustment) = t.adjustment {
        plan::publish_adjustment(
            db,
            &clock,
            adjustment,
            date(2026, 6, 9),
            "永州市市场监督管理局网站",
        )?;
    }
    if o.voided_first {
        let c = steps::start(db, &clock, TASK_NUMBER, "张三", None)?;
        steps::freeze(db, &clock, c.id)?;
        steps::commit(db, &clock, c.id, &mut FixedSecret([1; 32]))?;
        steps::add_witness(db, &clock, c.id, WITNESSES[0].0, WITNESSES[0].1, WITNESSES[0].2)?;
        steps::void(db, &clock, c.id, VOID_REASON, "局长李四")?;
    }
    let c = steps::start(db, &clock, TASK_NUMBER, "张三", None)?;
    media::record_start(db, &clock, c.id, "会议室摄像机")?;
    steps::freeze(db, &clock, c.id)?;
    steps::commit(db, &clock, c.id, &mut FixedSecret([2; 32]))?;
    for (name, role, unit, _) in WITNESSES {
        steps::add_witness(db, &clock, c.id, name, role, unit)?;
    }
    steps::close_witnesses(db, &clock, c.id)?;
    for (n, (_, _, _, entropy)) in WITNESSES.iter().enumerate() {
        steps::add_entropy(db, &clock, c.id, &(n + 1).to_string(), entropy)?;
    }
    steps::seed(db, &clock, c.id)?;
    steps::reveal(db, &clock, c.id, true)?;
    media::mark(db, &clock, c.id, "全部检查对象已揭晓，见证人核对屏幕")?;
    if o.seal {
        steps::seal(db, &clock, c.id)?;
    }
    media::record_stop(db, &clock, c.id, "会议室摄像机")?;
    Ok(ceremony::get(db.conn(), c.id)?.id)
}
