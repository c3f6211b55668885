//! Coverage of a department's item list (抽查事项清单) in a year: which items were covered by tasks whose draw
//! was sealed, the share covered (the Yongzhou plan demands 100 %), and which tasks were joint (联合抽查).
//!
//! A task counts for a department if the department leads it or participates in it, and for the year of its
//! plan. An item counts as covered when at least one such task lists it and has a sealed ceremony; voided or
//! unfinished attempts do not count.

use rusqlite::Connection;
use serde::Serialize;

use crate::error::{Error, ErrorCode, Result};
use crate::plan;
use crate::registers;
use crate::task;

/// One item of the department's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ItemCoverage {
    pub code: String,
    pub name: String,
    /// Numbers of the tasks with a sealed draw that cover it.
    pub covered_by: Vec<String>,
}

/// A task of the department in the year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TaskLine {
    pub number: String,
    pub name: String,
    pub departments: Vec<String>,
    pub joint: bool,
    pub sealed: bool,
}

/// The coverage report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub department: String,
    pub department_name: String,
    pub year: i32,
    pub items: Vec<ItemCoverage>,
    pub covered: usize,
    pub total: usize,
    /// Covered share in basis points (10000 = 100 %), rounded down; 10000 when the list is empty.
    pub covered_bp: u32,
    pub tasks: Vec<TaskLine>,
}

impl Coverage {
    /// The covered share as a percentage with two decimals, e.g. `66.66`.
    pub fn percent(&self) -> String {
        format!("{}.{:02}", self.covered_bp / 100, self.covered_bp % 100)
    }
}

/// Computes the coverage of `department` (code or name) in `year`.
pub fn coverage(conn: &Connection, department: &str, year: i32) -> Result<Coverage> {
    let d = registers::find_department(conn, department.trim())?.ok_or_else(|| {
        Error::other(
            ErrorCode::NotFound,
            format!("未知部门“{}”", department.trim()),
            format!("unknown department “{}”", department.trim()),
        )
    })?;
    let plans: Vec<i64> = plan::list(conn)?
        .into_iter()
        .filter(|p| p.year == year)
        .map(|p| p.id)
        .collect();
    let mut tasks = Vec::new();
    let mut sealed_items: Vec<(String, String)> = Vec::new();
    for t in task::list(conn, None)?
        .into_iter()
        .filter(|t| plans.contains(&t.plan))
    {
        if !t.departments().contains(&d.code) {
            continue;
        }
        let sealed: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM ceremony WHERE task = ?1 AND state = 'sealed')",
            [t.id],
            |r| r.get(0),
        )?;
        if sealed {
            for i in &t.items {
                sealed_items.push((i.clone(), t.number.clone()));
            }
        }
        tasks.push(TaskLine {
            number: t.number.clone(),
            name: t.name.clone(),
            departments: t.departments(),
            joint: t.is_joint(),
            sealed,
        });
    }
    let items: Vec<ItemCoverage> = registers::list_items(conn)?
        .into_iter()
        .filter(|i| i.department == d.code)
        .map(|i| ItemCoverage {
            covered_by: sealed_items
                .iter()
                .filter(|(c, _)| *c == i.code)
                .map(|(_, n)| n.clone())
                .collect(),
            code: i.code,
            name: i.name,
        })
        .collect();
    let total = items.len();
    let covered = items.iter().filter(|i| !i.covered_by.is_empty()).count();
    let covered_bp = (covered * 10000).checked_div(total).unwrap_or(10000) as u32;
    Ok(Coverage {
        department: d.code,
        department_name: d.name,
        year,
        items,
        covered,
        total,
        covered_bp,
        tasks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_has_two_decimals() {
        let c = Coverage {
            department: "D01".into(),
            department_name: "市场监管局".into(),
            year: 2026,
            items: vec![],
            covered: 2,
            total: 3,
            covered_bp: 6666,
            tasks: vec![],
        };
        assert_eq!(c.percent(), "66.66");
    }
}
