//! The golden test vectors of `tests/vectors/` (§13 of docs/draw-protocol.md).
//!
//! Each vector's input is defined here; its `expected` (or `expected_error`) is produced by the
//! implementation and stored in the file, where it was reviewed by hand for the small cases and where the
//! independent Python verifier checks it too. The test fails when the code and the files disagree; to
//! rewrite the files after a deliberate change, run `FAIRDRAW_BLESS=1 cargo test --test it vectors` and
//! review the diff (a change to an existing vector's expected outcome means the algorithm changed, which
//! needs a new algorithm identifier, §11).

use std::path::PathBuf;

use fairdraw::draw::{DrawEntity, DrawInspector, DrawTrace, Recusal, Text};
use serde_json::{Value, json};

use crate::draw_fixtures::{Lcg, code, entity, input, inspector, recusal, rules, run_input, secret};

struct Vector {
    name: &'static str,
    description: &'static str,
    input: Value,
}

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("vectors")
}

/// The file content of a vector: its input and what the implementation computes from it.
fn file_of(v: &Vector) -> Value {
    let mut file = json!({"description": v.description, "input": v.input});
    match run_input(&v.input) {
        Ok((expected, _)) => file["expected"] = expected,
        Err(e) => file["expected_error"] = e.expected_error(),
    }
    file
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap() + "\n"
}

/// Tries entropies "1", "2", ... until the draw has the wanted property; the search runs when the vectors
/// are generated, and the entropy found is stored in the vector.
fn search(make: impl Fn(&str) -> Value, wanted: impl Fn(&Value, &DrawTrace) -> bool) -> Value {
    for i in 1..5000 {
        let input = make(&i.to_string());
        let found = match run_input(&input) {
            Ok((expected, trace)) => wanted(&expected["outcome"], &trace),
            Err(_) => false,
        };
        if found {
            return input;
        }
    }
    panic!("no entropy up to 5000 gives the wanted draw");
}

fn set(v: &mut Value, path: &[&str], x: Value) {
    let mut cur = v;
    for p in path {
        cur = &mut cur[*p];
    }
    *cur = x;
}

fn with(mut v: Value, path: &str, x: Value) -> Value {
    set(&mut v, &path.split('.').collect::<Vec<_>>(), x);
    v
}

fn staff(n: usize, dept: &str) -> Vec<DrawInspector> {
    (1..=n)
        .map(|i| inspector(&format!("{dept}-{i:02}"), &format!("{dept}检查员{i}"), dept))
        .collect()
}

fn ents(prefix: u64, n: u64, risk: &str) -> Vec<DrawEntity> {
    (0..n)
        .map(|i| DrawEntity {
            risk_class: risk.into(),
            ..entity(&code(prefix + i), &format!("{risk}类测试商户{}", prefix + i))
        })
        .collect()
}

fn minimal_population() -> Vec<DrawEntity> {
    vec![
        entity("91330000697024247P", "永州𠮷祥餐饮有限公司"),
        entity("91110105MA0012008X", "冷水滩区䶮记小吃店"),
        DrawEntity {
            region: "零陵区".into(),
            ..entity("91330000566997460T", "零陵区潇湘食品商行")
        },
        DrawEntity {
            tags: vec![],
            risk_class: Text::default(),
            established: Text::default(),
            ..entity(&code(1), "祁阳市浯溪副食店")
        },
        entity(&code(2), "东安县舜皇山土特产经营部"),
    ]
}

