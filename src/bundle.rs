//! Record bundles (§12 of `docs/draw-protocol.md`): everything needed to re-check one draw, as a zip file or a
//! folder of `bundle.json`, `population.csv`, `inspectors.csv`, `recusals.csv`, `targets.csv` and `README.txt`.
//!
//! Anyone can read a bundle with a standard library (JSON, CSV, zip). Reading parses it into the draw's types
//! at the edge, with errors naming the file, line and column; [`verify`] then recomputes fingerprints,
//! commitment, seed and outcome and reports the first difference. A bundle is written to a temporary name
//! and renamed into place, and never overwrites an existing file or folder.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::draw::{
    self, DepartmentNames, DrawEntity, DrawError, DrawInspector, ENTITY_COLUMNS, Frozen, Hash32,
    INSPECTOR_COLUMNS, InputFingerprints, Outcome, Place, RECUSAL_COLUMNS, Recusal, Rules,
};
use crate::error::{Error, ErrorCode, Result};
use crate::fastcsv::{self, Irregular, LineChunks};
use crate::i18n::Lang;
use crate::tr;

mod head;

use head::JsonHead;
pub use head::heads_agree;

/// The format identifier in `bundle.json`.
pub const FORMAT: &str = "fairdraw-bundle/1";

/// A witness (监督见证人) and the entropy they contributed, in the order recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Witness {
    pub name: String,
    /// e.g. 人大代表, 公证员.
    pub role: String,
    /// 单位.
    pub unit: String,
    pub entropy: String,
}

/// The fingerprints recorded in a bundle: the four inputs, `fp_inputs` and `fp_outcome`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedFingerprints {
    pub population: Hash32,
    pub inspectors: Hash32,
    pub recusals: Hash32,
    pub rules: Hash32,
    pub inputs: Hash32,
    pub outcome: Hash32,
}

impl RecordedFingerprints {
    pub fn new(inputs: &InputFingerprints, outcome: Hash32) -> RecordedFingerprints {
        RecordedFingerprints {
            population: inputs.population,
            inspectors: inputs.inspectors,
            recusals: inputs.recusals,
            rules: inputs.rules,
            inputs: inputs.inputs,
            outcome,
        }
    }
}

/// The content of `bundle.json`. Members the ceremony adds (`attempt`, `events`, `addenda`) are kept as
/// JSON values until the ceremony defines them; verification does not depend on them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BundleJson {
    pub format: String,
    pub rules: Rules,
    /// Department code → name, for display.
    pub departments: BTreeMap<String, String>,
    pub fingerprints: RecordedFingerprints,
    pub commitment: Hash32,
    pub secret: Hash32,
    pub witnesses: Vec<Witness>,
    pub seed: Hash32,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addenda: Option<Value>,
}

impl BundleJson {
    /// The record of a draw run on `frozen` with the app's `secret` and the witnesses' entropy: commitment,
    /// seed, outcome and fingerprints computed here. `departments` names the rules' departments for display.
    pub fn draw(
        frozen: &Frozen,
        departments: BTreeMap<String, String>,
        secret: Hash32,
        witnesses: Vec<Witness>,
    ) -> Result<BundleJson, DrawError> {
        let fp = *frozen.fingerprints();
        for (i, w) in witnesses.iter().enumerate() {
            draw::check_witness(i, &w.name, &w.role, &w.unit)?;
        }
        let entropies: Vec<&str> = witnesses.iter().map(|w| w.entropy.as_str()).collect();
        let seed = draw::derive_seed(&fp.inputs, &secret, &entropies)?;
        let outcome = draw::draw(frozen, &seed);
        Ok(BundleJson {
            format: FORMAT.to_string(),
            rules: frozen.rules().clone(),
            departments,
            fingerprints: RecordedFingerprints::new(&fp, outcome.fingerprint()),
            commitment: draw::commitment(&fp.inputs, &secret),
            secret,
            witnesses,
            seed,
            outcome,
            attempt: None,
            events: None,
            addenda: None,
        })
    }
}

/// A bundle read from disk: `bundle.json` and the three input lists in file order.
#[derive(Clone, Debug)]
pub struct Bundle {
    pub json: BundleJson,
    pub population: Vec<DrawEntity>,
    pub inspectors: Vec<DrawInspector>,
    pub recusals: Vec<Recusal>,
    /// The line of each row in its CSV file, to name it in errors.
    pub lines: RowLines,
}

/// Line numbers (1-based, the header is line 1) of the rows of the three CSV files.
#[derive(Clone, Debug, Default)]
pub struct RowLines {
    pub population: Vec<u64>,
    pub inspectors: Vec<u64>,
    pub recusals: Vec<u64>,
}

impl RowLines {
    /// Turns a draw error into a library error; a row is named by file, line and column.
    pub fn error(&self, e: DrawError, departments: &DepartmentNames) -> Error {
        let row_error = match &e {
            DrawError::Input(ie) => match &ie.place {
                Place::Row { table, row, field } => Some((ie, table, row, field)),
                _ => None,
            },
            DrawError::Infeasible(_) => None,
        };
        if let Some((ie, table, row, field)) = row_error {
            let (file, lines) = match table {
                draw::Table::Population => ("population.csv", &self.population),
                draw::Table::Inspectors => ("inspectors.csv", &self.inspectors),
                draw::Table::Recusals => ("recusals.csv", &self.recusals),
            };
            let line = lines.get(*row).copied().unwrap_or(*row as u64 + 2);
            let msg = |lang| {
                let problem = draw::input_problem(ie.code, &ie.detail, lang);
                tr!(
                    lang,
                    "{} 第 {} 行 {} 列：{}",
                    "{} line {}, column {}: {}",
                    file,
                    line,
                    field,
                    problem
                )
            };
            return Error::other(ErrorCode::Invalid, msg(Lang::Zh), msg(Lang::En));
        }
        e.into_error(departments)
    }
}

const FILES: [&str; 6] = [
    "bundle.json",
    "population.csv",
    "inspectors.csv",
    "recusals.csv",
    "targets.csv",
    "README.txt",
];

fn invalid(file: &str, zh: String, en: String) -> Error {
    Error::other(
        ErrorCode::Invalid,
        format!("{file}：{zh}"),
        format!("{file}: {en}"),
    )
}

// ---------------------------------------------------------------------------------------------------------
// Writing

/// Writes a bundle for a frozen draw: `path` ending in `.zip` gives a zip file, anything else a folder.
/// Refuses to replace an existing file or folder.
pub fn write(path: &Path, json: &BundleJson, frozen: &Frozen) -> Result<()> {
    if path.exists() {
        return Err(Error::other(
            ErrorCode::Invalid,
            format!("{}：已存在，摇号记录不会覆盖已有文件", path.display()),
            format!(
                "{}: already exists; a record never replaces an existing file",
                path.display()
            ),
        ));
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = parent.join(format!(".{name}.partial"));
    let result = if is_zip(path) {
        write_zip(&tmp, json, frozen)
    } else {
        write_dir(&tmp, json, frozen)
    };
    let result = result.and_then(|()| fs::rename(&tmp, path).map_err(|e| Error::io(path, e)));
    if result.is_err() {
        let _ = if tmp.is_dir() {
            fs::remove_dir_all(&tmp)
        } else {
            fs::remove_file(&tmp)
        };
    }
    result
}

fn is_zip(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

fn write_zip(path: &Path, json: &BundleJson, frozen: &Frozen) -> Result<()> {
    let io_err = |e: io::Error| Error::io(path, e);
    let zip_err = |e: zip::result::ZipError| Error::io(path, io::Error::other(e));
    let file = File::create(path).map_err(io_err)?;
    let mut zip = zip::ZipWriter::new(BufWriter::with_capacity(1 << 20, file));
    // No timestamps (the zip crate then writes 1980-01-01), so the same record gives the same bytes.
    // Deflate level 2 (no lazy matching) for all but population.csv: it compresses in about a third of the
    // time of the default level 6, for files a quarter larger.
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(2))
        .large_file(true);
    // population.csv, most of a large record (230–255 MB for a million entities of the demo registers), is
    // stored: inflating it was the largest single cost of verifying a record, for a zip six to seven times
    // larger (236–257 MB instead of 34–40 MB for a million entities; §12 allows either).
    let stored = deflated
        .compression_method(zip::CompressionMethod::Stored)
        .compression_level(None);
    // The files after population.csv are deflated on a second thread into a zip of their own, and their
    // compressed entries copied over unchanged, while bundle.json and population.csv are written here.
    std::thread::scope(|s| -> Result<()> {
        let rest = s.spawn(|| -> zip::result::ZipResult<Vec<u8>> {
            let mut part = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
            for name in &FILES[2..] {
                part.start_file(*name, deflated)?;
                write_file(name, &mut part, json, frozen)?;
            }
            Ok(part.finish()?.into_inner())
        });
        for name in &FILES[..2] {
            let options = if *name == "population.csv" {
                stored
            } else {
                deflated
            };
            zip.start_file(*name, options).map_err(zip_err)?;
            write_file(name, &mut zip, json, frozen).map_err(io_err)?;
        }
        let bytes = joined(rest.join()).map_err(zip_err)?;
        let mut rest = zip::ZipArchive::new(io::Cursor::new(bytes)).map_err(zip_err)?;
        for i in 0..rest.len() {
            zip.raw_copy_file(rest.by_index_raw(i).map_err(zip_err)?)
                .map_err(zip_err)?;
        }
        Ok(())
    })?;
    let mut inner = zip.finish().map_err(zip_err)?;
    inner.flush().map_err(io_err)?;
    inner.get_ref().sync_all().map_err(io_err)
}

fn write_dir(path: &Path, json: &BundleJson, frozen: &Frozen) -> Result<()> {
    fs::create_dir(path).map_err(|e| Error::io(path, e))?;
    for name in FILES {
        let p = path.join(name);
        let io_err = |e: io::Error| Error::io(&p, e);
        let mut w = BufWriter::new(File::create(&p).map_err(io_err)?);
        write_file(name, &mut w, json, frozen).map_err(io_err)?;
        w.flush().map_err(io_err)?;
    }
    Ok(())
}

fn write_file(name: &str, w: &mut dyn Write, json: &BundleJson, frozen: &Frozen) -> io::Result<()> {
    match name {
        "bundle.json" => {
            serde_json::to_writer_pretty(&mut *w, json).map_err(io::Error::other)?;
            w.write_all(b"\n")
        }
        "population.csv" => write_population(w, frozen.population()),
        "inspectors.csv" => write_inspectors(w, frozen.inspectors()),
        "recusals.csv" => write_recusals(w, frozen.recusals()),
        "targets.csv" => write_targets(w, json, frozen),
        _ => w.write_all(readme(json).as_bytes()),
    }
}

fn csv_writer(w: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(w)
}

/// A list cell: a JSON array of strings. Strings that need no escaping (no quote, backslash or control
/// character: nearly all tags and qualifications) are written directly, as serde_json would write them.
fn json_list(xs: &[draw::Text]) -> String {
    let plain = |x: &draw::Text| !x.bytes().any(|c| c < 0x20 || c == b'"' || c == b'\\');
    if !xs.iter().all(plain) {
        return serde_json::to_string(xs).unwrap_or_else(|_| "[]".to_string());
    }
    let mut out = String::with_capacity(2 + xs.iter().map(|x| x.len() + 3).sum::<usize>());
    out.push('[');
    for (i, x) in xs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(x);
        out.push('"');
    }
    out.push(']');
    out
}

