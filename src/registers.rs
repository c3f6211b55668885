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
    upsert_entity_values(
        conn,
        params![
            e.code,
            e.name,
            e.entity_type,
            e.industry,
            e.address,
            e.authority,
            e.region,
            e.town,
            established,
            e.status,
            risk,
            tags,
            last
        ],
    )
}

/// The upsert of [`upsert_entity`] on the 13 SQL values in `ENTITY_COLUMNS` order: insert, or update only if
/// some value differs.
fn upsert_entity_values(conn: &Connection, values: impl rusqlite::Params + Clone) -> Result<Upsert> {
    let inserted = conn
        .prepare_cached(&format!(
            "INSERT OR IGNORE INTO entity ({ENTITY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
        ))?
        .execute(values.clone())?;
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
        .execute(values)?;
    Ok(if updated == 1 {
        Upsert::Updated
    } else {
        Upsert::Unchanged
    })
}

/// How many SQL values an entity has (the columns of `ENTITY_COLUMNS`).
pub const ENTITY_VALUES: usize = 13;

/// `YYYY-MM-DD` without going through a format string (a million-row import formats two dates per row).
/// Years outside 0–9999 cannot come out of the date parsers; they take chrono's form, as before.
fn push_date(out: &mut Vec<u8>, d: NaiveDate) {
    use chrono::Datelike;
    let (y, m, day) = (d.year(), d.month(), d.day());
    if !(0..=9999).contains(&y) {
        out.extend_from_slice(d.format("%Y-%m-%d").to_string().as_bytes());
        return;
    }
    let y = y as u32;
    let digit = |n: u32| b'0' + n as u8;
    out.extend_from_slice(&[
        digit(y / 1000),
        digit(y / 100 % 10),
        digit(y / 10 % 10),
        digit(y % 10),
        b'-',
        digit(m / 10),
        digit(m % 10),
        b'-',
        digit(day / 10),
        digit(day % 10),
    ]);
}

/// The encoded entity values: each value a little-endian `u32` of its length plus one (0 for NULL) and its
/// UTF-8 bytes. Two encodings are equal exactly when every value is equal as SQLite compares them with
/// `IS NOT` (the columns are `TEXT` in a `STRICT` table, so bytes and NULLs are all there is).
fn push_value(out: &mut Vec<u8>, value: Option<&[u8]>) {
    match value {
        None => out.extend_from_slice(&0u32.to_le_bytes()),
        Some(v) => {
            out.extend_from_slice(&(v.len() as u32 + 1).to_le_bytes());
            out.extend_from_slice(v);
        }
    }
}

/// Appends a value produced by `write` in place (its length is filled in afterwards).
fn push_value_with(out: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) {
    let at = out.len();
    out.extend_from_slice(&[0; 4]);
    write(out);
    let len = (out.len() - at - 4) as u32 + 1;
    out[at..at + 4].copy_from_slice(&len.to_le_bytes());
}

/// An entity's values borrowed from wherever they are: what [`encode_entity_ref`] encodes. The import parses a
/// row into one of these without copying its cells into an [`Entity`] first.
#[derive(Clone, Copy, Debug)]
pub struct EntityRef<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub entity_type: &'a str,
    pub industry: &'a str,
    pub address: &'a str,
    pub authority: &'a str,
    pub region: &'a str,
    pub town: &'a str,
    pub established: Option<NaiveDate>,
    pub status: &'a str,
    pub risk_class: Option<RiskClass>,
    pub tags: &'a [String],
    pub last_inspected: Option<NaiveDate>,
}

impl<'a> From<&'a Entity> for EntityRef<'a> {
    fn from(e: &'a Entity) -> Self {
        EntityRef {
            code: &e.code,
            name: &e.name,
            entity_type: &e.entity_type,
            industry: &e.industry,
            address: &e.address,
            authority: &e.authority,
            region: &e.region,
            town: &e.town,
            established: e.established,
            status: &e.status,
            risk_class: e.risk_class,
            tags: &e.tags,
            last_inspected: e.last_inspected,
        }
    }
}

/// Appends the 13 SQL values of `e`, in `ENTITY_COLUMNS` order, as [`upsert_entity`] would store them, to
/// `out`. The first value is the key (the code), so encoded entities sort by [`encoded_key`].
pub fn encode_entity(e: &Entity, out: &mut Vec<u8>) {
    encode_entity_ref(&EntityRef::from(e), out);
}

