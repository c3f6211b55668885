//! Entry points that feed arbitrary bytes to every reader of outside input: spreadsheets (CSV, xlsx, xls),
//! record bundles (zip, `bundle.json` and its CSV files) and task description files.
//!
//! They exist for the fuzzers in `fuzz/` and for the regression tests in `tests/it/corpus.rs`, which run every
//! input the fuzzers ever found through the very same functions, so CI needs no nightly compiler. The
//! contract they check is the library's: whatever the bytes, the reader returns `Ok` or a typed [`Error`] —
//! it never panics, never hangs and never allocates far beyond the input's size. Each function returns the
//! outcomes so that tests can assert the exact error texts.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::bundle::{self, Bundle};
use crate::db::Db;
use crate::error::Result;
use crate::import::{self, ImportOptions, ImportSummary};
use crate::model::Register;
use crate::taskfile::{self, Registers, TaskFile};

/// The registers, in the order the harness imports them.
pub const REGISTERS: [Register; 4] = [
    Register::Departments,
    Register::Entities,
    Register::Inspectors,
    Register::Items,
];

/// The fixed time the harness imports at.
pub fn fixed_now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-03-01T09:30:00+08:00").unwrap_or_default()
}

/// A folder of this process's own for the files the harness writes (the readers take paths).
pub fn scratch_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("fairdraw-fuzz-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        dir
    })
    .clone()
}

/// What one spreadsheet did: per register, the preview's and the import's outcome.
pub struct SheetOutcome {
    pub register: Register,
    pub preview: Result<import::Preview>,
    pub import: Result<ImportSummary>,
}

/// Writes `bytes` to `dir/name` (the extension picks the reader) and, for each register in turn, previews it
/// and imports it — partially, with a report file, so that every code path of the import runs — into one
/// fresh in-memory database. Returns the outcomes in [`REGISTERS`] order.
pub fn spreadsheet(dir: &Path, name: &str, bytes: &[u8]) -> Result<Vec<SheetOutcome>> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).map_err(|e| crate::Error::io(&path, e))?;
    let mut db = Db::open_in_memory()?;
    let mut out = Vec::with_capacity(REGISTERS.len());
    for register in REGISTERS {
        let preview = import::preview(db.conn(), &path, register, &ImportOptions::default());
        let report = dir.join("report.csv");
        let _ = std::fs::remove_file(&report);
        let options = ImportOptions {
            partial: true,
            report: Some(report),
            ..ImportOptions::default()
        };
        let import = import::import_file(&mut db, register, &path, &options, fixed_now(), &mut |_| {});
        out.push(SheetOutcome {
            register,
            preview,
            import,
        });
    }
    Ok(out)
}

/// Reads `bytes` as a zip record bundle and, if it reads, re-checks it. Panics if [`bundle::verify_path`]
/// (the command line's quick path) and `Bundle::read` then `verify` do not say the same, so that the fuzzer
/// reports it.
pub fn bundle_zip(dir: &Path, bytes: &[u8]) -> Result<bundle::Verdict> {
    let path = dir.join("bundle.zip");
    std::fs::write(&path, bytes).map_err(|e| crate::Error::io(&path, e))?;
    let general = Bundle::read(&path).and_then(bundle::verify);
    let quick = bundle::verify_path(&path);
    let said = |r: &Result<bundle::Verdict>| match r {
        Ok(v) => format!("{v:?}"),
        Err(e) => format!("{:?} {}", e.code(), e.message(crate::Lang::En)),
    };
    assert_eq!(said(&general), said(&quick), "verify_path differs");
    general
}

/// The parts of a bundle read from loose bytes: `bundle.json`, then the same bytes as each CSV file.
pub struct BundleParts {
    pub json: Result<bundle::BundleJson>,
    pub population: Result<usize>,
    pub inspectors: Result<usize>,
    pub recusals: Result<usize>,
}

/// Parses `bytes` as `bundle.json` and as each of the bundle's CSV files. Panics if the fast CSV reader of
/// bundles and the general one read the bytes differently, the quick path's two ways of splitting population
/// rows make something different of them, or the scanned head of `bundle.json` is not the one serde reads, so
/// that the fuzzer reports it.
pub fn bundle_parts(bytes: &[u8]) -> BundleParts {
    assert!(
        bundle::readers_agree(bytes),
        "the fast and the general CSV reader disagree"
    );
    // As the quick path splits `population.csv`: whole, and in buffers cut at two places.
    let cuts = [bytes.len() / 3, bytes.len() / 2 + 1];
    assert!(
        bundle::split_ways_agree(bytes, &cuts),
        "the plain and the general way of splitting population rows disagree"
    );
    let json = match std::str::from_utf8(bytes) {
        Ok(text) => {
            assert!(
                bundle::heads_agree(text),
                "the scanned and the parsed head of bundle.json disagree"
            );
            bundle::parse_bundle_json(text)
        }
        Err(e) => Err(crate::Error::invalid("bundle.json", e.to_string())),
    };
    BundleParts {
        json,
        population: bundle::read_population(&mut &bytes[..]).map(|(r, _)| r.len()),
        inspectors: bundle::read_inspectors(&mut &bytes[..]).map(|(r, _)| r.len()),
        recusals: bundle::read_recusals(&mut &bytes[..], "recusals.csv").map(|(r, _)| r.len()),
    }
}

/// Small fixed registers (60 demo entities, 40 demo inspectors, the Yongzhou departments) for draws.
pub fn small_registers() -> Registers {
    static REGISTERS: OnceLock<Registers> = OnceLock::new();
    REGISTERS
        .get_or_init(|| {
            let as_of = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default();
            let population = crate::demo::entities(b"fuzz", 60, as_of)
                .map(taskfile::entity_for_draw)
                .collect();
            let pool = crate::demo::inspectors(b"fuzz", 40, as_of)
                .into_iter()
                .map(taskfile::inspector_for_draw)
                .collect();
            let departments = crate::demo::departments()
                .into_iter()
                .map(|d| (d.code, d.name))
                .collect();
            Registers {
                population,
                pool,
                departments,
            }
        })
        .clone()
}

/// Parses `bytes` as a task file (a recusal CSV path resolves inside `dir`) and, if it parses, runs the draw on
/// [`small_registers`] with a fixed secret. Returns the number of targets drawn.
pub fn task_file(dir: &Path, bytes: &[u8]) -> Result<usize> {
    let text = std::str::from_utf8(bytes).map_err(|e| crate::Error::invalid("task.json", e.to_string()))?;
    let task = TaskFile::parse(text, dir, "task.json")?;
    let mut registers = small_registers();
    registers.pool.retain(|i| {
        task.rules
            .inspectors
            .departments
            .iter()
            .any(|d| d.as_str() == i.department.as_str())
    });
    registers.population.retain(|e| task.rules.scope.admits(e));
    let secret = task.secret.unwrap_or_default();
    let run = taskfile::run(&task, registers, secret)?;
    Ok(run.record.outcome.targets.len())
}
