//! Working days: weekends, public holidays and China's make-up workdays (调休), for the deadline of publishing
//! inspection results ("20 个工作日内公示").
//!
//! A day is a working day if it is listed as a `workday` (a 调休 Saturday or Sunday), or if it is Monday to
//! Friday and not listed as a `holiday`. The holiday list is imported from a CSV file each year
//! (`fairdraw calendar import FILE`), because the State Council publishes the dates only in December:
//!
//! ```text
//! date,kind,name
//! 2026-02-14,workday,春节调休
//! 2026-02-16,holiday,春节
//! ```
//!
//! `kind` may also be written 休/假/节假日 (holiday) or 班/上班/补班/调休上班 (workday); the header may be
//! 日期,类型,名称. Importing replaces the entries of the dates it lists and recomputes the deadlines of results
//! that are not yet published, in the same transaction, journaled.

use std::collections::HashMap;
use std::path::Path;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use rusqlite::{Connection, params};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::clock::{Clock, format_date, parse_date};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::journal::{self, Event};
use crate::plan::SmallCsv;

/// The publication deadline of normal results, in working days after the end of the check.
pub const RESULT_WORKING_DAYS: u32 = 20;

/// What a listed day is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A public holiday (also on a weekday).
    Holiday,
    /// A make-up workday (调休上班), usually a Saturday or Sunday.
    Workday,
}

