//! `fairdraw demo --entities N --inspectors M --out DIR [--seed S] [--as-of YYYY-MM-DD]
//! [--format xlsx|csv|gbk-csv] [--rare-names RATIO]`: writes synthetic registers for demos, tests and
//! benchmarks. Needs no database.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use fairdraw::demo::{self, DemoFormat, DemoOptions};

use super::Ctx;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Number of entities (检查对象).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub entities: u64,
    /// Number of inspectors (执法检查人员).
    #[arg(long, default_value_t = 200, value_name = "M")]
    pub inspectors: usize,
    /// Output directory (created if missing; existing demo files in it are replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Seed: the same seed and as-of date give byte-identical files. Its UTF-8 bytes are hashed.
    #[arg(long, default_value = demo::DEFAULT_SEED, value_name = "S")]
    pub seed: String,
    /// "Today" for certificate expiry, founding and inspection dates (default fixed, not the clock).
    #[arg(long = "as-of", value_name = "YYYY-MM-DD", value_parser = parse_date, default_value = "2026-06-01")]
    pub as_of: NaiveDate,
    /// File format.
    #[arg(long, value_enum, default_value_t = FormatArg::Xlsx)]
    pub format: FormatArg,
    /// Share of entity names with a rare character such as 𠮷 or 䶮, between 0 and 1.
    #[arg(long = "rare-names", value_name = "RATIO", value_parser = parse_ratio, default_value = "0.002")]
    pub rare_names_ppm: u32,
}

/// The format named on the command line.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum FormatArg {
    Xlsx,
    Csv,
    GbkCsv,
}

impl From<FormatArg> for DemoFormat {
    fn from(f: FormatArg) -> DemoFormat {
        match f {
            FormatArg::Xlsx => DemoFormat::Xlsx,
            FormatArg::Csv => DemoFormat::Csv,
            FormatArg::GbkCsv => DemoFormat::GbkCsv,
        }
    }
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date of the form YYYY-MM-DD (日期格式应为 YYYY-MM-DD)"))
}

/// Parses a ratio between 0 and 1 into parts per million, so the generator never sees a float.
fn parse_ratio(s: &str) -> Result<u32, String> {
    let bad = || format!("{s:?} is not a ratio between 0 and 1 (比例须在 0 到 1 之间)");
    let r: f64 = s.trim().parse().map_err(|_| bad())?;
    if !(0.0..=1.0).contains(&r) {
        return Err(bad());
    }
    Ok((r * 1_000_000.0).round() as u32)
}

pub fn run(ctx: &Ctx, args: Args) -> fairdraw::Result<ExitCode> {
    let opts = DemoOptions {
        seed: args.seed.into_bytes(),
        entities: args.entities,
        inspectors: args.inspectors,
        as_of: args.as_of,
        format: args.format.into(),
        rare_names_ppm: args.rare_names_ppm,
    };
    let summary = demo::generate(&opts, &args.out)?;
    if ctx.json {
        ctx.print_json(&serde_json::to_value(&summary).unwrap_or_default());
    } else {
        for f in &summary.files {
            super::out(&format!("{}\t{}", f.path.display(), f.rows));
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_become_parts_per_million() {
        assert_eq!(parse_ratio("0.002"), Ok(2000));
        assert_eq!(parse_ratio("1"), Ok(1_000_000));
        assert_eq!(parse_ratio("0"), Ok(0));
        assert!(parse_ratio("1.5").unwrap_err().contains("between 0 and 1"));
        assert!(parse_ratio("abc").is_err());
        assert!(parse_ratio("NaN").is_err());
    }

    #[test]
    fn dates_must_be_iso() {
        assert_eq!(
            parse_date("2026-06-01"),
            NaiveDate::from_ymd_opt(2026, 6, 1).ok_or(String::new())
        );
        assert!(parse_date("2026/06/01").unwrap_err().contains("YYYY-MM-DD"));
    }
}