fn csv_io(e: csv::Error) -> io::Error {
    io::Error::other(e)
}

/// `population.csv`: the population in canonical order, columns as in §4.1.
pub fn write_population(w: &mut dyn Write, population: &[DrawEntity]) -> io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record(ENTITY_COLUMNS).map_err(csv_io)?;
    for e in population {
        let tags = json_list(&e.tags);
        c.write_record([
            e.code.as_str(),
            &e.name,
            &e.entity_type,
            &e.industry,
            &e.address,
            &e.authority,
            &e.region,
            &e.town,
            &e.established,
            &e.status,
            &e.risk_class,
            &tags,
            &e.last_inspected,
        ])
        .map_err(csv_io)?;
    }
    c.flush()
}

/// `inspectors.csv`: the pool in canonical order, columns as in §4.2.
pub fn write_inspectors(w: &mut dyn Write, inspectors: &[DrawInspector]) -> io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record(INSPECTOR_COLUMNS).map_err(csv_io)?;
    for i in inspectors {
        let quals = json_list(&i.qualifications);
        let expert = if i.expert { "true" } else { "false" };
        c.write_record([
            i.staff_no.as_str(),
            &i.name,
            &i.department,
            &i.certificate_no,
            &i.certificate_valid_until,
            &quals,
            expert,
            &i.region,
            &i.status,
        ])
        .map_err(csv_io)?;
    }
    c.flush()
}

/// `recusals.csv`: `staff_no,entity_code,reason` in canonical order.
pub fn write_recusals(w: &mut dyn Write, recusals: &[Recusal]) -> io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record(RECUSAL_COLUMNS).map_err(csv_io)?;
    for r in recusals {
        c.write_record([&r.staff_no, &r.entity_code, &r.reason])
            .map_err(csv_io)?;
    }
    c.flush()
}

/// Column names of `targets.csv` (for people; not used by verification).
pub const TARGET_COLUMNS: [&str; 8] = [
    "order", "code", "name", "region", "stratum", "group", "leader", "members",
];

fn write_targets(w: &mut dyn Write, json: &BundleJson, frozen: &Frozen) -> io::Result<()> {
    let person = |staff: &str| match frozen.inspector(staff) {
        Some(m) => format!("{}（{}）", m.name, staff),
        None => staff.to_string(),
    };
    let mut c = csv_writer(w);
    c.write_record(TARGET_COLUMNS).map_err(csv_io)?;
    for (i, t) in json.outcome.targets.iter().enumerate() {
        let entity = frozen.entity(&t.code);
        let group = t.group.and_then(|n| json.outcome.groups.get(n as usize - 1));
        let leader = group
            .and_then(|g| g.leader.as_deref())
            .map(person)
            .unwrap_or_default();
        let members = group
            .map(|g| g.members.iter().map(|m| person(m)).collect::<Vec<_>>().join("、"))
            .unwrap_or_default();
        c.write_record([
            (i + 1).to_string(),
            t.code.clone(),
            entity.map(|e| e.name.to_string()).unwrap_or_default(),
            entity.map(|e| e.region.to_string()).unwrap_or_default(),
            t.stratum.clone(),
            t.group.map(|n| n.to_string()).unwrap_or_default(),
            leader,
            members,
        ])
        .map_err(csv_io)?;
    }
    c.flush()
}

fn readme(json: &BundleJson) -> String {
    let f = &json.fingerprints;
    format!(
        "fairdraw 摇号记录 / fairdraw draw record\n\
         =========================================\n\n\
         任务 / task: {number} {name}（第 {attempt} 次 / attempt {attempt}）\n\
         摇号日期 / draw date: {date}\n\
         算法 / algorithm: {alg}\n\
         输入指纹 / fp_inputs: {inputs}\n\
         承诺值 / commitment: {commitment}\n\
         种子 / seed: {seed}\n\
         结果指纹 / fp_outcome: {outcome}\n\n\
         本记录包含复核这次摇号所需的全部内容。任何人都可以独立复核：\n\
         \x20 fairdraw verify 本文件\n\
         \x20 python3 tools/verify.py 本文件   （只用 Python 标准库，见 fairdraw 项目）\n\
         复核会重新计算四项输入指纹、承诺值、种子和摇号结果，并与记录逐项比较，输出“一致”或第一处差异。\n\
         算法的公开规范见 fairdraw 项目的 docs/draw-protocol.md（{alg}）。\n\n\
         文件：bundle.json（规则、指纹、承诺值、密钥、见证人及其随机数、种子、结果）；\n\
         population.csv（检查对象名单）；inspectors.csv（执法检查人员名单）；recusals.csv（回避名单）；\n\
         targets.csv（抽中对象及检查组，供阅读，不参与复核）。CSV 为 UTF-8 编码、逗号分隔。\n\n\
         This record holds everything needed to re-check the draw. Anyone can verify it independently:\n\
         \x20 fairdraw verify THIS-FILE\n\
         \x20 python3 tools/verify.py THIS-FILE   (Python standard library only; part of the fairdraw project)\n\
         Verification recomputes the four input fingerprints, the commitment, the seed and the outcome, compares\n\
         them with the record and prints MATCH or the first difference. The algorithm is specified publicly in\n\
         docs/draw-protocol.md of the fairdraw project ({alg}).\n\n\
         Files: bundle.json (rules, fingerprints, commitment, secret, witnesses and their entropy, seed,\n\
         outcome); population.csv (entities); inspectors.csv (inspector pool); recusals.csv (recusal list);\n\
         targets.csv (targets and groups, for reading; not used by verification). CSV files are UTF-8,\n\
         comma-separated.\n",
        number = json.rules.task.number,
        name = json.rules.task.name,
        attempt = json.rules.task.attempt,
        date = json.rules.draw_date,
        alg = json.rules.algorithm,
        inputs = f.inputs,
        commitment = json.commitment,
        seed = json.seed,
        outcome = f.outcome,
    )
}

// ---------------------------------------------------------------------------------------------------------
// Reading

/// Where a bundle's files come from.
enum Source {
    Zip(zip::ZipArchive<BufReader<File>>),
    Dir(PathBuf),
}

impl Source {
    fn open(
        &mut self,
        bundle: &Path,
        name: &str,
        f: &mut dyn FnMut(&mut dyn Read) -> Result<()>,
    ) -> Result<()> {
        match self {
            Source::Zip(z) => {
                let mut entry = z
                    .by_name(name)
                    .map_err(|e| missing(bundle, name, &e.to_string()))?;
                f(&mut entry)
            }
            Source::Dir(dir) => {
                let p = dir.join(name);
                let file = File::open(&p).map_err(|e| {
                    if e.kind() == io::ErrorKind::NotFound {
                        missing(bundle, name, &e.to_string())
                    } else {
                        Error::io(&p, e)
                    }
                })?;
                f(&mut BufReader::with_capacity(1 << 16, file))
            }
        }
    }
}

impl Source {
    /// The size of file `name` as the zip directory or the file system gives it (a zip may say anything:
    /// only for making room), `None` if it has no such file.
    fn size(&mut self, name: &str) -> Option<u64> {
        match self {
            // No more than deflate can inflate the entry's compressed bytes to (at most 1,032 to one), so a
            // zip that states a wrong size gets no more room than its bytes can fill.
            Source::Zip(z) => z
                .by_index_raw(z.index_for_name(name)?)
                .ok()
                .map(|e| e.size().min(e.compressed_size().saturating_mul(1032))),
            Source::Dir(dir) => fs::metadata(dir.join(name)).ok().map(|m| m.len()),
        }
    }
}

fn missing(bundle: &Path, name: &str, detail: &str) -> Error {
    Error::other(
        ErrorCode::Invalid,
        format!("{}：摇号记录缺少 {name}（{detail}）", bundle.display()),
        format!("{}: the record has no {name} ({detail})", bundle.display()),
    )
}

