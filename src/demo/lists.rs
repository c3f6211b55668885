//! The fixed lists of the demo: Yongzhou's seventeen joint-meeting departments (with the qualifications
//! their inspectors hold) and a 抽查事项清单 in the shape departments publish it, citing the laws that
//! authorise each check. These are not random: a published list is the same for every draw.

use crate::model::{Department, Item};

/// A department of the joint meeting and the 岗位资质资格 of its inspectors.
pub struct DemoDepartment {
    pub code: &'static str,
    pub name: &'static str,
    pub qualifications: &'static [&'static str],
}

const fn dept(
    code: &'static str,
    name: &'static str,
    qualifications: &'static [&'static str],
) -> DemoDepartment {
    DemoDepartment {
        code,
        name,
        qualifications,
    }
}

/// The departments in the order and with the codes of `src/db/migrations/0001_registers.sql`.
pub static DEPARTMENTS: [DemoDepartment; 17] = [
    dept(
        "D01",
        "市场监管局",
        &[
            "食品安全",
            "特种设备",
            "药品",
            "医疗器械",
            "化妆品",
            "价格监督",
            "广告监管",
            "计量",
            "标准化",
            "知识产权",
            "产品质量",
            "网络交易",
            "企业信息公示",
        ],
    ),
    dept("D02", "司法局", &["法律服务", "行政执法监督"]),
    dept("D03", "行政审批服务局", &["许可事项核查", "行政审批"]),
    dept("D04", "教育局", &["民办教育", "校外培训监管"]),
    dept("D05", "公安局", &["治安管理", "特种行业管理", "危爆物品管理"]),
    dept("D06", "人社局", &["劳动保障监察", "职业技能鉴定"]),
    dept(
        "D07",
        "生态环境局",
        &["环境监察", "排污许可", "固体废物", "环境监测"],
    ),
    dept(
        "D08",
        "住建局",
        &["建筑工程质量", "建筑市场", "燃气安全", "房地产市场"],
    ),
    dept("D09", "交通运输局", &["道路运输", "水路运输", "工程质量监督"]),
    dept(
        "D10",
        "农业农村局",
        &["农产品质量安全", "农资监管", "兽药饲料", "动物防疫"],
    ),
    dept("D11", "商务局", &["单用途预付卡", "成品油流通", "报废机动车回收"]),
    dept(
        "D12",
        "文旅广体局",
        &["文化市场", "旅游市场", "出版物", "广播电视"],
    ),
    dept(
        "D13",
        "卫健委",
        &["公共卫生", "医疗机构监督", "职业卫生", "传染病防治"],
    ),
    dept(
        "D14",
        "应急管理局",
        &["安全生产", "危险化学品", "非煤矿山", "烟花爆竹"],
    ),
    dept("D15", "税务局", &["税务稽查", "发票管理"]),
    dept("D16", "统计局", &["统计执法"]),
    dept("D17", "永州海关", &["海关稽查", "进出口商品检验", "动植物检疫"]),
];

/// The departments as register rows.
pub fn departments() -> Vec<Department> {
    DEPARTMENTS
        .iter()
        .map(|d| Department {
            code: d.code.to_string(),
            name: d.name.to_string(),
        })
        .collect()
}

/// The name of a department code, or the code itself if it is not one of the seventeen.
pub fn department_name(code: &str) -> &str {
    DEPARTMENTS
        .iter()
        .find(|d| d.code == code)
        .map(|d| d.name)
        .unwrap_or(code)
}

const REQUIREMENT: &str = "持有效行政执法证件，每组不少于2人";
const ENTERPRISES: &str = "辖区内各类企业、农民专业合作社";

/// One row of the item list: (department, name, 抽查依据, 抽查主体, 抽查对象, 抽查方式, 抽查比例和频次,
/// 检查人员要求, 备注).
type ItemRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

