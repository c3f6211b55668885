//! Reading bundles quickly without changing a verdict or an error: the fast CSV reader of bundle files against
//! the general one, rows out of canonical order, invalid UTF-8, an empty population.

use std::path::Path;

use fairdraw::Lang;
use fairdraw::bundle::{self, Bundle, Verdict};
use proptest::prelude::*;

use crate::verify::sample;

fn folder(dir: &Path) -> bundle::BundleJson {
    let (frozen, json) = sample();
    bundle::write(dir, &json, &frozen).unwrap();
    json
}

/// The verdict or error message, the same from the command line's `verify_path` as from `Bundle::read`
/// then `verify`.
fn message(path: &Path) -> String {
    let said = |r: fairdraw::Result<Verdict>| match r {
        Ok(v) => v.message(Lang::En),
        Err(e) => e.message(Lang::En),
    };
    let general = said(Bundle::read(path).and_then(bundle::verify));
    assert_eq!(said(bundle::verify_path(path)), general);
    general
}

/// Zips the files of a bundle folder as they are (possibly edited).
fn zip_folder(dir: &Path, zip: &Path) {
    let mut w = zip::ZipWriter::new(std::fs::File::create(zip).unwrap());
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        w.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut w, &std::fs::read(entry.path()).unwrap()).unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn rows_out_of_canonical_order_still_verify_and_duplicates_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    let json = folder(&dir);
    let p = dir.join("population.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1..].reverse();
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    let zip = tmp.path().join("r.zip");
    zip_folder(&dir, &zip);
    for path in [&dir, &zip] {
        assert!(
            matches!(bundle::verify(Bundle::read(path).unwrap()).unwrap(), Verdict::Match { seed, .. } if seed == json.seed)
        );
        assert!(message(path).starts_with("MATCH"));
    }
    // Line 5 repeats line 2's row (the last entity, after the reversal).
    lines[4] = lines[1];
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    let code = lines[1].split(',').next().unwrap();
    assert_eq!(
        message(&dir),
        format!("population.csv line 5, column code: appears twice: {code} 永州𠮷11号餐饮店")
    );
}

#[test]
fn invalid_utf8_in_population_is_named_by_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    folder(&dir);
    let p = dir.join("population.csv");
    let mut bytes = std::fs::read(&p).unwrap();
    // The first byte of 永 on line 4 (the third entity's name) becomes a lone continuation byte.
    let line_start: usize = bytes.split(|&b| b == b'\n').take(3).map(|l| l.len() + 1).sum();
    let at = line_start + bytes[line_start..].iter().position(|&b| b == 0xE6).unwrap();
    bytes[at] = 0x80;
    std::fs::write(&p, &bytes).unwrap();
    let zip = tmp.path().join("r.zip");
    zip_folder(&dir, &zip);
    for path in [&dir, &zip] {
        assert_eq!(
            message(path),
            "population.csv: line 4 cannot be read: CSV parse error: record 3 (line 4, field: 1, byte: 529): \
             invalid utf-8: invalid UTF-8 in field 1 near byte index 0"
        );
    }
}

#[test]
fn an_empty_population_reads_and_mismatches_an_empty_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    let json = folder(&dir);
    let p = dir.join("population.csv");
    let header = std::fs::read_to_string(&p)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    std::fs::write(&p, format!("{header}\n")).unwrap();
    let b = Bundle::read(&dir).unwrap();
    assert!(b.population.is_empty());
    let empty = fairdraw::draw::fp_population(&[]);
    assert_eq!(
        message(&dir),
        format!(
            "MISMATCH: first difference at fingerprints.population: recorded {}, recomputed {empty}",
            json.fingerprints.population
        )
    );
    std::fs::write(&p, "").unwrap();
    assert!(
        message(&dir).starts_with("population.csv: line 1 must be the header code,name,"),
        "{}",
        message(&dir)
    );
}

