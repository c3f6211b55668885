//! The rules of a draw (§4.4): their JSON form, their validation and their binary encoding.
//!
//! The JSON has exactly the members of the specification — every member present (`null` where allowed),
//! none unknown — and lists are sorted without duplicates. Rules that break this are rejected with the path
//! of the offending member, never repaired, because the fingerprint must cover exactly what was published.

use serde::{Deserialize, Deserializer, Serialize};

use super::ALGORITHM;
use super::encode::{Enc, Hash32};
use super::error::{DrawError, InputCode, Place};
use super::text::{TextFault, check_text, parse_date};

/// The rules of one draw (one attempt of a task).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// `fairdraw-draw/1`.
    pub algorithm: String,
    pub task: Task,
    /// `YYYY-MM-DD`: certificate validity and "recently inspected" are judged on this date.
    pub draw_date: String,
    pub scope: Scope,
    pub exclusions: Exclusions,
    pub strata: StrataBy,
    pub quota: Quota,
    /// Length of each stratum's reserve list; `None` means "as many as its quota".
    #[serde(deserialize_with = "present")]
    pub reserve_per_stratum: Option<u32>,
    pub inspectors: InspectorRules,
}

/// The task (抽查任务) a draw belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// 文号, e.g. 永市监抽〔2026〕3号.
    pub number: String,
    pub name: String,
    /// 1 for the first attempt, 2 after one void, ...
    pub attempt: u32,
}

/// The filters that defined the population (§6.1). An empty list does not restrict.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    pub regions: Vec<String>,
    pub industries: Vec<String>,
    pub entity_types: Vec<String>,
    /// `A`..`D` and `未分类` for entities without a class.
    pub risk_classes: Vec<String>,
    pub tags_any: Vec<String>,
}

/// Exclusions (§6.2).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exclusions {
    pub statuses: Vec<String>,
    #[serde(deserialize_with = "present")]
    pub inspected_within_days: Option<u32>,
    pub entities: Vec<ExplicitExclusion>,
}

/// An entity excluded by name, with the reason (e.g. 正在立案调查).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplicitExclusion {
    pub code: String,
    pub reason: String,
}

/// What the strata are (§7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StrataBy {
    None,
    RiskClass,
    Region,
}

impl StrataBy {
    pub fn as_str(self) -> &'static str {
        match self {
            StrataBy::None => "none",
            StrataBy::RiskClass => "risk_class",
            StrataBy::Region => "region",
        }
    }
}

/// How many targets each stratum gets (§7.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum Quota {
    /// A ratio in basis points per stratum, `default_bp` for strata not listed.
    Ratio {
        ratios: Vec<StratumBp>,
        #[serde(deserialize_with = "present")]
        default_bp: Option<u32>,
    },
    /// A total split over the strata by largest remainder.
    Count { total: u32 },
    /// A number per stratum; strata not listed get 0.
    PerStratum { counts: Vec<StratumCount> },
}

/// A stratum's ratio in basis points (300 = 3 %).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StratumBp {
    pub stratum: String,
    pub bp: u32,
}

/// A stratum's number of targets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StratumCount {
    pub stratum: String,
    pub count: u32,
}

/// Inspector and group rules (§8).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectorRules {
    /// Department codes: the lead department first, then the participating ones ascending.
    pub departments: Vec<String>,
    /// Inspectors per group; below 2 is infeasible when there are targets.
    pub group_size: u32,
    pub groups: Groups,
    pub leader: Leader,
    pub expert_required: bool,
    pub required_qualifications: Vec<String>,
    pub active_statuses: Vec<String>,
    pub recuse_same_region: bool,
}

/// How many groups (§8.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum Groups {
    /// `min(count, k)` groups.
    Fixed { count: u32 },
    /// `⌈k / max_targets⌉` groups.
    PerTargets { max_targets: u32 },
}

