//! Yongzhou (永州市, Hunan) as the demo data sees it: its districts and counties with their administrative
//! division codes (行政区划代码), registration authorities, real towns and streets (乡镇街道), some street
//! names for addresses, and a weight that puts more entities in the urban districts.
//!
//! The three management zones have no division code of their own in credit codes; their entities are given
//! the code of the county the zone was carved out of (回龙圩 → 江永县 431125, 金洞 → 祁阳 431181, 经开区 →
//! 冷水滩区 431103). Their "towns" are the zone's main areas; for them the names are approximate.

/// A district, county or management zone of Yongzhou.
pub struct District {
    /// 所属区域 as written in registers, e.g. 冷水滩区.
    pub name: &'static str,
    /// The six-digit division code used at positions 3–8 of credit codes.
    pub division_code: &'static str,
    /// 登记机关.
    pub authority: &'static str,
    /// How it is written at the start of a 个体工商户 or local company name.
    pub name_prefix: &'static str,
    /// Relative number of market entities.
    pub weight: u32,
    /// Real 乡镇 and 街道.
    pub towns: &'static [&'static str],
    /// Streets of the county seat used in addresses; the generic ones below are added.
    pub streets: &'static [&'static str],
}

/// The city-level registration authority, which registers some larger companies (division code 431100).
pub const CITY_AUTHORITY: &str = "永州市市场监督管理局";
/// The division code of 永州市 itself.
pub const CITY_DIVISION_CODE: &str = "431100";

/// 祁阳县 became the county-level city 祁阳市 on this date (民政部, 2021); names of entities registered
/// before it say 祁阳县.
pub const QIYANG_CITY_SINCE: (i32, u32, u32) = (2021, 3, 18);

