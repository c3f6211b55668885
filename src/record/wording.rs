//! The rules of a draw and the record's values in plain Chinese, as a supervisor reads them on paper.
//!
//! The protocol's JSON is exact but not readable ("bp": 50 means 0.5 %); these functions say the same in
//! sentences, and format times, video offsets and file sizes. They are pure, so the wording is unit-tested.

use crate::draw::{DepartmentNames, Exclusions, Groups, Quota, Rules, Scope, StrataBy};

/// A ratio in basis points as a percentage without trailing zeros: 50 → "0.5%", 500 → "5%", 125 → "1.25%".
pub fn percent(bp: u32) -> String {
    let whole = bp / 100;
    let frac = bp % 100;
    if frac == 0 {
        format!("{whole}%")
    } else if frac.is_multiple_of(10) {
        format!("{whole}.{}%", frac / 10)
    } else {
        format!("{whole}.{frac:02}%")
    }
}

/// The name of a stratum: "A类（低风险）", a region's name, or "全部对象" when there are no strata.
pub fn stratum(by: StrataBy, key: &str) -> String {
    match (by, key) {
        (StrataBy::None, _) => "全部对象".into(),
        (StrataBy::RiskClass, "A") => "A类（低风险）".into(),
        (StrataBy::RiskClass, "B") => "B类（一般风险）".into(),
        (StrataBy::RiskClass, "C") => "C类（较高风险）".into(),
        (StrataBy::RiskClass, "D") => "D类（高风险）".into(),
        (_, "") => "（空）".into(),
        (_, k) => k.into(),
    }
}

/// The short name of a stratum for narrow table columns: "A类", "未分类", a region's name, or "—".
pub fn stratum_short(by: StrataBy, key: &str) -> String {
    match (by, key) {
        (StrataBy::None, _) => "—".into(),
        (StrataBy::RiskClass, k @ ("A" | "B" | "C" | "D")) => format!("{k}类"),
        (_, "") => "（空）".into(),
        (_, k) => k.into(),
    }
}

/// How the population is divided into strata.
pub fn strata(by: StrataBy) -> &'static str {
    match by {
        StrataBy::None => "不分层，在全部对象中抽取",
        StrataBy::RiskClass => "按信用风险分类分层抽取（A 低、B 一般、C 较高、D 高风险；无分类的为“未分类”）",
        StrataBy::Region => "按所属区域分层抽取",
    }
}

fn joined(list: &[String]) -> String {
    list.join("、")
}

/// The scope that defined the population (§6.1).
pub fn scope(s: &Scope) -> String {
    let mut parts = Vec::new();
    for (label, list) in [
        ("所属区域", &s.regions),
        ("行业", &s.industries),
        ("主体类型", &s.entity_types),
        ("信用风险分类", &s.risk_classes),
        ("标签（含其一即可）", &s.tags_any),
    ] {
        if !list.is_empty() {
            parts.push(format!("{label}：{}", joined(list)));
        }
    }
    if parts.is_empty() {
        "名录库中的全部检查对象（不限区域、行业、类型、风险分类）".into()
    } else {
        format!("名录库中同时符合以下条件的检查对象：{}", parts.join("；"))
    }
}

/// The exclusion rules (§6.2), one per line.
pub fn exclusions(x: &Exclusions) -> String {
    let mut lines = Vec::new();
    if !x.entities.is_empty() {
        lines.push(format!("逐户排除 {} 户（名单见下表）", x.entities.len()));
    }
    if !x.statuses.is_empty() {
        lines.push(format!("经营状态为{}的对象", joined(&x.statuses)));
    }
    if let Some(days) = x.inspected_within_days {
        lines.push(format!("摇号日前 {days} 天内已被检查过的对象"));
    }
    if lines.is_empty() {
        "无".into()
    } else {
        lines.join("\n")
    }
}

/// An exclusion reason of the outcome in Chinese.
pub fn exclusion_reason(reason: &str) -> &'static str {
    match reason {
        "explicit" => "逐户排除",
        "status" => "经营状态",
        "recently_inspected" => "近期已检查",
        _ => "其他",
    }
}

/// An inspector ineligibility reason (§8.1) in Chinese.
pub fn ineligible_reason(reason: &str) -> &'static str {
    match reason {
        "department" => "不属于参与部门",
        "status" => "人员状态不符",
        "no_certificate" => "无执法证",
        "certificate_unknown" => "执法证有效期不明",
        "certificate_expired" => "执法证已过期",
        "qualification" => "缺少资质",
        _ => "其他",
    }
}

