//! Turning one spreadsheet row into a domain value (`Entity`, `Inspector`, `Item`, `Department`) and the
//! problems found on the way.
//!
//! This is the boundary of the core: past it, nothing sees a raw cell. Every value goes through `normalize`;
//! credit codes through `codes::check` (a wrong check character is a warning, a malformed code an error);
//! departments are referenced by code or name and must exist.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::codes::{self, CodeCheck};
use crate::error::Result;
use crate::model::{Department, Entity, Inspector, Item, NO_EXPIRY, Register, RiskClass};
use crate::normalize;
use crate::registers;

use super::fields::{ColumnMap, Field, fields};
use super::problem::{Problem, Reason, Severity};
use super::source::{Cell, RowRef};

/// A parsed row's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    Department(Department),
    Entity(Entity),
    Inspector(Inspector),
    Item(Item),
}

impl Record {
    /// The register key of the record.
    pub fn key(&self) -> &str {
        match self {
            Record::Department(d) => &d.code,
            Record::Entity(e) => &e.code,
            Record::Inspector(i) => &i.staff_no,
            Record::Item(i) => &i.code,
        }
    }
}

/// The outcome of parsing one row.
#[derive(Debug)]
pub struct Parsed {
    /// The value, if the row has no errors.
    pub record: Option<Record>,
    /// The row's key (even if the row has errors elsewhere), with the column it came from, for duplicate checks.
    pub key: Option<(String, Option<usize>)>,
    /// Department name (departments register only), for duplicate-name checks.
    pub department_name: Option<(String, usize)>,
    pub problems: Vec<Problem>,
}

impl Parsed {
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
    }
}

/// The departments known to the database, for resolving references by code or name.
#[derive(Clone, Debug, Default)]
pub struct Departments {
    by_code: HashMap<String, String>,
    by_name: HashMap<String, String>,
}

impl Departments {
    pub fn load(conn: &Connection) -> Result<Departments> {
        let mut d = Departments::default();
        for dep in registers::list_departments(conn)? {
            d.by_name.insert(normalize::name(&dep.name), dep.code.clone());
            d.by_code.insert(dep.code, dep.name);
        }
        Ok(d)
    }

    /// The code of the department named by `value` (its code or its name).
    pub fn resolve(&self, value: &str) -> Option<String> {
        let code = normalize::code(value);
        if self.by_code.contains_key(&code) {
            return Some(code);
        }
        self.by_name.get(&normalize::name(value)).cloned()
    }

    /// The code that already uses `name`, if any.
    pub fn code_of_name(&self, name: &str) -> Option<&str> {
        self.by_name.get(name).map(String::as_str)
    }
}

/// Where the rows come from, for problem locations.
#[derive(Clone, Copy)]
pub struct RowContext<'a> {
    pub register: Register,
    pub file: &'a str,
    pub sheet: Option<&'a str>,
    pub headers: &'a [String],
    pub map: &'a ColumnMap,
    pub departments: &'a Departments,
}

/// The stable code of an item whose file has no code column: the department code, a hyphen and the first 12
/// hex digits (upper case) of SHA-256 over the department code, a U+001F separator and the normalised item
/// name. The same item in the same department always gets the same code, whatever the row order.
pub fn derived_item_code(department: &str, name: &str) -> String {
    let mut h = Sha256::new();
    h.update(department.as_bytes());
    h.update([0x1F]);
    h.update(normalize::name(name).as_bytes());
    let digest = h.finalize();
    format!("{department}-{}", hex::encode_upper(&digest[..6]))
}

/// The field `$key` of register `$register` as a constant: resolved to its index once, when compiled.
macro_rules! field {
    ($register:ident, $key:literal) => {
        const { Field::of(Register::$register, $key) }
    };
}

/// The key field of an entity, named in several places.
const ENTITY_CODE: Field = field!(Entities, "code");

/// Collects the problems of one row while its fields are read.
struct RowReader<'a, 'b> {
    ctx: &'a RowContext<'b>,
    row: RowRef<'a>,
    problems: Vec<Problem>,
}

