//! The typed errors of the draw: input errors (the inputs break the protocol's rules; §2, §4, §6.1) and
//! infeasibilities (valid inputs whose rules cannot be met; §7.2, §8.2, §8.4). Both are found when the inputs
//! are frozen, before any randomness exists.
//!
//! Each error names what it is about — a field and row, a stratum, a department or an entity — so that the
//! operator can fix the task, and converts to `fairdraw::Error` with a message in Chinese and English. The
//! JSON form [`DrawError::expected_error`] is the `expected_error` of the test vectors (§13).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::error::{Error, ErrorCode};
use crate::i18n::Lang;
use crate::tr;

use super::rules::StrataBy;

/// An error found while freezing the inputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DrawError {
    /// The inputs break the protocol's rules.
    Input(InputError),
    /// The inputs are valid but the rules cannot be met.
    Infeasible(Infeasible),
}

/// Which input list a row belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    Population,
    Inspectors,
    Recusals,
}

impl Table {
    /// The name used in field paths and in the bundle (`population.csv` ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Table::Population => "population",
            Table::Inspectors => "inspectors",
            Table::Recusals => "recusals",
        }
    }
}

/// Where an input error is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// A member of the rules, as a path such as `rules.scope.regions`.
    Rules(String),
    /// A field of a row (0-based, in the order the rows were given).
    Row {
        table: Table,
        row: usize,
        field: &'static str,
    },
    /// The `index`-th witness entropy (0-based).
    Entropy(usize),
    /// A member (`name`, `role`, `unit`) of the `index`-th witness (0-based).
    Witness { index: usize, member: &'static str },
    /// The list of entropies as a whole.
    Entropies,
    /// An entity, named by code and name.
    Entity { code: String, name: String },
}

impl Place {
    /// The path form used in `expected_error.field`: `rules.quota`, `population[3].name`, `entropies[0]`.
    pub fn path(&self) -> String {
        match self {
            Place::Rules(p) => p.clone(),
            Place::Row { table, row, field } => format!("{}[{row}].{field}", table.as_str()),
            Place::Entropy(i) => format!("entropies[{i}]"),
            Place::Witness { index, member } => format!("witnesses[{index}].{member}"),
            Place::Entropies => "entropies".to_string(),
            Place::Entity { code, .. } => code.clone(),
        }
    }
}

/// The kinds of input error; the snake_case names are the `code` of `expected_error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputCode {
    /// The rules are not JSON of the required shape (a missing or unknown member, a wrong type).
    Json,
    /// `algorithm` is not `fairdraw-draw/1`.
    Algorithm,
    /// A string is not in Unicode NFC.
    NotNfc,
    /// A string has leading or trailing white space.
    Whitespace,
    /// A date is not a valid `YYYY-MM-DD` (or is empty where a date is required).
    BadDate,
    /// A value is outside what the field allows (a risk class other than A–D, a group size below 2, ...).
    BadValue,
    /// A list that must be sorted ascending without duplicates is not.
    NotSorted,
    /// A key (entity code, staff number, recusal pair) appears twice.
    Duplicate,
    /// A population entity does not satisfy the rules' scope (§6.1).
    OutOfScope,
    /// A list or a string is too long to be encoded (more than 2^32 − 1 elements or bytes).
    TooLarge,
    /// No witness entropy was given.
    NoEntropy,
}

impl InputCode {
    pub fn as_str(self) -> &'static str {
        match self {
            InputCode::Json => "json",
            InputCode::Algorithm => "algorithm",
            InputCode::NotNfc => "not_nfc",
            InputCode::Whitespace => "whitespace",
            InputCode::BadDate => "bad_date",
            InputCode::BadValue => "bad_value",
            InputCode::NotSorted => "not_sorted",
            InputCode::Duplicate => "duplicate",
            InputCode::OutOfScope => "out_of_scope",
            InputCode::TooLarge => "too_large",
            InputCode::NoEntropy => "no_entropy",
        }
    }
}