/// The group leader (组长) rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Leader {
    pub required: bool,
    /// A qualification the leader must hold; empty for none.
    pub qualification: String,
}

/// Deserialises an `Option` member that must be present (as `null` or a value): with `deserialize_with`,
/// serde reports a missing member instead of silently taking `None`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(d)
}

fn text(s: &str, path: impl FnOnce() -> String) -> Result<(), DrawError> {
    check_text(s).map_err(|f| {
        let code = match f {
            TextFault::NotNfc => InputCode::NotNfc,
            TextFault::Whitespace => InputCode::Whitespace,
        };
        DrawError::input(code, Place::Rules(path()), s)
    })
}

/// Each element passes the text rules, then the list is strictly ascending by `key`.
fn sorted_texts<T>(
    xs: &[T],
    path: &str,
    key: impl Fn(&T) -> &str,
    texts: impl Fn(&T) -> Vec<(&str, &'static str)>,
) -> Result<(), DrawError> {
    for (i, x) in xs.iter().enumerate() {
        for (s, member) in texts(x) {
            text(s, || format!("{path}[{i}]{member}"))?;
        }
    }
    if let Some(w) = xs.windows(2).find(|w| key(&w[0]) >= key(&w[1])) {
        return Err(DrawError::input(
            InputCode::NotSorted,
            Place::Rules(path.to_string()),
            format!("{:?} ≥ {:?}", key(&w[0]), key(&w[1])),
        ));
    }
    Ok(())
}

fn sorted_strings(xs: &[String], path: &str) -> Result<(), DrawError> {
    sorted_texts(xs, path, |s| s.as_str(), |s| vec![(s.as_str(), "")])
}

fn bad_value(path: &str, detail: impl Into<String>) -> DrawError {
    DrawError::input(InputCode::BadValue, Place::Rules(path.to_string()), detail)
}

impl Rules {
    /// Parses and validates rules JSON.
    pub fn from_json(json: &str) -> Result<Rules, DrawError> {
        let rules: Rules = serde_json::from_str(json)
            .map_err(|e| DrawError::input(InputCode::Json, Place::Rules("rules".into()), e.to_string()))?;
        rules.validate()?;
        Ok(rules)
    }

    /// Parses and validates rules from a JSON value (a member of a bundle or a task file).
    pub fn from_value(value: serde_json::Value) -> Result<Rules, DrawError> {
        let rules: Rules = serde_json::from_value(value)
            .map_err(|e| DrawError::input(InputCode::Json, Place::Rules("rules".into()), e.to_string()))?;
        rules.validate()?;
        Ok(rules)
    }

    /// Checks the constraints of §2 and §4.4, member by member in the order of the specification.
    pub fn validate(&self) -> Result<(), DrawError> {
        if self.algorithm != ALGORITHM {
            return Err(DrawError::input(
                InputCode::Algorithm,
                Place::Rules("rules.algorithm".into()),
                &self.algorithm,
            ));
        }
        text(&self.task.number, || "rules.task.number".into())?;
        text(&self.task.name, || "rules.task.name".into())?;
        if self.task.attempt < 1 {
            return Err(bad_value("rules.task.attempt", "attempt must be at least 1"));
        }
        text(&self.draw_date, || "rules.draw_date".into())?;
        if parse_date(&self.draw_date).is_none() {
            return Err(DrawError::input(
                InputCode::BadDate,
                Place::Rules("rules.draw_date".into()),
                &self.draw_date,
            ));
        }
        let s = &self.scope;
        sorted_strings(&s.regions, "rules.scope.regions")?;
        sorted_strings(&s.industries, "rules.scope.industries")?;
        sorted_strings(&s.entity_types, "rules.scope.entity_types")?;
        sorted_strings(&s.risk_classes, "rules.scope.risk_classes")?;
        sorted_strings(&s.tags_any, "rules.scope.tags_any")?;
        let x = &self.exclusions;
        sorted_strings(&x.statuses, "rules.exclusions.statuses")?;
        sorted_texts(
            &x.entities,
            "rules.exclusions.entities",
            |e| e.code.as_str(),
            |e| vec![(e.code.as_str(), ".code"), (e.reason.as_str(), ".reason")],
        )?;
        match &self.quota {
            Quota::Ratio { ratios, .. } => sorted_texts(
                ratios,
                "rules.quota.ratios",
                |r| r.stratum.as_str(),
                |r| vec![(r.stratum.as_str(), ".stratum")],
            )?,
            Quota::Count { .. } => {}
            Quota::PerStratum { counts } => sorted_texts(
                counts,
                "rules.quota.counts",
                |r| r.stratum.as_str(),
                |r| vec![(r.stratum.as_str(), ".stratum")],
            )?,
        }
        let i = &self.inspectors;
        for (n, d) in i.departments.iter().enumerate() {
            text(d, || format!("rules.inspectors.departments[{n}]"))?;
        }
        let Some((lead, others)) = i.departments.split_first() else {
            return Err(bad_value(
                "rules.inspectors.departments",
                "at least one department (the lead) is needed",
            ));
        };
        if let Some(w) = others.windows(2).find(|w| w[0] >= w[1]) {
            return Err(DrawError::input(
                InputCode::NotSorted,
                Place::Rules("rules.inspectors.departments".into()),
                format!("{:?} ≥ {:?}", w[0], w[1]),
            ));
        }
        if others.contains(lead) {
            return Err(DrawError::input(
                InputCode::NotSorted,
                Place::Rules("rules.inspectors.departments".into()),
                format!("the lead department {lead:?} is listed twice"),
            ));
        }
        // A group size below 2 is not an input error but an infeasibility when there are targets (§8.2, §8.5).
        match i.groups {
            Groups::Fixed { count: 0 } => {
                return Err(bad_value("rules.inspectors.groups.count", "0 (at least 1)"));
            }
            Groups::PerTargets { max_targets: 0 } => {
                return Err(bad_value("rules.inspectors.groups.max_targets", "0 (at least 1)"));
            }
            _ => {}
        }
        text(&i.leader.qualification, || {
            "rules.inspectors.leader.qualification".into()
        })?;
        sorted_strings(
            &i.required_qualifications,
            "rules.inspectors.required_qualifications",
        )?;
        sorted_strings(&i.active_statuses, "rules.inspectors.active_statuses")?;
        Ok(())
    }

    /// The binary encoding of §4.4 and its hash, `fp_rules`.
    pub fn fingerprint(&self) -> Hash32 {
        let mut e = Enc::labelled("fairdraw-rules/1");
        e.str(&self.algorithm);
        e.str(&self.task.number);
        e.str(&self.task.name);
        e.u32(self.task.attempt);
        e.str(&self.draw_date);
        e.strs(&self.scope.regions);
        e.strs(&self.scope.industries);
        e.strs(&self.scope.entity_types);
        e.strs(&self.scope.risk_classes);
        e.strs(&self.scope.tags_any);
        e.strs(&self.exclusions.statuses);
        e.opt_u32(self.exclusions.inspected_within_days);
        e.len(self.exclusions.entities.len());
        for x in &self.exclusions.entities {
            e.str(&x.code);
            e.str(&x.reason);
        }
        e.str(self.strata.as_str());
        match &self.quota {
            Quota::Ratio { ratios, default_bp } => {
                e.str("ratio");
                e.len(ratios.len());
                for r in ratios {
                    e.str(&r.stratum);
                    e.u32(r.bp);
                }
                e.opt_u32(*default_bp);
            }
            Quota::Count { total } => {
                e.str("count");
                e.u32(*total);
            }
            Quota::PerStratum { counts } => {
                e.str("per_stratum");
                e.len(counts.len());
                for c in counts {
                    e.str(&c.stratum);
                    e.u32(c.count);
                }
            }
        }
        e.opt_u32(self.reserve_per_stratum);
        let i = &self.inspectors;
        e.strs(&i.departments);
        e.u32(i.group_size);
        match i.groups {
            Groups::Fixed { count } => {
                e.str("fixed");
                e.u32(count);
            }
            Groups::PerTargets { max_targets } => {
                e.str("per_targets");
                e.u32(max_targets);
            }
        }
        e.bool(i.leader.required);
        e.str(&i.leader.qualification);
        e.bool(i.expert_required);
        e.strs(&i.required_qualifications);
        e.strs(&i.active_statuses);
        e.bool(i.recuse_same_region);
        e.finish()
    }

    /// The lead department (validated rules have one).
    pub fn lead_department(&self) -> &str {
        self.inspectors
            .departments
            .first()
            .map(String::as_str)
            .unwrap_or("")
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// The example of §4.4 (with its statuses in byte order).
    pub(crate) fn example() -> serde_json::Value {
        json!({
          "algorithm": "fairdraw-draw/1",
          "task": { "number": "永市监抽〔2026〕3号", "name": "2026年食品经营者联合抽查", "attempt": 1 },
          "draw_date": "2026-12-01",
          "scope": { "regions": [], "industries": [], "entity_types": [], "risk_classes": [], "tags_any": [] },
          "exclusions": {
            "statuses": ["吊销", "撤销", "注销", "迁出"],
            "inspected_within_days": 365,
            "entities": [ { "code": "91431100MA4L00001X", "reason": "正在立案调查" } ]
          },
          "strata": "risk_class",
          "quota": { "mode": "ratio", "ratios": [ { "stratum": "A", "bp": 300 } ], "default_bp": 500 },
          "reserve_per_stratum": null,
          "inspectors": {
            "departments": ["D01", "D13"],
            "group_size": 2,
            "groups": { "mode": "fixed", "count": 5 },
            "leader": { "required": true, "qualification": "" },
            "expert_required": false,
            "required_qualifications": [],
            "active_statuses": ["在岗"],
            "recuse_same_region": false
          }
        })
    }

    fn err_of(v: serde_json::Value) -> serde_json::Value {
        Rules::from_value(v).unwrap_err().details()
    }

    #[test]
    fn the_spec_example_round_trips_exactly() {
        let r = Rules::from_value(example()).unwrap();
        assert_eq!(serde_json::to_value(&r).unwrap(), example());
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            serde_json::to_string(&example()).unwrap(),
            "member order is the specification's"
        );
    }

    #[test]
    fn statuses_are_sorted_by_utf8_bytes_not_by_habit() {
        // 吊 U+540A < 撤 U+64A4 < 注 U+6CE8 < 迁 U+8FC1: the order people often write (吊销, 注销, 撤销) is refused.
        let mut v = example();
        v["exclusions"]["statuses"] = json!(["吊销", "注销", "撤销", "迁出"]);
        assert_eq!(
            err_of(v),
            json!({"kind": "input", "code": "not_sorted", "field": "rules.exclusions.statuses"})
        );
    }

    #[test]
    fn missing_null_and_unknown_members_are_refused() {
        let mut v = example();
        v["exclusions"]
            .as_object_mut()
            .unwrap()
            .remove("inspected_within_days");
        assert_eq!(
            err_of(v),
            json!({"kind": "input", "code": "json", "field": "rules"})
        );
        let mut v = example();
        v["quota"].as_object_mut().unwrap().remove("default_bp");
        assert_eq!(err_of(v)["code"], "json");
        let mut v = example();
        v["quota"]["extra"] = json!(1);
        assert_eq!(err_of(v)["code"], "json");
        let mut v = example();
        v["inspectors"]["groups"]["extra"] = json!(1);
        assert_eq!(err_of(v)["code"], "json");
        let mut v = example();
        v["surprise"] = json!(true);
        assert_eq!(err_of(v)["code"], "json");
        let mut v = example();
        v["quota"]["default_bp"] = json!(500.0);
        assert_eq!(err_of(v)["code"], "json");
        let mut v = example();
        v["strata"] = json!("industry");
        assert_eq!(err_of(v)["code"], "json");
    }

    #[test]
    fn constraints_name_the_member() {
        let mut v = example();
        v["scope"]["regions"] = json!(["祁阳市", "冷水滩区"]);
        assert_eq!(
            err_of(v),
            json!({"kind": "input", "code": "not_sorted", "field": "rules.scope.regions"})
        );
        let mut v = example();
        v["scope"]["regions"] = json!(["冷水滩区", "冷水滩区"]);
        assert_eq!(err_of(v)["code"], "not_sorted");
        let mut v = example();
        v["scope"]["tags_any"] = json!(["食品 "]);
        assert_eq!(
            err_of(v),
            json!({"kind": "input", "code": "whitespace", "field": "rules.scope.tags_any[0]"})
        );
        let mut v = example();
        v["task"]["name"] = json!("cafe\u{301}");
        assert_eq!(
            err_of(v),
            json!({"kind": "input", "code": "not_nfc", "field": "rules.task.name"})
        );
        let mut v = example();
        v["draw_date"] = json!("2026-02-30");
        assert_eq!(
            err_of(v),
            json!({"kind": "input", "code": "bad_date", "field": "rules.draw_date"})
        );
        let mut v = example();
        v["algorithm"] = json!("fairdraw-draw/2");
        assert_eq!(
            err_of(v),
            json!({"kind": "input", "code": "algorithm", "field": "rules.algorithm"})
        );
        let mut v = example();
        v["inspectors"]["departments"] = json!(["D13", "D02", "D01"]);
        assert_eq!(err_of(v)["field"], "rules.inspectors.departments");
        let mut v = example();
        v["inspectors"]["departments"] = json!(["D13", "D01", "D13"]);
        assert_eq!(err_of(v)["code"], "not_sorted");
        let mut v = example();
        v["inspectors"]["departments"] = json!([]);
        assert_eq!(err_of(v)["code"], "bad_value");
        let mut v = example();
        v["inspectors"]["group_size"] = json!(1);
        assert!(
            Rules::from_value(v).is_ok(),
            "a group size of 1 is an infeasibility only when k > 0"
        );
        let mut v = example();
        v["inspectors"]["groups"] = json!({"mode": "fixed", "count": 0});
        assert_eq!(err_of(v)["field"], "rules.inspectors.groups.count");
        let mut v = example();
        v["task"]["attempt"] = json!(0);
        assert_eq!(err_of(v)["field"], "rules.task.attempt");
        let mut v = example();
        v["quota"] = json!({"mode": "per_stratum", "counts": [{"stratum": "B", "count": 1}, {"stratum": "A", "count": 1}]});
        assert_eq!(err_of(v)["field"], "rules.quota.counts");
    }

    #[test]
    fn the_lead_department_may_sort_after_the_others() {
        let mut v = example();
        v["inspectors"]["departments"] = json!(["D13", "D01", "D02"]);
        assert!(Rules::from_value(v).is_ok());
    }

    #[test]
    fn fingerprint_covers_every_member() {
        let base = Rules::from_value(example()).unwrap().fingerprint();
        let mut v = example();
        v["task"]["attempt"] = json!(2);
        assert_ne!(Rules::from_value(v).unwrap().fingerprint(), base);
        let mut v = example();
        v["reserve_per_stratum"] = json!(0);
        assert_ne!(Rules::from_value(v).unwrap().fingerprint(), base);
        let mut v = example();
        v["inspectors"]["recuse_same_region"] = json!(true);
        assert_ne!(Rules::from_value(v).unwrap().fingerprint(), base);
    }
}