static ITEMS: &[ItemRow] = &[
    (
        "D01",
        "企业信息公示情况检查",
        "《企业信息公示暂行条例》第十四条、第十五条",
        "市、县两级市场监管部门",
        ENTERPRISES,
        "书面检查、实地检查、网络监测",
        "不低于3%，每年1次",
        REQUIREMENT,
        "检查年度报告、即时信息公示的真实性",
    ),
    (
        "D01",
        "个体工商户年度报告公示情况检查",
        "《个体工商户年度报告暂行办法》第十一条",
        "县级市场监管部门",
        "辖区内个体工商户",
        "书面检查、实地检查",
        "不低于1%，每年1次",
        REQUIREMENT,
        "",
    ),
    (
        "D01",
        "食品生产经营者监督检查",
        "《中华人民共和国食品安全法》第一百一十条",
        "市、县两级市场监管部门",
        "食品生产者、食品销售者、餐饮服务提供者",
        "实地检查、抽样检验",
        "按风险等级确定，A类不低于5%，D类全覆盖，每年至少1次",
        "持有效行政执法证件，具备食品安全检查资质，每组不少于2人",
        "可与食品安全抽检结合开展",
    ),
    (
        "D01",
        "特种设备使用单位监督检查",
        "《中华人民共和国特种设备安全法》第五十七条、第六十一条",
        "市、县两级市场监管部门",
        "使用电梯、锅炉、压力容器、起重机械、场（厂）内专用机动车辆的单位",
        "实地检查",
        "不低于5%，每年1次",
        "持有效行政执法证件，至少1人具备特种设备安全监察资格",
        "",
    ),
    (
        "D01",
        "产品质量监督抽查",
        "《中华人民共和国产品质量法》第十五条",
        "市级市场监管部门",
        "辖区内产品生产者、销售者",
        "抽样检验、委托专业机构",
        "按年度抽查计划确定批次",
        REQUIREMENT,
        "检验结果依法公布",
    ),
    (
        "D01",
        "药品零售企业监督检查",
        "《中华人民共和国药品管理法》第九十九条",
        "县级市场监管部门",
        "药品零售企业、零售连锁门店",
        "实地检查",
        "不低于5%，每年1次",
        "持有效行政执法证件，具备药品检查资质",
        "",
    ),
    (
        "D01",
        "化妆品经营者监督检查",
        "《化妆品监督管理条例》第四十六条",
        "县级市场监管部门",
        "化妆品经营者、美容美发场所",
        "实地检查、抽样检验",
        "不低于3%，每年1次",
        REQUIREMENT,
        "",
    ),
    (
        "D01",
        "计量器具使用监督检查",
        "《中华人民共和国计量法》第十八条",
        "市、县两级市场监管部门",
        "集贸市场、加油站、眼镜店等使用强制检定计量器具的单位",
        "实地检查、检验检测",
        "不低于3%，每年1次",
        "持有效行政执法证件，至少1人熟悉计量业务",
        "",
    ),
    (
        "D01",
        "广告发布行为检查",
        "《中华人民共和国广告法》第四十九条",
        "市、县两级市场监管部门",
        "广告主、广告经营者、广告发布者",
        "网络监测、书面检查",
        "不低于2%，每年1次",
        REQUIREMENT,
        "",
    ),
    (
        "D01",
        "明码标价和价格行为检查",
        "《中华人民共和国价格法》第三十四条；《明码标价和禁止价格欺诈规定》",
        "县级市场监管部门",
        "商品经营者、服务提供者",
        "实地检查",
        "不低于3%，每年1次",
        REQUIREMENT,
        "",
    ),
    (
        "D01",
        "网络交易经营者检查",
        "《中华人民共和国电子商务法》第六条；《网络交易监督管理办法》",
        "市级市场监管部门",
        "通过网络销售商品或提供服务的经营者",
        "网络监测",
        "不低于3%，每年1次",
        REQUIREMENT,
        "",
    ),
    (
        "D07",
        "排污单位检查",
        "《中华人民共和国环境保护法》第二十四条；《排污许可管理条例》",
        "市、县两级生态环境部门",
        "纳入排污许可管理的企业事业单位和其他生产经营者",
        "实地检查、检验检测",
        "重点排污单位不低于20%，一般排污单位不低于5%，每年1次",
        "持有效行政执法证件，每组不少于2人",
        "",
    ),
    (
        "D08",
        "建设工程质量安全检查",
        "《建设工程质量管理条例》第四十七条；《建设工程安全生产管理条例》",
        "市、县两级住房城乡建设部门",
        "在建房屋建筑和市政基础设施工程项目的建设、施工、监理单位",
        "实地检查",
        "不低于5%，每年1次",
        REQUIREMENT,
        "",
    ),
    (
        "D08",
        "燃气经营企业检查",
        "《城镇燃气管理条例》",
        "市、县两级住房城乡建设部门",
        "持有燃气经营许可证的企业",
        "实地检查",
        "不低于10%，每年1次",
        REQUIREMENT,
        "可与应急管理局联合开展",
    ),
    (
        "D09",
        "道路运输经营者检查",
        "《中华人民共和国道路运输条例》",
        "市、县两级交通运输部门",
        "道路旅客运输、货物运输经营者，机动车维修经营者",
        "书面检查、实地检查",
        "不低于3%，每年1次",
        REQUIREMENT,
        "",
    ),
    (
        "D10",
        "农药、兽药经营者检查",
        "《农药管理条例》；《兽药管理条例》",
        "县级农业农村部门",
        "农药经营者、兽药经营企业",
        "实地检查、抽样检验",
        "不低于5%，每年1次",
        REQUIREMENT,
        "",
    ),
    (
        "D11",
        "单用途商业预付卡发卡企业检查",
        "《单用途商业预付卡管理办法（试行）》",
        "市、县两级商务部门",
        "发行单用途商业预付卡的零售、住宿和餐饮、居民服务企业",
        "书面检查、实地检查",
        "不低于3%，每年1次",
        REQUIREMENT,
        "",
    ),
    (
        "D12",
        "旅行社经营行为检查",
        "《中华人民共和国旅游法》第八十三条；《旅行社条例》",
        "市、县两级文化旅游部门",
        "旅行社及其分社、服务网点",
        "实地检查、书面检查",
        "不低于5%，每年1次",
        REQUIREMENT,
        "",
    ),
    (
        "D12",
        "娱乐场所经营活动检查",
        "《娱乐场所管理条例》",
        "县级文化旅游部门",
        "歌舞、游艺娱乐场所",
        "实地检查",
        "不低于5%，每年1次",
        REQUIREMENT,
        "",
    ),
    (
        "D13",
        "公共场所卫生监督检查",
        "《公共场所卫生管理条例》",
        "县级卫生健康部门",
        "住宿、沐浴、美容美发等公共场所经营者",
        "实地检查、检验检测",
        "不低于5%，每年1次",
        REQUIREMENT,
        "",
    ),
    (
        "D13",
        "医疗机构依法执业检查",
        "《医疗机构管理条例》",
        "市、县两级卫生健康部门",
        "诊所、门诊部、民营医院",
        "实地检查",
        "不低于5%，每年1次",
        REQUIREMENT,
        "",
    ),
    (
        "D14",
        "工贸企业安全生产检查",
        "《中华人民共和国安全生产法》第六十五条",
        "市、县两级应急管理部门",
        "冶金、有色、建材、机械、轻工、纺织、烟草、商贸企业",
        "实地检查",
        "不低于5%，每年1次",
        REQUIREMENT,
        "",
    ),
    (
        "D14",
        "危险化学品经营单位检查",
        "《危险化学品安全管理条例》",
        "县级应急管理部门",
        "危险化学品经营单位、加油站",
        "实地检查",
        "不低于10%，每年1次",
        REQUIREMENT,
        "可与市场监管局联合开展（计量）",
    ),
    (
        "D06",
        "用人单位劳动保障守法情况检查",
        "《劳动保障监察条例》第十一条",
        "市、县两级人力资源社会保障部门",
        "辖区内用人单位",
        "书面检查、实地检查",
        "不低于3%，每年1次",
        REQUIREMENT,
        "",
    ),
    (
        "D04",
        "校外培训机构检查",
        "《中华人民共和国民办教育促进法》",
        "县级教育部门",
        "面向中小学生的校外培训机构",
        "实地检查",
        "不低于10%，每年1次",
        REQUIREMENT,
        "",
    ),
    (
        "D15",
        "纳税人税收检查",
        "《中华人民共和国税收征收管理法》第五十四条",
        "税务机关",
        "辖区内纳税人",
        "书面检查、实地检查",
        "按税务稽查随机抽查名录库确定",
        REQUIREMENT,
        "",
    ),
    (
        "D16",
        "统计调查对象统计数据质量检查",
        "《中华人民共和国统计法》",
        "市、县两级统计部门",
        "联网直报统计调查对象",
        "书面检查、实地检查",
        "不低于1%，每年1次",
        REQUIREMENT,
        "",
    ),
    (
        "D17",
        "进出口企业稽查",
        "《中华人民共和国海关稽查条例》",
        "永州海关",
        "辖区内进出口货物收发货人",
        "书面检查、实地检查",
        "按海关总署布控指令确定",
        REQUIREMENT,
        "",
    ),
    (
        "D05",
        "旅馆业治安管理检查",
        "《旅馆业治安管理办法》",
        "县级公安机关",
        "旅馆、宾馆、民宿",
        "实地检查",
        "不低于5%，每年1次",
        REQUIREMENT,
        "",
    ),
];

