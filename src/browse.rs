//! Paged, filtered reading of the registers for screens that show them as tables.
//!
//! A register can hold a million entities; a screen shows a page of them. Each call returns one page in the
//! register's key order together with the number of rows that match the filter, so a table can show
//! "rows 51–100 of 12 345" without ever loading the whole register. The filter is a plain substring of the
//! key or the name (no SQL patterns: `%` and `_` in the filter mean themselves).

use rusqlite::{Connection, Row, params};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Department, Entity, Inspector, Item};
use crate::registers::{
    ENTITY_COLUMNS, INSPECTOR_COLUMNS, ITEM_COLUMNS, entity_from_row, inspector_from_row, item_from_row,
};

/// The largest page a caller may ask for.
pub const MAX_PAGE_SIZE: u32 = 500;

/// Which page of a register to read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PageQuery {
    /// Rows to skip (in key order, after filtering).
    pub offset: u64,
    /// Rows to return, 1..=[`MAX_PAGE_SIZE`].
    pub limit: u32,
    /// A substring the key or the name must contain; empty (or only spaces) for all rows.
    pub filter: String,
}

/// One page of a register.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Page<T> {
    /// Number of rows that match the filter (on all pages).
    pub total: u64,
    /// The offset this page starts at.
    pub offset: u64,
    /// The rows of this page, in key order.
    pub rows: Vec<T>,
}

fn validate(q: &PageQuery) -> Result<()> {
    if q.limit == 0 || q.limit > MAX_PAGE_SIZE {
        return Err(Error::invalid(
            "limit",
            format!("page size must be between 1 and {MAX_PAGE_SIZE}, got {}", q.limit),
        ));
    }
    if q.offset > i64::MAX as u64 {
        return Err(Error::invalid(
            "offset",
            format!("offset {} is too large", q.offset),
        ));
    }
    Ok(())
}