impl Bundle {
    /// Reads a bundle from a zip file or a folder.
    ///
    /// `bundle.json` is parsed on one thread while `population.csv` is inflated on a second and split into
    /// rows on this one; errors are still reported in file order (`bundle.json`, then each CSV file).
    pub fn read(path: &Path) -> Result<Bundle> {
        let (mut source, text) = open_bundle(path)?;
        let (json, population) = std::thread::scope(|s| {
            let json = s.spawn(|| parse_bundle_json(&text));
            let population = read_population_part(&mut source, path);
            (joined(json.join()), population)
        });
        let json = json?;
        let (population, population_lines) = population?;
        let (inspectors, inspector_lines) = read_part(
            &mut source,
            path,
            "inspectors.csv",
            &INSPECTOR_COLUMNS,
            inspector_row,
        )?;
        let (recusals, recusal_lines) =
            read_part(&mut source, path, "recusals.csv", &RECUSAL_COLUMNS, |c, line| {
                Ok(recusal_row(c, line))
            })?;
        Ok(Bundle {
            json,
            population,
            inspectors,
            recusals,
            lines: RowLines {
                population: population_lines,
                inspectors: inspector_lines,
                recusals: recusal_lines,
            },
        })
    }
}

/// Opens a bundle and reads its `bundle.json` (not yet parsed).
fn open_bundle(path: &Path) -> Result<(Source, String)> {
    let mut source = open_source(path)?;
    let text = read_json_text(&mut source, path)?;
    Ok((source, text))
}

/// The bundle's files: a zip archive or a folder.
fn open_source(path: &Path) -> Result<Source> {
    Ok(if path.is_dir() {
        Source::Dir(path.to_path_buf())
    } else {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| {
            Error::other(
                ErrorCode::Invalid,
                format!("{}：不是 zip 格式的摇号记录（{e}）", path.display()),
                format!("{}: not a zip record bundle ({e})", path.display()),
            )
        })?;
        Source::Zip(zip)
    })
}

/// The text of `bundle.json`.
fn read_json_text(source: &mut Source, path: &Path) -> Result<String> {
    // Room for all of it at once: growing a 30 MB text by doubling would copy it and touch twice the memory.
    let mut text = String::new();
    let size = source.size("bundle.json").unwrap_or(0);
    let _ = text.try_reserve_exact(size.min(MAX_ROOM) as usize);
    source.open(path, "bundle.json", &mut |r| {
        r.read_to_string(&mut text)
            .map_err(|e| Error::io(path.join("bundle.json"), e))?;
        Ok(())
    })?;
    Ok(text)
}

/// The most room made ahead for a file from the size a zip states (which may be wrong).
const MAX_ROOM: u64 = 1 << 30;

/// A scoped thread's result, its panic passed on.
fn joined<T>(r: std::thread::Result<T>) -> T {
    r.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Rows of one CSV file and their line numbers.
type Rows<T> = (Vec<T>, Vec<u64>);

/// Reads a small CSV part with the fast reader, or again with the general one when it is irregular.
fn read_part<T>(
    source: &mut Source,
    path: &Path,
    name: &str,
    columns: &[&str],
    build: impl Fn(&dyn Cells, u64) -> Result<T>,
) -> Result<Rows<T>> {
    let mut fast = None;
    source.open(path, name, &mut |r| {
        let mut chunks = LineChunks::new(r);
        fast = Some(read_fast(&mut |spent| chunks.next(spent), columns, &build)?);
        Ok(())
    })?;
    if let Some(Ok(rows)) = fast {
        return Ok(rows);
    }
    let mut rows = None;
    source.open(path, name, &mut |r| {
        rows = Some(read_general(r, name, columns, &build)?);
        Ok(())
    })?;
    rows.ok_or_else(|| missing(path, name, ""))
}

/// The next buffer of a file read on another thread; it takes back the previous one for reuse.
type NextChunk<'a> = dyn FnMut(Vec<u8>) -> io::Result<Option<Vec<u8>>> + 'a;

/// Reads part `name` on a second thread (inflating it, for a zip) in buffers of whole lines, and runs `parse`
/// over them here. Returns whether the part could be opened, and what `parse` returned; when `parse`
/// returns early the reading stops.
fn read_beside<T>(
    source: &mut Source,
    path: &Path,
    name: &str,
    parse: impl FnOnce(&mut NextChunk<'_>) -> T,
) -> (Result<()>, T) {
    std::thread::scope(|s| {
        let (full, filled) = std::sync::mpsc::sync_channel::<io::Result<Vec<u8>>>(2);
        let (spare, spent) = std::sync::mpsc::channel::<Vec<u8>>();
        let reader = s.spawn(move || {
            source.open(path, name, &mut |r| {
                let mut chunks = LineChunks::new(r);
                loop {
                    let buf = spent.try_recv().unwrap_or_default();
                    let next = chunks.next(buf).transpose();
                    let stop = !matches!(next, Some(Ok(_)));
                    // A closed channel means the parser stopped: stop reading.
                    if let Some(next) = next
                        && full.send(next).is_err()
                    {
                        break;
                    }
                    if stop {
                        break;
                    }
                }
                Ok(())
            })
        });
        let parsed = parse(&mut |buf| {
            // An empty one would only be grown from nothing there.
            if buf.capacity() > 0 {
                let _ = spare.send(buf);
            }
            match filled.recv() {
                Ok(next) => next.map(Some),
                Err(_) => Ok(None),
            }
        });
        drop(filled);
        (joined(reader.join()), parsed)
    })
}

/// Reads `population.csv`: inflated (or read) on a second thread in buffers of whole lines, split here.
fn read_population_part(source: &mut Source, path: &Path) -> Result<Rows<DrawEntity>> {
    let name = "population.csv";
    let (opened, fast) = read_beside(source, path, name, |next| {
        read_fast(next, &ENTITY_COLUMNS, &entity_row)
    });
    opened?;
    if let Ok(rows) = fast? {
        return Ok(rows);
    }
    let mut rows = None;
    source.open(path, name, &mut |r| {
        rows = Some(read_general(r, name, &ENTITY_COLUMNS, &entity_row)?);
        Ok(())
    })?;
    rows.ok_or_else(|| missing(path, name, ""))
}

/// Parses `bundle.json`, refusing another format identifier.
pub fn parse_bundle_json(text: &str) -> Result<BundleJson> {
    // The typed parse is the fast path (a record of a million entities lists a quarter of a million
    // exclusions); only when it fails is the text parsed again to say why.
    match serde_json::from_str::<BundleJson>(text) {
        Ok(json) if json.format == FORMAT => return Ok(json),
        _ => {}
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        invalid(
            "bundle.json",
            format!("不是有效的 JSON：{e}"),
            format!("not valid JSON: {e}"),
        )
    })?;
    let format = value.get("format").and_then(Value::as_str).unwrap_or("");
    if format != FORMAT {
        return Err(invalid(
            "bundle.json",
            format!("format 为 {format:?}，本程序读取 {FORMAT}"),
            format!("format is {format:?}; this program reads {FORMAT}"),
        ));
    }
    match serde_json::from_str::<BundleJson>(text) {
        Ok(json) => Ok(json),
        Err(e) => Err(invalid(
            "bundle.json",
            format!("内容不符合格式：{e}"),
            format!("not of the required form: {e}"),
        )),
    }
}

/// A CSV row seen through the header's column order: `cell(j)` is column `j` of the expected columns.
trait Cells {
    fn cell(&self, j: usize) -> &str;
}

/// A row of the general reader.
struct Record<'a> {
    record: &'a csv::StringRecord,
    position: &'a [usize],
}

impl Cells for Record<'_> {
    fn cell(&self, j: usize) -> &str {
        &self.record[self.position[j]]
    }
}

/// A row of the fast reader, already in column order.
impl Cells for &[&str] {
    fn cell(&self, j: usize) -> &str {
        self[j]
    }
}

/// Reads rows with the fast reader; `Ok(Err(Irregular))` when the general reader must read them.
fn read_fast<T>(
    next: &mut dyn FnMut(Vec<u8>) -> io::Result<Option<Vec<u8>>>,
    columns: &[&str],
    build: &dyn Fn(&dyn Cells, u64) -> Result<T>,
) -> Result<Result<Rows<T>, Irregular>> {
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    let flow = fastcsv::Reader::new(columns).read(next, &mut |cells, _, line| {
        rows.push(build(&cells, line)?);
        lines.push(line);
        Ok(())
    })?;
    Ok(flow.map(|()| (rows, lines)))
}

/// Reads CSV rows whose header holds exactly `columns` in any order (§12) with the general reader, which
/// accepts every CSV and names the line of anything wrong.
fn read_general<T>(
    r: &mut dyn Read,
    file: &str,
    columns: &[&str],
    build: &dyn Fn(&dyn Cells, u64) -> Result<T>,
) -> Result<Rows<T>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 18)
        .from_reader(r);
    let mut record = csv::StringRecord::new();
    let csv_err = |e: csv::Error| {
        let line = e.position().map(|p| p.line()).unwrap_or(0);
        invalid(
            file,
            format!("第 {line} 行无法读取：{e}"),
            format!("line {line} cannot be read: {e}"),
        )
    };
    let bad_header = || {
        invalid(
            file,
            format!("第 1 行须为列名 {}（顺序不限）", columns.join(",")),
            format!("line 1 must be the header {} (in any order)", columns.join(",")),
        )
    };
    if !reader.read_record(&mut record).map_err(csv_err)? || record.len() != columns.len() {
        return Err(bad_header());
    }
    // position[j]: where column j of `columns` is in the file.
    let mut position = Vec::with_capacity(columns.len());
    for c in columns {
        match record.iter().position(|h| h == *c) {
            Some(p) if !position.contains(&p) => position.push(p),
            _ => return Err(bad_header()),
        }
    }
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    while reader.read_record(&mut record).map_err(csv_err)? {
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.len() != columns.len() {
            return Err(invalid(
                file,
                format!("第 {line} 行有 {} 列，应为 {} 列", record.len(), columns.len()),
                format!(
                    "line {line} has {} columns, expected {}",
                    record.len(),
                    columns.len()
                ),
            ));
        }
        let cells = Record {
            record: &record,
            position: &position,
        };
        rows.push(build(&cells, line)?);
        lines.push(line);
    }
    Ok((rows, lines))
}

