//! Property tests of the draw over random small inputs: row order never matters, every target passed scope
//! and exclusions, quotas are exact, groups are composed as the rules say, no recusal is ever violated,
//! workloads are balanced, and a target is left unassigned only when no recusal-free assignment exists.

use std::collections::{BTreeMap, BTreeSet};

use fairdraw::draw::{
    self, DrawEntity, DrawError, DrawInspector, Frozen, Hash32, Outcome, Recusal, Rules, Text, UNCLASSIFIED,
};
use proptest::prelude::*;
use serde_json::json;

use crate::draw_fixtures::{code, entity, inspector, recusal, rules};

const REGIONS: [&str; 4] = ["冷水滩区", "零陵区", "祁阳市", ""];
const DRAW_DATE: &str = "2026-12-01";

#[derive(Clone, Debug)]
pub struct Scenario {
    pub population: Vec<DrawEntity>,
    pub inspectors: Vec<DrawInspector>,
    pub recusals: Vec<Recusal>,
    pub rules: Rules,
    pub seed: Hash32,
    pub shuffle: u64,
}

fn entity_strategy() -> impl Strategy<Value = (usize, usize, bool, usize, bool)> {
    // region, risk class, deregistered, last inspected, tagged
    (
        0..4usize,
        0..5usize,
        prop::bool::weighted(0.15),
        0..3usize,
        any::<bool>(),
    )
}

fn inspector_strategy() -> impl Strategy<Value = (usize, bool, usize, u8, bool, usize)> {
    // department, expert, region, certificate state, leader qualification, status
    (
        0..20usize,
        prop::bool::weighted(0.4),
        0..4usize,
        0..14u8,
        any::<bool>(),
        0..12usize,
    )
}

