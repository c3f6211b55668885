//! Rendering speed of the PDF layer: a record-like document with 10, 1,000 and 10,000 table rows of
//! wrapping Chinese names. The fonts are parsed once, outside the timed loop, as the application does.
//! Also prints the size of each PDF, since size matters as much as time for an archived record.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use fairdraw::pdf::{Align, Block, Column, Document, Fonts, Signatory, Table, render};

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

fn bench(c: &mut Criterion) {
    let started = std::time::Instant::now();
    let fonts = Fonts::load_default().expect("the built-in font parses");
    eprintln!("Fonts::load_default: {:?}", started.elapsed());
    let mut group = c.benchmark_group("pdf_render");
    group.sample_size(10);
    // `cargo test --all-targets` runs benchmarks once, unoptimised, as a smoke test: keep that quick.
    let sizes: &[usize] = if std::env::args().any(|a| a == "--bench") {
        &[10, 1_000, 10_000]
    } else {
        &[10]
    };
    for &rows in sizes {
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

criterion_group!(benches, bench);
criterion_main!(benches);