pub static DISTRICTS: &[District] = &[
    District {
        name: "冷水滩区",
        division_code: "431103",
        authority: "永州市冷水滩区市场监督管理局",
        name_prefix: "永州市冷水滩区",
        weight: 20,
        towns: &[
            "梅湾街道",
            "菱角山街道",
            "凤凰街道",
            "肖家园街道",
            "杨家桥街道",
            "曲河街道",
            "珊瑚街道",
            "岚角山街道",
            "伊塘镇",
            "上岭桥镇",
            "普利桥镇",
            "牛角坝镇",
            "高溪市镇",
            "黄阳司镇",
            "蔡市镇",
            "花桥街镇",
            "杨村甸乡",
        ],
        streets: &[
            "零陵中路",
            "零陵北路",
            "零陵南路",
            "逸云路",
            "潇湘大道",
            "湘永路",
            "梅湾路",
            "珊瑚路",
            "凤凰路",
            "翠竹路",
            "银杏路",
            "育才路",
        ],
    },
    District {
        name: "零陵区",
        division_code: "431102",
        authority: "永州市零陵区市场监督管理局",
        name_prefix: "永州市零陵区",
        weight: 15,
        towns: &[
            "七里店街道",
            "徐家井街道",
            "南津渡街道",
            "朝阳街道",
            "石山脚街道",
            "水口山镇",
            "珠山镇",
            "黄田铺镇",
            "富家桥镇",
            "菱角塘镇",
            "邮亭圩镇",
            "接履桥镇",
            "石岩头镇",
            "大庆坪乡",
            "凼底乡",
        ],
        streets: &[
            "芝山北路",
            "萍阳北路",
            "萍阳南路",
            "南津中路",
            "南津北路",
            "柳子街",
            "中山北路",
            "东风路",
            "永州大道",
        ],
    },
    District {
        name: "祁阳市",
        division_code: "431181",
        authority: "祁阳市市场监督管理局",
        name_prefix: "祁阳市",
        weight: 14,
        towns: &[
            "浯溪街道",
            "龙山街道",
            "长虹街道",
            "观音滩镇",
            "黎家坪镇",
            "白水镇",
            "大忠桥镇",
            "文富市镇",
            "八宝镇",
            "潘市镇",
            "茅竹镇",
            "三口塘镇",
            "羊角塘镇",
            "下马渡镇",
            "肖家村镇",
            "进宝塘镇",
            "梅溪镇",
            "七里桥镇",
        ],
        streets: &["浯溪路", "龙山路", "长虹路", "祁阳大道", "金盆路"],
    },
    District {
        name: "道县",
        division_code: "431124",
        authority: "道县市场监督管理局",
        name_prefix: "道县",
        weight: 10,
        towns: &[
            "濂溪街道",
            "西洲街道",
            "上关街道",
            "富塘街道",
            "梅花镇",
            "寿雁镇",
            "仙子脚镇",
            "清塘镇",
            "祥霖铺镇",
            "蚣坝镇",
            "四马桥镇",
            "白马渡镇",
            "桥头镇",
            "审章塘瑶族乡",
            "横岭瑶族乡",
        ],
        streets: &["濂溪路", "潇水路", "道州路"],
    },
    District {
        name: "宁远县",
        division_code: "431126",
        authority: "宁远县市场监督管理局",
        name_prefix: "宁远县",
        weight: 9,
        towns: &[
            "舜陵街道",
            "桃源街道",
            "天堂镇",
            "水市镇",
            "湾井镇",
            "冷水镇",
            "太平镇",
            "禾亭镇",
            "仁和镇",
            "中和镇",
            "柏家坪镇",
            "清水桥镇",
            "鲤溪镇",
            "保安镇",
            "九嶷山瑶族乡",
            "五龙山瑶族乡",
        ],
        streets: &["舜陵大道", "九嶷大道", "泠江路"],
    },
    District {
        name: "东安县",
        division_code: "431122",
        authority: "东安县市场监督管理局",
        name_prefix: "东安县",
        weight: 8,
        towns: &[
            "白牙市镇",
            "紫溪市镇",
            "芦洪市镇",
            "井头圩镇",
            "大庙口镇",
            "花桥镇",
            "端桥铺镇",
            "鹿马桥镇",
            "横塘镇",
            "石期市镇",
            "新圩江镇",
            "川岩乡",
        ],
        streets: &["舜德路", "紫水路", "吉祥路"],
    },
    District {
        name: "江华瑶族自治县",
        division_code: "431129",
        authority: "江华瑶族自治县市场监督管理局",
        name_prefix: "江华瑶族自治县",
        weight: 7,
        towns: &[
            "沱江镇",
            "白芒营镇",
            "涔天河镇",
            "桥头铺镇",
            "码市镇",
            "大圩镇",
            "水口镇",
            "河路口镇",
            "大路铺镇",
        ],
        streets: &["沱江路", "瑶都大道", "冯河路"],
    },
    District {
        name: "蓝山县",
        division_code: "431127",
        authority: "蓝山县市场监督管理局",
        name_prefix: "蓝山县",
        weight: 5,
        towns: &[
            "塔峰镇",
            "总市镇",
            "新圩镇",
            "所城镇",
            "楠市镇",
            "祠堂圩镇",
            "土市镇",
            "毛俊镇",
            "汇源瑶族乡",
            "荆竹瑶族乡",
        ],
        streets: &["塔峰路", "舜水路"],
    },
    District {
        name: "新田县",
        division_code: "431128",
        authority: "新田县市场监督管理局",
        name_prefix: "新田县",
        weight: 5,
        towns: &[
            "龙泉街道",
            "金陵镇",
            "骥村镇",
            "石羊镇",
            "新圩镇",
            "陶岭镇",
            "枧头镇",
            "知市坪镇",
            "三井镇",
        ],
        streets: &["龙泉路", "新田大道"],
    },
    District {
        name: "江永县",
        division_code: "431125",
        authority: "江永县市场监督管理局",
        name_prefix: "江永县",
        weight: 4,
        towns: &[
            "潇浦镇",
            "上江圩镇",
            "夏层铺镇",
            "桃川镇",
            "粗石江镇",
            "源口瑶族乡",
            "千家峒瑶族乡",
            "兰溪瑶族乡",
            "松柏瑶族乡",
        ],
        streets: &["永明路", "潇浦路"],
    },
    District {
        name: "双牌县",
        division_code: "431123",
        authority: "双牌县市场监督管理局",
        name_prefix: "双牌县",
        weight: 3,
        towns: &[
            "泷泊镇",
            "江村镇",
            "五里牌镇",
            "茶林镇",
            "何家洞镇",
            "麻江镇",
            "理家坪乡",
            "上梧江瑶族乡",
        ],
        streets: &["紫金路", "潇水大道"],
    },
    District {
        name: "永州经济技术开发区",
        division_code: "431103",
        authority: "永州市市场监督管理局经济技术开发区分局",
        name_prefix: "永州经济技术开发区",
        weight: 3,
        towns: &["凤凰园", "长丰工业园", "仁湾片区"],
        streets: &["长丰大道", "凤凰路", "湘永路"],
    },
    District {
        name: "回龙圩管理区",
        division_code: "431125",
        authority: "永州市回龙圩管理区市场监督管理局",
        name_prefix: "永州市回龙圩管理区",
        weight: 1,
        towns: &["回龙圩", "西河片区"],
        streets: &["回龙大道"],
    },
    District {
        name: "金洞管理区",
        division_code: "431181",
        authority: "永州市金洞管理区市场监督管理局",
        name_prefix: "永州市金洞管理区",
        weight: 1,
        towns: &["金洞镇", "晒北滩瑶族乡", "凤凰乡"],
        streets: &["金洞大道"],
    },
];

/// Streets found in almost every county seat, added to each district's own.
pub const COMMON_STREETS: &[&str] = &[
    "人民路",
    "建设路",
    "解放路",
    "新华路",
    "文化路",
    "城南路",
    "城北路",
    "迎宾大道",
    "滨江路",
    "车站路",
];

/// Streets of a market town (镇, 乡) centre.
pub const TOWN_STREETS: &[&str] = &["正街", "新街", "老街", "建设路", "人民路", "工业路", "农贸市场"];

/// Village names (…村) common in southern Hunan.
pub const VILLAGES: &[&str] = &[
    "新塘", "石桥", "大塘", "龙泉", "长富", "桐木", "枫木", "黄泥", "上坪", "下坪", "杨柳", "竹山", "茶园",
    "花桥", "白竹", "沙井", "水口", "石门", "塘下", "双井", "罗家", "唐家", "蒋家", "周家", "新屋", "莲花",
    "高峰", "清水",
];

/// Whether a town is an urban 街道 (addresses by street and number) rather than a 镇 or 乡.
pub fn is_urban(town: &str) -> bool {
    town.ends_with("街道") || town.ends_with('园') || town.ends_with("片区")
}