impl<'a> RowReader<'a, '_> {
    fn col(&self, field: Field) -> Option<usize> {
        self.ctx.map.column_of(field)
    }

    fn problem(&mut self, key: Option<&'static str>, col: Option<usize>, severity: Severity, reason: Reason) {
        let value = col
            .map(|c| shorten(self.row.cell(c).display()))
            .unwrap_or_default();
        self.problems.push(Problem {
            file: self.ctx.file.to_string(),
            sheet: self.ctx.sheet.map(str::to_string),
            row: self.row.number(),
            column: col.map(|c| self.ctx.headers.get(c).cloned().unwrap_or_default()),
            column_index: col,
            field: key,
            value,
            severity,
            reason,
        });
    }

    fn error(&mut self, field: Field, reason: Reason) {
        let col = self.col(field);
        self.problem(Some(field.key), col, Severity::Error, reason);
    }

    /// The raw cell of a field (empty if the field has no column). Error values are reported once here.
    fn cell(&mut self, field: Field) -> Cell<'a> {
        let Some(col) = self.col(field) else {
            return Cell::Empty;
        };
        let cell = self.row.cell(col);
        if let Cell::Error(_) = cell {
            self.error(field, Reason::CellError);
            return Cell::Empty;
        }
        cell
    }

    /// A text field, refused (and read as empty) when longer than [`MAX_TEXT_CHARS`].
    fn with(&mut self, field: Field, f: fn(&str) -> String) -> String {
        let v = match self.cell(field) {
            // Text, nearly every cell, is normalised in place rather than copied first.
            Cell::Text(t) => f(t),
            other => f(&other.display()),
        };
        self.capped(field, Cow::Owned(v)).into_owned()
    }

    /// [`RowReader::with`] with a normaliser that borrows the cell where it can (`normalize::name_cow`).
    fn with_cow(&mut self, field: Field, f: for<'c> fn(&'c str) -> Cow<'c, str>) -> Cow<'a, str> {
        let v = match self.cell(field) {
            Cell::Text(t) => f(t),
            other => Cow::Owned(f(&other.display()).into_owned()),
        };
        self.capped(field, v)
    }

    /// `v`, or empty with an error if it is longer than [`MAX_TEXT_CHARS`].
    fn capped(&mut self, field: Field, v: Cow<'a, str>) -> Cow<'a, str> {
        // A string has at most as many characters as bytes: count them only when the bytes could exceed the cap.
        if v.len() > MAX_TEXT_CHARS {
            let length = v.chars().count();
            if length > MAX_TEXT_CHARS {
                self.error(
                    field,
                    Reason::TooLong {
                        length,
                        max: MAX_TEXT_CHARS,
                    },
                );
                return Cow::Borrowed("");
            }
        }
        v
    }

    fn required(&mut self, field: Field, f: fn(&str) -> String) -> String {
        let errors_before = self.problems.len();
        let v = self.with(field, f);
        self.missing_unless(field, !v.is_empty(), errors_before);
        v
    }

    /// [`RowReader::required`] with a borrowing normaliser.
    fn required_cow(&mut self, field: Field, f: for<'c> fn(&'c str) -> Cow<'c, str>) -> Cow<'a, str> {
        let errors_before = self.problems.len();
        let v = self.with_cow(field, f);
        self.missing_unless(field, !v.is_empty(), errors_before);
        v
    }

    /// A `Missing` error for a required field that is empty without an error of its own.
    fn missing_unless(&mut self, field: Field, present: bool, errors_before: usize) {
        if !present && self.problems.len() == errors_before {
            self.error(field, Reason::Missing);
        }
    }

    /// The text of a cell that is not a number, a date or a boolean, borrowed where it is text.
    fn text_of(cell: Cell<'_>) -> Cow<'_, str> {
        match cell {
            Cell::Text(t) => Cow::Borrowed(t),
            other => Cow::Owned(other.display()),
        }
    }

    /// A date field. `no_expiry` allows 长期/永久, read as [`NO_EXPIRY`] (9999-12-31), which the draw protocol
    /// treats as valid on every date; an empty cell stays `None` ("unknown").
    fn date(&mut self, field: Field, no_expiry: bool) -> Option<NaiveDate> {
        match self.cell(field) {
            Cell::Empty => None,
            Cell::Date(d) => Some(d),
            Cell::Number(n) => {
                let date = if n.fract() == 0.0 && (19_000_101.0..=29_991_231.0).contains(&n) {
                    normalize::date(&format!("{}", n as i64))
                } else {
                    normalize::excel_serial_to_date(n)
                };
                if date.is_none() {
                    self.error(field, Reason::Date);
                }
                date
            }
            other => {
                let t = Self::text_of(other);
                if normalize::is_blank(&t) {
                    return None;
                }
                if no_expiry && normalize::is_no_expiry(&t) {
                    return Some(NO_EXPIRY);
                }
                let date = normalize::date(&t);
                if date.is_none() {
                    self.error(field, Reason::Date);
                }
                date
            }
        }
    }

    fn boolean(&mut self, field: Field) -> bool {
        match self.cell(field) {
            Cell::Bool(b) => b,
            other => {
                let t = Self::text_of(other);
                if normalize::is_blank(&t) {
                    return false;
                }
                normalize::boolean(&t).unwrap_or_else(|| {
                    self.error(field, Reason::Boolean);
                    false
                })
            }
        }
    }

    fn list(&mut self, field: Field) -> Vec<String> {
        normalize::list(&self.with_cow(field, |t| Cow::Borrowed(t)))
    }

    fn risk_class(&mut self, field: Field) -> Option<RiskClass> {
        let t = self.with_cow(field, normalize::name_cow);
        if t.is_empty() {
            return None;
        }
        // "A(低风险)", "低风险(A)": try the whole text, then the part outside and inside the parentheses.
        let outside = t.split('(').next().unwrap_or("");
        let inside = t
            .split('(')
            .nth(1)
            .and_then(|s| s.split(')').next())
            .unwrap_or("");
        let parsed = [&*t, outside, inside]
            .into_iter()
            .find_map(|s| RiskClass::parse(s.trim()).filter(|_| !s.trim().is_empty()));
        if parsed.is_none() {
            self.error(field, Reason::RiskClass);
        }
        parsed
    }

    fn department(&mut self, field: Field) -> String {
        let raw = self.required(field, normalize::name);
        if raw.is_empty() {
            return raw;
        }
        match self.ctx.departments.resolve(&raw) {
            Some(code) => code,
            None => {
                self.error(field, Reason::UnknownDepartment);
                String::new()
            }
        }
    }

    fn finish(self, record: Record, key_field: Field) -> Parsed {
        let key = Some((record.key().to_string(), self.col(key_field)));
        let has_errors = self.problems.iter().any(|p| p.severity == Severity::Error);
        Parsed {
            record: (!has_errors).then_some(record),
            key: key.filter(|(k, _)| !k.is_empty()),
            department_name: None,
            problems: self.problems,
        }
    }
}

/// The longest text a register field may hold, in characters. The longest real values (addresses, business
/// scopes written into a name column) are a few hundred; a cell of megabytes is a broken file, and storing it
/// would bloat every frozen population and record.
pub const MAX_TEXT_CHARS: usize = 1000;

/// A cell's text for a problem message: at most 100 characters, so a huge cell cannot flood the messages and
/// the report.
pub(crate) fn shorten(text: String) -> String {
    match text.char_indices().nth(100) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

/// Parses one non-blank data row.
pub fn parse_row(ctx: &RowContext<'_>, row: RowRef<'_>) -> Parsed {
    let mut r = RowReader {
        ctx,
        row,
        problems: Vec::new(),
    };
    match ctx.register {
        Register::Entities => {
            let e = read_entity(&mut r).into_entity();
            r.finish(Record::Entity(e), ENTITY_CODE)
        }
        Register::Inspectors => {
            let i = Inspector {
                staff_no: r.required(field!(Inspectors, "staff_no"), normalize::code),
                name: r.required(field!(Inspectors, "name"), normalize::name),
                department: r.department(field!(Inspectors, "department")),
                certificate_no: r.with(field!(Inspectors, "certificate_no"), normalize::code),
                certificate_valid_until: r.date(field!(Inspectors, "certificate_valid_until"), true),
                qualifications: r.list(field!(Inspectors, "qualifications")),
                expert: r.boolean(field!(Inspectors, "expert")),
                region: r.with(field!(Inspectors, "region"), normalize::name),
                status: r.with(field!(Inspectors, "status"), normalize::name),
            };
            r.finish(Record::Inspector(i), field!(Inspectors, "staff_no"))
        }
        Register::Items => {
            let has_code_column = r.col(field!(Items, "code")).is_some();
            let given_code = if has_code_column {
                r.required(field!(Items, "code"), normalize::code)
            } else {
                String::new()
            };
            let name = r.required(field!(Items, "name"), normalize::name);
            let department = r.department(field!(Items, "department"));
            let code = if has_code_column || department.is_empty() || name.is_empty() {
                given_code
            } else {
                derived_item_code(&department, &name)
            };
            let i = Item {
                code,
                name,
                department,
                legal_basis: r.with(field!(Items, "legal_basis"), normalize::text),
                subject: r.with(field!(Items, "subject"), normalize::text),
                object: r.with(field!(Items, "object"), normalize::text),
                method: r.with(field!(Items, "method"), normalize::text),
                ratio_frequency: r.with(field!(Items, "ratio_frequency"), normalize::text),
                inspector_requirements: r.with(field!(Items, "inspector_requirements"), normalize::text),
                notes: r.with(field!(Items, "notes"), normalize::text),
            };
            // Without a code column, duplicates are found through the name (the code derives from it).
            r.finish(
                Record::Item(i),
                if has_code_column {
                    field!(Items, "code")
                } else {
                    field!(Items, "name")
                },
            )
        }
        Register::Departments => {
            let code = r.required(field!(Departments, "code"), normalize::code);
            let name = r.required(field!(Departments, "name"), normalize::name);
            if !name.is_empty()
                && let Some(other) = ctx.departments.code_of_name(&name)
                && other != code
            {
                let other = other.to_string();
                r.error(field!(Departments, "name"), Reason::NameTaken { code: other });
            }
            let name_col = r.col(field!(Departments, "name"));
            let mut parsed = r.finish(
                Record::Department(Department {
                    code,
                    name: name.clone(),
                }),
                field!(Departments, "code"),
            );
            parsed.department_name = name_col.filter(|_| !name.is_empty()).map(|c| (name, c));
            parsed
        }
    }
}

/// An entity row's values as parsed, borrowing the cells that need no change (nearly all of them).
struct EntityCells<'a> {
    code: Cow<'a, str>,
    name: Cow<'a, str>,
    entity_type: Cow<'a, str>,
    industry: Cow<'a, str>,
    address: Cow<'a, str>,
    authority: Cow<'a, str>,
    region: Cow<'a, str>,
    town: Cow<'a, str>,
    established: Option<NaiveDate>,
    status: Cow<'a, str>,
    risk_class: Option<RiskClass>,
    tags: Vec<String>,
    last_inspected: Option<NaiveDate>,
}

impl EntityCells<'_> {
    fn as_ref(&self) -> registers::EntityRef<'_> {
        registers::EntityRef {
            code: &self.code,
            name: &self.name,
            entity_type: &self.entity_type,
            industry: &self.industry,
            address: &self.address,
            authority: &self.authority,
            region: &self.region,
            town: &self.town,
            established: self.established,
            status: &self.status,
            risk_class: self.risk_class,
            tags: &self.tags,
            last_inspected: self.last_inspected,
        }
    }

    fn into_entity(self) -> Entity {
        Entity {
            code: self.code.into_owned(),
            name: self.name.into_owned(),
            entity_type: self.entity_type.into_owned(),
            industry: self.industry.into_owned(),
            address: self.address.into_owned(),
            authority: self.authority.into_owned(),
            region: self.region.into_owned(),
            town: self.town.into_owned(),
            established: self.established,
            status: self.status.into_owned(),
            risk_class: self.risk_class,
            tags: self.tags,
            last_inspected: self.last_inspected,
        }
    }
}

