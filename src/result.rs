//! Inspection results (检查结果) of the targets of a sealed ceremony, their publication deadline and history.
//!
//! A result names the category from the standard list ([`CATEGORIES`]), the method (核查方式), the follow-up
//! disposal (后续处置), the date the check ended, and the inspectors' remarks. Normal results are published
//! within 20 working days of the end of the check; the deadline is computed with the holiday calendar
//! ([`crate::calendar`]) and a result not published by then is flagged overdue relative to the injected clock.
//! Entering a result also sets the entity's last-inspected date in the register, so later tasks can exclude
//! recently inspected entities. Each result is journaled with the ceremony it belongs to.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

use crate::calendar::Calendar;
use crate::ceremony::{self, State, after};
use crate::clock::{Clock, format_date, format_time};
use crate::db::Db;
use crate::error::{Error, ErrorCode, Result};
use crate::journal::{self, Event};
use crate::plan::{optional_text, required_text};
use crate::registers;
use crate::task::Method;

/// The standard result categories (抽查结果).
pub const CATEGORIES: [&str; 10] = [
    "未发现问题",
    "未按规定公示应当公示的信息",
    "公示信息隐瞒真实情况弄虚作假",
    "通过登记的住所（经营场所）无法联系",
    "发现问题经责令已改正",
    "未发现开展本次抽查涉及的经营活动",
    "已关闭停业或正在组织清算",
    "不配合检查情节严重",
    "违反相关规定",
    "注销/吊销/撤销/迁出",
];

/// Parses a category: its exact name, or its number 1–10 in the list.
pub fn parse_category(s: &str) -> Result<&'static str> {
    let t = s.trim();
    if let Ok(n) = t.parse::<usize>()
        && (1..=CATEGORIES.len()).contains(&n)
    {
        return Ok(CATEGORIES[n - 1]);
    }
    // Full-width and half-width parentheses are both common in office documents.
    let folded = t.replace('(', "（").replace(')', "）");
    CATEGORIES.iter().copied().find(|c| *c == folded).ok_or_else(|| {
        let list: Vec<String> = CATEGORIES
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{} {c}", i + 1))
            .collect();
        Error::invalid_both(
            "category",
            format!("未知检查结果“{t}”，可选：{}", list.join("；")),
            format!("unknown result category “{t}”; one of: {}", list.join("; ")),
        )
    })
}

/// A new result.
#[derive(Clone, Debug)]
pub struct NewResult {
    pub ceremony: i64,
    pub entity_code: String,
    pub category: String,
    pub method: Method,
    pub disposal: String,
    pub check_end: NaiveDate,
    pub remarks: String,
    pub published_on: Option<NaiveDate>,
}

/// A stored result with its deadline status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResultRow {
    pub ceremony: i64,
    pub task: String,
    pub entity_code: String,
    pub category: String,
    pub method: String,
    pub disposal: String,
    pub check_end: NaiveDate,
    pub remarks: String,
    pub deadline: NaiveDate,
    pub published_on: Option<NaiveDate>,
    pub recorded_at: String,
    /// Not published and the deadline has passed (relative to the clock).
    pub overdue: bool,
    /// Published, but after the deadline.
    pub published_late: bool,
}

/// Records a result for a target of a sealed ceremony and updates the entity's last-inspected date.
pub fn add(db: &mut Db, clock: &dyn Clock, new: &NewResult) -> Result<ResultRow> {
    let code = required_text("entity", &new.entity_code)?.to_uppercase();
    let category = parse_category(&new.category)?;
    let disposal = optional_text(&new.disposal);
    let remarks = optional_text(&new.remarks);
    let now = clock.now();
    let today = now.date_naive();
    if new.check_end > today {
        return Err(Error::invalid_both(
            "check_end",
            format!(
                "检查结束日期 {} 晚于今天 {}",
                format_date(new.check_end),
                format_date(today)
            ),
            format!(
                "the check end date {} is after today {}",
                format_date(new.check_end),
                format_date(today)
            ),
        ));
    }
    if let Some(p) = new.published_on
        && (p > today || p < new.check_end)
    {
        return Err(Error::invalid_both(
            "published_on",
            format!("公示日期 {} 应在检查结束日期与今天之间", format_date(p)),
            format!(
                "the publication date {} must lie between the check end date and today",
                format_date(p)
            ),
        ));
    }
    journal::transact(db, "result", |tx| {
        let c = ceremony::get(tx, new.ceremony)?;
        if c.state != State::Sealed {
            return Err(Error::other(
                ErrorCode::State,
                format!("摇号 {} 尚未封存，不能录入检查结果", c.id),
                format!(
                    "ceremony {} is not sealed; results can only be entered for sealed records",
                    c.id
                ),
            ));
        }
        if new.check_end < c.draw_date {
            return Err(Error::invalid_both(
                "check_end",
                format!(
                    "检查结束日期 {} 早于摇号日期 {}",
                    format_date(new.check_end),
                    format_date(c.draw_date)
                ),
                format!(
                    "the check end date {} is before the draw date {}",
                    format_date(new.check_end),
                    format_date(c.draw_date)
                ),
            ));
        }
        let eff = after::effective_targets(tx, c.id)?;
        if !eff.targets.iter().any(|t| t.code == code) {
            let hint_zh = if eff.replaced.contains(&code) {
                "（已由替补替换）"
            } else {
                ""
            };
            let hint_en = if eff.replaced.contains(&code) {
                " (it was replaced by a reserve)"
            } else {
                ""
            };
            return Err(Error::other(
                ErrorCode::NotFound,
                format!("“{code}”不是摇号 {} 的检查对象{hint_zh}", c.id),
                format!("“{code}” is not a target of ceremony {}{hint_en}", c.id),
            ));
        }
        let exists: Option<i64> = tx
            .query_row(
                "SELECT id FROM result WHERE ceremony = ?1 AND entity_code = ?2",
                params![c.id, code],
                |r| r.get(0),
            )
            .optional()?;
        if exists.is_some() {
            return Err(Error::other(
                ErrorCode::State,
                format!("“{code}”的检查结果已录入"),
                format!("the result for “{code}” is already recorded"),
            ));
        }
        let deadline = Calendar::load(tx)?.result_deadline(new.check_end);
        tx.execute(
            "INSERT INTO result (ceremony, entity_code, category, method, disposal, check_end, remarks, deadline,
                 published_on, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                c.id,
                code,
                category,
                new.method.as_str(),
                disposal,
                format_date(new.check_end),
                remarks,
                format_date(deadline),
                new.published_on.map(format_date),
                format_time(now)
            ],
        )?;
        let updated = registers::set_last_inspected(tx, &code, new.check_end)?;
        ceremony::event(
            tx,
            now,
            &c,
            Event::ResultRecorded,
            json!({"entity": code, "category": category, "method": new.method.as_str(), "disposal": disposal,
                   "check_end": format_date(new.check_end), "remarks": remarks, "deadline": format_date(deadline),
                   "published_on": new.published_on.map(format_date), "last_inspected_updated": updated}),
        )?;
        Ok(())
    })?;
    list(db.conn(), today, Some(new.ceremony))?
        .into_iter()
        .find(|r| r.entity_code == code)
        .ok_or_else(|| Error::other(ErrorCode::Database, "结果未写入", "the result was not written"))
}