fn definitions() -> Vec<Vector> {
    let mut v = Vec::new();
    let s = |label: &str| secret(&format!("fairdraw vector {label}"));

    v.push(Vector {
        name: "minimal",
        description: "Five entities (names with 𠮷 U+20BB7 outside the BMP and 䶮 U+4DAE), no strata, a count of 2, \
                      one group of two from four inspectors. Rows are given out of canonical order.",
        input: input(
            rules(),
            &minimal_population(),
            &staff(4, "D01").into_iter().rev().collect::<Vec<_>>(),
            &[],
            s("minimal"),
            &["314159", "2718"],
        ),
    });

    // Risk strata with different ratios: A 3 % of 40 → ⌈1.2⌉ = 2; B 5 % of 25 → ⌈1.25⌉ = 2; C (one entity)
    // 0.01 % → ⌈0.0001⌉ = 1 (at least one); D listed without entities → size 0; 未分类 by default_bp 10 % of 3
    // → ⌈0.3⌉ = 1. Reserves as many as the quota, capped by what is left.
    let mut pop = ents(100, 40, "A");
    pop.extend(ents(200, 25, "B"));
    pop.extend(ents(300, 1, "C"));
    pop.extend(ents(400, 3, ""));
    let r = with(
        rules(),
        "quota",
        json!({"mode": "ratio", "ratios": [{"stratum": "A", "bp": 300}, {"stratum": "B", "bp": 500},
            {"stratum": "C", "bp": 1}, {"stratum": "D", "bp": 2000}], "default_bp": 1000}),
    );
    let r = with(r, "strata", json!("risk_class"));
    let r = with(
        r,
        "inspectors.groups",
        json!({"mode": "per_targets", "max_targets": 3}),
    );
    v.push(Vector {
        name: "risk_strata_ratios",
        description: "Strata by credit risk class with different ratios: rounding up, at least one in a \
                      one-element stratum, a quota-listed stratum without entities (size 0), the unclassified \
                      stratum 未分类 through default_bp; groups by per_targets.",
        input: input(r, &pop, &staff(8, "D01"), &[], s("risk_strata_ratios"), &["6", "5", "1", "2"]),
    });

    // Largest remainder, tie broken by key: A 3, B 3, C 2, total 4 over N = 8: ⌊12/8⌋ = 1 r 4, 1 r 4, 1 r 0;
    // one unit left; A and B tie on remainder and size, A has the smaller key → A 2, B 1, C 1.
    let mut pop = ents(100, 3, "A");
    pop.extend(ents(200, 3, "B"));
    pop.extend(ents(300, 2, "C"));
    let r = with(
        with(rules(), "strata", json!("risk_class")),
        "quota",
        json!({"mode": "count", "total": 4}),
    );
    let r = with(r, "inspectors.groups", json!({"mode": "fixed", "count": 2}));
    v.push(Vector {
        name: "count_tie_by_key",
        description: "Count split by largest remainder; a tie on remainder and size goes to the smaller key.",
        input: input(r, &pop, &staff(4, "D01"), &[], s("count_tie_by_key"), &["42"]),
    });

    // Tie broken by size: A 1, B 2, C 3, total 3 over N = 6: A ⌊3/6⌋ = 0 r 3, B 1 r 0, C ⌊9/6⌋ = 1 r 3; one
    // unit left; A and C tie on remainder, C is larger → A 0, B 1, C 2.
    let mut pop = ents(100, 1, "A");
    pop.extend(ents(200, 2, "B"));
    pop.extend(ents(300, 3, "C"));
    let r = with(
        with(rules(), "strata", json!("risk_class")),
        "quota",
        json!({"mode": "count", "total": 3}),
    );
    v.push(Vector {
        name: "count_tie_by_size",
        description: "Count split by largest remainder; a tie on remainder goes to the larger stratum, and a \
                      stratum can get 0.",
        input: input(r, &pop, &staff(2, "D01"), &[], s("count_tie_by_size"), &["7"]),
    });

    let r = with(
        with(rules(), "strata", json!("risk_class")),
        "quota",
        json!({"mode": "ratio", "ratios": [], "default_bp": 10000}),
    );
    let r = with(r, "inspectors.groups", json!({"mode": "fixed", "count": 3}));
    let mut pop = ents(100, 3, "A");
    pop.extend(ents(200, 4, "D"));
    v.push(Vector {
        name: "k_equals_n",
        description: "A ratio of 100 %: every entity is a target, reserve lists are empty; three groups share \
                      seven targets 3/2/2.",
        input: input(r, &pop, &staff(6, "D01"), &[], s("k_equals_n"), &["0"]),
    });

    let mut insp = staff(3, "D01");
    insp[1].status = "离岗".into();
    v.push(Vector {
        name: "k_zero",
        description: "A count of 0: no targets, no groups, no random numbers used; ineligible inspectors are \
                      still listed.",
        input: input(
            with(rules(), "quota", json!({"mode": "count", "total": 0})),
            &minimal_population(),
            &insp,
            &[],
            s("k_zero"),
            &["1"],
        ),
    });

    // Exclusions of each kind, with the 364/365-day boundary (draw date 2026-12-01).
    let base = |c: u64, name: &str| entity(&code(c), name);
    let pop = vec![
        DrawEntity {
            status: "注销".into(),
            ..base(1, "明确排除且已注销（记为明确排除）")
        },
        DrawEntity {
            status: "吊销".into(),
            ..base(2, "已吊销")
        },
        DrawEntity {
            last_inspected: "2025-12-02".into(),
            ..base(3, "364天前检查过（排除）")
        },
        DrawEntity {
            last_inspected: "2025-12-01".into(),
            ..base(4, "365天前检查过（可抽）")
        },
        DrawEntity {
            last_inspected: "2026-12-05".into(),
            ..base(5, "检查日期在摇号日之后（排除）")
        },
        DrawEntity {
            last_inspected: "2026-12-01".into(),
            ..base(6, "摇号当日检查过（排除）")
        },
        base(7, "正常经营"),
        DrawEntity {
            status: "在业".into(),
            ..base(8, "在业")
        },
    ];
    let r = with(
        rules(),
        "exclusions",
        json!({"statuses": ["吊销", "撤销", "注销", "迁出"], "inspected_within_days": 365,
            "entities": [{"code": code(1), "reason": "正在立案调查"}, {"code": code(99), "reason": "不在名单中（无效果）"}]}),
    );
    let r = with(r, "quota", json!({"mode": "count", "total": 3}));
    v.push(Vector {
        name: "exclusions",
        description: "Exclusions of each kind in order (explicit before status), the 364/365-day boundary of \
                      inspected_within_days = 365, a last inspection after the draw date, and an explicit \
                      exclusion of a code not in the population (no effect).",
        input: input(r, &pop, &staff(2, "D01"), &[], s("exclusions"), &["9", "9"]),
    });

    // Ineligible inspectors of each reason (draw date 2026-12-01).
    let mut insp = staff(8, "D01");
    insp.push(inspector("D02-01", "外部门人员", "D02"));
    insp[0].status = "退休".into();
    insp[1].certificate_no = Text::default();
    insp[2].certificate_valid_until = Text::default();
    insp[3].certificate_valid_until = "2026-11-30".into();
    insp[4].certificate_valid_until = "2026-12-01".into(); // valid on the draw date: eligible
    insp[4].qualifications = vec!["食品安全".into()];
    insp[5].qualifications = vec!["药品".into()];
    insp[6].qualifications = vec!["药品".into(), "食品安全".into()];
    insp[7].qualifications = vec!["食品安全".into()];
    insp[7].certificate_valid_until = "9999-12-31".into(); // 长期
    let mut r = with(rules(), "inspectors.required_qualifications", json!(["食品安全"]));
    r = with(r, "quota", json!({"mode": "count", "total": 1}));
    v.push(Vector {
        name: "ineligible_inspectors",
        description: "One inspector for each ineligibility reason (department, status, no_certificate, \
                      certificate_unknown, certificate_expired the day before the draw, qualification), and eligible \
                      ones holding the required qualification: one valid exactly on the draw date, one 长期 \
                      (9999-12-31).",
        input: input(r, &minimal_population(), &insp, &[], s("ineligible_inspectors"), &["5"]),
    });

    // Joint task: lead department D13 (listed first although it sorts after D01), leader with a qualification,
    // an expert in every group, one inspector per department.
    let mut insp = staff(4, "D13");
    insp.extend(staff(5, "D01"));
    for i in [0, 2] {
        insp[i].qualifications = vec!["组长资格".into()];
    }
    insp[1].qualifications = vec!["组长资格".into()];
    insp[1].expert = true; // a leader candidate who is also an expert
    insp[5].expert = true;
    insp[7].expert = true;
    let mut r = with(rules(), "inspectors.departments", json!(["D13", "D01"]));
    r = with(r, "inspectors.group_size", json!(3));
    r = with(r, "inspectors.groups", json!({"mode": "fixed", "count": 2}));
    r = with(
        r,
        "inspectors.leader",
        json!({"required": true, "qualification": "组长资格"}),
    );
    r = with(r, "inspectors.expert_required", json!(true));
    r = with(r, "quota", json!({"mode": "count", "total": 5}));
    let mut pop = ents(100, 6, "B");
    pop.extend(ents(200, 2, "C"));
    v.push(Vector {
        name: "joint_leader_expert",
        description: "A joint task (联合抽查) of D13 (lead) and D01: groups of three with a qualified leader from \
                      the lead department, an expert and one inspector of each department.",
        input: input(r, &pop, &insp, &[], s("joint_leader_expert"), &["20261201", "77"]),
    });

    // Region strata with per-stratum counts and a fixed reserve length; an empty region is 未分类.
    let regions = ["冷水滩区", "零陵区", "祁阳市", ""];
    let pop: Vec<DrawEntity> = (0..16u64)
        .map(|i| DrawEntity {
            region: regions[(i % 4) as usize].into(),
            ..entity(&code(500 + i), &format!("区域测试商户{i}"))
        })
        .collect();
    let mut r = with(rules(), "strata", json!("region"));
    r = with(
        r,
        "quota",
        json!({"mode": "per_stratum", "counts": [{"stratum": "冷水滩区", "count": 2}, {"stratum": "双牌县", "count": 0},
            {"stratum": "未分类", "count": 1}, {"stratum": "祁阳市", "count": 4}]}),
    );
    r = with(r, "reserve_per_stratum", json!(1));
    r = with(r, "inspectors.groups", json!({"mode": "fixed", "count": 2}));
    v.push(Vector {
        name: "region_strata_per_stratum",
        description: "Strata by region with a count per stratum (零陵区 not listed → 0 and no reserve; 双牌县 listed without \
                      entities → size 0; 祁阳市 takes all four), a reserve of one per stratum, and 未分类 for an \
                      empty region.",
        input: input(r, &pop, &staff(4, "D01"), &[], s("region_strata_per_stratum"), &["3", "1", "4"]),
    });

    // Recusal resolved only by an augmenting path: two groups of two, each group one target.
    let pop = ents(100, 4, "B");
    let insp = staff(4, "D01");
    let recs = vec![recusal("D01-01", &code(101), "亲属关系")];
    let r = with(
        with(rules(), "inspectors.groups", json!({"mode": "fixed", "count": 2})),
        "quota",
        json!({"mode": "count", "total": 2}),
    );
    v.push(Vector {
        name: "recusal_augmenting_path",
        description: "An explicit recusal that the direct scan cannot satisfy: the second target conflicts with \
                      the only group left with room, so the first target moves (§9 step 2). The entropy was \
                      found by trying 1, 2, 3, ...",
        input: search(
            |e| input(r.clone(), &pop, &insp, &recs, s("recusal_augmenting_path"), &[e]),
            |o, t| t.augmenting_paths > 0 && o["unassigned"].as_array().is_some_and(Vec::is_empty),
        ),
    });

    // An unassigned target: the entity is recused from three of five inspectors; two groups of two are drawn
    // and both happen to contain one of the three.
    let pop = ents(100, 4, "B");
    let insp = staff(5, "D01");
    let recs = vec![
        recusal("D01-01", &code(102), "曾在该企业任职"),
        recusal("D01-02", &code(102), "亲属关系"),
        recusal("D01-03", &code(102), "利害关系"),
    ];
    let r = with(
        with(rules(), "inspectors.groups", json!({"mode": "fixed", "count": 2})),
        "quota",
        json!({"mode": "count", "total": 3}),
    );
    v.push(Vector {
        name: "unassigned_target",
        description: "A target that conflicts with every drawn group stays a target, is listed as unassigned \
                      with group null, and is not replaced by a reserve. The entropy was found by trying 1, 2, \
                      3, ...",
        input: search(
            |e| input(r.clone(), &pop, &insp, &recs, s("unassigned_target"), &[e]),
            |o, _| o["unassigned"].as_array().is_some_and(|u| !u.is_empty()),
        ),
    });

    v.push(Vector {
        name: "mixed_larger",
        description: "A larger mixed case: 300 entities in four risk strata and five regions with exclusions, \
                      24 inspectors of two departments with leader, expert, certificates, same-region recusal \
                      and explicit recusals.",
        input: mixed_larger(s("mixed_larger")),
    });

    errors(&mut v, s);
    v
}

