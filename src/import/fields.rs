//! The fields of each register, the column headers that name them in real spreadsheets, and the search for
//! the header row.
//!
//! The first name of each field is its canonical header: the demo generator writes it and the exporter writes
//! it, so an exported file re-imports unchanged. Headers are compared by [`normalize::header_key`] (spacing,
//! width, `*` markers and trailing remarks like `（可选）` ignored). When several columns could be one field,
//! the column with the earlier name in the list wins (then the leftmost), and a column is used for one field.

use serde::Serialize;

use crate::model::Register;
use crate::normalize;

use super::problem::ImportError;
use super::source::RawRow;

/// One field of a register.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct FieldSpec {
    /// The field's name in the domain type and in `--map`, e.g. `code`.
    pub key: &'static str,
    /// The canonical column header, e.g. `统一社会信用代码`.
    pub header: &'static str,
    /// Other headers that mean this field, best first.
    #[serde(skip)]
    pub synonyms: &'static [&'static str],
    /// Whether the header row must have this column.
    pub required: bool,
}

const fn f(
    key: &'static str,
    header: &'static str,
    synonyms: &'static [&'static str],
    required: bool,
) -> FieldSpec {
    FieldSpec {
        key,
        header,
        synonyms,
        required,
    }
}

const ENTITY_FIELDS: &[FieldSpec] = &[
    f(
        "code",
        "统一社会信用代码",
        &[
            "信用代码",
            "注册号",
            "统一代码",
            "社会信用代码",
            "统一社会信用代码/注册号",
            "统一社会信用代码或注册号",
        ],
        true,
    ),
    f(
        "name",
        "企业名称",
        &["主体名称", "名称", "单位名称", "市场主体名称"],
        true,
    ),
    f(
        "entity_type",
        "类型",
        &["企业类型", "主体类型", "市场主体类型"],
        false,
    ),
    f("industry", "行业", &["所属行业", "行业门类", "行业类别"], false),
    f(
        "address",
        "住所",
        &["地址", "经营场所", "经营地址", "注册地址"],
        false,
    ),
    f("authority", "登记机关", &["管辖单位", "管辖机关"], false),
    f("region", "所属区域", &["行政区划", "区县", "所属区县"], false),
    f("town", "乡镇街道", &["乡镇", "街道", "所属乡镇"], false),
    f("established", "成立日期", &[], false),
    f("status", "经营状态", &["登记状态", "状态"], false),
    f(
        "risk_class",
        "信用风险分类",
        &["风险等级", "风险分类", "信用风险等级"],
        false,
    ),
    f("tags", "标签", &[], false),
    f("last_inspected", "最近检查日期", &["上次检查日期"], false),
];

const INSPECTOR_FIELDS: &[FieldSpec] = &[
    f("staff_no", "工号", &["人员编号"], true),
    f("name", "姓名", &[], true),
    f("department", "所在部门", &["部门", "单位"], true),
    f("certificate_no", "执法证编号", &["执法证号", "证件编号"], false),
    f(
        "certificate_valid_until",
        "执法证有效期",
        &["有效期至", "证件有效期"],
        false,
    ),
    f("qualifications", "岗位资质资格", &["资质", "执法领域"], false),
    f("expert", "是否专家", &["专家"], false),
    f("region", "地区", &["所属地区"], false),
    f("status", "状态", &["人员状态"], false),
];

const ITEM_FIELDS: &[FieldSpec] = &[
    f("code", "事项编码", &["编码"], false),
    f("name", "抽查事项", &["事项名称"], true),
    f("department", "实施部门", &["部门", "抽查主体部门"], true),
    f("legal_basis", "抽查依据", &["依据"], false),
    f("subject", "抽查主体", &[], false),
    f("object", "抽查对象", &[], false),
    f("method", "抽查方式", &["检查方式"], false),
    f("ratio_frequency", "抽查比例和频次", &["比例频次"], false),
    f("inspector_requirements", "检查人员要求", &[], false),
    f("notes", "备注", &[], false),
];