#[test]
fn a_damaged_zip_entry_is_reported_as_before() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    folder(&dir);
    let zip = tmp.path().join("r.zip");
    zip_folder(&dir, &zip);
    // Flip a byte inside the compressed population.csv: it inflates to something else.
    let mut bytes = std::fs::read(&zip).unwrap();
    let name = bytes.windows(14).position(|w| w == b"population.csv").unwrap();
    let at = name + 14 + 200;
    bytes[at] ^= 0x01;
    std::fs::write(&zip, &bytes).unwrap();
    assert_eq!(
        message(&zip),
        "population.csv: line 2 cannot be read: CSV parse error: record 1 (line 2, field: 4, byte: 111): \
         invalid utf-8: invalid UTF-8 in field 4 near byte index 0"
    );
}

/// A bundle of 6,000 entities with long addresses: `population.csv` of about 2.6 MB, so that `verify_path`
/// splits it in several buffers on two threads. `address` makes each entity's address (canonical order).
fn many_buffers(dir: &Path, address: impl Fn(u64) -> String) -> bundle::BundleJson {
    use crate::draw_fixtures::{code, entity, inspector, rules, secret};
    use fairdraw::draw::{self, DrawEntity, Rules};
    use serde_json::json;

    let population: Vec<DrawEntity> = (0..6_000u64)
        .map(|i| DrawEntity {
            address: address(i).into(),
            region: ["冷水滩区", "零陵区", "祁阳市"][i as usize % 3].into(),
            status: if i % 7 == 0 {
                "吊销".into()
            } else {
                "存续".into()
            },
            risk_class: ["A", "B", "C"][i as usize % 3].into(),
            tags: vec!["食品经营".into()],
            ..entity(&code(i), &format!("永州𠮷{i}号（个体）餐饮店"))
        })
        .collect();
    let pool: Vec<_> = (0..8)
        .map(|i| {
            let mut m = inspector(&format!("A{i}"), &format!("甲{i}"), "D01");
            m.region = ["冷水滩区", "零陵区", "祁阳市", ""][i % 4].into();
            m
        })
        .collect();
    let mut r = rules();
    r["strata"] = json!("risk_class");
    r["quota"] = json!({"mode": "ratio", "ratios": [], "default_bp": 300});
    r["exclusions"]["statuses"] = json!(["吊销"]);
    r["inspectors"]["recuse_same_region"] = json!(true);
    let rules = Rules::from_value(r).unwrap();
    let frozen = draw::freeze(population, pool, Vec::new(), rules).unwrap();
    let witnesses = vec![bundle::Witness {
        name: "李明".into(),
        role: "人大代表".into(),
        unit: "永州市人大常委会".into(),
        entropy: "31415926".into(),
    }];
    let departments = [("D01".to_string(), "市场监管局".to_string())].into();
    let json = bundle::BundleJson::draw(&frozen, departments, secret("many buffers"), witnesses).unwrap();
    bundle::write(dir, &json, &frozen).unwrap();
    json
}