/// Records that a result was published on `on`.
pub fn publish(
    db: &mut Db,
    clock: &dyn Clock,
    ceremony: i64,
    entity: &str,
    on: NaiveDate,
) -> Result<ResultRow> {
    let code = required_text("entity", entity)?.to_uppercase();
    let now = clock.now();
    let today = now.date_naive();
    journal::transact(db, "result", |tx| {
        let c = ceremony::get(tx, ceremony)?;
        let row: Option<(String, Option<String>)> = tx
            .query_row(
                "SELECT check_end, published_on FROM result WHERE ceremony = ?1 AND entity_code = ?2",
                params![ceremony, code],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (end, published) = row.ok_or_else(|| {
            Error::other(
                ErrorCode::NotFound,
                format!("摇号 {ceremony} 没有“{code}”的检查结果"),
                format!("ceremony {ceremony} has no result for “{code}”"),
            )
        })?;
        if let Some(p) = published {
            return Err(Error::other(
                ErrorCode::State,
                format!("“{code}”的检查结果已于 {p} 公示"),
                format!("the result for “{code}” was already published on {p}"),
            ));
        }
        if on > today || format_date(on) < end {
            return Err(Error::invalid_both(
                "on",
                format!("公示日期 {} 应在检查结束日期 {end} 与今天之间", format_date(on)),
                format!(
                    "the publication date {} must lie between the check end date {end} and today",
                    format_date(on)
                ),
            ));
        }
        tx.execute(
            "UPDATE result SET published_on = ?3 WHERE ceremony = ?1 AND entity_code = ?2",
            params![ceremony, code, format_date(on)],
        )?;
        ceremony::event(
            tx,
            now,
            &c,
            Event::ResultPublished,
            json!({"entity": code, "published_on": format_date(on)}),
        )?;
        Ok(())
    })?;
    list(db.conn(), today, Some(ceremony))?
        .into_iter()
        .find(|r| r.entity_code == code)
        .ok_or_else(|| Error::other(ErrorCode::Database, "结果丢失", "the result vanished"))
}

/// Results (of one ceremony, or all), with overdue flags relative to `today`.
pub fn list(conn: &Connection, today: NaiveDate, ceremony: Option<i64>) -> Result<Vec<ResultRow>> {
    let mut stmt = conn.prepare(
        "SELECT r.ceremony, t.number, r.entity_code, r.category, r.method, r.disposal, r.check_end, r.remarks,
                r.deadline, r.published_on, r.recorded_at
         FROM result r JOIN ceremony c ON c.id = r.ceremony JOIN task t ON t.id = c.task
         WHERE ?1 IS NULL OR r.ceremony = ?1 ORDER BY r.ceremony, r.id",
    )?;
    let date = |s: String| NaiveDate::parse_from_str(&s, "%Y-%m-%d").unwrap_or_default();
    let rows = stmt.query_map([ceremony], |r| {
        let deadline = date(r.get(8)?);
        let published_on: Option<NaiveDate> = r.get::<_, Option<String>>(9)?.map(date);
        Ok(ResultRow {
            ceremony: r.get(0)?,
            task: r.get(1)?,
            entity_code: r.get(2)?,
            category: r.get(3)?,
            method: r.get(4)?,
            disposal: r.get(5)?,
            check_end: date(r.get(6)?),
            remarks: r.get(7)?,
            deadline,
            published_on,
            recorded_at: r.get(10)?,
            overdue: published_on.is_none() && today > deadline,
            published_late: published_on.map(|p| p > deadline).unwrap_or(false),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_parse_by_name_number_and_bracket_form() {
        assert_eq!(parse_category("1").unwrap(), "未发现问题");
        assert_eq!(
            parse_category("通过登记的住所(经营场所)无法联系").unwrap(),
            CATEGORIES[3]
        );
        assert_eq!(
            parse_category(" 不配合检查情节严重 ").unwrap(),
            "不配合检查情节严重"
        );
        let e = parse_category("11").unwrap_err();
        assert!(
            e.message(crate::Lang::En)
                .starts_with("category: unknown result category “11”; one of: 1 未发现问题;")
        );
    }
}