/// An input that breaks the protocol's rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub code: InputCode,
    pub place: Place,
    /// The offending value or a short detail (for the message; not part of `expected_error`).
    pub detail: String,
}

/// A stratum named with the kind of its key, for messages ("风险分类 B 层").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StratumName {
    pub by: StrataBy,
    pub key: String,
}

impl StratumName {
    pub fn describe(&self, lang: Lang) -> String {
        match self.by {
            StrataBy::None => tr!(lang, "全部对象（不分层）", "the whole population (no strata)"),
            StrataBy::RiskClass => tr!(lang, "风险分类 {} 层", "risk class stratum {}", self.key),
            StrataBy::Region => tr!(lang, "区域 {} 层", "region stratum {}", self.key),
        }
    }
}

/// What a group lacks (in the §8.2 conditions for one group, §8.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lack {
    Leader,
    Expert,
    Department(String),
    Inspectors { available: u32, needed: u32 },
}

/// Valid inputs whose rules cannot be met.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Infeasible {
    /// A non-empty stratum has no ratio and there is no `default_bp` (§7.2).
    NoRatio { stratum: StratumName },
    /// `quota.total` exceeds the number of non-excluded entities (§7.2).
    CountExceedsPopulation { total: u32, size: u64 },
    /// A `per_stratum` count exceeds its stratum's size (§7.2).
    CountExceedsStratum {
        stratum: StratumName,
        count: u32,
        size: u32,
    },
    /// The group size is too small for one inspector per department (plus leader and expert) (§8.2).
    GroupSize { group_size: u32, needed: u32 },
    /// Too few eligible leader candidates in the lead department (§8.2).
    Leaders {
        department: String,
        needed: u32,
        available: u32,
    },
    /// Too few eligible experts (§8.2).
    Experts { needed: u32, available: u32 },
    /// A department has too few eligible inspectors (§8.2).
    Department {
        department: String,
        needed: u32,
        available: u32,
    },
    /// Too few eligible inspectors for all groups (§8.2).
    Inspectors { needed: u32, available: u32 },
    /// Recusal leaves a possible target without any possible group (§8.4).
    Recusal {
        code: String,
        name: String,
        lacking: Lack,
    },
}

impl Infeasible {
    /// The subject of §8.5: which member of `expected_error` names what the problem is about, and its value.
    pub fn subject(&self) -> (&'static str, String) {
        match self {
            Infeasible::NoRatio { stratum } | Infeasible::CountExceedsStratum { stratum, .. } => {
                ("stratum", stratum.key.clone())
            }
            Infeasible::CountExceedsPopulation { .. } => ("condition", "total".into()),
            Infeasible::GroupSize { .. } => ("condition", "group_size".into()),
            Infeasible::Leaders { department, .. } | Infeasible::Department { department, .. } => {
                ("department", department.clone())
            }
            Infeasible::Experts { .. } => ("condition", "expert".into()),
            Infeasible::Inspectors { .. } => ("condition", "pool".into()),
            Infeasible::Recusal { code, .. } => ("entity", code.clone()),
        }
    }

    /// The snake_case kind of infeasibility (for diagnostics; not part of `expected_error`).
    pub fn code(&self) -> &'static str {
        match self {
            Infeasible::NoRatio { .. } => "no_ratio",
            Infeasible::CountExceedsPopulation { .. } => "count_exceeds_population",
            Infeasible::CountExceedsStratum { .. } => "count_exceeds_stratum",
            Infeasible::GroupSize { .. } => "group_size",
            Infeasible::Leaders { .. } => "leaders",
            Infeasible::Experts { .. } => "experts",
            Infeasible::Department { .. } => "department",
            Infeasible::Inspectors { .. } => "inspectors",
            Infeasible::Recusal { .. } => "recusal",
        }
    }
}

/// Department code → name, for messages. Unknown codes are shown as the code alone.
pub type DepartmentNames = BTreeMap<String, String>;

