//! Reading and writing the four registers in the database.
//!
//! Writes are upserts keyed by the register's code and report whether a row was added, updated or left
//! unchanged, so that an import can tell the user exactly what it did. Callers pass a transaction: an import
//! of a million rows is one transaction with prepared statements reused for every row.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::error::Result;
use crate::model::{Department, Entity, Inspector, Item, RiskClass};

/// What an upsert did to the stored row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upsert {
    Added,
    Updated,
    Unchanged,
}

fn date_to_sql(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

fn date_from_sql(s: Option<String>) -> rusqlite::Result<Option<NaiveDate>> {
    match s {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d").map(Some).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        }),
    }
}

fn list_to_sql(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".to_string())
}

fn list_from_sql(s: String) -> rusqlite::Result<Vec<String>> {
    serde_json::from_str(&s)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

fn risk_from_sql(s: Option<String>) -> Option<RiskClass> {
    s.as_deref().and_then(RiskClass::parse)
}

// ---------------------------------------------------------------------------------------------------------
// Departments

/// All departments in their list order.
pub fn list_departments(conn: &Connection) -> Result<Vec<Department>> {
    let mut stmt = conn.prepare_cached("SELECT code, name FROM department ORDER BY sort_order, code")?;
    let rows = stmt.query_map([], |r| {
        Ok(Department {
            code: r.get(0)?,
            name: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Finds a department by its code or its exact name.
pub fn find_department(conn: &Connection, code_or_name: &str) -> Result<Option<Department>> {
    let mut stmt =
        conn.prepare_cached("SELECT code, name FROM department WHERE code = ?1 OR name = ?1 LIMIT 1")?;
    Ok(stmt
        .query_row([code_or_name], |r| {
            Ok(Department {
                code: r.get(0)?,
                name: r.get(1)?,
            })
        })
        .optional()?)
}

/// Adds or updates a department (keyed by code). New departments go to the end of the list order.
pub fn upsert_department(conn: &Connection, d: &Department) -> Result<Upsert> {
    let existing: Option<String> = conn
        .prepare_cached("SELECT name FROM department WHERE code = ?1")?
        .query_row([&d.code], |r| r.get(0))
        .optional()?;
    match existing {
        None => {
            conn.prepare_cached(
                "INSERT INTO department (code, name, sort_order)
                 VALUES (?1, ?2, (SELECT coalesce(max(sort_order), 0) + 1 FROM department))",
            )?
            .execute(params![d.code, d.name])?;
            Ok(Upsert::Added)
        }
        Some(name) if name == d.name => Ok(Upsert::Unchanged),
        Some(_) => {
            conn.prepare_cached("UPDATE department SET name = ?2 WHERE code = ?1")?
                .execute(params![d.code, d.name])?;
            Ok(Upsert::Updated)
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Entities

pub(crate) const ENTITY_COLUMNS: &str = "code, name, entity_type, industry, address, authority, region, town, established, \
     status, risk_class, tags, last_inspected";

pub(crate) fn entity_from_row(r: &Row<'_>) -> rusqlite::Result<Entity> {
    Ok(Entity {
        code: r.get(0)?,
        name: r.get(1)?,
        entity_type: r.get(2)?,
        industry: r.get(3)?,
        address: r.get(4)?,
        authority: r.get(5)?,
        region: r.get(6)?,
        town: r.get(7)?,
        established: date_from_sql(r.get(8)?)?,
        status: r.get(9)?,
        risk_class: risk_from_sql(r.get(10)?),
        tags: list_from_sql(r.get(11)?)?,
        last_inspected: date_from_sql(r.get(12)?)?,
    })
}

/// Adds or updates an entity keyed by its code.
pub fn upsert_entity(conn: &Connection, e: &Entity) -> Result<Upsert> {
    let tags = list_to_sql(&e.tags);
    let established = date_to_sql(e.established);
    let last = date_to_sql(e.last_inspected);
    let risk = e.risk_class.map(RiskClass::as_str);
    let inserted = conn
        .prepare_cached(&format!(
            "INSERT OR IGNORE INTO entity ({ENTITY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
        ))?
        .execute(params![
            e.code, e.name, e.entity_type, e.industry, e.address, e.authority, e.region, e.town, established,
            e.status, risk, tags, last
        ])?;
    if inserted == 1 {
        return Ok(Upsert::Added);
    }
    let updated = conn
        .prepare_cached(
            "UPDATE entity SET name = ?2, entity_type = ?3, industry = ?4, address = ?5, authority = ?6, region = ?7,
                 town = ?8, established = ?9, status = ?10, risk_class = ?11, tags = ?12, last_inspected = ?13
             WHERE code = ?1 AND (name IS NOT ?2 OR entity_type IS NOT ?3 OR industry IS NOT ?4 OR address IS NOT ?5
                 OR authority IS NOT ?6 OR region IS NOT ?7 OR town IS NOT ?8 OR established IS NOT ?9
                 OR status IS NOT ?10 OR risk_class IS NOT ?11 OR tags IS NOT ?12 OR last_inspected IS NOT ?13)",
        )?
        .execute(params![
            e.code, e.name, e.entity_type, e.industry, e.address, e.authority, e.region, e.town, established,
            e.status, risk, tags, last
        ])?;
    Ok(if updated == 1 {
        Upsert::Updated
    } else {
        Upsert::Unchanged
    })
}

/// All entities ordered by code.
pub fn list_entities(conn: &Connection) -> Result<Vec<Entity>> {
    let mut out = Vec::new();
    for_each_entity(conn, |e| {
        out.push(e);
        Ok(())
    })?;
    Ok(out)
}

/// Streams all entities ordered by code to `f`, without holding them all in memory.
pub fn for_each_entity(conn: &Connection, mut f: impl FnMut(Entity) -> Result<()>) -> Result<()> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {ENTITY_COLUMNS} FROM entity ORDER BY code"))?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        f(entity_from_row(row)?)?;
    }
    Ok(())
}

/// One entity by code.
pub fn get_entity(conn: &Connection, code: &str) -> Result<Option<Entity>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {ENTITY_COLUMNS} FROM entity WHERE code = ?1"))?;
    Ok(stmt.query_row([code], entity_from_row).optional()?)
}

/// Sets the last-inspected date of an entity (after a result is entered). Returns false if no such entity.
pub fn set_last_inspected(conn: &Connection, code: &str, date: NaiveDate) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE entity SET last_inspected = ?2 WHERE code = ?1 AND (last_inspected IS NULL OR last_inspected < ?2)",
        )?
        .execute(params![code, date_to_sql(Some(date))])?;
    Ok(n == 1)
}

// ---------------------------------------------------------------------------------------------------------
// Inspectors

pub(crate) const INSPECTOR_COLUMNS: &str = "staff_no, name, department, certificate_no, certificate_valid_until, qualifications, expert, region, status";

pub(crate) fn inspector_from_row(r: &Row<'_>) -> rusqlite::Result<Inspector> {
    Ok(Inspector {
        staff_no: r.get(0)?,
        name: r.get(1)?,
        department: r.get(2)?,
        certificate_no: r.get(3)?,
        certificate_valid_until: date_from_sql(r.get(4)?)?,
        qualifications: list_from_sql(r.get(5)?)?,
        expert: r.get::<_, i64>(6)? != 0,
        region: r.get(7)?,
        status: r.get(8)?,
    })
}

/// Adds or updates an inspector keyed by staff number. The department must exist (foreign key).
pub fn upsert_inspector(conn: &Connection, i: &Inspector) -> Result<Upsert> {
    let valid = date_to_sql(i.certificate_valid_until);
    let quals = list_to_sql(&i.qualifications);
    let expert = i.expert as i64;
    let inserted = conn
        .prepare_cached(&format!(
            "INSERT OR IGNORE INTO inspector ({INSPECTOR_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        ))?
        .execute(params![
            i.staff_no, i.name, i.department, i.certificate_no, valid, quals, expert, i.region, i.status
        ])?;
    if inserted == 1 {
        return Ok(Upsert::Added);
    }
    let updated = conn
        .prepare_cached(
            "UPDATE inspector SET name = ?2, department = ?3, certificate_no = ?4, certificate_valid_until = ?5,
                 qualifications = ?6, expert = ?7, region = ?8, status = ?9
             WHERE staff_no = ?1 AND (name IS NOT ?2 OR department IS NOT ?3 OR certificate_no IS NOT ?4
                 OR certificate_valid_until IS NOT ?5 OR qualifications IS NOT ?6 OR expert IS NOT ?7
                 OR region IS NOT ?8 OR status IS NOT ?9)",
        )?
        .execute(params![
            i.staff_no, i.name, i.department, i.certificate_no, valid, quals, expert, i.region, i.status
        ])?;
    Ok(if updated == 1 {
        Upsert::Updated
    } else {
        Upsert::Unchanged
    })
}

/// All inspectors ordered by staff number.
pub fn list_inspectors(conn: &Connection) -> Result<Vec<Inspector>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {INSPECTOR_COLUMNS} FROM inspector ORDER BY staff_no"
    ))?;
    let rows = stmt.query_map([], inspector_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One inspector by staff number.
pub fn get_inspector(conn: &Connection, staff_no: &str) -> Result<Option<Inspector>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {INSPECTOR_COLUMNS} FROM inspector WHERE staff_no = ?1"
    ))?;
    Ok(stmt.query_row([staff_no], inspector_from_row).optional()?)
}

// ---------------------------------------------------------------------------------------------------------
// Items

pub(crate) const ITEM_COLUMNS: &str = "code, name, department, legal_basis, subject, object, method, ratio_frequency, inspector_requirements, notes";

pub(crate) fn item_from_row(r: &Row<'_>) -> rusqlite::Result<Item> {
    Ok(Item {
        code: r.get(0)?,
        name: r.get(1)?,
        department: r.get(2)?,
        legal_basis: r.get(3)?,
        subject: r.get(4)?,
        object: r.get(5)?,
        method: r.get(6)?,
        ratio_frequency: r.get(7)?,
        inspector_requirements: r.get(8)?,
        notes: r.get(9)?,
    })
}

/// Adds or updates an item keyed by its code. The department must exist (foreign key).
pub fn upsert_item(conn: &Connection, i: &Item) -> Result<Upsert> {
    let inserted = conn
        .prepare_cached(&format!(
            "INSERT OR IGNORE INTO item ({ITEM_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        ))?
        .execute(params![
            i.code,
            i.name,
            i.department,
            i.legal_basis,
            i.subject,
            i.object,
            i.method,
            i.ratio_frequency,
            i.inspector_requirements,
            i.notes
        ])?;
    if inserted == 1 {
        return Ok(Upsert::Added);
    }
    let updated = conn
        .prepare_cached(
            "UPDATE item SET name = ?2, department = ?3, legal_basis = ?4, subject = ?5, object = ?6, method = ?7,
                 ratio_frequency = ?8, inspector_requirements = ?9, notes = ?10
             WHERE code = ?1 AND (name IS NOT ?2 OR department IS NOT ?3 OR legal_basis IS NOT ?4 OR subject IS NOT ?5
                 OR object IS NOT ?6 OR method IS NOT ?7 OR ratio_frequency IS NOT ?8
                 OR inspector_requirements IS NOT ?9 OR notes IS NOT ?10)",
        )?
        .execute(params![
            i.code, i.name, i.department, i.legal_basis, i.subject, i.object, i.method, i.ratio_frequency,
            i.inspector_requirements, i.notes
        ])?;
    Ok(if updated == 1 {
        Upsert::Updated
    } else {
        Upsert::Unchanged
    })
}

/// All items ordered by code.
pub fn list_items(conn: &Connection) -> Result<Vec<Item>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {ITEM_COLUMNS} FROM item ORDER BY code"))?;
    let rows = stmt.query_map([], item_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One item by code.
pub fn get_item(conn: &Connection, code: &str) -> Result<Option<Item>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {ITEM_COLUMNS} FROM item WHERE code = ?1"))?;
    Ok(stmt.query_row([code], item_from_row).optional()?)
}

/// Number of rows in a register.
pub fn count(conn: &Connection, register: crate::model::Register) -> Result<i64> {
    let table = match register {
        crate::model::Register::Departments => "department",
        crate::model::Register::Entities => "entity",
        crate::model::Register::Inspectors => "inspector",
        crate::model::Register::Items => "item",
    };
    Ok(conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    fn entity(code: &str, name: &str) -> Entity {
        Entity {
            code: code.into(),
            name: name.into(),
            entity_type: "有限责任公司".into(),
            industry: "批发和零售业".into(),
            address: "永州市冷水滩区凤凰路1号".into(),
            authority: "永州市市场监督管理局".into(),
            region: "冷水滩区".into(),
            town: "凤凰街道".into(),
            established: NaiveDate::from_ymd_opt(2015, 3, 2),
            status: "存续".into(),
            risk_class: Some(RiskClass::B),
            tags: vec!["食品".into()],
            last_inspected: None,
        }
    }

    #[test]
    fn entity_upsert_reports_added_unchanged_updated() {
        let db = Db::open_in_memory().unwrap();
        let c = db.conn();
        let mut e = entity("91330000566997460T", "永州𠀀食品有限公司");
        assert_eq!(upsert_entity(c, &e).unwrap(), Upsert::Added);
        assert_eq!(upsert_entity(c, &e).unwrap(), Upsert::Unchanged);
        e.risk_class = Some(RiskClass::D);
        assert_eq!(upsert_entity(c, &e).unwrap(), Upsert::Updated);
        e.established = None;
        assert_eq!(upsert_entity(c, &e).unwrap(), Upsert::Updated);
        assert_eq!(get_entity(c, &e.code).unwrap().unwrap(), e);
        assert_eq!(list_entities(c).unwrap(), vec![e]);
    }

    #[test]
    fn inspector_requires_known_department() {
        let db = Db::open_in_memory().unwrap();
        let mut i = Inspector {
            staff_no: "S001".into(),
            name: "张三".into(),
            department: "D01".into(),
            certificate_no: "43110012345".into(),
            certificate_valid_until: NaiveDate::from_ymd_opt(2027, 12, 31),
            qualifications: vec!["食品安全".into()],
            expert: true,
            region: "冷水滩区".into(),
            status: "在岗".into(),
        };
        assert_eq!(upsert_inspector(db.conn(), &i).unwrap(), Upsert::Added);
        assert_eq!(get_inspector(db.conn(), "S001").unwrap().unwrap(), i);
        i.department = "D99".into();
        assert!(upsert_inspector(db.conn(), &i).is_err());
    }

    #[test]
    fn last_inspected_only_moves_forward() {
        let db = Db::open_in_memory().unwrap();
        let e = entity("91110105MA0012008X", "甲");
        upsert_entity(db.conn(), &e).unwrap();
        let d1 = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
        let d0 = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert!(set_last_inspected(db.conn(), &e.code, d1).unwrap());
        assert!(!set_last_inspected(db.conn(), &e.code, d0).unwrap());
        assert_eq!(
            get_entity(db.conn(), &e.code).unwrap().unwrap().last_inspected,
            Some(d1)
        );
    }
}