const DEPARTMENT_FIELDS: &[FieldSpec] = &[
    f("code", "部门编码", &["编码"], true),
    f("name", "部门名称", &["名称"], true),
];

/// The fields of a register, in export column order.
pub const fn fields(register: Register) -> &'static [FieldSpec] {
    match register {
        Register::Entities => ENTITY_FIELDS,
        Register::Inspectors => INSPECTOR_FIELDS,
        Register::Items => ITEM_FIELDS,
        Register::Departments => DEPARTMENT_FIELDS,
    }
}

/// A field as the parser names it: its key and its index in [`fields`], so that a row's cell is found through
/// [`ColumnMap::columns`] without comparing names (which, for every field of every row, cost a few per cent of a
/// large import). Made in a constant by [`Field::of`], so a key the register does not have does not compile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub index: usize,
    pub key: &'static str,
}

impl Field {
    /// The field of `register` whose key is `key`; panics (at compile time in a constant) if there is none.
    pub const fn of(register: Register, key: &'static str) -> Field {
        let specs = fields(register);
        let mut index = 0;
        while index < specs.len() {
            if const_eq(specs[index].key, key) {
                return Field {
                    index,
                    key: specs[index].key,
                };
            }
            index += 1;
        }
        panic!("the register has no field of this key");
    }
}

/// `a == b` for a constant (`str`'s `==` is not usable there).
const fn const_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// How many non-blank rows at the top of a sheet are searched for the header row.
pub const HEADER_SEARCH_ROWS: usize = 20;

/// Which column holds which field: `columns[field index]` is the column index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnMap {
    pub columns: Vec<Option<usize>>,
}

impl ColumnMap {
    /// The column of the field named `key`.
    pub fn column(&self, register: Register, key: &str) -> Option<usize> {
        let i = fields(register).iter().position(|f| f.key == key)?;
        self.columns[i]
    }

    /// The column of `field` (a field of the register this map was made for).
    pub fn column_of(&self, field: Field) -> Option<usize> {
        self.columns[field.index]
    }

    /// The field (key) a column is mapped to.
    pub fn field_of(&self, register: Register, col: usize) -> Option<&'static str> {
        let i = self.columns.iter().position(|c| *c == Some(col))?;
        Some(fields(register)[i].key)
    }

    /// Required fields without a column.
    pub fn missing_required(&self, register: Register) -> Vec<&'static FieldSpec> {
        fields(register)
            .iter()
            .zip(&self.columns)
            .filter(|(f, c)| f.required && c.is_none())
            .map(|(f, _)| f)
            .collect()
    }
}

/// A `--map FIELD=HEADER` resolved to a field index. An empty `header` says the field has no column at all
/// (the desktop app's mapping screen can take a wrong guess away; the command line has no use for it).
#[derive(Clone, Debug)]
pub struct ExplicitMap {
    pub field: usize,
    pub header: String,
}

/// How a column came to be mapped to its field: how sure the mapping is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The user named the column for the field.
    Explicit,
    /// The header is the field's canonical header (what the exporter and the demo write).
    Canonical,
    /// The header is one of the field's other names: likely, but worth a look.
    Synonym,
}

/// How column `header` came to be mapped to field `field` (an index into [`fields`]).
pub fn match_kind(register: Register, field: usize, header: &str, explicit: &[ExplicitMap]) -> MatchKind {
    if explicit.iter().any(|m| m.field == field) {
        MatchKind::Explicit
    } else if normalize::header_key(header) == normalize::header_key(fields(register)[field].header) {
        MatchKind::Canonical
    } else {
        MatchKind::Synonym
    }
}