/// The quota rule (§7.2) as a sentence.
pub fn quota(q: &Quota, by: StrataBy) -> String {
    match q {
        Quota::Ratio { ratios, default_bp } => {
            let mut parts: Vec<String> = ratios
                .iter()
                .map(|r| format!("{}不少于 {}", stratum(by, &r.stratum), percent(r.bp)))
                .collect();
            match (default_bp, parts.is_empty()) {
                (Some(bp), true) => parts.push(format!("不少于 {}", percent(*bp))),
                (Some(bp), false) => parts.push(format!("其他分层不少于 {}", percent(*bp))),
                (None, _) => parts.push("未列出的分层不抽取".into()),
            }
            format!(
                "按比例抽取：{}（按比例计算后向上取整，每个非空分层至少抽取 1 户）",
                parts.join("，")
            )
        }
        Quota::Count { total } if by == StrataBy::None => format!("共抽取 {total} 户"),
        Quota::Count { total } => format!(
            "共抽取 {total} 户，按各分层对象数量的比例分配（最大余数法，余数相同时对象多的分层优先，再按分层名称）"
        ),
        Quota::PerStratum { counts } => {
            let parts: Vec<String> = counts
                .iter()
                .map(|c| format!("{} {} 户", stratum(by, &c.stratum), c.count))
                .collect();
            format!("按分层指定数量：{}；未列出的分层不抽取", parts.join("，"))
        }
    }
}

/// The rule that applies to one stratum, for the strata table.
pub fn quota_for(q: &Quota, key: &str) -> String {
    match q {
        Quota::Ratio { ratios, default_bp } => ratios
            .iter()
            .find(|r| r.stratum == key)
            .map(|r| r.bp)
            .or(*default_bp)
            .map_or("不抽取".into(), |bp| format!("不少于 {}", percent(bp))),
        Quota::Count { .. } => "按比例分配".into(),
        Quota::PerStratum { counts } => counts
            .iter()
            .find(|c| c.stratum == key)
            .map_or("不抽取".into(), |c| format!("{} 户", c.count)),
    }
}

/// The reserve list rule.
pub fn reserve(r: Option<u32>) -> String {
    match r {
        None => "每个分层的备选名单与该分层抽取数相同（按抽取顺序接续）".into(),
        Some(0) => "不设备选名单".into(),
        Some(n) => format!("每个分层最多 {n} 户（按抽取顺序接续）"),
    }
}

