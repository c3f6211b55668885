//! How many journaled state changes per second a database on this disk takes with `synchronous=FULL`: each one
//! is a whole write transaction (the change plus its hash-chained entry, fsynced at commit), the way every
//! ceremony step runs. Run with `cargo bench --bench journal`.

use chrono::{DateTime, Duration};
use criterion::{Criterion, criterion_group, criterion_main};
use fairdraw::clock::StepClock;
use fairdraw::db::Db;
use fairdraw::journal::{self, Event};
use serde_json::json;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Db::open(dir.path().join("bench.sqlite3")).unwrap();
    let clock = StepClock::new(
        DateTime::parse_from_rfc3339("2026-06-10T09:00:00+08:00").unwrap(),
        Duration::milliseconds(1),
    );
    let mut group = c.benchmark_group("journal");
    group.sample_size(30);
    group.bench_function("one journaled transaction (synchronous=FULL)", |b| {
        b.iter(|| {
            journal::transact(&mut db, "ceremony.mark", |tx| {
                use fairdraw::clock::Clock;
                journal::append(
                    tx,
                    clock.now(),
                    Event::MarkerAdded,
                    None,
                    &json!({"text": "见证人入场", "recordings": []}),
                )
            })
            .unwrap()
        })
    });
    group.bench_function("verify_chain of the whole journal written so far", |b| {
        b.iter(|| journal::verify_chain(db.conn()).unwrap())
    });
    group.finish();
    let n: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM journal", [], |r| r.get(0))
        .unwrap();
    eprintln!("journal entries written: {n}");
}

criterion_group!(benches, bench);
criterion_main!(benches);