impl DayKind {
    /// `holiday` or `workday`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    /// Parses the English or Chinese forms.
    pub fn parse(s: &str) -> Option<DayKind> {
        match s.trim() {
            "holiday" | "休" | "假" | "节假日" | "休息" | "放假" => Some(DayKind::Holiday),
            "workday" | "班" | "上班" | "补班" | "调休上班" | "工作日" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

/// The listed days, loaded from the database.
#[derive(Clone, Debug, Default)]
pub struct Calendar {
    days: HashMap<NaiveDate, DayKind>,
}

impl Calendar {
    /// A calendar with only weekends (no listed days).
    pub fn weekends_only() -> Calendar {
        Calendar::default()
    }

    /// Loads the listed days.
    pub fn load(conn: &Connection) -> Result<Calendar> {
        let mut stmt = conn.prepare("SELECT date, kind FROM calendar_day")?;
        let mut rows = stmt.query([])?;
        let mut days = HashMap::new();
        while let Some(r) = rows.next()? {
            let d: String = r.get(0)?;
            let k: String = r.get(1)?;
            if let (Ok(d), Some(k)) = (NaiveDate::parse_from_str(&d, "%Y-%m-%d"), DayKind::parse(&k)) {
                days.insert(d, k);
            }
        }
        Ok(Calendar { days })
    }

    /// Adds or replaces a listed day.
    pub fn set(&mut self, date: NaiveDate, kind: DayKind) {
        self.days.insert(date, kind);
    }

    /// Whether `d` is a working day.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.days.get(&d) {
            Some(DayKind::Workday) => true,
            Some(DayKind::Holiday) => false,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The `n`-th working day after `from` (`from` itself does not count). With `n = 0`, `from`.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut d = from;
        let mut left = n;
        while left > 0 {
            d = d.checked_add_days(Days::new(1)).unwrap_or(NaiveDate::MAX);
            if d == NaiveDate::MAX {
                break;
            }
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// The publication deadline of a result whose check ended on `check_end`.
    pub fn result_deadline(&self, check_end: NaiveDate) -> NaiveDate {
        self.add_working_days(check_end, RESULT_WORKING_DAYS)
    }
}

/// What an import did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub file_name: String,
    pub file_sha256: String,
    pub holidays: usize,
    pub workdays: usize,
    /// Unpublished results whose deadline changed.
    pub deadlines_changed: usize,
}

/// Parses a calendar CSV; errors name the file, row and column.
pub fn parse_csv(path: &Path, bytes: &[u8]) -> Result<Vec<(NaiveDate, DayKind, String)>> {
    let csv = SmallCsv::parse(&path.display().to_string(), bytes)?;
    let file = &csv.file;
    let (Some(dc), Some(kc)) = (csv.column(&["date", "日期"]), csv.column(&["kind", "类型"])) else {
        return Err(Error::invalid_both(
            file,
            "表头需要 date（日期）和 kind（类型）两列",
            "the header needs the columns date (日期) and kind (类型)",
        ));
    };
    let nc = csv.column(&["name", "名称", "节日"]);
    let mut out: Vec<(NaiveDate, DayKind, String)> = Vec::new();
    let mut seen: HashMap<NaiveDate, usize> = HashMap::new();
    for (row, rec) in &csv.rows {
        let row = *row;
        let cell = |c: usize| rec.get(c).unwrap_or("").trim().to_string();
        let date = parse_date(&format!("{file} row {row} date"), &cell(dc))?;
        let kind = DayKind::parse(&cell(kc)).ok_or_else(|| {
            Error::invalid_both(
                &format!("{file} row {row} kind"),
                format!("“{}”不是 holiday（休）或 workday（班）", cell(kc)),
                format!("“{}” is neither holiday (休) nor workday (班)", cell(kc)),
            )
        })?;
        if let Some(first) = seen.insert(date, row) {
            return Err(Error::invalid_both(
                &format!("{file} row {row} date"),
                format!("{} 与第 {first} 行重复", format_date(date)),
                format!("{} repeats row {first}", format_date(date)),
            ));
        }
        out.push((date, kind, nc.map(cell).unwrap_or_default()));
    }
    Ok(out)
}

/// Imports a calendar file: replaces the listed dates and recomputes unpublished results' deadlines.
pub fn import(db: &mut Db, clock: &dyn Clock, path: &Path) -> Result<ImportReport> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let days = parse_csv(path, &bytes)?;
    let report = ImportReport {
        file_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        file_sha256: hex::encode(Sha256::digest(&bytes)),
        holidays: days.iter().filter(|d| d.1 == DayKind::Holiday).count(),
        workdays: days.iter().filter(|d| d.1 == DayKind::Workday).count(),
        deadlines_changed: 0,
    };
    let now = clock.now();
    journal::transact(db, "calendar", |tx| {
        for (d, k, name) in &days {
            tx.prepare_cached(
                "INSERT INTO calendar_day (date, kind, name) VALUES (?1, ?2, ?3)
                 ON CONFLICT (date) DO UPDATE SET kind = excluded.kind, name = excluded.name",
            )?
            .execute(params![format_date(*d), k.as_str(), name])?;
        }
        let cal = Calendar::load(tx)?;
        let mut changed = 0usize;
        {
            let mut stmt =
                tx.prepare("SELECT id, check_end, deadline FROM result WHERE published_on IS NULL")?;
            let rows: Vec<(i64, String, String)> = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (id, end, old) in rows {
                let Ok(end) = NaiveDate::parse_from_str(&end, "%Y-%m-%d") else {
                    continue;
                };
                let new = format_date(cal.result_deadline(end));
                if new != old {
                    tx.execute("UPDATE result SET deadline = ?2 WHERE id = ?1", params![id, new])?;
                    changed += 1;
                }
            }
        }
        let report = ImportReport {
            deadlines_changed: changed,
            ..report.clone()
        };
        journal::append(tx, now, Event::CalendarImported, None, &json!(report))?;
        Ok(report)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn twenty_working_days_skip_weekends() {
        let cal = Calendar::weekends_only();
        // Friday 2026-05-15 + 20 working days = Friday 2026-06-12.
        assert_eq!(cal.result_deadline(d("2026-05-15")), d("2026-06-12"));
        // Ending on a Saturday: counting starts on Monday.
        assert_eq!(cal.result_deadline(d("2026-05-16")), d("2026-06-12"));
        assert_eq!(cal.add_working_days(d("2026-05-15"), 1), d("2026-05-18"));
        assert_eq!(cal.add_working_days(d("2026-05-15"), 0), d("2026-05-15"));
    }

    #[test]
    fn holidays_and_make_up_workdays_count() {
        // 2025 National Day: 10-01..10-08 off, Sunday 09-28 and Saturday 10-11 are workdays.
        let mut cal = Calendar::weekends_only();
        for day in 1..=8 {
            cal.set(NaiveDate::from_ymd_opt(2025, 10, day).unwrap(), DayKind::Holiday);
        }
        cal.set(d("2025-09-28"), DayKind::Workday);
        cal.set(d("2025-10-11"), DayKind::Workday);
        assert!(cal.is_working_day(d("2025-09-28")));
        assert!(!cal.is_working_day(d("2025-10-01")));
        // From Friday 09-26: 09-28 (Sun, 调休) 1, 09-29 2, 09-30 3, then 10-09 4, 10-10 5, 10-11 (Sat, 调休) 6.
        assert_eq!(cal.add_working_days(d("2025-09-26"), 6), d("2025-10-11"));
        assert_eq!(cal.add_working_days(d("2025-09-26"), 7), d("2025-10-13"));
    }

    #[test]
    fn csv_is_parsed_with_chinese_forms_and_errors_name_the_row() {
        let p = Path::new("2026节假日.csv");
        let v = parse_csv(
            p,
            "日期,类型,名称\n2026-02-14,班,春节调休\n2026-02-16,休,春节\n\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(
            v,
            vec![
                (d("2026-02-14"), DayKind::Workday, "春节调休".to_string()),
                (d("2026-02-16"), DayKind::Holiday, "春节".to_string())
            ]
        );
        let e = parse_csv(p, b"date,kind\n2026-02-16,holiday\n2026-13-01,holiday\n").unwrap_err();
        assert_eq!(
            e.message(crate::Lang::En),
            "2026节假日.csv row 3 date: “2026-13-01” is not a date of the form YYYY-MM-DD"
        );
        let e = parse_csv(p, b"date,kind\n2026-02-16,rest\n").unwrap_err();
        assert_eq!(
            e.message(crate::Lang::En),
            "2026节假日.csv row 2 kind: “rest” is neither holiday (休) nor workday (班)"
        );
        let e = parse_csv(p, b"date,kind\n2026-02-16,holiday\n2026-02-16,workday\n").unwrap_err();
        assert_eq!(
            e.message(crate::Lang::En),
            "2026节假日.csv row 3 date: 2026-02-16 repeats row 2"
        );
    }
}