fn mixed_larger(secret: fairdraw::draw::Hash32) -> Value {
    let mut rng = Lcg(20261201);
    let regions = ["冷水滩区", "零陵区", "祁阳市", "东安县", "道县"];
    let risks = ["A", "B", "C", "D", ""];
    let statuses = ["存续", "存续", "存续", "在业", "注销"];
    let pop: Vec<DrawEntity> = (0..300u64)
        .map(|i| {
            let last = match rng.next(4) {
                0 => format!("2026-{:02}-{:02}", 1 + rng.next(12), 1 + rng.next(28)),
                1 => format!("2024-{:02}-{:02}", 1 + rng.next(12), 1 + rng.next(28)),
                _ => String::new(),
            };
            DrawEntity {
                region: regions[rng.next(5) as usize].into(),
                risk_class: risks[rng.next(5) as usize].into(),
                status: statuses[rng.next(5) as usize].into(),
                last_inspected: last.into(),
                ..entity(&code(1000 + i * 7), &format!("混合测试商户{i}号"))
            }
        })
        .collect();
    let mut insp = Vec::new();
    for (dept, n) in [("D01", 14), ("D13", 10)] {
        for i in 0..n {
            let mut m = inspector(&format!("{dept}-{i:03}"), &format!("{dept}人员{i}"), dept);
            m.region = regions[rng.next(5) as usize].into();
            m.expert = rng.next(3) == 0;
            if rng.next(2) == 0 {
                m.qualifications = vec!["组长资格".into()];
            }
            if rng.next(12) == 0 {
                m.certificate_valid_until = "2026-06-30".into();
            }
            insp.push(m);
        }
    }
    let mut recs = Vec::new();
    for _ in 0..30 {
        let e = &pop[rng.next(300) as usize];
        let m = &insp[rng.next(insp.len() as u64) as usize];
        if !recs
            .iter()
            .any(|r: &Recusal| r.staff_no == m.staff_no && r.entity_code == e.code)
        {
            recs.push(recusal(&m.staff_no, &e.code, "利害关系"));
        }
    }
    let mut r = rules();
    r = with(r, "strata", json!("risk_class"));
    r = with(
        r,
        "quota",
        json!({"mode": "ratio", "ratios": [{"stratum": "A", "bp": 300}, {"stratum": "B", "bp": 500},
            {"stratum": "C", "bp": 1000}, {"stratum": "D", "bp": 2000}], "default_bp": 500}),
    );
    r = with(
        r,
        "exclusions",
        json!({"statuses": ["注销"], "inspected_within_days": 180,
            "entities": [{"code": pop[17].code.clone(), "reason": "正在立案调查"}]}),
    );
    r = with(r, "reserve_per_stratum", json!(3));
    r = with(r, "inspectors.departments", json!(["D01", "D13"]));
    r = with(r, "inspectors.group_size", json!(3));
    r = with(
        r,
        "inspectors.groups",
        json!({"mode": "per_targets", "max_targets": 4}),
    );
    r = with(
        r,
        "inspectors.leader",
        json!({"required": true, "qualification": "组长资格"}),
    );
    r = with(r, "inspectors.expert_required", json!(true));
    r = with(r, "inspectors.recuse_same_region", json!(true));
    input(r, &pop, &insp, &recs, secret, &["15926535", "8979", "3238462"])
}