/// Reads the fields of an entity row, in column-independent field order (the problems come in that order).
fn read_entity<'a>(r: &mut RowReader<'a, '_>) -> EntityCells<'a> {
    let code = r.required_cow(ENTITY_CODE, normalize::code_cow);
    if !code.is_empty() {
        match codes::check(&code) {
            CodeCheck::Valid => {}
            CodeCheck::BadCheck { expected, found } => {
                let col = r.col(ENTITY_CODE);
                r.problem(
                    Some(ENTITY_CODE.key),
                    col,
                    Severity::Warning,
                    Reason::CheckCharacter { expected, found },
                );
            }
            CodeCheck::Malformed(m) => r.error(ENTITY_CODE, Reason::from_malformed(m)),
        }
    }
    EntityCells {
        code,
        name: r.required_cow(field!(Entities, "name"), normalize::name_cow),
        entity_type: r.with_cow(field!(Entities, "entity_type"), normalize::name_cow),
        industry: r.with_cow(field!(Entities, "industry"), normalize::name_cow),
        address: r.with_cow(field!(Entities, "address"), normalize::name_cow),
        authority: r.with_cow(field!(Entities, "authority"), normalize::name_cow),
        region: r.with_cow(field!(Entities, "region"), normalize::name_cow),
        town: r.with_cow(field!(Entities, "town"), normalize::name_cow),
        established: r.date(field!(Entities, "established"), false),
        status: r.with_cow(field!(Entities, "status"), normalize::name_cow),
        risk_class: r.risk_class(field!(Entities, "risk_class")),
        tags: r.list(field!(Entities, "tags")),
        last_inspected: r.date(field!(Entities, "last_inspected"), false),
    }
}

