//! Synthetic market entities (检查对象) of Yongzhou, streamed one at a time so a million of them need no
//! more memory than one.
//!
//! Every entity gets a valid, unique 统一社会信用代码: `9` (registered by market regulation), the category
//! (`1` enterprise, `2` 个体工商户, `3` 农民专业合作社), the six-digit division code of its registration
//! authority, a nine-character organisation code with its GB 11714 check character, and the GB 32100 check
//! character. Uniqueness needs no set of issued codes: each family of organisation codes (old numeric codes
//! of enterprises founded before the 2015 reform, and `MA4`/`MA7`/`MAC` + five characters for later ones,
//! as issued in Hunan over time) hands out serial numbers through a random bijection ([`Scatter`]).

use chrono::{Datelike, Days, NaiveDate};

use super::names::{self, RARE_CHARS};
use super::places::{self, District};
use super::rng::{DemoRng, Scatter, Stream};
use crate::codes::{GB32100_CHARSET, complete_credit_code, complete_org_code};
use crate::model::{Entity, RiskClass};

/// The earliest founding date generated (the 公司法 came into force in 1994).
const EARLIEST: (i32, u32, u32) = (1994, 7, 1);

/// The most entities one run may ask for: each organisation-code family must not run out of serials
/// (31^5 ≈ 28.6 million for each `MA…` family).
pub const MAX_ENTITIES: u64 = 20_000_000;

/// The default share of entity names with a rare character, in parts per million (0.2 %).
pub const DEFAULT_RARE_NAMES_PPM: u32 = 2_000;

// 国民经济行业分类 (GB/T 4754-2017) 门类 names.
const AGRICULTURE: &str = "农、林、牧、渔业";
const MINING: &str = "采矿业";
const MANUFACTURING: &str = "制造业";
const UTILITIES: &str = "电力、热力、燃气及水生产和供应业";
const CONSTRUCTION: &str = "建筑业";
const TRADE: &str = "批发和零售业";
const TRANSPORT: &str = "交通运输、仓储和邮政业";
const HOSPITALITY: &str = "住宿和餐饮业";
const IT: &str = "信息传输、软件和信息技术服务业";
const REAL_ESTATE: &str = "房地产业";
const BUSINESS_SERVICES: &str = "租赁和商务服务业";
const RESEARCH: &str = "科学研究和技术服务业";
const ENVIRONMENT: &str = "水利、环境和公共设施管理业";
const RESIDENT_SERVICES: &str = "居民服务、修理和其他服务业";
const EDUCATION: &str = "教育";
const HEALTH: &str = "卫生和社会工作";
const CULTURE: &str = "文化、体育和娱乐业";

// Tags (标签): the supervision fields an entity falls under, used by task filters.
const FOOD_TRADE: &str = "食品经营";
const FOOD_PRODUCTION: &str = "食品生产";
const SPECIAL_EQUIPMENT: &str = "特种设备";
const ONLINE: &str = "网络交易";
const PHARMACY: &str = "药品零售";
const MEDICAL_DEVICES: &str = "医疗器械";
const COSMETICS: &str = "化妆品";
const MEASURING: &str = "计量器具";
const ADVERTISING: &str = "广告";
const HAZARDOUS: &str = "危险化学品";
const FARM_SUPPLIES: &str = "农资";
const PUBLIC_PLACE: &str = "公共场所";
const FUEL: &str = "成品油";
const TRAINING: &str = "校外培训";
const WORK_SAFETY: &str = "安全生产";

/// A line of business: the word in the name, the industry, how common it is, and the tags it carries with
/// their probability in percent.
struct Business {
    word: &'static str,
    industry: &'static str,
    weight: u32,
    tags: &'static [(&'static str, u32)],
}

const fn biz(
    word: &'static str,
    industry: &'static str,
    weight: u32,
    tags: &'static [(&'static str, u32)],
) -> Business {
    Business {
        word,
        industry,
        weight,
        tags,
    }
}