fn errors(v: &mut Vec<Vector>, s: impl Fn(&str) -> fairdraw::draw::Hash32) {
    let pop = minimal_population();
    let mut push = |name: &'static str, description: &'static str, input: Value| {
        v.push(Vector {
            name,
            description,
            input,
        });
    };
    let e = &["1"];

    push(
        "error_too_few_inspectors",
        "Two groups of two need four eligible inspectors; there are three.",
        input(
            with(rules(), "inspectors.groups", json!({"mode": "fixed", "count": 2})),
            &pop,
            &staff(3, "D01"),
            &[],
            s("e"),
            e,
        ),
    );

    let mut insp = staff(4, "D01");
    let mut d13 = staff(2, "D13");
    for m in &mut d13 {
        m.certificate_valid_until = "2026-01-31".into();
    }
    insp.extend(d13);
    push(
        "error_department_nobody_eligible",
        "A joint task with D13 whose inspectors' certificates have all expired.",
        input(
            with(rules(), "inspectors.departments", json!(["D01", "D13"])),
            &pop,
            &insp,
            &[],
            s("e"),
            e,
        ),
    );

    let mut p = ents(100, 3, "A");
    p.extend(ents(200, 3, "B"));
    push(
        "error_stratum_without_ratio",
        "Stratum B has entities but no ratio, and there is no default_bp.",
        input(
            with(
                with(rules(), "strata", json!("risk_class")),
                "quota",
                json!({"mode": "ratio", "ratios": [{"stratum": "A", "bp": 500}], "default_bp": null}),
            ),
            &p,
            &staff(2, "D01"),
            &[],
            s("e"),
            e,
        ),
    );

    let mut insp = staff(3, "D01");
    insp.extend(staff(1, "D13"));
    push(
        "error_recusal_leaves_nobody",
        "The only D13 inspector is recused from 冷水滩区䶮记小吃店, so no group could inspect it.",
        input(
            with(rules(), "inspectors.departments", json!(["D01", "D13"])),
            &pop,
            &insp,
            &[recusal("D13-01", "91110105MA0012008X", "亲属关系")],
            s("e"),
            e,
        ),
    );

    let mut insp = staff(3, "D01");
    for m in &mut insp {
        m.region = "冷水滩区".into();
    }
    insp[0].region = "零陵区".into();
    push(
        "error_same_region_leaves_too_few",
        "With recusal by region, entities of 冷水滩区 leave one inspector; the first such entity in canonical \
         order is named.",
        input(
            with(rules(), "inspectors.recuse_same_region", json!(true)),
            &pop,
            &insp,
            &[],
            s("e"),
            e,
        ),
    );

    push(
        "error_count_exceeds_population",
        "A count of 6 from five entities.",
        input(
            with(rules(), "quota", json!({"mode": "count", "total": 6})),
            &pop,
            &staff(2, "D01"),
            &[],
            s("e"),
            e,
        ),
    );

    push(
        "error_per_stratum_exceeds",
        "Stratum 未分类 has one entity but a count of 2.",
        input(
            with(
                with(rules(), "strata", json!("risk_class")),
                "quota",
                json!({"mode": "per_stratum", "counts": [{"stratum": "B", "count": 1}, {"stratum": "未分类", "count": 2}]}),
            ),
            &pop,
            &staff(2, "D01"),
            &[],
            s("e"),
            e,
        ),
    );

    let mut insp = staff(4, "D01");
    insp[0].qualifications = vec!["组长资格".into()];
    push(
        "error_too_few_leaders",
        "Two groups need two qualified leaders from the lead department; one holds the qualification.",
        input(
            with(
                with(rules(), "inspectors.groups", json!({"mode": "fixed", "count": 2})),
                "inspectors.leader",
                json!({"required": true, "qualification": "组长资格"}),
            ),
            &pop,
            &insp,
            &[],
            s("e"),
            e,
        ),
    );

    push(
        "error_too_few_experts",
        "An expert is required in the one group but nobody is an expert.",
        input(
            with(rules(), "inspectors.expert_required", json!(true)),
            &pop,
            &staff(4, "D01"),
            &[],
            s("e"),
            e,
        ),
    );

    let mut insp = staff(2, "D01");
    insp.extend(staff(2, "D02"));
    insp.extend(staff(2, "D13"));
    push(
        "error_group_size",
        "Three departments cannot each have a member in a group of two.",
        input(
            with(rules(), "inspectors.departments", json!(["D01", "D02", "D13"])),
            &pop,
            &insp,
            &[],
            s("e"),
            e,
        ),
    );

    push(
        "error_out_of_scope",
        "The scope is 冷水滩区 but the population holds an entity of 零陵区 (an input error, never dropped \
         silently).",
        input(
            with(rules(), "scope.regions", json!(["冷水滩区"])),
            &pop,
            &staff(2, "D01"),
            &[],
            s("e"),
            e,
        ),
    );

    let mut p = pop.clone();
    p.push(entity("91330000697024247P", "重复的代码"));
    push(
        "error_duplicate_code",
        "The same code twice; the later row is named.",
        input(rules(), &p, &staff(2, "D01"), &[], s("e"), e),
    );

    let mut p = pop.clone();
    p[2].name = "Cafe\u{301}餐厅".into();
    push(
        "error_not_nfc",
        "A name in decomposed form (e + U+0301) is not NFC and is refused, not normalised.",
        input(rules(), &p, &staff(2, "D01"), &[], s("e"), e),
    );

    push(
        "error_unsorted_rules_list",
        "exclusions.statuses in the order people often write it (吊销, 注销, 撤销) rather than UTF-8 byte order.",
        input(
            with(rules(), "exclusions.statuses", json!(["吊销", "注销", "撤销"])),
            &pop,
            &staff(2, "D01"),
            &[],
            s("e"),
            e,
        ),
    );

    let mut insp = staff(2, "D01");
    insp[1].certificate_valid_until = "2027-02-29".into();
    push(
        "error_bad_date",
        "A certificate valid until 2027-02-29, which does not exist.",
        input(rules(), &pop, &insp, &[], s("e"), e),
    );
}