/// Reads all of `r` with the fast reader, or when it is irregular, the same bytes with the general one.
fn read_loose<T>(
    r: &mut dyn Read,
    file: &str,
    columns: &[&str],
    build: &dyn Fn(&dyn Cells, u64) -> Result<T>,
) -> Result<Rows<T>> {
    let mut bytes = Vec::new();
    if r.read_to_end(&mut bytes).is_err() {
        // Let the general reader meet the error where it is.
        return read_general(&mut (&bytes[..]).chain(r), file, columns, build);
    }
    let mut input = &bytes[..];
    let mut chunks = LineChunks::new(&mut input);
    match read_fast(&mut |spent| chunks.next(spent), columns, build)? {
        Ok(rows) => Ok(rows),
        Err(Irregular) => read_general(&mut &bytes[..], file, columns, build),
    }
}

fn cell_error(file: &str, line: u64, column: &str, zh: String, en: String) -> Error {
    invalid(
        file,
        format!("第 {line} 行 {column} 列：{zh}"),
        format!("line {line}, column {column}: {en}"),
    )
}

fn list_cell(file: &str, line: u64, column: &str, cell: &str) -> Result<Vec<draw::Text>> {
    // An empty cell is accepted as the empty list (§12).
    if cell.is_empty() || cell == "[]" {
        return Ok(Vec::new());
    }
    serde_json::from_str(cell).map_err(|e| {
        cell_error(
            file,
            line,
            column,
            format!("须为字符串的 JSON 数组，如 [\"食品经营\"]（{e}）"),
            format!("must be a JSON array of strings such as [\"食品经营\"] ({e})"),
        )
    })
}

/// A list cell: the fast split for the usual form, else JSON.
fn list_of(file: &str, line: u64, column: &str, cell: &str) -> Result<Vec<draw::Text>> {
    match fastcsv::simple_list(cell) {
        Some(items) => Ok(items.into_iter().map(draw::Text::from).collect()),
        None => list_cell(file, line, column, cell),
    }
}

fn entity_row(c: &dyn Cells, line: u64) -> Result<DrawEntity> {
    Ok(DrawEntity {
        code: c.cell(0).into(),
        name: c.cell(1).into(),
        entity_type: c.cell(2).into(),
        industry: c.cell(3).into(),
        address: c.cell(4).into(),
        authority: c.cell(5).into(),
        region: c.cell(6).into(),
        town: c.cell(7).into(),
        established: c.cell(8).into(),
        status: c.cell(9).into(),
        risk_class: c.cell(10).into(),
        tags: list_of("population.csv", line, "tags", c.cell(11))?,
        last_inspected: c.cell(12).into(),
    })
}

fn inspector_row(c: &dyn Cells, line: u64) -> Result<DrawInspector> {
    let file = "inspectors.csv";
    let expert = match c.cell(6) {
        "true" => true,
        "false" => false,
        other => {
            return Err(cell_error(
                file,
                line,
                "expert",
                format!("须为 true 或 false，而不是 {other:?}"),
                format!("must be true or false, not {other:?}"),
            ));
        }
    };
    Ok(DrawInspector {
        staff_no: c.cell(0).into(),
        name: c.cell(1).into(),
        department: c.cell(2).into(),
        certificate_no: c.cell(3).into(),
        certificate_valid_until: c.cell(4).into(),
        qualifications: list_of(file, line, "qualifications", c.cell(5))?,
        expert,
        region: c.cell(7).into(),
        status: c.cell(8).into(),
    })
}

fn recusal_row(c: &dyn Cells, _line: u64) -> Recusal {
    Recusal {
        staff_no: c.cell(0).into(),
        entity_code: c.cell(1).into(),
        reason: c.cell(2).into(),
    }
}

/// Reads `population.csv` (or any CSV with the same columns): rows in file order and their line numbers.
pub fn read_population(r: &mut dyn Read) -> Result<(Vec<DrawEntity>, Vec<u64>)> {
    read_loose(r, "population.csv", &ENTITY_COLUMNS, &entity_row)
}

/// Reads `inspectors.csv`.
pub fn read_inspectors(r: &mut dyn Read) -> Result<(Vec<DrawInspector>, Vec<u64>)> {
    read_loose(r, "inspectors.csv", &INSPECTOR_COLUMNS, &inspector_row)
}

/// Reads a recusal list CSV (`staff_no,entity_code,reason`); `file` names it in errors.
pub fn read_recusals(r: &mut dyn Read, file: &str) -> Result<(Vec<Recusal>, Vec<u64>)> {
    read_loose(r, file, &RECUSAL_COLUMNS, &|c, line| Ok(recusal_row(c, line)))
}

/// Whether the fast reader, wherever it accepts `bytes` as one of the three CSV files, reads the same rows
/// and lines (or the same error) as the general reader: the fuzzers' and tests' check of the fast reader.
#[doc(hidden)]
pub fn readers_agree(bytes: &[u8]) -> bool {
    fn agree<T: PartialEq>(
        bytes: &[u8],
        file: &str,
        columns: &[&str],
        build: &dyn Fn(&dyn Cells, u64) -> Result<T>,
    ) -> bool {
        let mut input = bytes;
        let mut chunks = LineChunks::new(&mut input);
        let fast = read_fast(&mut |spent| chunks.next(spent), columns, build);
        let general = || read_general(&mut &bytes[..], file, columns, build);
        match fast {
            Ok(Err(Irregular)) => true,
            Ok(Ok(rows)) => matches!(general(), Ok(g) if g == rows),
            Err(e) => matches!(general(), Err(g) if g.to_string() == e.to_string()),
        }
    }
    agree(bytes, "population.csv", &ENTITY_COLUMNS, &entity_row)
        && agree(bytes, "inspectors.csv", &INSPECTOR_COLUMNS, &inspector_row)
        && agree(bytes, "recusals.csv", &RECUSAL_COLUMNS, &|c, l| {
            Ok(recusal_row(c, l))
        })
}

// ---------------------------------------------------------------------------------------------------------
// Verification

/// The first difference between a record and its recomputation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// What differs, as a path: `fingerprints.population`, `commitment`, `seed`, `outcome.targets[3].code`.
    pub field: String,
    pub recorded: String,
    pub recomputed: String,
}

/// The result of re-checking a bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Verdict {
    /// Everything recomputed equals the record.
    Match {
        fp_inputs: Hash32,
        seed: Hash32,
        fp_outcome: Hash32,
    },
    /// The first difference, in the order of §12: fingerprints, commitment, seed, outcome, fp_outcome.
    Mismatch(Difference),
}

fn differ(field: &str, recorded: impl ToString, recomputed: impl ToString) -> Verdict {
    Verdict::Mismatch(Difference {
        field: field.to_string(),
        recorded: recorded.to_string(),
        recomputed: recomputed.to_string(),
    })
}

/// Re-checks a bundle (§12): input fingerprints and `fp_inputs`, the commitment against the secret, the
/// seed, the outcome and `fp_outcome`. Input errors (a damaged file) are errors; a recomputation that
/// disagrees with the record is a [`Verdict::Mismatch`] naming the first difference.
pub fn verify(bundle: Bundle) -> Result<Verdict> {
    let Bundle {
        json,
        population,
        inspectors,
        recusals,
        lines,
    } = bundle;
    let canonical = draw::canonicalise(population, inspectors, recusals, json.rules.clone())
        .map_err(|e| lines.error(e, &json.departments))?;
    recheck(json, canonical, None)
}

/// Re-checks the bundle at `path` (zip or folder): the verdict and errors of [`Bundle::read`] then
/// [`verify`], sooner.
///
/// A population that is valid and already in canonical order — as in every record fairdraw writes — is
/// checked and hashed row by row as it is read (on three threads: reading (inflating, in older bundles),
/// splitting and checking, hashing), and of its entities only the fields a rule of §6–§8 can read are kept for the plan and the
/// draw: `name`, `address`, `authority`, `town` and `established` are checked and hashed but not kept.
/// Only a [`Verdict::Match`] is taken from this path. Anything else — a damaged file, rows out of order, a
/// difference — is worked out again by [`Bundle::read`] and [`verify`], so it is reported exactly as they
/// report it.
pub fn verify_path(path: &Path) -> Result<Verdict> {
    if let Some(verdict @ Verdict::Match { .. }) = quick_verify(path) {
        return Ok(verdict);
    }
    verify(Bundle::read(path)?)
}