/// Lines of business of companies: `永州市{字号}{word}有限公司`.
static COMPANY_BUSINESSES: &[Business] = &[
    biz("商贸", TRADE, 14, &[(ONLINE, 15)]),
    biz("贸易", TRADE, 6, &[]),
    biz("食品", TRADE, 6, &[(FOOD_TRADE, 100), (ONLINE, 10)]),
    biz("食品", MANUFACTURING, 3, &[(FOOD_PRODUCTION, 100)]),
    biz("餐饮管理", HOSPITALITY, 5, &[(FOOD_TRADE, 100)]),
    biz(
        "酒店管理",
        HOSPITALITY,
        3,
        &[(FOOD_TRADE, 80), (SPECIAL_EQUIPMENT, 60), (PUBLIC_PLACE, 100)],
    ),
    biz(
        "建筑工程",
        CONSTRUCTION,
        7,
        &[(SPECIAL_EQUIPMENT, 20), (WORK_SAFETY, 30)],
    ),
    biz("建设工程", CONSTRUCTION, 4, &[(WORK_SAFETY, 30)]),
    biz("装饰工程", CONSTRUCTION, 4, &[]),
    biz(
        "房地产开发",
        REAL_ESTATE,
        3,
        &[(SPECIAL_EQUIPMENT, 70), (ADVERTISING, 20)],
    ),
    biz("物业管理", REAL_ESTATE, 3, &[(SPECIAL_EQUIPMENT, 80)]),
    biz(
        "机械制造",
        MANUFACTURING,
        2,
        &[(SPECIAL_EQUIPMENT, 90), (WORK_SAFETY, 60)],
    ),
    biz(
        "新材料",
        MANUFACTURING,
        2,
        &[(SPECIAL_EQUIPMENT, 40), (WORK_SAFETY, 40)],
    ),
    biz("电子科技", MANUFACTURING, 2, &[]),
    biz("农业开发", AGRICULTURE, 4, &[(FARM_SUPPLIES, 10)]),
    biz("生态农业", AGRICULTURE, 3, &[]),
    biz("茶业", MANUFACTURING, 1, &[(FOOD_PRODUCTION, 100)]),
    biz("油茶", MANUFACTURING, 1, &[(FOOD_PRODUCTION, 100)]),
    biz("医药", TRADE, 2, &[(PHARMACY, 100), (MEDICAL_DEVICES, 50)]),
    biz("医疗器械", TRADE, 1, &[(MEDICAL_DEVICES, 100)]),
    biz("电子商务", TRADE, 3, &[(ONLINE, 100)]),
    biz("网络科技", IT, 3, &[(ONLINE, 40)]),
    biz("信息技术", IT, 2, &[]),
    biz("物流", TRANSPORT, 3, &[(SPECIAL_EQUIPMENT, 30)]),
    biz("运输", TRANSPORT, 3, &[]),
    biz("文化传媒", CULTURE, 2, &[(ADVERTISING, 60)]),
    biz("广告", BUSINESS_SERVICES, 2, &[(ADVERTISING, 100)]),
    biz("劳务", BUSINESS_SERVICES, 2, &[]),
    biz("人力资源", BUSINESS_SERVICES, 1, &[]),
    biz("教育咨询", EDUCATION, 2, &[(TRAINING, 60)]),
    biz("汽车销售服务", TRADE, 2, &[(SPECIAL_EQUIPMENT, 20)]),
    biz(
        "石油",
        TRADE,
        1,
        &[(FUEL, 100), (MEASURING, 100), (HAZARDOUS, 100)],
    ),
    biz("新能源", UTILITIES, 1, &[]),
    biz("矿业", MINING, 1, &[(WORK_SAFETY, 100)]),
    biz("建材", TRADE, 3, &[]),
    biz("环保科技", ENVIRONMENT, 1, &[]),
    biz("检测技术", RESEARCH, 1, &[(MEASURING, 50)]),
    biz("旅游开发", CULTURE, 1, &[(PUBLIC_PLACE, 50)]),
    biz("养老服务", HEALTH, 1, &[(FOOD_TRADE, 60)]),
    biz("烟花爆竹", TRADE, 1, &[(HAZARDOUS, 100)]),
];

