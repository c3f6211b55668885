//! Import speed (issue 7): `import::import_file` of demo entity registers into a fresh database, one
//! transaction each — 100,000 rows as `.xlsx` and as GBK (GB18030) `.csv`, and, with `FAIRDRAW_BENCH_FULL=1`,
//! 1,000,000 rows as GBK `.csv` (ten samples of a million-row import take minutes on two shared cores; the
//! whole-process figure for that size, with peak memory, comes from `scripts/bench.sh`). The files are
//! written once by `demo::generate`, outside the timed loop. Run with `cargo bench --bench import`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::DateTime;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use fairdraw::db::Db;
use fairdraw::demo::{self, DemoFormat, DemoOptions};
use fairdraw::import::{self, ImportOptions};
use fairdraw::model::Register;

/// Writes `n` demo entities in `format` under `dir` and returns the entity file.
fn demo_file(dir: &Path, n: u64, format: DemoFormat) -> PathBuf {
    let opts = DemoOptions {
        entities: n,
        inspectors: 10,
        format,
        ..DemoOptions::default()
    };
    let out = dir.join(format!("{n}-{}", demo::file_name(Register::Entities, format)));
    demo::generate(&opts, &out).expect("demo registers written");
    out.join(demo::file_name(Register::Entities, format))
}

fn import_fresh(dir: &Path, file: &Path) -> u64 {
    let db_path = dir.join("import.sqlite3");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db_path.display()));
    }
    let mut db = Db::open(&db_path).expect("database");
    let now = DateTime::parse_from_rfc3339("2026-06-01T09:00:00+08:00").expect("time");
    let summary = import::import_file(
        &mut db,
        Register::Entities,
        file,
        &ImportOptions::default(),
        now,
        &mut |_| {},
    )
    .expect("the demo file imports");
    summary.added
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let smoke = !std::env::args().any(|a| a == "--bench");
    let full = std::env::var_os("FAIRDRAW_BENCH_FULL").is_some();
    let mut cases = vec![(100_000u64, DemoFormat::Xlsx), (100_000, DemoFormat::GbkCsv)];
    if full {
        cases.push((1_000_000, DemoFormat::GbkCsv));
    }
    if smoke {
        // `cargo test --all-targets` runs benchmarks once, unoptimised: keep that quick.
        cases = vec![(1_000, DemoFormat::Xlsx), (1_000, DemoFormat::GbkCsv)];
    }
    let mut group = c.benchmark_group("import");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    for (n, format) in cases {
        let file = demo_file(dir.path(), n, format);
        let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        eprintln!("{}: {n} rows, {:.1} MiB", file.display(), size as f64 / 1048576.0);
        let label = match format {
            DemoFormat::Xlsx => "xlsx",
            DemoFormat::Csv => "csv",
            DemoFormat::GbkCsv => "gbk_csv",
        };
        group.throughput(Throughput::Elements(n));
        group.bench_function(format!("entities_{label}/{n}"), |b| {
            b.iter_batched(
                || (),
                |()| assert_eq!(import_fresh(dir.path(), &file), n),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