/// Rows split side by side give the verdicts of the general path: a match, a changed row deep in the file,
/// rows out of order across the file, the last row dropped, no line end at the end, and line ends inside
/// quoted fields (so that some buffers end inside a field).
#[test]
fn a_population_of_many_buffers_is_verified_as_by_the_general_path() {
    let tmp = tempfile::tempdir().unwrap();
    let long = "湖南省永州市冷水滩区凤凰街道梧桐路".repeat(6);
    for (name, address) in [
        (
            "plain",
            Box::new(|i: u64| format!("{long}{i}号")) as Box<dyn Fn(u64) -> String>,
        ),
        ("quoted", Box::new(|i: u64| format!("{long}\n{i}号, 二楼"))),
    ] {
        let dir = tmp.path().join(name);
        let json = many_buffers(&dir, address);
        let p = dir.join("population.csv");
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.len() > 2 << 20, "{}", text.len());
        let zip = tmp.path().join(format!("{name}.zip"));
        zip_folder(&dir, &zip);
        for path in [&dir, &zip] {
            assert_eq!(
                message(path),
                format!(
                    "MATCH: the input fingerprints, commitment, seed and outcome all agree with the record.\n\
                     fp_inputs {}\nseed {}\nfp_outcome {}",
                    json.fingerprints.inputs, json.seed, json.fingerprints.outcome
                )
            );
        }
        // One character of a name two thirds into the file.
        let at = (text.len() * 2 / 3..)
            .find(|&i| text.is_char_boundary(i))
            .unwrap();
        let at = at + text[at..].find("号（").unwrap();
        let changed = format!("{}{}{}", &text[..at], "屋", &text[at + "号".len()..]);
        std::fs::write(&p, &changed).unwrap();
        let said = message(&dir);
        assert!(
            said.starts_with("MISMATCH: first difference at fingerprints.population: recorded "),
            "{said}"
        );
        // Rows reversed: not canonical order, which the general path sorts.
        let (header, rows) = text.split_once('\n').unwrap();
        let mut records: Vec<String> = Vec::new();
        let mut open = String::new();
        for line in rows.lines() {
            // A record ends on a line with an even number of quotes in all (line ends inside quotes).
            open.push_str(line);
            if open.matches('"').count().is_multiple_of(2) {
                records.push(std::mem::take(&mut open));
            } else {
                open.push('\n');
            }
        }
        assert_eq!(records.len(), 6_000);
        let reversed: Vec<&str> = records.iter().rev().map(String::as_str).collect();
        std::fs::write(&p, format!("{header}\n{}\n", reversed.join("\n"))).unwrap();
        assert!(message(&dir).starts_with("MATCH: "));
        // The last row dropped; then no line end after the last row.
        std::fs::write(&p, format!("{header}\n{}\n", records[..5_999].join("\n"))).unwrap();
        assert!(message(&dir).starts_with("MISMATCH: first difference at "));
        std::fs::write(&p, format!("{header}\n{}", records.join("\n"))).unwrap();
        assert!(message(&dir).starts_with("MATCH: "));
    }
}

#[test]
fn the_readers_agree_on_bundle_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    folder(&dir);
    for name in ["population.csv", "inspectors.csv", "recusals.csv"] {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        assert!(bundle::readers_agree(&bytes), "{name}");
    }
}

proptest! {
    #[test]
    fn the_readers_agree_on_any_csv_like_text(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("code,name,entity_type,industry,address,authority,region,town,established,status,risk_class,tags,last_inspected\n"),
                Just("staff_no,entity_code,reason\n"),
                Just("\"[\"\"食品\"\"]\""), Just("[]"), Just("\"[\"\"a\"\",\"\"b\"\"]\""),
                Just(","), Just(",,,,,,,,,,,,"), Just("\n"), Just("\r\n"), Just("\""), Just("\"\""),
                Just("永州"), Just("a"), Just(" "), Just("2026-01-01"), Just("\u{feff}"),
            ],
            0..40,
        )
    ) {
        let text: String = parts.concat();
        prop_assert!(bundle::readers_agree(text.as_bytes()), "{:?}", text);
    }
}