/// [`encode_entity`] of borrowed values.
pub fn encode_entity_ref(e: &EntityRef<'_>, out: &mut Vec<u8>) {
    for text in [
        e.code,
        e.name,
        e.entity_type,
        e.industry,
        e.address,
        e.authority,
        e.region,
        e.town,
    ] {
        push_value(out, Some(text.as_bytes()));
    }
    match e.established {
        Some(d) => push_value_with(out, |o| push_date(o, d)),
        None => push_value(out, None),
    }
    push_value(out, Some(e.status.as_bytes()));
    push_value(out, e.risk_class.map(|r| r.as_str().as_bytes()));
    // Exactly the text of `list_to_sql`: serde_json writes the same bytes into a vector as into a string.
    push_value_with(out, |o| {
        if serde_json::to_writer(&mut *o, e.tags).is_err() {
            o.extend_from_slice(b"[]");
        }
    });
    match e.last_inspected {
        Some(d) => push_value_with(out, |o| push_date(o, d)),
        None => push_value(out, None),
    }
}

/// The values of an encoded entity (see [`encode_entity`]); `None` for NULL. A truncated encoding yields
/// fewer values (it cannot come from `encode_entity`, and the insert then fails on a missing value).
fn decode_values(mut bytes: &[u8]) -> [Option<&[u8]>; ENTITY_VALUES] {
    let mut out = [None; ENTITY_VALUES];
    for slot in &mut out {
        let Some((len, rest)) = bytes.split_first_chunk::<4>() else {
            break;
        };
        let len = u32::from_le_bytes(*len) as usize;
        if len == 0 {
            bytes = rest;
            continue;
        }
        let Some((value, rest)) = rest.split_at_checked(len - 1) else {
            break;
        };
        *slot = Some(value);
        bytes = rest;
    }
    out
}

/// The key (code) of an encoded entity.
pub fn encoded_key(bytes: &[u8]) -> &[u8] {
    &bytes[encoded_key_range(bytes)]
}

/// Where the key of an encoded entity lies in it.
pub fn encoded_key_range(bytes: &[u8]) -> std::ops::Range<usize> {
    match bytes.split_first_chunk::<4>() {
        Some((len, rest)) => {
            let len = (u32::from_le_bytes(*len) as usize).saturating_sub(1);
            4..4 + len.min(rest.len())
        }
        None => 0..0,
    }
}

/// A record of the entity sort that carries only a key (a row not to be stored, whose key still counts for
/// finding duplicate keys): the key encoded as the first value of [`encode_entity`], nothing after it.
pub fn encode_key_only(key: &[u8], out: &mut Vec<u8>) {
    push_value(out, Some(key));
}

/// Whether a sort record is a key-only record ([`encode_key_only`]) rather than an encoded entity, which
/// always has values after its key.
pub fn is_key_only(bytes: &[u8]) -> bool {
    encoded_key_range(bytes).end == bytes.len()
}

/// How many incoming entities [`upsert_sorted_entities`] compares and writes at a time.
const UPSERT_CHUNK: usize = 2048;

/// Upserts encoded entities that arrive in strictly increasing key order (see [`encode_entity`]), calling `done`
/// with each one's outcome in that order. `next` appends the next entity to the buffer it is given and returns
/// false at the end.
///
/// A register file lists entities in no order of credit code, and the `entity` table is a B-tree on the code:
/// upserting a million rows in file order touched leaf pages all over a tree far larger than the page cache.
/// In key order every leaf page is visited once. The outcome of each row is decided here by a merge join of
/// the incoming entities with the stored ones, read in the same key order: a new code is inserted, a changed
/// row is updated, and an unchanged row costs no write at all. "Changed" is exactly what the `IS NOT`
/// comparison of [`upsert_entity`] finds (byte equality of the TEXT values, NULL equal only to NULL), so the
/// counts and the stored bytes are what a row-by-row upsert gives. When the table is empty at the start, every
/// row is inserted without reading anything.
///
/// Chunk by chunk, the stored rows of the chunk's key range are read by a range query (or, where the range
/// holds many more stored rows than the chunk has incoming ones, by looking each code up), and only then are
/// the chunk's writes made, so no read cursor is open on the table while it is written.
pub fn upsert_sorted_entities(
    conn: &Connection,
    next: impl FnMut(&mut Vec<u8>) -> Result<bool>,
    done: impl FnMut(Upsert),
) -> Result<()> {
    // The table's CHECK constraints (dates, risk class, `json_valid(tags)`) cost more than the rest of an
    // insert's work; `check_entity_values` checks the same in Rust on every row written, and SQLite skips them
    // for these statements only: the setting is restored before anything else is written, error or not.
    let old: i64 = conn.query_row("PRAGMA ignore_check_constraints", [], |r| r.get(0))?;
    conn.pragma_update(None, "ignore_check_constraints", 1)?;
    let result = upsert_sorted_unchecked(conn, next, done);
    let restored = conn.pragma_update(None, "ignore_check_constraints", old);
    result?;
    Ok(restored?)
}