#[test]
fn vectors_match_the_implementation() {
    let dir = vectors_dir();
    let bless = std::env::var("FAIRDRAW_BLESS").is_ok_and(|v| v == "1");
    let defs = definitions();
    if bless {
        std::fs::create_dir_all(&dir).unwrap();
    }
    for def in &defs {
        let file = file_of(def);
        let path = dir.join(format!("{}.json", def.name));
        if bless {
            std::fs::write(&path, pretty(&file)).unwrap();
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run with FAIRDRAW_BLESS=1 to create it", path.display()));
        let on_disk: Value = serde_json::from_str(&text).unwrap();
        assert!(
            on_disk == file,
            "{} differs from what the implementation computes; if the change is deliberate, run with \
             FAIRDRAW_BLESS=1 and review the diff",
            path.display()
        );
        assert_eq!(
            text,
            pretty(&file),
            "{} is not in the canonical layout",
            path.display()
        );
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    on_disk.sort();
    let mut defined: Vec<String> = defs.iter().map(|d| format!("{}.json", d.name)).collect();
    defined.sort();
    assert_eq!(
        on_disk, defined,
        "tests/vectors holds files without a definition (or the reverse)"
    );
}

/// What the Python verifier does: recompute each file's expected values from its input alone.
#[test]
fn every_vector_file_reproduces_from_its_input() {
    let mut n = 0;
    for entry in std::fs::read_dir(vectors_dir()).unwrap() {
        let path = entry.unwrap().path();
        let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let got = match run_input(&file["input"]) {
            Ok((expected, _)) => json!({"expected": expected}),
            Err(e) => json!({"expected_error": e.expected_error()}),
        };
        let want = match file.get("expected") {
            Some(x) => json!({"expected": x}),
            None => json!({"expected_error": file["expected_error"]}),
        };
        assert_eq!(got, want, "{}", path.display());
        n += 1;
    }
    assert!(n >= 25, "only {n} vectors");
}

fn load(name: &str) -> Value {
    let path = vectors_dir().join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn strata_of(v: &Value) -> Vec<(String, u64, u64, u64)> {
    v["expected"]["outcome"]["strata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["key"].as_str().unwrap().to_string(),
                s["size"].as_u64().unwrap(),
                s["quota"].as_u64().unwrap(),
                s["reserve"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn st(key: &str, n: u64, q: u64, r: u64) -> (String, u64, u64, u64) {
    (key.to_string(), n, q, r)
}

/// The quotas worked out by hand in the comments of `definitions`.
#[test]
fn hand_checked_quotas() {
    assert_eq!(
        strata_of(&load("risk_strata_ratios")),
        [
            st("A", 40, 2, 2),
            st("B", 25, 2, 2),
            st("C", 1, 1, 0),
            st("D", 0, 0, 0),
            st("未分类", 3, 1, 1)
        ]
    );
    assert_eq!(
        strata_of(&load("count_tie_by_key")),
        [st("A", 3, 2, 1), st("B", 3, 1, 1), st("C", 2, 1, 1)]
    );
    assert_eq!(
        strata_of(&load("count_tie_by_size")),
        [st("A", 1, 0, 0), st("B", 2, 1, 1), st("C", 3, 2, 1)]
    );
    assert_eq!(
        strata_of(&load("k_equals_n")),
        [st("A", 3, 3, 0), st("D", 4, 4, 0)]
    );
    assert_eq!(
        strata_of(&load("region_strata_per_stratum")),
        [
            st("冷水滩区", 4, 2, 1),
            st("双牌县", 0, 0, 0),
            st("未分类", 4, 1, 1),
            st("祁阳市", 4, 4, 0),
            st("零陵区", 4, 0, 0)
        ]
    );
    let k0 = load("k_zero");
    assert_eq!(k0["expected"]["outcome"]["groups"], json!([]));
    assert_eq!(
        k0["expected"]["outcome"]["ineligible_inspectors"],
        json!([{"staff_no": "D01-02", "reason": "status"}])
    );
}

#[test]
fn hand_checked_exclusions_and_eligibility() {
    let v = load("exclusions");
    assert_eq!(
        v["expected"]["outcome"]["excluded"],
        json!([
            {"code": code(1), "reason": "explicit"},
            {"code": code(2), "reason": "status"},
            {"code": code(3), "reason": "recently_inspected"},
            {"code": code(5), "reason": "recently_inspected"},
            {"code": code(6), "reason": "recently_inspected"},
        ])
    );
    let v = load("ineligible_inspectors");
    assert_eq!(
        v["expected"]["outcome"]["ineligible_inspectors"],
        json!([
            {"staff_no": "D01-01", "reason": "status"},
            {"staff_no": "D01-02", "reason": "no_certificate"},
            {"staff_no": "D01-03", "reason": "certificate_unknown"},
            {"staff_no": "D01-04", "reason": "certificate_expired"},
            {"staff_no": "D01-06", "reason": "qualification"},
            {"staff_no": "D02-01", "reason": "department"},
        ])
    );
}

#[test]
fn hand_checked_groups_and_recusals() {
    let v = load("joint_leader_expert");
    let o = &v["expected"]["outcome"];
    let input = &v["input"];
    let inspector = |staff: &str| {
        input["inspectors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["staff_no"] == staff)
            .unwrap()
            .clone()
    };
    for g in o["groups"].as_array().unwrap() {
        let members: Vec<Value> = g["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| inspector(s.as_str().unwrap()))
            .collect();
        assert_eq!(members.len(), 3);
        assert_eq!(g["leader"], g["members"][0]);
        assert_eq!(members[0]["department"], "D13");
        assert_eq!(members[0]["qualifications"], json!(["组长资格"]));
        assert!(members.iter().any(|m| m["expert"] == true));
        assert!(members.iter().any(|m| m["department"] == "D01"));
    }
    let v = load("recusal_augmenting_path");
    let o = &v["expected"]["outcome"];
    // The recused inspector's group does not hold the entity.
    for g in o["groups"].as_array().unwrap() {
        if g["members"].as_array().unwrap().contains(&json!("D01-01")) {
            assert!(!g["targets"].as_array().unwrap().contains(&json!(code(101))));
        }
    }
    let v = load("unassigned_target");
    let o = &v["expected"]["outcome"];
    assert_eq!(o["unassigned"], json!([code(102)]));
    let t = o["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == code(102))
        .unwrap();
    assert_eq!(t["group"], Value::Null);
    let e = load("error_recusal_leaves_nobody");
    assert_eq!(
        e["expected_error"],
        json!({"kind": "infeasible", "entity": "91110105MA0012008X"})
    );
}

/// `expected_error` of an input error holds only its kind (§13); this checks that each error vector fails for
/// the reason it was written for, with the fuller diagnostics of the implementation.
#[test]
fn error_vectors_fail_for_the_intended_reason() {
    let cases = [
        (
            "error_too_few_inspectors",
            json!({"kind": "infeasible", "code": "inspectors", "condition": "pool"}),
        ),
        (
            "error_department_nobody_eligible",
            json!({"kind": "infeasible", "code": "department", "department": "D13"}),
        ),
        (
            "error_stratum_without_ratio",
            json!({"kind": "infeasible", "code": "no_ratio", "stratum": "B"}),
        ),
        (
            "error_same_region_leaves_too_few",
            json!({"kind": "infeasible", "code": "recusal", "entity": "91110105MA0012008X"}),
        ),
        (
            "error_count_exceeds_population",
            json!({"kind": "infeasible", "code": "count_exceeds_population", "condition": "total"}),
        ),
        (
            "error_per_stratum_exceeds",
            json!({"kind": "infeasible", "code": "count_exceeds_stratum", "stratum": "未分类"}),
        ),
        (
            "error_too_few_leaders",
            json!({"kind": "infeasible", "code": "leaders", "department": "D01"}),
        ),
        (
            "error_too_few_experts",
            json!({"kind": "infeasible", "code": "experts", "condition": "expert"}),
        ),
        (
            "error_group_size",
            json!({"kind": "infeasible", "code": "group_size", "condition": "group_size"}),
        ),
        (
            "error_out_of_scope",
            json!({"kind": "input", "code": "out_of_scope", "entity": "91330000566997460T"}),
        ),
        (
            "error_duplicate_code",
            json!({"kind": "input", "code": "duplicate", "field": "population[5].code"}),
        ),
        (
            "error_not_nfc",
            json!({"kind": "input", "code": "not_nfc", "field": "population[2].name"}),
        ),
        (
            "error_unsorted_rules_list",
            json!({"kind": "input", "code": "not_sorted", "field": "rules.exclusions.statuses"}),
        ),
        (
            "error_bad_date",
            json!({"kind": "input", "code": "bad_date", "field": "inspectors[1].certificate_valid_until"}),
        ),
    ];
    for (name, details) in cases {
        let v = load(name);
        let e = run_input(&v["input"]).unwrap_err();
        assert_eq!(e.details(), details, "{name}");
        assert_eq!(v["expected_error"], e.expected_error(), "{name}");
    }
}

/// The step-by-step example of docs/draw-protocol.md §14.4.
#[test]
fn worked_example_of_the_minimal_vector() {
    use fairdraw::draw::{Hash32, rng::WordStream, rng::subseed};
    let v = load("minimal");
    let seed = Hash32::from_hex(v["expected"]["seed"].as_str().unwrap()).unwrap();
    assert_eq!(
        seed.to_hex(),
        "94bb325c3e0f4524de9068aec0ca74f64de83a304f646d2088b562593ba61835"
    );
    let stratum = subseed(&seed, "stratum", "");
    assert_eq!(
        stratum.to_hex(),
        "b453912e0416b27216b1ce9243796675ca1c784881e7e62795da6c66523aa48a"
    );
    let mut r = WordStream::new(&stratum);
    let words: Vec<u64> = (0..4).map(|_| r.next_u64()).collect();
    assert_eq!(
        words,
        [
            0xbfc843e975db0b3a,
            0x04a74f3034fdf0fb,
            0xc2e07da85a76980b,
            0xc9500a4cfe00518a
        ]
    );
    let j: Vec<u64> = words
        .iter()
        .zip([5u64, 4, 3, 2])
        .enumerate()
        .map(|(i, (w, n))| i as u64 + w % n)
        .collect();
    assert_eq!(j, [1, 4, 4, 3]);
    let inspectors = subseed(&seed, "inspectors", "");
    assert_eq!(
        inspectors.to_hex(),
        "e5f3f4ed78dc94937530d65feb7ea94e1fe756b321ce42ead513bafb29fdaa81"
    );
    let mut r = WordStream::new(&inspectors);
    assert_eq!(
        [r.next_u64(), r.next_u64()],
        [0x599e5e09f5bcff81, 0xe6c5afb2dc8254e0]
    );
    let o = &v["expected"]["outcome"];
    assert_eq!(o["groups"][0]["members"], json!(["D01-02", "D01-03"]));
    assert_eq!(
        v["expected"]["fingerprints"]["outcome"],
        "c21845257c004848b2605394d629f829c39cc683dc0c7a82a3e5b0d70cdc5a22"
    );
    assert_eq!(
        v["expected"]["commitment"],
        "72201067c8058ed7c066a672a3ebc3d655fea1ae8a33c04adac5f55e9eed1c81"
    );
    assert_eq!(
        v["expected"]["fingerprints"]["inputs"],
        "06c890f9e4c1c8ce278a0de74597346f1756d550f8958613867f3f8dea05f562"
    );
}