/// Lines of business of 个体工商户: `冷水滩区{字号}{word}`.
static SHOP_BUSINESSES: &[Business] = &[
    biz("米粉店", HOSPITALITY, 12, &[(FOOD_TRADE, 100)]),
    biz("粉店", HOSPITALITY, 6, &[(FOOD_TRADE, 100)]),
    biz("永州血鸭馆", HOSPITALITY, 3, &[(FOOD_TRADE, 100)]),
    biz("东安鸡馆", HOSPITALITY, 2, &[(FOOD_TRADE, 100)]),
    biz("餐馆", HOSPITALITY, 8, &[(FOOD_TRADE, 100)]),
    biz("早餐店", HOSPITALITY, 3, &[(FOOD_TRADE, 100)]),
    biz("烧烤店", HOSPITALITY, 3, &[(FOOD_TRADE, 100)]),
    biz("奶茶店", HOSPITALITY, 3, &[(FOOD_TRADE, 100), (ONLINE, 30)]),
    biz("卤菜店", HOSPITALITY, 2, &[(FOOD_TRADE, 100)]),
    biz("超市", TRADE, 8, &[(FOOD_TRADE, 95), (MEASURING, 30)]),
    biz("便利店", TRADE, 5, &[(FOOD_TRADE, 95)]),
    biz("副食店", TRADE, 4, &[(FOOD_TRADE, 100)]),
    biz("水果店", TRADE, 3, &[(FOOD_TRADE, 100), (MEASURING, 40)]),
    biz("鲜肉店", TRADE, 2, &[(FOOD_TRADE, 100), (MEASURING, 60)]),
    biz("大药房", TRADE, 3, &[(PHARMACY, 100), (MEDICAL_DEVICES, 40)]),
    biz("五金经营部", TRADE, 4, &[]),
    biz("建材店", TRADE, 3, &[]),
    biz("服装店", TRADE, 5, &[(ONLINE, 20)]),
    biz("通讯店", TRADE, 3, &[(ONLINE, 20)]),
    biz("家电经营部", TRADE, 2, &[]),
    biz("农资店", TRADE, 3, &[(FARM_SUPPLIES, 100)]),
    biz("眼镜店", TRADE, 1, &[(MEASURING, 100), (MEDICAL_DEVICES, 100)]),
    biz("美发店", RESIDENT_SERVICES, 4, &[(PUBLIC_PLACE, 100)]),
    biz(
        "美容店",
        RESIDENT_SERVICES,
        2,
        &[(COSMETICS, 100), (PUBLIC_PLACE, 100)],
    ),
    biz("汽车修理厂", RESIDENT_SERVICES, 3, &[]),
    biz("旅社", HOSPITALITY, 2, &[(PUBLIC_PLACE, 100)]),
    biz("豆腐坊", MANUFACTURING, 1, &[(FOOD_PRODUCTION, 100)]),
    biz("棋牌室", CULTURE, 1, &[(PUBLIC_PLACE, 100)]),
];

/// Lines of business of 个人独资企业: `永州市冷水滩区{字号}{word}`.
static SOLE_BUSINESSES: &[Business] = &[
    biz("商行", TRADE, 5, &[(FOOD_TRADE, 30)]),
    biz("经营部", TRADE, 4, &[]),
    biz("食品加工厂", MANUFACTURING, 2, &[(FOOD_PRODUCTION, 100)]),
    biz("养殖场", AGRICULTURE, 2, &[]),
    biz("酒楼", HOSPITALITY, 2, &[(FOOD_TRADE, 100)]),
    biz("汽车修理厂", RESIDENT_SERVICES, 1, &[]),
];

/// Lines of business of partnerships; the word carries the legal form in brackets.
static PARTNERSHIP_BUSINESSES: &[(&str, &str, &str)] = &[
    ("投资合伙企业（有限合伙）", BUSINESS_SERVICES, "有限合伙企业"),
    ("企业管理咨询中心（有限合伙）", BUSINESS_SERVICES, "有限合伙企业"),
    ("会计师事务所（普通合伙）", BUSINESS_SERVICES, "普通合伙企业"),
    ("建筑劳务合伙企业（普通合伙）", CONSTRUCTION, "普通合伙企业"),
];