/// The item list. Codes are `{department}-{number}`, numbered within each department in list order.
pub fn items() -> Vec<Item> {
    let mut counters = [0u32; 17];
    ITEMS
        .iter()
        .map(
            |&(department, name, basis, subject, object, method, ratio, requirements, notes)| {
                let d = DEPARTMENTS.iter().position(|d| d.code == department).unwrap_or(0);
                counters[d] += 1;
                Item {
                    code: format!("{department}-{:03}", counters[d]),
                    name: name.to_string(),
                    department: department.to_string(),
                    legal_basis: basis.to_string(),
                    subject: subject.to_string(),
                    object: object.to_string(),
                    method: method.to_string(),
                    ratio_frequency: ratio.to_string(),
                    inspector_requirements: requirements.to_string(),
                    notes: notes.to_string(),
                }
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn departments_match_the_database_seed() {
        let sql = include_str!("../db/migrations/0001_registers.sql");
        for (i, d) in DEPARTMENTS.iter().enumerate() {
            let row = format!("('{}', '{}', {})", d.code, d.name, i + 1);
            assert!(sql.contains(&row), "{row}");
        }
    }

    #[test]
    fn items_have_unique_codes_known_departments_and_a_legal_basis() {
        let v = items();
        let codes: HashSet<&str> = v.iter().map(|i| i.code.as_str()).collect();
        assert_eq!(codes.len(), v.len());
        assert_eq!(v[0].code, "D01-001");
        assert_eq!(v[0].name, "企业信息公示情况检查");
        for i in &v {
            assert!(DEPARTMENTS.iter().any(|d| d.code == i.department), "{}", i.code);
            assert!(i.legal_basis.starts_with('《'), "{}", i.code);
            assert!(!i.ratio_frequency.is_empty());
        }
        let departments: HashSet<&str> = v.iter().map(|i| i.department.as_str()).collect();
        assert!(departments.len() >= 10);
    }
}