prop_compose! {
    pub fn scenario()(
        ents in prop::collection::vec(entity_strategy(), 0..40),
        insps in prop::collection::vec(inspector_strategy(), 2..24),
        recs in prop::collection::vec((0..40usize, 0..24usize), 0..24),
        strata in 0..3usize,
        quota in 0..3usize,
        bps in prop::collection::vec(0..6000u32, 5),
        total in 0..12u32,
        reserve in prop::option::of(0..4u32),
        joint in any::<bool>(),
        group_size in prop_oneof![4 => Just(2u32), 2 => Just(3), 1 => Just(4)],
        fixed in any::<bool>(),
        count in 1..5u32,
        leader in prop::bool::weighted(0.3),
        leader_qual in any::<bool>(),
        expert in prop::bool::weighted(0.3),
        same_region in prop::bool::weighted(0.5),
        exclude_status in any::<bool>(),
        within in prop::option::of(prop_oneof![Just(0u32), Just(200), Just(365)]),
        scope_region in any::<bool>(),
        seed in any::<[u8; 32]>(),
        shuffle in any::<u64>(),
    ) -> Scenario {
        let mut population: Vec<DrawEntity> = ents.iter().enumerate().map(|(i, &(region, risk, dereg, last, tagged))| {
            DrawEntity {
                region: REGIONS[region].into(),
                risk_class: ["A", "B", "C", "D", ""][risk].into(),
                status: if dereg { "注销".into() } else { "存续".into() },
                last_inspected: ["", "2026-06-01", "2025-01-01"][last].into(),
                tags: if tagged { vec!["食品经营".into()] } else { vec![] },
                ..entity(&code(i as u64 * 3 + 1), &format!("商户{i}"))
            }
        }).collect();
        if scope_region {
            population.retain(|e| e.region == "冷水滩区" || e.region == "零陵区");
        }
        let inspectors: Vec<DrawInspector> = insps.iter().enumerate().map(|(i, &(dept, expert, region, cert, lq, status))| {
            let dept = match dept { 0..=9 => "D01", 10..=16 => "D02", _ => "D09" };
            let mut m = inspector(&format!("S{i:03}"), &format!("人员{i}"), dept);
            m.expert = expert;
            m.region = REGIONS[region].into();
            match cert {
                0 => m.certificate_no = Text::default(),
                1 => m.certificate_valid_until = Text::default(),
                2 => m.certificate_valid_until = "2026-11-30".into(),
                3 => m.certificate_valid_until = DRAW_DATE.into(),
                _ => {}
            }
            if lq {
                m.qualifications = vec!["组长资格".into()];
            }
            if status == 0 {
                m.status = "离岗".into();
            }
            m
        }).collect();
        let mut recusals: Vec<Recusal> = Vec::new();
        for &(e, m) in &recs {
            if let (Some(e), Some(m)) = (population.get(e % population.len().max(1)), inspectors.get(m % inspectors.len().max(1)))
                && !recusals.iter().any(|r| r.staff_no == m.staff_no && r.entity_code == e.code) {
                    recusals.push(recusal(&m.staff_no, &e.code, "利害关系"));
                }
        }
        // A recusal naming someone outside the inputs has no effect but is part of the list.
        recusals.push(recusal("S999", &code(9999), "不在名单中"));
        let mut r = rules();
        r["strata"] = json!(["none", "risk_class", "region"][strata]);
        r["quota"] = match quota {
            0 => json!({"mode": "ratio", "ratios": [{"stratum": "A", "bp": bps[0]}, {"stratum": "B", "bp": bps[1]},
                {"stratum": "冷水滩区", "bp": bps[2]}, {"stratum": "未分类", "bp": bps[3]}], "default_bp": bps[4]}),
            1 => json!({"mode": "count", "total": total}),
            _ => {
                let counts = match strata {
                    0 => json!([{"stratum": "", "count": total % 5}]),
                    1 => json!([{"stratum": "A", "count": total % 3}, {"stratum": "B", "count": total % 2}]),
                    _ => json!([{"stratum": "冷水滩区", "count": total % 3}, {"stratum": "零陵区", "count": 1}]),
                };
                json!({"mode": "per_stratum", "counts": counts})
            }
        };
        r["reserve_per_stratum"] = json!(reserve);
        r["exclusions"] = json!({"statuses": if exclude_status { vec!["注销"] } else { vec![] },
            "inspected_within_days": within, "entities": [{"code": code(4), "reason": "立案调查"}]});
        r["scope"]["regions"] = if scope_region { json!(["冷水滩区", "零陵区"]) } else { json!([]) };
        let ir = &mut r["inspectors"];
        ir["departments"] = if joint { json!(["D02", "D01"]) } else { json!(["D01"]) };
        ir["group_size"] = json!(group_size);
        ir["groups"] = if fixed { json!({"mode": "fixed", "count": count}) } else { json!({"mode": "per_targets", "max_targets": count}) };
        ir["leader"] = json!({"required": leader, "qualification": if leader_qual { "组长资格" } else { "" }});
        ir["expert_required"] = json!(expert);
        ir["recuse_same_region"] = json!(same_region);
        let rules = Rules::from_value(r).expect("generated rules are valid");
        Scenario { population, inspectors, recusals, rules, seed: Hash32(seed), shuffle }
    }
}