/// Produce of 农民专业合作社: (product, 种植 or 养殖).
static COOP_PRODUCE: &[(&str, &str)] = &[
    ("柑橘", "种植"),
    ("脐橙", "种植"),
    ("香柚", "种植"),
    ("香芋", "种植"),
    ("蔬菜", "种植"),
    ("烤烟", "种植"),
    ("油茶", "种植"),
    ("茶叶", "种植"),
    ("水稻", "种植"),
    ("中药材", "种植"),
    ("生姜", "种植"),
    ("生猪", "养殖"),
    ("水产", "养殖"),
    ("土鸡", "养殖"),
    ("肉牛", "养殖"),
    ("蜜蜂", "养殖"),
];

/// Legal forms of companies with their weights.
static COMPANY_TYPES: &[(&str, u32)] = &[
    ("有限责任公司（自然人投资或控股）", 55),
    ("有限责任公司（自然人独资）", 30),
    ("有限责任公司（非自然人投资或控股的法人独资）", 7),
    ("有限责任公司分公司（自然人投资或控股）", 4),
    ("股份有限公司（非上市、自然人投资或控股）", 4),
];

/// 经营状态 with weights.
static STATUSES: &[(&str, u32)] = &[("存续", 90), ("注销", 5), ("吊销", 3), ("迁出", 2)];

/// 信用风险分类 with weights per thousand; `None` is an entity not yet classified.
static RISK_CLASSES: &[(Option<RiskClass>, u32)] = &[
    (None, 50),
    (Some(RiskClass::A), 285),
    (Some(RiskClass::B), 523),
    (Some(RiskClass::C), 114),
    (Some(RiskClass::D), 28),
];

/// What kind of entity, with weights: 个体工商户 dominate the register, as everywhere in China.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Shop,
    Company,
    Sole,
    Partnership,
    Coop,
}

static KINDS: &[(Kind, u32)] = &[
    (Kind::Shop, 60),
    (Kind::Company, 30),
    (Kind::Sole, 3),
    (Kind::Partnership, 1),
    (Kind::Coop, 6),
];