/// `verify_path` keeps of each entity only what `draw::LeanPopulation` keeps: under every kind of rules the
/// plan and the draw must come out the same from those rows as from whole ones, also when the scope becomes
/// known only part of the way through the rows (as when `bundle.json` is parsed beside them).
#[test]
fn the_plan_and_the_draw_read_only_the_fields_a_verifier_keeps() {
    use crate::draw_fixtures::{code, entity, inspector, recusal, rules, secret};
    use fairdraw::draw::{self, DrawEntity, Rules};
    use serde_json::json;

    let regions = ["冷水滩区", "零陵区", "祁阳市", ""];
    let population: Vec<DrawEntity> = (0..80u64)
        .map(|i| {
            let n = i as usize;
            DrawEntity {
                entity_type: ["有限责任公司", "个体工商户"][n % 2].into(),
                industry: ["餐饮服务", "食品销售", "制造业"][n % 3].into(),
                address: format!("永州市{i}号").into(),
                authority: ["永州市市场监督管理局", "零陵分局"][n % 2].into(),
                region: regions[n % 4].into(),
                town: ["凤凰街道", "梅湾街道"][n % 2].into(),
                established: format!("20{:02}-03-02", i % 20).into(),
                status: ["存续", "在业", "吊销"][n % 3].into(),
                risk_class: ["A", "B", "C", ""][n % 4].into(),
                tags: if n.is_multiple_of(2) {
                    vec!["食品经营".into()]
                } else {
                    vec!["网络经营".into(), "食品经营".into()]
                },
                last_inspected: if n.is_multiple_of(5) {
                    "2026-01-10".into()
                } else {
                    "".into()
                },
                ..entity(&code(i), &format!("永州𠮷{i}号店"))
            }
        })
        .collect();
    let mut pool: Vec<_> = (0..12)
        .map(|i| {
            let mut m = inspector(&format!("A{i:02}"), &format!("甲{i}"), "D01");
            m.region = regions[i % 3].into();
            m
        })
        .collect();
    pool.push(inspector("B00", "乙", "D13"));
    let recusals = vec![
        recusal("A01", &code(3), "亲属关系"),
        recusal("A02", &code(8), "曾任职"),
    ];
    let variants = [
        json!({"strata": "none", "quota": {"mode": "count", "total": 9}}),
        json!({"strata": "none", "quota": {"mode": "count", "total": 7},
               "inspectors": {"departments": ["D01"], "group_size": 2, "groups": {"mode": "fixed", "count": 3},
                              "leader": {"required": true, "qualification": ""}, "expert_required": false,
                              "required_qualifications": [], "active_statuses": ["在岗"], "recuse_same_region": true}}),
        json!({"strata": "risk_class", "quota": {"mode": "ratio", "ratios": [{"stratum": "A", "bp": 5000}], "default_bp": 2500}}),
        json!({"strata": "region", "quota": {"mode": "count", "total": 12},
               "scope": {"regions": [], "industries": ["制造业", "食品销售", "餐饮服务"], "entity_types": ["个体工商户", "有限责任公司"],
                         "risk_classes": [], "tags_any": ["食品经营"]}}),
    ];
    for variant in variants {
        let mut r = rules();
        for (k, v) in variant.as_object().unwrap() {
            r[k] = v.clone();
        }
        r["inspectors"]["recuse_same_region"] = json!(true);
        r["exclusions"]["inspected_within_days"] = json!(365);
        r["exclusions"]["statuses"] = json!(["吊销"]);
        let rules = Rules::from_value(r).unwrap();
        let whole = draw::freeze(population.clone(), pool.clone(), recusals.clone(), rules.clone()).unwrap();
        let seed = secret(&format!("{variant}"));
        let expected = draw::draw(&whole, &seed);
        outcomes_match_as_they_are_equal(&whole, &seed, &expected);
        for known_from in [0, 37, population.len() + 1] {
            // Entities pushed one by one, and in two parts appended.
            let mut kept = draw::LeanPopulation::default();
            let mut tail = draw::LeanPopulation::default();
            for (i, e) in whole.population().iter().enumerate() {
                let scope = (i >= known_from).then_some(&rules.scope);
                let part = if i < 50 { &mut kept } else { &mut tail };
                assert!(part.push(scope, &e.row()));
            }
            assert!(kept.append(tail));
            assert_eq!(draw::Population::len(&kept), population.len());
            for (i, e) in whole.population().iter().enumerate() {
                assert_eq!(draw::Population::code(&kept, i), e.code.as_str());
                assert_eq!(draw::Population::region(&kept, i), e.region.as_str());
                assert_eq!(
                    draw::Population::last_inspected(&kept, i),
                    e.last_inspected.as_str()
                );
            }
            let lean = draw::canonicalise_sorted(
                kept,
                whole.fingerprints().population,
                pool.clone(),
                recusals.clone(),
                rules.clone(),
            )
            .unwrap()
            .plan()
            .unwrap();
            assert_eq!(lean.summary(), whole.summary(), "{variant}");
            assert_eq!(draw::draw(&lean, &seed), expected, "{variant}");
            outcomes_match_as_they_are_equal(&lean, &seed, &expected);
        }
    }
}