fn names(codes: &[String], departments: &DepartmentNames) -> String {
    codes
        .iter()
        .map(|c| {
            departments
                .get(c)
                .filter(|n| !n.is_empty())
                .cloned()
                .unwrap_or_else(|| c.clone())
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// The inspector and group rules (§8) as label–sentence pairs. `groups` is the number of groups the freeze
/// computed, when known.
pub fn inspector_rules(
    r: &Rules,
    departments: &DepartmentNames,
    groups: Option<u32>,
) -> Vec<(String, String)> {
    let i = &r.inspectors;
    let lead = i.departments.first().cloned().unwrap_or_default();
    let lead_name = names(std::slice::from_ref(&lead), departments);
    let mut out = Vec::new();
    let count = groups.map(|g| format!("（本次共 {g} 组）")).unwrap_or_default();
    let grouping = match i.groups {
        Groups::Fixed { count: n } => {
            format!("分为 {n} 个检查组（检查对象少于 {n} 户时，组数等于对象数）{count}")
        }
        Groups::PerTargets { max_targets } => {
            format!("每组检查对象不超过 {max_targets} 户，组数 = 对象数 ÷ {max_targets} 向上取整{count}")
        }
    };
    out.push((
        "分组".into(),
        format!(
            "每组 {} 名执法检查人员；{grouping}；各组分到的检查对象数相差不超过 1 户",
            i.group_size
        ),
    ));
    if i.departments.len() > 1 {
        out.push((
            "联合抽查".into(),
            format!(
                "牵头部门{lead_name}，参与部门{}；每组至少有各部门人员 1 名",
                names(&i.departments[1..], departments)
            ),
        ));
    } else {
        out.push(("人员来源".into(), format!("{lead_name}的执法检查人员")));
    }
    out.push((
        "组长".into(),
        if i.leader.required && i.leader.qualification.is_empty() {
            format!("每组设组长 1 名，从牵头部门（{lead_name}）人员中抽取")
        } else if i.leader.required {
            format!(
                "每组设组长 1 名，从牵头部门（{lead_name}）具有“{}”资质的人员中抽取",
                i.leader.qualification
            )
        } else {
            "不设组长".into()
        },
    ));
    out.push((
        "专家".into(),
        if i.expert_required {
            "每组至少 1 名专家".into()
        } else {
            "不要求".into()
        },
    ));
    let mut eligible = vec![
        format!("人员状态为{}", joined(&i.active_statuses)),
        format!("持有执法证且在摇号日（{}）仍在有效期内", r.draw_date),
    ];
    if !i.required_qualifications.is_empty() {
        eligible.push(format!(
            "具有以下全部资质：{}",
            joined(&i.required_qualifications)
        ));
    }
    out.push(("人员条件".into(), eligible.join("；")));
    out.push((
        "回避".into(),
        format!(
            "回避名单中的人员不检查对应的对象{}；无法回避的对象不分派，记录在案后人工分派",
            if i.recuse_same_region {
                "；检查人员不检查本人所在地区的对象"
            } else {
                ""
            }
        ),
    ));
    out
}

/// A stored RFC 3339 time as people read it: `2026-06-10 09:02:00.000`, with the UTC offset only when it is
/// not China's +08:00. Text that is not such a time is returned unchanged.
pub fn time(s: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(s) {
        Ok(t) => {
            let local = t.format("%Y-%m-%d %H:%M:%S%.3f").to_string();
            if t.offset().local_minus_utc() == 8 * 3600 {
                local
            } else {
                format!("{local}（UTC{}）", t.format("%:z"))
            }
        }
        Err(_) => s.to_string(),
    }
}

/// Milliseconds into a video as `h:mm:ss.mmm`, the form video players seek to.
pub fn video_offset(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let ms = ms.unsigned_abs();
    format!(
        "{sign}{}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// A file size in bytes, exact, with a rounded size in MB or GB beside it for large files.
pub fn file_size(bytes: u64) -> String {
    let grouped = group_digits(bytes);
    if bytes >= 1 << 30 {
        format!("{grouped} 字节（{:.2} GB）", bytes as f64 / f64::from(1u32 << 30))
    } else if bytes >= 1 << 20 {
        format!("{grouped} 字节（{:.1} MB）", bytes as f64 / f64::from(1u32 << 20))
    } else {
        format!("{grouped} 字节")
    }
}

fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The source of the app's secret.
pub fn secret_source(s: Option<&str>) -> &'static str {
    match s {
        Some("os") => "本机操作系统的密码学安全随机数发生器（OS CSPRNG）",
        Some("supplied") => "由外部提供（脚本或测试运行，secret supplied），不是现场生成的",
        Some(_) => "其他",
        None => "尚未生成",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draw::{StratumBp, StratumCount};

    #[test]
    fn percentages_keep_only_needed_decimals() {
        assert_eq!(percent(50), "0.5%");
        assert_eq!(percent(500), "5%");
        assert_eq!(percent(125), "1.25%");
        assert_eq!(percent(5), "0.05%");
        assert_eq!(percent(12000), "120%");
    }

    #[test]
    fn quotas_read_as_sentences() {
        let q = Quota::Ratio {
            ratios: vec![
                StratumBp {
                    stratum: "A".into(),
                    bp: 50,
                },
                StratumBp {
                    stratum: "D".into(),
                    bp: 500,
                },
            ],
            default_bp: Some(100),
        };
        assert_eq!(
            quota(&q, StrataBy::RiskClass),
            "按比例抽取：A类（低风险）不少于 0.5%，D类（高风险）不少于 5%，其他分层不少于 1%（按比例计算后向上取整，每个非空分层至少抽取 1 户）"
        );
        assert_eq!(quota_for(&q, "D"), "不少于 5%");
        assert_eq!(quota_for(&q, "B"), "不少于 1%");
        let q = Quota::PerStratum {
            counts: vec![StratumCount {
                stratum: "冷水滩区".into(),
                count: 3,
            }],
        };
        assert_eq!(
            quota(&q, StrataBy::Region),
            "按分层指定数量：冷水滩区 3 户；未列出的分层不抽取"
        );
        assert_eq!(quota_for(&q, "零陵区"), "不抽取");
        assert_eq!(quota(&Quota::Count { total: 7 }, StrataBy::None), "共抽取 7 户");
    }

    #[test]
    fn times_offsets_and_sizes_are_formatted_for_people() {
        assert_eq!(time("2026-06-10T09:02:00.000+08:00"), "2026-06-10 09:02:00.000");
        assert_eq!(
            time("2026-06-10T01:02:00.5+00:00"),
            "2026-06-10 01:02:00.500（UTC+00:00）"
        );
        assert_eq!(time("不是时间"), "不是时间");
        assert_eq!(video_offset(120_000), "0:02:00.000");
        assert_eq!(video_offset(3_723_004), "1:02:03.004");
        assert_eq!(video_offset(-1500), "-0:00:01.500");
        assert_eq!(file_size(12_000), "12,000 字节");
        assert_eq!(file_size(3 << 20), "3,145,728 字节（3.0 MB）");
        assert_eq!(file_size(5 << 30), "5,368,709,120 字节（5.00 GB）");
    }
}