/// The quick path of [`verify_path`]; `None` whenever it cannot vouch for a match.
fn quick_verify(path: &Path) -> Option<Verdict> {
    // `bundle.json` is inflated through a second handle on the file, beside `population.csv`.
    let mut source = open_source(path).ok()?;
    let mut json_source = open_source(path).ok()?;
    // The rules' scope and the row count, once the head of `bundle.json` is read ([`JsonHead`]): which entity
    // fields the plan reads, and how many entities to make room for.
    let scope = std::sync::OnceLock::new();
    let expected = std::sync::OnceLock::new();
    let (hashed, population) = std::thread::scope(|s| {
        let (encoded, to_hash) = std::sync::mpsc::sync_channel::<Vec<u8>>(ENCODINGS_AHEAD);
        let (spare, spares) = std::sync::mpsc::channel::<Vec<u8>>();
        // `fp_population` starts with the row count: the recorded outcome says how many rows there should
        // be (the excluded entities and the strata), and the count read is compared at the end.
        let (scope, expected) = (&scope, &expected);
        let hasher = s.spawn(move || {
            let text = read_json_text(&mut json_source, path).ok()?;
            // What the hashing and the splitting need first, read without building the rest: the whole
            // parse takes several times as long, and runs beside the hashing instead of before it.
            let head = JsonHead::read(&text)?;
            let rows = head.rows();
            // `fp_population` holds the count as a u32 (§2): a recorded outcome accounting for more rows is
            // left to the general path, which refuses it by name.
            if u32::try_from(rows).is_err() {
                return None;
            }
            let _ = scope.set(head.rules.scope.clone());
            let _ = expected.set(rows);
            // Beside the population rather than after it, on a thread of their own so that the hashing keeps
            // up with the rows: the whole `bundle.json`, the two small parts, and the recorded outcome's
            // fingerprint, which is the recomputed one's whenever the two outcomes are equal.
            let (side, population_fp) = std::thread::scope(|t| {
                let text = &text;
                let side = t.spawn(move || {
                    let json = parse_bundle_json(text).ok()?;
                    let parts = small_parts(&mut json_source, path)?;
                    let outcome_fp = json.outcome.fingerprint();
                    Some((json, parts, outcome_fp))
                });
                let mut hash = draw::PopulationHash::new(rows);
                for buf in to_hash {
                    hash.update(&buf);
                    let _ = spare.send(buf);
                }
                (joined(side.join()), hash.finish())
            });
            let (json, parts, outcome_fp) = side?;
            // The head read the same text: a difference would mean a parser disagreeing with itself.
            if json.rules.scope != head.rules.scope || json.outcome_rows() != rows {
                return None;
            }
            Some((json, rows, population_fp, parts, outcome_fp))
        });
        let (opened, population) = read_beside(&mut source, path, "population.csv", |next| {
            lean_population(next, &encoded, &spares, scope, expected)
        });
        drop(encoded);
        (joined(hasher.join()), opened.ok().and(population))
    });
    let (json, expected_rows, population_fp, (inspectors, recusals), outcome_fp) = hashed?;
    let population = population?;
    if draw::Population::len(&population) != expected_rows {
        return None;
    }
    let canonical = draw::canonicalise_sorted(
        population,
        population_fp,
        inspectors,
        recusals,
        json.rules.clone(),
    )
    .ok()?;
    recheck(json, canonical, Some(outcome_fp)).ok()
}

/// How many entities a recorded outcome accounts for: the `excluded` ones and the members of strata of
/// `sizes`. Saturating, so that no recorded count can overflow: a count that is not the rows' sends the
/// bundle to the general path.
fn outcome_rows(excluded: usize, sizes: impl Iterator<Item = u32>) -> usize {
    sizes.fold(excluded, |sum, size| sum.saturating_add(size as usize))
}

impl BundleJson {
    fn outcome_rows(&self) -> usize {
        let o = &self.outcome;
        outcome_rows(o.excluded.len(), o.strata.iter().map(|s| s.size))
    }
}

/// `inspectors.csv` and `recusals.csv` of the bundle at `path`; `None` if either cannot be read.
fn small_parts(source: &mut Source, path: &Path) -> Option<(Vec<DrawInspector>, Vec<Recusal>)> {
    let (inspectors, _) =
        read_part(source, path, "inspectors.csv", &INSPECTOR_COLUMNS, inspector_row).ok()?;
    let (recusals, _) = read_part(source, path, "recusals.csv", &RECUSAL_COLUMNS, |c, line| {
        Ok(recusal_row(c, line))
    })
    .ok()?;
    Some((inspectors, recusals))
}

/// How many buffers of encodings (a megabyte or so each) may wait for the hasher, which cannot start before
/// the row count is read from `bundle.json` ([`JsonHead`]). Beyond that the splitting waits: unbounded, the
/// encodings made meanwhile (about 60 MB for a million entities while the whole file was parsed first) were
/// all fresh memory, a third of the page faults of a verify; bounded, the same few buffers go round between
/// the splitting and the hasher.
const ENCODINGS_AHEAD: usize = 8;

/// One buffer of `population.csv` rows, split, checked and encoded.
struct SplitRows {
    /// The rows' encodings for `fp_population`.
    encoded: Vec<u8>,
    /// What the plan reads of them.
    lean: draw::LeanPopulation,
    /// The buffer they came in, for reuse.
    spent: Vec<u8>,
}

/// Where `tags` is in [`ENTITY_COLUMNS`].
const TAGS: usize = 11;

/// The most tags a row may have for [`RowSink::plain`]; a row with more takes the general way.
const PLAIN_TAGS: usize = 8;

/// What [`split_rows`] makes of one buffer's rows as it goes: their encodings, the lean rows, and a list for
/// the tags of the rows taken the general way.
struct RowSink<'s> {
    sorted: draw::SortedRows,
    lean: draw::LeanPopulation,
    scope: Option<&'s draw::Scope>,
    /// One allocation for the tags of every row: emptied, it is kept between rows as a list of `'static`
    /// strings (mapping into a vector of the same layout reuses the allocation).
    recycled: Vec<&'static str>,
}

impl RowSink<'_> {
    /// Checks, encodes and keeps the row of cells `c` (in [`ENTITY_COLUMNS`] order, the tags as written),
    /// `nfc` if every field is known to be NFC; `false` if it breaks a rule or its code does not follow.
    fn general(&mut self, c: &[&str], nfc: bool) -> bool {
        let mut tags: Vec<&str> = std::mem::take(&mut self.recycled);
        if fastcsv::list_field_into(c[TAGS], &mut tags).is_none() {
            return false;
        }
        let row = draw::EntityRow {
            code: c[0],
            name: c[1],
            entity_type: c[2],
            industry: c[3],
            address: c[4],
            authority: c[5],
            region: c[6],
            town: c[7],
            established: c[8],
            status: c[9],
            risk_class: c[10],
            tags: &tags,
            last_inspected: c[12],
        };
        if !self.sorted.push_nfc(&row, nfc) || !self.lean.push(self.scope, &row) {
            return false;
        }
        tags.clear();
        self.recycled = tags.into_iter().map(|_| "").collect();
        true
    }

    /// [`RowSink::general`] of the row `text[start..]` whose fields end at `ends`
    /// ([`fastcsv::Reader::plain_row`]), without making its cells while the plain checks settle it.
    fn plain(&mut self, text: &str, start: usize, ends: &[usize; fastcsv::MAX_COLUMNS], nfc: bool) -> bool {
        let field = |k: usize| &text[if k == 0 { start } else { ends[k - 1] + 1 }..ends[k]];
        // Never fails (`ends` has `MAX_COLUMNS` ≥ 13 places); were it to, the row would be refused and the
        // bundle left to the general path, never accepted.
        let Ok(row_ends) = <&[usize; 13]>::try_from(&ends[..13]) else {
            return false;
        };
        let mut items = [""; PLAIN_TAGS];
        let mut n = 0;
        let listed = fastcsv::list_field_each(field(TAGS), |item| {
            let Some(slot) = items.get_mut(n) else {
                return false;
            };
            *slot = item;
            n += 1;
            true
        });
        let tags = &items[..n];
        if listed.is_some() && nfc && self.sorted.push_plain(text.as_bytes(), start, row_ends, tags) {
            let values = [field(2), field(3), field(6), field(9), field(10), field(12)];
            return self.lean.push_fields(self.scope, field(0), values, tags);
        }
        let cells: [&str; 13] = std::array::from_fn(field);
        self.general(&cells, nfc)
    }
}

/// Splits one buffer of whole rows, checks each by the rules of §4.1 and its code against the one before,
/// encodes it into `spare` and keeps what the plan reads under `scope`; `None` if the buffer is not whole
/// regular rows, a row breaks a rule or the codes are not ascending.
///
/// With `plain`, a row of the plain shape ([`fastcsv::Reader::plain_row`]: nearly every row a bundle
/// holds) is checked and encoded from where its fields end ([`draw::SortedRows::push_plain`]) and its cells
/// are made only if the plain checks do not settle it; every other row is split into cells and pushed the
/// general way. The quick path always passes `plain`; without it (only [`split_ways_agree`], for the tests and
/// the fuzzer) every row takes the general way: the reference the plain way is tested against.
fn split_rows(
    reader: &mut fastcsv::Reader<'_>,
    data: Vec<u8>,
    from: usize,
    spare: Vec<u8>,
    scope: Option<&draw::Scope>,
    plain: bool,
) -> Option<SplitRows> {
    // The tags come as written, their doubled quotes read in place rather than undone into a copy.
    reader.hand_as_written(TAGS);
    let mut sink = RowSink {
        sorted: draw::SortedRows::default(),
        lean: draw::LeanPopulation::default(),
        scope,
        recycled: Vec::new(),
    };
    // The encodings go straight into `spare`, which already has room from an earlier buffer.
    let _ = sink.sorted.take_encoded(0, spare);
    let mut cursor = reader.begin(&data[from..]).ok()?;
    let text = cursor.text();
    // NFC is settled for runs of rows at once (every row once, in order).
    let mut stable = draw::StableRuns::new(text);
    let mut ends = [0; fastcsv::MAX_COLUMNS];
    let stop = || Error::other(ErrorCode::Invalid, String::new(), String::new());
    loop {
        if plain && let Some(start) = reader.plain_row(&mut cursor, &mut ends) {
            let nfc = stable.row(start, ends[12] + 1);
            if !sink.plain(text, start, &ends, nfc) {
                return None;
            }
            continue;
        }
        let start = cursor.at();
        let more = reader
            .next_row(&mut cursor, false, &mut |c, row, _line| {
                let nfc = stable.row(start, start + row.len());
                if sink.general(c, nfc) { Ok(()) } else { Err(stop()) }
            })
            .ok()?
            .ok()?;
        if !more {
            break;
        }
    }
    if cursor.at() != text.len() {
        return None;
    }
    let encoded = sink.sorted.take_encoded(0, Vec::new()).ok()?;
    Some(SplitRows {
        encoded,
        lean: sink.lean,
        spent: data,
    })
}