/// [`parse_row`] of an entity row for the import's sort: the entity of a row without errors is appended to
/// `out` as `registers::encode_entity` encodes it (the range says where), instead of being made an `Entity`,
/// so a cell that needs no change is copied once, into `out`. `record` is always `None`; key and problems are
/// exactly [`parse_row`]'s, except that without `keep_key` the key of an encoded row is left out (`None`): it is
/// the encoding's first value (`registers::encoded_key`), and a caller that needs it only now and then saves a
/// string per row.
pub fn parse_entity_encoded(
    ctx: &RowContext<'_>,
    row: RowRef<'_>,
    out: &mut Vec<u8>,
    keep_key: bool,
) -> (Parsed, Option<std::ops::Range<usize>>) {
    let mut r = RowReader {
        ctx,
        row,
        problems: Vec::new(),
    };
    let e = read_entity(&mut r);
    let has_errors = r.problems.iter().any(|p| p.severity == Severity::Error);
    let encoded = (!has_errors).then(|| {
        let start = out.len();
        registers::encode_entity_ref(&e.as_ref(), out);
        start..out.len()
    });
    let key = (!e.code.is_empty() && (keep_key || encoded.is_none()))
        .then(|| (e.code.into_owned(), r.col(ENTITY_CODE)));
    let parsed = Parsed {
        record: None,
        key,
        department_name: None,
        problems: r.problems,
    };
    (parsed, encoded)
}

