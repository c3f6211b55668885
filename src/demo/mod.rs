//! Realistic synthetic registers of Yongzhou (永州市) for the demo, the tests and the benchmarks: entities
//! with valid unique 统一社会信用代码 in real districts and towns, inspectors of the seventeen joint-meeting
//! departments with certificates some of which have expired, a published item list and the departments.
//!
//! The output is a pure function of the seed (any bytes) and the as-of date: the same arguments give
//! byte-identical files, on any machine and after any dependency upgrade of `rand`, because randomness is
//! read only as raw ChaCha20 words (see [`rng`]). The as-of date stands in for "today" (certificate expiry,
//! founding and last-inspection dates); it defaults to [`DEFAULT_AS_OF`], never to the clock.
//!
//! The in-memory constructors ([`entities`], [`inspectors`], [`items`], [`departments`]) let tests and
//! benchmarks use the same data without files; [`generate`] writes the four files with the canonical
//! Chinese headers the importer maps.

mod entities;
mod inspectors;
mod lists;
mod names;
mod places;
pub mod rng;
mod write;

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::error::{Error, ErrorCode, Result};
use crate::model::{Department, Entity, Inspector, Item, Register};

pub use entities::{DEFAULT_RARE_NAMES_PPM, Entities, MAX_ENTITIES};
pub use inspectors::MAX_INSPECTORS;
pub use lists::{department_name, departments, items};
pub use names::RARE_CHARS;
pub use write::{DemoFormat, XLSX_MAX_ROWS};

/// The as-of date used when none is given: fixed, so that output does not depend on the day it is made.
pub const DEFAULT_AS_OF: (i32, u32, u32) = (2026, 6, 1);

/// The seed used when none is given.
pub const DEFAULT_SEED: &str = "demo";

/// Separator of multi-valued cells (标签, 岗位资质资格): the full-width semicolon.
pub const LIST_SEPARATOR: &str = "；";

/// Headers of `entities.*`.
pub const ENTITY_HEADERS: [&str; 13] = [
    "统一社会信用代码",
    "企业名称",
    "类型",
    "行业",
    "住所",
    "登记机关",
    "所属区域",
    "乡镇街道",
    "成立日期",
    "经营状态",
    "信用风险分类",
    "标签",
    "最近检查日期",
];

/// Headers of `inspectors.*`.
pub const INSPECTOR_HEADERS: [&str; 9] = [
    "工号",
    "姓名",
    "所在部门",
    "执法证编号",
    "执法证有效期",
    "岗位资质资格",
    "是否专家",
    "地区",
    "状态",
];

/// Headers of `items.*`.
pub const ITEM_HEADERS: [&str; 10] = [
    "事项编码",
    "抽查事项",
    "实施部门",
    "抽查依据",
    "抽查主体",
    "抽查对象",
    "抽查方式",
    "抽查比例和频次",
    "检查人员要求",
    "备注",
];

/// Headers of `departments.*`.
pub const DEPARTMENT_HEADERS: [&str; 2] = ["部门编码", "部门名称"];

/// The default as-of date as a date.
pub fn default_as_of() -> NaiveDate {
    let (y, m, d) = DEFAULT_AS_OF;
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// `n` entities (at most [`MAX_ENTITIES`]) for `seed`, generated one at a time. Set the share of rare
/// names with [`Entities::rare_names_ppm`] before iterating.
pub fn entities(seed: &[u8], n: u64, as_of: NaiveDate) -> Entities {
    Entities::new(seed, n, as_of)
}

/// `m` inspectors (at most [`MAX_INSPECTORS`]) for `seed`, staff numbers `YZ0001`, `YZ0002`, ...
/// Independent of how many entities are generated with the same seed.
pub fn inspectors(seed: &[u8], m: usize, as_of: NaiveDate) -> Vec<Inspector> {
    inspectors::generate(seed, m, as_of)
}

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoOptions {
    /// The seed, as bytes (the command line passes the UTF-8 bytes of `--seed`).
    pub seed: Vec<u8>,
    pub entities: u64,
    pub inspectors: usize,
    /// "Today" for the generated dates.
    pub as_of: NaiveDate,
    pub format: DemoFormat,
    /// Share of entity names with a rare character, parts per million.
    pub rare_names_ppm: u32,
}

impl Default for DemoOptions {
    fn default() -> DemoOptions {
        DemoOptions {
            seed: DEFAULT_SEED.as_bytes().to_vec(),
            entities: 1000,
            inspectors: 200,
            as_of: default_as_of(),
            format: DemoFormat::Xlsx,
            rare_names_ppm: DEFAULT_RARE_NAMES_PPM,
        }
    }
}

/// One file written by [`generate`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DemoFile {
    pub register: Register,
    pub path: PathBuf,
    /// Data rows, not counting the header.
    pub rows: u64,
}