/// Whether an encoded entity satisfies the `entity` table's CHECK constraints, checked as SQLite would: the
/// dates NULL or `GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'`, the risk class NULL or one of A–D, the
/// tags valid JSON, and every NOT NULL value present.
fn check_entity_values(encoded: &[u8]) -> Result<()> {
    check_values(&decode_values(encoded))
}

/// [`check_entity_values`] of the decoded values.
fn check_values(values: &[Option<&[u8]>; ENTITY_VALUES]) -> Result<()> {
    let date_ok = |v: Option<&[u8]>| {
        v.is_none_or(|d| {
            d.len() == 10
                && d.iter().enumerate().all(|(i, &b)| {
                    if i == 4 || i == 7 {
                        b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                })
        })
    };
    let risk_ok = values[10].is_none_or(|r| matches!(r, b"A" | b"B" | b"C" | b"D"));
    let tags_ok = values[11].is_some_and(|t| serde_json::from_slice::<serde::de::IgnoredAny>(t).is_ok());
    let present = [0, 1, 2, 3, 4, 5, 6, 7, 9].iter().all(|&i| values[i].is_some());
    if date_ok(values[8]) && date_ok(values[12]) && risk_ok && tags_ok && present {
        return Ok(());
    }
    let code = String::from_utf8_lossy(values[0].unwrap_or_default()).into_owned();
    Err(crate::error::Error::invalid(
        "entity",
        format!("{code}: a value breaks a CHECK or NOT NULL constraint of the entity table"),
    ))
}

/// [`upsert_sorted_entities`] once the CHECK constraints are left to [`check_entity_values`].
fn upsert_sorted_unchecked(
    conn: &Connection,
    mut next: impl FnMut(&mut Vec<u8>) -> Result<bool>,
    mut done: impl FnMut(Upsert),
) -> Result<()> {
    let table_empty = is_empty(conn, crate::model::Register::Entities)?;
    let mut insert = StaticInsert::prepare(conn, &insert_entities_sql(1))?;
    let mut insert_many = StaticInsert::prepare(conn, &insert_entities_sql(INSERT_ROWS))?;
    let mut inserts: Vec<usize> = Vec::with_capacity(UPSERT_CHUNK);
    let mut update = conn.prepare(
        "UPDATE entity SET name = ?2, entity_type = ?3, industry = ?4, address = ?5, authority = ?6, region = ?7,
             town = ?8, established = ?9, status = ?10, risk_class = ?11, tags = ?12, last_inspected = ?13
         WHERE code = ?1",
    )?;
    let mut range = conn.prepare(&format!(
        "SELECT {ENTITY_COLUMNS} FROM entity WHERE code >= ?1 AND code <= ?2 ORDER BY code LIMIT ?3"
    ))?;
    let mut lookup = conn.prepare(&format!("SELECT {ENTITY_COLUMNS} FROM entity WHERE code = ?1"))?;

    // The chunk: incoming entities back to back, and for each its end offset and the stored row if any.
    let mut chunk: Vec<u8> = Vec::new();
    let mut ends: Vec<usize> = Vec::with_capacity(UPSERT_CHUNK);
    let mut stored: Vec<u8> = Vec::new();
    let mut stored_at: Vec<Option<(usize, usize)>> = Vec::with_capacity(UPSERT_CHUNK);
    let mut more = true;
    while more {
        chunk.clear();
        ends.clear();
        while ends.len() < UPSERT_CHUNK {
            if !next(&mut chunk)? {
                chunk.truncate(ends.last().copied().unwrap_or(0));
                more = false;
                break;
            }
            ends.push(chunk.len());
        }
        if ends.is_empty() {
            break;
        }
        let entity = |i: usize| &chunk[if i == 0 { 0 } else { ends[i - 1] }..ends[i]];
        stored.clear();
        stored_at.clear();
        stored_at.resize(ends.len(), None);
        if !table_empty {
            read_stored(
                &mut range,
                &mut lookup,
                ends.len(),
                &entity,
                &mut stored,
                &mut stored_at,
            )?;
        }
        inserts.clear();
        for (i, old) in stored_at.iter().enumerate() {
            let new = entity(i);
            let outcome = match old {
                None => {
                    inserts.push(i);
                    Upsert::Added
                }
                Some((start, end)) if &stored[*start..*end] == new => Upsert::Unchanged,
                Some(_) => {
                    check_entity_values(new)?;
                    bind_values(&mut update, 0, new)?;
                    update.raw_execute()?;
                    Upsert::Updated
                }
            };
            done(outcome);
        }
        // New rows go in `INSERT_ROWS` at a time: one statement per row costs more in starting and finishing
        // the statement than in inserting the row.
        let mut groups = inserts.chunks_exact(INSERT_ROWS);
        for group in &mut groups {
            let rows: Vec<_> = group.iter().map(|&i| decode_values(entity(i))).collect();
            rows.iter().try_for_each(check_values)?;
            insert_many.insert(rows.iter().flatten().copied())?;
        }
        for &i in groups.remainder() {
            let values = decode_values(entity(i));
            check_values(&values)?;
            insert.insert(values.into_iter())?;
        }
    }
    Ok(())
}

/// How many rows one multi-row `INSERT` of [`upsert_sorted_entities`] adds (13 values each, well within
/// SQLite's limit of 32,766 parameters).
const INSERT_ROWS: usize = 32;

/// `INSERT OR FAIL INTO entity (...) VALUES (?, ...), ...` for `rows` rows. `OR FAIL` rather than the
/// default `ABORT`: a failing row then leaves the rows before it in place instead of undoing the statement, so
/// SQLite keeps no statement journal (a copy of every page the statement changes, which cost as much as the
/// inserts); any failure fails the whole import, whose transaction is rolled back.
fn insert_entities_sql(rows: usize) -> String {
    let row = format!("({})", vec!["?"; ENTITY_VALUES].join(", "));
    format!(
        "INSERT OR FAIL INTO entity ({ENTITY_COLUMNS}) VALUES {}",
        vec![row; rows].join(", ")
    )
}

/// An `INSERT` prepared on the connection's raw handle that binds its TEXT values with `SQLITE_STATIC`: SQLite
/// reads them where they are. rusqlite binds every text with `SQLITE_TRANSIENT`, so SQLite copies each into an
/// allocation of its own (taking its memory-statistics mutex) and frees it again; for the 13 million values of
/// a million-row import that was about a fifth of the writing phase. Failures are the `rusqlite::Error`s that
/// rusqlite's `Statement::raw_execute` gives for the same codes (same code, same message).
///
/// Safety: a value bound with `SQLITE_STATIC` must stay valid for as long as SQLite may read it. [`Self::insert`]
/// binds, steps, resets the statement and clears its bindings before it returns, and the values are borrowed for
/// the whole call: no pointer to them survives it.
struct StaticInsert<'conn> {
    conn: &'conn Connection,
    stmt: std::ptr::NonNull<rusqlite::ffi::sqlite3_stmt>,
}

