//! Benchmarks of the draw (issue 3's speed target): freeze and draw for populations of 10k, 100k and 1M
//! entities in three credit strata with different ratios, 500 inspectors in groups of two with recusal (an
//! explicit list and the same-region rule), and `verify` of the 1M-entity bundle (read from the zip and
//! recomputed). The population is in code order as the register delivers it; one case measures reversed
//! rows. The baseline beside them, `sqlite_read/N`, is the floor: the bare cost of reading the same N rows
//! (all 13 columns, in code order) from the `entity` table of a fairdraw database, which any draw from the
//! register has to pay first. Run with `cargo bench --bench draw`; the bundle's size is printed.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use fairdraw::bundle::{self, Bundle, BundleJson, Witness};
use fairdraw::db::Db;
use fairdraw::demo;
use fairdraw::draw::{self, DrawEntity, DrawInspector, Hash32, Recusal, Rules};
use fairdraw::taskfile::{entity_for_draw, inspector_for_draw};
use serde_json::json;

struct Inputs {
    population: Vec<DrawEntity>,
    pool: Vec<DrawInspector>,
    recusals: Vec<Recusal>,
    rules: Rules,
}

/// `n` demo entities of risk classes A, B and C, 500 demo inspectors (made active, certified and of
/// 市场监管局, so that all 500 form 250 groups),
/// 2,000 explicit recusals, rules with ratios 3 %, 5 % and 10 %, 250 groups of two, recusal by region.
fn inputs(n: usize) -> Inputs {
    let as_of = demo::default_as_of();
    let mut population: Vec<DrawEntity> = demo::entities(b"bench", n as u64 * 2, as_of)
        .map(entity_for_draw)
        .filter(|e| matches!(e.risk_class.as_str(), "A" | "B" | "C"))
        .take(n)
        .collect();
    // In code order, as the register delivers it (`ORDER BY code`) and as a bundle stores it.
    population.sort_unstable_by(|a, b| a.code.cmp(&b.code));
    assert_eq!(population.len(), n, "not enough demo entities of classes A-C");
    let pool: Vec<DrawInspector> = demo::inspectors(b"bench", 500, as_of)
        .into_iter()
        .map(|i| {
            let mut m = inspector_for_draw(i);
            m.department = "D01".into();
            m.status = "在岗".into();
            if m.certificate_no.is_empty() {
                m.certificate_no = format!("43{}", m.staff_no).into();
            }
            if m.certificate_valid_until.as_str() < "2026-06-01" {
                m.certificate_valid_until = "9999-12-31".into();
            }
            m
        })
        .collect();
    let mut recusals = Vec::new();
    let mut x: u64 = 7;
    for _ in 0..2000 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let e = &population[(x >> 33) as usize % n];
        let m = &pool[(x >> 13) as usize % pool.len()];
        if !recusals
            .iter()
            .any(|r: &Recusal| r.staff_no == m.staff_no && r.entity_code == e.code)
        {
            recusals.push(Recusal {
                staff_no: m.staff_no.clone(),
                entity_code: e.code.clone(),
                reason: "利害关系".into(),
            });
        }
    }
    let rules = Rules::from_value(json!({
        "algorithm": "fairdraw-draw/1",
        "task": {"number": "永市监抽〔2026〕99号", "name": "基准测试", "attempt": 1},
        "draw_date": "2026-06-01",
        "scope": {"regions": [], "industries": [], "entity_types": [], "risk_classes": ["A", "B", "C"], "tags_any": []},
        "exclusions": {"statuses": ["吊销", "撤销", "注销", "迁出"], "inspected_within_days": 365, "entities": []},
        "strata": "risk_class",
        "quota": {"mode": "ratio", "ratios": [{"stratum": "A", "bp": 300}, {"stratum": "B", "bp": 500},
            {"stratum": "C", "bp": 1000}], "default_bp": null},
        "reserve_per_stratum": null,
        "inspectors": {
            "departments": ["D01"], "group_size": 2, "groups": {"mode": "fixed", "count": 250},
            "leader": {"required": false, "qualification": ""}, "expert_required": false,
            "required_qualifications": [], "active_statuses": ["在岗"], "recuse_same_region": true
        }
    }))
    .expect("benchmark rules are valid");
    Inputs {
        population,
        pool,
        recusals,
        rules,
    }
}