/// Whether [`split_rows`] makes the same of `bytes`, read as `population.csv`, the plain way and the general
/// way: the same accept or refuse, the same encodings and the same lean rows, with the rows (after the
/// header) cut into buffers at `cuts` (bytes into the rows; any out of range are left out), the first
/// buffer holding the header as `lean_population` hands it over, under a scope not yet known, one that
/// filters on nothing and one that filters on every field the lean rows may keep. `true` also when the
/// header is not one [`fastcsv::Reader::whole_rows`] reads. The fuzzers' and tests' check of the plain way.
#[doc(hidden)]
pub fn split_ways_agree(bytes: &[u8], cuts: &[usize]) -> bool {
    let Some(header_end) = memchr::memchr(b'\n', bytes).map(|i| i + 1) else {
        return true;
    };
    let mut reader = fastcsv::Reader::new(&ENTITY_COLUMNS);
    let stop = || Error::other(ErrorCode::Invalid, String::new(), String::new());
    let header = reader.whole_rows(&bytes[..header_end], &mut |_, _, _| Err(stop()));
    if !matches!(header, Ok(Ok(()))) || !reader.has_header() {
        return true;
    }
    let filtering = draw::Scope {
        industries: vec!["批发和零售业".into()],
        entity_types: vec!["个体工商户".into()],
        tags_any: vec!["食品经营".into()],
        ..draw::Scope::default()
    };
    let scopes = [None, Some(draw::Scope::default()), Some(filtering)];
    let rows = bytes.len() - header_end;
    let mut bounds: Vec<usize> = cuts.iter().copied().filter(|&c| c > 0 && c < rows).collect();
    bounds.extend([0, rows]);
    bounds.sort_unstable();
    bounds.dedup();
    bounds.windows(2).all(|w| {
        // The first buffer starts with the header, as the reading thread hands it over.
        let (from, to) = (if w[0] == 0 { 0 } else { header_end + w[0] }, header_end + w[1]);
        let skip = if w[0] == 0 { header_end } else { 0 };
        scopes.iter().all(|scope| {
            let way = |plain| {
                let data = bytes[from..to].to_vec();
                split_rows(&mut reader.clone(), data, skip, Vec::new(), scope.as_ref(), plain)
                    .map(|split| (split.encoded, split.lean))
            };
            way(true) == way(false)
        })
    })
}

/// Reads `population.csv` from `next`'s buffers on two threads: this one and a helper split alternate
/// buffers ([`split_rows`]), and the results are joined here in file order — the encodings sent to `encoded`
/// (buffers coming back from `spares`), the codes checked to ascend across buffers, the lean rows appended
/// (`scope` and the `expected` row count are set once `bundle.json` is parsed). `None` if the rows are
/// irregular, break a rule, are not in canonical order or a buffer is not whole rows
/// ([`fastcsv::Reader::whole_rows`]).
fn lean_population(
    next: &mut NextChunk<'_>,
    encoded: &std::sync::mpsc::SyncSender<Vec<u8>>,
    spares: &std::sync::mpsc::Receiver<Vec<u8>>,
    scope: &std::sync::OnceLock<draw::Scope>,
    expected: &std::sync::OnceLock<usize>,
) -> Option<draw::LeanPopulation> {
    use draw::Population;
    let first = next(Vec::new()).ok()??;
    let header_end = memchr::memchr(b'\n', &first)? + 1;
    let mut reader = fastcsv::Reader::new(&ENTITY_COLUMNS);
    let stop = || Error::other(ErrorCode::Invalid, String::new(), String::new());
    reader
        .whole_rows(&first[..header_end], &mut |_, _, _| Err(stop()))
        .ok()?
        .ok()?;
    if !reader.has_header() {
        return None;
    }
    std::thread::scope(|s| {
        type Job = (Vec<u8>, usize, Vec<u8>);
        let (to_helper, jobs) = std::sync::mpsc::sync_channel::<Job>(1);
        let (helper_done, done) = std::sync::mpsc::sync_channel::<Option<SplitRows>>(1);
        let mut helper_reader = reader.clone();
        s.spawn(move || {
            for (data, from, spare) in jobs {
                let split = split_rows(&mut helper_reader, data, from, spare, scope.get(), true);
                if helper_done.send(split).is_err() {
                    break;
                }
            }
        });
        let mut population = draw::LeanPopulation::default();
        let mut free: Vec<Vec<u8>> = Vec::new();
        let mut pending = Some((first, header_end));
        let spare = || spares.try_recv().unwrap_or_default();
        loop {
            // The helper splits one buffer while this thread splits the next; then both are taken in order.
            let theirs = match pending.take() {
                Some(job) => job,
                None => match next(free.pop().unwrap_or_default()).ok()? {
                    Some(data) => (data, 0),
                    None => break,
                },
            };
            to_helper.send((theirs.0, theirs.1, spare())).ok()?;
            let mine = match next(free.pop().unwrap_or_default()).ok()? {
                Some(data) => Some(split_rows(&mut reader, data, 0, spare(), scope.get(), true)?),
                None => None,
            };
            let theirs = done.recv().ok()??;
            let last = mine.is_none();
            for split in std::iter::once(theirs).chain(mine) {
                let rows = split.lean.len();
                if rows > 0 && !population.is_empty() {
                    let previous = population.code(population.len() - 1);
                    if split.lean.code(0) <= previous {
                        return None;
                    }
                }
                encoded.send(split.encoded).ok()?;
                if let Some(&rows) = expected.get() {
                    population.reserve(rows.saturating_sub(population.len()));
                }
                if !population.append(split.lean) {
                    return None;
                }
                free.push(split.spent);
            }
            if last {
                break;
            }
        }
        Some(population)
    })
}

/// The checks of §12 once the inputs are canonical: fingerprints, commitment, seed, outcome, `fp_outcome`.
/// `recorded_outcome_fp`, if given (by the quick path), is `json.outcome.fingerprint()`, worked out
/// beforehand: the recomputed outcome is then only compared with the recorded one ([`draw::draw_matches`])
/// and the recorded fingerprint stands for its own when they are equal; when they are not, the verdict is a
/// mismatch that names no place, for the quick path never passes one on.
fn recheck<P: draw::Population + Send + 'static>(
    json: BundleJson,
    canonical: draw::CanonicalInputs<P>,
    recorded_outcome_fp: Option<Hash32>,
) -> Result<Verdict> {
    let names = json.departments.clone();
    let fp = *canonical.fingerprints();
    let rec = &json.fingerprints;
    for (field, recorded, recomputed) in [
        ("fingerprints.population", rec.population, fp.population),
        ("fingerprints.inspectors", rec.inspectors, fp.inspectors),
        ("fingerprints.recusals", rec.recusals, fp.recusals),
        ("fingerprints.rules", rec.rules, fp.rules),
        ("fingerprints.inputs", rec.inputs, fp.inputs),
    ] {
        if recorded != recomputed {
            return Ok(differ(field, recorded, recomputed));
        }
    }
    let commitment = draw::commitment(&fp.inputs, &json.secret);
    if commitment != json.commitment {
        return Ok(differ("commitment", json.commitment, commitment));
    }
    // The witnesses are checked when the seed is derived, after the frozen inputs (§8.5).
    for (i, w) in json.witnesses.iter().enumerate() {
        draw::check_witness(i, &w.name, &w.role, &w.unit).map_err(|e| e.into_error(&names))?;
    }
    let entropies: Vec<&str> = json.witnesses.iter().map(|w| w.entropy.as_str()).collect();
    let seed = draw::derive_seed(&fp.inputs, &json.secret, &entropies).map_err(|e| e.into_error(&names))?;
    if seed != json.seed {
        return Ok(differ("seed", json.seed, seed));
    }
    let frozen = match canonical.plan() {
        Ok(f) => f,
        Err(e) => {
            return Ok(differ(
                "outcome",
                "an outcome",
                format!("none: {}", e.message(Lang::En, &names)),
            ));
        }
    };
    let (fp_outcome, outcome) = match recorded_outcome_fp {
        // The quick path: the recomputed outcome is only compared with the recorded one, never written
        // out. Equal outcomes have equal fingerprints. A difference is not named here: the caller works
        // the bundle out again on the general path.
        Some(fp) => {
            if !draw::draw_matches(&frozen, &seed, &json.outcome) {
                return Ok(differ("outcome", "(recorded)", "(another outcome)"));
            }
            (fp, None)
        }
        None => {
            let outcome = draw::draw(&frozen, &seed);
            // Comparing the typed values is fast; the JSON walk that names the difference runs only when
            // they differ.
            if outcome != json.outcome {
                let recorded = serde_json::to_value(&json.outcome).unwrap_or(Value::Null);
                let recomputed = serde_json::to_value(&outcome).unwrap_or(Value::Null);
                if let Some(d) = first_difference("outcome", &recorded, &recomputed) {
                    return Ok(Verdict::Mismatch(d));
                }
            }
            (outcome.fingerprint(), Some(outcome))
        }
    };
    if fp_outcome != rec.outcome {
        return Ok(differ("fingerprints.outcome", rec.outcome, fp_outcome));
    }
    // Freeing a million entities' strings takes a good part of a second: nobody needs to wait for it.
    drop_later((frozen, outcome, json));
    Ok(Verdict::Match {
        fp_inputs: fp.inputs,
        seed,
        fp_outcome,
    })
}

/// Drops `x` on a thread of its own (or here, if no thread can be started: the refused closure is dropped).
fn drop_later<T: Send + 'static>(x: T) {
    let _ = std::thread::Builder::new().spawn(move || drop(x));
}