fn department(code: &str, names: &DepartmentNames) -> String {
    match names.get(code) {
        Some(name) => format!("{code} {name}"),
        None => code.to_string(),
    }
}

impl DrawError {
    pub(crate) fn input(code: InputCode, place: Place, detail: impl Into<String>) -> DrawError {
        DrawError::Input(InputError {
            code,
            place,
            detail: detail.into(),
        })
    }

    /// The `expected_error` object of the test vectors (§13): `{"kind": "input"}` for an input error, and
    /// for an infeasibility `kind` with the one subject member of §8.5 (`stratum`, `department`, `entity` or
    /// `condition`).
    pub fn expected_error(&self) -> Value {
        match self {
            DrawError::Input(_) => json!({"kind": "input"}),
            DrawError::Infeasible(i) => {
                let (member, value) = i.subject();
                json!({"kind": "infeasible", member: value})
            }
        }
    }

    /// A fuller JSON form for diagnostics and `--json` output: `kind`, `code` (the snake_case kind of
    /// problem) and, for input errors, `field` (a path such as `population[3].name`, rows numbered from 0 in
    /// the order given) or `entity`; for infeasibilities, the subject of §8.5.
    pub fn details(&self) -> Value {
        let mut v = self.expected_error();
        if let Some(obj) = v.as_object_mut() {
            obj.insert("code".into(), Value::String(self.code_str().into()));
            if let DrawError::Input(e) = self {
                match &e.place {
                    Place::Entity { code, .. } => obj.insert("entity".into(), Value::String(code.clone())),
                    p => obj.insert("field".into(), Value::String(p.path())),
                };
            }
        }
        v
    }

    /// The snake_case kind of problem: an [`InputCode`] or an [`Infeasible`] code.
    pub fn code_str(&self) -> &'static str {
        match self {
            DrawError::Input(e) => e.code.as_str(),
            DrawError::Infeasible(i) => i.code(),
        }
    }

    /// The error code of `fairdraw::Error`: `Invalid` for input errors, `Infeasible` for infeasibilities.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            DrawError::Input(_) => ErrorCode::Invalid,
            DrawError::Infeasible(_) => ErrorCode::Infeasible,
        }
    }

    /// The message in `lang`, naming departments by code and name where `names` knows them.
    pub fn message(&self, lang: Lang, names: &DepartmentNames) -> String {
        match self {
            DrawError::Input(e) => input_message(e, lang),
            DrawError::Infeasible(i) => infeasible_message(i, lang, names),
        }
    }

    /// Converts to the library error, with department names from `names`.
    pub fn into_error(self, names: &DepartmentNames) -> Error {
        Error::other(
            self.error_code(),
            self.message(Lang::Zh, names),
            self.message(Lang::En, names),
        )
    }
}

impl From<DrawError> for Error {
    fn from(e: DrawError) -> Error {
        e.into_error(&DepartmentNames::new())
    }
}

impl std::fmt::Display for DrawError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En, &DepartmentNames::new()))
    }
}

impl std::error::Error for DrawError {}

