//! Chinese names for demo data: surnames weighted by how common they are in southern Hunan (唐 and 蒋
//! are as common as 李 and 刘 in Yongzhou; 盘 and 奉 are Yao surnames), given names, the characters of
//! trade names (字号), and the rare characters that exercise rare-glyph handling.

use super::rng::DemoRng;

/// Surnames with relative weights.
static SURNAMES: &[(&str, u32)] = &[
    ("李", 70),
    ("唐", 60),
    ("刘", 60),
    ("蒋", 55),
    ("王", 50),
    ("陈", 50),
    ("周", 40),
    ("杨", 40),
    ("张", 40),
    ("邓", 30),
    ("胡", 25),
    ("何", 25),
    ("黄", 25),
    ("谢", 22),
    ("彭", 18),
    ("伍", 15),
    ("赵", 15),
    ("罗", 15),
    ("吴", 15),
    ("雷", 12),
    ("郑", 12),
    ("曾", 12),
    ("肖", 12),
    ("朱", 12),
    ("廖", 10),
    ("徐", 10),
    ("欧阳", 8),
    ("邹", 8),
    ("许", 8),
    ("林", 8),
    ("孙", 8),
    ("高", 8),
    ("盘", 6),
    ("左", 6),
    ("莫", 6),
    ("文", 6),
    ("龙", 6),
    ("秦", 6),
    ("田", 6),
    ("毛", 6),
    ("宋", 6),
    ("蔡", 6),
    ("贺", 6),
    ("马", 6),
    ("梁", 6),
    ("郭", 6),
    ("奉", 5),
    ("魏", 5),
    ("邱", 5),
    ("卢", 5),
    ("宁", 4),
    ("柏", 3),
];

/// Characters of given names more often given to men.
static GIVEN_M: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "刚", "辉", "鹏", "斌", "俊", "浩", "宇", "凯",
    "峰", "建", "国", "华", "志", "文", "平", "林", "波", "兵", "亮", "宏", "旭", "飞", "东", "海", "卫",
    "春", "永", "湘", "德",
];

/// Characters of given names more often given to women.
static GIVEN_F: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "红", "婷", "琴", "慧", "萍", "梅", "莉",
    "英", "兰", "雪", "倩", "颖", "洁", "蓉", "秀", "华", "晓", "佳", "欣", "怡",
];

/// First characters of 字号.
pub static BRAND_FIRST: &[&str] = &[
    "湘", "永", "潇", "舜", "瑶", "鑫", "盛", "华", "泰", "宏", "昌", "顺", "兴", "达", "恒", "信", "福",
    "康", "源", "德", "润", "和", "金", "富", "佳", "利", "腾", "新", "汇", "丰", "万", "凯", "博", "诚",
    "祥", "瑞", "隆", "嘉", "锦", "天", "中", "宇", "星", "龙", "凤", "怡", "欣", "优", "安",
];

/// Second characters of 字号.
pub static BRAND_SECOND: &[&str] = &[
    "发", "达", "兴", "盛", "源", "通", "利", "鑫", "丰", "昌", "华", "泰", "顺", "和", "成", "旺", "宏",
    "信", "邦", "联", "创", "晟", "辉", "禾", "森", "晖", "祥", "益", "正", "远",
];

/// 字号 taken from Yongzhou's landmarks and history (九嶷山, 舜皇山, 浯溪碑林, 柳子庙, 濂溪故里, 阳明山 ...).
pub static LOCAL_BRANDS: &[&str] = &[
    "潇湘", "九嶷", "舜皇", "浯溪", "柳子", "濂溪", "阳明", "萍洲", "湘源", "愚溪", "香零", "瑶都",
];

/// Rare characters for names: 𠮷 (U+20BB7, the surname variant of 吉), 𡈼 (U+2123C) and 𫖮 (U+2B5AE, CJK
/// extension C) from the supplementary planes (four bytes in UTF-8 and GB18030), 䶮 (U+4DAE, CJK extension A,
/// as in 刘䶮), and 龘 (U+9F98), which many fonts lack. All five are in the built-in PDF font, so a demo
/// ceremony's record always prints, whichever entities it draws; the record's refusal of a character no font
/// has is shown with 𪚥 (U+2A6A5), which `record::sample` can put in place of 𫖮.
pub static RARE_CHARS: &[&str] = &["𠮷", "䶮", "𡈼", "𫖮", "龘"];

/// A surname drawn by frequency.
pub fn surname(rng: &mut DemoRng) -> &'static str {
    rng.weighted(SURNAMES, |s| s.1).0
}

/// A full personal name: surname and a one- or two-character given name.
pub fn person(rng: &mut DemoRng) -> String {
    let mut name = surname(rng).to_string();
    let pool = if rng.percent(55) { GIVEN_M } else { GIVEN_F };
    name.push_str(rng.pick::<&str>(pool));
    if rng.percent(65) {
        name.push_str(rng.pick::<&str>(pool));
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::rng::Stream;

    #[test]
    fn person_names_have_two_to_four_characters_and_a_known_surname() {
        let mut r = DemoRng::new(b"n", Stream::Inspectors);
        for _ in 0..500 {
            let n = person(&mut r);
            let len = n.chars().count();
            assert!((2..=4).contains(&len), "{n}");
            assert!(SURNAMES.iter().any(|(s, _)| n.starts_with(s)), "{n}");
        }
    }

    #[test]
    fn rare_characters_are_single_non_bmp_or_extension_a_code_points() {
        for c in RARE_CHARS {
            let cs: Vec<char> = c.chars().collect();
            assert_eq!(cs.len(), 1);
        }
        let cps: Vec<u32> = RARE_CHARS
            .iter()
            .map(|c| c.chars().next().unwrap() as u32)
            .collect();
        assert_eq!(cps, vec![0x20BB7, 0x4DAE, 0x2123C, 0x2B5AE, 0x9F98]);
    }
}