/// What [`generate`] wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DemoSummary {
    pub files: Vec<DemoFile>,
}

fn too_many(field: &str, n: u64, max: u64, why_zh: &str, why_en: &str) -> Error {
    Error::other(
        ErrorCode::Invalid,
        format!("{field}：{n} 超出上限 {max}（{why_zh}）"),
        format!("{field}: {n} is more than the maximum {max} ({why_en})"),
    )
}

impl DemoOptions {
    /// Checks the sizes against what the generators and the format can hold.
    pub fn validate(&self) -> Result<()> {
        if self.entities > MAX_ENTITIES {
            return Err(too_many(
                "--entities",
                self.entities,
                MAX_ENTITIES,
                "组织机构代码序号空间",
                "organisation code serials",
            ));
        }
        if self.format == DemoFormat::Xlsx && self.entities > XLSX_MAX_ROWS {
            return Err(too_many(
                "--entities",
                self.entities,
                XLSX_MAX_ROWS,
                "xlsx 工作表行数上限，请使用 --format csv 或 gbk-csv",
                "rows of an xlsx sheet; use --format csv or gbk-csv",
            ));
        }
        if self.inspectors > MAX_INSPECTORS {
            return Err(too_many(
                "--inspectors",
                self.inspectors as u64,
                MAX_INSPECTORS as u64,
                "执法证编号序号空间",
                "certificate serials",
            ));
        }
        if self.rare_names_ppm > 1_000_000 {
            return Err(Error::other(
                ErrorCode::Invalid,
                "--rare-names：比例须在 0 到 1 之间",
                "--rare-names: the ratio must be between 0 and 1",
            ));
        }
        if !(1995..=9999).contains(&self.as_of.year()) {
            return Err(Error::other(
                ErrorCode::Invalid,
                format!("--as-of：日期 {} 须在 1995 年至 9999 年之间", self.as_of),
                format!(
                    "--as-of: the date {} must be between the years 1995 and 9999",
                    self.as_of
                ),
            ));
        }
        Ok(())
    }
}

fn date_cell(d: Option<NaiveDate>) -> String {
    match d {
        Some(d) => format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
        None => String::new(),
    }
}

/// An entity as a row under [`ENTITY_HEADERS`].
pub fn entity_row(e: &Entity) -> [String; 13] {
    [
        e.code.clone(),
        e.name.clone(),
        e.entity_type.clone(),
        e.industry.clone(),
        e.address.clone(),
        e.authority.clone(),
        e.region.clone(),
        e.town.clone(),
        date_cell(e.established),
        e.status.clone(),
        e.risk_class.map(|r| r.as_str().to_string()).unwrap_or_default(),
        e.tags.join(LIST_SEPARATOR),
        date_cell(e.last_inspected),
    ]
}

/// An inspector as a row under [`INSPECTOR_HEADERS`]; the department is written by name, as registers
/// kept by people have it.
pub fn inspector_row(i: &Inspector) -> [String; 9] {
    [
        i.staff_no.clone(),
        i.name.clone(),
        department_name(&i.department).to_string(),
        i.certificate_no.clone(),
        date_cell(i.certificate_valid_until),
        i.qualifications.join(LIST_SEPARATOR),
        if i.expert { "是" } else { "否" }.to_string(),
        i.region.clone(),
        i.status.clone(),
    ]
}