fn ymd(t: (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(t.0, t.1, t.2).unwrap_or(NaiveDate::MIN)
}

/// The families of organisation codes (positions 9–16 of a credit code) and their serial counters.
struct OrgCodes {
    /// Old numeric codes: 8 digits.
    legacy: Scatter,
    legacy_next: u64,
    /// `MA4`, `MA7`, `MAC` + 5 characters of the GB 32100 charset.
    modern: [(&'static str, Scatter, u64); 3],
}

/// Codes issued before this date are old numeric organisation codes (enterprises only).
const REFORM: (i32, u32, u32) = (2015, 10, 1);

impl OrgCodes {
    fn new(rng: &mut DemoRng) -> OrgCodes {
        let legacy = Scatter::new(rng, 10, 8);
        OrgCodes {
            legacy,
            legacy_next: 0,
            modern: [
                ("MA4", Scatter::new(rng, 31, 5), 0),
                ("MA7", Scatter::new(rng, 31, 5), 0),
                ("MAC", Scatter::new(rng, 31, 5), 0),
            ],
        }
    }

    /// The next unused 8-character organisation code body for an entity of `category` founded on `date`.
    fn next(&mut self, category: char, date: NaiveDate) -> String {
        if category == '1' && date < ymd(REFORM) && self.legacy_next < self.legacy.modulus() {
            let v = self.legacy.map(self.legacy_next);
            self.legacy_next += 1;
            return format!("{v:08}");
        }
        let family = match date.year() {
            ..=2020 => 0,
            2021..=2022 => 1,
            _ => 2,
        };
        let (prefix, scatter, next) = &mut self.modern[family];
        let mut v = scatter.map(*next % scatter.modulus());
        *next += 1;
        let mut body = String::with_capacity(8);
        body.push_str(prefix);
        let mut chars = [0u8; 5];
        for c in chars.iter_mut().rev() {
            *c = GB32100_CHARSET[(v % 31) as usize];
            v /= 31;
        }
        body.extend(chars.iter().map(|&b| b as char));
        body
    }
}

/// A streaming generator of `n` entities; see [`super::entities`].
pub struct Entities {
    rng: DemoRng,
    remaining: u64,
    as_of: NaiveDate,
    rare_ppm: u32,
    org_codes: OrgCodes,
}

impl Entities {
    pub(super) fn new(seed: &[u8], n: u64, as_of: NaiveDate) -> Entities {
        let mut rng = DemoRng::new(seed, Stream::Entities);
        let org_codes = OrgCodes::new(&mut rng);
        Entities {
            rng,
            remaining: n.min(MAX_ENTITIES),
            as_of,
            rare_ppm: DEFAULT_RARE_NAMES_PPM,
            org_codes,
        }
    }

    /// Sets the share of names with a rare character (parts per million, at most 1,000,000).
    pub fn rare_names_ppm(mut self, ppm: u32) -> Entities {
        self.rare_ppm = ppm.min(1_000_000);
        self
    }

    fn days_before(&self, days: u64) -> NaiveDate {
        self.as_of
            .checked_sub_days(Days::new(days))
            .unwrap_or(NaiveDate::MIN)
    }

    /// A founding date before the as-of date, more recent ones more likely (the register grows every year):
    /// the age in days is the smaller of two uniform draws.
    fn founding_date(&mut self) -> NaiveDate {
        let span = (self.as_of - ymd(EARLIEST)).num_days().max(2) as u64;
        let a = self.rng.below(span - 1);
        let b = self.rng.below(span - 1);
        self.days_before(1 + a.min(b))
    }

    /// The 字号 of a name: usually two ordinary characters, sometimes a local landmark, and for a rare-name
    /// entity one rare character (an extension-plane or extension-A glyph) followed by an ordinary one.
    fn brand(&mut self, rare: bool) -> String {
        let r = &mut self.rng;
        if rare {
            return format!("{}{}", r.pick(RARE_CHARS), r.pick(names::BRAND_SECOND));
        }
        if r.percent(10) {
            return (*r.pick(names::LOCAL_BRANDS)).to_string();
        }
        format!("{}{}", r.pick(names::BRAND_FIRST), r.pick(names::BRAND_SECOND))
    }

    /// The 字号 of a 个体工商户: `刘记`, `老刘`, the town's name, or an ordinary brand.
    fn shop_brand(&mut self, rare: bool, town: &str) -> String {
        if rare {
            let c = self.rng.pick(RARE_CHARS);
            return format!("{c}记");
        }
        match self.rng.below(100) {
            0..35 => format!("{}记", names::surname(&mut self.rng)),
            35..45 => format!("老{}", names::surname(&mut self.rng)),
            45..55 => town_short(town).to_string(),
            _ => self.brand(false),
        }
    }

    fn tags(&mut self, tags: &[(&'static str, u32)]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (tag, pct) in tags {
            if self.rng.percent(*pct) {
                out.push((*tag).to_string());
            }
        }
        out.sort();
        out.dedup();
        out
    }

    fn address(&mut self, district: &District, town: &str, kind: Kind) -> String {
        let r = &mut self.rng;
        let mut a = format!("湖南省永州市{}{}", district.name, town);
        if places::is_urban(town) {
            let street = if r.below((district.streets.len() + places::COMMON_STREETS.len()) as u64)
                < district.streets.len() as u64
            {
                r.pick(district.streets)
            } else {
                r.pick(places::COMMON_STREETS)
            };
            a.push_str(street);
            a.push_str(&format!("{}号", r.between(1, 899)));
            if kind == Kind::Company && r.percent(30) {
                a.push_str(&format!("{}栋{}室", r.between(1, 20), r.between(101, 2608)));
            }
        } else if r.percent(50) {
            a.push_str(r.pick::<&str>(places::TOWN_STREETS));
            a.push_str(&format!("{}号", r.between(1, 299)));
        } else {
            a.push_str(&format!("{}村{}组", r.pick(places::VILLAGES), r.between(1, 12)));
        }
        a
    }

    fn generate(&mut self) -> Entity {
        let district = self.rng.weighted(places::DISTRICTS, |d| d.weight);
        let town = *self.rng.pick(district.towns);
        let kind = self.rng.weighted(KINDS, |k| k.1).0;
        let established = self.founding_date();
        let rare = self.rng.chance_ppm(self.rare_ppm);
        // Names keep the place name of the day they were registered: 祁阳县 became 祁阳市 in 2021.
        let qiyang_county = district.name == "祁阳市" && established < ymd(places::QIYANG_CITY_SINCE);
        let local_prefix = if qiyang_county {
            "祁阳县"
        } else {
            district.name_prefix
        };
        let shop_prefix = if qiyang_county { "祁阳县" } else { district.name };

        let (name, entity_type, industry, tags, category) = match kind {
            Kind::Shop => {
                let b = self.rng.weighted(SHOP_BUSINESSES, |b| b.weight);
                let brand = self.shop_brand(rare, town);
                let name = format!("{shop_prefix}{brand}{}", b.word);
                (name, "个体工商户", b.industry, self.tags(b.tags), '2')
            }
            Kind::Company => {
                let b = self.rng.weighted(COMPANY_BUSINESSES, |b| b.weight);
                let ty = self.rng.weighted(COMPANY_TYPES, |t| t.1).0;
                let brand = self.brand(rare);
                let name = if ty.starts_with("股份") {
                    format!("湖南{brand}{}股份有限公司", b.word)
                } else if ty.contains("分公司") {
                    let branch = if self.rng.percent(50) {
                        "永州"
                    } else {
                        district.name
                    };
                    format!("湖南{brand}{}有限公司{branch}分公司", b.word)
                } else {
                    let prefix = match self.rng.below(100) {
                        0..45 => "永州市",
                        45..60 if established.year() >= 2018 => "永州",
                        45..60 => "永州市",
                        60..85 => "湖南",
                        _ => local_prefix,
                    };
                    let suffix = if self.rng.percent(15) {
                        "有限责任公司"
                    } else {
                        "有限公司"
                    };
                    format!("{prefix}{brand}{}{suffix}", b.word)
                };
                (name, ty, b.industry, self.tags(b.tags), '1')
            }
            Kind::Sole => {
                let b = self.rng.weighted(SOLE_BUSINESSES, |b| b.weight);
                let prefix = if self.rng.percent(50) {
                    "永州市"
                } else {
                    local_prefix
                };
                let brand = self.brand(rare);
                let name = format!("{prefix}{brand}{}", b.word);
                (name, "个人独资企业", b.industry, self.tags(b.tags), '1')
            }
            Kind::Partnership => {
                let (word, industry, ty) = *self.rng.pick(PARTNERSHIP_BUSINESSES);
                let prefix = if self.rng.percent(60) { "永州" } else { "湖南" };
                let brand = self.brand(rare);
                (format!("{prefix}{brand}{word}"), ty, industry, Vec::new(), '1')
            }
            Kind::Coop => {
                let (product, how) = *self.rng.pick(COOP_PRODUCE);
                let brand = self.brand(rare);
                let name = format!("{shop_prefix}{brand}{product}{how}专业合作社");
                let tags = if how == "种植" && self.rng.percent(15) {
                    vec![FARM_SUPPLIES.to_string()]
                } else {
                    Vec::new()
                };
                (name, "农民专业合作社", AGRICULTURE, tags, '3')
            }
        };

        // Some larger companies are registered by the city's authority rather than the district's.
        let city_level = kind == Kind::Company && self.rng.percent(8);
        let (authority, division) = if city_level {
            (places::CITY_AUTHORITY, places::CITY_DIVISION_CODE)
        } else {
            (district.authority, district.division_code)
        };
        let org_body = self.org_codes.next(category, established);
        let org = complete_org_code(&org_body).expect("organisation code body is 8 charset characters");
        let code = complete_credit_code(&format!("9{category}{division}{org}"))
            .expect("credit code body is 17 charset characters");

        let address = self.address(district, town, kind);
        let status = self.rng.weighted(STATUSES, |s| s.1).0;
        let risk_class = self.rng.weighted(RISK_CLASSES, |r| r.1).0;
        let last_inspected = if status == "存续" && self.rng.percent(30) {
            let age = (self.as_of - established).num_days().max(1) as u64;
            let back = 1 + self.rng.below(age.min(730));
            Some(self.days_before(back))
        } else {
            None
        };
        Entity {
            code,
            name,
            entity_type: entity_type.to_string(),
            industry: industry.to_string(),
            address,
            authority: authority.to_string(),
            region: district.name.to_string(),
            town: town.to_string(),
            established: Some(established),
            status: status.to_string(),
            risk_class,
            tags,
            last_inspected,
        }
    }
}

/// A town's name without its 街道/镇/乡 suffix, as used in shop names: 梅湾街道 → 梅湾.
fn town_short(town: &str) -> &str {
    for suffix in ["瑶族乡", "街道", "片区", "镇", "乡"] {
        if let Some(s) = town.strip_suffix(suffix) {
            return s;
        }
    }
    town
}

impl Iterator for Entities {
    type Item = Entity;

    fn next(&mut self) -> Option<Entity> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        Some(self.generate())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::try_from(self.remaining).unwrap_or(usize::MAX);
        (n, Some(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::{CodeCheck, check};

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    #[test]
    fn codes_follow_the_structure_of_their_entity() {
        for e in Entities::new(b"structure", 3000, as_of()) {
            assert_eq!(check(&e.code), CodeCheck::Valid, "{}", e.code);
            let category = match e.entity_type.as_str() {
                "个体工商户" => "92",
                "农民专业合作社" => "93",
                _ => "91",
            };
            assert!(e.code.starts_with(category), "{} {}", e.code, e.entity_type);
            let division = &e.code[2..8];
            let district = places::DISTRICTS.iter().find(|d| d.name == e.region).unwrap();
            if e.authority == places::CITY_AUTHORITY {
                assert_eq!(division, "431100");
            } else {
                assert_eq!(division, district.division_code);
                assert_eq!(e.authority, district.authority);
            }
            assert!(district.towns.contains(&e.town.as_str()));
            assert!(
                e.address
                    .starts_with(&format!("湖南省永州市{}{}", e.region, e.town))
            );
            let org = &e.code[8..16];
            let est = e.established.unwrap();
            if est < ymd(REFORM) && category == "91" {
                assert!(org.bytes().all(|b| b.is_ascii_digit()), "{org}");
            } else {
                assert!(org.starts_with("MA"), "{org} {est}");
            }
            assert!(est < as_of() && est >= ymd(EARLIEST));
            if let Some(d) = e.last_inspected {
                assert!(d < as_of() && d >= est && (as_of() - d).num_days() <= 730);
                assert_eq!(e.status, "存续");
            }
            let mut sorted = e.tags.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted, e.tags);
        }
    }

    #[test]
    fn qiyang_names_follow_the_2021_renaming() {
        let mut old = 0;
        let mut new = 0;
        for e in Entities::new(b"qiyang", 4000, as_of()).filter(|e| e.region == "祁阳市") {
            if e.name.contains("祁阳县") {
                assert!(e.established.unwrap() < ymd(places::QIYANG_CITY_SINCE));
                old += 1;
            }
            if e.name.starts_with("祁阳市") {
                assert!(e.established.unwrap() >= ymd(places::QIYANG_CITY_SINCE));
                new += 1;
            }
        }
        assert!(old > 0 && new > 0, "{old} {new}");
    }

    #[test]
    fn town_short_drops_the_suffix() {
        assert_eq!(town_short("梅湾街道"), "梅湾");
        assert_eq!(town_short("伊塘镇"), "伊塘");
        assert_eq!(town_short("九嶷山瑶族乡"), "九嶷山");
        assert_eq!(town_short("凤凰园"), "凤凰园");
    }
}