impl<'conn> StaticInsert<'conn> {
    fn prepare(conn: &'conn Connection, sql: &str) -> Result<Self> {
        use rusqlite::ffi;
        let len = std::ffi::c_int::try_from(sql.len())
            .map_err(|_| crate::error::Error::invalid("entity", "an INSERT statement too long (a bug)"))?;
        let mut stmt = std::ptr::null_mut();
        // SAFETY: the handle is the open connection's, borrowed for the statement's life; `sql` is valid for
        // `len` bytes and need not be NUL-terminated when its length is given.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(
                conn.handle(),
                sql.as_ptr().cast(),
                len,
                &mut stmt,
                std::ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(sqlite_error(conn, rc).into());
        }
        let stmt = std::ptr::NonNull::new(stmt)
            .ok_or_else(|| crate::error::Error::invalid("entity", "an empty INSERT statement (a bug)"))?;
        Ok(StaticInsert { conn, stmt })
    }

    /// Binds `values` to the statement's parameters in order (`None` is NULL), runs it, and leaves it reset
    /// with no value bound.
    fn insert<'v>(&mut self, values: impl Iterator<Item = Option<&'v [u8]>>) -> Result<()> {
        use rusqlite::ffi;
        let stmt = self.stmt.as_ptr();
        let mut rc = ffi::SQLITE_OK;
        for (i, value) in values.enumerate() {
            let Ok(index) = std::ffi::c_int::try_from(i + 1) else {
                rc = ffi::SQLITE_RANGE;
                break;
            };
            // SAFETY: `stmt` is live (finalized only on drop); the text stays borrowed until the bindings are
            // cleared below. An empty text points at a static empty string, as rusqlite binds one.
            rc = unsafe {
                match value {
                    Some(text) => ffi::sqlite3_bind_text64(
                        stmt,
                        index,
                        if text.is_empty() {
                            c"".as_ptr()
                        } else {
                            text.as_ptr().cast()
                        },
                        text.len() as u64,
                        ffi::SQLITE_STATIC(),
                        ffi::SQLITE_UTF8 as u8,
                    ),
                    None => ffi::sqlite3_bind_null(stmt, index),
                }
            };
            if rc != ffi::SQLITE_OK {
                break;
            }
        }
        if rc == ffi::SQLITE_OK {
            // SAFETY: as above. Reset right after the step, as rusqlite does, keeps the error message.
            let (step, reset) = unsafe { (ffi::sqlite3_step(stmt), ffi::sqlite3_reset(stmt)) };
            rc = match step {
                ffi::SQLITE_DONE => reset,
                ffi::SQLITE_ROW => ffi::SQLITE_MISUSE,
                failed => failed,
            };
        }
        // SAFETY: as above; afterwards SQLite holds no pointer to the values.
        unsafe { ffi::sqlite3_clear_bindings(stmt) };
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(sqlite_error(self.conn, rc).into())
        }
    }
}