/// An item as a row under [`ITEM_HEADERS`]; the department is written by name.
pub fn item_row(i: &Item) -> [String; 10] {
    [
        i.code.clone(),
        i.name.clone(),
        department_name(&i.department).to_string(),
        i.legal_basis.clone(),
        i.subject.clone(),
        i.object.clone(),
        i.method.clone(),
        i.ratio_frequency.clone(),
        i.inspector_requirements.clone(),
        i.notes.clone(),
    ]
}

/// A department as a row under [`DEPARTMENT_HEADERS`].
pub fn department_row(d: &Department) -> [String; 2] {
    [d.code.clone(), d.name.clone()]
}

/// The file name of a register in `format`, e.g. `entities.xlsx`.
pub fn file_name(register: Register, format: DemoFormat) -> String {
    format!("{}.{}", register.as_str(), format.extension())
}

/// The temporary name a register file has while it is written: hidden, next to its final name.
fn part_path(dir: &Path, register: Register, format: DemoFormat) -> PathBuf {
    dir.join(format!(".{}.part", file_name(register, format)))
}

/// Writes one register from `rows` to a temporary file next to its final name and returns the temporary
/// path and the row count.
fn write_register<R, I>(
    dir: &Path,
    register: Register,
    opts: &DemoOptions,
    headers: &[&str],
    rows: I,
) -> Result<(PathBuf, u64)>
where
    R: AsRef<[String]>,
    I: IntoIterator<Item = R>,
{
    let part = part_path(dir, register, opts.format);
    let comment = format!(
        "fairdraw demo; seed (hex) {}; as of {}",
        hex::encode(&opts.seed),
        date_cell(Some(opts.as_of))
    );
    let stamp = write::Stamp {
        title: register.label_zh(),
        comment: &comment,
        created: opts.as_of,
    };
    let mut w = write::SheetWriter::create(&part, opts.format, register.label_zh(), headers, &stamp)?;
    let mut n = 0u64;
    for row in rows {
        w.write_row(row.as_ref())?;
        n += 1;
    }
    w.finish()?;
    Ok((part, n))
}

/// Writes `entities`, `inspectors`, `items` and `departments` files into `out_dir` (created if missing).
/// Each file is written under a temporary name and renamed only when all four are complete, so a failure
/// leaves any earlier demo files in `out_dir` as they were.
pub fn generate(opts: &DemoOptions, out_dir: &Path) -> Result<DemoSummary> {
    opts.validate()?;
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    type Rows = Box<dyn Iterator<Item = Vec<String>>>;
    let inspectors = inspectors(&opts.seed, opts.inspectors, opts.as_of);
    let registers: [(Register, &[&str], Rows); 4] = [
        (
            Register::Entities,
            &ENTITY_HEADERS,
            Box::new(
                entities(&opts.seed, opts.entities, opts.as_of)
                    .rare_names_ppm(opts.rare_names_ppm)
                    .map(|e| entity_row(&e).into()),
            ),
        ),
        (
            Register::Inspectors,
            &INSPECTOR_HEADERS,
            Box::new(inspectors.into_iter().map(|i| inspector_row(&i).into())),
        ),
        (
            Register::Items,
            &ITEM_HEADERS,
            Box::new(items().into_iter().map(|i| item_row(&i).into())),
        ),
        (
            Register::Departments,
            &DEPARTMENT_HEADERS,
            Box::new(departments().into_iter().map(|d| department_row(&d).into())),
        ),
    ];
    let mut parts: Vec<(Register, PathBuf, u64)> = Vec::new();
    for (register, headers, rows) in registers {
        match write_register(out_dir, register, opts, headers, rows) {
            Ok((part, n)) => parts.push((register, part, n)),
            Err(e) => {
                // Removes the finished temporary files and the one being written when the error happened.
                for r in [
                    Register::Entities,
                    Register::Inspectors,
                    Register::Items,
                    Register::Departments,
                ] {
                    let _ = std::fs::remove_file(part_path(out_dir, r, opts.format));
                }
                return Err(e);
            }
        }
    }
    let mut files = Vec::with_capacity(parts.len());
    for (register, part, rows) in parts {
        let path = out_dir.join(file_name(register, opts.format));
        std::fs::rename(&part, &path).map_err(|e| Error::io(&path, e))?;
        files.push(DemoFile { register, path, rows });
    }
    Ok(DemoSummary { files })
}