/// The header names of a register's fields, for the export and for reports.
pub fn canonical_headers(register: Register) -> Vec<&'static str> {
    fields(register).iter().map(|f| f.header).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::source::{CellValue, RawRow};

    /// The entity rows of `cells` (one per row) as `parse_row` + `encode_entity` and as
    /// `parse_entity_encoded` see them: key, problems, encoding.
    fn both_ways(rows: &[Vec<CellValue>]) {
        let headers: Vec<String> = canonical_headers(Register::Entities)
            .iter()
            .map(|h| h.to_string())
            .collect();
        let map = crate::import::fields::map_columns(Register::Entities, &headers, &[]).unwrap();
        let departments = Departments::default();
        let ctx = RowContext {
            register: Register::Entities,
            file: "e.csv",
            sheet: None,
            headers: &headers,
            map: &map,
            departments: &departments,
        };
        let mut out = vec![7u8];
        let mut texts = 0;
        for (i, cells) in rows.iter().enumerate() {
            let row = RawRow {
                number: i as u32 + 2,
                cells: cells.clone(),
            };
            let old = parse_row(&ctx, RowRef::Cells(&row));
            let mut expected = Vec::new();
            if let Some(Record::Entity(e)) = &old.record {
                registers::encode_entity(e, &mut expected);
            }
            let start = out.len();
            let (new, range) = parse_entity_encoded(&ctx, RowRef::Cells(&row), &mut out, true);
            // Without the key: the same but for the key of an encoded row, which is the encoding's.
            let mut plain = Vec::new();
            let (keyless, keyless_range) = parse_entity_encoded(&ctx, RowRef::Cells(&row), &mut plain, false);
            assert_eq!(keyless.problems, old.problems);
            match keyless_range {
                Some(r) => {
                    assert_eq!(keyless.key, None);
                    let key = old.key.as_ref().map(|(k, _)| k.as_bytes());
                    assert_eq!(Some(registers::encoded_key(&plain[r])), key);
                }
                None => assert_eq!(keyless.key, old.key),
            }
            assert_eq!(new.key, old.key, "{cells:?}");
            assert_eq!(new.problems, old.problems, "{cells:?}");
            assert!(new.record.is_none());
            assert_eq!(range.is_some(), old.record.is_some(), "{cells:?}");
            assert_eq!(&out[start..], &expected[..], "{cells:?}");
            if let Some(r) = range {
                assert_eq!(r, start..out.len());
            }
            // A CSV record read as text (only text and empty cells): the same as its `RawRow`.
            let fields: Option<Vec<&str>> = cells
                .iter()
                .map(|c| match c {
                    CellValue::Empty => Some(""),
                    CellValue::Text(t) if !t.is_empty() => Some(t.as_str()),
                    _ => None,
                })
                .collect();
            if let Some(fields) = fields {
                let mut text = crate::import::source::TextRows::default();
                text.push_fields(row.number, &fields);
                let mut text_out = Vec::new();
                let (parsed, range) =
                    parse_entity_encoded(&ctx, RowRef::Text(text.row(0)), &mut text_out, true);
                assert_eq!(parsed.key, old.key, "{cells:?}");
                assert_eq!(parsed.problems, old.problems, "{cells:?}");
                assert_eq!(range.is_some(), old.record.is_some(), "{cells:?}");
                assert_eq!(text_out, expected, "{cells:?}");
                let again = parse_row(&ctx, RowRef::Text(text.row(0)));
                assert_eq!(
                    (again.key, again.problems),
                    (old.key.clone(), old.problems.clone())
                );
                assert_eq!(again.record, old.record);
                texts += 1;
            }
        }
        assert!(
            texts > rows.len() / 2,
            "{texts} of {} rows read as text",
            rows.len()
        );
    }

    /// Demo entity rows in the canonical column order, then the first with every odd kind of cell in every
    /// column, then two short rows.
    fn odd_entity_rows() -> Vec<Vec<CellValue>> {
        let as_of = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let text = |cells: Vec<String>| -> Vec<CellValue> {
            cells
                .into_iter()
                .map(|c| {
                    if c.is_empty() {
                        CellValue::Empty
                    } else {
                        CellValue::Text(c)
                    }
                })
                .collect()
        };
        let mut rows: Vec<Vec<CellValue>> = crate::demo::entities(b"parse", 300, as_of)
            .map(|e| text(crate::export::entity_cells(&e)))
            .collect();
        let base = rows[0].clone();
        // Every kind of cell in every column: what each normaliser changes, refuses or warns about.
        let odd: Vec<CellValue> = vec![
            CellValue::Empty,
            CellValue::Text("  ".into()),
            CellValue::Text(" 91330000566997460t ".into()),
            CellValue::Text("91330000566997460t".into()),
            CellValue::Text("9133 0000 5669 9746 0T".into()),
            CellValue::Text("'91330000566997460T".into()),
            CellValue::Text("91330000566997461T".into()),
            CellValue::Text("9133000056699746".into()),
            CellValue::Text("９１３３００００５６６９９７４６０Ｔ".into()),
            CellValue::Text("甲  公司\u{3000}（分店）".into()),
            CellValue::Text("e\u{301}tude".into()),
            CellValue::Text("abc def".into()),
            CellValue::Text("A(低风险)".into()),
            CellValue::Text("低风险（B）".into()),
            CellValue::Text("食品；药品、食品,  ".into()),
            CellValue::Text("2020-1-2".into()),
            CellValue::Text("2020年1月2日".into()),
            CellValue::Text("长期".into()),
            CellValue::Text("not a date".into()),
            CellValue::Text("中".repeat(1001)),
            CellValue::Text("x".repeat(1001)),
            CellValue::Number(20200102.0),
            CellValue::Number(43831.0),
            CellValue::Number(3.5),
            CellValue::Bool(true),
            CellValue::Date(as_of),
            CellValue::Error("#N/A".into()),
        ];
        for col in 0..base.len() {
            for cell in &odd {
                let mut row = base.clone();
                row[col] = cell.clone();
                rows.push(row);
            }
        }
        // Short rows: the missing cells are empty.
        rows.push(base[..2].to_vec());
        rows.push(Vec::new());
        rows
    }

    #[test]
    fn entities_encoded_while_parsing_are_what_parsing_then_encoding_gives() {
        both_ways(&odd_entity_rows());
    }

    /// The parser finds a field's cell through the column map by the field's index: with the columns in another
    /// order, an optional one missing, extra columns and a header that appears twice (the leftmost is used), each
    /// row parses as the same row in canonical order (without the missing column's cell) does, its problems
    /// naming the same header at the column where it now is.
    #[test]
    fn entity_fields_are_found_by_index_whatever_the_column_order() {
        let canonical: Vec<String> = canonical_headers(Register::Entities)
            .iter()
            .map(|h| h.to_string())
            .collect();
        let tags = canonical.iter().position(|h| h == "标签").unwrap();
        // `layout[c]`: the canonical column that column c holds, or None for a column of no field.
        let mut layout: Vec<Option<usize>> = vec![None];
        layout.extend((0..canonical.len()).rev().filter(|&c| c != tags).map(Some));
        layout.insert(5, None);
        layout.push(Some(1));
        let headers: Vec<String> = layout
            .iter()
            .map(|c| c.map_or("备注".to_string(), |c| canonical[c].clone()))
            .collect();
        let name_at: Vec<usize> = (0..headers.len()).filter(|&c| headers[c] == "企业名称").collect();
        assert_eq!(name_at.len(), 2, "{headers:?}");
        let map_of = |headers: &[String]| {
            crate::import::fields::map_columns(Register::Entities, headers, &[]).unwrap()
        };
        let (canonical_map, map) = (map_of(&canonical), map_of(&headers));
        assert_eq!(map.column(Register::Entities, "name"), Some(name_at[0]));
        assert_eq!(map.column(Register::Entities, "tags"), None);
        let departments = Departments::default();
        let canonical_ctx = RowContext {
            register: Register::Entities,
            file: "e.csv",
            sheet: None,
            headers: &canonical,
            map: &canonical_map,
            departments: &departments,
        };
        let moved_ctx = RowContext {
            headers: &headers,
            map: &map,
            ..canonical_ctx
        };
        let mut encoded = 0;
        for (i, cells) in odd_entity_rows().into_iter().enumerate() {
            let number = i as u32 + 2;
            let cell = |c: usize| cells.get(c).cloned().unwrap_or(CellValue::Empty);
            let mut reference = (0..canonical.len()).map(cell).collect::<Vec<_>>();
            reference[tags] = CellValue::Empty;
            // The extra columns and the second 企业名称 hold what would be refused if they were read.
            let moved_cells: Vec<CellValue> = layout
                .iter()
                .enumerate()
                .map(|(c, canonical_col)| match canonical_col {
                    Some(k) if c != name_at[1] => reference[*k].clone(),
                    _ => CellValue::Error("#REF!".into()),
                })
                .collect();
            let expected = parse_row(
                &canonical_ctx,
                RowRef::Cells(&RawRow {
                    number,
                    cells: reference,
                }),
            );
            let moved_row = RawRow {
                number,
                cells: moved_cells,
            };
            let got = parse_row(&moved_ctx, RowRef::Cells(&moved_row));
            // Where a canonical column now is (the first of the two 企业名称).
            let moved_col = |c: Option<usize>| c.map(|c| layout.iter().position(|k| *k == Some(c)).unwrap());
            let mut problems = expected.problems.clone();
            for p in &mut problems {
                p.column_index = moved_col(p.column_index);
            }
            assert_eq!(got.record, expected.record, "{moved_row:?}");
            assert_eq!(got.key, expected.key.clone().map(|(k, c)| (k, moved_col(c))));
            assert_eq!(got.problems, problems, "{moved_row:?}");
            let mut out = Vec::new();
            let (parsed, range) = parse_entity_encoded(&moved_ctx, RowRef::Cells(&moved_row), &mut out, true);
            assert_eq!((parsed.key, parsed.problems), (got.key, got.problems));
            assert_eq!(range.is_some(), got.record.is_some());
            encoded += usize::from(range.is_some());
        }
        assert!(encoded > 300, "{encoded} rows without errors");
    }

    #[test]
    fn derived_item_codes_are_stable_and_depend_on_department_and_name() {
        let a = derived_item_code("D01", "食品经营许可事项的检查");
        assert_eq!(a, derived_item_code("D01", " 食品经营许可事项的检查\u{3000}"));
        assert!(a.starts_with("D01-") && a.len() == 16, "{a}");
        assert_ne!(a, derived_item_code("D02", "食品经营许可事项的检查"));
        assert_ne!(a, derived_item_code("D01", "食品生产许可事项的检查"));
    }
}