impl Drop for StaticInsert<'_> {
    fn drop(&mut self) {
        // SAFETY: the statement was prepared on this connection, which outlives it, and is finalized once.
        unsafe { rusqlite::ffi::sqlite3_finalize(self.stmt.as_ptr()) };
    }
}

/// The `rusqlite::Error` of a failed call on `conn`, built as rusqlite builds it: the code, and the connection's
/// message if it belongs to that code, else SQLite's text for the code.
fn sqlite_error(conn: &Connection, code: std::ffi::c_int) -> rusqlite::Error {
    use rusqlite::ffi;
    let text = |p: *const std::ffi::c_char| {
        // SAFETY: SQLite returns NUL-terminated strings that live at least until the next call on `conn`.
        (!p.is_null()).then(|| {
            unsafe { std::ffi::CStr::from_ptr(p) }
                .to_string_lossy()
                .into_owned()
        })
    };
    // SAFETY: the handle is the open connection's.
    let message = unsafe {
        let db = conn.handle();
        if ffi::sqlite3_errcode(db) == code {
            text(ffi::sqlite3_errmsg(db))
        } else {
            text(ffi::sqlite3_errstr(code))
        }
    };
    rusqlite::Error::SqliteFailure(ffi::Error::new(code), message)
}

/// UTF-8 bytes as an SQL TEXT value (bound as they are, without a copy into a `String`).
fn text(bytes: &[u8]) -> rusqlite::types::ToSqlOutput<'_> {
    rusqlite::types::ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Text(bytes))
}

/// Binds the 13 values of an encoded entity to the parameters after the first `skip`.
fn bind_values(stmt: &mut rusqlite::Statement<'_>, skip: usize, encoded: &[u8]) -> Result<()> {
    use rusqlite::types::{ToSqlOutput, ValueRef};
    for (i, value) in decode_values(encoded).into_iter().enumerate() {
        let value = match value {
            Some(bytes) => text(bytes),
            None => ToSqlOutput::Borrowed(ValueRef::Null),
        };
        stmt.raw_bind_parameter(skip + i + 1, value)?;
    }
    Ok(())
}

/// Encodes a stored entity row like [`encode_entity`]. A value that is not TEXT or NULL (impossible in the
/// `STRICT` table) is encoded with a length no text can have, so it never equals an incoming value.
fn encode_stored(row: &Row<'_>, out: &mut Vec<u8>) -> rusqlite::Result<()> {
    use rusqlite::types::ValueRef;
    for i in 0..ENTITY_VALUES {
        match row.get_ref(i)? {
            ValueRef::Null => push_value(out, None),
            ValueRef::Text(t) => push_value(out, Some(t)),
            _ => out.extend_from_slice(&u32::MAX.to_le_bytes()),
        }
    }
    Ok(())
}