/// `draw_matches` (what the quick path of `verify_path` compares with) says `true` for the drawn outcome and,
/// for each of many outcomes that differ from it in one place — every member, first and last entries,
/// lengths — exactly what comparing the whole outcomes says.
fn outcomes_match_as_they_are_equal<P: fairdraw::draw::Population>(
    frozen: &fairdraw::draw::Frozen<P>,
    seed: &fairdraw::draw::Hash32,
    drawn: &fairdraw::draw::Outcome,
) {
    use fairdraw::draw::{self, ExclusionReason, Outcome};
    assert!(draw::draw_matches(frozen, seed, drawn));
    type Change = fn(&mut Outcome) -> bool;
    let changes: &[Change] = &[
        |o| {
            o.algorithm.push('x');
            true
        },
        |o| {
            o.seed.0[31] ^= 1;
            true
        },
        |o| o.excluded.pop().is_some(),
        |o| {
            o.excluded
                .push(o.excluded.first().cloned().unwrap_or(draw::Excluded {
                    code: "X".into(),
                    reason: ExclusionReason::Status,
                }));
            true
        },
        |o| o.excluded.last_mut().map(|x| x.code.push('x')).is_some(),
        |o| {
            o.excluded
                .first_mut()
                .map(|x| {
                    x.reason = match x.reason {
                        ExclusionReason::Status => ExclusionReason::RecentlyInspected,
                        _ => ExclusionReason::Status,
                    }
                })
                .is_some()
        },
        |o| o.strata.first_mut().map(|s| s.size += 1).is_some(),
        |o| o.strata.pop().is_some(),
        |o| o.targets.first_mut().map(|t| t.code.push('x')).is_some(),
        |o| o.targets.last_mut().map(|t| t.stratum.push('x')).is_some(),
        |o| {
            o.targets
                .first_mut()
                .map(|t| t.group = t.group.map_or(Some(1), |g| Some(g + 1)))
                .is_some()
        },
        |o| o.targets.first_mut().map(|t| t.group = None).is_some(),
        |o| o.targets.pop().is_some(),
        |o| {
            o.targets.len() > 1 && {
                o.targets.swap(0, 1);
                true
            }
        },
        |o| o.reserves.last_mut().map(|r| r.code.push('x')).is_some(),
        |o| o.reserves.first_mut().map(|r| r.stratum.push('x')).is_some(),
        |o| o.reserves.pop().is_some(),
        |o| {
            o.ineligible_inspectors
                .first_mut()
                .map(|x| x.staff_no.push('x'))
                .is_some()
        },
        |o| o.ineligible_inspectors.pop().is_some(),
        |o| o.groups.last_mut().map(|g| g.number += 1).is_some(),
        |o| {
            o.groups
                .first_mut()
                .map(|g| g.leader = g.leader.clone().map_or(Some("A00".into()), |_| None))
                .is_some()
        },
        |o| {
            o.groups
                .first_mut()
                .and_then(|g| g.leader.as_mut())
                .map(|l| l.push('x'))
                .is_some()
        },
        |o| {
            o.groups
                .first_mut()
                .and_then(|g| g.members.last_mut())
                .map(|m| m.push('x'))
                .is_some()
        },
        |o| o.groups.first_mut().and_then(|g| g.members.pop()).is_some(),
        |o| {
            o.groups
                .last_mut()
                .and_then(|g| g.targets.first_mut())
                .map(|t| t.push('x'))
                .is_some()
        },
        |o| o.groups.last_mut().and_then(|g| g.targets.pop()).is_some(),
        |o| o.groups.first_mut().map(|g| g.targets.push("X".into())).is_some(),
        |o| o.groups.pop().is_some(),
        |o| {
            o.unassigned
                .push(o.targets.first().map_or("X".into(), |t| t.code.clone()));
            true
        },
        |o| o.unassigned.pop().is_some(),
    ];
    let mut changed = 0;
    for (i, change) in changes.iter().enumerate() {
        let mut other = drawn.clone();
        if change(&mut other) {
            changed += 1;
            assert_eq!(
                draw::draw_matches(frozen, seed, &other),
                other == *drawn,
                "change {i}"
            );
        }
    }
    assert!(changed >= 20, "{changed}");
}
