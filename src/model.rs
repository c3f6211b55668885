//! The domain types of the four registers (名录库 and 清单): departments, entities, inspectors and items.
//!
//! Values in these types are already validated and normalised (see `normalize` and `codes`): the draw,
//! the ceremony and the exporters never see a raw spreadsheet cell. Free-text fields use an empty string
//! for "unknown"; dates and the credit risk class are `Option`s.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The last valid day that stands for 长期/永久 (a certificate without expiry), as in the draw protocol §4.2.
pub const NO_EXPIRY: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => panic!("9999-12-31 is a valid date"),
};

/// A department (部门) of the joint meeting, e.g. 市场监管局.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    /// Short stable identifier, e.g. `D01`.
    pub code: String,
    /// Full name as people write it, e.g. `市场监管局`.
    pub name: String,
}

/// Credit risk class (信用风险分类) of an entity: A 低, B 一般, C 较高, D 高.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RiskClass {
    A,
    B,
    C,
    D,
}

impl RiskClass {
    /// All classes in canonical order.
    pub const ALL: [RiskClass; 4] = [RiskClass::A, RiskClass::B, RiskClass::C, RiskClass::D];

    /// The one-letter form stored and hashed: `A`..`D`.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskClass::A => "A",
            RiskClass::B => "B",
            RiskClass::C => "C",
            RiskClass::D => "D",
        }
    }

    /// The Chinese label: 低 / 一般 / 较高 / 高 (风险).
    pub fn label_zh(self) -> &'static str {
        match self {
            RiskClass::A => "低风险",
            RiskClass::B => "一般风险",
            RiskClass::C => "较高风险",
            RiskClass::D => "高风险",
        }
    }

    /// Parses the forms found in government spreadsheets: `A`, `A类`, `低`, `低风险`, `一般`, `较高风险`, `高` ...
    /// The input is expected to be normalised (trimmed, full-width folded) already.
    pub fn parse(s: &str) -> Option<RiskClass> {
        let t = s.trim();
        let t = t.strip_suffix("类").unwrap_or(t);
        let t = t.strip_suffix("级").unwrap_or(t);
        let t = t.strip_suffix("风险").unwrap_or(t);
        match t {
            "A" | "a" | "低" => Some(RiskClass::A),
            "B" | "b" | "一般" | "中" => Some(RiskClass::B),
            "C" | "c" | "较高" => Some(RiskClass::C),
            "D" | "d" | "高" => Some(RiskClass::D),
            _ => None,
        }
    }
}

/// A market entity (市场主体 / 检查对象) from the 检查对象名录库.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    /// 统一社会信用代码 (18 characters) or old 注册号 (15 digits), upper-case. The register's key.
    pub code: String,
    /// 企业名称 / 主体名称, NFC-normalised.
    pub name: String,
    /// 类型, e.g. 有限责任公司, 个体工商户.
    pub entity_type: String,
    /// 行业.
    pub industry: String,
    /// 住所 / 经营场所.
    pub address: String,
    /// 登记机关 / 管辖单位.
    pub authority: String,
    /// 所属区域: district or county, e.g. 冷水滩区.
    pub region: String,
    /// 乡镇 / 街道.
    pub town: String,
    /// 成立日期.
    pub established: Option<NaiveDate>,
    /// 经营状态: 存续, 在业, 注销, 吊销, 迁出, 撤销 ...
    pub status: String,
    /// 信用风险分类, when known.
    pub risk_class: Option<RiskClass>,
    /// Free tags (标签), sorted and deduplicated.
    pub tags: Vec<String>,
    /// The date of the last completed inspection, when known.
    pub last_inspected: Option<NaiveDate>,
}

/// An inspector (执法检查人员) from the 执法检查人员名录库.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspector {
    /// 工号: the register's key.
    pub staff_no: String,
    /// 姓名.
    pub name: String,
    /// Department code (see [`Department::code`]).
    pub department: String,
    /// 执法证编号.
    pub certificate_no: String,
    /// 执法证有效期 (last valid day). [`NO_EXPIRY`] (9999-12-31) means 长期 (no expiry); `None` means unknown,
    /// and an inspector whose certificate validity is unknown is not eligible for a draw.
    pub certificate_valid_until: Option<NaiveDate>,
    /// 岗位资质资格, sorted and deduplicated.
    pub qualifications: Vec<String>,
    /// 是否专家.
    pub expert: bool,
    /// 地区.
    pub region: String,
    /// 状态: 在岗, 离岗, 借调, 退休 ...
    pub status: String,
}

/// An inspection item (抽查事项) from a department's published item list (抽查事项清单).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// 事项编码: the register's key.
    pub code: String,
    /// 抽查事项名称.
    pub name: String,
    /// Department code.
    pub department: String,
    /// 抽查依据.
    pub legal_basis: String,
    /// 抽查主体.
    pub subject: String,
    /// 抽查对象.
    pub object: String,
    /// 抽查方式.
    pub method: String,
    /// 抽查比例和频次 (as published, free text).
    pub ratio_frequency: String,
    /// 检查人员要求.
    pub inspector_requirements: String,
    /// 备注.
    pub notes: String,
}

/// The four registers, named as on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Register {
    Departments,
    Entities,
    Inspectors,
    Items,
}

impl Register {
    /// The command-line and JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Register::Departments => "departments",
            Register::Entities => "entities",
            Register::Inspectors => "inspectors",
            Register::Items => "items",
        }
    }

    /// The Chinese name shown to users.
    pub fn label_zh(self) -> &'static str {
        match self {
            Register::Departments => "部门",
            Register::Entities => "检查对象名录库",
            Register::Inspectors => "执法检查人员名录库",
            Register::Items => "抽查事项清单",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_class_parses_spreadsheet_forms() {
        assert_eq!(RiskClass::parse("A"), Some(RiskClass::A));
        assert_eq!(RiskClass::parse("A类"), Some(RiskClass::A));
        assert_eq!(RiskClass::parse("低风险"), Some(RiskClass::A));
        assert_eq!(RiskClass::parse("一般"), Some(RiskClass::B));
        assert_eq!(RiskClass::parse("较高风险"), Some(RiskClass::C));
        assert_eq!(RiskClass::parse("高"), Some(RiskClass::D));
        assert_eq!(RiskClass::parse("E"), None);
        assert_eq!(RiskClass::parse(""), None);
    }
}