/// What is wrong, without where: shared by the generic message and the bundle reader's file/line messages.
pub fn input_problem(code: InputCode, detail: &str, lang: Lang) -> String {
    match code {
        InputCode::Json => tr!(lang, "格式不符合规范：{}", "not of the required form: {}", detail),
        InputCode::Algorithm => tr!(
            lang,
            "不支持的算法 {:?}，本程序实现 fairdraw-draw/1",
            "unsupported algorithm {:?}; this program implements fairdraw-draw/1",
            detail
        ),
        InputCode::NotNfc => tr!(
            lang,
            "文本不是 Unicode NFC 规范形式（{:?}），请先经导入规范化",
            "text is not in Unicode NFC ({:?}); normalise it by importing it",
            detail
        ),
        InputCode::Whitespace => tr!(
            lang,
            "文本首尾有空白字符（{:?}）",
            "text has leading or trailing white space ({:?})",
            detail
        ),
        InputCode::BadDate => tr!(
            lang,
            "日期 {:?} 不是有效的 YYYY-MM-DD 日期",
            "{:?} is not a valid YYYY-MM-DD date",
            detail
        ),
        InputCode::BadValue => tr!(lang, "取值不允许：{}", "value not allowed: {}", detail),
        InputCode::NotSorted => tr!(
            lang,
            "列表须按升序排列且不重复（{}）",
            "the list must be sorted ascending without duplicates ({})",
            detail
        ),
        InputCode::Duplicate => tr!(lang, "重复：{}", "appears twice: {}", detail),
        InputCode::OutOfScope => tr!(
            lang,
            "不符合本次抽查范围（{}）",
            "is outside the task's scope ({})",
            detail
        ),
        InputCode::TooLarge => tr!(lang, "过长：{}", "too large: {}", detail),
        InputCode::NoEntropy => tr!(
            lang,
            "至少需要一位监督见证人的随机数",
            "at least one witness entropy is needed"
        ),
    }
}

fn input_message(e: &InputError, lang: Lang) -> String {
    let problem = input_problem(e.code, &e.detail, lang);
    match &e.place {
        Place::Rules(path) => tr!(lang, "摇号规则 {}：{}", "{}: {}", path, problem),
        Place::Row { table, row, field } => {
            let table_zh = match table {
                Table::Population => "检查对象名单",
                Table::Inspectors => "执法检查人员名单",
                Table::Recusals => "回避名单",
            };
            tr!(
                lang,
                "{}第 {} 条 {} 字段：{}",
                "{} row {}, field {}: {}",
                table_zh,
                row + 1,
                field,
                problem
            )
        }
        Place::Entropy(i) => tr!(
            lang,
            "第 {} 位见证人的随机数：{}",
            "entropy of witness {}: {}",
            i + 1,
            problem
        ),
        Place::Witness { index, member } => tr!(
            lang,
            "第 {} 位见证人的 {}：{}",
            "witness {}, {}: {}",
            index + 1,
            member,
            problem
        ),
        Place::Entropies => problem,
        Place::Entity { code, name } => tr!(
            lang,
            "检查对象 {} {}：{}",
            "entity {} {}: {}",
            code,
            name,
            problem
        ),
    }
}

fn lack_message(l: &Lack, lang: Lang, names: &DepartmentNames) -> String {
    match l {
        Lack::Leader => tr!(lang, "没有可担任组长的人员", "no possible group leader"),
        Lack::Expert => tr!(lang, "没有专家", "no expert"),
        Lack::Department(d) => tr!(lang, "没有 {} 的人员", "nobody from {}", department(d, names)),
        Lack::Inspectors { available, needed } => tr!(
            lang,
            "只剩 {} 名可选人员，一组需要 {} 名",
            "only {} inspectors remain and a group needs {}",
            available,
            needed
        ),
    }
}