/// The first place where two JSON values differ, members in the recomputed value's order.
fn first_difference(path: &str, recorded: &Value, recomputed: &Value) -> Option<Difference> {
    let show = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match (recorded, recomputed) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, vb) in b {
                let sub = format!("{path}.{k}");
                match a.get(k) {
                    Some(va) => {
                        if let Some(d) = first_difference(&sub, va, vb) {
                            return Some(d);
                        }
                    }
                    None => {
                        return Some(Difference {
                            field: sub,
                            recorded: "(missing)".into(),
                            recomputed: show(vb),
                        });
                    }
                }
            }
            a.keys().find(|k| !b.contains_key(*k)).map(|k| Difference {
                field: format!("{path}.{k}"),
                recorded: show(&a[k]),
                recomputed: "(missing)".into(),
            })
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                if let Some(d) = first_difference(&format!("{path}[{i}]"), va, vb) {
                    return Some(d);
                }
            }
            (a.len() != b.len()).then(|| Difference {
                field: format!("{path} (length)"),
                recorded: a.len().to_string(),
                recomputed: b.len().to_string(),
            })
        }
        (a, b) if a == b => None,
        (a, b) => Some(Difference {
            field: path.to_string(),
            recorded: show(a),
            recomputed: show(b),
        }),
    }
}