/// A deterministic permutation (Fisher–Yates driven by a small LCG, unrelated to the protocol).
fn permute<T>(mut v: Vec<T>, mut state: u64) -> Vec<T> {
    for i in (1..v.len()).rev() {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let j = ((state >> 33) % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
    v
}

pub fn freeze(s: &Scenario) -> Result<Frozen, DrawError> {
    draw::freeze(
        s.population.clone(),
        s.inspectors.clone(),
        s.recusals.clone(),
        s.rules.clone(),
    )
}

fn conflicts(rules: &Rules, recusals: &[Recusal], m: &DrawInspector, e: &DrawEntity) -> bool {
    recusals
        .iter()
        .any(|r| r.staff_no == m.staff_no && r.entity_code == e.code)
        || (rules.inspectors.recuse_same_region && !m.region.is_empty() && m.region == e.region)
}

/// Maximum number of targets assignable without conflicts, within the capacities, by a plain augmenting-path
/// matching over group slots (independent of the protocol's orders).
fn max_assignable(k: usize, caps: &[usize], ok: &dyn Fn(usize, usize) -> bool) -> usize {
    let slots: Vec<usize> = caps
        .iter()
        .enumerate()
        .flat_map(|(h, &c)| std::iter::repeat_n(h, c))
        .collect();
    let mut slot_of: Vec<Option<usize>> = vec![None; slots.len()];
    fn try_assign(
        t: usize,
        slots: &[usize],
        ok: &dyn Fn(usize, usize) -> bool,
        seen: &mut [bool],
        slot_of: &mut [Option<usize>],
    ) -> bool {
        for s in 0..slots.len() {
            if seen[s] || !ok(slots[s], t) {
                continue;
            }
            seen[s] = true;
            if slot_of[s].is_none_or(|u| try_assign(u, slots, ok, seen, slot_of)) {
                slot_of[s] = Some(t);
                return true;
            }
        }
        false
    }
    (0..k)
        .filter(|&t| try_assign(t, &slots, ok, &mut vec![false; slots.len()], &mut slot_of))
        .count()
}

fn check_outcome(s: &Scenario, frozen: &Frozen, o: &Outcome) -> Result<(), TestCaseError> {
    let r = &s.rules;
    let by_code: BTreeMap<&str, &DrawEntity> = s.population.iter().map(|e| (e.code.as_str(), e)).collect();
    let by_staff: BTreeMap<&str, &DrawInspector> =
        s.inspectors.iter().map(|m| (m.staff_no.as_str(), m)).collect();
    let excluded: BTreeSet<&str> = o.excluded.iter().map(|x| x.code.as_str()).collect();
    let key = |e: &DrawEntity| -> String {
        match r.strata {
            draw::StrataBy::None => String::new(),
            draw::StrataBy::RiskClass if e.risk_class.is_empty() => UNCLASSIFIED.into(),
            draw::StrataBy::RiskClass => e.risk_class.to_string(),
            draw::StrataBy::Region if e.region.is_empty() => UNCLASSIFIED.into(),
            draw::StrataBy::Region => e.region.to_string(),
        }
    };
    // Exclusions recomputed independently.
    for e in &s.population {
        let explicit = r.exclusions.entities.iter().any(|x| x.code == e.code);
        let status = r.exclusions.statuses.iter().any(|s| *s == e.status);
        let recent = match (r.exclusions.inspected_within_days, e.last_inspected.as_str()) {
            (Some(d), "2026-06-01") => 183 < d,
            (Some(d), "2025-01-01") => 699 < d,
            _ => false,
        };
        prop_assert_eq!(
            excluded.contains(e.code.as_str()),
            explicit || status || recent,
            "{}",
            e.code
        );
    }
    // Targets and reserves: distinct, in scope, not excluded, in their stratum; quotas exact.
    let mut seen = BTreeSet::new();
    for (c, stratum) in o
        .targets
        .iter()
        .map(|t| (&t.code, &t.stratum))
        .chain(o.reserves.iter().map(|x| (&x.code, &x.stratum)))
    {
        let e = by_code.get(c.as_str()).copied();
        prop_assert!(e.is_some());
        let e = e.unwrap();
        prop_assert!(r.scope.admits(e));
        prop_assert!(!excluded.contains(c.as_str()));
        prop_assert_eq!(&key(e), stratum);
        prop_assert!(seen.insert(c.clone()), "drawn twice: {}", c);
    }
    for st in &o.strata {
        let size = s
            .population
            .iter()
            .filter(|e| !excluded.contains(e.code.as_str()) && key(e) == st.key)
            .count();
        prop_assert_eq!(st.size as usize, size);
        prop_assert_eq!(
            o.targets.iter().filter(|t| t.stratum == st.key).count(),
            st.quota as usize
        );
        prop_assert_eq!(
            o.reserves.iter().filter(|t| t.stratum == st.key).count(),
            st.reserve as usize
        );
        prop_assert!(st.quota + st.reserve <= st.size);
    }
    let k = o.targets.len();
    prop_assert_eq!(k as u32, frozen.targets());
    // Groups.
    let g = o.groups.len();
    prop_assert_eq!(g as u32, frozen.groups());
    if k == 0 {
        prop_assert_eq!(g, 0);
        return Ok(());
    }
    let ineligible: BTreeSet<&str> = o
        .ineligible_inspectors
        .iter()
        .map(|x| x.staff_no.as_str())
        .collect();
    let ir = &r.inspectors;
    let mut drawn = BTreeSet::new();
    for grp in &o.groups {
        prop_assert_eq!(grp.members.len(), ir.group_size as usize);
        let members: Vec<&DrawInspector> = grp.members.iter().map(|m| by_staff[m.as_str()]).collect();
        for m in &members {
            prop_assert!(!ineligible.contains(m.staff_no.as_str()));
            prop_assert!(drawn.insert(m.staff_no.clone()), "{} in two groups", m.staff_no);
            prop_assert!(m.status == "在岗" && !m.certificate_no.is_empty());
            prop_assert!(m.certificate_valid_until.as_str() >= DRAW_DATE);
        }
        if ir.leader.required {
            prop_assert_eq!(grp.leader.as_ref(), Some(&grp.members[0]));
            prop_assert_eq!(&members[0].department, &ir.departments[0]);
            if !ir.leader.qualification.is_empty() {
                prop_assert!(
                    members[0]
                        .qualifications
                        .iter()
                        .any(|q| *q == ir.leader.qualification)
                );
            }
        } else {
            prop_assert!(grp.leader.is_none());
        }
        if ir.expert_required {
            prop_assert!(members.iter().any(|m| m.expert));
        }
        for d in &ir.departments {
            prop_assert!(
                members.iter().any(|m| m.department == d),
                "group {} lacks {}",
                grp.number,
                d
            );
        }
        // No recusal violated.
        for t in &grp.targets {
            let e = by_code[t.as_str()];
            for m in &members {
                prop_assert!(
                    !conflicts(r, &s.recusals, m, e),
                    "{} inspects {} despite recusal",
                    m.staff_no,
                    t
                );
            }
        }
    }
    // Targets' group numbers agree with the groups' lists; workloads within capacities.
    let caps: Vec<usize> = (0..g).map(|i| k / g + usize::from(i < k % g)).collect();
    let mut assigned = 0;
    for (i, grp) in o.groups.iter().enumerate() {
        prop_assert!(grp.targets.len() <= caps[i]);
        assigned += grp.targets.len();
        for t in &grp.targets {
            let entry = o.targets.iter().find(|x| &x.code == t).unwrap();
            prop_assert_eq!(entry.group, Some(grp.number));
        }
    }
    prop_assert_eq!(assigned + o.unassigned.len(), k);
    let unassigned: Vec<&String> = o
        .targets
        .iter()
        .filter(|t| t.group.is_none())
        .map(|t| &t.code)
        .collect();
    prop_assert_eq!(unassigned, o.unassigned.iter().collect::<Vec<_>>());
    if o.unassigned.is_empty() {
        for (i, grp) in o.groups.iter().enumerate() {
            prop_assert_eq!(grp.targets.len(), caps[i], "workload of group {}", grp.number);
        }
    }
    // A target is unassigned only if no recusal-free assignment of all targets exists.
    let members: Vec<Vec<&DrawInspector>> = o
        .groups
        .iter()
        .map(|grp| grp.members.iter().map(|m| by_staff[m.as_str()]).collect())
        .collect();
    let target_entities: Vec<&DrawEntity> = o.targets.iter().map(|t| by_code[t.code.as_str()]).collect();
    let ok = |h: usize, t: usize| {
        !members[h]
            .iter()
            .any(|m| conflicts(r, &s.recusals, m, target_entities[t]))
    };
    prop_assert_eq!(
        max_assignable(k, &caps, &ok),
        assigned,
        "the assignment is not maximum"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn draws_keep_every_rule_and_ignore_row_order(s in scenario()) {
        let shuffled = Scenario {
            population: permute(s.population.clone(), s.shuffle),
            inspectors: permute(s.inspectors.clone(), s.shuffle ^ 1),
            recusals: permute(s.recusals.clone(), s.shuffle ^ 2),
            ..s.clone()
        };
        match (freeze(&s), freeze(&shuffled)) {
            (Ok(a), Ok(b)) => {
                prop_assert_eq!(a.fingerprints(), b.fingerprints());
                let oa = draw::draw(&a, &s.seed);
                let ob = draw::draw(&b, &s.seed);
                prop_assert_eq!(&oa, &ob);
                check_outcome(&s, &a, &oa)?;
            }
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(false, "row order changed feasibility: {:?} vs {:?}", a.err(), b.err()),
        }
    }
}

/// `n` scenarios from the generator, always the same ones.
pub fn sample_scenarios(n: usize) -> Vec<Scenario> {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRng, TestRunner};
    let mut runner =
        TestRunner::new_with_rng(Config::default(), TestRng::deterministic_rng(Default::default()));
    (0..n)
        .map(|_| scenario().new_tree(&mut runner).unwrap().current())
        .collect()
}

/// The generator must reach the interesting cases, or the property above proves little.
#[test]
fn the_scenarios_cover_feasible_infeasible_and_unassigned_cases() {
    let (mut feasible, mut infeasible, mut unassigned, mut augmented, mut groups) = (0, 0, 0, 0, 0);
    for s in sample_scenarios(600) {
        match freeze(&s) {
            Ok(f) => {
                feasible += 1;
                let (o, trace) = draw::draw_traced(&f, &s.seed);
                groups += usize::from(!o.groups.is_empty());
                unassigned += usize::from(!o.unassigned.is_empty());
                augmented += usize::from(trace.augmenting_paths > 0);
            }
            Err(_) => infeasible += 1,
        }
    }
    eprintln!(
        "feasible {feasible}, infeasible {infeasible}, with groups {groups}, augmented {augmented}, unassigned {unassigned}"
    );
    assert!(
        feasible > 100 && infeasible > 100,
        "feasible {feasible}, infeasible {infeasible}"
    );
    assert!(groups > 60, "draws with groups: {groups}");
    assert!(augmented > 5, "draws with augmenting paths: {augmented}");
    assert!(unassigned > 2, "draws with unassigned targets: {unassigned}");
}

/// A long excluded list (written on a second thread while the draw runs, from 50,000 on) is the excluded
/// entities in canonical order with their first reason, and the rest of the outcome is that of the same
/// draw over the lean population a verifier keeps.
#[test]
fn a_long_excluded_list_is_every_excluded_entity_in_order() {
    let population: Vec<DrawEntity> = (0..60_000u64)
        .map(|i| DrawEntity {
            status: if i % 6 == 0 {
                "存续".into()
            } else {
                "吊销".into()
            },
            last_inspected: if i % 12 == 0 {
                "2026-11-01".into()
            } else {
                Text::default()
            },
            ..entity(&code(i), &format!("永州{i}号店"))
        })
        .collect();
    let pool: Vec<_> = (0..4)
        .map(|i| inspector(&format!("A{i}"), &format!("甲{i}"), "D01"))
        .collect();
    let mut r = rules();
    r["exclusions"]["statuses"] = json!(["吊销"]);
    r["exclusions"]["inspected_within_days"] = json!(365);
    let rules = Rules::from_value(r).unwrap();
    let frozen = draw::freeze(population, pool, Vec::new(), rules).unwrap();
    let seed = crate::draw_fixtures::secret("long excluded list");
    let outcome = draw::draw(&frozen, &seed);
    let expected: Vec<(String, draw::ExclusionReason)> = frozen
        .population()
        .iter()
        .filter_map(|e| match (e.status.as_str(), e.last_inspected.as_str()) {
            ("吊销", _) => Some((e.code.to_string(), draw::ExclusionReason::Status)),
            (_, "") => None,
            _ => Some((e.code.to_string(), draw::ExclusionReason::RecentlyInspected)),
        })
        .collect();
    assert_eq!(expected.len(), 55_000);
    let got: Vec<(String, draw::ExclusionReason)> = outcome
        .excluded
        .iter()
        .map(|x| (x.code.clone(), x.reason))
        .collect();
    assert_eq!(got, expected);
    let mut lean = draw::LeanPopulation::default();
    for e in frozen.population() {
        assert!(lean.push(Some(&frozen.rules().scope), &e.row()));
    }
    let lean = draw::canonicalise_sorted(
        lean,
        frozen.fingerprints().population,
        frozen.inspectors().to_vec(),
        Vec::new(),
        frozen.rules().clone(),
    )
    .unwrap()
    .plan()
    .unwrap();
    assert_eq!(draw::draw(&lean, &seed), outcome);
}