/// Checks the `--map` field names. A field may be named by its key (`code`) or its canonical header.
pub fn resolve_explicit(
    register: Register,
    maps: &[(String, String)],
) -> Result<Vec<ExplicitMap>, ImportError> {
    let specs = fields(register);
    maps.iter()
        .map(|(field, header)| {
            let f = field.trim();
            let idx = specs
                .iter()
                .position(|s| s.key == f || normalize::header_key(s.header) == normalize::header_key(f));
            match idx {
                Some(field) => Ok(ExplicitMap {
                    field,
                    header: header.clone(),
                }),
                None => Err(ImportError::UnknownField {
                    field: field.clone(),
                    available: specs
                        .iter()
                        .map(|s| format!("{} ({})", s.key, s.header))
                        .collect(),
                }),
            }
        })
        .collect()
}

/// The header texts of a row as written in the file (only runs of whitespace collapsed), for messages and
/// reports; matching uses [`normalize::header_key`].
pub fn header_texts(row: &RawRow) -> Vec<String> {
    row.cells
        .iter()
        .map(|c| c.display().split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// Maps the columns of a candidate header row. Returns `None` if an explicit mapping names a header this row
/// does not have.
pub fn map_columns(register: Register, headers: &[String], explicit: &[ExplicitMap]) -> Option<ColumnMap> {
    let specs = fields(register);
    let keys: Vec<String> = headers.iter().map(|h| normalize::header_key(h)).collect();
    let mut columns: Vec<Option<usize>> = vec![None; specs.len()];
    let mut decided = vec![false; specs.len()];
    let mut taken = vec![false; headers.len()];
    for m in explicit {
        decided[m.field] = true;
        if m.header.trim().is_empty() {
            continue;
        }
        let wanted = normalize::header_key(&m.header);
        let col = headers
            .iter()
            .position(|h| h.trim() == m.header.trim())
            .or_else(|| keys.iter().position(|k| !k.is_empty() && *k == wanted))?;
        columns[m.field] = Some(col);
        taken[col] = true;
    }
    // Candidates (name rank, column, field), best first.
    let mut candidates: Vec<(usize, usize, usize)> = Vec::new();
    for (fi, spec) in specs.iter().enumerate() {
        if decided[fi] {
            continue;
        }
        let names = std::iter::once(spec.header).chain(spec.synonyms.iter().copied());
        for (rank, name) in names.enumerate() {
            let k = normalize::header_key(name);
            for (col, key) in keys.iter().enumerate() {
                if *key == k {
                    candidates.push((rank, col, fi));
                }
            }
        }
    }
    candidates.sort();
    for (_, col, fi) in candidates {
        if columns[fi].is_none() && !taken[col] {
            columns[fi] = Some(col);
            taken[col] = true;
        }
    }
    Some(ColumnMap { columns })
}

/// The result of searching rows for the header.
pub struct HeaderSearch {
    /// Explicit mappings already resolved.
    explicit: Vec<ExplicitMap>,
    register: Register,
    /// The best row so far that is not a header: (mapped field count, row number, headers).
    closest: Option<(usize, u32, Vec<String>)>,
    /// Rows looked at.
    pub searched: usize,
    /// An explicit header that was in none of the rows (reported if no header row is found).
    pub missing_explicit: Option<ExplicitMap>,
}

/// A header row found.
#[derive(Clone, Debug)]
pub struct Header {
    pub row: u32,
    pub headers: Vec<String>,
    pub map: ColumnMap,
}

impl HeaderSearch {
    pub fn new(register: Register, explicit: Vec<ExplicitMap>) -> Self {
        HeaderSearch {
            explicit,
            register,
            closest: None,
            searched: 0,
            missing_explicit: None,
        }
    }

    /// Looks at one non-blank row; returns the header if this row is it.
    pub fn offer(&mut self, row: &RawRow) -> Option<Header> {
        self.searched += 1;
        let headers = header_texts(row);
        let Some(map) = map_columns(self.register, &headers, &self.explicit) else {
            // Remember which explicit header was absent, for the error message.
            for m in &self.explicit {
                if map_columns(self.register, &headers, std::slice::from_ref(m)).is_none() {
                    self.missing_explicit.get_or_insert_with(|| m.clone());
                }
            }
            self.note_closest(row.number, &headers, 0);
            return None;
        };
        if map.missing_required(self.register).is_empty() {
            return Some(Header {
                row: row.number,
                headers,
                map,
            });
        }
        let mapped = map.columns.iter().filter(|c| c.is_some()).count();
        self.note_closest(row.number, &headers, mapped);
        None
    }

    fn note_closest(&mut self, number: u32, headers: &[String], mapped: usize) {
        if self.closest.as_ref().is_none_or(|(n, ..)| mapped > *n) {
            self.closest = Some((mapped, number, headers.to_vec()));
        }
    }

    /// The closest candidate row (most fields mapped; the first such row).
    pub fn closest(&self) -> Option<(u32, &[String])> {
        self.closest.as_ref().map(|(_, n, h)| (*n, h.as_slice()))
    }

    /// The error when no header row was found.
    pub fn not_found(&self, file: String, sheet: Option<String>) -> ImportError {
        let (closest_row, closest_headers) = match self.closest() {
            Some((n, h)) => (Some(n), h.iter().filter(|h| !h.is_empty()).cloned().collect()),
            None => (None, Vec::new()),
        };
        if let Some(m) = &self.missing_explicit {
            let spec = &fields(self.register)[m.field];
            return ImportError::HeaderNotInFile {
                file,
                field: spec.key.to_string(),
                header: m.header.clone(),
                available: closest_headers,
            };
        }
        let closest_map = self
            .closest()
            .and_then(|(_, h)| map_columns(self.register, h, &self.explicit));
        let missing = fields(self.register)
            .iter()
            .enumerate()
            .filter(|(i, f)| f.required && closest_map.as_ref().is_none_or(|m| m.columns[*i].is_none()))
            .map(|(_, f)| {
                let mut names = vec![f.header];
                names.extend(f.synonyms);
                format!("{} ({})", f.header, names.join("/"))
            })
            .collect();
        ImportError::HeaderNotFound {
            file,
            sheet,
            searched_rows: self.searched,
            missing,
            closest_row,
            closest_headers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn canonical_headers_map_every_field() {
        for reg in [
            Register::Entities,
            Register::Inspectors,
            Register::Items,
            Register::Departments,
        ] {
            let headers: Vec<String> = fields(reg).iter().map(|f| f.header.to_string()).collect();
            let map = map_columns(reg, &headers, &[]).unwrap();
            let expected: Vec<Option<usize>> = (0..headers.len()).map(Some).collect();
            assert_eq!(map.columns, expected, "{reg:?}");
        }
    }

    #[test]
    fn synonyms_rank_before_column_order() {
        // "名称" and "企业名称" both mean the name; 企业名称 is the better name even though it is further right.
        let map = map_columns(Register::Entities, &h(&["名称", "信用代码", "企业名称 "]), &[]).unwrap();
        assert_eq!(map.column(Register::Entities, "name"), Some(2));
        assert_eq!(map.column(Register::Entities, "code"), Some(1));
        assert!(map.missing_required(Register::Entities).is_empty());
    }

    #[test]
    fn remarks_and_full_width_in_headers_are_ignored() {
        let map = map_columns(
            Register::Entities,
            &h(&[
                "＊统一社会信用代码（必填）",
                "企业名称",
                "住所（经营场所）",
                "标签（可选）",
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(map.column(Register::Entities, "address"), Some(2));
        assert_eq!(map.column(Register::Entities, "tags"), Some(3));
    }

    #[test]
    fn explicit_mapping_overrides_detection() {
        let explicit = resolve_explicit(Register::Items, &[("code".into(), "序号".into())]).unwrap();
        let map = map_columns(Register::Items, &h(&["序号", "事项名称", "部门"]), &explicit).unwrap();
        assert_eq!(map.column(Register::Items, "code"), Some(0));
        assert!(map_columns(Register::Items, &h(&["编号"]), &explicit).is_none());
        let err = resolve_explicit(Register::Items, &[("nmae".into(), "x".into())]).unwrap_err();
        assert!(matches!(err, ImportError::UnknownField { .. }));
        // A field may also be named by its canonical header.
        assert_eq!(
            resolve_explicit(Register::Items, &[("抽查事项".into(), "x".into())]).unwrap()[0].field,
            1
        );
    }

    #[test]
    fn an_empty_explicit_header_leaves_the_field_without_a_column() {
        let headers = h(&["信用代码", "企业名称", "地址", "备注"]);
        let explicit = resolve_explicit(Register::Entities, &[("address".into(), "".into())]).unwrap();
        let map = map_columns(Register::Entities, &headers, &explicit).unwrap();
        assert_eq!(map.column(Register::Entities, "address"), None);
        assert_eq!(map.column(Register::Entities, "name"), Some(1));
        // The column freed by it is not taken by another field either.
        assert_eq!(map.field_of(Register::Entities, 2), None);
        // A required field taken away is missing.
        let explicit = resolve_explicit(Register::Entities, &[("name".into(), " ".into())]).unwrap();
        let map = map_columns(Register::Entities, &headers, &explicit).unwrap();
        let missing: Vec<&str> = map
            .missing_required(Register::Entities)
            .iter()
            .map(|f| f.key)
            .collect();
        assert_eq!(missing, ["name"]);
    }

    #[test]
    fn match_kinds_tell_canonical_synonym_and_explicit_apart() {
        let explicit = resolve_explicit(Register::Entities, &[("address".into(), "地址".into())]).unwrap();
        assert_eq!(
            match_kind(Register::Entities, 0, "统一社会信用代码 ", &[]),
            MatchKind::Canonical
        );
        assert_eq!(
            match_kind(Register::Entities, 0, "信用代码", &[]),
            MatchKind::Synonym
        );
        assert_eq!(
            match_kind(Register::Entities, 4, "地址", &explicit),
            MatchKind::Explicit
        );
        assert_eq!(
            match_kind(Register::Entities, 0, "信用代码", &explicit),
            MatchKind::Synonym
        );
    }

    #[test]
    fn fields_by_index_find_the_columns_that_keys_find() {
        // Columns reversed, one optional column left out, an extra column and a header twice.
        for reg in [
            Register::Entities,
            Register::Inspectors,
            Register::Items,
            Register::Departments,
        ] {
            let specs = fields(reg);
            let mut headers: Vec<String> = specs.iter().rev().map(|f| f.header.to_string()).collect();
            let left_out = specs.iter().rev().find(|f| !f.required);
            headers.retain(|hd| left_out.is_none_or(|f| f.header != hd));
            headers.insert(1, "无关".into());
            headers.push(specs[0].header.into());
            let map = map_columns(reg, &headers, &[]).unwrap();
            for (index, spec) in specs.iter().enumerate() {
                let field = Field::of(reg, spec.key);
                assert_eq!(field, Field { index, key: spec.key });
                assert_eq!(
                    map.column_of(field),
                    map.column(reg, spec.key),
                    "{reg:?} {}",
                    spec.key
                );
            }
            if let Some(f) = left_out {
                assert_eq!(map.column_of(Field::of(reg, f.key)), None, "{reg:?}");
            }
            let code = map.column_of(Field::of(reg, specs[0].key));
            assert_eq!(
                code,
                headers.iter().position(|hd| hd == specs[0].header),
                "{reg:?}"
            );
        }
    }

    #[test]
    fn item_serial_number_is_not_taken_as_code() {
        let map = map_columns(Register::Items, &h(&["序号", "抽查事项", "实施部门"]), &[]).unwrap();
        assert_eq!(map.column(Register::Items, "code"), None);
        assert!(map.missing_required(Register::Items).is_empty());
    }
}