impl Verdict {
    /// The plain message: "一致" / "MATCH", or the first difference.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Verdict::Match {
                fp_inputs,
                seed,
                fp_outcome,
            } => tr!(
                lang,
                "一致：输入指纹、承诺值、种子和摇号结果均与记录相符。\n输入指纹 {}\n种子 {}\n结果指纹 {}",
                "MATCH: the input fingerprints, commitment, seed and outcome all agree with the record.\nfp_inputs {}\nseed {}\nfp_outcome {}",
                fp_inputs,
                seed,
                fp_outcome
            ),
            Verdict::Mismatch(d) => tr!(
                lang,
                "不一致：第一处差异在 {}：记录为 {}，重新计算为 {}",
                "MISMATCH: first difference at {}: recorded {}, recomputed {}",
                d.field,
                d.recorded,
                d.recomputed
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record of 4,000 entities whose `population.csv` takes several buffers.
    fn record_of_many_buffers() -> (Frozen, BundleJson) {
        let population: Vec<DrawEntity> = (0..4_000u32)
            .map(|i| DrawEntity {
                code: format!("E{i:07}").into(),
                name: format!("永州{i}号（个体）餐饮店").into(),
                address: format!("{}{i}号", "湖南省永州市冷水滩区凤凰街道梧桐路".repeat(10)).into(),
                region: ["冷水滩区", "零陵区"][i as usize % 2].into(),
                status: ["存续", "吊销"][usize::from(i % 5 == 0)].into(),
                risk_class: ["A", "B", ""][i as usize % 3].into(),
                tags: vec!["食品经营".into()],
                last_inspected: if i % 4 == 0 {
                    "2026-01-10".into()
                } else {
                    draw::Text::default()
                },
                ..DrawEntity::default()
            })
            .collect();
        let pool: Vec<DrawInspector> = (0..6)
            .map(|i| DrawInspector {
                staff_no: format!("S{i}").into(),
                name: format!("甲{i}").into(),
                department: "D01".into(),
                certificate_no: format!("C{i}").into(),
                certificate_valid_until: "2030-12-31".into(),
                region: ["冷水滩区", "零陵区", ""][i % 3].into(),
                status: "在岗".into(),
                ..DrawInspector::default()
            })
            .collect();
        let rules = Rules::from_value(serde_json::json!({
            "algorithm": "fairdraw-draw/1",
            "task": {"number": "永市监抽〔2026〕3号", "name": "抽查", "attempt": 1},
            "draw_date": "2026-12-01",
            "scope": {"regions": [], "industries": [], "entity_types": [], "risk_classes": [], "tags_any": ["食品经营"]},
            "exclusions": {"statuses": ["吊销"], "inspected_within_days": 365, "entities": []},
            "strata": "risk_class",
            "quota": {"mode": "ratio", "ratios": [{"stratum": "A", "bp": 300}], "default_bp": 100},
            "reserve_per_stratum": null,
            "inspectors": {
                "departments": ["D01"], "group_size": 2, "groups": {"mode": "fixed", "count": 2},
                "leader": {"required": false, "qualification": ""}, "expert_required": false,
                "required_qualifications": [], "active_statuses": ["在岗"], "recuse_same_region": true
            }
        }))
        .unwrap();
        let frozen = draw::freeze(population, pool, Vec::new(), rules).unwrap();
        let witnesses = vec![Witness {
            name: "李明".into(),
            role: "人大代表".into(),
            unit: "永州市人大常委会".into(),
            entropy: "31415926".into(),
        }];
        let departments = [("D01".to_string(), "市场监管局".to_string())].into();
        let json = BundleJson::draw(&frozen, departments, draw::sha256(b"quick"), witnesses).unwrap();
        (frozen, json)
    }

    /// The quick path itself (not only `verify_path`, which falls back) vouches for an intact bundle whose
    /// population takes several buffers, with the general path's verdict; rows out of order it leaves to the
    /// general path.
    #[test]
    fn the_quick_path_matches_a_population_of_many_buffers() {
        let (frozen, json) = record_of_many_buffers();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("r");
        write(&dir, &json, &frozen).unwrap();
        let csv = dir.join("population.csv");
        let text = fs::read_to_string(&csv).unwrap();
        assert!(text.len() > 2 * fastcsv::CHUNK, "{}", text.len());
        let general = verify(Bundle::read(&dir).unwrap()).unwrap();
        assert!(matches!(general, Verdict::Match { seed, .. } if seed == json.seed));
        assert_eq!(quick_verify(&dir), Some(general));
        // A head the scan reads but the whole parse refuses (a member the outcome does not have, after its
        // strata, where the scan has stopped): the quick path leaves the bundle to the general one.
        let json_path = dir.join("bundle.json");
        let json_text = fs::read_to_string(&json_path).unwrap();
        let strata = json_text.rfind("\"strata\"").unwrap();
        let targets = strata + json_text[strata..].find("\"targets\"").unwrap();
        let (before, after) = json_text.split_at(targets);
        let spoiled = format!("{before}\"unknown\": 1, {after}");
        fs::write(&json_path, &spoiled).unwrap();
        assert!(JsonHead::scan(spoiled.as_bytes()).is_some());
        assert!(parse_bundle_json(&spoiled).is_err());
        assert_eq!(quick_verify(&dir), None);
        fs::write(&json_path, &json_text).unwrap();
        // A recorded outcome accounting for more rows than a u32 counts is not hashed on the quick path.
        let mut huge = json.clone();
        huge.outcome.strata[0].size = u32::MAX;
        fs::write(&json_path, serde_json::to_string_pretty(&huge).unwrap()).unwrap();
        assert!(
            JsonHead::read(&fs::read_to_string(&json_path).unwrap())
                .unwrap()
                .rows()
                > u32::MAX as usize
        );
        assert_eq!(quick_verify(&dir), None);
        fs::write(&json_path, &json_text).unwrap();
        let (header, rows) = text.split_once('\n').unwrap();
        let mut rows: Vec<&str> = rows.lines().collect();
        rows.swap(1_000, 3_000);
        fs::write(&csv, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
        assert_eq!(quick_verify(&dir), None);
    }

    /// Copies the zip bundle `from` to `to`, every file with the method `method_of` gives its name.
    fn repack(from: &Path, to: &Path, method_of: impl Fn(&str) -> zip::CompressionMethod) {
        let mut archive = zip::ZipArchive::new(File::open(from).unwrap()).unwrap();
        let mut out = zip::ZipWriter::new(File::create(to).unwrap());
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).unwrap();
            let name = entry.name().to_string();
            let options = zip::write::SimpleFileOptions::default().compression_method(method_of(&name));
            out.start_file(name.as_str(), options).unwrap();
            io::copy(&mut entry, &mut out).unwrap();
        }
        out.finish().unwrap();
    }

    /// The head of `bundle.json` that the quick path reads first gives the scope and the row count the
    /// whole parse gives, skipping whatever the lists hold: scanned from the text the writer makes (pretty,
    /// as in a bundle, and compact), and parsed by serde.
    #[test]
    fn the_head_of_bundle_json_counts_as_the_whole_parse_does() {
        let (_, json) = record_of_many_buffers();
        for text in [
            serde_json::to_string_pretty(&json).unwrap(),
            serde_json::to_string(&json).unwrap(),
        ] {
            let head: JsonHead = serde_json::from_str(&text).unwrap();
            let whole = parse_bundle_json(&text).unwrap();
            assert!(!whole.outcome.excluded.is_empty());
            assert_eq!(head.rows(), whole.outcome_rows());
            assert_eq!(head.rows(), 4_000);
            assert_eq!(head.rules.scope, whole.rules.scope);
            assert_eq!(head.rules.scope.tags_any, ["食品经营"]);
            assert_eq!(JsonHead::scan(text.as_bytes()), Some(head));
        }
    }

    /// fairdraw writes `population.csv` stored and the other files deflated (§12), the same bytes every
    /// time; a bundle repacked with every file deflated (as fairdraw wrote them before) or every file stored
    /// verifies the same, on the quick path and on the general one.
    #[test]
    fn population_csv_is_stored_and_any_packing_verifies_the_same() {
        use zip::CompressionMethod::{Deflated, Stored};
        let (frozen, json) = record_of_many_buffers();
        let tmp = tempfile::tempdir().unwrap();
        let written = tmp.path().join("r.zip");
        write(&written, &json, &frozen).unwrap();
        let again = tmp.path().join("again.zip");
        write(&again, &json, &frozen).unwrap();
        assert_eq!(fs::read(&written).unwrap(), fs::read(&again).unwrap());
        let mut archive = zip::ZipArchive::new(File::open(&written).unwrap()).unwrap();
        let methods: Vec<(String, zip::CompressionMethod)> = (0..archive.len())
            .map(|i| {
                let entry = archive.by_index_raw(i).unwrap();
                (entry.name().to_string(), entry.compression())
            })
            .collect();
        let expected: Vec<(String, zip::CompressionMethod)> = FILES
            .iter()
            .map(|&name| {
                let method = if name == "population.csv" {
                    Stored
                } else {
                    Deflated
                };
                (name.to_string(), method)
            })
            .collect();
        assert_eq!(methods, expected);
        let population = archive.by_name("population.csv").unwrap();
        assert_eq!(population.compressed_size(), population.size());
        assert!(population.size() > 2 * fastcsv::CHUNK as u64);
        drop(population);

        let general = verify(Bundle::read(&written).unwrap()).unwrap();
        assert!(matches!(general, Verdict::Match { seed, .. } if seed == json.seed));
        assert_eq!(quick_verify(&written), Some(general.clone()));
        let deflated = tmp.path().join("deflated.zip");
        repack(&written, &deflated, |_| Deflated);
        let stored = tmp.path().join("stored.zip");
        repack(&written, &stored, |_| Stored);
        for (path, method) in [(&deflated, Deflated), (&stored, Stored)] {
            let mut archive = zip::ZipArchive::new(File::open(path).unwrap()).unwrap();
            assert_eq!(archive.by_name("population.csv").unwrap().compression(), method);
            assert_eq!(archive.by_name("bundle.json").unwrap().compression(), method);
            assert_eq!(quick_verify(path), Some(general.clone()), "{method}");
            assert_eq!(verify(Bundle::read(path).unwrap()).unwrap(), general, "{method}");
            assert_eq!(verify_path(path).unwrap(), general, "{method}");
        }
    }

    #[test]
    fn list_cells_are_written_as_serde_json_writes_them() {
        for xs in [
            vec![],
            vec!["食品经营"],
            vec!["a", "b c"],
            vec!["say \"hi\""],
            vec!["back\\slash", "tab\t"],
            vec!["\u{1}", "é"],
        ] {
            let xs: Vec<draw::Text> = xs.into_iter().map(draw::Text::from).collect();
            assert_eq!(json_list(&xs), serde_json::to_string(&xs).unwrap(), "{xs:?}");
        }
    }

    /// [`split_rows`] of the rows of `csv` as one buffer (after the header), the plain way or the general
    /// way: its encodings and lean rows, or `None` where it refuses them.
    fn split_whole(csv: &[u8], plain: bool) -> Option<(Vec<u8>, draw::LeanPopulation)> {
        let header_end = memchr::memchr(b'\n', csv)? + 1;
        let mut reader = fastcsv::Reader::new(&ENTITY_COLUMNS);
        reader
            .whole_rows(&csv[..header_end], &mut |_, _, _| unreachable!())
            .ok()?
            .ok()?;
        split_rows(&mut reader, csv.to_vec(), header_end, Vec::new(), None, plain)
            .map(|split| (split.encoded, split.lean))
    }

    /// The real writer's `population.csv` of demo entities (one in twenty with a rare character in its
    /// name, so that the NFC search stops often): the plain way accepts it with the encodings of
    /// `fp_population` and the lean rows of the general way, cut into buffers at line ends and anywhere.
    #[test]
    fn the_plain_way_splits_the_writers_rows_as_the_general_way() {
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let mut population: Vec<DrawEntity> = crate::demo::entities(b"plain", 3_000, as_of)
            .rare_names_ppm(50_000)
            .map(crate::taskfile::entity_for_draw)
            .collect();
        population.sort_by(|a, b| a.code.cmp(&b.code));
        let mut csv = Vec::new();
        write_population(&mut csv, &population).unwrap();
        let (encoded, lean) = split_whole(&csv, true).unwrap();
        assert_eq!(Some((encoded.clone(), lean.clone())), split_whole(&csv, false));
        let mut hash = draw::PopulationHash::new(population.len());
        hash.update(&encoded);
        assert_eq!(hash.finish(), draw::fp_population(&population));
        assert_eq!(draw::Population::len(&lean), population.len());
        // Buffers of every seventh line; and the first twelve rows in two buffers cut at every byte.
        let header_end = memchr::memchr(b'\n', &csv).unwrap() + 1;
        let ends: Vec<usize> = memchr::memchr_iter(b'\n', &csv[header_end..])
            .map(|i| i + 1)
            .collect();
        let sevenths: Vec<usize> = ends.iter().copied().step_by(7).collect();
        assert!(split_ways_agree(&csv, &sevenths));
        let first = &csv[..header_end + ends[11]];
        for cut in 0..ends[11] {
            assert!(split_ways_agree(first, &[cut]), "cut at {cut}");
        }
    }

    /// Random rows with odd cells — quotes, commas and line ends in quoted fields, quoted fields that need
    /// no quotes, broken quoting, empty fields, `\r`, empty lines, rows of 12 or 14 fields, non-ASCII and
    /// non-NFC text, white space at the edges, rare characters, bad dates and days 29 to 31, odd risk
    /// classes, tags unsorted, repeated, many, empty or not a plain list, codes empty, repeated or out of
    /// order: the plain way accepts and refuses exactly what the general way does, with the same encodings
    /// and lean rows, the rows whole and cut in two at every byte (for some) or at random places.
    #[test]
    fn random_rows_split_the_same_both_ways() {
        let pieces = [
            "永州", "a", "Ab", "𠮷", "é", "e\u{301}", " ", "\u{3000}", "、", "（", ",", "\"", "\n", "",
            "\u{a0}", "\u{2010}", "㐀", "\\", "[", "]", "\t", "9", "-",
        ];
        let dates = [
            "",
            "2026-06-01",
            "2024-02-29",
            "2026-04-30",
            "2026-05-31",
            "2000-02-29",
            "2026-12-31",
            "2026-02-29",
            "2026-04-31",
            "2026-13-01",
            "0000-01-01",
            "2026-1-01",
            " 2026-01-01",
            "2100-02-29",
            "2026-02-30",
            "2026-01-3a",
        ];
        let mut random = fastcsv::random_below(0x853c_49e6_748f_ea9b);
        let header = ENTITY_COLUMNS.join(",") + "\n";
        let (mut accepted, mut refused) = (0, 0);
        for round in 0..600 {
            let mut csv = header.clone();
            let odd = round % 3 == 0;
            let mut code = 0;
            for _ in 0..1 + random(5) {
                code += if odd && random(12) == 0 { 0 } else { 1 + random(3) };
                let text = |random: &mut dyn FnMut(usize) -> usize| -> String {
                    let from = if odd && random(3) == 0 { pieces.len() } else { 4 };
                    (0..random(4)).map(|_| pieces[random(from)]).collect()
                };
                let mut fields: Vec<String> = Vec::new();
                fields.push(match random(if odd { 30 } else { 1000 }) {
                    0 => String::new(),
                    1 => format!("C{code:05} "),
                    2 => format!("B{code:05}"),
                    _ => format!("C{code:05}"),
                });
                for k in 1..13 {
                    fields.push(match k {
                        // The first seven dates are valid.
                        8 | 12 => dates[random(if odd { dates.len() } else { 7 })].to_string(),
                        10 => ["", "A", "B", "C", "D", "E", " A", "a"][random(if odd { 8 } else { 5 })]
                            .to_string(),
                        11 => match random(8) {
                            0 => "[]".to_string(),
                            1 => String::new(),
                            2 if odd => {
                                ["[ ]", "[\"a\", \"b\"]", "[1]", "[\"a\\\"b\"]"][random(4)].to_string()
                            }
                            _ => {
                                let n = if random(6) == 0 { 7 + random(4) } else { random(3) };
                                let mut items: Vec<String> = (0..n).map(|_| text(&mut random)).collect();
                                if !odd || random(4) > 0 {
                                    items.sort();
                                }
                                if !odd {
                                    items.dedup();
                                }
                                serde_json::to_string(&items).unwrap()
                            }
                        },
                        _ => text(&mut random),
                    });
                }
                if odd && random(20) == 0 {
                    fields.truncate(12);
                } else if odd && random(20) == 0 {
                    fields.push("x".into());
                }
                let written: Vec<String> = fields
                    .iter()
                    .map(|f| {
                        let needs = f.contains([',', '"', '\n', '\r']);
                        if odd && random(40) == 0 {
                            ["a\"b".to_string(), format!("\"{f}\"x"), format!("\"{f}")][random(3)].clone()
                        } else if needs || random(8) == 0 {
                            format!("\"{}\"", f.replace('"', "\"\""))
                        } else {
                            f.clone()
                        }
                    })
                    .collect();
                csv.push_str(&written.join(","));
                csv.push_str(match random(if odd { 40 } else { 1000 }) {
                    0 => "\r\n",
                    1 => "\n\n",
                    _ => "\n",
                });
            }
            let bytes = csv.as_bytes();
            let whole = split_whole(bytes, true);
            assert_eq!(whole, split_whole(bytes, false), "{csv:?}");
            if whole.is_some() {
                accepted += 1
            } else {
                refused += 1
            }
            let rows = bytes.len() - header.len();
            let cuts: Vec<usize> = if round % 60 == 0 {
                (1..rows).collect()
            } else {
                (0..3).map(|_| random(rows + 1)).collect()
            };
            for cut in cuts {
                assert!(split_ways_agree(bytes, &[cut]), "{csv:?} cut at {cut}");
            }
        }
        // Both outcomes, often enough for the comparison to mean something.
        assert!(
            accepted > 150 && refused > 150,
            "{accepted} accepted, {refused} refused"
        );
    }
}