/// Reads a page of `table`, whose key column is `key` and whose row mapper is `map`.
fn page<T>(
    conn: &Connection,
    table: &str,
    columns: &str,
    key: &str,
    q: &PageQuery,
    map: impl Fn(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Page<T>> {
    validate(q)?;
    let filter = q.filter.trim();
    // Credit codes are stored upper-case, so the key is also tried with the filter upper-cased; names keep
    // their case. `instr` is an exact substring test, unlike LIKE.
    let upper = filter.to_uppercase();
    let condition =
        format!("(?1 = '' OR instr({key}, ?1) > 0 OR instr({key}, ?2) > 0 OR instr(name, ?1) > 0)");
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM {table} WHERE {condition}"))?
        .query_row(params![filter, upper], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {columns} FROM {table} WHERE {condition} ORDER BY {key} LIMIT ?3 OFFSET ?4"
    ))?;
    let rows = stmt
        .query_map(params![filter, upper, q.limit, q.offset as i64], map)?
        .collect::<rusqlite::Result<Vec<T>>>()?;
    Ok(Page {
        total: total as u64,
        offset: q.offset,
        rows,
    })
}

/// A page of the entity register (检查对象名录库), ordered by credit code.
pub fn entities(conn: &Connection, q: &PageQuery) -> Result<Page<Entity>> {
    page(conn, "entity", ENTITY_COLUMNS, "code", q, entity_from_row)
}

/// A page of the inspector register (执法检查人员名录库), ordered by staff number.
pub fn inspectors(conn: &Connection, q: &PageQuery) -> Result<Page<Inspector>> {
    page(
        conn,
        "inspector",
        INSPECTOR_COLUMNS,
        "staff_no",
        q,
        inspector_from_row,
    )
}

/// A page of the item list (抽查事项清单), ordered by item code.
pub fn items(conn: &Connection, q: &PageQuery) -> Result<Page<Item>> {
    page(conn, "item", ITEM_COLUMNS, "code", q, item_from_row)
}

/// A page of the departments, in their list order (not by code: the joint meeting's list has its own order).
pub fn departments(conn: &Connection, q: &PageQuery) -> Result<Page<Department>> {
    validate(q)?;
    let filter = q.filter.trim();
    let all = crate::registers::list_departments(conn)?;
    let matching: Vec<Department> = all
        .into_iter()
        .filter(|d| filter.is_empty() || d.code.contains(filter) || d.name.contains(filter))
        .collect();
    let total = matching.len() as u64;
    let rows = matching
        .into_iter()
        .skip(q.offset.min(usize::MAX as u64) as usize)
        .take(q.limit as usize)
        .collect();
    Ok(Page {
        total,
        offset: q.offset,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use crate::registers::{upsert_entity, upsert_inspector};

    fn entity(code: &str, name: &str) -> Entity {
        Entity {
            code: code.into(),
            name: name.into(),
            entity_type: String::new(),
            industry: String::new(),
            address: String::new(),
            authority: String::new(),
            region: String::new(),
            town: String::new(),
            established: None,
            status: "存续".into(),
            risk_class: None,
            tags: vec![],
            last_inspected: None,
        }
    }

    fn q(offset: u64, limit: u32, filter: &str) -> PageQuery {
        PageQuery {
            offset,
            limit,
            filter: filter.into(),
        }
    }

    fn db_with_entities() -> Db {
        let db = Db::open_in_memory().unwrap();
        for (code, name) in [
            ("91330000697024247P", "永州市冷水滩区百分_百食品店"),
            ("91330000566997460T", "祁阳市湘江米业有限公司"),
            ("91110105MA0012008X", "永州%食品有限公司"),
        ] {
            upsert_entity(db.conn(), &entity(code, name)).unwrap();
        }
        db
    }

    #[test]
    fn pages_follow_key_order_and_count_all_matches() {
        let db = db_with_entities();
        let p = entities(db.conn(), &q(0, 2, "")).unwrap();
        assert_eq!(p.total, 3);
        let codes: Vec<&str> = p.rows.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["91110105MA0012008X", "91330000566997460T"]);
        let p = entities(db.conn(), &q(2, 2, "")).unwrap();
        assert_eq!(p.offset, 2);
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rows[0].code, "91330000697024247P");
        assert!(entities(db.conn(), &q(10, 2, "")).unwrap().rows.is_empty());
    }

    #[test]
    fn filter_is_a_plain_substring_of_key_or_name() {
        let db = db_with_entities();
        let names = |f: &str| -> Vec<String> {
            entities(db.conn(), &q(0, 10, f))
                .unwrap()
                .rows
                .into_iter()
                .map(|e| e.name)
                .collect()
        };
        assert_eq!(
            names("食品"),
            ["永州%食品有限公司", "永州市冷水滩区百分_百食品店"]
        );
        // SQL wildcards mean themselves.
        assert_eq!(names("%"), ["永州%食品有限公司"]);
        assert_eq!(names("_"), ["永州市冷水滩区百分_百食品店"]);
        // Keys match case-insensitively because they are stored upper-case.
        assert_eq!(names("ma00"), ["永州%食品有限公司"]);
        assert_eq!(names("  米业 "), ["祁阳市湘江米业有限公司"]);
        assert!(names("不存在").is_empty());
        assert_eq!(entities(db.conn(), &q(0, 1, "食品")).unwrap().total, 2);
    }

    #[test]
    fn page_size_is_bounded() {
        let db = Db::open_in_memory().unwrap();
        for limit in [0, MAX_PAGE_SIZE + 1] {
            let e = entities(db.conn(), &q(0, limit, "")).unwrap_err();
            assert_eq!(e.code(), crate::ErrorCode::Invalid);
            assert!(
                e.to_string()
                    .starts_with("limit: page size must be between 1 and 500"),
                "{e}"
            );
        }
        assert_eq!(inspectors(db.conn(), &q(0, MAX_PAGE_SIZE, "")).unwrap().total, 0);
    }

    #[test]
    fn departments_keep_list_order_and_filter() {
        let db = Db::open_in_memory().unwrap();
        let p = departments(db.conn(), &q(0, 3, "")).unwrap();
        assert_eq!(p.total, 17);
        let names: Vec<&str> = p.rows.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["市场监管局", "司法局", "行政审批服务局"]);
        let p = departments(db.conn(), &q(0, 10, "局")).unwrap();
        assert_eq!(p.total, 15, "all but 卫健委 and 永州海关");
        let p = departments(db.conn(), &q(0, 10, "D17")).unwrap();
        assert_eq!(p.rows[0].name, "永州海关");
    }

    #[test]
    fn inspectors_and_items_page_by_key() {
        let db = Db::open_in_memory().unwrap();
        for (no, name) in [("S002", "李四"), ("S001", "张三")] {
            let i = Inspector {
                staff_no: no.into(),
                name: name.into(),
                department: "D01".into(),
                certificate_no: String::new(),
                certificate_valid_until: None,
                qualifications: vec![],
                expert: false,
                region: String::new(),
                status: "在岗".into(),
            };
            upsert_inspector(db.conn(), &i).unwrap();
        }
        let p = inspectors(db.conn(), &q(0, 10, "")).unwrap();
        let names: Vec<&str> = p.rows.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["张三", "李四"]);
        assert_eq!(
            inspectors(db.conn(), &q(0, 10, "s002")).unwrap().rows[0].name,
            "李四"
        );
        assert_eq!(items(db.conn(), &q(0, 10, "")).unwrap().total, 0);
    }
}
