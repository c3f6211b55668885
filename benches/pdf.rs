//! Rendering speed of the PDF layer and of the record (摇号记录).
//!
//! `pdf_render`: a record-like document with 10, 1,000 and 10,000 table rows of wrapping Chinese names.
//! `record_render`: the real record of a demo ceremony (`record::sample`) with 10, 1,000 and 10,000 targets,
//! from the loaded `RecordData` to the PDF bytes (document, glyph check, rendering) — what
//! `fairdraw record export` spends besides reading the database and writing the files. The fonts are parsed
//! once, outside the timed loop, as the application does. Also prints the size and page count of each PDF,
//! since size matters as much as time for an archived record.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use fairdraw::db::Db;
use fairdraw::pdf::{Align, Block, Column, Document, Fonts, Signatory, Table, render};
use fairdraw::record::{self, RecordData, sample::SampleOptions};

fn document(rows: usize) -> Document {
    let names = [
        "湖南永州潇湘源生态农业科技开发有限责任公司冷水滩区分公司",
        "永州市零陵区建材经营部",
        "江华瑶族自治县瑶都食品加工厂",
        "Yongzhou International Trading Co., Ltd.",
    ];
    Document {
        record_id: "FD-2026-0001-7f3a9c2e".into(),
        title: "双随机抽查摇号记录".into(),
        subtitle: "任务编号：YZ-SJ-2026-018".into(),
        mark: String::new(),
        blocks: vec![
            Block::KeyValues(vec![
                ("任务名称".into(), "2026年度食品生产企业双随机抽查".into()),
                ("牵头部门".into(), "永州市市场监督管理局".into()),
            ]),
            Block::Mono(vec![(
                "种子".into(),
                "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90".into(),
            )]),
            Block::Qr {
                payload:
                    "fairdraw:record:sha256=3f2a9c0e5b7d41a8c6e2f90b1d3c5a7e9f0b2d4c6e8a0b1c3d5e7f9a1b2c3d4e"
                        .into(),
                caption: "记录文件的 SHA-256 值".into(),
            },
            Block::Table(Table {
                columns: vec![
                    Column::fixed("序号", 12.0).align(Align::Right),
                    Column::fixed("统一社会信用代码", 40.0),
                    Column::new("企业名称", 3.0),
                    Column::new("所属区域", 1.0),
                    Column::fixed("检查组", 16.0).align(Align::Center),
                ],
                rows: (1..=rows)
                    .map(|i| {
                        vec![
                            i.to_string(),
                            format!("91431100MA4L{i:06}"),
                            format!("{}（{i}）", names[i % names.len()]),
                            "冷水滩区".into(),
                            format!("第{}组", i % 7 + 1),
                        ]
                    })
                    .collect(),
            }),
            Block::Signatures(vec![Signatory {
                name: "王小明".into(),
                role: "公证员".into(),
                unit: "永州市潇湘公证处".into(),
            }]),
        ],
    }
}

/// The sizes to measure: `cargo test --all-targets` runs benchmarks once, unoptimised, as a smoke test, so
/// keep that quick.
fn sizes() -> &'static [usize] {
    if std::env::args().any(|a| a == "--bench") {
        &[10, 1_000, 10_000]
    } else {
        &[10]
    }
}

fn fonts() -> Fonts {
    let started = std::time::Instant::now();
    let fonts = Fonts::load_default().expect("the built-in font parses");
    eprintln!("Fonts::load_default: {:?}", started.elapsed());
    fonts
}

fn bench(c: &mut Criterion) {
    let fonts = fonts();
    let mut group = c.benchmark_group("pdf_render");
    group.sample_size(10);
    for &rows in sizes() {
        let doc = document(rows);
        let bytes = render(&doc, &fonts).expect("the document renders");
        let pages = lopdf::Document::load_mem(&bytes).map_or(0, |d| d.get_pages().len());
        eprintln!("{rows} rows: {} bytes, {pages} pages", bytes.len());
        group.throughput(Throughput::Elements(rows as u64));
        group.bench_with_input(BenchmarkId::from_parameter(rows), &doc, |b, doc| {
            b.iter(|| render(doc, &fonts).expect("the document renders"))
        });
    }
    group.finish();
}

/// The record data of a demo ceremony drawing `targets` entities from 20 times as many: 5 to a group for
/// small draws, otherwise 10 groups. (The demo's joint task needs one 卫健委 inspector per group, and only
/// about 4 % of the demo inspectors are of that department and eligible: 20 to a group asked for 50 of them
/// at 1,000 targets and made the ceremony infeasible.) The record's size is driven by the target rows.
fn record_data(targets: usize) -> RecordData {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut db = Db::open(dir.path().join("bench.sqlite3")).expect("the database opens");
    let per_group = if targets < 100 { 5 } else { targets / 10 };
    let options = SampleOptions {
        entities: (targets as u64 * 20).max(600),
        inspectors: 300,
        targets: targets as u32,
        targets_per_group: per_group as u32,
        ..SampleOptions::default()
    };
    let started = std::time::Instant::now();
    let id = record::sample::demo_ceremony(&mut db, &options).expect("the demo ceremony runs");
    let data = RecordData::load(db.conn(), id).expect("the record data loads");
    eprintln!(
        "{targets} targets: demo ceremony and load {:?}",
        started.elapsed()
    );
    data
}

fn bench_record(c: &mut Criterion) {
    let fonts = fonts();
    let mut group = c.benchmark_group("record_render");
    group.sample_size(10);
    for &targets in sizes() {
        let data = record_data(targets);
        let started = std::time::Instant::now();
        let done = record::render(&data, &fonts, false).expect("the record renders");
        eprintln!(
            "record of {targets} targets: {} bytes, {} pages, first render {:?}",
            done.pdf.len(),
            done.pages,
            started.elapsed()
        );
        group.throughput(Throughput::Elements(targets as u64));
        group.bench_with_input(BenchmarkId::from_parameter(targets), &data, |b, data| {
            b.iter(|| record::render(data, &fonts, false).expect("the record renders"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench, bench_record);
criterion_main!(benches);