fn bench_draw(c: &mut Criterion) {
    let seed = draw::sha256(b"bench seed");
    let mut group = c.benchmark_group("draw");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .warm_up_time(Duration::from_secs(1));
    // `cargo test --all-targets` runs benchmarks once, unoptimised, as a smoke test: keep that to 10k.
    let sizes: &[usize] = if std::env::args().any(|a| a == "--bench") {
        &[10_000, 100_000, 1_000_000]
    } else {
        &[10_000]
    };
    for &n in sizes {
        let dir = tempfile::tempdir().expect("temporary folder");
        let db = register_db(&dir.path().join("floor.sqlite3"), n);
        group.bench_function(format!("sqlite_read/{n}"), |b| {
            b.iter(|| black_box(read_entities(db.conn())))
        });
        drop(db);
        let inp = inputs(n);
        group.bench_function(format!("freeze/{n}"), |b| {
            b.iter_batched(
                || {
                    (
                        inp.population.clone(),
                        inp.pool.clone(),
                        inp.recusals.clone(),
                        inp.rules.clone(),
                    )
                },
                |(p, i, r, rules)| black_box(draw::freeze(p, i, r, rules).expect("feasible")),
                BatchSize::LargeInput,
            )
        });
        if n == 100_000 {
            // Rows in another order (a spreadsheet handed to the library directly) must be sorted first.
            let mut shuffled = inp.population.clone();
            shuffled.reverse();
            group.bench_function(format!("freeze_reversed/{n}"), |b| {
                b.iter_batched(
                    || {
                        (
                            shuffled.clone(),
                            inp.pool.clone(),
                            inp.recusals.clone(),
                            inp.rules.clone(),
                        )
                    },
                    |(p, i, r, rules)| black_box(draw::freeze(p, i, r, rules).expect("feasible")),
                    BatchSize::LargeInput,
                )
            });
        }
        let frozen = draw::freeze(inp.population, inp.pool, inp.recusals, inp.rules).expect("feasible");
        let s = frozen.summary();
        eprintln!(
            "n = {n}: k = {}, g = {}, eligible inspectors {}, strata {:?}",
            s.targets,
            s.groups,
            s.eligible_inspectors,
            s.strata
                .iter()
                .map(|x| (x.key.as_str(), x.size, x.quota))
                .collect::<Vec<_>>()
        );
        group.bench_function(format!("draw/{n}"), |b| {
            b.iter(|| black_box(draw::draw(&frozen, &seed)))
        });
        if n == 1_000_000 {
            let dir = tempfile::tempdir().expect("temporary folder");
            let path = dir.path().join("bench.fairdraw.zip");
            write_bundle(&path, &frozen);
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            eprintln!(
                "bundle of {n} entities: {size} bytes ({:.1} MiB)",
                size as f64 / 1048576.0
            );
            group.bench_function(format!("verify/{n}"), |b| {
                b.iter(|| {
                    let verdict = bundle::verify(Bundle::read(&path).expect("readable")).expect("verifiable");
                    assert!(matches!(verdict, bundle::Verdict::Match { .. }));
                })
            });
            group.bench_function(format!("verify_path/{n}"), |b| {
                b.iter(|| {
                    let verdict = bundle::verify_path(&path).expect("verifiable");
                    assert!(matches!(verdict, bundle::Verdict::Match { .. }));
                })
            });
            group.bench_function(format!("read/{n}"), |b| {
                b.iter(|| black_box(Bundle::read(&path).expect("readable")))
            });
        }
    }
    group.finish();
}

/// A database whose `entity` table holds the `n` entities of [`inputs`].
fn register_db(path: &std::path::Path, n: usize) -> Db {
    let mut db = Db::open(path).expect("database");
    let as_of = demo::default_as_of();
    let mut entities: Vec<_> = demo::entities(b"bench", n as u64 * 2, as_of)
        .filter(|e| {
            e.risk_class
                .is_some_and(|r| matches!(r.as_str(), "A" | "B" | "C"))
        })
        .take(n)
        .collect();
    entities.sort_unstable_by(|a, b| a.code.cmp(&b.code));
    let tx = db.conn_mut().transaction().expect("transaction");
    for e in &entities {
        fairdraw::registers::upsert_entity(&tx, e).expect("entity written");
    }
    tx.commit().expect("committed");
    db
}

/// The floor: every column of every entity row in code order, each text touched once.
fn read_entities(conn: &rusqlite::Connection) -> usize {
    let mut stmt = conn
        .prepare_cached(
            "SELECT code, name, entity_type, industry, address, authority, region, town, established, status, \
             risk_class, tags, last_inspected FROM entity ORDER BY code",
        )
        .expect("query");
    let mut rows = stmt.query([]).expect("query");
    let mut bytes = 0;
    while let Some(row) = rows.next().expect("row") {
        for i in 0..13 {
            if let Ok(rusqlite::types::ValueRef::Text(t)) = row.get_ref(i) {
                bytes += t.len();
            }
        }
    }
    bytes
}

fn write_bundle(path: &std::path::Path, frozen: &draw::Frozen) {
    let witnesses = vec![Witness {
        name: "李明".into(),
        role: "人大代表".into(),
        unit: "永州市人大常委会".into(),
        entropy: "31415926".into(),
    }];
    let departments = [("D01".to_string(), "市场监管局".to_string())].into();
    let json = BundleJson::draw(frozen, departments, Hash32([42; 32]), witnesses).expect("valid witnesses");
    let start = std::time::Instant::now();
    bundle::write(path, &json, frozen).expect("bundle written");
    eprintln!("writing the bundle took {:?}", start.elapsed());
}

criterion_group!(benches, bench_draw);
criterion_main!(benches);