/// Finds the stored rows of the `n` incoming entities of a chunk (sorted by key): fills `stored_at[i]` with the
/// range in `stored` of entity `i`'s stored encoding. One range query over the chunk's keys reads at most a few
/// times as many rows as the chunk has; if the range holds more (a small file into a large table), the rest
/// of the chunk is looked up code by code.
fn read_stored<'a>(
    range: &mut rusqlite::Statement<'_>,
    lookup: &mut rusqlite::Statement<'_>,
    n: usize,
    entity: &impl Fn(usize) -> &'a [u8],
    stored: &mut Vec<u8>,
    stored_at: &mut [Option<(usize, usize)>],
) -> Result<()> {
    let limit = (4 * n + 64) as i64;
    let first = encoded_key(entity(0));
    let last = encoded_key(entity(n - 1));
    let mut i = 0;
    let mut read = 0i64;
    let mut rows = range.query(params![text(first), text(last), limit])?;
    while let Some(row) = rows.next()? {
        read += 1;
        let rusqlite::types::ValueRef::Text(code) = row.get_ref(0)? else {
            continue;
        };
        while i < n && encoded_key(entity(i)) < code {
            i += 1;
        }
        if i == n {
            break;
        }
        if encoded_key(entity(i)) == code {
            let start = stored.len();
            encode_stored(row, stored)?;
            stored_at[i] = Some((start, stored.len()));
            i += 1;
        }
    }
    drop(rows);
    if read < limit {
        return Ok(());
    }
    // The range query stopped at its limit: every entity past the last stored code it read is looked up.
    for (j, slot) in stored_at.iter_mut().enumerate().skip(i) {
        if slot.is_some() {
            continue;
        }
        let mut rows = lookup.query([text(encoded_key(entity(j)))])?;
        if let Some(row) = rows.next()? {
            let start = stored.len();
            encode_stored(row, stored)?;
            *slot = Some((start, stored.len()));
        }
    }
    Ok(())
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

fn table(register: crate::model::Register) -> &'static str {
    match register {
        crate::model::Register::Departments => "department",
        crate::model::Register::Entities => "entity",
        crate::model::Register::Inspectors => "inspector",
        crate::model::Register::Items => "item",
    }
}