fn infeasible_message(i: &Infeasible, lang: Lang, names: &DepartmentNames) -> String {
    match i {
        Infeasible::NoRatio { stratum } => tr!(
            lang,
            "{}没有规定抽查比例（也没有默认比例）",
            "{} has no ratio and there is no default ratio",
            stratum.describe(lang)
        ),
        Infeasible::CountExceedsPopulation { total, size } => tr!(
            lang,
            "要求抽取 {} 户，但排除后只有 {} 户检查对象",
            "{} targets are requested but only {} entities remain after exclusions",
            total,
            size
        ),
        Infeasible::CountExceedsStratum { stratum, count, size } => tr!(
            lang,
            "{}要求抽取 {} 户，但该层只有 {} 户",
            "{} asks for {} targets but has only {} entities",
            stratum.describe(lang),
            count,
            size
        ),
        Infeasible::GroupSize { group_size, needed } => tr!(
            lang,
            "每组 {} 人不够：每个部门至少一人（及组长、专家）需要每组至少 {} 人",
            "groups of {} are too small: one inspector per department (and leader, expert) needs at least {}",
            group_size,
            needed
        ),
        Infeasible::Leaders {
            department: d,
            needed,
            available,
        } => tr!(
            lang,
            "牵头部门 {} 只有 {} 名符合条件的组长人选，需要 {} 名（每组一名）",
            "the lead department {} has {} eligible leader candidates but {} are needed (one per group)",
            department(d, names),
            available,
            needed
        ),
        Infeasible::Experts { needed, available } => tr!(
            lang,
            "只有 {} 名符合条件的专家，需要 {} 名（每组一名）",
            "there are {} eligible experts but {} are needed (one per group)",
            available,
            needed
        ),
        Infeasible::Department {
            department: d,
            needed,
            available,
        } => tr!(
            lang,
            "部门 {} 只有 {} 名符合条件的执法检查人员，需要 {} 名（每组一名）",
            "department {} has {} eligible inspectors but {} are needed (one per group)",
            department(d, names),
            available,
            needed
        ),
        Infeasible::Inspectors { needed, available } => tr!(
            lang,
            "只有 {} 名符合条件的执法检查人员，分组需要 {} 名",
            "there are {} eligible inspectors but the groups need {}",
            available,
            needed
        ),
        Infeasible::Recusal { code, name, lacking } => tr!(
            lang,
            "检查对象 {} {}：除去须回避的人员后{}，无法组成可检查该对象的检查组",
            "entity {} {}: after recusals there is {}, so no group could inspect it",
            code,
            name,
            lack_message(lacking, lang, names)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_stratum_department_and_entity() {
        let names: DepartmentNames = [("D13".to_string(), "卫健委".to_string())].into();
        let e = DrawError::Infeasible(Infeasible::NoRatio {
            stratum: StratumName {
                by: StrataBy::RiskClass,
                key: "B".into(),
            },
        });
        assert_eq!(
            e.message(Lang::Zh, &names),
            "风险分类 B 层没有规定抽查比例（也没有默认比例）"
        );
        assert_eq!(e.expected_error(), json!({"kind": "infeasible", "stratum": "B"}));
        assert_eq!(
            e.details(),
            json!({"kind": "infeasible", "code": "no_ratio", "stratum": "B"})
        );
        let e = DrawError::Infeasible(Infeasible::Department {
            department: "D13".into(),
            needed: 3,
            available: 0,
        });
        assert_eq!(
            e.message(Lang::En, &names),
            "department D13 卫健委 has 0 eligible inspectors but 3 are needed (one per group)"
        );
        let err: Error = e.clone().into_error(&names);
        assert_eq!(err.code(), ErrorCode::Infeasible);
        assert!(err.message(Lang::Zh).contains("部门 D13 卫健委 只有 0 名"));
        let e = DrawError::Infeasible(Infeasible::Recusal {
            code: "91430000MA4L00001X".into(),
            name: "永州𠮷食品店".into(),
            lacking: Lack::Department("D13".into()),
        });
        assert_eq!(
            e.message(Lang::Zh, &names),
            "检查对象 91430000MA4L00001X 永州𠮷食品店：除去须回避的人员后没有 D13 卫健委 的人员，无法组成可检查该对象的检查组"
        );
        assert_eq!(
            e.expected_error(),
            json!({"kind": "infeasible", "entity": "91430000MA4L00001X"})
        );
        let e = DrawError::input(
            InputCode::NotNfc,
            Place::Row {
                table: Table::Population,
                row: 3,
                field: "name",
            },
            "cafe\u{301}",
        );
        assert_eq!(e.expected_error(), json!({"kind": "input"}));
        assert_eq!(
            e.details(),
            json!({"kind": "input", "code": "not_nfc", "field": "population[3].name"})
        );
        assert_eq!(Error::from(e).code(), ErrorCode::Invalid);
    }
}