/// Number of rows in a register.
pub fn count(conn: &Connection, register: crate::model::Register) -> Result<i64> {
    let table = table(register);
    Ok(conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
}

/// Whether a register has no rows (without counting them).
pub fn is_empty(conn: &Connection, register: crate::model::Register) -> Result<bool> {
    let table = table(register);
    Ok(
        conn.query_row(&format!("SELECT NOT EXISTS (SELECT 1 FROM {table})"), [], |r| {
            r.get(0)
        })?,
    )
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
    fn static_inserts_store_and_fail_as_rusqlite_statements_do() {
        let (ours, theirs) = (Db::open_in_memory().unwrap(), Db::open_in_memory().unwrap());
        let mut e = entity("91330000566997460T", "永州𠀀食品有限公司");
        e.town = String::new();
        e.established = None;
        let mut encoded = Vec::new();
        encode_entity(&e, &mut encoded);
        let mut two = encoded.clone();
        encode_entity(&entity("91440300708461136T", "乙"), &mut two);
        let (first, second) = two.split_at(encoded.len());
        let mut third = Vec::new();
        encode_entity(&entity("91110000600037341L", "丙"), &mut third);
        {
            let mut one = StaticInsert::prepare(ours.conn(), &insert_entities_sql(1)).unwrap();
            let mut many = StaticInsert::prepare(ours.conn(), &insert_entities_sql(2)).unwrap();
            one.insert(decode_values(first).into_iter()).unwrap();
            let err = many
                .insert(decode_values(second).into_iter().chain(decode_values(first)))
                .unwrap_err();
            let mut reference = theirs.conn().prepare(&insert_entities_sql(1)).unwrap();
            bind_values(&mut reference, 0, first).unwrap();
            reference.raw_execute().unwrap();
            let mut reference = theirs.conn().prepare(&insert_entities_sql(2)).unwrap();
            bind_values(&mut reference, 0, second).unwrap();
            bind_values(&mut reference, ENTITY_VALUES, first).unwrap();
            let expected = crate::error::Error::from(reference.raw_execute().unwrap_err());
            // The same code and message: "UNIQUE constraint failed: entity.code".
            assert_eq!(format!("{err:?}"), format!("{expected:?}"));
            assert!(
                format!("{err}").contains("UNIQUE constraint failed: entity.code"),
                "{err}"
            );
            // `OR FAIL`: the row before the failing one stays. A value too many is refused as a parameter out of
            // range, and the statement is usable after.
            let too_many = decode_values(&third).into_iter().chain([None]);
            assert!(format!("{:?}", one.insert(too_many).unwrap_err()).contains("Range"));
            one.insert(decode_values(&third).into_iter()).unwrap();
        }
        let mut reference = theirs.conn().prepare(&insert_entities_sql(1)).unwrap();
        bind_values(&mut reference, 0, &third).unwrap();
        reference.raw_execute().unwrap();
        let dump = |db: &Db| {
            let mut rows = Vec::new();
            for_each_entity(db.conn(), |e| {
                rows.push(e);
                Ok(())
            })
            .unwrap();
            let types: Vec<String> = db
                .conn()
                .prepare("SELECT quote(town) || typeof(established) FROM entity ORDER BY code")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            (rows, types)
        };
        assert_eq!(dump(&ours), dump(&theirs));
        assert_eq!(dump(&ours).1, ["'凤凰街道'text", "''null", "'凤凰街道'text"]);
    }

    #[test]
    fn key_only_records_carry_the_key_and_are_told_from_entities() {
        let mut full = Vec::new();
        encode_entity(&entity("91330000566997460T", "甲公司"), &mut full);
        let mut key_only = Vec::new();
        encode_key_only(b"91330000566997460T", &mut key_only);
        assert_eq!(encoded_key(&key_only), encoded_key(&full));
        assert_eq!(encoded_key(&key_only), b"91330000566997460T");
        assert!(full.starts_with(&key_only));
        assert!(is_key_only(&key_only));
        assert!(!is_key_only(&full));
        // Even an entity whose every other value is empty or NULL has values after its key.
        let mut bare = Vec::new();
        encode_entity(
            &Entity {
                established: None,
                risk_class: None,
                tags: Vec::new(),
                ..entity("K", "")
            },
            &mut bare,
        );
        assert!(!is_key_only(&bare));
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
    fn entity_values_are_checked_as_the_table_checks_them() {
        let db = Db::open_in_memory().unwrap();
        let mut out = Vec::new();
        encode_entity(&entity("91330000566997460T", "甲"), &mut out);
        check_entity_values(&out).unwrap();
        // Each value the CHECK constraints refuse is refused here too, and by SQLite with its checks on.
        let bad = |i: usize, value: Option<&[u8]>| {
            let mut values = decode_values(&out).map(|v| v.map(<[u8]>::to_vec));
            values[i] = value.map(<[u8]>::to_vec);
            let mut encoded = Vec::new();
            for v in &values {
                push_value(&mut encoded, v.as_deref());
            }
            assert!(check_entity_values(&encoded).is_err(), "value {i}: {value:?}");
            let mut insert = db.conn().prepare(&insert_entities_sql(1)).unwrap();
            bind_values(&mut insert, 0, &encoded).unwrap();
            assert!(insert.raw_execute().is_err(), "SQLite, value {i}: {value:?}");
            encoded
        };
        bad(8, Some(b"2015-3-02"));
        bad(8, Some(b"+10000-01-01"));
        bad(12, Some(b"2015/03/02"));
        bad(10, Some(b"E"));
        bad(11, Some(b"[\"a\""));
        bad(11, None);
        bad(1, None);
        // Through the sorted upsert (SQLite's checks off), a bad row fails the upsert, nothing is stored, and
        // the checks are back on after.
        let risky = bad(10, Some(b"E"));
        let mut given = false;
        let next = |out: &mut Vec<u8>| {
            out.extend_from_slice(&risky);
            Ok(!std::mem::replace(&mut given, true))
        };
        assert!(upsert_sorted_entities(db.conn(), next, |_| {}).is_err());
        assert!(list_entities(db.conn()).unwrap().is_empty());
        upsert_sorted_entities(db.conn(), |_| Ok(false), |_| {}).unwrap();
        let on: i64 = db
            .conn()
            .query_row("PRAGMA ignore_check_constraints", [], |r| r.get(0))
            .unwrap();
        assert_eq!(on, 0);
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
